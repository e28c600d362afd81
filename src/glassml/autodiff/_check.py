"""``check_grad``: the public finite-difference gradient checker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassml._validation import check_callable, check_non_negative, check_positive
from glassml.autodiff._tensor import Tensor, _as_float_array, no_grad
from glassml.autodiff._transforms import _argnums_tuple, grad


def _evaluate(fun: Callable[..., Any], args: list) -> float:
    with no_grad():
        value = fun(*[Tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    return float(value.data if isinstance(value, Tensor) else value)


def numerical_grad(
    fun: Callable[..., Any], *args: Any, argnum: int = 0, step: float | None = None
) -> np.ndarray:
    """Central differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every element ``i``.

    ``h = step * max(1, |x_i|)`` with ``step = eps^(1/3)`` of the argument's dtype by default
    (6e-6 in float64, 5e-3 in float32): it balances the ``h^2 f'''/6`` truncation error against
    the ``eps |f| / h`` rounding error. ``h`` is rounded so that ``x + h`` is representable.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import numerical_grad
    >>> np.round(numerical_grad(lambda x: (x**2).sum(), np.array([1.0, -3.0])), 6)
    array([ 2., -6.])
    """
    check_callable(fun, "fun", "(*args) -> scalar")
    if not args:
        raise ValueError("args: numerical_grad needs the point (fun(*args))")
    (argnum,) = _argnums_tuple(argnum, len(args), "argnum")
    values = [_as_float_array(a, f"args[{i}]") if i == argnum else a for i, a in enumerate(args)]
    x = values[argnum]
    if not np.all(np.isfinite(x)):
        raise ValueError(f"args[{argnum}]: expected finite values, got NaN or inf")
    relative_step = _relative_step(step, x.dtype)
    gradient = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        h = relative_step * max(1.0, float(np.abs(x[i])))
        shifted = x.copy()
        shifted[i] = x[i] + h
        h = float(shifted[i]) - float(x[i])  # the step actually taken after rounding
        if h == 0.0:
            raise ValueError(
                f"step: {relative_step:g} times max(1, |x|) is below the spacing of floats at "
                f"x = {float(x[i])!r}; use a larger step"
            )
        values[argnum] = shifted
        f_plus = _evaluate(fun, values)
        shifted[i] = x[i] - h
        f_minus = _evaluate(fun, values)
        gradient[i] = (f_plus - f_minus) / (2 * h)
    return gradient


def _relative_step(step: Any, dtype: np.dtype) -> float:
    if step is None:
        return float(np.finfo(dtype).eps ** (1 / 3))
    return check_positive(step, "step")


def check_grad(
    fun: Callable[..., Any],
    *args: Any,
    argnums: int | Sequence[int] | None = None,
    step: float | None = None,
    floor: float | None = None,
) -> float:
    """Largest relative error between ``grad(fun)`` and central finite differences.

    For every element ``i`` of every differentiated argument, with analytic gradient ``a_i``
    and numerical gradient ``n_i`` (:func:`numerical_grad`)::

        error_i = |a_i - n_i| / max(|a_i|, |n_i|, floor)

    The floor avoids 0/0 where both are (nearly) zero. By default it is ``1e-3`` times the
    largest ``|a_j|, |n_j|`` over the whole gradient (and at least the smallest normal
    float): entries much smaller than the gradient's scale are judged relative to that scale,
    where finite differences have no relative accuracy to offer anyway.

    Parameters
    ----------
    fun : callable
        Scalar function written with autodiff ops; receives Tensors.
    *args : array_like
        The point; ``fun(*args)``.
    argnums : int, tuple of int or None
        Arguments to check; None checks every positional argument.
    step : float, optional
        Relative finite-difference step (default ``eps^(1/3)`` of the dtype).
    floor : float, optional
        Denominator floor (default: see above).

    Returns
    -------
    float
        ``max_i error_i``; about 1e-8 or less in float64 for a correct gradient of a smooth
        function, about 1e-2 in float32.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import check_grad, logsumexp
    >>> check_grad(lambda x: logsumexp(x), np.array([0.5, -1.0, 2.0])) < 1e-8
    True
    """
    check_callable(fun, "fun", "(*args) -> scalar")
    if not args:
        raise ValueError("args: check_grad needs the point at which to check (fun(*args))")
    nums = tuple(range(len(args))) if argnums is None else argnums
    nums = _argnums_tuple(nums, len(args), "argnums")
    if step is not None:
        check_positive(step, "step")
    if floor is not None:
        floor = check_non_negative(floor, "floor")
    points = [_as_float_array(a, f"args[{i}]") if i in nums else a for i, a in enumerate(args)]
    analytic = grad(fun, argnums=nums)(*points)
    numeric = [numerical_grad(fun, *points, argnum=i, step=step) for i in nums]
    a = np.concatenate([np.ravel(g).astype(np.float64) for g in analytic])
    n = np.concatenate([np.ravel(g) for g in numeric])
    if a.size == 0:
        return 0.0
    if floor is None:
        scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(n))))
        floor = max(1e-3 * scale, np.finfo(np.float64).tiny)
    denominator = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return float(np.max(np.abs(a - n) / denominator))
