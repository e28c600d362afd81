"""Kernel support vector classifier: the C-SVC dual solved by SMO, one-vs-one multiclass."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._validation import check_classes, check_fit_data, check_predict_data, check_weights
from glassml.linalg import linear_kernel, polynomial_kernel, rbf_kernel, sigmoid_kernel
from glassml.svm._platt import couple_pairwise, fit_sigmoid, sigmoid_probability
from glassml.svm._smo import KERNEL_IDS, PRECOMPUTED, KernelSpec, smo_solve

_N_FOLDS = 5  # internal cross-validation for Platt scaling, as libsvm
_LARGEST = np.finfo(np.float64).max
# gamma in the fitted units is clamped here: exp(-1e300 d) is 0 for every d the data can hold
# (the kernel's exact limit), while an infinite gamma would give inf * 0 = NaN on the diagonal.
_LARGEST_GAMMA = 1e300


def validate_training_data(estimator, X, y, sample_weight):
    """Validated ``X`` (float64, C order), class indices and sample weights for an SVM's fit.

    Sets ``estimator.classes_``; at least two classes are required.
    """
    X, y = check_fit_data(estimator, X, y, dtype=np.float64, order="C")
    estimator.classes_, y_index = check_classes(y)
    return X, y_index, check_weights(sample_weight, X)


def per_sample_C(C: float, class_weight, classes, y_index, sample_weight) -> np.ndarray:
    """Upper bound of each multiplier: C · class_weight[y_i] · sample_weight_i."""
    weights = compute_class_weight(class_weight, classes=classes, y=classes[y_index])
    return C * weights[y_index] * sample_weight


class KernelUnits:
    """The kernel of a kernel machine in the units it is fitted in (shared by SVC and
    glassml.anomaly.OneClassSVM): reads ``kernel``, ``gamma``, ``coef0``, ``degree`` and the
    fitted ``_unit`` / ``_gamma``."""

    def _units(self, X: np.ndarray, C: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(c, gamma in the units X / c, the multipliers' bounds there); see the docstring."""
        if callable(self.kernel):
            return 1.0, 0.0, C
        if self.kernel == "linear":
            c = max(scale_of(X), 1.0)
            with np.errstate(over="ignore"):
                C = C * c * c
            if not np.all(np.isfinite(C)):
                raise ValueError(
                    f"X: expected values whose squares times C fit in float64 for "
                    f"kernel='linear' (SVC(C) on X is SVC(C c^2) on X / c), got X up to "
                    f"{float(np.max(np.abs(X))):.3g}: the problem is a hard margin; rescale X"
                )
            return c, 0.0, C
        c = scale_of(X)
        units = X / c if c != 1.0 else X
        if self.gamma == "scale":
            variance = units.var()
            return c, (1.0 / (units.shape[1] * variance) if variance != 0 else 1.0), C
        gamma = 1.0 / X.shape[1] if self.gamma == "auto" else float(self.gamma)
        with np.errstate(over="ignore", under="ignore"):
            gamma = min(gamma * c * c, _LARGEST_GAMMA)
        if self.kernel == "poly":
            largest = gamma * float(np.max(np.einsum("ij,ij->i", units, units))) + abs(self.coef0)
            with np.errstate(over="ignore"):
                if not np.isfinite(np.float64(largest) ** self.degree):
                    raise ValueError(
                        "X: expected values whose polynomial kernel (gamma x.y + coef0)^degree "
                        f"fits in float64, got X up to {float(np.max(np.abs(X))):.3g}; rescale X "
                        "or use gamma='scale', which does not depend on X's units"
                    )
        return c, gamma, C

    def _kernel_matrix(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """K(X, Y) in the fitted units, by one GEMM (glassml.linalg) or the user's callable."""
        if callable(self.kernel):
            gram = np.asarray(self.kernel(X, Y), dtype=np.float64)
            if gram.shape != (X.shape[0], Y.shape[0]):
                raise ValueError(
                    f"kernel: expected a callable returning shape {(X.shape[0], Y.shape[0])}, "
                    f"got {gram.shape}"
                )
            if not np.all(np.isfinite(gram)):
                raise ValueError("kernel: expected finite kernel values, got NaN or infinity")
            return gram
        if self.kernel == "linear":
            return linear_kernel(X, Y)
        if self.kernel == "poly":
            return polynomial_kernel(X, Y, degree=self.degree, gamma=self._gamma, coef0=self.coef0)
        if self.kernel == "rbf":
            return rbf_kernel(X, Y, gamma=self._gamma)
        return sigmoid_kernel(X, Y, gamma=self._gamma, coef0=self.coef0)

    def _in_units(self, X: np.ndarray) -> np.ndarray:
        return X / self._unit if self._unit != 1.0 else X


class SVC(ClassifierMixin, KernelUnits, BaseEstimator):
    """C-support vector classification by sequential minimal optimisation.

    Dual problem for each pair of classes (labels y_i = ±1, Q_ij = y_i y_j K(x_i, x_j))::

        min_α  ½ αᵀQα − Σ_i α_i   s.t.  Σ_i y_i α_i = 0,  0 ≤ α_i ≤ C_i

    with ``C_i = C · class_weight[y_i] · sample_weight_i``. SMO (Platt 1998) with the
    second-order working-set selection of Fan, Chen & Lin (2005, JMLR 6): pick
    ``i = argmax_{I_up} −y_i∇f_i``, ``j = argmin_{I_low} −b_ij²/a_ij``, move α_i, α_j by
    ``b_ij / a_ij`` along ``y_i Δα_i = −y_j Δα_j`` and clip to the box; update
    ``∇f += Q_:i Δα_i + Q_:j Δα_j``; stop when ``max_{I_up} −y∇f − min_{I_low} −y∇f ≤ tol``.
    The intercept is ``b = −ρ``, ρ the average of ``y_i∇f_i`` over free multipliers (midpoint
    of the feasible interval when none is free). Decision for a pair:
    ``f(x) = Σ_i y_i α_i K(x_i, x) − ρ``; ``k`` classes train ``k(k−1)/2`` pairs and vote.

    With ``probability=True`` each pair's sigmoid ``P = 1/(1 + exp(A f + B))`` is fitted to
    5-fold cross-validated decision values (Platt 2000; Lin, Lin & Weng 2007) and the pairwise
    probabilities are coupled (Wu, Lin & Weng 2004), as in libsvm.

    Parameters
    ----------
    C : float, default=1.0
        Box constraint (> 0).
    kernel : {"linear", "poly", "rbf", "sigmoid"} or callable, default="rbf"
        A callable gets ``(X, Y)`` and returns the Gram matrix of shape (len(X), len(Y)).
    degree : int, default=3
        Degree of the polynomial kernel ``(γ x·y + coef0)^degree``.
    gamma : {"scale", "auto"} or float, default="scale"
        ``"scale"``: ``1 / (n_features · X.var())``; ``"auto"``: ``1 / n_features``.
    coef0 : float, default=0.0
        Constant term of the polynomial and sigmoid kernels.
    shrinking : bool, default=True
        libsvm's shrinking heuristic (changes the speed, not the solution's tolerance).
    probability : bool, default=False
        Fit Platt sigmoids so that ``predict_proba`` is available.
    tol : float, default=1e-3
        Stopping tolerance on ``m(α) − M(α)``.
    cache_size : float, default=200
        Kernel-row cache in MB (rows stored in float32, as libsvm).
    class_weight : dict, "balanced" or None, default=None
        Multiplies C per class.
    max_iter : int, default=-1
        SMO iterations per pair; −1 for no limit.
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
    random_state : int, RandomState or None
        Fold assignment of the Platt cross-validation.

    Attributes
    ----------
    support_, support_vectors_, n_support_, dual_coef_, intercept_, classes_, n_iter_,
    probA_, probB_, coef_ (linear kernel only), history_ (``"gap"``: m(α) − M(α) per SMO
    iteration, ``"pair"``: the index of the class pair it belongs to).

    Units: the built-in kernels are functions of ``x·y`` and ``||x − y||²``, which scale as
    ``c²`` with X. With ``gamma="scale"`` (γ = 1 / (n_features Var X)) the rbf, polynomial and
    sigmoid kernels do not depend on the units of X: X is divided by a power of two near its
    typical magnitude (exact) and the model is the same at 1e300 or 1e-300 as at 1. With a
    numeric gamma (or "auto") the rbf and sigmoid kernels are computed in those units with
    γ c² (at the extremes they saturate at their exact limits: 0 or 1, ±1) and a polynomial
    kernel whose values exceed float64 is refused. The linear kernel is SVC(C) on X =
    SVC(C c²) on X / c (dual coefficients / c²); only huge X is divided, and where C c²
    exceeds float64 (a hard margin) it is refused.

    References
    ----------
    Fan, Chen & Lin (2005), "Working set selection using second order information for training
    support vector machines", JMLR 6:1889-1918. Chang & Lin, LIBSVM. Platt (1998, 2000).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.svm import SVC
    >>> X = np.array([[0.0, 0.0], [0.2, 0.1], [2.0, 2.0], [2.1, 1.8]])
    >>> SVC(kernel="rbf", C=10.0).fit(X, [0, 0, 1, 1]).predict([[0.1, 0.0], [1.9, 2.1]]).tolist()
    [0, 1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "C": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "kernel": [StrOptions(set(KERNEL_IDS)), callable],
        "degree": [Interval(numbers.Integral, 0, None, closed="left")],
        "gamma": [
            StrOptions({"scale", "auto"}),
            Interval(numbers.Real, 0, _LARGEST, closed="both"),
        ],
        "coef0": [Interval(numbers.Real, -_LARGEST, _LARGEST, closed="both")],
        "shrinking": ["boolean"],
        "probability": ["boolean"],
        "tol": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "cache_size": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "max_iter": [
            Options(numbers.Integral, {-1}),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "decision_function_shape": [StrOptions({"ovr", "ovo"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        C=1.0,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        shrinking=True,
        probability=False,
        tol=1e-3,
        cache_size=200,
        class_weight=None,
        max_iter=-1,
        decision_function_shape="ovr",
        random_state=None,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.random_state = random_state

    # ---- training -----------------------------------------------------------------------------

    def _solve_pair(self, X_pair, gram_pair, signs, upper_bounds):
        """SMO on one binary problem: returns (y_i α_i, rho, n_iter, gap history)."""
        n = X_pair.shape[0]
        if callable(self.kernel):
            kernel_id, gram = PRECOMPUTED, np.ascontiguousarray(gram_pair)
        else:
            kernel_id, gram = KERNEL_IDS[self.kernel], np.zeros((1, 1))
        n_slots = int(self.cache_size * (1 << 20) // (4 * max(n, 1)))
        spec = KernelSpec(kernel_id, float(self._gamma), float(self.coef0), int(self.degree))
        # max_iter=-1 is libsvm's "no limit", which is max(10^7, 100 l) iterations there too.
        max_iter = int(self.max_iter) if self.max_iter != -1 else max(10_000_000, 100 * n)
        coefficients, rho, n_iter, history, hit_max = smo_solve(
            np.ascontiguousarray(X_pair),
            gram,
            spec,
            signs.astype(np.int8),
            upper_bounds.astype(np.float64),
            float(self.tol),
            max_iter,
            n_slots,
            bool(self.shrinking),
        )
        if hit_max:
            warnings.warn(
                f"SMO stopped at {max_iter} iterations before reaching tol={self.tol}"
                + ("" if self.max_iter != -1 else " (libsvm's cap for max_iter=-1)")
                + "; increase max_iter or scale X.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return coefficients, rho, n_iter, history

    def fit(self, X, y, sample_weight=None):
        """Solve one dual per pair of classes; see the class docstring."""
        self._validate_params()
        X, y_index, weights = validate_training_data(self, X, y, sample_weight)
        upper_bounds = per_sample_C(self.C, self.class_weight, self.classes_, y_index, weights)
        # zero-weight samples cannot be support vectors: drop them (as libsvm does)
        kept = np.flatnonzero(weights > 0)
        if len(np.unique(y_index[kept])) < len(self.classes_):
            raise ValueError(
                "sample_weight: expected a positive weight for at least one sample of every "
                "class, got a class with only zero weights"
            )
        self._unit, self._gamma, upper_bounds = self._units(X, upper_bounds)
        data = X
        X = self._in_units(X)
        gram = self._kernel_matrix(X, X) if callable(self.kernel) else None

        n_classes = len(self.classes_)
        members = [kept[y_index[kept] == c] for c in range(n_classes)]
        random_state = check_random_state(self.random_state)
        pair_coefficients, rhos, n_iters, histories, probA, probB = [], [], [], [], [], []
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                # libsvm's order: the samples of class a, then those of class b (+1 for a)
                rows = np.concatenate([members[a], members[b]])
                signs = np.where(np.arange(len(rows)) < len(members[a]), 1, -1)
                pair_gram = gram[np.ix_(rows, rows)] if gram is not None else None
                if self.probability:
                    A, B = self._platt_for_pair(
                        X[rows], pair_gram, signs, upper_bounds[rows], random_state
                    )
                    probA.append(A)
                    probB.append(B)
                coefficients, rho, n_iter, history = self._solve_pair(
                    X[rows], pair_gram, signs, upper_bounds[rows]
                )
                pair_coefficients.append((rows, coefficients))
                rhos.append(rho)
                n_iters.append(n_iter)
                histories.append(history)
        self._store_model(data, X, members, pair_coefficients, np.array(rhos))
        self.n_iter_ = np.array(n_iters, dtype=np.int32)
        self.history_ = {
            "gap": np.concatenate(histories),
            "pair": np.repeat(np.arange(len(histories)), [len(h) for h in histories]),
        }
        if self.probability:
            self.probA_, self.probB_ = np.array(probA), np.array(probB)
        else:
            self.probA_, self.probB_ = np.empty(0), np.empty(0)
        return self

    def _store_model(self, data, X, members, pair_coefficients, rhos) -> None:
        """Support set = samples with a nonzero multiplier in any pair; libsvm's layout.

        ``data`` is X as given, ``X`` in the fitted units; the multipliers are in those units
        (for the linear kernel, c^2 times the data's: see the class docstring).
        """
        n_classes = len(self.classes_)
        nonzero = np.zeros(X.shape[0], dtype=bool)
        for rows, coefficients in pair_coefficients:
            nonzero[rows[coefficients != 0]] = True
        in_support = [members[c][nonzero[members[c]]] for c in range(n_classes)]
        support = np.concatenate(in_support).astype(np.int32)
        n_support = np.array([len(s) for s in in_support], dtype=np.int32)
        position = np.full(X.shape[0], -1)
        position[support] = np.arange(len(support))
        # dual_coef_[b−1] holds class a's coefficients and dual_coef_[a] class b's, for a < b
        dual_coef = np.zeros((n_classes - 1, len(support)))
        pair = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                rows, coefficients = pair_coefficients[pair]
                from_a = np.arange(len(rows)) < len(members[a])
                for row, part in ((b - 1, from_a), (a, ~from_a)):
                    chosen = part & nonzero[rows]
                    dual_coef[row, position[rows[chosen]]] = coefficients[chosen]
                pair += 1
        self.support_ = support
        self.support_vectors_ = data[support]
        self._support_units = X[support]
        self.n_support_ = n_support
        self._dual_coef_ = dual_coef
        self._rho = rhos
        self._support_class = np.repeat(np.arange(n_classes), n_support)
        if self.kernel == "linear" and self._unit != 1.0:
            with np.errstate(under="ignore"):
                dual_coef = dual_coef / self._unit / self._unit
        if n_classes == 2:  # scikit-learn's sign convention: positive decision → classes_[1]
            self.dual_coef_ = -dual_coef
            self.intercept_ = rhos.copy()
        else:
            self.dual_coef_ = dual_coef
            self.intercept_ = -rhos

    # ---- Platt scaling ------------------------------------------------------------------------

    def _platt_for_pair(self, X_pair, gram_pair, signs, upper_bounds, random_state):
        """(A, B) fitted to 5-fold cross-validated decision values of this pair."""
        n = X_pair.shape[0]
        permutation = random_state.permutation(n)
        decision = np.empty(n)
        for fold in range(_N_FOLDS):
            begin, end = fold * n // _N_FOLDS, (fold + 1) * n // _N_FOLDS
            held_out = permutation[begin:end]
            train = np.concatenate([permutation[:begin], permutation[end:]])
            positives = np.count_nonzero(signs[train] > 0)
            negatives = len(train) - positives
            if positives == 0 or negatives == 0:
                decision[held_out] = 0.0 if len(train) == 0 else (1.0 if positives else -1.0)
                continue
            train_gram = gram_pair[np.ix_(train, train)] if gram_pair is not None else None
            coefficients, rho, _, _ = self._solve_pair(
                X_pair[train], train_gram, signs[train], upper_bounds[train]
            )
            if gram_pair is not None:
                cross = gram_pair[np.ix_(held_out, train)]
            else:
                cross = self._kernel_matrix(X_pair[held_out], X_pair[train])
            decision[held_out] = cross @ coefficients - rho
        return fit_sigmoid(decision, signs)

    # ---- prediction ---------------------------------------------------------------------------

    def _pair_decisions(self, X) -> np.ndarray:
        """libsvm's decision values (n_samples, n_pairs): positive → the first class of the pair."""
        check_is_fitted(self)
        X = self._in_units(check_predict_data(self, X, dtype=np.float64))
        kernel = self._kernel_matrix(X, self._support_units)
        n_classes = len(self.classes_)
        decisions = np.empty((X.shape[0], n_classes * (n_classes - 1) // 2))
        pair = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                in_a = self._support_class == a
                in_b = self._support_class == b
                decisions[:, pair] = (
                    kernel[:, in_a] @ self._dual_coef_[b - 1, in_a]
                    + kernel[:, in_b] @ self._dual_coef_[a, in_b]
                    - self._rho[pair]
                )
                pair += 1
        return decisions

    def decision_function(self, X) -> np.ndarray:
        """Binary: (n_samples,), positive → classes_[1]. Multiclass: one-vs-one values, or
        votes plus bounded confidences (shape "ovr")."""
        decisions = self._pair_decisions(X)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return -decisions[:, 0]
        if self.decision_function_shape == "ovo":
            return decisions
        return ovr_from_ovo(decisions, n_classes)

    def predict(self, X) -> np.ndarray:
        """One-vs-one voting; ties go to the class with the smaller index (libsvm)."""
        decisions = self._pair_decisions(X)
        return self.classes_[np.argmax(_votes(decisions, len(self.classes_)), axis=1)]

    def _has_probability(self) -> bool:
        if not self.probability:
            raise AttributeError("predict_proba is available only when probability=True.")
        return True

    @available_if(_has_probability)
    def predict_proba(self, X) -> np.ndarray:
        """Pairwise Platt probabilities coupled into class probabilities (n_samples, k)."""
        decisions = self._pair_decisions(X)
        n_classes = len(self.classes_)
        pairwise = np.zeros((decisions.shape[0], n_classes, n_classes))
        pair = 0
        min_probability = 1e-7
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                r = sigmoid_probability(decisions[:, pair] * self.probA_[pair] + self.probB_[pair])
                r = np.clip(r, min_probability, 1 - min_probability)
                pairwise[:, a, b] = r
                pairwise[:, b, a] = 1 - r
                pair += 1
        return couple_pairwise(pairwise)

    @available_if(_has_probability)
    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(self.predict_proba(X))

    @property
    def coef_(self) -> np.ndarray:
        """Primal weights w = Σ_i y_i α_i x_i per pair (linear kernel only)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when kernel='linear'.")
        check_is_fitted(self)
        n_classes = len(self.classes_)
        sign = -1.0 if n_classes == 2 else 1.0  # _dual_coef_ is libsvm's, before the flip
        coef = []
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                in_a = self._support_class == a
                in_b = self._support_class == b
                coef.append(
                    self._dual_coef_[b - 1, in_a] @ self._support_units[in_a]
                    + self._dual_coef_[a, in_b] @ self._support_units[in_b]
                )
        # w' in the units X / c is c w: divide back
        return sign * np.array(coef) / self._unit

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = False
        return tags


def _votes(decisions: np.ndarray, n_classes: int) -> np.ndarray:
    votes = np.zeros((decisions.shape[0], n_classes), dtype=np.int64)
    pair = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            wins_a = decisions[:, pair] > 0
            votes[:, a] += wins_a
            votes[:, b] += ~wins_a
            pair += 1
    return votes


def ovr_from_ovo(decisions: np.ndarray, n_classes: int) -> np.ndarray:
    """Votes plus summed pairwise confidences squashed into (−1/3, 1/3) (scikit-learn's "ovr")."""
    confidence = np.zeros((decisions.shape[0], n_classes))
    pair = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            confidence[:, a] += decisions[:, pair]
            confidence[:, b] -= decisions[:, pair]
            pair += 1
    return _votes(decisions, n_classes) + confidence / (3 * (np.abs(confidence) + 1))
