"""Cyclic coordinate descent for smooth objectives."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from glassml.optim._base import OptimizationStop, Optimizer, check_open_unit_interval
from glassml.optim._line_search import LineSearchError, armijo_steps
from glassml.optim._objective import Objective


class CoordinateDescent(Optimizer):
    """Cyclic coordinate descent with a one-dimensional Newton step per coordinate.

    One iteration is a sweep over ``i = 1, ..., n``; each coordinate moves along its own
    quadratic model (Wright, 2015, "Coordinate descent algorithms", Math. Prog. 151)::

        x_i = x_i - a * g_i / h_i

    with ``h_i`` the curvature along coordinate ``i`` and ``a`` in {1, 1/2, 1/4, ...} from
    Armijo backtracking (so the method converges for any positive ``h_i``). ``h_i`` is the
    Hessian diagonal ``H_ii`` when ``hess`` (read once per sweep) or ``hessp`` is given, else a
    secant estimate ``(g_i(new) - g_i(old)) / (x_i(new) - x_i(old))`` from the coordinate's
    previous move. On a quadratic with ``hess`` each step is the exact minimiser along the
    coordinate (Gauss-Seidel).

    Each coordinate step evaluates the objective (the full gradient) at least once, so a sweep
    costs ``n`` evaluations: the general method for small ``n``. Separable-structure solvers
    (the Lasso's) update the gradient incrementally instead.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import CoordinateDescent, minimize
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
    >>> quadratic = lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)
    >>> result = minimize(quadratic, np.zeros(2), method=CoordinateDescent(), jac=True,
    ...                   hess=lambda x: A, tol=1e-10)
    >>> np.allclose(result.x, np.linalg.solve(A, b))
    True
    """

    def __init__(self, c1: float = 1e-4) -> None:
        self.c1 = check_open_unit_interval(c1, "c1")
        self.reset()

    def reset(self) -> None:
        self._curvature: NDArray | None = None

    def _hessian_diagonal(self, objective: Objective, x: NDArray) -> NDArray | None:
        if objective.has_hess:
            return np.diag(objective.hess(x)).copy()
        return None

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        if self._curvature is None:
            self._curvature = np.ones(x.size)
        diagonal = self._hessian_diagonal(objective, x)
        failures = 0
        for i in range(x.size):
            g_i = grad[i]
            if g_i == 0.0:
                continue
            if diagonal is not None:
                curvature = diagonal[i]
            elif objective.has_hessp:
                unit = np.zeros(x.size)
                unit[i] = 1.0
                curvature = objective.hessp(x, unit)[i]
            else:
                curvature = self._curvature[i]
            if not (np.isfinite(curvature) and curvature > 0):
                curvature = self._curvature[i]  # non-convex direction: fall back to the secant
            newton_move = -g_i / curvature
            start = x[i]

            def value_at(step: float, i: int = i, start: float = start, move=newton_move):
                x[i] = start + step * move
                return objective(x)[0]

            try:
                armijo_steps(
                    value_at,
                    value,
                    g_i * newton_move,
                    1.0,
                    self.c1,
                    max_steps=30,
                    derivative=lambda _, i=i, move=newton_move: objective(x)[1][i] * move,
                )
            except LineSearchError:
                x[i] = start  # no verifiable decrease along this coordinate: leave it
                failures += 1
                continue
            # x[i] holds the accepted trial (the last one evaluated): its value is cached.
            new_value, new_grad = objective(x)
            secant = (new_grad[i] - g_i) / (x[i] - start) if x[i] != start else 0.0
            if np.isfinite(secant) and secant > 0:
                self._curvature[i] = secant
            value, grad = new_value, new_grad
        if failures and failures == np.count_nonzero(grad):
            raise OptimizationStop("no coordinate gave a verifiable decrease (rounding floor)")
        return value, grad

    def __repr__(self) -> str:
        return f"CoordinateDescent(c1={self.c1!r})"
