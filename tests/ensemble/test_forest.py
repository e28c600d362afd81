"""Random forests: bagging checked against its definition and against scikit-learn.

References and tolerances:
- With ``bootstrap=False`` and ``max_features=None`` every tree is the single CART tree
  (glassml's own DecisionTree*, itself equal to scikit-learn's): node arrays equal exactly.
- Out-of-bag estimates are recomputed here from their definition (each sample averaged over
  the trees whose bootstrap, drawn from the tree's seed as documented, missed it): equal to
  1e-12.
- scikit-learn's RandomForest* with the same ``random_state``: the same seeds and bootstrap
  draws give the same trees (thresholds exactly) and predictions to 1e-12.
- The forest's variance reduction: on a noisy regression its held-out error is below a single
  deep tree's by a wide margin (a property of bagging, not of one seed: 2x).
"""

from __future__ import annotations

import numpy as np
from ensemble._data import creditcard
from parity import assert_close
from sklearn import ensemble as ske
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, mean_squared_error

from glassml.ensemble import RandomForestClassifier, RandomForestRegressor
from glassml.tree import DecisionTreeClassifier, DecisionTreeRegressor

NODE_ARRAYS = ("children_left", "children_right", "feature", "threshold", "value", "impurity")


def test_without_bootstrap_every_tree_is_the_cart_tree():
    X, y = make_classification(400, 6, random_state=0)
    forest = RandomForestClassifier(
        n_estimators=5, bootstrap=False, max_features=None, random_state=0
    ).fit(X, y)
    for tree in forest.estimators_:
        # Each tree is CART grown with its own seed (the seed only orders the features,
        # which matters where two features tie).
        single = DecisionTreeClassifier(random_state=tree.random_state).fit(X, y)
        for name in NODE_ARRAYS:
            assert np.array_equal(getattr(tree.tree_, name), getattr(single.tree_, name)), name

    # Without ties between features, every tree is the one CART tree, whatever its seed.
    X, y = make_regression(1000, 5, noise=1.0, random_state=0)
    forest = RandomForestRegressor(
        n_estimators=3, bootstrap=False, min_samples_leaf=10, random_state=0
    ).fit(X, y)
    single = DecisionTreeRegressor(min_samples_leaf=10, random_state=123).fit(X, y)
    for tree in forest.estimators_:
        for name in NODE_ARRAYS:
            assert np.array_equal(getattr(tree.tree_, name), getattr(single.tree_, name)), name
    # The mean of three equal values: (v + v + v) / 3 is v up to one rounding.
    assert_close(forest.predict(X), single.predict(X), rtol=1e-15)


def test_balanced_subsample_balances_every_bootstrap():
    X, y = make_classification(900, 5, weights=[0.7, 0.2, 0.1], n_classes=3,
                               n_informative=3, random_state=0)  # fmt: skip
    forest = RandomForestClassifier(
        n_estimators=4, class_weight="balanced_subsample", random_state=0
    ).fit(X, y)
    for tree in forest.estimators_:
        root = tree.tree_
        per_class = root.value[0, 0] * root.weighted_n_node_samples[0]
        assert_close(per_class, np.full(3, len(y) / 3), rtol=1e-12)


def _oob_by_hand(forest, X):
    """Out-of-bag mean of the trees' leaf values, from each tree's documented bootstrap."""
    n = len(X)
    total = np.zeros((n, forest.estimators_[0].tree_.value.shape[2]))
    count = np.zeros(n)
    for tree in forest.estimators_:
        drawn = np.random.RandomState(tree.random_state).randint(0, n, n)
        out = np.setdiff1d(np.arange(n), drawn)
        total[out] += (
            tree.predict_proba(X[out])
            if hasattr(tree, "predict_proba")
            else (tree.predict(X[out])[:, None])
        )
        count[out] += 1
    assert count.min() > 0
    return total / count[:, None]


def test_oob_score_is_the_out_of_bag_prediction_recomputed_by_hand(shared_data):
    X, y = creditcard(shared_data)
    X, y = X[::4], y[::4]  # 2,500 transactions, 123 frauds
    forest = RandomForestClassifier(n_estimators=40, oob_score=True, random_state=0).fit(X, y)
    by_hand = _oob_by_hand(forest, X)
    assert_close(forest.oob_decision_function_, by_hand, rtol=1e-12, atol=1e-15)
    assert forest.oob_score_ == accuracy_score(y, forest.classes_[by_hand.argmax(axis=1)])
    assert forest.oob_score_ > 0.97

    X, y = make_regression(500, 6, noise=5.0, random_state=1)
    forest = RandomForestRegressor(n_estimators=30, oob_score=True, random_state=0).fit(X, y)
    by_hand = _oob_by_hand(forest, X)[:, 0]
    assert_close(forest.oob_prediction_, by_hand, rtol=1e-12, atol=1e-12 * np.std(y))
    residual = np.sum((y - by_hand) ** 2) / np.sum((y - y.mean()) ** 2)
    assert abs(forest.oob_score_ - (1 - residual)) < 1e-12


