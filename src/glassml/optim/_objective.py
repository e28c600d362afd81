"""The problem ``minimize`` solves: value and gradient in one call, with a one-entry cache.

Line searches evaluate the objective at a trial point and then step there; the cache means the
optimiser that accepts the trial point never pays for a second evaluation at it (SciPy's
``MemoizeJac`` does the same).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_callable, fail


def _plain(value: Any) -> Any:
    """An autodiff ``Tensor`` as its ndarray; anything else unchanged."""
    if isinstance(value, np.ndarray | np.generic | float | int):
        return value
    return value.numpy() if hasattr(value, "numpy") else value


def _real_scalar(value: Any) -> float:
    array = np.asarray(value)
    if array.size != 1 or array.dtype.kind not in "fiub":
        raise fail("fun", "a real number (one element)", value)
    return float(array.reshape(()))


def _real_array(value: Any, argument: str) -> NDArray:
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise fail(argument, "real numbers", array)
    return array.astype(np.float64, copy=False)


class Objective:
    """``f(x)`` and ``grad f(x)`` of a problem over the flat float64 vector ``x``.

    ``fun`` and the user's callables see ``x`` in the shape of ``x0``; everything inside the
    optimisers is 1-D. ``jac`` follows SciPy: ``True`` means ``fun`` returns ``(value, grad)``,
    a callable computes the gradient, ``None`` uses :func:`glassml.autodiff.value_and_grad`.
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        shape: tuple[int, ...],
        jac: bool | Callable[..., Any] | None,
        hess: Callable[..., Any] | None,
        hessp: Callable[..., Any] | None,
    ) -> None:
        check_callable(fun, "fun")
        if not (jac is None or jac is True or callable(jac)):
            raise ValueError(f"jac: expected None, True or a callable, got {jac!r}")
        for name, value in (("hess", hess), ("hessp", hessp)):
            if value is not None and not callable(value):
                raise ValueError(f"{name}: expected a callable or None, got {value!r}")
        self.fun, self.shape, self.jac = fun, shape, jac
        self.size = int(np.prod(shape, dtype=np.int64))
        self._hess, self._hessp = hess, hessp
        self.nfev = 0
        self._cached_key: bytes | None = None
        self._cached: tuple[float, NDArray] | None = None
        self._value_and_grad = None
        if jac is None:
            from glassml.autodiff import value_and_grad  # only this path needs autodiff

            self._value_and_grad = value_and_grad(fun)

    def _evaluate(self, x: NDArray) -> tuple[Any, Any]:
        x_user = x.reshape(self.shape)
        if self._value_and_grad is not None:
            return self._value_and_grad(x_user)
        if self.jac is True:
            out = self.fun(x_user)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ValueError("fun: with jac=True, fun(x) must return a tuple (value, grad)")
            return out
        return self.fun(x_user), self.jac(x_user)

    def __call__(self, x: NDArray) -> tuple[float, NDArray]:
        """Return ``(f(x), grad f(x))``; a non-finite value or gradient gives ``f = inf``.

        A value that is not a real number (complex, a string, an array of several elements)
        and a gradient that is not real are refused, never cast: a cast would silently drop
        an imaginary part.
        """
        key = x.tobytes()
        if key == self._cached_key:
            return self._cached
        value, grad = self._evaluate(x)
        self.nfev += 1
        value = _real_scalar(_plain(value))
        grad = _real_array(_plain(grad), "jac")
        if grad.shape != self.shape:
            raise ValueError(
                f"jac: the gradient has shape {grad.shape}, expected {self.shape} (the shape of x0)"
            )
        grad = grad.reshape(-1)
        if not (math.isfinite(value) and math.isfinite(grad.sum())):
            value = np.inf  # line searches treat this as "stepped too far"
        self._cached_key = key
        self._cached = (value, grad)
        return value, grad

    @property
    def has_hess(self) -> bool:
        return self._hess is not None

    @property
    def has_hessp(self) -> bool:
        return self._hessp is not None

    def hess(self, x: NDArray) -> NDArray:
        """The Hessian matrix from the user's ``hess(x)``, checked to be ``(n, n)``."""
        matrix = _real_array(self._hess(x.reshape(self.shape)), "hess")
        if matrix.shape != (self.size, self.size):
            raise ValueError(
                f"hess: returned shape {matrix.shape}, expected ({self.size}, {self.size})"
            )
        return matrix

    def hessp(self, x: NDArray, v: NDArray) -> NDArray:
        """``H(x) v`` from the user's ``hessp``, else from :func:`glassml.autodiff.hvp`."""
        if self._hessp is not None:
            product = self._hessp(x.reshape(self.shape), v.reshape(self.shape))
        elif self.jac is None:
            from glassml.autodiff import hvp  # only this path needs autodiff

            product = hvp(self.fun, x.reshape(self.shape), v.reshape(self.shape))
        else:
            raise ValueError(
                "hessp: Newton needs hess, hessp, or jac=None (Hessian-vector products by "
                "automatic differentiation)"
            )
        product = _real_array(_plain(product), "hessp")
        if product.shape != self.shape:
            raise ValueError(f"hessp: returned shape {product.shape}, expected {self.shape}")
        return product.reshape(-1)
