"""Linear SVM by dual coordinate descent (Hsieh, Chang, Lin, Keerthi & Sundararajan 2008)."""

from __future__ import annotations

import numbers
import warnings

import numba
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import downscale_of
from glassml._validation import check_predict_data
from glassml.svm._svc import per_sample_C, validate_training_data

_LARGEST = np.finfo(np.float64).max


@numba.njit(cache=True)
def dual_coordinate_descent(X, y, upper, diagonal, bias_scale, tol, max_iter, seed):
    """Minimise ½ αᵀ(Q + D)α − eᵀα over 0 ≤ α_i ≤ U_i, one coordinate at a time.

    ``Q_ij = y_i y_j x̃_i·x̃_j`` with ``x̃ = (x, bias_scale)`` (bias_scale = 0: no intercept).
    The primal ``w = Σ_i α_i y_i x̃_i`` is kept up to date, so the partial derivative costs one
    dot product: ``G_i = y_i w·x̃_i − 1 + D_ii α_i``. Shrinking as liblinear: a coordinate at a
    bound whose gradient points outward by more than last epoch's extreme projected gradient
    leaves the active set until the final check. Returns (w, bias, n_epochs, gap per epoch).
    """
    # numba implements only the legacy global generator (seeded per call, so reproducible)
    np.random.seed(seed)  # noqa: NPY002
    n_samples, n_features = X.shape
    alpha = np.zeros(n_samples)
    w = np.zeros(n_features)
    bias = 0.0
    QD = np.empty(n_samples)  # diagonal of Q + D
    for i in range(n_samples):
        QD[i] = diagonal[i] + bias_scale * bias_scale
        for f in range(n_features):
            QD[i] += X[i, f] * X[i, f]
    index = np.arange(n_samples)
    active_size = n_samples
    pg_max_old, pg_min_old = np.inf, -np.inf
    gaps = np.empty(max_iter)
    epoch = 0
    while epoch < max_iter:
        pg_max_new, pg_min_new = -np.inf, np.inf
        for s in range(active_size):  # random order of the active coordinates
            j = s + np.random.randint(active_size - s)  # noqa: NPY002
            index[s], index[j] = index[j], index[s]
        s = 0
        while s < active_size:
            i = index[s]
            margin = bias * bias_scale
            for f in range(n_features):
                margin += w[f] * X[i, f]
            G = y[i] * margin - 1.0 + diagonal[i] * alpha[i]  # ∂/∂α_i of the dual
            projected = 0.0
            if alpha[i] == 0.0:
                if G > pg_max_old:  # stays at 0 for now: shrink
                    active_size -= 1
                    index[s], index[active_size] = index[active_size], index[s]
                    continue
                if G < 0.0:
                    projected = G
            elif alpha[i] == upper[i]:
                if G < pg_min_old:  # stays at U_i: shrink
                    active_size -= 1
                    index[s], index[active_size] = index[active_size], index[s]
                    continue
                if G > 0.0:
                    projected = G
            else:
                projected = G
            pg_max_new = max(pg_max_new, projected)
            pg_min_new = min(pg_min_new, projected)
            if abs(projected) > 1e-12:
                old = alpha[i]
                # exact minimiser along coordinate i, projected onto [0, U_i]
                alpha[i] = min(max(old - G / QD[i], 0.0), upper[i])
                step = (alpha[i] - old) * y[i]
                for f in range(n_features):
                    w[f] += step * X[i, f]
                bias += step * bias_scale
            s += 1
        gaps[epoch] = pg_max_new - pg_min_new
        epoch += 1
        if pg_max_new - pg_min_new <= tol:
            if active_size == n_samples:
                break
            # converged on the active set: check every coordinate once more
            active_size = n_samples
            pg_max_old, pg_min_old = np.inf, -np.inf
            continue
        pg_max_old = pg_max_new if pg_max_new > 0 else np.inf
        pg_min_old = pg_min_new if pg_min_new < 0 else -np.inf
    return w, bias, epoch, gaps[:epoch].copy()


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Linear support vector classification solved in the dual by coordinate descent.

    Primal (binary, labels y_i = ±1, x̃_i = (x_i, intercept_scaling) when fit_intercept)::

        min_w  ½ ||w||² + Σ_i C_i ξ(w; x̃_i, y_i)
        hinge:          ξ = max(0, 1 − y_i wᵀx̃_i)
        squared_hinge:  ξ = max(0, 1 − y_i wᵀx̃_i)²

    Dual: ``min_α ½ αᵀ(Q + D)α − eᵀα`` s.t. ``0 ≤ α_i ≤ U_i`` with ``Q_ij = y_i y_j x̃_iᵀx̃_j``;
    hinge: ``U_i = C_i, D = 0``; squared hinge: ``U_i = ∞, D_ii = 1/(2 C_i)``. Coordinate
    update (Hsieh et al. 2008): ``G = y_i wᵀx̃_i − 1 + D_ii α_i``,
    ``α_i ← min(max(α_i − G / (Q_ii + D_ii), 0), U_i)``, ``w ← w + Δα_i y_i x̃_i``; coordinates
    are visited in a random order each epoch; stop when the projected gradient's spread
    ``max PG − min PG ≤ tol``. The intercept is ``intercept_scaling · w_last`` (it is
    regularised, as in liblinear). More than two classes: one-vs-rest.

    Parameters
    ----------
    loss : {"hinge", "squared_hinge"}, default="squared_hinge"
    C : float, default=1.0
    tol : float, default=1e-4
    max_iter : int, default=1000
        Epochs (passes over the data) per class.
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1.0
    class_weight : dict, "balanced" or None
    random_state : int, RandomState or None
        Order of the coordinates.

    Attributes
    ----------
    coef_ (n_classes or 1, n_features), intercept_, classes_, n_iter_ (largest epoch count over
    the one-vs-rest problems), history_ (``"gap"``: max PG − min PG per epoch, ``"class"``:
    the one-vs-rest problem it belongs to).

    Units: the dual's Q scales as c² with X, and LinearSVC(C, intercept_scaling) on X is
    exactly LinearSVC(C c², intercept_scaling / c) on X / c with the same decision function
    (coef_ / c). Huge X is solved in those units; where C c² exceeds float64 the penalty is
    below rounding (an unregularised hinge fit with no finite dual) and X is refused by name.
    Tiny X is solved as it is: the penalty wins and only the intercept is left.

    References
    ----------
    Hsieh, Chang, Lin, Keerthi & Sundararajan (2008), "A dual coordinate descent method for
    large-scale linear SVM", ICML. Fan et al. (2008), LIBLINEAR, JMLR 9.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.svm import LinearSVC
    >>> X = np.array([[0.0, 0.0], [0.5, 0.2], [2.0, 2.0], [2.5, 1.8]])
    >>> LinearSVC(random_state=0).fit(X, [0, 0, 1, 1]).predict([[0.2, 0.1], [2.2, 2.0]]).tolist()
    [0, 1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "loss": [StrOptions({"hinge", "squared_hinge"})],
        "C": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "tol": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        loss="squared_hinge",
        C=1.0,
        tol=1e-4,
        max_iter=1000,
        fit_intercept=True,
        intercept_scaling=1.0,
        class_weight=None,
        random_state=None,
    ):
        self.loss = loss
        self.C = C
        self.tol = tol
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """One dual coordinate-descent solve per one-vs-rest problem (one if binary)."""
        self._validate_params()
        X, y_index, weights = validate_training_data(self, X, y, sample_weight)
        # Units X / c: C c^2 and intercept_scaling / c (see the class docstring).
        unit = downscale_of(X)
        with np.errstate(over="ignore"):
            C = self.C * unit * unit
        if not np.isfinite(C * max(1.0, float(np.max(weights)))):
            raise ValueError(
                "X: expected values whose squares times C fit in float64 (LinearSVC(C) on X is "
                f"LinearSVC(C c^2) on X / c), got X up to {float(np.max(np.abs(X))):.3g}: the "
                "penalty is below rounding, an unregularised hinge fit; rescale X"
            )
        X = X / unit if unit != 1.0 else X
        C_of_own_class = per_sample_C(C, self.class_weight, self.classes_, y_index, weights)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        bias_scale = float(self.intercept_scaling) / unit if self.fit_intercept else 0.0

        # binary: one problem with +1 = classes_[1]; otherwise class k against the rest
        # (liblinear: the rest keep C · sample_weight, without their class weight)
        problems = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        coef, intercept, epochs, gaps = [], [], [], []
        for k in problems:
            positive = y_index == k
            signs = np.where(positive, 1.0, -1.0)
            if len(self.classes_) == 2:
                C_i = C_of_own_class
            else:
                C_i = np.where(positive, C_of_own_class, C * weights)
            kept = C_i > 0  # a zero bound pins α_i at 0: the sample plays no part
            if self.loss == "hinge":
                upper, diagonal = C_i[kept], np.zeros(np.count_nonzero(kept))
            else:
                upper, diagonal = np.full(np.count_nonzero(kept), np.inf), 0.5 / C_i[kept]
            w, bias, n_epochs, history = dual_coordinate_descent(
                np.ascontiguousarray(X[kept]),
                signs[kept],
                upper,
                diagonal,
                bias_scale,
                float(self.tol),
                int(self.max_iter),
                seed,
            )
            coef.append(w)
            intercept.append(bias * bias_scale)
            epochs.append(n_epochs)
            gaps.append(history)
        if max(epochs) >= self.max_iter and gaps[int(np.argmax(epochs))][-1] > self.tol:
            warnings.warn(
                f"dual coordinate descent reached max_iter={self.max_iter} before tol="
                f"{self.tol}; increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.coef_ = np.array(coef) / unit
        # scikit-learn's convention: a scalar 0.0 when there is no intercept
        self.intercept_ = np.array(intercept) if self.fit_intercept else 0.0
        self.n_iter_ = int(max(epochs))
        self.history_ = {
            "gap": np.concatenate(gaps),
            "class": np.repeat(np.arange(len(gaps)), [len(g) for g in gaps]),
        }
        return self

    def decision_function(self, X) -> np.ndarray:
        """wᵀx + b: (n_samples,) if binary (positive → classes_[1]), else (n_samples, k)."""
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
