"""TreeExplainer on glassml's own trees, forests and boosting.

References and tolerances:
- Where glassml's model is identical to scikit-learn's (asserted first: same structure and
  thresholds exactly, node values and covers to 1e-12 relative; for boosting, the same leaf
  values and raw scores to 1e-12), ``shap.TreeExplainer`` on the scikit-learn
  model (path-dependent TreeSHAP): Shapley values and expected values to 1e-10 times the
  output's scale. Models: DecisionTreeClassifier on the bundled credit-card sample (real),
  DecisionTreeRegressor, RandomForestClassifier (credit card) and RandomForestRegressor,
  HistGradientBoostingRegressor, binary (with NaN) and 3-class HistGradientBoostingClassifier.
- Boosting with sample weights grows the same trees as scikit-learn's, but glassml's cover
  (``weighted_n_node_samples``) is the sum of the sample weights while scikit-learn's
  histogram predictors keep only unweighted counts, so shap explains a different game there.
  Two independent references instead: (a) the Shapley values of the path-dependent game
  v(S) = E[f(x) | x_S] (cover-weighted descent) by enumerating all coalitions, to 1e-10 times
  the scale; (b) for stumps (``max_depth=1``, an additive model), path-dependent and
  interventional Shapley values coincide when the background is the weighted training set,
  so ``ExactExplainer(decision_function, X_train, background_weights=w)`` must agree, to 1e-9
  times the scale (it sums 2^M x n model calls).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from parity import assert_close
from single_thread import single_thread
from sklearn import ensemble as sk_ensemble
from sklearn import tree as sk_tree
from sklearn.datasets import make_classification, make_regression

from glassml import ensemble, tree
from glassml.datasets import load_creditcard
from glassml.explain import ExactExplainer, TreeExplainer

one_thread = pytest.fixture(autouse=True)(single_thread)

STRUCTURE = ("children_left", "children_right", "feature", "threshold")
NUMBERS = ("value", "weighted_n_node_samples")  # sums in another order: equal to rounding
BOOSTING = dict(max_iter=15, early_stopping=False)


def _fraud():
    fraud = load_creditcard()
    return fraud.X.astype(np.float64), fraud.y


def _regression():
    return make_regression(n_samples=600, n_features=6, noise=5.0, random_state=0)


def _with_nan():
    X, y = make_classification(600, 6, n_informative=4, random_state=0)
    X[::9, 2] = np.nan
    X[::13, 4] = np.nan
    return X, y


def _three_classes():
    return make_classification(600, 6, n_informative=4, n_classes=3, random_state=0)


CASES = {
    "DecisionTreeClassifier": (_fraud, "DecisionTreeClassifier", dict(max_depth=8), 300),
    "DecisionTreeRegressor": (_regression, "DecisionTreeRegressor", dict(max_depth=5), 100),
    "RandomForestClassifier": (
        _fraud, "RandomForestClassifier", dict(n_estimators=10, max_depth=8, n_jobs=1), 200,
    ),
    "RandomForestRegressor": (
        _regression, "RandomForestRegressor",
        dict(n_estimators=20, min_samples_leaf=10, n_jobs=1), 100,
    ),
    "HistGradientBoostingRegressor": (_regression, "HistGradientBoostingRegressor", BOOSTING, 100),
    "HistGradientBoostingClassifier-binary-nan": (
        _with_nan, "HistGradientBoostingClassifier", BOOSTING, 100,
    ),
    "HistGradientBoostingClassifier-3-classes": (
        _three_classes, "HistGradientBoostingClassifier", BOOSTING, 100,
    ),
}  # fmt: skip


def _pair(name):
    data, cls, params, n_rows = CASES[name]
    X, y = data()
    glassml_module = tree if cls.startswith("Decision") else ensemble
    sklearn_module = sk_tree if cls.startswith("Decision") else sk_ensemble
    ours = getattr(glassml_module, cls)(**params, random_state=0).fit(X, y)
    theirs = getattr(sklearn_module, cls)(**params, random_state=0).fit(X, y)
    return ours, theirs, X, X[:n_rows]


def _assert_same_trees(ours, theirs, X):
    """The precondition that makes shap on scikit-learn's model a reference for ours."""
    if hasattr(theirs, "tree_") or hasattr(theirs, "estimators_"):
        pairs = (
            [(ours, theirs)]
            if hasattr(theirs, "tree_")
            else zip(ours.estimators_, theirs.estimators_, strict=True)
        )
        for a, b in pairs:
            for name in STRUCTURE:
                assert np.array_equal(getattr(a.tree_, name), getattr(b.tree_, name)), name
            for name in NUMBERS:
                assert_close(getattr(a.tree_, name), getattr(b.tree_, name), rtol=1e-12, atol=0)
    else:  # scikit-learn's boosting keeps private predictors: compare what they compute.
        assert ours.n_iter_ == theirs.n_iter_
        leaves = [
            np.sort(t.tree_.value[t.tree_.children_left < 0].ravel())
            for t in np.ravel(ours.estimators_)
        ]
        theirs_leaves = [
            np.sort(p.nodes["value"][p.nodes["is_leaf"] == 1])
            for stage in theirs._predictors
            for p in stage
        ]
        for a, b in zip(leaves, theirs_leaves, strict=True):
            assert_close(a, b, rtol=1e-12, atol=1e-12, what="leaf values")
        assert_close(
            ours.decision_function(X) if hasattr(ours, "classes_") else ours.predict(X),
            theirs.decision_function(X) if hasattr(theirs, "classes_") else theirs.predict(X),
            rtol=1e-12, atol=1e-12, what="raw scores",
        )  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_same_trees_give_shaps_values(name):
    import shap

    ours, theirs, X, rows = _pair(name)
    _assert_same_trees(ours, theirs, X)
    explanation = TreeExplainer(ours)(rows)
    reference = shap.TreeExplainer(theirs)
    expected = np.asarray(reference.shap_values(rows)).reshape(explanation.values.shape)
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert_close(explanation.values, expected, rtol=0, atol=1e-10 * scale, what=name)
    assert_close(
        np.ravel(explanation.base_values[0]),
        np.ravel(reference.expected_value),
        rtol=0, atol=1e-10 * scale, what=f"{name} expected value",
    )  # fmt: skip


