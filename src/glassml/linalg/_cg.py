"""Conjugate gradient for symmetric positive definite systems (Hestenes & Stiefel, 1952).

Solving ``A x = b`` for symmetric positive definite ``A`` is minimising the quadratic
``phi(x) = 1/2 x^T A x - b^T x``, whose gradient is the residual ``r = A x - b``. Conjugate
gradient minimises ``phi`` along directions that are mutually ``A``-conjugate, so each step is
an exact line search that never undoes the earlier ones (Nocedal & Wright, *Numerical
Optimization*, 2nd ed., Algorithm 5.2)::

    r = A x - b,  p = -r
    repeat:
        alpha = (r^T r) / (p^T A p)          # exact minimiser of phi along p
        x = x + alpha p
        r_new = r + alpha A p
        beta = (r_new^T r_new) / (r^T r)     # keeps p_new A-conjugate to all earlier p
        p = -r_new + beta p

Only products ``A p`` are needed, so ``A`` may be a callable (a Hessian-vector product in
Newton-CG, :mod:`glassml.optim`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassml._scaling import scale_of
from glassml._validation import check_count, check_named_array, check_non_negative


def _as_matrix(matvec: ArrayLike, n: int) -> NDArray:
    matrix = check_named_array(matvec, "matvec", dtype=np.float64)
    if matrix.shape != (n, n):
        raise ValueError(
            f"matvec: expected a callable or a square matrix of shape ({n}, {n}) matching b, "
            f"got shape {matrix.shape}"
        )
    return matrix


def truncated_cg(
    matvec: Callable[[NDArray], NDArray],
    b: NDArray,
    x0: NDArray | None,
    tol: float,
    max_iter: int,
) -> tuple[NDArray, int, bool]:
    """Algorithm 5.2 of Nocedal & Wright, stopped when ``||r|| <= tol`` (absolute).

    Returns ``(x, n_iter, negative_curvature)``. On meeting a direction with ``p^T A p <= 0``
    it stops before stepping along it and reports ``negative_curvature=True``: Newton-CG then
    keeps the iterate reached so far (Nocedal & Wright, Algorithm 7.1), and the public solver
    reports that ``A`` is not positive definite.
    """
    x = np.zeros_like(b) if x0 is None else np.array(x0, dtype=np.float64)
    residual = matvec(x) - b if x0 is not None else -b.copy()
    direction = -residual
    residual_sq = float(residual @ residual)
    for iteration in range(max_iter):
        if np.sqrt(residual_sq) <= tol:
            return x, iteration, False
        A_direction = matvec(direction)
        curvature = float(direction @ A_direction)
        if not np.isfinite(curvature):
            raise ValueError(
                "matvec: expected finite products A p, got a non-finite p^T A p "
                f"({curvature}) at iteration {iteration}"
            )
        if curvature <= 0.0:
            return x, iteration, True
        alpha = residual_sq / curvature  # exact minimiser along the direction
        x += alpha * direction
        residual += alpha * A_direction
        residual_sq_new = float(residual @ residual)
        beta = residual_sq_new / residual_sq  # keeps the next direction A-conjugate
        direction = beta * direction - residual
        residual_sq = residual_sq_new
    return x, max_iter, False


def conjugate_gradient(
    matvec: Callable[[NDArray], NDArray] | ArrayLike,
    b: ArrayLike,
    x0: ArrayLike | None = None,
    tol: float = 1e-10,
    max_iter: int | None = None,
) -> tuple[NDArray, int]:
    """Solve ``A x = b`` for symmetric positive definite ``A`` by conjugate gradient.

    The system is solved in units where ``b`` (and a matrix ``A``) have magnitude about 1: both
    are divided by powers of two (exact), so ``b`` at 1e300 or 1e-300 gives the same iterations
    and the solution scaled back, instead of a residual norm that overflows or underflows.

    Parameters
    ----------
    matvec : callable or array of shape (n, n)
        ``matvec(v) -> A v``, or the matrix ``A`` itself.
    b : array of shape (n,)
        Right-hand side.
    x0 : array of shape (n,), optional
        Starting point (default zeros).
    tol : float
        Relative residual tolerance: stops when ``||A x - b|| <= tol * ||b||``.
    max_iter : int, optional
        Iteration cap, default ``10 * n`` (in exact arithmetic CG ends in at most ``n``).

    Returns
    -------
    x : ndarray of shape (n,)
    n_iter : int
        Number of conjugate-gradient iterations (products ``A p``) taken.

    Raises
    ------
    ValueError
        If inputs are not finite or of mismatched shapes, ``A`` shows non-positive curvature
        (``p^T A p <= 0``, i.e. it is not positive definite), or the solution overflows.

    Examples
    --------
    >>> import numpy as np
    >>> x, n_iter = conjugate_gradient(np.array([[4.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0]))
    >>> np.round(x, 6).tolist(), n_iter
    ([0.090909, 0.636364], 2)
    """
    b = check_named_array(b, "b", dtype=np.float64, ensure_2d=False)
    if b.ndim != 1:
        raise ValueError(f"b: expected a non-empty 1-D array, got shape {b.shape}")
    n = b.shape[0]
    if x0 is not None:
        x0 = check_named_array(x0, "x0", dtype=np.float64, ensure_2d=False)
        if x0.shape != b.shape:
            raise ValueError(f"x0: expected shape {b.shape} like b, got {x0.shape}")
    tol = check_non_negative(tol, "tol")
    max_iter = 10 * n if max_iter is None else check_count(max_iter, "max_iter", minimum=0)
    # Units: A x = b  <=>  (A / a) w = b / s  with  w = a x / s  (a = 1 for a callable).
    b_scale = scale_of(b)
    if callable(matvec):
        apply_A, a_scale = matvec, 1.0
    else:
        matrix = _as_matrix(matvec, n)
        a_scale = scale_of(matrix)
        apply_A = (matrix / a_scale if a_scale != 1.0 else matrix).__matmul__
    units = b_scale / a_scale
    with np.errstate(over="ignore", under="ignore"):
        w0 = None if x0 is None else (x0 * a_scale) / b_scale
        rhs = b / b_scale if b_scale != 1.0 else b
        w, n_iter, negative_curvature = truncated_cg(
            apply_A, rhs, w0, tol * float(np.linalg.norm(rhs)), max_iter
        )
        if negative_curvature:
            raise ValueError(
                "matvec: A is not positive definite (found a direction p with p^T A p <= 0)"
            )
        x = w * units if np.isfinite(units) and units != 0.0 else (w / a_scale) * b_scale
    if not np.all(np.isfinite(x)):
        raise ValueError("b: expected a system whose solution fits in float64, got an overflow")
    return x, n_iter
