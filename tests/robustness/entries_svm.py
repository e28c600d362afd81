"""Robustness entries of glassml.svm.

At ``X * s`` (see the SVC and LinearSVC docstrings, "Units"):

- SVC with ``gamma="scale"`` does not depend on the units of X: decisions unchanged.
- With a fixed gamma the rbf kernel saturates: at 1e300 it is the identity, and the dual
  ``min 1/2 sum a_i^2 - sum a_i`` s.t. ``y'a = 0, 0 <= a_i <= C_i`` has the solution
  ``a_i = clip(1 + y_i rho, 0, C_i)`` with rho the root of ``y'a(rho) = 0``; the decision at a
  training point is ``y_i a_i - rho`` (every point its own support vector); at 1e-300 the
  kernel is all ones (a constant decision). A polynomial kernel beyond float64, and a linear
  kernel or LinearSVC whose penalty ``C ||x||^2`` overflows (a hard margin with no finite
  solution), are refused by name. At 1e-300 the linear kernel vanishes: only the intercept
  decides, a constant.
- A fitted SVC queried at ``X * s``: at 1e300 every kernel value is 0 and the decision is the
  intercept; at 1e-300 every query is the origin, ``f = sum_i a_i exp(-gamma ||x_i||^2) + b``.
- LinearSVC at ``sample_weight * 1e-300`` (C -> 0): ``w / C -> 2 sum_i w_i y_i x~_i`` for the
  squared hinge, the mean-difference classifier; at X * 1e-300 only the intercept is left,
  ``b = 2C (W+ - W-) / (1 + 2C W)`` (W: the classes' weight sums), the heavier class.

Limits are computed here from the data or from public fitted attributes.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, affine, equals, invariant, opt

from glassml.svm import SVC, LinearSVC

RNG = np.random.default_rng(4)
X = RNG.normal(size=(40, 3))
Y = (X @ np.array([1.0, -1.0, 0.5]) + 0.8 * RNG.normal(size=40) > 0.3).astype(int)
WEIGHTS = RNG.uniform(0.5, 2.0, size=40)
Y3 = np.digitize(X[:, 0] + 0.3 * RNG.normal(size=40), [-0.4, 0.4])
SIGNS = np.where(Y == 1, 1.0, -1.0)


def _identity_kernel_decision() -> np.ndarray:
    """SVC's decision_function at an identity kernel (module docstring), rho by bisection."""
    # libsvm's pair puts classes_[0] first with label +1, so y = +1 for class 0 here.
    y, bounds = -SIGNS, 1.0 * WEIGHTS
    low, high = -10.0, 10.0
    for _ in range(200):
        rho = 0.5 * (low + high)
        if y @ np.clip(1.0 + y * rho, 0.0, bounds) > 0:
            high = rho
        else:
            low = rho
    return -(y * np.clip(1.0 + y * rho, 0.0, bounds) - rho)  # > 0: classes_[1]


def constant(base, scaled, s):
    """The limit is a constant answer (which constant is a degenerate dual's tie-break)."""
    values = np.asarray(scaled, dtype=np.float64)
    rows = values.reshape(values.shape[0], -1)
    if not np.allclose(rows, rows[0], rtol=1e-9, atol=1e-12):
        raise AssertionError(f"expected one answer for every sample at scale {s:g}, got {rows[:4]}")


SVC_OPTIONS = {
    "C": opt(0.0, -1.0, np.inf),
    "degree": opt(-1),
    "tol": opt(0.0),
    "cache_size": opt(0.0),
    "max_iter": opt(0, -2),
    "shrinking": opt(),
    "decision_function_shape": opt("ova"),
    "class_weight": opt("even", [1, 2], auto=False),
}
SVC_VALID = {
    "C": 1.0,
    "degree": 3,
    "tol": 1e-3,
    "cache_size": 200.0,
    "max_iter": -1,
    "shrinking": True,
    "decision_function_shape": "ovr",
    "class_weight": None,
}


def _svc_fit_entry(suffix, method, scale, labels=Y, **params):
    def call(X, y, sample_weight, **options):
        model = SVC(**options).fit(X, y, sample_weight=sample_weight)
        return getattr(model, method)(X)

    options = {**SVC_OPTIONS}
    if isinstance(params.get("gamma"), float):
        options["gamma"] = opt(-1.0)
    if "coef0" in params:
        options["coef0"] = opt()
    return Entry(
        f"glassml.svm.SVC.fit [{suffix}]",
        call,
        {"X": X, "y": labels, "sample_weight": WEIGHTS, **SVC_VALID, **params},
        arrays=("X", "sample_weight"),
        labels=("y",),
        options=options,
        scale=scale,
    )


FITTED = SVC(gamma=0.5, probability=True, random_state=0).fit(X, Y)
_ORIGIN = FITTED.dual_coef_[0] @ np.exp(-0.5 * np.sum(FITTED.support_vectors_**2, axis=1))
_AT_ORIGIN = np.full(40, _ORIGIN + FITTED.intercept_[0])
_FAR = np.full(40, FITTED.intercept_[0])