def _path_dependent(t, x, S, output=0, node=0):
    """E[tree(x) | x_S]: x's branch on features in S, else both children weighted by cover."""
    left, right = t.children_left[node], t.children_right[node]
    if left < 0:
        return t.value[node, 0, output]
    j = t.feature[node]
    if j in S:
        go_left = t.missing_go_to_left[node] == 1 if np.isnan(x[j]) else x[j] <= t.threshold[node]
        return _path_dependent(t, x, S, output, left if go_left else right)
    cover_left, cover_right = t.weighted_n_node_samples[left], t.weighted_n_node_samples[right]
    both = cover_left * _path_dependent(t, x, S, output, left)
    both += cover_right * _path_dependent(t, x, S, output, right)
    return both / (cover_left + cover_right)


def _brute_force_shapley(trees, offset, x, output=0):
    """Shapley values of v(S) = offset + sum over trees of E[tree(x) | x_S], all coalitions."""
    M = x.shape[0]
    cache = {}

    def v(S):
        key = frozenset(S)
        if key not in cache:
            cache[key] = offset + sum(_path_dependent(t, x, key, output) for t in trees)
        return cache[key]

    phi = np.zeros(M)
    for i in range(M):
        others = [j for j in range(M) if j != i]
        for size in range(M):
            weight = math.factorial(size) * math.factorial(M - size - 1) / math.factorial(M)
            for S in itertools.combinations(others, size):
                phi[i] += weight * (v(set(S) | {i}) - v(set(S)))
    return phi, v(set())


def test_tied_tree_against_the_path_dependent_game():
    """A deeper regression tree splits a few small nodes on another feature than scikit-learn's
    (two features inducing the same partition tie exactly; float sums decide), so shap on
    scikit-learn's tree is no reference: the game's Shapley values by enumeration are."""
    X, y = _regression()
    model = tree.DecisionTreeRegressor(max_depth=7, random_state=0).fit(X, y)
    theirs = sk_tree.DecisionTreeRegressor(max_depth=7, random_state=0).fit(X, y)
    assert not np.array_equal(model.tree_.feature, theirs.tree_.feature)  # else: a weaker test
    explanation = TreeExplainer(model)(X[:6])
    for r, x in enumerate(X[:6]):
        phi, base = _brute_force_shapley([model.tree_], 0.0, x)
        scale = max(1.0, float(np.max(np.abs(phi))))
        assert_close(explanation.values[r], phi, rtol=0, atol=1e-10 * scale, what=f"row {r}")
        assert abs(explanation.base_values[r] - base) <= 1e-10 * scale


def _weighted_problem(nan=True):
    X, y = _with_nan() if nan else make_classification(600, 6, n_informative=4, random_state=0)
    weights = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    return X, y, weights


def test_weighted_boosting_against_the_path_dependent_game():
    X, y, weights = _weighted_problem()
    model = ensemble.HistGradientBoostingClassifier(max_iter=6, max_leaf_nodes=8, **{
        k: v for k, v in BOOSTING.items() if k != "max_iter"
    }).fit(X, y, sample_weight=weights)  # fmt: skip
    # The cover really is weighted (otherwise this test would repeat the unweighted one).
    root = model.estimators_[0, 0].tree_
    assert_close(root.weighted_n_node_samples[0], weights.sum(), rtol=1e-12, atol=0)
    explanation = TreeExplainer(model)(X[:8])
    for r, x in enumerate(X[:8]):
        trees = [t.tree_ for t in model.estimators_[:, 0]]
        phi, base = _brute_force_shapley(trees, model.baseline_[0], x)
        scale = max(1.0, float(np.max(np.abs(phi))))
        assert_close(explanation.values[r], phi, rtol=0, atol=1e-10 * scale, what=f"row {r}")
        assert abs(explanation.base_values[r] - base) <= 1e-10 * scale


def test_weighted_stumps_against_exact_interventional_shapley():
    X, y, weights = _weighted_problem(nan=False)  # ExactExplainer's background has no NaN
    model = ensemble.HistGradientBoostingClassifier(max_depth=1, **BOOSTING).fit(
        X, y, sample_weight=weights
    )
    assert all(t.tree_.node_count <= 3 for t in model.estimators_[:, 0])
    rows = X[:15]
    ours = TreeExplainer(model)(rows)
    exact = ExactExplainer(model.decision_function, X, background_weights=weights)(rows)
    scale = max(1.0, float(np.max(np.abs(exact.values))))
    assert_close(ours.values, exact.values, rtol=0, atol=1e-9 * scale, what="stumps")
    assert_close(ours.base_values, exact.base_values, rtol=0, atol=1e-9 * scale, what="E f")
