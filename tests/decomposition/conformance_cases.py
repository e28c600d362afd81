"""Conformance instances for decomposition (see tests/test_conformance.py)."""

from glassml.decomposition import PCA, TSNE

INSTANCES = {
    "PCA": [
        PCA(),
        PCA(2, svd_solver="covariance_eigh"),
        PCA(1, svd_solver="randomized", random_state=0),
    ],
    "TSNE": [
        TSNE(perplexity=2, max_iter=250, random_state=0),
        TSNE(perplexity=2, max_iter=250, method="exact", init="random", random_state=0),
    ],
}
