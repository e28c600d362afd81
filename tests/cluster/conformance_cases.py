"""Conformance instances for cluster (see tests/test_conformance.py)."""

from glassml.cluster import DBSCAN, GaussianMixture, KMeans, MiniBatchKMeans

INSTANCES = {
    "KMeans": [KMeans(n_clusters=2, n_init=2, max_iter=5, random_state=0)],
    "MiniBatchKMeans": [
        MiniBatchKMeans(n_clusters=2, n_init=2, max_iter=5, batch_size=10, random_state=0)
    ],
    "GaussianMixture": [GaussianMixture(n_components=1, n_init=2, max_iter=5, random_state=0)],
    "DBSCAN": [DBSCAN()],
}
