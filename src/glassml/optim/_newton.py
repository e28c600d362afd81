"""Newton's method with a line search: exact Hessian (modified Cholesky) or Newton-CG."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from glassml._validation import check_callable
from glassml.linalg import conjugate_gradient
from glassml.optim._base import OptimizationStop, Optimizer, check_open_unit_interval
from glassml.optim._line_search import LineSearchError, armijo_steps
from glassml.optim._objective import Objective, _real_array


def modified_cholesky_solve(H: NDArray, rhs: NDArray, beta: float = 1e-3) -> NDArray:
    """Solve ``(H + tau I) p = rhs`` with the smallest ``tau`` in {0, beta, 2 beta, ...} making
    the matrix positive definite (Nocedal & Wright, Algorithm 3.3)."""
    min_diagonal = float(np.min(np.diag(H)))
    tau = 0.0 if min_diagonal > 0 else beta - min_diagonal
    identity = np.eye(H.shape[0])
    for _ in range(100):
        try:
            factor = scipy.linalg.cho_factor(H + tau * identity, check_finite=False)
        except np.linalg.LinAlgError:
            tau = max(2 * tau, beta)
            continue
        return scipy.linalg.cho_solve(factor, rhs, check_finite=False)
    raise OptimizationStop("Hessian could not be made positive definite")


class _NegativeCurvature(Exception):
    """Raised by the Hessian-vector product when CG meets a direction with p^T H p <= 0."""

    def __init__(self, products: int) -> None:
        self.products = products


def newton_cg_direction(hessp, grad: NDArray) -> NDArray:
    """The truncated-Newton direction of Nocedal & Wright, Algorithm 7.1.

    Conjugate gradient (:func:`glassml.linalg.conjugate_gradient`) on ``H p = -g`` from
    ``p = 0``, stopped at the relative residual ``min(0.5, ||g||)`` (the forcing sequence of
    their Theorem 7.2) or, at the first direction of negative curvature, at the iterate reached
    before it (``-g`` if that is the first CG step). CG sees the curvature ``v^T H v`` of every
    direction ``v`` it multiplies, so the product below watches for it; CG is deterministic, so
    re-running it for as many steps as completed before the negative direction reproduces that
    iterate exactly (the extra products are paid only where H is indefinite).
    """
    products = 0

    def watched(v: NDArray) -> NDArray:
        nonlocal products
        product = hessp(v)
        products += 1
        if not float(v @ product) > 0.0:
            raise _NegativeCurvature(products)
        return product

    forcing = min(0.5, float(np.linalg.norm(grad)))
    try:
        direction, n_cg = conjugate_gradient(watched, -grad, tol=forcing, max_iter=20 * grad.size)
    except _NegativeCurvature as stop:
        completed = stop.products - 1
        if completed == 0:
            return -grad
        direction, n_cg = conjugate_gradient(hessp, -grad, tol=forcing, max_iter=completed)
    return -grad if n_cg == 0 else direction


class Newton(Optimizer):
    """Newton's method, damped by an Armijo backtracking line search.

    Direction: solve ``H(x) p = -g``, then ``x = x + a p`` with ``a`` from backtracking
    starting at 1 (Nocedal & Wright, ch. 3). Near the minimiser ``a = 1`` is accepted and the
    convergence is quadratic.

    * With a Hessian (``hessian`` here or ``hess`` in :func:`minimize`): ``p`` by Cholesky of
      ``H + tau I``, ``tau >= 0`` the smallest shift making it positive definite
      (Nocedal & Wright, Algorithm 3.3).
    * Hessian-free (Newton-CG, Nocedal & Wright, Algorithm 7.1): ``p`` by conjugate gradient on
      ``H p = -g`` using only products ``H v`` (``hessp``, or :func:`glassml.autodiff.hvp`),
      stopped at residual ``||H p + g|| <= min(0.5, ||g||) ||g||`` (a forcing sequence giving
      quadratic convergence, their Theorem 7.2) or at the first direction of negative
      curvature (then ``p`` is the iterate so far, or ``-g`` on the first CG step).

    Parameters
    ----------
    hessian : callable, optional
        ``hessian(x) -> (n, n)`` matrix; ``None`` means Hessian-free.
    c1 : float
        Armijo sufficient-decrease constant.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import Newton, minimize
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
    >>> quadratic = lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)
    >>> result = minimize(quadratic, np.zeros(2), method=Newton(), jac=True, hess=lambda x: A)
    >>> result.nit, np.allclose(result.x, np.linalg.solve(A, b))  # one step on a quadratic
    (1, True)
    """

    def __init__(self, hessian: Callable[[NDArray], NDArray] | None = None, c1: float = 1e-4):
        if hessian is not None:
            check_callable(hessian, "hessian", "x -> (n, n) matrix, or None")
        self.hessian = hessian
        self.c1 = check_open_unit_interval(c1, "c1")

    def _direction(self, objective: Objective, x: NDArray, grad: NDArray) -> NDArray:
        if self.hessian is not None or objective.has_hess:
            if objective.has_hess:
                H = objective.hess(x)
            else:
                H = _real_array(self.hessian(x.reshape(objective.shape)), "hessian")
                if H.shape != (x.size, x.size):
                    raise ValueError(f"hessian: returned shape {H.shape}, expected {(x.size,) * 2}")
            return modified_cholesky_solve(H, -grad)
        return newton_cg_direction(lambda v: objective.hessp(x, v), grad)

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        direction = self._direction(objective, x, grad)
        slope = float(grad @ direction)
        if not slope < 0:  # round-off on a nearly singular system: fall back to steepest descent
            direction, slope = -grad, -float(grad @ grad)
        try:
            step, _ = armijo_steps(
                lambda a: objective(x + a * direction)[0],
                value,
                slope,
                1.0,
                self.c1,
                derivative=lambda a: float(objective(x + a * direction)[1] @ direction),
            )
        except LineSearchError as error:
            raise OptimizationStop(f"line search failed: {error}") from error
        x += step * direction
        return objective(x)

    def __repr__(self) -> str:
        return f"Newton(hessian={self.hessian!r}, c1={self.c1!r})"
