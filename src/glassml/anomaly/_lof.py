"""Local outlier factor (Breunig, Kriegel, Ng & Sander 2000): density relative to neighbours'."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._validation import check_fit_X, check_predict_data
from glassml.anomaly._base import CONTAMINATION, BaseDetector
from glassml.neighbors import KNeighborsRegressor

# Added to the mean reachability distance (in the data's units, see _fit_index), as
# scikit-learn does, so duplicated points have a finite density.
_DENSITY_FLOOR = 1e-10


def _novelty(estimator) -> bool:
    return bool(estimator.novelty)


def _not_novelty(estimator) -> bool:
    return not estimator.novelty


class LocalOutlierFactor(BaseDetector):
    """Local outlier factor: how much sparser a point's neighbourhood is than its neighbours'.

    With N_k(a) the k nearest neighbours of a and k-dist(b) the distance from b to its k-th
    neighbour (on the training data, each point excluding itself)::

        reach-dist_k(a, b) = max(k-dist(b), d(a, b))
        lrd(a)  = 1 / (mean_{b in N_k(a)} reach-dist_k(a, b))          local reachability density
        LOF(a)  = mean_{b in N_k(a)} lrd(b) / lrd(a)

    LOF near 1: as dense as the neighbours; well above 1: an outlier. Neighbours come from
    ``glassml.neighbors`` (k-d tree or brute force). ``negative_outlier_factor_`` holds -LOF of
    the training samples; with ``novelty=True`` new samples are scored against the training
    set (``score_samples`` = -LOF(x), x not part of anyone's neighbourhood), and without it only
    ``fit_predict`` is available, as in scikit-learn. ``contamination="auto"``: ``offset_`` =
    -1.5 (Breunig et al.'s rule of thumb, scikit-learn's default).

    Parameters
    ----------
    n_neighbors : int, default=20
        k; must be below the number of training samples.
    algorithm : {"auto", "kd_tree", "brute"}, default="auto"
    leaf_size : int, default=30
    p : float, default=2
        Minkowski exponent of the distance.
    contamination : "auto" or float in (0, 0.5], default="auto"
    novelty : bool, default=False

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import LocalOutlierFactor
    >>> X = np.vstack([np.random.default_rng(0).normal(size=(50, 2)), [[8.0, 8.0]]])
    >>> LocalOutlierFactor(n_neighbors=10).fit_predict(X)[-1]
    np.int64(-1)
    >>> lof = LocalOutlierFactor(n_neighbors=10, novelty=True).fit(X[:-1])
    >>> lof.predict([[0.0, 0.0], [8.0, 8.0]]).tolist()
    [1, -1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "algorithm": [StrOptions({"auto", "kd_tree", "brute"})],
        "leaf_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "p": [Interval(numbers.Real, 1, None, closed="left")],
        "contamination": CONTAMINATION,
        "novelty": ["boolean"],
    }

    def __init__(
        self,
        n_neighbors=20,
        algorithm="auto",
        leaf_size=30,
        p=2,
        contamination="auto",
        novelty=False,
    ):
        self.n_neighbors = n_neighbors
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.contamination = contamination
        self.novelty = novelty

    def fit(self, X, y=None) -> LocalOutlierFactor:
        """Neighbours, k-distances and densities of the training samples."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2)
        n = X.shape[0]
        if self.n_neighbors >= n:
            raise ValueError(
                f"n_neighbors: expected fewer neighbours than training samples ({n}), "
                f"got {self.n_neighbors}"
            )
        self.n_neighbors_ = int(self.n_neighbors)
        self.n_samples_fit_ = n
        self._unit = scale_of(X)
        self._search = KNeighborsRegressor(
            self.n_neighbors_, algorithm=self.algorithm, leaf_size=self.leaf_size, p=self.p
        ).fit(X, np.zeros(n))
        distances, self._neighbors_fit = self._search.kneighbors()
        self._k_distance = distances[:, -1] / self._unit
        self._lrd = self._density(distances / self._unit, self._neighbors_fit)
        self.negative_outlier_factor_ = -np.mean(
            self._lrd[self._neighbors_fit] / self._lrd[:, None], axis=1
        )
        self._set_offset(lambda: self.negative_outlier_factor_)
        return self

    def _density(self, distances: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
        """lrd of points at ``distances`` (in units) from their ``neighbours`` (training ids)."""
        reach = np.maximum(distances, self._k_distance[neighbours])
        return 1.0 / (np.mean(reach, axis=1) + _DENSITY_FLOOR)

    def _score(self, X: np.ndarray) -> np.ndarray:
        distances, neighbours = self._search.kneighbors(X)
        lrd = self._density(distances / self._unit, neighbours)
        return -np.mean(self._lrd[neighbours] / lrd[:, None], axis=1)

    def _auto_offset(self) -> float:
        return -1.5

    @available_if(_novelty)
    def score_samples(self, X) -> np.ndarray:
        """-LOF of new samples against the training set (``novelty=True`` only)."""
        check_is_fitted(self)
        return self._score(check_predict_data(self, X, dtype=np.float64))

    @available_if(_novelty)
    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_`` (``novelty=True`` only)."""
        return self.score_samples(X) - self.offset_

    @available_if(_novelty)
    def predict(self, X) -> np.ndarray:
        """+1 / -1 for new samples (``novelty=True`` only)."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    @available_if(_not_novelty)
    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit on X and label its samples +1 / -1 by -LOF against ``offset_``."""
        self.fit(X)
        return np.where(self.negative_outlier_factor_ < self.offset_, -1, 1)
