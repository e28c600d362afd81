"""CART against scikit-learn's DecisionTreeClassifier / DecisionTreeRegressor.

Reference: ``sklearn.tree`` with the same hyper-parameters and ``random_state``.
Tolerances: the structure (children, features, sample counts) and the thresholds must be
*equal*, bit for bit. Values, impurities and weights are equal bit for bit whenever every sum
is exact (class counts, integer targets, unit or dyadic weights); with real-valued targets or
weights they agree to 1e-12 relative (the sums run in a different order). The precondition of
that claim is checked, not assumed: no node may have a second feature that induces its best
partition, because then the winner is decided by rounding (classification is exempt: its proxy
is computed from exact counts, and ties are broken by the same feature draw as scikit-learn's).
Pruning paths agree to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from ensemble._data import cmapss, creditcard
from parity import assert_close
from sklearn import tree as sk
from sklearn.datasets import make_classification, make_regression

from glassml.tree import DecisionTreeClassifier, DecisionTreeRegressor

ARRAYS = ("children_left", "children_right", "feature", "threshold", "n_node_samples")
VALUES = ("value", "impurity", "weighted_n_node_samples")


def assert_same_tree(ours, theirs, *, rtol: float = 0.0) -> None:
    """Equal node arrays: structure and thresholds exactly, values to ``rtol``."""
    a, b = ours.tree_, theirs.tree_
    assert a.node_count == b.node_count, f"{a.node_count} vs {b.node_count} nodes"
    assert a.max_depth == b.max_depth
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in VALUES:
        mine, reference = getattr(a, name), getattr(b, name)
        if rtol == 0.0:
            assert np.array_equal(mine, reference), name
        else:
            scale = np.max(np.abs(reference))
            assert_close(mine, reference, rtol=rtol, atol=rtol * scale, what=name)


def tied_partitions(reference, X: np.ndarray) -> int:
    """Internal nodes of a fitted tree whose partition another feature also induces."""
    X32 = X.astype(np.float32)
    path = reference.decision_path(X)
    t = reference.tree_
    ties = 0
    for node in np.flatnonzero(t.children_left != -1):
        members = path[:, node].nonzero()[0]
        left = path[members, t.children_left[node]].toarray().ravel() > 0
        for f in range(X.shape[1]):
            if f == t.feature[node]:
                continue
            values = X32[members, f]
            if values[left].max() < values[~left].min() or values[~left].max() < values[left].min():
                ties += 1
    return ties


CLASSIFIER_CASES = [
    {},
    {"criterion": "entropy", "max_depth": 6},
    {"max_features": "sqrt"},
    {"max_features": 0.5, "min_impurity_decrease": 1e-3},
    {"min_samples_split": 7, "min_samples_leaf": 3},
    {"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}},
    {"min_weight_fraction_leaf": 0.01},
]


@pytest.mark.parametrize("params", CLASSIFIER_CASES, ids=str)
def test_classifier_is_sklearns_tree(params):
    X, y = make_classification(1500, 8, n_informative=5, n_classes=3, random_state=0)
    ours = DecisionTreeClassifier(random_state=3, **params).fit(X, y)
    theirs = sk.DecisionTreeClassifier(random_state=3, **params).fit(X, y)
    assert_same_tree(ours, theirs)
    assert np.array_equal(ours.predict_proba(X), theirs.predict_proba(X))
    assert np.array_equal(ours.apply(X), theirs.apply(X))
    assert (ours.decision_path(X) != theirs.decision_path(X)).nnz == 0
    assert_close(ours.feature_importances_, theirs.feature_importances_, rtol=1e-12, atol=1e-15)


def test_sample_weights_give_sklearns_tree():
    X, y = make_classification(800, 6, random_state=1)
    weight = np.random.default_rng(0).integers(0, 4, size=800).astype(float)  # some zeros
    ours = DecisionTreeClassifier(random_state=0).fit(X, y, weight)
    theirs = sk.DecisionTreeClassifier(random_state=0).fit(X, y, weight)
    assert_same_tree(ours, theirs)


def test_regressor_is_sklearns_tree_on_real_valued_targets():
    X, y = make_regression(3000, 8, noise=5.0, random_state=0)
    weight = np.random.default_rng(0).random(3000)
    for params, w in [({"min_samples_leaf": 10}, None), ({"min_samples_leaf": 10}, weight)]:
        theirs = sk.DecisionTreeRegressor(random_state=0, **params).fit(X, y, w)
        assert tied_partitions(theirs, X) == 0  # the precondition of the claim
        ours = DecisionTreeRegressor(random_state=0, **params).fit(X, y, w)
        assert_same_tree(ours, theirs, rtol=1e-12)
        assert_close(ours.predict(X), theirs.predict(X), rtol=1e-12, atol=1e-12 * np.std(y))


def test_poisson_criterion_is_sklearns_tree():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 5))
    y = rng.poisson(np.exp(X[:, 0] - X[:, 1]))
    ours = DecisionTreeRegressor(criterion="poisson", min_samples_leaf=3, random_state=0)
    theirs = sk.DecisionTreeRegressor(criterion="poisson", min_samples_leaf=3, random_state=0)
    assert_same_tree(ours.fit(X, y), theirs.fit(X, y), rtol=1e-12)


def test_fraud_tree_is_sklearns(shared_data):
    X, y = creditcard(shared_data)
    for params in [{"max_depth": 8}, {"criterion": "entropy", "min_samples_leaf": 2}]:
        ours = DecisionTreeClassifier(random_state=0, **params).fit(X, y)
        theirs = sk.DecisionTreeClassifier(random_state=0, **params).fit(X, y)
        assert_same_tree(ours, theirs)


def test_engine_life_tree_is_sklearns(shared_data):
    # Integer remaining-life targets: every sum is exact, so the tree is equal bit for bit
    # even though its small nodes have many tied partitions.
    X, y, _ = cmapss(shared_data)
    ours = DecisionTreeRegressor(random_state=0).fit(X, y)
    theirs = sk.DecisionTreeRegressor(random_state=0).fit(X, y)
    assert_same_tree(ours, theirs)
    assert ours.get_n_leaves() == theirs.get_n_leaves() > 5_000


@pytest.mark.parametrize("kind", ["classification", "integer regression", "regression"])
def test_pruning_path_and_pruned_tree_are_sklearns(kind):
    if kind == "classification":
        X, y = make_classification(600, 6, n_informative=4, random_state=2)
        ours, theirs = (
            DecisionTreeClassifier(random_state=0),
            sk.DecisionTreeClassifier(random_state=0),
        )
    else:
        X, y = make_regression(600, 6, noise=10.0, random_state=2)
        if kind == "integer regression":
            y = np.round(y)  # exact sums: the path is equal bit for bit
        ours, theirs = (
            DecisionTreeRegressor(random_state=0),
            sk.DecisionTreeRegressor(random_state=0),
        )
    mine = ours.cost_complexity_pruning_path(X, y)
    reference = theirs.cost_complexity_pruning_path(X, y)
    # Alphas are differences of subtree impurities: with real-valued targets their error is
    # relative to the root's impurity (the path's last entry), not to the small alphas.
    atol = 0.0 if kind != "regression" else 1e-12 * reference.impurities[-1]
    assert_close(mine.ccp_alphas, reference.ccp_alphas, rtol=1e-12, atol=atol)
    assert_close(mine.impurities, reference.impurities, rtol=1e-12, atol=atol)
    if kind != "regression":
        assert np.array_equal(mine.ccp_alphas, reference.ccp_alphas)
    assert np.all(np.diff(mine.ccp_alphas) >= 0) and len(mine.ccp_alphas) > 10
    # The tree pruned at an alpha between two steps of the path.
    alpha = float(np.mean(reference.ccp_alphas[-4:-2]))
    pruned = ours.set_params(ccp_alpha=alpha).fit(X, y)
    reference_pruned = theirs.set_params(ccp_alpha=alpha).fit(X, y)
    assert_same_tree(pruned, reference_pruned, rtol=0.0 if kind != "regression" else 1e-12)
    assert 1 < pruned.get_n_leaves() < 10


def test_scaling_a_feature_by_a_power_of_two_changes_only_its_thresholds():
    X, y = make_classification(500, 5, random_state=4)
    base = DecisionTreeClassifier(random_state=0).fit(X, y)
    scale = np.array([2.0**-1000, 2.0**-40, 1.0, 2.0**40, 2.0**1000])
    scaled = DecisionTreeClassifier(random_state=0).fit(X * scale, y)
    internal = base.tree_.children_left != -1
    assert np.array_equal(base.tree_.feature, scaled.tree_.feature)
    assert np.array_equal(
        base.tree_.threshold[internal] * scale[base.tree_.feature[internal]],
        scaled.tree_.threshold[internal],
    )
    assert np.array_equal(base.predict(X), scaled.predict(X * scale))


def test_tree_arrays_follow_the_explainer_contract():
    """The layout of /work/tree-contract.md: dtypes, shapes, leaf markers, class fractions."""
    X, y = make_classification(300, 4, n_classes=3, n_informative=3, n_redundant=0, random_state=0)
    t = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y).tree_
    leaves = t.children_left == -1
    for name in ("children_left", "children_right", "feature", "n_node_samples"):
        assert getattr(t, name).dtype == np.int64 and getattr(t, name).shape == (t.node_count,)
    for name in ("threshold", "impurity", "weighted_n_node_samples"):
        assert getattr(t, name).dtype == np.float64
    assert t.value.shape == (t.node_count, 1, 3)
    assert np.all(t.children_right[leaves] == -1) and np.all(t.feature[leaves] == -2)
    assert np.all(t.threshold[leaves] == -2.0)
    assert_close(t.value.sum(axis=2), np.ones((t.node_count, 1)), rtol=1e-12)
    assert not hasattr(t, "missing_go_to_left")  # CART does not accept NaN
    # Left iff x[feature] <= threshold reproduces predict.
    node = np.zeros(len(X), dtype=int)
    for _ in range(t.max_depth):
        inner = t.children_left[node] != -1
        go_left = X[np.arange(len(X)), np.maximum(t.feature[node], 0)] <= t.threshold[node]
        node = np.where(
            inner, np.where(go_left, t.children_left[node], t.children_right[node]), node
        )
    assert np.array_equal(node, t.apply(X))


def test_bad_input_is_refused_by_name():
    X, y = make_classification(50, 5, random_state=0)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"^X: .*NaN.*HistGradientBoosting"):
        DecisionTreeClassifier().fit(X_nan, y)
    fitted = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match=r"^X: .*NaN.*HistGradientBoosting"):
        fitted.predict(X_nan)
    with pytest.raises(ValueError, match="max_depth"):
        DecisionTreeClassifier(max_depth=0).fit(X, y)
    with pytest.raises(ValueError, match="criterion"):
        DecisionTreeRegressor(criterion="gini").fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight: .*unknown label\(s\) \[7\]"):
        DecisionTreeClassifier(class_weight={0: 1.0, 7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"y: .*non-negative"):
        DecisionTreeRegressor(criterion="poisson").fit(X, -np.abs(X[:, 0]))
