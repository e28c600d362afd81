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


def _as_matvec(matvec: Callable[[NDArray], NDArray] | ArrayLike, n: int) -> Callable:
    if callable(matvec):
        return matvec
    matrix = np.asarray(matvec, dtype=np.float64)
    if matrix.shape != (n, n):
        raise ValueError(
            f"matvec: expected a callable or a square matrix of shape ({n}, {n}) matching b, "
            f"got shape {matrix.shape}"
        )
    return matrix.__matmul__


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
        If inputs are not finite or of mismatched shapes, or ``A`` shows non-positive
        curvature (``p^T A p <= 0``), i.e. it is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> x, n_iter = conjugate_gradient(np.array([[4.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0]))
    >>> np.round(x, 6).tolist(), n_iter
    ([0.090909, 0.636364], 2)
    """
    b = np.asarray(b, dtype=np.float64)
    if b.ndim != 1 or b.size == 0:
        raise ValueError(f"b: expected a non-empty 1-D array, got shape {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError("b: expected finite values, got NaN or inf")
    n = b.shape[0]
    if x0 is not None:
        x0 = np.asarray(x0, dtype=np.float64)
        if x0.shape != b.shape:
            raise ValueError(f"x0: expected shape {b.shape} like b, got {x0.shape}")
        if not np.all(np.isfinite(x0)):
            raise ValueError("x0: expected finite values, got NaN or inf")
    if not tol >= 0:
        raise ValueError(f"tol: expected a non-negative number, got {tol!r}")
    if max_iter is None:
        max_iter = 10 * n
    elif max_iter < 0:
        raise ValueError(f"max_iter: expected a non-negative integer, got {max_iter!r}")
    apply_A = _as_matvec(matvec, n)
    x, n_iter, negative_curvature = truncated_cg(
        apply_A, b, x0, tol * float(np.linalg.norm(b)), max_iter
    )
    if negative_curvature:
        raise ValueError(
            "matvec: A is not positive definite (found a direction p with p^T A p <= 0)"
        )
    return x, n_iter
