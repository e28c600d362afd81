"""Clustering: KMeans (Lloyd), GaussianMixture (EM, full covariances), DBSCAN vs scikit-learn.

Targets from the issue (ratio glassml / scikit-learn): ``kmeans`` 200,000 x 32, k=16, per Lloyd
iteration <= 1.0; ``gmm`` 100,000 x 10, 8 full components, per EM iteration <= 0.3; ``dbscan``
50,000 x 3 <= 1.5. "Per iteration": both sides start from the same centres / parameters and run
exactly 20 iterations (tol=0), so the ratio of the totals is the ratio per iteration; the check
column prints the iterations each side did and how far their results differ.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.datasets import make_blobs

from benchmarks._harness import Workload, register

N_ITERATIONS = 20


def _kmeans_data():
    X, _ = make_blobs(200_000, 32, centers=16, cluster_std=4.0, random_state=0)
    centres = X[np.random.default_rng(0).choice(X.shape[0], 16, replace=False)]
    return X, centres


def _kmeans_ours(data):
    from glassml.cluster import KMeans

    X, centres = data
    return KMeans(16, init=centres, max_iter=N_ITERATIONS, tol=0.0).fit(X)


def _kmeans_sklearn(data):
    from sklearn.cluster import KMeans

    X, centres = data
    options = dict(init=centres, n_init=1, max_iter=N_ITERATIONS, tol=0.0, algorithm="lloyd")
    return KMeans(16, **options).fit(X)


def _kmeans_check(data, ours, reference) -> str:
    inertia = abs(ours.inertia_ / reference.inertia_ - 1.0)
    same = np.array_equal(ours.labels_, reference.labels_)
    return (
        f"iterations {ours.n_iter_} vs {reference.n_iter_}, inertia rel. diff {inertia:.1e}, "
        f"labels identical {same}"
    )


def _gmm_data():
    X, _ = make_blobs(100_000, 10, centers=8, cluster_std=2.0, random_state=0)
    rng = np.random.default_rng(0)
    means = X[rng.choice(X.shape[0], 8, replace=False)]
    precisions = np.stack([np.linalg.inv(np.cov(X.T))] * 8)
    return X, {
        "weights_init": np.full(8, 1 / 8),
        "means_init": means,
        "precisions_init": precisions,
    }


def _gmm_options(initial):
    # random_from_data: the cheapest initial responsibilities (all three are then replaced).
    return dict(
        covariance_type="full",
        max_iter=N_ITERATIONS,
        tol=0.0,
        init_params="random_from_data",
        random_state=0,
        **initial,
    )


def _gmm_ours(data):
    from glassml.cluster import GaussianMixture

    X, initial = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 never converges, by design
        return GaussianMixture(8, **_gmm_options(initial)).fit(X)


def _gmm_sklearn(data):
    from sklearn.mixture import GaussianMixture

    X, initial = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixture(8, **_gmm_options(initial)).fit(X)


def _gmm_check(data, ours, reference) -> str:
    means = np.abs(ours.means_ - reference.means_).max()
    bound = abs(ours.lower_bound_ - reference.lower_bound_)
    return (
        f"iterations {ours.n_iter_} vs {reference.n_iter_}, max |means diff| {means:.1e}, "
        f"|lower bound diff| {bound:.1e}"
    )


def _dbscan_data():
    X, _ = make_blobs(50_000, 3, centers=10, cluster_std=1.5, random_state=0)
    return X


def _dbscan_ours(X):
    from glassml.cluster import DBSCAN

    return DBSCAN(eps=0.3, min_samples=10).fit(X)


def _dbscan_sklearn(X):
    from sklearn.cluster import DBSCAN

    return DBSCAN(eps=0.3, min_samples=10).fit(X)


def _dbscan_check(X, ours, reference) -> str:
    same_core = np.array_equal(ours.core_sample_indices_, reference.core_sample_indices_)
    same_labels = np.array_equal(ours.labels_, reference.labels_)
    return (
        f"clusters {ours.labels_.max() + 1}, core samples identical {same_core}, "
        f"labels identical {same_labels}"
    )


register(
    Workload(
        name="kmeans",
        description=f"KMeans lloyd 200,000 x 32, k=16, {N_ITERATIONS} iterations, fixed centres",
        setup=_kmeans_data,
        ours=_kmeans_ours,
        reference=_kmeans_sklearn,
        reference_label="sklearn",
        target=1.0,
        check=_kmeans_check,
    )
)
register(
    Workload(
        name="gmm",
        description=f"GaussianMixture full 100,000 x 10, K=8, {N_ITERATIONS} EM iterations",
        setup=_gmm_data,
        ours=_gmm_ours,
        reference=_gmm_sklearn,
        reference_label="sklearn",
        target=0.3,
        check=_gmm_check,
        repeats=3,
    )
)
register(
    Workload(
        name="dbscan",
        description="DBSCAN 50,000 x 3 blobs, eps=0.3, min_samples=10",
        setup=_dbscan_data,
        ours=_dbscan_ours,
        reference=_dbscan_sklearn,
        reference_label="sklearn",
        target=1.5,
        check=_dbscan_check,
    )
)
