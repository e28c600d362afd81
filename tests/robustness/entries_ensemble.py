"""Robustness entries of glassml.ensemble (see framework.py).

Random forests are made of CART trees: scaling X leaves them unchanged, NaN is refused by name
(pointing to the boosting models). Gradient boosting accepts NaN in X (missing values have
their own bin and learned direction: ``allow_nan``) but refuses infinities. Its bins are
quantiles of the data, so scaling X changes nothing in principle; values beyond 1e300 share
the last bin edge (scikit-learn's cap), so X is only required not to collapse. Regression
predictions scale with y (the targets are rescaled by a power of two when extreme), and
classification labels ignore the scale of the sample weights.

Gradients are stored in float32 (as scikit-learn stores them), so the scaled fits agree to
1e-6, not to the last bit. Predict entries skip the scale families: a fitted ensemble of trees
is piecewise constant, and rows 1e300 times larger than the training data fall in its outermost
cells, where a constant answer is correct.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

rng = np.random.default_rng(1)
X = rng.standard_normal((60, 3))
Y_CLASS = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8).astype(int)
Y_VALUE = X[:, 0] * 2.0 + np.sin(X[:, 1]) + 0.1 * X[:, 2]
Y_COUNT = rng.poisson(np.exp(X[:, 0] / 2)).astype(float)
WEIGHT = rng.random(60) + 0.5
PIECEWISE = (
    "an ensemble of trees is piecewise constant: rows scaled by 1e+-300 fall in its outermost "
    "cells, where a constant prediction is correct"
)
PREDICT_SKIPS = {"huge": PIECEWISE, "tiny": PIECEWISE}

FOREST_OPTIONS = {
    "n_estimators": opt(0, -3),
    "max_depth": opt(0),
    "min_samples_leaf": opt(0, 1.0),
    "max_features": opt("no-such-option", 0, 1.5, auto=False),
    "bootstrap": opt(),
    "max_samples": opt(0, 1.5, -0.5, auto=False),
}
FOREST_ARGUMENTS = {
    "n_estimators": 5,
    "max_depth": 4,
    "min_samples_leaf": 1,
    "max_features": "sqrt",
    "bootstrap": True,
    "max_samples": None,
}
BOOSTING_OPTIONS = {
    "learning_rate": opt(0.0, -0.1),
    "max_iter": opt(0),
    "max_leaf_nodes": opt(1),
    "max_depth": opt(0),
    "min_samples_leaf": opt(0),
    "l2_regularization": opt(-1.0),
    "max_bins": opt(1, 256),
    "early_stopping": opt(),
    "validation_fraction": opt(0.0, 1.5, auto=False),
}
BOOSTING_ARGUMENTS = {
    "learning_rate": 0.2,
    "max_iter": 8,
    "max_leaf_nodes": 7,
    "max_depth": 3,
    "min_samples_leaf": 5,
    "l2_regularization": 0.0,
    "max_bins": 32,
    "early_stopping": False,
    "validation_fraction": 0.2,
}


def fitted_labels(model_class):
    def call(X, y, sample_weight, **params):
        return model_class(random_state=0, **params).fit(X, y, sample_weight).predict(X)

    return call


_FOREST_CLASSIFIER = RandomForestClassifier(5, max_depth=3, random_state=0).fit(X, Y_CLASS)
_FOREST_REGRESSOR = RandomForestRegressor(5, max_depth=3, random_state=0).fit(X, Y_VALUE)
_X_MISSING = X.copy()
_X_MISSING[::6, 1] = np.nan
_BOOSTED_CLASSIFIER = HistGradientBoostingClassifier(max_iter=6, min_samples_leaf=5).fit(
    _X_MISSING, Y_CLASS
)
_BOOSTED_REGRESSOR = HistGradientBoostingRegressor(max_iter=6, min_samples_leaf=5).fit(
    _X_MISSING, Y_VALUE
)


def method_entry(name, model, method, allow_nan=False):
    def call(X):
        out = getattr(model, method)(X)
        return list(out) if method.startswith("staged") else out

    return Entry(
        name,
        call,
        {"X": _X_MISSING if allow_nan else X},
        arrays=("X",),
        allow_nan=("X",) if allow_nan else (),
        skip=PREDICT_SKIPS,
    )


ENTRIES = [
    Entry(
        "glassml.ensemble.RandomForestClassifier.fit",
        fitted_labels(RandomForestClassifier),
        {
            "X": X,
            "y": Y_CLASS,
            "sample_weight": WEIGHT,
            "criterion": "gini",
            "class_weight": None,
            **FOREST_ARGUMENTS,
        },
        arrays=("X", "sample_weight"),
        labels=("y",),
        options={
            **FOREST_OPTIONS,
            "criterion": opt(),
            "class_weight": opt("heavy", {9: 1.0}),
        },
        scale=(Scale(("X",), invariant()), Scale(("sample_weight",), invariant())),
    ),
    Entry(
        "glassml.ensemble.RandomForestRegressor.fit",
        fitted_labels(RandomForestRegressor),
        {
            "X": X,
            "y": Y_VALUE,
            "sample_weight": WEIGHT,
            "criterion": "squared_error",
            **FOREST_ARGUMENTS,
            "bootstrap": False,
        },
        arrays=("X", "y", "sample_weight"),
        options={
            **{k: v for k, v in FOREST_OPTIONS.items() if k != "max_samples"},
            "criterion": opt("gini"),
        },
        scale=(
            Scale(("X",), invariant()),
            Scale(("y",), equivariant(1.0, rtol=1e-12)),
            Scale(("sample_weight",), invariant()),
        ),
    ),
    method_entry("glassml.ensemble.RandomForestClassifier.predict", _FOREST_CLASSIFIER, "predict"),
    method_entry(
        "glassml.ensemble.RandomForestClassifier.predict_proba",
        _FOREST_CLASSIFIER,
        "predict_proba",
    ),
    method_entry(
        "glassml.ensemble.RandomForestClassifier.predict_log_proba [mixed leaves]",
        RandomForestClassifier(5, min_samples_leaf=20, random_state=0).fit(
            X, (X[:, 0] > 0).astype(int) ^ (np.arange(60) % 4 == 0)
        ),
        "predict_log_proba",
    ),
    method_entry("glassml.ensemble.RandomForestClassifier.apply", _FOREST_CLASSIFIER, "apply"),
    method_entry("glassml.ensemble.RandomForestRegressor.predict", _FOREST_REGRESSOR, "predict"),
    Entry(
        "glassml.ensemble.HistGradientBoostingClassifier.fit",
        fitted_labels(HistGradientBoostingClassifier),
        {
            "X": _X_MISSING,
            "y": Y_CLASS,
            "sample_weight": WEIGHT,
            "class_weight": None,
            "monotonic_cst": None,
            **BOOSTING_ARGUMENTS,
        },
        arrays=("X", "sample_weight"),
        labels=("y",),
        allow_nan=("X",),
        options={
            **BOOSTING_OPTIONS,
            "class_weight": opt("heavy", {5: 1.0}),
            "monotonic_cst": opt([1, 0, 0], [2, 0, 0], [1, 0], auto=False),
        },
        scale=(Scale(("sample_weight",), invariant()),),
    ),
    Entry(
        "glassml.ensemble.HistGradientBoostingRegressor.fit",
        fitted_labels(HistGradientBoostingRegressor),
        {
            "X": _X_MISSING,
            "y": Y_VALUE,
            "sample_weight": WEIGHT,
            "loss": "squared_error",
            "monotonic_cst": None,
            **BOOSTING_ARGUMENTS,
        },
        arrays=("X", "y", "sample_weight"),
        allow_nan=("X",),
        options={
            **BOOSTING_OPTIONS,
            "loss": opt("log_loss"),
            "monotonic_cst": opt([2, 0, 0], [1, 0], auto=False),
        },
        scale=(
            Scale(("y",), equivariant(1.0, rtol=1e-6)),
            Scale(("sample_weight",), invariant(rtol=1e-6)),
        ),
    ),
    Entry(
        "glassml.ensemble.HistGradientBoostingRegressor.fit [poisson]",
        fitted_labels(HistGradientBoostingRegressor),
        {"X": X, "y": Y_COUNT, "sample_weight": WEIGHT, "loss": "poisson", **BOOSTING_ARGUMENTS},
        arrays=("X", "y", "sample_weight"),
        allow_nan=("X",),
        options={"loss": opt()},
        scale=(
            Scale(("y",), equivariant(1.0, rtol=1e-6)),
            Scale(("sample_weight",), invariant(rtol=1e-6)),
        ),
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingClassifier.predict",
        _BOOSTED_CLASSIFIER,
        "predict",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingClassifier.predict_proba",
        _BOOSTED_CLASSIFIER,
        "predict_proba",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingClassifier.decision_function",
        _BOOSTED_CLASSIFIER,
        "decision_function",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingClassifier.staged_predict",
        _BOOSTED_CLASSIFIER,
        "staged_predict",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingClassifier.staged_predict_proba",
        _BOOSTED_CLASSIFIER,
        "staged_predict_proba",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingClassifier.staged_decision_function",
        _BOOSTED_CLASSIFIER,
        "staged_decision_function",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingRegressor.predict",
        _BOOSTED_REGRESSOR,
        "predict",
        allow_nan=True,
    ),
    method_entry(
        "glassml.ensemble.HistGradientBoostingRegressor.staged_predict",
        _BOOSTED_REGRESSOR,
        "staged_predict",
        allow_nan=True,
    ),
]

EXEMPT = {
    "glassml.ensemble.RandomForestRegressor.apply": "inherited from the shared forest base "
    "class; probed as RandomForestClassifier.apply (same code, same validation)",
}
