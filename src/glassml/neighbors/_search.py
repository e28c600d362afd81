"""k-nearest-neighbour search: a k-d tree for few dimensions, brute-force GEMM for many.

Brute force uses ``||q - x||^2 = ||q||^2 - 2 q'x + ||x||^2``: the cross term for a block of
queries is one matrix product (BLAS-3), then ``argpartition`` picks the k smallest per row in
linear time. The expansion loses accuracy for nearly coincident points, so the distances of the
k chosen neighbours are recomputed exactly from differences before sorting. Ties (equal
distances) are broken by the smaller training index, at the k-th boundary too.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

# Size of one block of the query-by-training distance matrix (float64 entries).
_BLOCK_ENTRIES = 2**22


def _order_by_distance_then_index(distances: np.ndarray, indices: np.ndarray):
    order = np.lexsort((indices, distances), axis=-1)
    return (
        np.take_along_axis(distances, order, axis=1),
        np.take_along_axis(indices, order, axis=1),
    )


def _k_smallest(block: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k smallest entries per row; ties go to the smaller column."""
    n_rows, n_columns = block.shape
    if k >= n_columns:
        return np.broadcast_to(np.arange(n_columns), (n_rows, n_columns)).copy()
    chosen = np.argpartition(block, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(block, chosen, axis=1).max(axis=1)
    # argpartition breaks ties at the boundary arbitrarily: redo those rows by (value, index).
    tied_rows = np.flatnonzero(np.count_nonzero(block <= kth[:, None], axis=1) > k)
    for row in tied_rows:
        chosen[row] = np.lexsort((np.arange(n_columns), block[row]))[:k]
    return chosen


def _norms(differences: np.ndarray) -> np.ndarray:
    """``||d||_2`` along the last axis, scaled by the largest entry so squares cannot overflow
    (a query at 1e300 from the training points is at a distance of about 1e300)."""
    largest = np.max(np.abs(differences), axis=-1, keepdims=True)
    unit = differences / np.where(largest > 0, largest, 1.0)
    return largest[..., 0] * np.sqrt(np.einsum("...j,...j->...", unit, unit))


def brute_force_kneighbors(
    fit_X: np.ndarray, fit_sq_norms: np.ndarray, query_X: np.ndarray, k: int, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the k nearest training rows, by blocks of queries.

    For p = 2 the candidates are ranked by ``||x||^2 - 2 q'x``: the query's own ``||q||^2`` is
    the same for every candidate and is left out, so a query far beyond the training data (its
    square beyond float64) is still ranked, by exact arithmetic's order.
    """
    n_queries, n_fit = query_X.shape[0], fit_X.shape[0]
    distances = np.empty((n_queries, min(k, n_fit)))
    indices = np.empty((n_queries, min(k, n_fit)), dtype=np.intp)
    rows_per_block = max(1, _BLOCK_ENTRIES // max(n_fit, 1))
    for start in range(0, n_queries, rows_per_block):
        queries = query_X[start : start + rows_per_block]
        if p == 2:
            block = queries @ fit_X.T  # q'x by GEMM
            block *= -2.0
            block += fit_sq_norms
        else:
            block = cdist(queries, fit_X, metric="minkowski", p=p)
        chosen = _k_smallest(block, k)
        if p == 2:  # exact distances of the chosen few, from differences
            chosen_distances = _norms(queries[:, None, :] - fit_X[chosen])
        else:
            chosen_distances = np.take_along_axis(block, chosen, axis=1)
        rows = slice(start, start + queries.shape[0])
        distances[rows], indices[rows] = _order_by_distance_then_index(chosen_distances, chosen)
    return distances, indices


def kd_tree_kneighbors(
    tree: cKDTree, query_X: np.ndarray, k: int, p: float, workers: int
) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours from scipy's k-d tree, ties ordered by index."""
    k = min(k, tree.n)
    distances, indices = tree.query(query_X, k=k, p=p, workers=workers)
    # cKDTree marks a neighbour it cannot place (an infinite distance) with index n.
    if np.any(indices >= tree.n) or not np.all(np.isfinite(distances)):
        raise ValueError(
            "X: expected queries whose distances to the training data fit in float64, got "
            "distances beyond 1.8e308"
        )
    distances = np.reshape(distances, (query_X.shape[0], k))
    indices = np.reshape(indices, (query_X.shape[0], k)).astype(np.intp)
    return _order_by_distance_then_index(distances, indices)
