"""KNeighborsClassifier / KNeighborsRegressor against scikit-learn.

Reference: sklearn.neighbors.KNeighbors{Classifier,Regressor} with the same n_neighbors,
weights, algorithm and p. Tolerances: class predictions identical; regression predictions and
probabilities to rtol 1e-12 (continuous data, no distance ties); kneighbors distances to rtol 1e-12
(kd-tree) / 1e-10 (brute force, exact recomputation vs sklearn's expansion); neighbour indices
identical where no two distances tie. Known, stated difference: among exactly tied distances we
order by training index; sklearn's order is that of its tree traversal or heap (iris: predictions
agree, index order of tied neighbours may differ). With weights="distance" and a query equal to a
training point, sklearn's brute force computes a distance ~1e-8 instead of 0; ours is exact.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.neighbors as sk
from parity import assert_close
from sklearn.datasets import load_iris, make_classification, make_regression

from glassml.neighbors import KNeighborsClassifier, KNeighborsRegressor


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(600, 6, n_informative=4, n_classes=3, random_state=0)
    return X[:450], y[:450], X[450:]


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_classifier_matches_sklearn(classification, weights, algorithm, k):
    X, y, queries = classification
    params = {"n_neighbors": k, "weights": weights, "algorithm": algorithm}
    mine = KNeighborsClassifier(**params).fit(X, y)
    theirs = sk.KNeighborsClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(mine.predict(queries), theirs.predict(queries))
    assert_close(
        mine.predict_proba(queries), theirs.predict_proba(queries), rtol=1e-12, what="predict_proba"
    )
    distances, indices = mine.kneighbors(queries)
    their_distances, their_indices = theirs.kneighbors(queries)
    np.testing.assert_array_equal(indices, their_indices)
    assert_close(distances, their_distances, rtol=1e-10, what="distances")


def test_iris_predictions_identical_despite_ties():
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(150)
    train, test = order[:100], order[100:]
    for weights in ("uniform", "distance"):
        for algorithm in ("kd_tree", "brute"):
            params = {"weights": weights, "algorithm": algorithm}
            mine = KNeighborsClassifier(**params).fit(X[train], y[train])
            theirs = sk.KNeighborsClassifier(**params).fit(X[train], y[train])
            np.testing.assert_array_equal(mine.predict(X[test]), theirs.predict(X[test]))


def test_high_dimension_uses_brute_force_and_matches():
    X, y = make_classification(500, 40, n_informative=10, random_state=1)
    mine = KNeighborsClassifier(5).fit(X[:400], y[:400])
    assert mine.effective_algorithm_ == "brute"
    theirs = sk.KNeighborsClassifier(5).fit(X[:400], y[:400])
    np.testing.assert_array_equal(mine.predict(X[400:]), theirs.predict(X[400:]))
    # training points queried against themselves exclude themselves
    np.testing.assert_array_equal(mine.kneighbors()[1], theirs.kneighbors()[1])


@pytest.mark.parametrize("p", [1, 3])
def test_minkowski_distances(classification, p):
    X, y, queries = classification
    for algorithm in ("kd_tree", "brute"):
        mine = KNeighborsClassifier(3, p=p, algorithm=algorithm).fit(X, y)
        theirs = sk.KNeighborsClassifier(3, p=p, algorithm=algorithm).fit(X, y)
        np.testing.assert_array_equal(mine.kneighbors(queries)[1], theirs.kneighbors(queries)[1])


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_matches_sklearn(weights, algorithm, n_targets):
    X, y = make_regression(300, 5, n_targets=n_targets, random_state=0)
    params = {"n_neighbors": 4, "weights": weights, "algorithm": algorithm}
    mine = KNeighborsRegressor(**params).fit(X[:200], y[:200])
    theirs = sk.KNeighborsRegressor(**params).fit(X[:200], y[:200])
    queries = X[200:]  # not training points: see the module docstring on zero distances
    assert_close(
        mine.predict(queries), theirs.predict(queries), rtol=1e-12, atol=1e-12, what="predict"
    )


def test_exact_match_takes_all_the_weight():
    X = np.array([[0.0], [1.0], [3.0]])
    model = KNeighborsRegressor(2, weights="distance").fit(X, np.array([10.0, 20.0, 30.0]))
    assert model.predict(np.array([[1.0]]))[0] == 20.0
    # 1/d weighting by hand: neighbours 0 (d=0.5) and 1 (d=0.5) -> mean, then d = 1 and 2
    assert model.predict(np.array([[0.5]]))[0] == 15.0
    assert_close(model.predict(np.array([[2.0]])), [(20.0 / 1 + 30.0 / 1) / 2], rtol=1e-15)


@pytest.mark.parametrize(
    ("estimator", "X", "y", "pattern"),
    [
        (KNeighborsClassifier(), np.array([[np.inf, 0.0]] * 6), [0, 1] * 3, r"^X:.*inf"),
        (KNeighborsClassifier(), np.arange(6.0), [0, 1] * 3, r"^X:"),
        (KNeighborsClassifier(), np.empty((0, 2)), [], r"^X:"),
        (KNeighborsClassifier(), np.eye(6), [1] * 6, r"^y:.*2 classes"),
        (KNeighborsClassifier(), np.eye(6), np.linspace(0, 1, 6), r"^y:.*continuous"),
        (KNeighborsClassifier(), np.eye(6).astype(complex), [0, 1] * 3, r"^X:.*[Cc]omplex"),
        (KNeighborsClassifier(p=0.5), np.eye(6), [0, 1] * 3, r"'p' parameter"),
        (KNeighborsRegressor(), np.eye(6), [1.0, np.nan, 1, 1, 1, 1], r"^y:.*NaN"),
        (KNeighborsClassifier(weights="gaussian"), np.eye(6), [0, 1] * 3, r"weights"),
        (KNeighborsClassifier(n_neighbors=0), np.eye(6), [0, 1] * 3, r"n_neighbors"),
        (KNeighborsClassifier(algorithm="ball"), np.eye(6), [0, 1] * 3, r"algorithm"),
    ],
)
def test_bad_input_names_the_argument(estimator, X, y, pattern):
    with pytest.raises(ValueError, match=pattern):
        estimator.fit(X, y)


def test_too_many_neighbours_is_refused():
    model = KNeighborsClassifier(5).fit(np.eye(4), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"^n_neighbors:"):
        model.predict(np.eye(4))
    with pytest.raises(ValueError, match=r"^X:.*features"):
        model.predict(np.ones((2, 3)))
