"""Elementwise primitives and ``matmul``, each VJP written right under its forward.

For an elementwise ``y = f(x)`` the Jacobian is diagonal, so ``vjp(g) = g * f'(x)``; when
``f'`` is cheaper in terms of the output it is written with ``ans = y`` (``exp' = exp``,
``tanh' = 1 - tanh^2``, ``sigmoid' = s (1 - s)``). Binary ops broadcast, so every operand's
cotangent goes through :func:`unbroadcast` (sum over the broadcast axes).

Kinks (``relu``, ``abs``, ``clip``, ``maximum``/``minimum``) use a fixed subgradient:
``relu'(0) = 0``, ``abs'(0) = 0``, ``clip`` passes the gradient on the closed interval
``lo <= x <= hi``, and ``maximum``/``minimum`` split it 1/2-1/2 on ties.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from glassml.autodiff import _blas
from glassml.autodiff._array_ops import (
    expand_dims,
    squeeze,
    swapaxes,
    unbroadcast,
)
from glassml.autodiff._tensor import Tensor, _data, defvjp_arrays, primitive

# -- arithmetic ----------------------------------------------------------------------------------


@primitive
def add(a, b):
    """``a + b``."""
    return np.add(a, b)


defvjp_arrays(
    add,
    lambda g, ans, a, b: unbroadcast(g, a.shape),
    lambda g, ans, a, b: unbroadcast(g, b.shape),
)


@primitive
def subtract(a, b):
    """``a - b``."""
    return np.subtract(a, b)


defvjp_arrays(
    subtract,
    lambda g, ans, a, b: unbroadcast(g, a.shape),
    lambda g, ans, a, b: unbroadcast(-g, b.shape),
)


@primitive
def multiply(a, b):
    """``a * b``."""
    return np.multiply(a, b)


defvjp_arrays(
    multiply,
    lambda g, ans, a, b: unbroadcast(g * b, a.shape),
    lambda g, ans, a, b: unbroadcast(g * a, b.shape),
)


@primitive
def divide(a, b):
    """``a / b``."""
    return np.divide(a, b)


defvjp_arrays(
    divide,
    lambda g, ans, a, b: unbroadcast(g / b, a.shape),
    # d(a/b)/db = -a / b^2 = -ans / b
    lambda g, ans, a, b: unbroadcast(-g * ans / b, b.shape),
)


@primitive
def negative(x):
    """``-x``."""
    return np.negative(x)


defvjp_arrays(negative, lambda g, ans, x: -g)


def _log_of_base(a: Any) -> Any:
    """``log a`` where ``a > 0`` and 0 elsewhere: d(a^b)/db = a^b log a is only defined for a > 0
    (at a = 0 with b > 0 the product a^b log a -> 0, which the 0 reproduces)."""
    positive = _data(a) > 0
    return log(where(positive, a, 1.0))


@primitive
def power(a, b):
    """``a ** b``."""
    return np.power(a, b)


defvjp_arrays(
    power,
    # d(a^b)/da = b a^(b-1)
    lambda g, ans, a, b: unbroadcast(g * b * a ** (b - 1), a.shape),
    # d(a^b)/db = a^b log a
    lambda g, ans, a, b: unbroadcast(g * ans * _log_of_base(a), b.shape),
)


# -- elementwise functions -----------------------------------------------------------------------


@primitive
def exp(x):
    """``e^x``."""
    return np.exp(x)


defvjp_arrays(exp, lambda g, ans, x: g * ans)


@primitive
def log(x):
    """Natural logarithm."""
    return np.log(x)


defvjp_arrays(log, lambda g, ans, x: g / x)


@primitive
def log1p(x):
    """``log(1 + x)``, accurate for small ``x``."""
    return np.log1p(x)


defvjp_arrays(log1p, lambda g, ans, x: g / (x + 1))


@primitive
def sqrt(x):
    """Square root."""
    return np.sqrt(x)


defvjp_arrays(sqrt, lambda g, ans, x: g * 0.5 / ans)


@primitive
def abs(x):
    """``|x|`` (subgradient 0 at 0)."""
    return np.abs(x)


defvjp_arrays(abs, lambda g, ans, x: g * np.sign(_data(x)).astype(x.dtype, copy=False))


@primitive
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


defvjp_arrays(tanh, lambda g, ans, x: g * (1 - ans * ans))


@primitive
def sigmoid(x):
    """Logistic ``1 / (1 + e^-x)`` via ``scipy.special.expit`` (no overflow at +-1e300)."""
    return special.expit(x)


defvjp_arrays(sigmoid, lambda g, ans, x: g * ans * (1 - ans))


@primitive
def relu(x):
    """``max(x, 0)`` (subgradient 0 at 0)."""
    return np.maximum(x, 0)


defvjp_arrays(relu, lambda g, ans, x: g * (_data(x) > 0))


@primitive
def softplus(x):
    """``log(1 + e^x)`` as ``logaddexp(0, x)``: finite for every finite ``x``."""
    return np.logaddexp(0, x)


defvjp_arrays(softplus, lambda g, ans, x: g * sigmoid(x))


def _tie_split(first: Any, second: Any, dtype: np.dtype) -> np.ndarray:
    """1 where ``first`` wins strictly, 1/2 on ties, 0 where it loses."""
    first, second = _data(first), _data(second)
    return ((first > second) + 0.5 * (first == second)).astype(dtype, copy=False)


@primitive
def maximum(a, b):
    """Elementwise maximum (ties split the gradient equally)."""
    return np.maximum(a, b)


defvjp_arrays(
    maximum,
    lambda g, ans, a, b: unbroadcast(g * _tie_split(a, b, ans.dtype), a.shape),
    lambda g, ans, a, b: unbroadcast(g * _tie_split(b, a, ans.dtype), b.shape),
)


@primitive
def minimum(a, b):
    """Elementwise minimum (ties split the gradient equally)."""
    return np.minimum(a, b)


defvjp_arrays(
    minimum,
    lambda g, ans, a, b: unbroadcast(g * _tie_split(b, a, ans.dtype), a.shape),
    lambda g, ans, a, b: unbroadcast(g * _tie_split(a, b, ans.dtype), b.shape),
)


@primitive
def _where(condition, a, b):
    return np.where(condition, a, b)


defvjp_arrays(
    _where,
    None,
    lambda g, ans, condition, a, b: unbroadcast(_where(condition, g, 0.0), a.shape),
    lambda g, ans, condition, a, b: unbroadcast(_where(condition, 0.0, g), b.shape),
)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (the condition is a constant mask).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import grad, where
    >>> x = np.array([-2.0, 3.0])
    >>> grad(lambda x: where(x > 0, x * x, -x).sum())(x).tolist()
    [-1.0, 6.0]
    """
    return _where(np.asarray(_data(condition), dtype=bool), a, b)


