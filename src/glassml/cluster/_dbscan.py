"""DBSCAN: density-based clustering (Ester, Kriegel, Sander & Xu, 1996).

A sample is a core sample when its eps-neighbourhood N(x) = {y : d(x, y) <= eps} (itself
included) holds at least ``min_samples`` samples. Clusters are the connected components of the
graph whose edges join a core sample to every sample of its neighbourhood; samples reached only
as neighbours of core samples are border samples, and samples reached by none are noise (-1).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from numba import njit
from scipy import sparse
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils._param_validation import Interval, StrOptions

from glassml._scaling import scale_of
from glassml._validation import check_fit_X, check_weights

# Minkowski order p of each metric name (cKDTree's p).
_METRIC_ORDER = {"euclidean": 2.0, "manhattan": 1.0, "chebyshev": np.inf}


def neighbourhood_graph(X: np.ndarray, eps: float, p: float) -> sparse.csr_array:
    """Adjacency of the eps-neighbourhood graph (without self-loops), as CSR.

    cKDTree.query_pairs returns every pair i < j with ||x_i - x_j||_p <= eps once; the graph
    is symmetric, so each pair gives the edges (i, j) and (j, i).
    """
    n_samples = X.shape[0]
    pairs = cKDTree(X).query_pairs(eps, p=p, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    columns = np.concatenate([pairs[:, 1], pairs[:, 0]])
    values = np.ones(rows.size, dtype=np.int8)
    return sparse.csr_array((values, (rows, columns)), shape=(n_samples, n_samples))


@njit(cache=True)
def expand_clusters(indptr, indices, is_core):
    """Label the connected components reached from core samples, breadth first.

    Seeds are taken in increasing sample order, and a cluster is finished before the next seed
    is considered, so a border sample within reach of two clusters joins the one whose
    lowest-numbered core sample comes first (the order of scikit-learn's depth-first search).
    """
    n_samples = is_core.shape[0]
    labels = np.full(n_samples, -1, dtype=np.intp)
    queue = np.empty(n_samples, dtype=np.intp)
    n_clusters = 0
    for seed in range(n_samples):
        if labels[seed] != -1 or not is_core[seed]:
            continue
        labels[seed] = n_clusters
        queue[0] = seed
        head, tail = 0, 1
        while head < tail:
            sample = queue[head]
            head += 1
            if not is_core[sample]:
                continue  # a border sample joins the cluster but does not extend it
            for position in range(indptr[sample], indptr[sample + 1]):
                neighbour = indices[position]
                if labels[neighbour] == -1:
                    labels[neighbour] = n_clusters
                    queue[tail] = neighbour
                    tail += 1
        n_clusters += 1
    return labels


class DBSCAN(ClusterMixin, BaseEstimator):
    """Density-based spatial clustering of applications with noise.

    core(i)  <=>  sum_{j in N(i)} w_j >= min_samples,  N(i) = {j : ||x_i - x_j||_p <= eps}
    (i in N(i); w_j = 1 without sample weights). Clusters are the components of the graph
    joining each core sample to its neighbourhood, labelled in order of their lowest core
    sample; other samples are noise (label -1). Neighbourhoods come from a k-d tree
    (scipy.spatial.cKDTree); the expansion is a breadth-first search over the CSR graph.

    Parameters
    ----------
    eps : float, default=0.5
    min_samples : int, default=5 (the sample itself counts)
    metric : {"euclidean", "manhattan", "chebyshev", "minkowski"}, default="euclidean"
    p : float or None, default=None (the Minkowski order when metric="minkowski"; 2 if None)

    Attributes
    ----------
    core_sample_indices_, components_ (the core samples), labels_.

    References
    ----------
    Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996). A density-based algorithm for
    discovering clusters in large spatial databases with noise. KDD '96.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.cluster import DBSCAN
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2], [9.0]])
    >>> DBSCAN(eps=0.3, min_samples=2).fit(X).labels_.tolist()
    [0, 0, 0, 1, 1, 1, -1]
    """

    _parameter_constraints: ClassVar[dict] = {
        "eps": [Interval(Real, 0.0, None, closed="neither")],
        "min_samples": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions({"euclidean", "manhattan", "chebyshev", "minkowski"})],
        "p": [Interval(Real, 1.0, None, closed="left"), None],
    }

    def __init__(
        self,
        eps: float = 0.5,
        *,
        min_samples: int = 5,
        metric: str = "euclidean",
        p: float | None = None,
    ):
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric
        self.p = p

    def fit(self, X, y=None, sample_weight=None) -> DBSCAN:
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64)
        # Negative weights are legal here: they keep a neighbour from becoming core.
        sample_weight = check_weights(sample_weight, X, non_negative=False)
        order = _METRIC_ORDER.get(self.metric, 2.0 if self.p is None else float(self.p))

        # Neighbourhoods in the units X / c with eps / c (c a power of two: exact): distances
        # at 1e300 or 1e-300 neither overflow nor underflow on their way to the comparison.
        unit = scale_of(X)
        with np.errstate(over="ignore", under="ignore"):
            units = X / unit if unit != 1.0 else X
            graph = neighbourhood_graph(units, self.eps / unit, order)
        # Weight of each neighbourhood: the neighbours' weights plus the sample's own.
        neighbourhood_weight = graph @ sample_weight + sample_weight
        is_core = neighbourhood_weight >= self.min_samples

        self.labels_ = expand_clusters(graph.indptr, graph.indices, is_core)
        self.core_sample_indices_ = np.flatnonzero(is_core)
        self.components_ = X[self.core_sample_indices_].copy()
        return self

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """Fit and return ``labels_`` (-1 for noise)."""
        return self.fit(X, sample_weight=sample_weight).labels_
