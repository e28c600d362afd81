"""k-nearest-neighbour classification and regression.

A query ``x`` looks up its k nearest training points ``N_k(x)`` (Minkowski distance, Euclidean
by default) and lets them vote:

    classification  P(c | x) = sum_{i in N_k(x)} w_i [y_i = c] / sum_{i in N_k(x)} w_i
    regression      f(x)     = sum_{i in N_k(x)} w_i y_i / sum_{i in N_k(x)} w_i

with ``w_i = 1`` ("uniform") or ``w_i = 1 / d(x, x_i)`` ("distance"; a neighbour at distance 0
takes all the weight, shared among such neighbours). The class predicted is the most probable,
ties going to the smallest label.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_classes, check_fit_data, check_predict_data
from glassml.neighbors._search import brute_force_kneighbors, kd_tree_kneighbors

# Above this many features a k-d tree prunes little and brute force wins (scikit-learn's rule).
_KD_TREE_MAX_FEATURES = 15


def _neighbour_weights(distances: np.ndarray, weights: str) -> np.ndarray:
    if weights == "uniform":
        return np.ones_like(distances)
    with np.errstate(divide="ignore"):
        inverse = 1.0 / distances
    # Exact matches: the zero-distance neighbours share all the weight.
    exact = np.isinf(inverse)
    exact_rows = exact.any(axis=1)
    inverse[exact_rows] = exact[exact_rows]
    return inverse


class _KNeighborsBase(BaseEstimator):
    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "weights": [StrOptions({"uniform", "distance"})],
        "algorithm": [StrOptions({"auto", "kd_tree", "brute"})],
        "leaf_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "p": [Interval(numbers.Real, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights: str = "uniform",
        algorithm: str = "auto",
        leaf_size: int = 30,
        p: float = 2,
        n_jobs: int | None = None,
    ):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.n_jobs = n_jobs

    def _fit_index(self, X: np.ndarray) -> None:
        self._fit_X = X
        self.n_samples_fit_ = X.shape[0]
        method = self.algorithm
        if method == "auto":
            few_neighbours = self.n_neighbors < self.n_samples_fit_ // 2
            method = (
                "kd_tree" if X.shape[1] <= _KD_TREE_MAX_FEATURES and few_neighbours else "brute"
            )
        self.effective_algorithm_ = method
        if method == "kd_tree":
            self._tree = cKDTree(X, leafsize=self.leaf_size)
        else:
            self._fit_sq_norms = np.einsum("ij,ij->i", X, X)

    def kneighbors(self, X=None, n_neighbors: int | None = None, return_distance: bool = True):
        """Distances and indices of the k nearest training samples, nearest first.

        With ``X=None`` the training samples are queried, each excluding itself.
        """
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        if not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"n_neighbors: expected a positive integer, got {k!r}")
        query_self = X is None
        if query_self:
            X, k = self._fit_X, k + 1
        else:
            X = check_predict_data(self, X, dtype=np.float64)
        if k > self.n_samples_fit_:
            raise ValueError(
                f"n_neighbors: expected n_neighbors <= n_samples_fit = {self.n_samples_fit_}, "
                f"got {k - int(query_self)}" + (" (plus the query itself)" if query_self else "")
            )
        if self.effective_algorithm_ == "kd_tree":
            workers = 1 if self.n_jobs is None else self.n_jobs
            distances, indices = kd_tree_kneighbors(self._tree, X, k, self.p, workers)
        else:
            distances, indices = brute_force_kneighbors(
                self._fit_X, self._fit_sq_norms, X, k, self.p
            )
        if query_self:
            # Drop each sample itself; among duplicates it may not come first, so drop the
            # column holding its own index, or the first column if it is absent.
            own = indices == np.arange(X.shape[0])[:, None]
            own[~own.any(axis=1), 0] = True
            own &= np.cumsum(own, axis=1) == 1
            keep = ~own
            distances = distances[keep].reshape(X.shape[0], k - 1)
            indices = indices[keep].reshape(X.shape[0], k - 1)
        return (distances, indices) if return_distance else indices

    def _neighbours_and_weights(self, X) -> tuple[np.ndarray, np.ndarray]:
        distances, indices = self.kneighbors(X)
        return indices, _neighbour_weights(distances, self.weights)


class KNeighborsClassifier(ClassifierMixin, _KNeighborsBase):
    """k-nearest-neighbour classifier.

    ``P(c | x) = sum_{i in N_k(x)} w_i [y_i = c] / sum_i w_i`` with ``w_i = 1`` (uniform) or
    ``1 / ||x - x_i||_p`` (distance); predict ``argmax_c P(c | x)`` (ties: smallest label).
    Neighbours by ``scipy.spatial.cKDTree`` (up to 15 features) or blocked brute force with
    GEMM distances (more features, or ``algorithm="brute"``).

    Parameters
    ----------
    n_neighbors : int, default=5
    weights : {"uniform", "distance"}, default="uniform"
    algorithm : {"auto", "kd_tree", "brute"}, default="auto"
    leaf_size : int, default=30
        Leaf size of the k-d tree.
    p : float >= 1, default=2
        Minkowski exponent (2: Euclidean).
    n_jobs : int or None, default=None
        Worker threads of the k-d tree query (-1: all cores).

    References
    ----------
    Cover & Hart (1967), "Nearest neighbor pattern classification", IEEE Trans. Inf. Theory.
    Bentley (1975), "Multidimensional binary search trees used for associative searching".
    """

    def fit(self, X, y) -> KNeighborsClassifier:
        self._validate_params()
        X, y = check_fit_data(self, X, y, dtype=np.float64)
        self.classes_, self._y_index = check_classes(y)
        self._fit_index(X)
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        indices, weights = self._neighbours_and_weights(X)
        n_queries, n_classes = indices.shape[0], self.classes_.shape[0]
        # votes[q, c] = sum of the weights of q's neighbours labelled c, in one bincount
        cells = np.arange(n_queries)[:, None] * n_classes + self._y_index[indices]
        votes = np.bincount(
            cells.ravel(), weights=weights.ravel(), minlength=n_queries * n_classes
        ).reshape(n_queries, n_classes)
        totals = votes.sum(axis=1, keepdims=True)
        totals[totals == 0.0] = 1.0
        return votes / totals

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class KNeighborsRegressor(RegressorMixin, _KNeighborsBase):
    """k-nearest-neighbour regressor.

    ``f(x) = sum_{i in N_k(x)} w_i y_i / sum_i w_i`` with ``w_i = 1`` (uniform: the neighbours'
    mean) or ``1 / ||x - x_i||_p`` (distance). Parameters as :class:`KNeighborsClassifier`.

    References
    ----------
    Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, section 2.3.2.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y) -> KNeighborsRegressor:
        self._validate_params()
        X, y = check_fit_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        self._y = y
        self._fit_index(X)
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        indices, weights = self._neighbours_and_weights(X)
        neighbour_targets = self._y[indices]  # (n_queries, k) or (n_queries, k, n_targets)
        if neighbour_targets.ndim == 3:
            weights = weights[:, :, None]
        return np.sum(weights * neighbour_targets, axis=1) / np.sum(weights, axis=1)
