"""Robustness entries of glassml.linear: every estimator's methods and both path functions.

What the mathematics says at ``X * s`` and ``y * s`` (the ``Scale`` declarations):

- least squares is equivariant: predictions unchanged for ``X * s``, times ``s`` for ``y * s``.
- a penalised objective is not. For ridge, ``||y - sXb||^2 + alpha ||b||^2`` is the ridge
  problem on X with penalty ``alpha / s^2``: at ``X * 1e300`` the penalty vanishes and the fit
  is least squares; at ``X * 1e-300`` it dominates and the prediction is the mean of y. The
  lasso and elastic net have the same two limits (and in ``y``: a huge y makes the penalty
  negligible, a tiny one makes it win). Logistic regression at ``X * 1e300`` is unpenalised
  logistic regression; at ``X * 1e-300`` only the intercept is left, which predicts the
  (weighted) class frequencies. Every limit is computed independently here (``numpy.lstsq``,
  scikit-learn's unpenalised LogisticRegression, class counts).
- a fitted linear model's outputs at ``X * s`` are ``intercept + s (X w)``.
"""

from __future__ import annotations

import warnings

import numpy as np
from robustness.framework import (
    Entry,
    Scale,
    affine,
    equals,
    equivariant,
    invariant,
    opt,
    per_output,
)
from scipy.special import expit
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from glassml.linear import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    enet_path,
    lasso_path,
)

RNG = np.random.default_rng(1)
X = RNG.normal(size=(30, 3))
Y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + RNG.normal(scale=0.5, size=30)
WEIGHTS = RNG.uniform(0.5, 2.0, size=30)
# Labels that overlap (not separable: the unpenalised fit has a finite optimum, coefficients
# about 1), 25 against 5.
LABELS = np.where(
    X @ np.array([1.0, -0.5, 0.3]) + np.random.default_rng(7).normal(scale=2.0, size=30) > 0.4,
    1,
    0,
)
assert LABELS.sum() == 5

# Limits, computed without glassml.
_DESIGN = np.column_stack([np.ones(30), X])
OLS = _DESIGN @ np.linalg.lstsq(_DESIGN, Y, rcond=None)[0]
_W_DESIGN = _DESIGN * np.sqrt(WEIGHTS)[:, None]
WLS = _DESIGN @ np.linalg.lstsq(_W_DESIGN, Y * np.sqrt(WEIGHTS), rcond=None)[0]
MEAN = np.full(30, Y.mean())
W_MEAN = np.full(30, np.average(Y, weights=WEIGHTS))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    UNPENALISED = (
        SkLogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)
        .fit(X, LABELS, sample_weight=WEIGHTS)
        .predict_proba(X)
    )
    CLASSES3 = np.digitize(Y, np.quantile(Y, [0.3, 0.6]))  # 9, 9 and 12 samples
    UNPENALISED3 = (
        SkLogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)
        .fit(X, CLASSES3)
        .predict_proba(X)
    )
_POSITIVE = np.average(LABELS, weights=WEIGHTS)
FREQUENCIES = np.tile([1.0 - _POSITIVE, _POSITIVE], (30, 1))
FREQUENCIES3 = np.tile(np.bincount(CLASSES3) / 30, (30, 1))


def _ridge_limit(strength: float) -> np.ndarray:
    """Elastic net at y * 1e300: its L1 part vanishes, the L2 part stays. The weighted ridge
    (weights normalised to sum n, scikit-learn's convention) in closed form, predictions."""
    s = WEIGHTS * 30 / WEIGHTS.sum()
    x_mean, y_mean = np.average(X, axis=0, weights=s), np.average(Y, weights=s)
    Xc, yc = X - x_mean, Y - y_mean
    w = np.linalg.solve(Xc.T @ (s[:, None] * Xc) / 30 + strength * np.eye(3), Xc.T @ (s * yc) / 30)
    return y_mean + Xc @ w


REGRESSION_DATA = {"X": X, "y": Y, "sample_weight": WEIGHTS}


