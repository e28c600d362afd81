"""Robustness entries of glassml.tree (see framework.py).

A tree's splits depend on the order of each feature's values, so scaling X by 1e300 or 1e-300
leaves its predictions unchanged (the builder rescales each feature by a power of two, which
changes no rounding); a regression tree's predictions scale with y, and sample weights scaled
together change nothing. NaN in X is refused by name, pointing to the boosting models that
accept it.

A fitted tree is piecewise constant: inputs 1e300 times larger than the training data all fall
in its outermost cells, where a constant prediction is the right answer, so predict entries
skip the scale families (with that reason) and probe all the others.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml.tree import DecisionTreeClassifier, DecisionTreeRegressor

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 3))
Y_CLASS = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
Y_VALUE = X[:, 0] * 2.0 + np.sin(X[:, 1]) + 0.1 * X[:, 2]
WEIGHT = rng.random(40) + 0.5
PIECEWISE = (
    "a tree is piecewise constant: rows scaled by 1e+-300 fall in its outermost cells, where a "
    "constant prediction is correct"
)
PREDICT_SKIPS = {"huge": PIECEWISE, "tiny": PIECEWISE}

TREE_OPTIONS = {
    "max_depth": opt(0, -1),
    "min_samples_split": opt(1, 0.0, 1.5),
    "min_samples_leaf": opt(0, 1.0),
    "min_weight_fraction_leaf": opt(-0.1, 0.6),
    "max_features": opt("no-such-option", 0, -1, 1.5, auto=False),
    "min_impurity_decrease": opt(-1.0),
    "ccp_alpha": opt(-0.1),
}
TREE_ARGUMENTS = {
    "max_depth": 4,
    "min_samples_split": 2,
    "min_samples_leaf": 1,
    "min_weight_fraction_leaf": 0.0,
    "max_features": "sqrt",
    "min_impurity_decrease": 0.0,
    "ccp_alpha": 0.0,
}


def classifier_fit(X, y, sample_weight, **params):
    return DecisionTreeClassifier(random_state=0, **params).fit(X, y, sample_weight).predict(X)


def regressor_fit(X, y, sample_weight, **params):
    return DecisionTreeRegressor(random_state=0, **params).fit(X, y, sample_weight).predict(X)


_CLASSIFIER = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y_CLASS)
_REGRESSOR = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, Y_VALUE)


def method_entry(name, model, method):
    return Entry(
        name,
        lambda X: getattr(model, method)(X),
        {"X": X},
        arrays=("X",),
        skip=PREDICT_SKIPS,
    )


ENTRIES = [
    Entry(
        "glassml.tree.DecisionTreeClassifier.fit",
        classifier_fit,
        {
            "X": X,
            "y": Y_CLASS,
            "sample_weight": WEIGHT,
            "criterion": "gini",
            "class_weight": None,
            **TREE_ARGUMENTS,
        },
        arrays=("X", "sample_weight"),
        labels=("y",),
        options={**TREE_OPTIONS, "criterion": opt(), "class_weight": opt("heavy", {7: 2.0})},
        scale=(
            Scale(("X",), invariant()),
            Scale(("sample_weight",), invariant()),
        ),
    ),
    Entry(
        "glassml.tree.DecisionTreeRegressor.fit",
        regressor_fit,
        {
            "X": X,
            "y": Y_VALUE,
            "sample_weight": WEIGHT,
            "criterion": "squared_error",
            **TREE_ARGUMENTS,
        },
        arrays=("X", "y", "sample_weight"),
        options={**TREE_OPTIONS, "criterion": opt("gini")},
        scale=(
            Scale(("X",), invariant()),
            Scale(("y",), equivariant(1.0, rtol=1e-12)),
            Scale(("sample_weight",), invariant()),
        ),
    ),
    method_entry("glassml.tree.DecisionTreeClassifier.predict", _CLASSIFIER, "predict"),
    method_entry("glassml.tree.DecisionTreeClassifier.predict_proba", _CLASSIFIER, "predict_proba"),
    method_entry(
        "glassml.tree.DecisionTreeClassifier.predict_log_proba [finite rows]",
        DecisionTreeClassifier(max_depth=1, min_samples_leaf=15, random_state=0).fit(
            X, (X[:, 0] > 0).astype(int) ^ (np.arange(40) % 5 == 0)
        ),
        "predict_log_proba",
    ),
    method_entry("glassml.tree.DecisionTreeClassifier.apply", _CLASSIFIER, "apply"),
    method_entry("glassml.tree.DecisionTreeRegressor.predict", _REGRESSOR, "predict"),
    method_entry(
        "glassml.tree.DecisionTreeRegressor.decision_path [indicator]", _REGRESSOR, "decision_path"
    ),
    Entry(
        "glassml.tree.DecisionTreeRegressor.cost_complexity_pruning_path",
        lambda X, y: DecisionTreeRegressor(random_state=0).cost_complexity_pruning_path(X, y),
        {"X": X, "y": Y_VALUE},
        arrays=("X", "y"),
        scale=(Scale(("X",), invariant()),),
    ),
]

# Methods the two trees inherit from one base class: each is probed once, under the sibling
# named in its reason (same code, same validation).
_SHARED = "inherited from the shared tree base class; probed as "
EXEMPT = {
    "glassml.tree.DecisionTreeRegressor.apply": _SHARED + "DecisionTreeClassifier.apply",
    "glassml.tree.DecisionTreeClassifier.decision_path": _SHARED
    + "DecisionTreeRegressor.decision_path",
    "glassml.tree.DecisionTreeClassifier.cost_complexity_pruning_path": _SHARED
    + "DecisionTreeRegressor.cost_complexity_pruning_path",
    "glassml.tree.DecisionTree*.get_depth": "takes no input; returns tree_.max_depth",
    "glassml.tree.DecisionTree*.get_n_leaves": "takes no input; counts the leaves of tree_",
}