def test_forests_are_sklearns_forests():
    X, y = make_classification(2000, 10, n_informative=5, n_classes=3, random_state=0)
    weight = np.random.default_rng(0).integers(1, 3, size=2000).astype(float)
    for params in [{}, {"class_weight": "balanced", "max_samples": 0.5}]:
        ours = RandomForestClassifier(n_estimators=10, random_state=0, **params).fit(X, y)
        theirs = ske.RandomForestClassifier(n_estimators=10, random_state=0, **params).fit(X, y)
        for a, b in zip(ours.estimators_, theirs.estimators_, strict=True):
            assert np.array_equal(a.tree_.threshold, b.tree_.threshold)
        assert_close(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12, atol=1e-15)
        assert_close(ours.feature_importances_, theirs.feature_importances_, rtol=1e-10, atol=1e-15)
    ours = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y, weight)
    theirs = ske.RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y, weight)
    assert np.array_equal(ours.estimators_[4].tree_.feature, theirs.estimators_[4].tree_.feature)

    X, y = make_regression(1500, 8, noise=5.0, random_state=0)
    y = np.round(y)  # exact sums, so no tie between features is decided by rounding
    ours = RandomForestRegressor(n_estimators=8, max_features=0.5, random_state=0).fit(X, y)
    theirs = ske.RandomForestRegressor(n_estimators=8, max_features=0.5, random_state=0)
    theirs.fit(X, y)
    assert_close(ours.predict(X), theirs.predict(X), rtol=1e-12, atol=1e-12)


def test_the_forest_does_not_depend_on_the_number_of_threads():
    X, y = make_classification(1000, 8, random_state=3)
    one = RandomForestClassifier(n_estimators=12, n_jobs=1, random_state=5).fit(X, y)
    two = RandomForestClassifier(n_estimators=12, n_jobs=2, random_state=5).fit(X, y)
    assert np.array_equal(one.predict_proba(X), two.predict_proba(X))
    assert np.array_equal(one.apply(X), two.apply(X))


def test_averaging_reduces_the_variance_of_deep_trees():
    X, y = make_regression(2400, 8, n_informative=4, noise=30.0, random_state=0)
    X_train, y_train, X_test, y_test = X[:1200], y[:1200], X[1200:], y[1200:]
    tree = DecisionTreeRegressor(random_state=0).fit(X_train, y_train)
    forest = RandomForestRegressor(n_estimators=60, random_state=0).fit(X_train, y_train)
    tree_error = mean_squared_error(y_test, tree.predict(X_test))
    forest_error = mean_squared_error(y_test, forest.predict(X_test))
    assert forest_error < tree_error / 2


def test_forest_bad_input_is_refused_by_name():
    import pytest

    X, y = make_classification(60, 4, random_state=0)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^X: .*NaN.*HistGradientBoosting"):
        RandomForestClassifier(n_estimators=2).fit(X_nan, y)
    with pytest.raises(ValueError, match="bootstrap"):
        RandomForestClassifier(n_estimators=2, bootstrap=False, oob_score=True).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators"):
        RandomForestRegressor(n_estimators=0).fit(X, y)


def test_class_weights_that_zero_every_sample_are_refused_by_name():
    import pytest

    from glassml.ensemble import HistGradientBoostingClassifier

    # scikit-learn's forest fails here inside numpy ("probabilities contain NaN") and its
    # tree fits on no weight at all; every glassml classifier names the argument instead.
    X, y = make_classification(60, 4, random_state=0)
    zero = {0: 0.0, 1: 0.0}
    for model in (
        DecisionTreeClassifier(class_weight=zero),
        RandomForestClassifier(n_estimators=2, class_weight=zero),
        RandomForestClassifier(n_estimators=2, class_weight=zero, bootstrap=False),
        HistGradientBoostingClassifier(max_iter=2, class_weight=zero),
    ):
        with pytest.raises(ValueError, match=r"^class_weight: .*positive weight"):
            model.fit(X, y)
    # Zero weight on one class only is a valid request: that class is ignored.
    only_one = {0: 0.0, 1: 1.0}
    forest = RandomForestClassifier(n_estimators=2, class_weight=only_one, random_state=0)
    assert np.all(forest.fit(X, y).predict(X) == 1)