def _penalised_scales(rtol: float, weights_scale_c: bool) -> tuple[Scale, ...]:
    """The limits of a penalised least-squares fit (module docstring), weighted.

    Ridge's objective sums the weighted squares, so ``sample_weight * s`` is ``alpha / s``:
    the same two limits. The lasso and elastic net normalise the weights to sum to n
    (scikit-learn's convention): scaling them changes nothing.
    """
    weight_scales = (
        (
            Scale(("sample_weight",), equals(WLS, rtol=rtol), families=("huge",)),
            Scale(("sample_weight",), equals(W_MEAN, rtol=rtol), families=("tiny",)),
        )
        if weights_scale_c
        else (Scale(("sample_weight",), invariant(rtol)),)
    )
    return (
        Scale(("X",), equals(WLS, rtol=rtol), families=("huge",)),
        Scale(("X",), equals(W_MEAN, rtol=rtol), families=("tiny",)),
        Scale(("X", "y"), equals(WLS, rtol=rtol, power=1.0), families=("huge",)),
        Scale(("X", "y"), equals(W_MEAN, rtol=rtol, power=1.0), families=("tiny",)),
        *weight_scales,
    )


def _regressor_fit_entry(name, estimator, options, scale):
    def call(X, y, sample_weight, **params):
        model = estimator(**params).fit(X, y, sample_weight=sample_weight)
        return model.predict(X)

    return Entry(
        name,
        call,
        {**REGRESSION_DATA, **{key: value for key, value in options.items()}},
        arrays=("X", "y", "sample_weight"),
        options={key: opt(*bad) for key, (_, bad) in _OPTION_BAD.items() if key in options},
        scale=scale,
    )


# Option -> (valid value, extra bad values); automatic wrong-type values are added.
_OPTION_BAD = {
    "alpha": (0.1, (-1.0,)),
    "l1_ratio": (0.5, (-0.1, 1.5)),
    "fit_intercept": (True, ()),
    "solver": ("auto", ("qr",)),
    "tol": (1e-10, (-1.0,)),
    "max_iter": (5000, (0, -1)),
    "positive": (False, ()),
}


def _options(*names, **overrides):
    return {name: overrides.get(name, _OPTION_BAD[name][0]) for name in names}


def _predict_entry(name, model, method="predict", scale=None):
    return Entry(
        name,
        lambda X: getattr(model, method)(X),
        {"X": X},
        arrays=("X",),
        scale=scale if scale is not None else (Scale(("X",), affine(model.intercept_)),),
    )


def _fitted(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, Y, sample_weight=WEIGHTS)


def _summary_check(x_power: float, y_power: float):
    """The regression table at ``X * s**x_power``, ``y * s**y_power``: coefficients, their
    standard errors and intervals in their units (y for b0, y / X for slopes), log L shifted by
    ``-n log(s**y_power)``, the residual standard error in y's units; the rest scale-free."""

    def check(base, scaled, s):
        units = np.array([s**y_power] + [s ** (y_power - x_power)] * 3)
        for field in ("params", "bse"):
            equals(getattr(base, field) * units, rtol=1e-6)(None, getattr(scaled, field), s)
        equals(base.conf_int * units[:, None], rtol=1e-6)(None, scaled.conf_int, s)
        free = (
            "tvalues",
            "pvalues",
            "rsquared",
            "rsquared_adj",
            "fvalue",
            "f_pvalue",
            "durbin_watson",
            "omnibus",
            "jarque_bera",
            "skew",
            "kurtosis",
        )
        invariant(rtol=1e-6)(
            [getattr(base, f) for f in free], [getattr(scaled, f) for f in free], s
        )
        shift = base.nobs * y_power * np.log(s)
        for field, factor in (("llf", -1.0), ("aic", 2.0), ("bic", 2.0)):
            equals(getattr(base, field) + factor * shift, rtol=1e-9, atol=1e-6 * abs(shift))(
                None, getattr(scaled, field), s
            )
        equals(base.resid_std_err * s**y_power, rtol=1e-6)(None, scaled.resid_std_err, s)

    return check


# ------------------------------------------------------------------ logistic regression
LOGISTIC_OPTIMIZERS = {
    # optimizer -> (options, tolerance on probabilities at the limits)
    "newton": ({"tol": 1e-10, "max_iter": 100}, 1e-6),
    "lbfgs": ({"tol": 1e-10, "max_iter": 1000}, 1e-6),
    "gd": ({"tol": 1e-8, "max_iter": 20000}, 1e-5),
    "fista": ({"tol": 1e-8, "max_iter": 20000}, 1e-5),
    # Stochastic, 300 epochs of 4 batches: at the four limits averaged SGD ends at most 0.039
    # and Adam (lr 0.1) 0.006 from the limit's probabilities (measured), hence 0.05 and 0.02.
    "sgd": ({"tol": 1e-8, "max_iter": 300, "batch_size": 8, "random_state": 0}, 5e-2),
    "adam": (
        {"tol": 1e-8, "max_iter": 300, "batch_size": 8, "learning_rate": 0.1, "random_state": 0},
        2e-2,
    ),
}


