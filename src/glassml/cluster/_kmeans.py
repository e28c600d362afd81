"""k-means: Lloyd's algorithm (KMeans) and its mini-batch form (MiniBatchKMeans).

Objective (inertia), over labels l and centres c_1..c_k:

    J(l, c) = sum_i ||x_i - c_{l_i}||^2.

Lloyd's algorithm is coordinate descent on J: with the centres fixed, the best labels are the
nearest centres (assignment step); with the labels fixed, J is a sum of quadratics whose minimum
is the mean of each cluster (update step). Neither step increases J, so J decreases until the
labels stop changing.

Units: the labels do not depend on the units of X, so the work is done on X divided by a power
of two near its typical magnitude (exact) and the centres are scaled back: data at 1e300 or
1e-300 clusters as it does at 1. The inertia is in X's units squared; where that exceeds
float64 (X beyond about 1e154) ``inertia_`` is inf and ``score`` refuses by name.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._threads import one_blas_thread
from glassml._validation import check_fit_X, check_named_array, check_predict_data
from glassml.cluster._kmeans_plusplus import kmeans_plusplus_indices
from glassml.cluster._lloyd_kernels import (
    assign_and_accumulate,
    squared_distances_to_assigned,
)


def _row_squared_norms(X: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", X, X)


class _KMeansBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """What KMeans and MiniBatchKMeans share: validation, seeding, predict/transform/score."""

    _parameter_constraints: ClassVar[dict] = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), "array-like"],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }
    _n_init_for_random = 10

    def _validate_fit_input(self, X) -> np.ndarray:
        """X validated, in the units X / c with c fixed here (see the module docstring)."""
        X = check_fit_X(self, X, dtype=np.float64, order="C")
        if X.shape[0] < self.n_clusters:
            raise ValueError(
                f"n_clusters: expected at most n_samples = {X.shape[0]} clusters (each needs a "
                f"sample), got {self.n_clusters}"
            )
        self._unit = scale_of(X)
        return X / self._unit if self._unit != 1.0 else X

    def _initial_centers_array(self, n_features: int) -> np.ndarray | None:
        """The user's ``init`` array, validated and in the units, or None for a strategy."""
        if isinstance(self.init, str):
            return None
        centers = check_named_array(self.init, "init", dtype=np.float64, copy=True)
        if centers.shape != (self.n_clusters, n_features):
            raise ValueError(
                f"init: expected shape (n_clusters, n_features) = ({self.n_clusters}, "
                f"{n_features}), got {centers.shape}"
            )
        return centers / self._unit

    def _number_of_inits(self) -> int:
        if not isinstance(self.init, str):
            if self.n_init not in ("auto", 1):
                warnings.warn(
                    f"init is an array of centres: performing one initialisation instead of "
                    f"n_init={self.n_init}.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return 1
        if self.n_init == "auto":
            return 1 if self.init == "k-means++" else self._n_init_for_random
        return self.n_init

    def _seed_centers(self, X, x_squared_norms, random_state, init_array):
        """Initial centres: the given array, k-means++, or k distinct random samples."""
        if init_array is not None:
            return init_array.copy()
        if self.init == "k-means++":
            indices = kmeans_plusplus_indices(
                X, self.n_clusters, random_state, None, x_squared_norms
            )
            return X[indices].copy()
        # k distinct samples, uniformly (the sample-weighted draw with unit weights).
        n_samples = X.shape[0]
        uniform = np.full(n_samples, 1.0 / n_samples)
        seeds = random_state.choice(n_samples, size=self.n_clusters, replace=False, p=uniform)
        return X[seeds].copy()

    def _labels_and_inertia(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        """Nearest centre and inertia of X in the units (the ranking ||c||^2 - 2 x.c leaves
        out ||x||^2, so a query far beyond the data is still labelled)."""
        labels = np.empty(X.shape[0], dtype=np.intp)
        with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
            assign_and_accumulate(X, _row_squared_norms(X), self._centers, labels, accumulate=False)
            inertia = float(squared_distances_to_assigned(X, self._centers, labels).sum())
        return labels, inertia

    def _set_centers(self, centers: np.ndarray) -> None:
        """Centres in the units (what the work uses) and in X's units (cluster_centers_)."""
        self._centers = centers
        self.cluster_centers_ = centers * self._unit

    def _in_units(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64, order="C")
        return X / self._unit if self._unit != 1.0 else X

    def _squared_units(self, value: float, what: str) -> float:
        """A sum of squares in the units, in X's units squared; refused if beyond float64."""
        with np.errstate(over="ignore"):
            value = value * self._unit * self._unit
        if not np.isfinite(value):
            raise ValueError(
                f"X: expected samples whose {what} (squared distances to the centres) fits in "
                "float64, got a sum beyond 1.8e308; rescale X"
            )
        return value

    def predict(self, X) -> np.ndarray:
        """Index of the nearest centre of each sample.

        Examples
        --------
        >>> import numpy as np
        >>> from glassml.cluster import KMeans
        >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
        >>> model = KMeans(n_clusters=2, random_state=0).fit(X)
        >>> bool(model.predict([[0.05, 0.0]])[0] == model.labels_[0])
        True
        """
        return self._labels_and_inertia(self._in_units(X))[0]

    def transform(self, X) -> np.ndarray:
        """Euclidean distance of each sample to each centre, shape (n_samples, n_clusters)."""
        X = self._in_units(X)
        differences = X[:, None, :] - self._centers[None, :, :]
        largest = np.max(np.abs(differences), axis=2, keepdims=True)
        reduced = differences / np.where(largest > 0, largest, 1.0)
        with np.errstate(over="ignore"):
            distances = largest[:, :, 0] * np.sqrt(np.sum(reduced**2, axis=2)) * self._unit
        if not np.all(np.isfinite(distances)):
            raise ValueError(
                "X: expected samples whose distances to the centres fit in float64, got "
                "distances beyond 1.8e308; rescale X"
            )
        return distances

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit, then the distances of X to the centres."""
        return self.fit(X).transform(X)

    def score(self, X, y=None) -> float:
        """Opposite of the inertia of X under the fitted centres (higher is better)."""
        return -self._squared_units(self._labels_and_inertia(self._in_units(X))[1], "inertia")

    @property
    def _n_features_out(self) -> int:
        return self.n_clusters


class KMeans(_KMeansBase):
    """k-means clustering by Lloyd's algorithm with greedy k-means++ seeding.

    Minimises the inertia J(l, c) = sum_i ||x_i - c_{l_i}||^2 by alternating

        assignment:  l_i <- argmin_k ||x_i - c_k||^2      (one GEMM per chunk of samples)
        update:      c_k <- mean of {x_i : l_i = k}

    until the labels repeat or the total squared centre shift sum_k ||c_k' - c_k||^2 is at
    most ``tol`` times the mean per-feature variance of X. A cluster left empty takes the
    sample farthest from its centre. The best of ``n_init`` seedings (lowest J) is kept.

    Parameters
    ----------
    n_clusters : int, default=8
    init : {"k-means++", "random"} or array of shape (n_clusters, n_features)
    n_init : "auto" or int, default="auto" (1 for k-means++ and an array, 10 for "random")
    max_iter : int, default=300
    tol : float, default=1e-4
    random_state : int, RandomState or None

    Attributes
    ----------
    cluster_centers_, labels_, inertia_, n_iter_,
    history_ : dict with "inertia", J(l_t, c_t) at each assignment step of the kept run.

    References
    ----------
    Lloyd, S. (1982). Least squares quantization in PCM. IEEE Trans. Inf. Theory 28(2).
    Arthur, D. and Vassilvitskii, S. (2007). k-means++: the advantages of careful seeding.
    SODA '07.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.cluster import KMeans
    >>> X = np.array([[0.0, 0.0], [0.2, 0.0], [4.0, 4.0], [4.2, 4.0]])
    >>> model = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> np.sort(model.cluster_centers_[:, 0]).round(2).tolist()
    [0.1, 4.1]
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X, y=None) -> KMeans:
        self._validate_params()
        X = self._validate_fit_input(X)
        init_array = self._initial_centers_array(X.shape[1])
        random_state = check_random_state(self.random_state)

        # Centring X changes no distance but keeps the GEMM expansion of ||x - c||^2 accurate
        # for data far from the origin.
        X_mean = X.mean(axis=0)
        X_centred = X - X_mean
        if init_array is not None:
            init_array -= X_mean
        x_squared_norms = _row_squared_norms(X_centred)
        shift_tolerance = self.tol * float(np.mean(np.var(X, axis=0)))

        best = None
        for _ in range(self._number_of_inits()):
            centers = self._seed_centers(X_centred, x_squared_norms, random_state, init_array)
            with one_blas_thread():
                run = _lloyd(X_centred, x_squared_norms, centers, self.max_iter, shift_tolerance)
            # A lower inertia for the same partition is rounding noise: keep the earlier run.
            if best is None or (
                run["inertia"] < best["inertia"]
                and not _same_partition(run["labels"], best["labels"], self.n_clusters)
            ):
                best = run

        self._set_centers(best["centers"] + X_mean)
        self.labels_ = best["labels"]
        units_squared = self._unit * self._unit
        with np.errstate(over="ignore"):  # inf only where the inertia truly exceeds float64
            self.inertia_ = best["inertia"] * units_squared
            self.history_ = {"inertia": np.asarray(best["history"]) * units_squared}
        self.n_iter_ = best["n_iter"]
        return self


def _same_partition(labels_a: np.ndarray, labels_b: np.ndarray, n_clusters: int) -> bool:
    """Whether two labellings are the same partition up to a renaming of the clusters."""
    pairs = np.unique(labels_a * n_clusters + labels_b).size
    return pairs == np.unique(labels_a).size == np.unique(labels_b).size


def _update_centers(X, centers_old, labels, center_sums, counts):
    """Cluster means; an empty cluster takes the sample farthest from its centre.

    The farthest samples (by squared distance to their assigned old centre) move, in order of
    decreasing distance, to the empty clusters; each leaves its old cluster's sum.
    """
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        distances = squared_distances_to_assigned(X, centers_old, labels)
        farthest = np.argpartition(distances, -empty.size)[: -empty.size - 1 : -1]
        for new_cluster, sample in zip(empty, farthest, strict=True):
            old_cluster = labels[sample]
            center_sums[old_cluster] -= X[sample]
            counts[old_cluster] -= 1.0
            center_sums[new_cluster] = X[sample]
            counts[new_cluster] = 1.0
    centers = center_sums.copy()
    nonempty = counts > 0
    centers[nonempty] /= counts[nonempty, np.newaxis]
    return centers


def _lloyd(X, x_squared_norms, centers, max_iter, shift_tolerance):
    """One run of Lloyd's algorithm from ``centers``; returns a dict describing the fit."""
    n_samples = X.shape[0]
    labels = np.full(n_samples, -1, dtype=np.intp)
    labels_old = labels.copy()
    history = []
    labels_repeated = False
    for _ in range(max_iter):
        # Assignment step, then update step: one pass of coordinate descent on J.
        center_sums, counts, inertia = assign_and_accumulate(
            X, x_squared_norms, centers, labels, accumulate=True
        )
        history.append(inertia)
        centers_new = _update_centers(X, centers, labels, center_sums, counts)
        shift = float(np.sum((centers_new - centers) ** 2))
        centers = centers_new
        if np.array_equal(labels, labels_old):
            labels_repeated = True  # a fixed point: the update moved nothing
            break
        if shift <= shift_tolerance:
            break
        labels_old[:] = labels
    if not labels_repeated:
        # The last update moved the centres: relabel so that labels and centres agree.
        assign_and_accumulate(X, x_squared_norms, centers, labels, accumulate=False)
    inertia = float(squared_distances_to_assigned(X, centers, labels).sum())
    return {
        "centers": centers,
        "labels": labels,
        "inertia": inertia,
        "n_iter": len(history),
        "history": history,
    }


class MiniBatchKMeans(_KMeansBase):
    """k-means on random mini-batches (Sculley, 2010), with ``partial_fit``.

    Each step draws a batch B, assigns it to the nearest centres and moves every centre to the
    running mean of all samples ever assigned to it:

        c_k <- (n_k c_k + sum_{i in B, l_i = k} x_i) / (n_k + |{i in B : l_i = k}|),
        n_k <- n_k + |{i in B : l_i = k}|,

    i.e. a stochastic-gradient step on J with per-centre learning rate 1 / n_k. Centres whose
    count falls below ``reassignment_ratio`` times the largest are moved to random samples of
    the batch. ``fit`` stops after ``max_iter`` passes over the data or when the exponentially
    averaged batch inertia has not improved for ``max_no_improvement`` steps.

    Parameters
    ----------
    n_clusters, init, n_init ("auto": 1 for k-means++, 3 for "random"), max_iter, tol,
    random_state : as KMeans.
    batch_size : int, default=1024
    max_no_improvement : int or None, default=10
    init_size : int or None, default=None (3 * batch_size, at least 3 * n_clusters)
    reassignment_ratio : float, default=0.01

    Attributes
    ----------
    cluster_centers_, labels_, inertia_, n_iter_ (passes over the data), n_steps_,
    history_ : dict with "batch_inertia" (mean per sample) and "ewa_inertia" per step of fit.

    References
    ----------
    Sculley, D. (2010). Web-scale k-means clustering. WWW '10.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.cluster import MiniBatchKMeans
    >>> X = np.array([[0.0, 0.0], [0.2, 0.0], [4.0, 4.0], [4.2, 4.0]] * 5)
    >>> model = MiniBatchKMeans(n_clusters=2, batch_size=8, random_state=0).fit(X)
    >>> len(set(model.labels_[:2].tolist() + model.labels_[2:4].tolist()))
    2
    """

    _parameter_constraints: ClassVar[dict] = {
        **_KMeansBase._parameter_constraints,
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_no_improvement": [Interval(Integral, 0, None, closed="left"), None],
        "init_size": [Interval(Integral, 1, None, closed="left"), None],
        "reassignment_ratio": [Interval(Real, 0, None, closed="left")],
    }
    _n_init_for_random = 3

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init="k-means++",
        max_iter: int = 100,
        batch_size: int = 1024,
        tol: float = 0.0,
        max_no_improvement: int | None = 10,
        init_size: int | None = None,
        n_init="auto",
        reassignment_ratio: float = 0.01,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio
        self.random_state = random_state

    def _step(self, X_batch, random_state) -> float:
        """One mini-batch update of the centres (in the units); returns the batch inertia
        before it."""
        labels = np.empty(X_batch.shape[0], dtype=np.intp)
        with one_blas_thread():
            batch_sums, batch_counts, batch_inertia = assign_and_accumulate(
                X_batch, _row_squared_norms(X_batch), self._centers, labels, accumulate=True
            )
        # Running mean per centre: the learning rate of centre k is 1 / (its total count).
        seen = batch_counts > 0
        totals = self._counts[seen] + batch_counts[seen]
        self._centers[seen] = (
            self._centers[seen] * self._counts[seen, np.newaxis] + batch_sums[seen]
        ) / totals[:, np.newaxis]
        self._counts[seen] = totals
        self._reassign_small_clusters(X_batch, random_state)
        return batch_inertia

    def _reassign_small_clusters(self, X_batch, random_state) -> None:
        """Every 10 k samples (or while a centre is unused), move rarely used centres."""
        self._n_since_last_reassign += X_batch.shape[0]
        due = (self._counts == 0).any() or self._n_since_last_reassign >= 10 * self.n_clusters
        if not due or self.reassignment_ratio == 0:
            return
        self._n_since_last_reassign = 0
        to_reassign = self._counts < self.reassignment_ratio * self._counts.max()
        if to_reassign.sum() > 0.5 * X_batch.shape[0]:  # at most half the batch moves
            to_reassign[np.argsort(self._counts)[int(0.5 * X_batch.shape[0]) :]] = False
        n_reassign = int(to_reassign.sum())
        if n_reassign == 0:
            return
        chosen = random_state.choice(X_batch.shape[0], size=n_reassign, replace=False)
        self._centers[to_reassign] = X_batch[chosen]
        # A moved centre starts with the smallest count of the others, not 0, so that it is
        # not reassigned again at once.
        self._counts[to_reassign] = np.min(self._counts[~to_reassign])

    def _initialise(self, X, random_state) -> None:
        init_array = self._initial_centers_array(X.shape[1])
        init_size = self.init_size or max(3 * self.batch_size, 3 * self.n_clusters)
        init_size = min(init_size, X.shape[0])
        # Seed on a random subset; keep the seeding with the lowest inertia on another subset.
        validation = X[random_state.randint(0, X.shape[0], init_size)]
        best_centers, best_inertia = None, np.inf
        for _ in range(self._number_of_inits()):
            subset = X[random_state.randint(0, X.shape[0], init_size)]
            centers = self._seed_centers(
                subset, _row_squared_norms(subset), random_state, init_array
            )
            self._centers = centers
            inertia = self._labels_and_inertia(validation)[1]
            if best_centers is None or inertia < best_inertia:
                best_centers, best_inertia = centers, inertia
        self._centers = best_centers
        self._counts = np.zeros(self.n_clusters)
        self._n_since_last_reassign = 0

    def fit(self, X, y=None) -> MiniBatchKMeans:
        self._validate_params()
        X = self._validate_fit_input(X)
        random_state = check_random_state(self.random_state)
        n_samples = X.shape[0]
        batch_size = min(self.batch_size, n_samples)
        self._initialise(X, random_state)
        shift_tolerance = self.tol * float(np.mean(np.var(X, axis=0)))

        n_steps = max(1, (self.max_iter * n_samples) // batch_size)
        # Weight of a new batch in the running average of the inertia: about two batches per
        # pass over the data.
        smoothing = min(2.0 * batch_size / (n_samples + 1), 1.0)
        batch_history, ewa_history = [], []
        ewa_inertia, ewa_best, steps_without_improvement = None, np.inf, 0
        for step in range(n_steps):
            batch = X[random_state.randint(0, n_samples, batch_size)]
            centers_before = self._centers.copy()
            batch_inertia = self._step(batch, random_state) / batch_size
            batch_history.append(batch_inertia)
            ewa_inertia = (
                batch_inertia
                if ewa_inertia is None
                else (1 - smoothing) * ewa_inertia + smoothing * batch_inertia
            )
            ewa_history.append(ewa_inertia)
            if step == 0:
                continue  # the first batch is measured against the seeds only
            if shift_tolerance > 0 and np.sum((self._centers - centers_before) ** 2) <= (
                shift_tolerance
            ):
                break
            if ewa_inertia < ewa_best:
                ewa_best, steps_without_improvement = ewa_inertia, 0
            else:
                steps_without_improvement += 1
            if (
                self.max_no_improvement is not None
                and steps_without_improvement >= self.max_no_improvement
            ):
                break

        self.n_steps_ = step + 1
        self.n_iter_ = int(np.ceil(self.n_steps_ * batch_size / n_samples))
        units_squared = self._unit * self._unit
        self.labels_, inertia = self._labels_and_inertia(X)
        self._set_centers(self._centers)
        with np.errstate(over="ignore"):  # inf only where the inertia truly exceeds float64
            self.inertia_ = inertia * units_squared
            self.history_ = {
                "batch_inertia": np.asarray(batch_history) * units_squared,
                "ewa_inertia": np.asarray(ewa_history) * units_squared,
            }
        self._random_state = random_state  # partial_fit continues from here
        return self

    def partial_fit(self, X, y=None) -> MiniBatchKMeans:
        """One mini-batch step on X (seeding the centres from X on the first call)."""
        first_call = not hasattr(self, "cluster_centers_")
        if first_call:
            self._validate_params()
            X = self._validate_fit_input(X)  # the first batch fixes the units
            self._random_state = check_random_state(self.random_state)
            init_array = self._initial_centers_array(X.shape[1])
            self._centers = self._seed_centers(
                X, _row_squared_norms(X), self._random_state, init_array
            )
            self._counts = np.zeros(self.n_clusters)
            self._n_since_last_reassign = 0
            self.n_steps_ = 0
            self.history_ = {"batch_inertia": np.empty(0), "ewa_inertia": np.empty(0)}
        else:
            X = self._in_units(X)
        units_squared = self._unit * self._unit
        with np.errstate(over="ignore"):
            batch_inertia = self._step(X, self._random_state) / X.shape[0] * units_squared
            self.labels_, inertia = self._labels_and_inertia(X)
            self.inertia_ = inertia * units_squared
        self._set_centers(self._centers)
        self.history_["batch_inertia"] = np.append(self.history_["batch_inertia"], batch_inertia)
        self.n_steps_ += 1
        self.n_iter_ = self.n_steps_
        return self
