"""Numba kernels shared by the recommenders: loops over stored interactions.

Each kernel walks a CSR matrix (``indptr``, ``indices`` and per-entry arrays) once. The dense
linear algebra around them (Gram matrices of all factors, batched solves) is BLAS/LAPACK in the
model modules; what is here is the part with no dense equivalent: gathers over each user's
items, and the sequential stochastic-gradient loops.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, parallel=True, fastmath=True)
def normal_equations(
    indptr, indices, weights, targets, Z, start, stop, shared, ridge
):  # pragma: no cover
    """For rows r = start..stop-1: ``A_r = G + diag(ridge_r) + sum_j w_j z_j z_j^T`` and
    ``b_r = sum_j t_j z_j``.

    ``j`` runs over the stored entries of row r, ``z_j = Z[indices[j]]``; ``G = shared`` is
    the part common to every row. Returns ``A`` of shape (stop - start, d, d) and ``b`` of
    shape (stop - start, d). A row without entries gets ``A_r = I`` (and ``b_r = 0``), so its
    solution is 0 whatever the regularisation. Each row accumulates in a local d x d block
    (full square: the rank-one update vectorises, the triangle would not).
    """
    d = Z.shape[1]
    n = stop - start
    A = np.empty((n, d, d), dtype=Z.dtype)
    b = np.empty((n, d), dtype=Z.dtype)
    for local in numba.prange(n):
        row = start + local
        rhs = np.zeros(d, dtype=Z.dtype)
        if indptr[row] == indptr[row + 1]:
            A[local] = np.eye(d, dtype=Z.dtype)
            b[local] = rhs
            continue
        gram = shared.copy()
        for a in range(d):
            gram[a, a] += ridge[row, a]
        for entry in range(indptr[row], indptr[row + 1]):
            z = Z[indices[entry]]
            w = weights[entry]
            t = targets[entry]
            for a in range(d):
                wz = w * z[a]
                rhs[a] += t * z[a]
                for c in range(d):
                    gram[a, c] += wz * z[c]
        A[local] = gram
        b[local] = rhs
    return A, b


@numba.njit(cache=True, parallel=True, fastmath=True)
def stored_dot_products(indptr, indices, X, Y):  # pragma: no cover
    """``x_u . y_i`` for every stored entry (u, i), in CSR order."""
    out = np.empty(indices.shape[0], dtype=np.float64)
    d = X.shape[1]
    for row in numba.prange(X.shape[0]):
        x = X[row]
        for entry in range(indptr[row], indptr[row + 1]):
            y = Y[indices[entry]]
            s = 0.0
            for a in range(d):
                s += x[a] * y[a]
            out[entry] = s
    return out


@numba.njit(cache=True)
def top_k_rows(scores, k, out_index, out_score):  # pragma: no cover
    """The k best entries of each row, best first; ties go to the lower column index.

    Entries of -inf are never selected (excluded items); a row with fewer than k selectable
    entries keeps index -1 and score -inf in its remaining places. A sorted buffer of k places
    per row: an entry enters only if it beats the current k-th, so the cost is about one
    comparison per entry.
    """
    n_rows, n_cols = scores.shape
    for row in range(n_rows):
        filled = 0
        for a in range(k):
            out_index[row, a] = -1
            out_score[row, a] = -np.inf
        for col in range(n_cols):
            value = scores[row, col]
            if value == -np.inf or value != value:
                continue
            if filled == k and value <= out_score[row, k - 1]:
                continue  # equal scores keep the earlier (lower) column
            position = filled if filled < k else k - 1
            while position > 0 and out_score[row, position - 1] < value:
                out_score[row, position] = out_score[row, position - 1]
                out_index[row, position] = out_index[row, position - 1]
                position -= 1
            out_score[row, position] = value
            out_index[row, position] = col
            if filled < k:
                filled += 1


@numba.njit(cache=True)
def exclude_entries(scores, rows, indptr, indices):  # pragma: no cover
    """Set ``scores[r, i] = -inf`` for the stored items i of user ``rows[r]``."""
    for local in range(rows.shape[0]):
        row = rows[local]
        if row < 0:
            continue
        for entry in range(indptr[row], indptr[row + 1]):
            scores[local, indices[entry]] = -np.inf


@numba.njit(cache=True)
def top_k_sparse_rows(indptr, indices, data, k, skip_diagonal):  # pragma: no cover
    """Keep the k largest stored entries of each CSR row (ties: lower column first).

    Returns the new ``(indptr, indices, data)``, columns of each row in ascending order.
    """
    n_rows = indptr.shape[0] - 1
    counts = np.zeros(n_rows, dtype=np.int64)
    for row in range(n_rows):
        n = 0
        for entry in range(indptr[row], indptr[row + 1]):
            if not (skip_diagonal and indices[entry] == row):
                n += 1
        counts[row] = min(k, n)
    new_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for row in range(n_rows):
        new_indptr[row + 1] = new_indptr[row] + counts[row]
    new_indices = np.empty(new_indptr[-1], dtype=np.int32)
    new_data = np.empty(new_indptr[-1], dtype=np.float64)
    best_index = np.empty(k, dtype=np.int64)
    best_value = np.empty(k, dtype=np.float64)
    for row in range(n_rows):
        filled = 0
        for entry in range(indptr[row], indptr[row + 1]):
            col = indices[entry]
            if skip_diagonal and col == row:
                continue
            value = data[entry]
            if filled == k and value <= best_value[k - 1]:
                continue
            position = filled if filled < k else k - 1
            while position > 0 and best_value[position - 1] < value:
                best_value[position] = best_value[position - 1]
                best_index[position] = best_index[position - 1]
                position -= 1
            best_value[position] = value
            best_index[position] = col
            if filled < k:
                filled += 1
        order = np.argsort(best_index[:filled])
        base = new_indptr[row]
        for a in range(filled):
            new_indices[base + a] = best_index[order[a]]
            new_data[base + a] = best_value[order[a]]
    return new_indptr, new_indices, new_data
