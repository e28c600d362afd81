"""Proximal gradient methods for ``F(x) = f(x) + l1 * ||x||_1``: ISTA and FISTA."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import (
    check_bool,
    check_named_array,
    check_non_negative,
    check_positive,
    check_scalar,
    fail,
)
from glassml.optim._base import OptimizationStop, Optimizer
from glassml.optim._objective import Objective


def soft_threshold(v: NDArray, threshold: float | NDArray) -> NDArray:
    """The proximal operator of ``threshold * ||.||_1``: ``sign(v) * max(|v| - threshold, 0)``.

    ``threshold`` is a non-negative number, or an array of them broadcasting against ``v``
    (one per coordinate).

    Examples
    --------
    >>> import numpy as np
    >>> soft_threshold(np.array([-2.0, -0.3, 0.0, 0.2, 1.7]), 0.5)
    array([-1.5, -0. ,  0. ,  0. ,  1.2])
    """
    v = check_named_array(v, "v", ensure_2d=False, allow_nd=True, dtype=np.float64)
    threshold = _l1_weights(threshold, "threshold")
    try:
        np.broadcast_shapes(np.shape(threshold), v.shape)
    except ValueError:
        raise fail(
            "threshold", f"a number or an array broadcasting to {v.shape}", threshold
        ) from None
    return _prox_l1(v, threshold)


def _prox_l1(v: NDArray, threshold: float | NDArray) -> NDArray:
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0)


def _l1_weights(value: Any, argument: str) -> float | NDArray:
    """A non-negative finite number, or an array of them (per-coordinate weights)."""
    if isinstance(value, str | bytes):  # never parsed as a number
        raise fail(argument, "a non-negative number or an array of them", value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
        value = value.item()
    if isinstance(value, numbers.Real | np.generic) and np.ndim(value) == 0:
        return check_non_negative(value, argument)
    weights = check_named_array(
        value, argument, ensure_2d=False, allow_nd=True, ensure_min_samples=0, dtype=np.float64
    )
    if np.any(weights < 0):
        raise fail(argument, "non-negative finite weight(s)", value)
    return weights


class ISTA(Optimizer):
    """Proximal gradient descent, ISTA (Beck & Teboulle, 2009, SIAM J. Imaging Sci. 2(1)).

    For ``F(x) = f(x) + l1 * ||x||_1`` with ``f`` smooth::

        x = prox_{l1/L}(x - g / L) = soft_threshold(x - g / L, l1 / L)

    With ``lr=None`` the step ``1/L`` comes from Beck & Teboulle's backtracking: ``L`` grows by
    ``eta`` until ``f(z) <= f(y) + g^T (z - y) + L/2 ||z - y||^2`` at the new point ``z``.
    Once ``f`` changes by less than its rounding error the test uses gradients instead,
    ``(g(z) - g(y))^T (z - y) <= L/2 ||z - y||^2``, which implies it for convex ``f``
    (Becker, Candès & Grant, 2011, TFOCS, §5.3). With ``l1 = 0`` it is gradient descent.
    Stationarity is measured by the minimum-norm subgradient of ``F``, which is ``g`` when
    ``l1 = 0``.

    Parameters
    ----------
    l1 : float or 1-D array
        Weight of the L1 term: one number, or one non-negative weight per coordinate
        (``sum_j l1_j |x_j|``; a zero leaves that coordinate unpenalised, e.g. an intercept).
    lr : float, optional
        Fixed step ``1/L``; ``None`` for backtracking.
    L0, eta : float
        Initial Lipschitz estimate and its growth factor in backtracking.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import ISTA, minimize
    >>> c = np.array([2.0, 0.3, -1.0])  # min 1/2 ||x - c||^2 + 0.5 ||x||_1 = soft_threshold(c)
    >>> result = minimize(lambda x: (0.5 * (x - c) @ (x - c), x - c), np.zeros(3),
    ...                   method=ISTA(l1=0.5), jac=True, tol=1e-10)
    >>> result.x.round(6).tolist()
    [1.5, 0.0, -0.5]
    """

    accelerated = False

    def __init__(
        self,
        l1: float | NDArray = 0.0,
        lr: float | None = None,
        L0: float = 1.0,
        eta: float = 2.0,
    ) -> None:
        l1 = _l1_weights(l1, "l1")
        if np.ndim(l1) > 1:
            raise fail("l1", "a non-negative number or a 1-D array of weights", l1)
        self.l1 = l1
        self.lr = None if lr is None else check_positive(lr, "lr")
        self.L0 = check_positive(L0, "L0")
        self.eta = check_scalar(eta, "eta", low=1.0, closed="neither")
        self.reset()

    def reset(self) -> None:
        self._lipschitz = self.L0 if self.lr is None else 1.0 / self.lr
        self._y: NDArray | None = None
        self._t = 1.0

    def start(self, objective: Objective, x: NDArray) -> None:
        super().start(objective, x)
        if np.ndim(self.l1) == 1 and np.shape(self.l1)[0] != x.size:
            raise ValueError(
                f"l1: expected one weight per coordinate ({x.size}), got {np.shape(self.l1)[0]}"
            )

    def measure(self, x: NDArray, value: float, grad: NDArray) -> tuple[float, float]:
        if not np.any(self.l1):
            return super().measure(x, value, grad)
        loss = value + float(np.sum(self.l1 * np.abs(x)))
        # Minimum-norm element of grad f(x) + l1 * d||x||_1: zero iff x minimises F.
        subgradient = np.where(
            x != 0,
            grad + self.l1 * np.sign(x),
            np.sign(grad) * np.maximum(np.abs(grad) - self.l1, 0.0),
        )
        return loss, float(np.max(np.abs(subgradient))) if x.size else 0.0

    def _proximal_step(
        self, objective: Objective, y: NDArray, value_y: float, grad_y: NDArray
    ) -> tuple[NDArray, float, NDArray]:
        """``z = prox(y - g/L)`` with ``L`` from backtracking (or fixed); returns z, f(z), g(z)."""
        for _ in range(100):
            L = self._lipschitz
            z = y - grad_y / L
            if np.any(self.l1):
                z = _prox_l1(z, self.l1 / L)
            value_z, grad_z = objective(z)
            move = z - y
            quadratic_model = value_y + grad_y @ move + 0.5 * L * (move @ move)
            if self.lr is not None or value_z <= quadratic_model:
                return z, value_z, grad_z
            if abs(value_z - quadratic_model) <= 1e-12 * abs(value_y) and (
                (grad_z - grad_y) @ move <= 0.5 * L * (move @ move)
            ):
                # The value test is lost in rounding; for convex f this gradient test implies it.
                return z, value_z, grad_z
            self._lipschitz = L * self.eta
        raise OptimizationStop("backtracking found no Lipschitz estimate in 100 tries")

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        z, value_z, grad_z = self._proximal_step(objective, x, value, grad)
        x[:] = z
        return value_z, grad_z

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(l1={self.l1!r}, lr={self.lr!r}, L0={self.L0!r}, "
            f"eta={self.eta!r})"
        )


class FISTA(ISTA):
    """FISTA, accelerated proximal gradient (Beck & Teboulle, 2009, with backtracking).

    ::

        x_k = prox_{l1/L}(y_k - grad f(y_k) / L)
        t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2
        y_{k+1} = x_k + ((t_k - 1) / t_{k+1}) (x_k - x_{k-1})

    ``F(x_k) - F*`` falls as ``O(1/k^2)`` instead of ISTA's ``O(1/k)``. Momentum overshoots on
    ill-conditioned problems and the iterates ripple; with ``restart=True`` (default) the
    momentum is reset (``t = 1``, ``y = x_k``) whenever the step and the proximal gradient
    disagree, ``(y_k - x_k)^T (x_k - x_{k-1}) > 0`` — O'Donoghue & Candès (2015), "Adaptive
    restart for accelerated gradient schemes", Found. Comput. Math. 15 — which restores linear
    convergence on strongly convex problems.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import FISTA, minimize
    >>> X = np.random.default_rng(0).standard_normal((50, 4)); y = X @ [2.0, 0.0, -1.0, 0.0]
    >>> lasso = lambda w: (0.5 * np.mean((X @ w - y) ** 2), X.T @ (X @ w - y) / 50)
    >>> result = minimize(lasso, np.zeros(4), method=FISTA(l1=0.1), jac=True, tol=1e-10)
    >>> result.success, (result.x == 0).tolist()  # the L1 term zeroes the irrelevant weights
    (True, [False, True, False, True])
    """

    def __init__(
        self,
        l1: float = 0.0,
        lr: float | None = None,
        L0: float = 1.0,
        eta: float = 2.0,
        restart: bool = True,
    ) -> None:
        self.restart = check_bool(restart, "restart")
        super().__init__(l1=l1, lr=lr, L0=L0, eta=eta)

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        y = x if self._y is None else self._y
        value_y, grad_y = (value, grad) if self._y is None else objective(y)
        z, value_z, grad_z = self._proximal_step(objective, y, value_y, grad_y)
        if self.restart and (y - z) @ (z - x) > 0:
            # The momentum points uphill for the composite objective: drop it.
            self._t = 1.0
            self._y = z.copy()
        else:
            t_next = (1 + math.sqrt(1 + 4 * self._t**2)) / 2
            self._y = z + ((self._t - 1) / t_next) * (z - x)
            self._t = t_next
        x[:] = z
        return value_z, grad_z

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", restart={self.restart!r})"