def _query_entry(method, huge, tiny):
    return Entry(
        f"glassml.svm.SVC.{method}",
        lambda X: getattr(FITTED, method)(X),
        {"X": X},
        arrays=("X",),
        scale=(Scale(("X",), huge, families=("huge",)), Scale(("X",), tiny, families=("tiny",))),
    )


LINEAR_OPTIONS = {
    "loss": opt("log"),
    "C": opt(0.0, np.inf),
    "tol": opt(0.0),
    "max_iter": opt(0),
    "fit_intercept": opt(),
    "intercept_scaling": opt(0.0),
    "random_state": opt(-1),
}
LINEAR_VALID = {
    "loss": "squared_hinge",
    "C": 1.0,
    "tol": 1e-6,
    "max_iter": 5000,
    "fit_intercept": True,
    "intercept_scaling": 1.0,
    "random_state": 0,
}
# C -> 0: the mean-difference classifier on x~ = (x, 1); X -> 0: the heavier class.
_MEAN_DIFFERENCE = (
    (np.column_stack([X, np.ones(40)]) @ (WEIGHTS * SIGNS @ np.column_stack([X, np.ones(40)]))) > 0
).astype(int)
_HEAVIER = np.full(40, int(WEIGHTS[Y == 1].sum() > WEIGHTS[Y == 0].sum()))
LINEAR = LinearSVC(random_state=0, tol=1e-6).fit(X, Y)

ENTRIES = [
    _svc_fit_entry(
        "rbf",
        "decision_function",
        (Scale(("X",), invariant(1e-7, 1e-9)), Scale(("sample_weight",), constant, ("tiny",))),
    ),
    _svc_fit_entry(
        "sigmoid",
        "decision_function",
        (Scale(("X",), invariant(1e-7, 1e-9)), Scale(("sample_weight",), constant, ("tiny",))),
        kernel="sigmoid",
        coef0=0.2,
    ),
    _svc_fit_entry(
        "rbf, gamma=0.5",
        "decision_function",
        (
            # SMO stops at a KKT gap of tol = 1e-3: decisions agree to a few tol.
            Scale(("X",), equals(_identity_kernel_decision(), atol=5e-3), ("huge",)),
            Scale(("X",), constant, ("tiny",)),
            Scale(("sample_weight",), constant, ("tiny",)),
        ),
        gamma=0.5,
    ),
    _svc_fit_entry(
        "poly, gamma=0.5",
        "decision_function",
        # 1e300: (gamma x.y + coef0)^3 overflows, refused; 1e-300: coef0^3 everywhere.
        (Scale(("X",), constant, ("tiny",)), Scale(("sample_weight",), constant, ("tiny",))),
        kernel="poly",
        gamma=0.5,
        coef0=1.0,
    ),
    _svc_fit_entry(
        "linear",
        "decision_function",
        (Scale(("X",), constant, ("tiny",)), Scale(("sample_weight",), constant, ("tiny",))),
        kernel="linear",
    ),
    _svc_fit_entry(
        "multiclass",
        "decision_function",
        (Scale(("X",), invariant(1e-7, 1e-9)), Scale(("sample_weight",), constant, ("tiny",))),
        labels=Y3,
    ),
    _svc_fit_entry(
        "probability",
        "predict_proba",
        (Scale(("X",), invariant(1e-7, 1e-9)), Scale(("sample_weight",), constant, ("tiny",))),
        probability=True,
        random_state=0,
    ),
    _query_entry("decision_function", equals(_FAR, rtol=1e-12), equals(_AT_ORIGIN, rtol=1e-9)),
    _query_entry(
        "predict",
        equals((_FAR > 0).astype(int)),
        equals((_AT_ORIGIN > 0).astype(int)),
    ),
    _query_entry("predict_proba", constant, constant),
    _query_entry("predict_log_proba", constant, constant),
    Entry(
        "glassml.svm.LinearSVC.fit",
        lambda X, y, sample_weight, **options: (
            LinearSVC(**options).fit(X, y, sample_weight=sample_weight).predict(X)
        ),
        {"X": X, "y": Y, "sample_weight": WEIGHTS, **LINEAR_VALID},
        arrays=("X", "sample_weight"),
        labels=("y",),
        options=LINEAR_OPTIONS,
        # X * 1e300: C ||x||^2 overflows, refused by name.
        scale=(
            Scale(("X",), equals(_HEAVIER), ("tiny",)),
            Scale(("sample_weight",), equals(_MEAN_DIFFERENCE), ("tiny",)),
        ),
    ),
    Entry(
        "glassml.svm.LinearSVC.decision_function",
        lambda X: LINEAR.decision_function(X),
        {"X": X},
        arrays=("X",),
        scale=(Scale(("X",), affine(LINEAR.intercept_[0])),),
    ),
    Entry(
        "glassml.svm.LinearSVC.predict",
        lambda X: LINEAR.predict(X),
        {"X": X},
        arrays=("X",),
        scale=(
            Scale(("X",), equals((X @ LINEAR.coef_[0] > 0).astype(int)), ("huge",)),
            Scale(("X",), equals(np.full(40, int(LINEAR.intercept_[0] > 0))), ("tiny",)),
        ),
    ),
]