def _logistic_fit_entry(optimizer, options, tolerance):
    def call(X, y, sample_weight, **params):
        model = LogisticRegression(optimizer=optimizer, **params)
        return model.fit(X, y, sample_weight=sample_weight).predict_proba(X)

    arguments = {"X": X, "y": LABELS, "sample_weight": WEIGHTS, "C": 1.0, **options}
    return Entry(
        f"glassml.linear.LogisticRegression.fit [{optimizer}]",
        call,
        arguments,
        arrays=("X", "sample_weight"),
        labels=("y",),
        options={
            "C": opt(0.0, -1.0),
            "tol": opt(-1.0),
            "max_iter": opt(-1),
            **(
                {"random_state": opt(-1), "batch_size": opt(0)} if "random_state" in options else {}
            ),
        },
        scale=(
            # X * 1e300: the penalty vanishes; X * 1e-300: only the intercept is left.
            Scale(("X",), equals(UNPENALISED, atol=tolerance), families=("huge",)),
            Scale(("X",), equals(FREQUENCIES, atol=tolerance), families=("tiny",)),
            # sample_weight * s is C * s: the same two limits.
            Scale(("sample_weight",), equals(UNPENALISED, atol=tolerance), families=("huge",)),
            Scale(("sample_weight",), equals(FREQUENCIES, atol=tolerance), families=("tiny",)),
        ),
    )


_LOGISTIC = LogisticRegression().fit(X, LABELS)
_LOGISTIC_B = float(_LOGISTIC.intercept_[0])
_LOGISTIC_Z = X @ _LOGISTIC.coef_[0]  # X w, without the intercept


def _logistic_at_scale(transform):
    """Check that an output of the fitted logistic model at ``X * s`` is
    ``transform(b + s X w)``."""

    def check(base, scaled, s):
        with np.errstate(over="ignore"):
            z = _LOGISTIC_B + s * _LOGISTIC_Z
        equals(transform(z), rtol=1e-9, atol=1e-12)(base, scaled, s)

    return check


def _log_proba(z):
    # log [1 - sigmoid(z), sigmoid(z)] = [-softplus(z), -softplus(-z)], overflow-free
    return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])


ENTRIES = [
    _regressor_fit_entry(
        "glassml.linear.LinearRegression.fit",
        LinearRegression,
        _options("fit_intercept"),
        (
            Scale(("X",), invariant(1e-9)),
            Scale(("y",), equivariant(1.0, rtol=1e-9)),
            Scale(("X", "y"), equivariant(1.0, rtol=1e-9)),
            Scale(("sample_weight",), invariant(1e-9)),
        ),
    ),
    _predict_entry("glassml.linear.LinearRegression.predict", _fitted(LinearRegression())),
    Entry(
        "glassml.linear.LinearRegression.summary",
        lambda X, y: LinearRegression().fit(X, y).summary(),
        {"X": X, "y": Y},
        arrays=("X", "y"),
        scale=(
            Scale(("X", "y"), _summary_check(1.0, 1.0)),
            Scale(("X",), _summary_check(1.0, 0.0)),
            Scale(("y",), _summary_check(0.0, 1.0)),
        ),
    ),
    _regressor_fit_entry(
        "glassml.linear.Ridge.fit",
        Ridge,
        _options("alpha", "fit_intercept", "solver", "tol"),
        (*_penalised_scales(1e-8, True), Scale(("y",), equivariant(1.0, rtol=1e-9))),
    ),
    _regressor_fit_entry(
        "glassml.linear.Ridge.fit [cg]",
        Ridge,
        _options("alpha", "fit_intercept", "tol", "max_iter", solver="cg"),
        (*_penalised_scales(1e-7, True), Scale(("y",), equivariant(1.0, rtol=1e-7))),
    ),
    _predict_entry("glassml.linear.Ridge.predict", _fitted(Ridge(alpha=0.1))),
]
for name, estimator, extra, y_huge in (
    ("Lasso", Lasso, (), WLS),
    ("ElasticNet", ElasticNet, ("l1_ratio",), _ridge_limit(0.1 * 0.5)),
):
    for solver in ("cd", "fista"):
        ENTRIES.append(
            _regressor_fit_entry(
                f"glassml.linear.{name}.fit" + (" [fista]" if solver == "fista" else ""),
                lambda solver=solver, estimator=estimator, **params: estimator(
                    solver=solver, **params
                ),
                _options("alpha", *extra, "fit_intercept", "tol", "max_iter"),
                (
                    *_penalised_scales(1e-6, False),
                    # y * 1e300: the L1 penalty is negligible; y * 1e-300: it wins.
                    Scale(("y",), equals(y_huge, rtol=1e-6, power=1.0), families=("huge",)),
                    Scale(("y",), equals(W_MEAN, rtol=1e-6, power=1.0), families=("tiny",)),
                ),
            )
        )
    ENTRIES.append(_predict_entry(f"glassml.linear.{name}.predict", _fitted(estimator(alpha=0.1))))

