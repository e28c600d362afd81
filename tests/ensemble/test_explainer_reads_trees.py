"""glassml.explain.TreeExplainer reads the fitted trees through the documented arrays only.

Reference: each model's own predictions. The explainer's evaluation of the arrays equals them
to 1e-12 (it sums the trees in its own order), and the Shapley values add up to them
(TreeSHAP's local accuracy) to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from sklearn.datasets import make_classification, make_regression

from glassml.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from glassml.explain import TreeExplainer
from glassml.tree import DecisionTreeClassifier, DecisionTreeRegressor


def _models():
    X, y = make_classification(300, 5, n_informative=3, n_classes=3, random_state=0)
    yield DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y), X, "predict_proba"
    yield RandomForestClassifier(20, max_depth=6, random_state=0).fit(X, y), X, "predict_proba"
    X_nan = X.copy()
    X_nan[::7, 1] = np.nan
    yield HistGradientBoostingClassifier(max_iter=10).fit(X_nan, y), X_nan, "decision_function"
    binary = (y == 1).astype(int)
    yield (
        HistGradientBoostingClassifier(max_iter=10).fit(X_nan, binary),
        X_nan,
        ("decision_function"),
    )
    X, y = make_regression(300, 5, noise=5.0, random_state=0)
    yield DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y), X, "predict"
    yield RandomForestRegressor(15, max_depth=6, random_state=0).fit(X, y), X, "predict"
    yield HistGradientBoostingRegressor(max_iter=15).fit(X, y), X, "predict"


@pytest.mark.parametrize("model, X, output", list(_models()), ids=lambda v: type(v).__name__)
def test_tree_explainer_reproduces_and_decomposes_the_model(model, X, output):
    explainer = TreeExplainer(model)
    expected = getattr(model, output)(X)
    assert_close(explainer.predict(X), expected, rtol=1e-12, atol=1e-12)
    explanation = explainer(X[:20])
    values = explanation.values
    total = explanation.base_values + values.sum(axis=1)
    assert_close(total.reshape(expected[:20].shape), expected[:20], rtol=1e-9, atol=1e-9)
