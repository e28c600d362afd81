"""The alternating-least-squares half-step: one small ridge regression per row, batched.

Holding one side fixed, each row (user, or item) r of every ALS model solves

    (G + sum_j w_j z_j z_j^T + diag(lambda_r)) x_r = sum_j t_j z_j

over its stored entries j, where z_j is the fixed side's vector of the entry's column, t_j the
entry's target and w_j its weight; G is a matrix shared by every row (zero for explicit
ratings; Y^T Y for implicit feedback, Hu et al. 2008). The per-row Gram matrices are built by a
Numba gather (``normal_equations``) and the systems are solved in batches by LAPACK's Cholesky
factorisation (``numpy.linalg.cholesky``, ``scipy.linalg.cho_solve``).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

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
    ridge = np.broadcast_to(np.asarray(ridge, dtype=Z.dtype), (n_rows, d))
    counts = np.diff(indptr)
    batch = max(1, _BATCH_ELEMENTS // max(d * d, 1))
    Z = np.ascontiguousarray(Z)
    for start in range(0, n_rows, batch):
        stop = min(start + batch, n_rows)
        A, b = normal_equations(indptr, indices, weights, targets, Z, start, stop)
        if shared is not None:
            A += shared
        diagonal = np.einsum("rii->ri", A)  # a writable view of every diagonal
        diagonal += ridge[start:stop]
        filled = counts[start:stop] > 0
        out[start:stop][~filled] = 0.0
        if np.any(filled):
            out[start:stop][filled] = cholesky_solve(A[filled], b[filled])
    return out


def cholesky_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve the stack of SPD systems ``A[r] x[r] = b[r]`` by Cholesky factorisation."""
    try:
        factor = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        raise ValueError(
            "reg: expected a regularisation that makes every row's normal equations positive "
            "definite, got a singular system (a row with fewer entries than factors and no "
            "regularisation)"
        ) from None
    return scipy.linalg.cho_solve((factor, True), b[..., None], check_finite=False)[..., 0]