_IGNORED = lambda base, scaled, s: None  # noqa: E731 - duality gaps are tolerances, not results
_PATH_OPTIONS = {
    "eps": opt(0.0, 1.0),
    "n_alphas": opt(0),
    "max_iter": opt(0),
    "tol": opt(-1.0),
    "positive": opt(),
}
ENTRIES += [
    Entry(
        "glassml.linear.enet_path",
        enet_path,
        {
            "X": X,
            "y": Y,
            "l1_ratio": 0.5,
            "eps": 1e-2,
            "n_alphas": 5,
            "max_iter": 5000,
            "tol": 1e-10,
            "positive": False,
        },
        arrays=("X", "y"),
        options={"l1_ratio": opt(0.0, 1.5), **_PATH_OPTIONS},
        # (X, y) * s is the objective times s^2 at alpha * s^2: alphas * s^2, the same path.
        scale=(Scale(("X", "y"), per_output(equivariant(2.0), invariant(1e-6, 1e-9), _IGNORED)),),
    ),
    Entry(
        "glassml.linear.lasso_path",
        lasso_path,
        {"X": X, "y": Y, "eps": 1e-2, "n_alphas": 5, "max_iter": 5000, "tol": 1e-10},
        arrays=("X", "y"),
        options={key: value for key, value in _PATH_OPTIONS.items() if key != "positive"},
        # The lasso path is equivariant in each: X * s gives alphas * s and coefficients / s,
        # y * s gives alphas * s and coefficients * s.
        scale=(
            Scale(("X",), per_output(equivariant(1.0), equivariant(-1.0, rtol=1e-6), _IGNORED)),
            Scale(("y",), per_output(equivariant(1.0), equivariant(1.0, rtol=1e-6), _IGNORED)),
            Scale(("X", "y"), per_output(equivariant(2.0), invariant(1e-6, 1e-9), _IGNORED)),
        ),
    ),
    *(
        _logistic_fit_entry(optimizer, options, tolerance)
        for optimizer, (options, tolerance) in LOGISTIC_OPTIMIZERS.items()
    ),
    Entry(
        "glassml.linear.LogisticRegression.fit [multinomial]",
        lambda X, y, **params: LogisticRegression(**params).fit(X, y).predict_proba(X),
        {"X": X, "y": CLASSES3, "penalty": "l2", "tol": 1e-10},
        arrays=("X",),
        labels=("y",),
        options={"penalty": opt("l3")},
        scale=(
            Scale(("X",), equals(UNPENALISED3, atol=1e-6), families=("huge",)),
            Scale(("X",), equals(FREQUENCIES3, atol=1e-6), families=("tiny",)),
        ),
    ),
    _predict_entry(
        "glassml.linear.LogisticRegression.decision_function",
        _LOGISTIC,
        "decision_function",
        (Scale(("X",), _logistic_at_scale(lambda z: z)),),
    ),
    _predict_entry(
        "glassml.linear.LogisticRegression.predict",
        _LOGISTIC,
        "predict",
        (Scale(("X",), _logistic_at_scale(lambda z: (z > 0).astype(int))),),
    ),
    _predict_entry(
        "glassml.linear.LogisticRegression.predict_proba",
        _LOGISTIC,
        "predict_proba",
        (Scale(("X",), _logistic_at_scale(lambda z: np.column_stack([expit(-z), expit(z)]))),),
    ),
    _predict_entry(
        "glassml.linear.LogisticRegression.predict_log_proba",
        _LOGISTIC,
        "predict_log_proba",
        (Scale(("X",), _logistic_at_scale(_log_proba)),),
    ),
]

EXEMPT = {
    "glassml.linear.RegressionSummary": (
        "a frozen record of the statistics LinearRegression.summary() computes (registered "
        "above); users read it, they do not construct it"
    ),
}
