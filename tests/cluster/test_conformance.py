"""scikit-learn's estimator conformance suite on every clustering estimator.

Reference: ``sklearn.utils.estimator_checks.parametrize_with_checks`` (scikit-learn 1.9).
Expected failures: none.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from glassml.cluster import DBSCAN, GaussianMixture, KMeans, MiniBatchKMeans


@parametrize_with_checks(
    [
        KMeans(n_clusters=2, n_init=2, max_iter=5, random_state=0),
        MiniBatchKMeans(n_clusters=2, n_init=2, max_iter=5, batch_size=10, random_state=0),
        GaussianMixture(n_components=1, n_init=2, max_iter=5, random_state=0),
        DBSCAN(),
    ]
)
def test_sklearn_conformance(estimator, check):
    check(estimator)
