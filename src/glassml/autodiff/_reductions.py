"""Reductions beyond ``sum``: ``mean``, ``var``, ``max``, ``min``.

``mean`` and ``var`` are compositions of differentiable ops (so their VJPs, and every higher
derivative, follow from ``sum``, ``subtract`` and ``multiply``):

    mean(x) = sum(x) / n,        var(x) = sum((x - mean(x))^2) / (n - ddof).

``max`` is a primitive: ``d max(x) / d x_i = 1`` at the maximiser and 0 elsewhere; when several
elements tie for the maximum the gradient is split equally among them (the average of the
one-sided derivatives, as JAX does), which keeps ``max`` and ``-min(-x)`` consistent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import fail
from glassml.autodiff._array_ops import (
    check_keepdims,
    expand_reduced,
    keepdims_shape,
    normalize_axes,
    sum,
)
from glassml.autodiff._tensor import Tensor, _data, defvjp_arrays, primitive


def _count(shape: tuple[int, ...], axis: Any) -> int:
    return int(np.prod([shape[a] for a in normalize_axes(axis, len(shape))], dtype=np.int64))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (all axes if None).

    Examples
    --------
    >>> from glassml.autodiff import grad, mean
    >>> grad(lambda x: mean(x))([1.0, 2.0, 3.0, 4.0]).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    total = sum(x, axis=axis, keepdims=keepdims)
    return total / _count(np.shape(getattr(x, "data", x)), axis)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """Variance ``sum((x - mean)^2) / (n - ddof)`` over ``axis`` (two-pass, stable).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import grad, var
    >>> x = np.array([1.0, 2.0, 4.0])
    >>> float(var(x, ddof=1).data) == float(np.var(x, ddof=1))
    True
    >>> np.allclose(grad(lambda x: var(x))(x), 2 * (x - x.mean()) / 3)
    True
    """
    if isinstance(ddof, bool | np.bool_) or not isinstance(ddof, int | np.integer):
        raise fail("ddof", "an integer >= 0", ddof)
    centred = x - mean(x, axis=axis, keepdims=True)
    n = _count(centred.shape, axis)
    if not 0 <= ddof < n:
        # n - ddof <= 0 would divide by zero or give a negative variance.
        raise fail("ddof", f"an integer in [0, {n}) for {n} values along the axis", ddof)
    return sum(centred * centred, axis=axis, keepdims=keepdims) / (n - ddof)


def _extremum_vjp(g, ans, x, axis=None, keepdims=False):
    # Route the cotangent to the elements equal to the extremum, split equally on ties.
    extremum = np.reshape(_data(ans), keepdims_shape(x.shape, axis))
    hits = _data(x) == extremum
    share = (hits / np.sum(hits, axis=axis, keepdims=True)).astype(x.dtype, copy=False)
    return expand_reduced(g, x.shape, axis, keepdims) * share


@primitive
def max(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (gradient split equally among tied maximisers)."""
    check_keepdims(keepdims)
    return np.max(x, axis=axis, keepdims=keepdims)


@primitive
def min(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (gradient split equally among tied minimisers)."""
    check_keepdims(keepdims)
    return np.min(x, axis=axis, keepdims=keepdims)


defvjp_arrays(max, _extremum_vjp)
defvjp_arrays(min, _extremum_vjp)
