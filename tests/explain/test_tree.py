"""TreeExplainer: path-dependent TreeSHAP over the documented tree layout.

References and tolerances:
- shap.TreeExplainer (feature_perturbation="tree_path_dependent") on scikit-learn's
  DecisionTreeRegressor, RandomForestRegressor, RandomForestClassifier (one output per class),
  GradientBoostingRegressor and binary GradientBoostingClassifier (raw log-odds): values and
  expected values to 1e-8;
- efficiency against the model's own prediction (predict / predict_proba / decision_function)
  to 1e-10;
- glassml's boosting layout (``estimators_`` (n_iter, K) + ``baseline_``) on a hand-built object
  following the contract: Shapley values of the game v(S) = E[f(x) | x_S] (cover-weighted
  descent, computed by brute force here over all coalitions) to 1e-12, and NaN routed by
  ``missing_go_to_left``.
"""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from parity import assert_close
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeRegressor

from glassml.explain import TreeExplainer


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    Xc, yc = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y, Xc, yc


def _models(data):
    X, y, Xc, yc = data
    return [
        (DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y), X, "predict"),
        (RandomForestRegressor(30, max_depth=6, random_state=0).fit(X, y), X, "predict"),
        (RandomForestClassifier(30, max_depth=5, random_state=0).fit(Xc, yc), Xc, "predict_proba"),
        (GradientBoostingRegressor(n_estimators=40, random_state=0).fit(X, y), X, "predict"),
        (
            GradientBoostingClassifier(n_estimators=40, random_state=0).fit(Xc, yc > 0),
            Xc,
            "decision_function",
        ),
    ]


def test_matches_shap_and_the_model(data):
    import shap

    for model, X, method in _models(data):
        ours = TreeExplainer(model)(X[:40])
        reference = shap.TreeExplainer(model)
        theirs = np.asarray(reference.shap_values(X[:40]))
        name = type(model).__name__
        assert_close(ours.values, theirs.reshape(ours.values.shape), rtol=0, atol=1e-8, what=name)
        assert_close(
            np.ravel(ours.base_values[0]), np.ravel(reference.expected_value), rtol=0, atol=1e-8
        )
        output = getattr(model, method)(X[:40])
        assert_close(ours.output_sum(), output, rtol=0, atol=1e-10, what=f"{name} efficiency")


def _tree(left, right, feature, threshold, value, cover, missing=None):
    arrays = dict(
        children_left=np.array(left),
        children_right=np.array(right),
        feature=np.array(feature),
        threshold=np.array(threshold, dtype=float),
        value=np.array(value, dtype=float).reshape(-1, 1, 1),
        weighted_n_node_samples=np.array(cover, dtype=float),
        n_node_samples=np.array(cover, dtype=np.int64),
        impurity=np.zeros(len(left)),
        node_count=len(left),
        max_depth=3,
    )
    if missing is not None:
        arrays["missing_go_to_left"] = np.array(missing, dtype=np.uint8)
    return SimpleNamespace(tree_=SimpleNamespace(**arrays))


def _contract_boosting():
    """Two iterations x two outputs of small trees; leaf values already scaled."""
    # Node ids deliberately not in depth-first order in the second tree.
    a = _tree(
        [1, 3, -1, -1, -1], [2, 4, -1, -1, -1], [0, 1, -2, -2, -2], [0.0, 1.0, -2, -2, -2],
        [0, 0, 0.5, -0.2, 0.3], [10, 6, 4, 2, 4], missing=[1, 0, 0, 0, 0],
    )  # fmt: skip
    b = _tree(
        [2, -1, 3, -1, -1], [1, -1, 4, -1, -1], [2, -2, 0, -2, -2], [0.5, -2, 1.0, -2, -2],
        [0, 0.7, 0, -0.4, 0.1], [10, 3, 7, 5, 2], missing=[0, 0, 1, 0, 0],
    )  # fmt: skip
    c = _tree([1, -1, -1], [2, -1, -1], [3, -2, -2], [0.0, -2, -2], [0, 1.0, -1.0], [10, 5, 5],
              missing=[1, 0, 0])  # fmt: skip
    grid = np.empty((2, 2), dtype=object)
    grid[0, 0], grid[0, 1], grid[1, 0], grid[1, 1] = a, b, c, a
    return SimpleNamespace(estimators_=grid, baseline_=np.array([0.1, -0.3]), n_features_in_=4)


def _conditional(tree, x, S, node=0):
    """E[tree(x) | x_S]: follow x on features in S, else average the children by cover."""
    t = tree.tree_
    if t.children_left[node] < 0:
        return t.value[node, 0, 0]
    left, right = t.children_left[node], t.children_right[node]
    j = t.feature[node]
    if j in S:
        value = x[j]
        go_left = t.missing_go_to_left[node] == 1 if np.isnan(value) else value <= t.threshold[node]
        return _conditional(tree, x, S, left if go_left else right)
    cl, cr = t.weighted_n_node_samples[left], t.weighted_n_node_samples[right]
    return (cl * _conditional(tree, x, S, left) + cr * _conditional(tree, x, S, right)) / (cl + cr)


def test_glassml_boosting_layout_by_brute_force():
    model = _contract_boosting()
    explainer = TreeExplainer(model)
    X = np.array([[0.5, 2.0, 0.2, -1.0], [-1.0, 0.0, 1.0, 1.0], [np.nan, 0.5, np.nan, 0.0]])
    e = explainer(X)
    assert e.values.shape == (3, 4, 2)
    M = 4
    for r, x in enumerate(X):
        for k in range(2):
            trees = model.estimators_[:, k]

            def v(S, x=x, trees=trees, k=k):
                return model.baseline_[k] + sum(_conditional(t, x, S) for t in trees)

            truth = np.zeros(M)
            for i in range(M):
                others = [j for j in range(M) if j != i]
                for size in range(M):
                    w = math.factorial(size) * math.factorial(M - size - 1) / math.factorial(M)
                    for S in itertools.combinations(others, size):
                        truth[i] += w * (v(set(S) | {i}) - v(set(S)))
            assert_close(e.values[r, :, k], truth, rtol=0, atol=1e-12, what=f"row {r} output {k}")
            assert abs(e.base_values[r, k] - v(set())) <= 1e-12
            assert abs(e.output_sum()[r, k] - v(set(range(M)))) <= 1e-12


def test_nan_refused_without_missing_routing_and_bad_models(data):
    X, y, _, _ = data
    model = RandomForestRegressor(5, max_depth=3, random_state=0).fit(X, y)
    bad = X[:2].copy()
    bad[0, 0] = np.nan
    explainer = TreeExplainer(model)
    if not explainer.ensemble.accepts_nan:
        with pytest.raises(ValueError, match="X"):
            explainer(bad)
    with pytest.raises(ValueError, match="X"):
        explainer(X[:2, :3])
    with pytest.raises(ValueError, match="model"):
        TreeExplainer(SimpleNamespace(n_features_in_=3))
