"""DBSCAN against scikit-learn 1.9's DBSCAN.

Reference: sklearn.cluster.DBSCAN. Tolerance: exact — core_sample_indices_ identical and
labels_ identical (not only up to permutation: clusters are numbered in order of their
lowest core sample in both, and a border sample joins the first cluster that reaches it).
Neighbourhoods are closed balls (d <= eps) that include the sample itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_same_estimator
from scipy.spatial.distance import cdist
from sklearn import cluster as sk_cluster
from sklearn.datasets import make_blobs

from glassml.cluster import DBSCAN


def assert_same_dbscan(mine, theirs):
    assert_same_estimator(
        mine,
        theirs,
        None,
        attributes=("core_sample_indices_", "labels_", "components_"),
        methods=(),
        rtol=0,
        atol=0,
    )


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_blobs(2000, 2, centers=5, cluster_std=1.0, random_state=0)
    return X


@pytest.mark.parametrize("eps, min_samples", [(0.2, 3), (0.3, 5), (0.5, 10), (1.0, 30)])
def test_matches_sklearn(blobs, eps, min_samples):
    mine = DBSCAN(eps=eps, min_samples=min_samples).fit(blobs)
    theirs = sk_cluster.DBSCAN(eps=eps, min_samples=min_samples).fit(blobs)
    assert_same_dbscan(mine, theirs)


@pytest.mark.parametrize(
    "metric, p", [("manhattan", None), ("chebyshev", None), ("minkowski", 3.0)]
)
def test_other_metrics_match_sklearn(blobs, metric, p):
    mine = DBSCAN(eps=0.4, min_samples=5, metric=metric, p=p).fit(blobs)
    theirs = sk_cluster.DBSCAN(eps=0.4, min_samples=5, metric=metric, p=p).fit(blobs)
    assert_same_dbscan(mine, theirs)


def test_sample_weight_matches_sklearn(blobs):
    weights = np.random.default_rng(0).integers(0, 4, size=blobs.shape[0]).astype(float)
    mine = DBSCAN(eps=0.3, min_samples=6).fit(blobs, sample_weight=weights)
    theirs = sk_cluster.DBSCAN(eps=0.3, min_samples=6).fit(blobs, sample_weight=weights)
    assert_same_dbscan(mine, theirs)


def test_border_sample_joins_the_first_cluster_reached():
    # Two dense groups with a border sample (index 0) within eps of a core sample of each.
    left = np.array([[-1.0, 0.0], [-1.1, 0.0], [-1.2, 0.0], [-1.1, 0.1]])
    right = np.array([[1.0, 0.0], [1.1, 0.0], [1.2, 0.0], [1.1, 0.1]])
    X = np.vstack([[[0.0, 0.0]], right, left])  # the right group's core samples come first
    mine = DBSCAN(eps=1.0, min_samples=4).fit(X)
    theirs = sk_cluster.DBSCAN(eps=1.0, min_samples=4).fit(X)
    assert_same_dbscan(mine, theirs)
    assert 0 not in mine.core_sample_indices_
    assert mine.labels_[0] == mine.labels_[1] == 0


@given(
    seed=st.integers(0, 10_000),
    n_samples=st.integers(1, 60),
    eps=st.floats(0.05, 1.5),
    min_samples=st.integers(1, 6),
)
def test_core_samples_and_labels_on_random_points(seed, n_samples, eps, min_samples):
    X = np.random.default_rng(seed).uniform(0, 3, size=(n_samples, 2))
    mine = DBSCAN(eps=eps, min_samples=min_samples).fit(X)
    # Core samples by brute force: closed eps-balls including the sample itself.
    counts = (cdist(X, X) <= eps).sum(axis=1)
    np.testing.assert_array_equal(mine.core_sample_indices_, np.flatnonzero(counts >= min_samples))
    assert_same_dbscan(mine, sk_cluster.DBSCAN(eps=eps, min_samples=min_samples).fit(X))


@pytest.mark.parametrize(
    "options, X, match",
    [
        ({}, np.array([[0.0, np.nan], [1.0, 1.0]]), "NaN"),
        ({}, np.array([[0.0, np.inf], [1.0, 1.0]]), "infinity"),
        ({"eps": 0.0}, np.eye(3), "eps"),
        ({"min_samples": 0}, np.eye(3), "min_samples"),
        ({"metric": "cosine"}, np.eye(3), "metric"),
        ({"metric": "minkowski", "p": 0.5}, np.eye(3), "'p'"),
        ({}, np.empty((0, 2)), "0 sample"),
    ],
)
def test_bad_input_raises_value_error_naming_it(options, X, match):
    with pytest.raises(ValueError, match=match):
        DBSCAN(**options).fit(X)
