"""Quantile binning: every feature becomes at most ``max_bins`` small integers (uint8).

For each feature the bin edges are the midpoints between distinct values when there are at
most ``max_bins`` of them, and otherwise the quantiles at 1/max_bins, ..., (max_bins-1)/max_bins
of (a random subsample of 200,000 rows of) the data, so that every bin holds about the same
number of samples. Value x falls in bin b iff edge[b-1] < x <= edge[b]; missing values (NaN)
get their own bin, ``max_bins``, past all the others.

A split "bin <= b goes left" is then exactly the real split "x <= edge[b]", which is how the
boosted trees store it: their thresholds are real feature values and their predictions need no
binning. The binned matrix is stored feature by feature (shape (n_features, n_samples)), so a
histogram reads one contiguous row per feature; one byte per value is why boosting fits data
whose float64 copy would not fit in memory.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.tree._parallel import map_blocks, row_blocks

SUBSAMPLE = 200_000
ALMOST_INF = 1e300  # finite cap on edges, so only the "split on missing" threshold is inf
_ROWS_PER_BLOCK = 65_536


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: np.ndarray):
    """Averaged inverted-CDF quantiles of sorted ``values`` with positive ``weights``.

    The quantile at level q is the first value whose cumulative weight reaches q W, or the
    mean of it and the next value when the cumulative weight hits q W exactly (so that unit
    weights give NumPy's "averaged_inverted_cdf").
    """
    cdf = np.cumsum(weights)
    targets = levels * cdf[-1]
    targets[targets == 0] = np.nextafter(0.0, 1.0)
    at = np.minimum(np.searchsorted(cdf, targets), values.shape[0] - 1)
    after = np.minimum(at + 1, values.shape[0] - 1)
    exact = cdf[at] - targets <= np.finfo(np.float64).eps
    return np.where(exact, (values[at] + values[after]) / 2.0, values[at])


def _edges(column: np.ndarray, max_bins: int, weights: np.ndarray | None) -> np.ndarray:
    """Bin edges of one feature's non-missing values (scikit-learn's rule)."""
    present = ~np.isnan(column)
    column = column[present]
    if weights is None:
        column = np.sort(column)
    else:
        order = np.argsort(column)
        column, weights = column[order], weights[present][order]
    distinct = column[np.concatenate(([True], column[1:] != column[:-1]))]
    if distinct.shape[0] <= 1:
        return np.zeros(0)
    if distinct.shape[0] <= max_bins:
        edges = (distinct[:-1] + distinct[1:]) / 2.0
    else:
        percentiles = np.linspace(0, 100, num=max_bins + 1)[1:-1]
        if weights is None:
            edges = np.percentile(column, percentiles, method="averaged_inverted_cdf")
        else:
            edges = _weighted_quantiles(column, weights, percentiles / 100)
        edges = np.unique(edges)
    return np.minimum(edges, ALMOST_INF)


@njit(cache=True, nogil=True)
def _bin_rows(X, edges, missing_bin, out, first, last):
    """out[f, i] = number of edges of feature f below X[i, f]; NaN -> the missing bin.

    ``edges`` rows are padded with +inf to 256 entries, so the binary search is eight fixed,
    branch-free halvings. Rows outer, features inner: X is read once, row by row, and each
    feature's output row is written sequentially.
    """
    n_features = X.shape[1]
    for i in range(first, last):
        for f in range(n_features):
            x = X[i, f]
            if np.isnan(x):
                out[f, i] = missing_bin
                continue
            row = edges[f]
            position = 0
            step = 128
            while step > 0:
                position += step * (row[position + step - 1] < x)
                step >>= 1
            out[f, i] = position


class BinMapper:
    """Learns each feature's bin edges and maps values to bins.

    Attributes after :meth:`fit`: ``edges`` (n_features, 256) padded with +inf,
    ``n_edges`` (n_features,), ``n_bins_non_missing`` (= n_edges + 1), ``has_missing``
    (whether the training data had NaN in the feature), ``missing_bin`` (= max_bins).
    """

    def __init__(self, max_bins: int = 255, random_state: np.random.RandomState | None = None):
        self.max_bins = max_bins
        self.random_state = random_state

    def fit(self, X: np.ndarray, sample_weight: np.ndarray | None = None) -> BinMapper:
        rows = X
        if X.shape[0] > SUBSAMPLE:
            # Drawn with replacement (and in proportion to the weights), so that unit weights
            # and no weights give the same edges, as in scikit-learn.
            p = None if sample_weight is None else sample_weight / sample_weight.sum()
            rng = self.random_state or np.random.RandomState(0)
            rows = X[np.sort(rng.choice(X.shape[0], SUBSAMPLE, p=p, replace=True))]
        n_features = X.shape[1]
        self.edges = np.full((n_features, 256), np.inf)  # padded for the binary search
        self.n_edges = np.zeros(n_features, dtype=np.int64)
        weights = None
        if sample_weight is not None and X.shape[0] <= SUBSAMPLE:
            # The subsample already drew rows in proportion to the weights.
            keep = sample_weight != 0
            rows, weights = rows[keep], sample_weight[keep]
        for f in range(n_features):
            column = np.asarray(rows[:, f], dtype=np.float64)
            edges = _edges(column, self.max_bins, weights)
            self.edges[f, : edges.shape[0]] = edges
            self.n_edges[f] = edges.shape[0]
        self.n_bins_non_missing = self.n_edges + 1
        self.missing_bin = self.max_bins
        self.has_missing = np.isnan(X).any(axis=0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Bins of ``X`` as uint8, shape (n_features, n_samples)."""
        n_samples = X.shape[0]
        out = np.empty((X.shape[1], n_samples), dtype=np.uint8)
        map_blocks(
            _bin_rows, row_blocks(n_samples, _ROWS_PER_BLOCK), X, self.edges, self.missing_bin, out
        )
        return out

    def threshold(self, feature: int, bin_index: int) -> float:
        """The real threshold of the split "bin <= bin_index goes left" on ``feature``."""
        if bin_index >= self.n_edges[feature]:
            return np.inf  # every non-missing value goes left: a split on missingness
        return float(self.edges[feature, bin_index])
