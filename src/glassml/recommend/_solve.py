"""The alternating-least-squares half-step: one small ridge regression per row, batched.

Holding one side fixed, each row (user, or item) r of every ALS model solves

    (G + sum_j w_j z_j z_j^T + diag(lambda_r)) x_r = sum_j t_j z_j

over its stored entries j, where z_j is the fixed side's vector of the entry's column, t_j the
entry's target and w_j its weight; G is a matrix shared by every row (zero for explicit
ratings; Y^T Y for implicit feedback, Hu et al. 2008). The per-row Gram matrices are built by a
Numba gather (``normal_equations``) and the systems are solved in batches by LAPACK's Cholesky
factorisation (``numpy.linalg.cholesky``, then two triangular substitutions).
"""

from __future__ import annotations

import numba
import numpy as np

from glassml._threads import one_blas_thread
from glassml.recommend._kernels import normal_equations

# Rows per batch: the (rows, d, d) stack of normal matrices stays near 32 MB.
_BATCH_ELEMENTS = 4_000_000


def solve_rows(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    targets: np.ndarray,
    Z: np.ndarray,
    ridge: np.ndarray,
    shared: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Solve every row's regularised normal equations; rows without entries get x_r = 0.

    ``ridge`` has shape (n_rows, d) (the diagonal lambda_r of each row) or broadcasts to it.
    Raises ``ValueError`` naming ``reg`` if a system is singular (no regularisation and too
    few entries to determine the row).
    """
    n_rows = indptr.shape[0] - 1
    d = Z.shape[1]
    if out is None:
        out = np.zeros((n_rows, d), dtype=Z.dtype)
    ridge = np.ascontiguousarray(np.broadcast_to(np.asarray(ridge, dtype=Z.dtype), (n_rows, d)))
    shared = np.zeros((d, d), dtype=Z.dtype) if shared is None else shared.astype(Z.dtype)
    batch = max(1, _BATCH_ELEMENTS // max(d * d, 1))
    Z = np.ascontiguousarray(Z)
    with one_blas_thread():  # LAPACK on d x d matrices: threads would only contend
        for start in range(0, n_rows, batch):
            stop = min(start + batch, n_rows)
            A, b = normal_equations(
                indptr, indices, weights, targets, Z, start, stop, shared, ridge
            )
            out[start:stop] = cholesky_solve(A, b)
    return out


def cholesky_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve the stack of SPD systems ``A[r] x[r] = b[r]``: A = L L^T by LAPACK, then
    L y = b and L^T x = y by substitution."""
    try:
        factor = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise ValueError(
            "reg: expected a regularisation that makes every row's normal equations positive "
            "definite, got a singular system (a row with fewer entries than factors and no "
            "regularisation)"
        ) from None
    return substitute(factor, np.ascontiguousarray(b))


@numba.njit(cache=True, parallel=True)
def substitute(L, b):  # pragma: no cover - compiled
    """x[r] = L[r]^-T L[r]^-1 b[r] for lower-triangular L[r] (forward, then back substitution)."""
    n, d = b.shape
    x = np.empty_like(b)
    for r in numba.prange(n):
        y = np.empty(d, dtype=b.dtype)
        for i in range(d):
            s = b[r, i]
            for j in range(i):
                s -= L[r, i, j] * y[j]
            y[i] = s / L[r, i, i]
        for i in range(d - 1, -1, -1):
            s = y[i]
            for j in range(i + 1, d):
                s -= L[r, j, i] * x[r, j]
            x[r, i] = s / L[r, i, i]
    return x
