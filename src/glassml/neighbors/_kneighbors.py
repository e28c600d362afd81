"""k-nearest-neighbour classification and regression.

A query ``x`` looks up its k nearest training points ``N_k(x)`` (Minkowski distance, Euclidean
by default) and lets them vote:

    classification  P(c | x) = sum_{i in N_k(x)} w_i [y_i = c] / sum_{i in N_k(x)} w_i
    regression      f(x)     = sum_{i in N_k(x)} w_i y_i / sum_{i in N_k(x)} w_i

with ``w_i = 1`` ("uniform") or ``w_i = 1 / d(x, x_i)`` ("distance"; a neighbour at distance 0
takes all the weight, shared among such neighbours). The class predicted is the most probable,
ties going to the smallest label.

Neighbours do not depend on the units of X, so the index is built on X divided by a power of
two near its typical magnitude and queries are divided alike: training data at 1e300 or 1e-300
has the neighbours it has at 1. A Euclidean query far beyond the training data is ranked
without its own square (see ``_search.brute_force_kneighbors``).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import SAFE_HIGH, scale_of
from glassml._validation import check_classes, check_count, check_fit_data, check_predict_data
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
        self._unit = scale_of(X)
        X = X / self._unit if self._unit != 1.0 else X
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
        self._fit_sq_norms = np.einsum("ij,ij->i", X, X)

    def kneighbors(self, X=None, n_neighbors: int | None = None, return_distance: bool = True):
        """Distances and indices of the k nearest training samples, nearest first.

        With ``X=None`` the training samples are queried, each excluding itself.

        Examples
        --------
        >>> import numpy as np
        >>> from glassml.neighbors import KNeighborsRegressor
        >>> model = KNeighborsRegressor(2).fit(np.array([[0.0], [1.0], [3.0]]), [0.0, 1.0, 3.0])
        >>> distances, indices = model.kneighbors([[0.9]])
        >>> np.round(distances, 6).tolist(), indices.tolist()
        ([[0.1, 0.9]], [[1, 0]])
        """
        distances, indices = self._kneighbors_in_units(X, n_neighbors)
        if not return_distance:
            return indices
        with np.errstate(over="ignore"):
            distances = distances * self._unit
        if not np.all(np.isfinite(distances)):
            raise ValueError(
                "X: expected queries whose distances to the training data fit in float64, got "
                "distances beyond 1.8e308"
            )
        return distances, indices

    def _kneighbors_in_units(self, X, n_neighbors) -> tuple[np.ndarray, np.ndarray]:
        """kneighbors with distances in the fitted units (what the votes' weights need)."""
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else check_count(n_neighbors, "n_neighbors")
        query_self = X is None
        if query_self:
            X, k = self._fit_X, k + 1
        else:
            X = check_predict_data(self, X, dtype=np.float64)
            X = X / self._unit if self._unit != 1.0 else X
        if k > self.n_samples_fit_:
            raise ValueError(
                f"n_neighbors: expected n_neighbors <= n_samples_fit = {self.n_samples_fit_}, "
                f"got {k - int(query_self)}" + (" (plus the query itself)" if query_self else "")
            )
        # A query beyond 2^150 times the training data's size: squared distances would
        # overflow in the tree; the Euclidean brute force ranks it without squaring it.
        far = float(np.max(np.abs(X), initial=0.0)) > SAFE_HIGH
        if far and self.p != 2:
            raise ValueError(
                f"X: expected queries within 2^150 of the training data's scale for p={self.p} "
                "(the Minkowski distances to every training point agree to float64 precision), "
                f"got values up to {float(np.max(np.abs(X))) * self._unit:.3g}"
            )
        if self.effective_algorithm_ == "kd_tree" and not far:
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
        return distances, indices

    def _neighbours_and_weights(self, X) -> tuple[np.ndarray, np.ndarray]:
        distances, indices = self._kneighbors_in_units(X, None)
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

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.neighbors import KNeighborsClassifier
    >>> X = np.array([[0.0], [0.5], [1.0], [5.0], [5.5], [6.0]])
    >>> model = KNeighborsClassifier(3).fit(X, ["a", "a", "a", "b", "b", "b"])
    >>> model.predict([[0.7], [5.2]]).tolist()
    ['a', 'b']
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

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.neighbors import KNeighborsRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> KNeighborsRegressor(2).fit(X, [0.0, 1.0, 4.0, 9.0]).predict([[1.4]]).tolist()
    [2.5]
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
