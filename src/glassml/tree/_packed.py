"""Many trees walked in one compiled loop: the prediction of forests and boosted ensembles.

The trees' node arrays are concatenated (child ids shifted to global ids), and each row walks
tree after tree, adding the value of the leaf it reaches to its output columns. The trees are
always added in their order, one row at a time, so the sum is the same bit for bit whatever
the number of threads (rows are split between threads, never trees).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.tree._nodes import LEAF, Tree
from glassml.tree._parallel import map_blocks, row_blocks

_ROWS_PER_BLOCK = 8192


@njit(cache=True, nogil=True)
def _accumulate_rows(
    X,
    roots,
    first,
    last,
    columns,
    left,
    right,
    feature,
    threshold,
    missing_left,
    value,
    out,
    row_start,
    row_stop,
):
    width = value.shape[1]
    for i in range(row_start, row_stop):
        x = X[i]
        for t in range(first, last):
            node = roots[t]
            while left[node] != LEAF:
                v = x[feature[node]]
                if v <= threshold[node] or (np.isnan(v) and missing_left[node]):
                    node = left[node]
                else:
                    node = right[node]
            c = columns[t]
            for j in range(width):
                out[i, c + j] += value[node, j]


class PackedTrees:
    """Trees of equal value width, concatenated for fast summed prediction.

    ``columns[t]`` is the first output column tree t adds its ``value`` row into (0 for a
    forest; the class index k for the k-th tree of a boosting iteration).
    """

    def __init__(self, trees: list[Tree], columns: np.ndarray | None = None) -> None:
        counts = np.array([tree.node_count for tree in trees], dtype=np.int64)
        self.roots = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        shift = np.repeat(self.roots, counts)
        left = np.concatenate([tree.children_left for tree in trees])
        right = np.concatenate([tree.children_right for tree in trees])
        self.left = np.where(left == LEAF, LEAF, left + shift)
        self.right = np.where(right == LEAF, LEAF, right + shift)
        self.feature = np.concatenate([np.maximum(tree.feature, 0) for tree in trees])
        self.threshold = np.concatenate([tree.threshold for tree in trees])
        self.missing_left = np.concatenate([tree._missing() for tree in trees])
        self.value = np.concatenate([tree.value.reshape(tree.node_count, -1) for tree in trees])
        self.columns = (
            np.zeros(len(trees), dtype=np.int64)
            if columns is None
            else np.ascontiguousarray(columns, dtype=np.int64)
        )
        self.n_trees = len(trees)

    def accumulate(self, X: np.ndarray, out: np.ndarray, first: int = 0, last: int | None = None):
        """Add trees ``first .. last - 1`` evaluated at the rows of ``X`` into ``out``."""
        last = self.n_trees if last is None else last
        arrays = (
            self.roots,
            first,
            last,
            self.columns,
            self.left,
            self.right,
            self.feature,
            self.threshold,
            self.missing_left,
            self.value,
            out,
        )
        map_blocks(_accumulate_rows, row_blocks(X.shape[0], _ROWS_PER_BLOCK), X, *arrays)
        return out