@primitive
def _clip(x, lo, hi):
    return np.clip(x, lo, hi)


def _inside(x: np.ndarray, lo: Any, hi: Any) -> np.ndarray:
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return inside


defvjp_arrays(_clip, lambda g, ans, x, lo, hi: g * _inside(_data(x), lo, hi))


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    """``x`` limited to ``[lo, hi]`` (constant bounds; None means unbounded).

    The gradient passes where ``lo <= x <= hi`` and is 0 outside.

    Examples
    --------
    >>> from glassml.autodiff import clip, grad
    >>> grad(lambda x: clip(x, 0.0, 1.0).sum())([-1.0, 0.5, 2.0]).tolist()
    [0.0, 1.0, 0.0]
    """
    bounds = []
    for name, bound in (("lo", lo), ("hi", hi)):
        bound = _data(bound)
        if bound is not None:
            array = np.asarray(bound)
            if array.dtype.kind not in "fiub" or np.any(np.isnan(array)):
                raise ValueError(
                    f"{name}: expected real bounds (not NaN) or None, got {bound!r:.60}"
                )
        bounds.append(bound)
    return _clip(x, *bounds)


# -- matrix product ------------------------------------------------------------------------------


@primitive
def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading axes batch.

    Medium-sized products run on one BLAS thread (see ``_blas``).
    """
    return _blas.matmul(a, b)


def _matmul_vjp_a(g, ans, a, b):
    # C = A B  =>  dA = G B^T (batch axes broadcast, then unbroadcast).
    if b.ndim == 1:
        if a.ndim == 1:  # inner product: g is a scalar
            return g * b
        return unbroadcast(expand_dims(g, -1) * b, a.shape)  # outer product g b^T
    if a.ndim == 1:  # a (k,) @ b (..., k, m) -> (..., m): dA = sum over batch of B g
        return unbroadcast(squeeze(matmul(b, expand_dims(g, -1)), -1), a.shape)
    return unbroadcast(matmul(g, swapaxes(b, -1, -2)), a.shape)


def _matmul_vjp_b(g, ans, a, b):
    # C = A B  =>  dB = A^T G.
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        return unbroadcast(expand_dims(a, -1) * expand_dims(g, -2), b.shape)  # outer a g^T
    if b.ndim == 1:  # a (..., n, k) @ b (k,) -> (..., n): dB = A^T g
        if a.ndim == 2:
            return matmul(g, a)  # one BLAS gemv, no transpose copy
        return unbroadcast(squeeze(matmul(expand_dims(g, -2), a), -2), b.shape)
    return unbroadcast(matmul(swapaxes(a, -1, -2), g), b.shape)


defvjp_arrays(matmul, _matmul_vjp_a, _matmul_vjp_b)
