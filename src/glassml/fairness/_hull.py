"""Convex hulls of a group's achievable (true positive, false positive) shares.

Sorting a group's scores in decreasing order and predicting 1 for the top k distinct score
levels gives, for k = 0..K, the staircase of points (TP_k / n, FP_k / n): both coordinates
non-decreasing. Randomising between thresholds reaches exactly the convex hull of these points
(a monotone decision probability p(s) is a mixture of threshold rules); with ``flip`` the
reversed rules ("predict 1 below the threshold") add the point reflection of every point.
Only the hull's vertices matter to a linear program, and there are few of them.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _monotone_chain(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Indices of the convex hull's vertices of points sorted lexicographically by (x, y).

    Andrew's monotone chain (Andrew 1979): the lower chain left to right, then the upper
    chain right to left, each keeping only strict left turns (collinear points dropped).
    """
    n = x.shape[0]
    if n <= 2:
        return np.arange(n)
    hull = np.empty(2 * n, dtype=np.int64)
    size = 0
    for sweep in range(2):
        start = size
        for step in range(n):
            i = step if sweep == 0 else n - 1 - step
            while size - start >= 2:
                a, b = hull[size - 2], hull[size - 1]
                cross = (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a])
                if cross <= 0.0:
                    size -= 1
                else:
                    break
            hull[size] = i
            size += 1
        size -= 1  # the last point of each chain is the first of the next
    return hull[:size].copy()


def hull_vertices(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices (into x, y) of the vertices of the convex hull of the points (x_i, y_i)."""
    order = np.lexsort((y, x))
    x_sorted, y_sorted = x[order], y[order]
    # Duplicate points would only cost the chain time; the first copy stands for all.
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = (x_sorted[1:] != x_sorted[:-1]) | (y_sorted[1:] != y_sorted[:-1])
    order, x_sorted, y_sorted = order[keep], x_sorted[keep], y_sorted[keep]
    return order[_monotone_chain(x_sorted, y_sorted)]


def threshold_points(
    scores: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The staircase of one group: ``(tp, fp, thresholds)`` for the rules "score > t_k".

    ``tp[k]``, ``fp[k]`` are the weighted positives and negatives among the rows whose score
    is one of the k highest distinct levels; ``t_k`` lies between level k and level k + 1 (the
    midpoint, as fairlearn places it), +inf for k = 0 and -inf for the last point.
    """
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    positive = weights[order] * labels[order]
    negative = weights[order] * (1.0 - labels[order])
    # Last row of each distinct level: the cumulative counts there are the level's point.
    level_end = np.flatnonzero(np.append(sorted_scores[1:] != sorted_scores[:-1], True))
    tp = np.concatenate([[0.0], np.cumsum(positive)[level_end]])
    fp = np.concatenate([[0.0], np.cumsum(negative)[level_end]])
    levels = sorted_scores[level_end]
    thresholds = np.concatenate([[np.inf], (levels[:-1] + levels[1:]) / 2.0, [-np.inf]])
    return tp, fp, thresholds
