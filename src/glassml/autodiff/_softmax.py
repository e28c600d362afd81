"""The softmax family: ``logsumexp``, ``softmax``, ``log_softmax``.

Forward passes shift by the maximum so nothing overflows:
``logsumexp(x) = m + log sum exp(x - m)`` with ``m = max x`` (``m`` replaced by 0 on rows whose
maximum is not finite, so an all ``-inf`` row gives ``-inf`` rather than NaN).

VJPs (``s = softmax(x)`` along the axis):

- ``d logsumexp / dx = s``, so ``vjp(g) = g s`` (``g`` broadcast over the axis);
- ``d s_i / d x_j = s_i (delta_ij - s_j)``, so ``vjp(g) = s (g - sum(g s))``;
- ``log_softmax = x - logsumexp(x)``, so ``vjp(g) = g - s sum(g)``.

All are written with differentiable ops, so second derivatives (``hvp``) are exact.
"""

from __future__ import annotations

import numpy as np

from glassml.autodiff._array_ops import check_keepdims, expand_reduced, sum
from glassml.autodiff._math_ops import exp
from glassml.autodiff._tensor import defvjp_arrays, primitive


def _finite_max(x: np.ndarray, axis) -> np.ndarray:
    shift = np.max(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(shift), shift, 0)


@primitive
def logsumexp(x, axis=None, keepdims=False):
    """``log sum exp(x)`` over ``axis``, computed with a max shift (stable at +-1e300)."""
    check_keepdims(keepdims)
    shift = _finite_max(x, axis)
    with np.errstate(divide="ignore"):  # an all -inf row: log 0 = -inf is the right answer
        out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


defvjp_arrays(
    logsumexp,
    lambda g, ans, x, axis=None, keepdims=False: (
        expand_reduced(g, x.shape, axis, keepdims) * softmax(x, axis=axis)
    ),
)


@primitive
def softmax(x, axis=-1):
    """``exp(x) / sum exp(x)`` along ``axis`` (max-shifted; an all ``-inf`` row gives zeros)."""
    e = np.exp(x - _finite_max(x, axis))
    total = np.sum(e, axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


defvjp_arrays(
    softmax, lambda g, ans, x, axis=-1: ans * (g - sum(g * ans, axis=axis, keepdims=True))
)


@primitive
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``."""
    return x - logsumexp.forward(x, axis=axis, keepdims=True)


defvjp_arrays(
    log_softmax, lambda g, ans, x, axis=-1: g - exp(ans) * sum(g, axis=axis, keepdims=True)
)
