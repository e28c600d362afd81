"""KMeans and MiniBatchKMeans against scikit-learn 1.9.

Reference: sklearn.cluster.KMeans(algorithm="lloyd"), MiniBatchKMeans, kmeans_plusplus.
Tolerances: given the same initial centres, labels identical, n_iter_ equal, inertia_ within
rtol 1e-10 (the issue asks 1e-6) and centres within atol 1e-10; with the same integer
random_state the k-means++ / random seedings draw the same samples, so whole fits agree the
same way. MiniBatchKMeans.partial_fit over fixed batches: centres within atol 1e-10.
Properties: inertia_ equals the brute-force sum of squared distances to the assigned centres
(rtol 1e-12), labels are the nearest centres, and history_["inertia"] never increases (Lloyd
is coordinate descent on the inertia).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_close, assert_same_estimator
from scipy.spatial.distance import cdist
from sklearn import cluster as sk_cluster
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from glassml.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_blobs(1500, 5, centers=6, cluster_std=2.0, random_state=0)
    return X + 100.0  # far from the origin: the distance expansion must stay accurate


def assert_same_kmeans(mine, theirs):
    np.testing.assert_array_equal(mine.labels_, theirs.labels_)
    assert mine.n_iter_ == theirs.n_iter_
    assert_close(mine.inertia_, theirs.inertia_, rtol=1e-10, what="inertia_")
    assert_same_estimator(
        mine, theirs, None, attributes=("cluster_centers_",), methods=(), rtol=0, atol=1e-10
    )


@pytest.mark.parametrize("tol", [0.0, 1e-4])
def test_lloyd_matches_sklearn_from_the_same_centres(blobs, tol):
    centres = blobs[[0, 5, 10, 15, 20, 25]]
    mine = KMeans(6, init=centres, tol=tol).fit(blobs)
    theirs = sk_cluster.KMeans(6, init=centres, n_init=1, tol=tol, algorithm="lloyd").fit(blobs)
    assert_same_kmeans(mine, theirs)


def test_empty_cluster_relocation_matches_sklearn(blobs):
    # Two identical initial centres: one cluster is empty after the first assignment.
    centres = np.vstack([blobs[:4], blobs[:1], blobs[:1]])
    mine = KMeans(6, init=centres).fit(blobs)
    theirs = sk_cluster.KMeans(6, init=centres, n_init=1, algorithm="lloyd").fit(blobs)
    assert_same_kmeans(mine, theirs)


@pytest.mark.parametrize("init, n_init", [("k-means++", 1), ("k-means++", 3), ("random", "auto")])
def test_seeded_fit_matches_sklearn(blobs, init, n_init):
    mine = KMeans(6, init=init, n_init=n_init, random_state=3).fit(blobs)
    theirs = sk_cluster.KMeans(6, init=init, n_init=n_init, random_state=3).fit(blobs)
    assert_same_kmeans(mine, theirs)


def test_kmeans_plusplus_draws_the_same_seeds(blobs):
    mine = kmeans_plusplus(blobs, 6, np.random.RandomState(7))[1]
    theirs = sk_cluster.kmeans_plusplus(blobs, 6, random_state=7)[1]
    np.testing.assert_array_equal(mine, theirs)


def test_predict_transform_score_match_sklearn(blobs):
    centres = blobs[[0, 5, 10, 15, 20, 25]]
    mine = KMeans(6, init=centres).fit(blobs)
    theirs = sk_cluster.KMeans(6, init=centres, n_init=1).fit(blobs)
    X_new = blobs[::7] + 0.5
    np.testing.assert_array_equal(mine.predict(X_new), theirs.predict(X_new))
    assert_close(mine.transform(X_new), theirs.transform(X_new), rtol=1e-10, what="transform")
    assert_close(mine.score(X_new), theirs.score(X_new), rtol=1e-10, what="score")


@given(
    seed=st.integers(0, 10_000),
    n_samples=st.integers(5, 60),
    n_features=st.integers(1, 4),
    n_clusters=st.integers(1, 5),
)
def test_inertia_is_the_brute_force_objective(seed, n_samples, n_features, n_clusters):
    X = np.random.default_rng(seed).normal(size=(n_samples, n_features)) * 3.0
    model = KMeans(n_clusters, random_state=seed, max_iter=50).fit(X)
    squared = cdist(X, model.cluster_centers_, "sqeuclidean")
    brute_force = squared[np.arange(n_samples), model.labels_].sum()
    assert_close(model.inertia_, brute_force, rtol=1e-12, atol=1e-12, what="inertia_")
    # Labels are nearest centres (up to exact ties).
    assert np.all(squared[np.arange(n_samples), model.labels_] <= squared.min(axis=1) + 1e-9)
    history = model.history_["inertia"]
    assert history.shape == (model.n_iter_,)
    assert np.all(np.diff(history) <= 1e-10 * history[:-1] + 1e-12)


@pytest.mark.parametrize("reassignment_ratio", [0.0, 0.01])
def test_minibatch_partial_fit_matches_sklearn(blobs, reassignment_ratio):
    centres = blobs[[0, 5, 10, 15, 20, 25]]
    options = dict(init=centres, reassignment_ratio=reassignment_ratio, random_state=0)
    mine = MiniBatchKMeans(6, **options)
    theirs = sk_cluster.MiniBatchKMeans(6, n_init=1, **options)
    for start in range(0, blobs.shape[0], 150):
        mine.partial_fit(blobs[start : start + 150])
        theirs.partial_fit(blobs[start : start + 150])
    assert_close(mine.cluster_centers_, theirs.cluster_centers_, rtol=0, atol=1e-10)
    assert_close(mine.inertia_, theirs.inertia_, rtol=1e-10, what="inertia_")
    assert mine.n_steps_ == theirs.n_steps_ == 10


def test_minibatch_fit_finds_the_blobs():
    X, truth = make_blobs(3000, 4, centers=5, cluster_std=0.5, random_state=1)
    # One k-means++ seeding lands in a poor local optimum for about 1 % of seeds (100 seeds
    # measured, sklearn's MiniBatchKMeans alike), so "recovers the blobs" is a property of the
    # best of 3 seedings: it fails with probability ~1e-6. Runs that find the blobs end within
    # 0.2 % of the full k-means inertia (100 seeds).
    model = MiniBatchKMeans(5, batch_size=256, n_init=3, random_state=0).fit(X)
    assert adjusted_rand_score(truth, model.labels_) == pytest.approx(1.0)
    full = KMeans(5, random_state=0).fit(X)
    assert model.inertia_ <= 1.01 * full.inertia_
    assert model.history_["batch_inertia"].shape == (model.n_steps_,)


@pytest.mark.parametrize("estimator", [KMeans, MiniBatchKMeans])
@pytest.mark.parametrize(
    "X, options, match",
    [
        (np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 2.0]]), {"n_clusters": 2}, "NaN"),
        (np.array([[0.0, np.inf], [1.0, 1.0], [2.0, 2.0]]), {"n_clusters": 2}, "infinity"),
        (np.ones((3, 2)), {"n_clusters": 4}, "n_clusters"),
        (np.ones((3, 2)), {"n_clusters": 0}, "n_clusters"),
        (np.ones((3, 2)), {"n_clusters": 2, "init": "median"}, "init"),
        (np.ones((3, 2)), {"n_clusters": 2, "init": np.ones((3, 2))}, "init"),
        (np.ones((3, 2)), {"n_clusters": 2, "tol": -1.0}, "tol"),
        (np.empty((0, 2)), {"n_clusters": 1}, "0 sample"),
    ],
)
def test_bad_input_raises_value_error_naming_it(estimator, X, options, match):
    with pytest.raises(ValueError, match=match):
        estimator(**options).fit(X)
