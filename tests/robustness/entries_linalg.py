"""Robustness entries of glassml.linalg: every function in its ``__all__``.

How each result transforms when its data scale by ``s`` (the ``Scale`` declarations):

- solves and spectra: ``A x = b`` gives ``x * s`` for ``b * s`` and ``x / s`` for ``A * s``;
  eigen- and singular values scale with ``A``, vectors and subspaces do not; a condition
  number and a numerical rank are scale-free.
- kernels: ``x.y`` scales with each side; ``exp(-gamma ||x - y||^2)``, ``tanh`` and
  ``(gamma x.y + c)^d`` have limits (0 or 1, the sign, ``c^d``) that are the float64 values of
  the true kernel, and values beyond float64 must be refused by name.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equals, equivariant, invariant, opt, per_output

from glassml.linalg import (
    condition_number,
    conditioning_report,
    conjugate_gradient,
    linear_kernel,
    numerical_rank,
    polynomial_kernel,
    power_iteration,
    randomized_range_finder,
    randomized_svd,
    rbf_kernel,
    sigmoid_kernel,
    squared_euclidean_distances,
    svd_flip,
    top_eigenpairs,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3))
Y = RNG.normal(size=(8, 3))
M = RNG.normal(size=(12, 6))
_Q, _ = np.linalg.qr(RNG.normal(size=(5, 5)))
# Symmetric positive definite with well separated eigenvalues (gaps >= 1.5).
S = (_Q * np.array([9.0, 6.0, 4.0, 2.5, 1.0])) @ _Q.T
B = RNG.normal(size=5)
U, _, VT = np.linalg.svd(M, full_matrices=False)

INDEPENDENT_ROWS = "X and Y may have different numbers of rows: there is no length to mismatch"
GAMMA = 0.5


def _report_scales(base, scaled, s):
    equivariant(1.0, rtol=1e-9)(base.singular_values, scaled.singular_values, s)
    invariant(rtol=1e-9)(
        (base.shape, base.condition_number, base.rank, base.digits_lost),
        (scaled.shape, scaled.condition_number, scaled.rank, scaled.digits_lost),
        s,
    )


# Limits of the kernels when one side is scaled (see the module docstring).
_RBF_ONE_SIDE_HUGE = np.zeros((12, 8))
_RBF_X_TINY = np.exp(-GAMMA * np.sum(Y**2, axis=1))[np.newaxis, :].repeat(12, axis=0)
_RBF_Y_TINY = np.exp(-GAMMA * np.sum(X**2, axis=1))[:, np.newaxis].repeat(8, axis=1)
_SIGMOID_HUGE = np.sign(X @ Y.T)
_SIGMOID_TINY = np.full((12, 8), np.tanh(0.3))


def _kernel_entry(name, function, arguments, scale, options=None):
    return Entry(
        name,
        function,
        arguments,
        arrays=tuple(key for key in ("X", "Y") if key in arguments),
        options=options or {},
        scale=scale,
        skip={"length": INDEPENDENT_ROWS} if "Y" in arguments else {},
    )


ENTRIES = [
    Entry(
        "glassml.linalg.condition_number",
        condition_number,
        {"A": M},
        arrays=("A",),
        scale=(Scale(("A",), invariant(rtol=1e-9)),),
    ),
    Entry(
        "glassml.linalg.numerical_rank",
        numerical_rank,
        {"A": M, "tol": None},
        arrays=("A",),
        options={"tol": opt(-1.0, "0.1", np.nan, auto=False)},
        scale=(Scale(("A",), invariant()),),
    ),
    Entry(
        "glassml.linalg.conditioning_report",
        conditioning_report,
        {"A": M, "threshold": 1e10},
        arrays=("A",),
        options={"threshold": opt(0.0, -1.0)},
        scale=(Scale(("A",), _report_scales),),
    ),
    Entry(
        "glassml.linalg.conjugate_gradient",
        lambda **kw: conjugate_gradient(**kw)[0],
        {"matvec": S, "b": B, "x0": np.full(5, 0.1), "tol": 1e-12, "max_iter": 50},
        arrays=("matvec", "b", "x0"),
        options={"tol": opt(-1.0), "max_iter": opt(-1)},
        scale=(
            Scale(("b", "x0"), equivariant(1.0, rtol=1e-8)),
            Scale(("matvec",), equivariant(-1.0, rtol=1e-8)),
        ),
    ),
    Entry(
        "glassml.linalg.power_iteration",
        lambda **kw: power_iteration(**kw)[:2],
        {"A": S, "tol": 1e-12, "max_iter": 1000, "x0": np.ones(5), "random_state": 0},
        arrays=("A", "x0"),
        options={"tol": opt(0.0, -1.0), "max_iter": opt(0), "random_state": opt(-1)},
        scale=(
            Scale(("A",), per_output(equivariant(1.0, rtol=1e-9), invariant(1e-8, 1e-10))),
            Scale(("x0",), invariant(1e-9, 1e-12)),
        ),
    ),
    Entry(
        "glassml.linalg.top_eigenpairs",
        top_eigenpairs,
        {"A": S, "k": 2, "tol": 1e-12, "random_state": 0},
        arrays=("A",),
        options={"k": opt(0, 6), "tol": opt(0.0), "random_state": opt(-1)},
        scale=(Scale(("A",), per_output(equivariant(1.0, rtol=1e-9), invariant(1e-8, 1e-10))),),
    ),
    Entry(
        "glassml.linalg.randomized_svd",
        randomized_svd,
        {
            "A": M,
            "n_components": 2,
            "n_oversamples": 4,
            "n_iter": 3,
            "power_iteration_normalizer": "auto",
            "random_state": 0,
            "flip_sign": True,
        },
        arrays=("A",),
        options={
            "n_components": opt(0, 7),
            "n_oversamples": opt(-1),
            "n_iter": opt(-1, "many"),
            "power_iteration_normalizer": opt("qr"),
            "random_state": opt(-1),
            "flip_sign": opt(),
        },
        scale=(
            Scale(
                ("A",),
                per_output(
                    invariant(1e-9, 1e-12), equivariant(1.0, rtol=1e-9), invariant(1e-9, 1e-12)
                ),
            ),
        ),
    ),
    Entry(
        "glassml.linalg.randomized_range_finder",
        randomized_range_finder,
        {
            "A": M,
            "size": 3,
            "n_iter": 2,
            "power_iteration_normalizer": "QR",
            "random_state": 0,
        },
        arrays=("A",),
        options={
            "size": opt(0),
            "n_iter": opt(-1),
            "power_iteration_normalizer": opt("qr"),
            "random_state": opt(-1),
        },
        scale=(Scale(("A",), invariant(1e-9, 1e-12)),),
    ),
    Entry(
        "glassml.linalg.svd_flip",
        svd_flip,
        {"U": U, "Vt": VT},
        arrays=("U", "Vt"),
        scale=(
            Scale(("U",), per_output(equivariant(1.0), invariant())),
            Scale(("Vt",), per_output(invariant(), equivariant(1.0))),
        ),
        skip={"length": "U is (m, k) and Vt is (k, n): they share no dimension of rows"},
    ),
    _kernel_entry(
        "glassml.linalg.linear_kernel",
        linear_kernel,
        {"X": X, "Y": Y},
        (Scale(("X",), equivariant(1.0)), Scale(("Y",), equivariant(1.0))),
    ),
    _kernel_entry(
        "glassml.linalg.linear_kernel [Y=None]",
        linear_kernel,
        {"X": X},
        (Scale(("X",), equivariant(2.0)),),
    ),
    _kernel_entry(
        "glassml.linalg.polynomial_kernel",
        polynomial_kernel,
        {"X": X, "Y": Y, "degree": 3, "gamma": GAMMA, "coef0": 1.0},
        # At 1e-300 the kernel is coef0^degree = 1; at 1e300 it overflows and is refused.
        (
            Scale(("X",), equals(np.ones((12, 8))), families=("tiny",)),
            Scale(("Y",), equals(np.ones((12, 8))), families=("tiny",)),
        ),
        options={"degree": opt(-1.0), "gamma": opt(-1.0)},
    ),
    _kernel_entry(
        "glassml.linalg.rbf_kernel",
        rbf_kernel,
        {"X": X, "Y": Y, "gamma": GAMMA},
        (
            Scale(("X",), equals(_RBF_ONE_SIDE_HUGE), families=("huge",)),
            Scale(("Y",), equals(_RBF_ONE_SIDE_HUGE), families=("huge",)),
            Scale(("X",), equals(_RBF_X_TINY, rtol=1e-12), families=("tiny",)),
            Scale(("Y",), equals(_RBF_Y_TINY, rtol=1e-12), families=("tiny",)),
        ),
        options={"gamma": opt(-1.0)},
    ),
    _kernel_entry(
        "glassml.linalg.rbf_kernel [Y=None]",
        rbf_kernel,
        {"X": X, "gamma": GAMMA},
        (
            Scale(("X",), equals(np.eye(12)), families=("huge",)),
            Scale(("X",), equals(np.ones((12, 12))), families=("tiny",)),
        ),
    ),
    _kernel_entry(
        "glassml.linalg.sigmoid_kernel",
        sigmoid_kernel,
        {"X": X, "Y": Y, "gamma": GAMMA, "coef0": 0.3},
        (
            Scale(("X",), equals(_SIGMOID_HUGE), families=("huge",)),
            Scale(("Y",), equals(_SIGMOID_HUGE), families=("huge",)),
            Scale(("X",), equals(_SIGMOID_TINY), families=("tiny",)),
            Scale(("Y",), equals(_SIGMOID_TINY), families=("tiny",)),
        ),
        options={"gamma": opt(-1.0)},
    ),
    _kernel_entry(
        "glassml.linalg.squared_euclidean_distances",
        squared_euclidean_distances,
        {"X": X, "Y": Y},
        (
            Scale(("X", "Y"), equivariant(2.0)),
            # X shrunk to the origin: the distances become ||y_j||^2.
            Scale(
                ("X",),
                equals(np.sum(Y**2, axis=1)[np.newaxis, :].repeat(12, axis=0), rtol=1e-12),
                families=("tiny",),
            ),
        ),
    ),
    _kernel_entry(
        "glassml.linalg.squared_euclidean_distances [Y=None]",
        squared_euclidean_distances,
        {"X": X},
        (Scale(("X",), equivariant(2.0)),),
    ),
]

EXEMPT = {
    "glassml.linalg.ConditioningReport": (
        "a frozen record of the diagnostics conditioning_report computes (registered above); "
        "users read it, they do not construct it"
    ),
}
