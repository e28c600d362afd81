"""Post-processing: group-specific randomised thresholds (Hardt, Price & Srebro 2016).

Given a fitted score s(x) and the groups A, choose for each group a randomised threshold rule
so that a fairness constraint holds exactly on the training data and the objective is as large
as possible. For group a with weight n_a, positives P_a and negatives N_a, a rule is summarised
by its shares u_a = TP_a / n_a and v_a = FP_a / n_a; randomising between thresholds reaches the
convex hull H_a of the threshold points (``_hull``). Every rate is linear in (u_a, v_a):

    selection rate  u + v          TPR  u n_a / P_a          FPR  v n_a / N_a
    accuracy        u + N_a / n_a - v                       balanced accuracy (TPR + 1 - FPR)/2

so with lambda_{a,j} >= 0 the weights of H_a's vertices (u_{a,j}, v_{a,j}) the problem is the
linear program

    maximise    Σ_a (n_a / n) objective_a(Σ_j lambda_{a,j} (u_{a,j}, v_{a,j}))
    subject to  Σ_j lambda_{a,j} = 1                                    for every group a
                t <= c_a(Σ_j lambda_{a,j} (u_{a,j}, v_{a,j})) <= t + tolerance   for every a

for each constrained rate c (the selection rate for demographic parity, TPR and FPR for
equalized odds, ...), t a free variable. It is solved exactly by ``scipy.optimize.linprog``
(HiGHS). The decision for a row of group a with score s is 1 with probability
Σ_j lambda_{a,j} [s > t_j] (or [s < t_j] for flipped rules): ``predict_proba`` returns that
probability and ``predict`` samples it.

fairlearn solves the same problem by evaluating the hulls on a grid of 1,000 constraint values;
the LP is exact and needs no grid.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_seed, fail
from glassml.fairness._groups import (
    Groups,
    check_binary,
    check_groups,
    check_length,
    check_sample_weight,
    delegate,
)
from glassml.fairness._hull import hull_vertices, threshold_points

CONSTRAINTS = {
    "demographic_parity": ("selection_rate",),
    "selection_rate_parity": ("selection_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
    "true_positive_rate_parity": ("true_positive_rate",),
    "equal_opportunity": ("true_positive_rate",),
    "false_positive_rate_parity": ("false_positive_rate",),
    "true_negative_rate_parity": ("true_negative_rate",),
    "false_negative_rate_parity": ("false_negative_rate",),
}
OBJECTIVES = (
    "accuracy_score",
    "balanced_accuracy_score",
    "selection_rate",
    "true_positive_rate",
    "true_negative_rate",
)


def _rate_row(name: str, n: float, positives: float, negatives: float) -> tuple:
    """(coefficient of u, coefficient of v, constant) of a rate in a group's shares (u, v)."""
    if name == "selection_rate":
        return 1.0, 1.0, 0.0
    if name == "accuracy_score":
        return 1.0, -1.0, negatives / n
    if name in ("true_positive_rate", "false_negative_rate"):
        sign = 1.0 if name == "true_positive_rate" else -1.0
        return sign * n / positives, 0.0, 0.0 if sign > 0 else 1.0
    if name in ("false_positive_rate", "true_negative_rate"):
        sign = 1.0 if name == "false_positive_rate" else -1.0
        return 0.0, sign * n / negatives, 0.0 if sign > 0 else 1.0
    # balanced accuracy: (TPR + TNR) / 2
    return 0.5 * n / positives, -0.5 * n / negatives, 0.5


def _needs(names: tuple[str, ...]) -> tuple[bool, bool]:
    """Whether the rates need positives / negatives in every group."""
    positives = any(
        n in ("true_positive_rate", "false_negative_rate", "balanced_accuracy_score") for n in names
    )
    negatives = any(
        n in ("false_positive_rate", "true_negative_rate", "balanced_accuracy_score") for n in names
    )
    return positives, negatives


def scores_of(estimator: Any, X: Any, predict_method: str) -> np.ndarray:
    """The estimator's score for the positive class: predict_proba[:, 1], decision_function or
    predict ("auto" takes the first available)."""
    methods = (
        ("predict_proba", "decision_function", "predict")
        if predict_method == "auto"
        else (predict_method,)
    )
    for method in methods:
        if hasattr(estimator, method):
            values = np.asarray(delegate(estimator, method, X), dtype=np.float64)
            if method == "predict_proba":
                if values.ndim != 2 or values.shape[1] != 2:
                    raise fail("estimator", "a binary classifier (two probability columns)", values)
                values = values[:, 1]
            values = values.reshape(-1) if values.ndim == 2 and values.shape[1] == 1 else values
            if values.ndim != 1:
                raise fail("estimator", f"one {method} score per row", values)
            if not np.all(np.isfinite(values)):
                raise fail("estimator", f"finite {method} scores", values)
            return values
    raise fail("estimator", f"an estimator with {' or '.join(methods)}", estimator)


class ThresholdOptimizer(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Group-specific randomised thresholds on a score, chosen by an exact linear program.

    For each group a the decision rule mixes threshold rules "score > t" with weights
    lambda_{a,j} on the vertices of the group's convex hull of (TP share, FP share) points, and

        maximise  Σ_a (n_a / n) objective_a   subject to   t <= c_a <= t + tolerance

    for every constrained rate c_a (selection rate, TPR, FPR...) is solved by
    ``scipy.optimize.linprog``; the decision is 1 with probability
    P(Ŷ = 1 | s, A = a) = Σ_j lambda_{a,j} [s > t_j] (``predict_proba``), and ``predict`` draws it.

    Parameters
    ----------
    estimator : classifier, default=None
        Provides the score (None: ``glassml.linear.LogisticRegression()``).
    constraints : str, default="demographic_parity"
        "demographic_parity", "equalized_odds", "true_positive_rate_parity" (also
        "equal_opportunity"), "false_positive_rate_parity", "true_negative_rate_parity",
        "false_negative_rate_parity".
    objective : str, default="accuracy_score"
        "accuracy_score", "balanced_accuracy_score", "selection_rate",
        "true_positive_rate" or "true_negative_rate"; each group's value weighted by its share.
    tolerance : float, default=0.0
        Largest allowed difference of the constrained rates between groups.
    flip : bool, default=False
        Also allow rules "score < t" (useful when the score is worse than chance in a group).
    prefit : bool, default=False
        Use ``estimator`` as fitted instead of fitting a clone on (X, y).
    predict_method : {"auto", "predict_proba", "decision_function", "predict"}

    Attributes
    ----------
    estimator_ : the score's estimator
    rules_ : dict group -> DataFrame with columns ``threshold``, ``operation`` (">" or "<"),
        ``weight`` (the rule's probability), the group's randomised threshold.
    objective_value_ : float
        The objective of the randomised rule on the training data (its expectation).
    constraint_values_ : DataFrame
        The constrained rates of each group (rows) on the training data.
    classes_ : ndarray [0, 1]

    References
    ----------
    Hardt, Price & Srebro (2016), "Equality of opportunity in supervised learning", NeurIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.fairness import ThresholdOptimizer
    >>> rng = np.random.default_rng(0)
    >>> group = rng.integers(0, 2, 400); X = rng.normal(size=(400, 2)) + group[:, None]
    >>> y = (X[:, 0] + rng.normal(size=400) > 0.5).astype(int)
    >>> model = ThresholdOptimizer(constraints="demographic_parity").fit(
    ...     X, y, sensitive_features=group)
    >>> rates = model.constraint_values_["selection_rate"]
    >>> bool(abs(rates.iloc[0] - rates.iloc[1]) < 1e-9)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [HasMethods(["fit"]), HasMethods(["predict"]), None],
        "constraints": [StrOptions(set(CONSTRAINTS))],
        "objective": [StrOptions(set(OBJECTIVES))],
        "tolerance": [Interval(numbers.Real, 0, 1, closed="both")],
        "flip": ["boolean"],
        "prefit": ["boolean"],
        "predict_method": [StrOptions({"auto", "predict_proba", "decision_function", "predict"})],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        constraints: str = "demographic_parity",
        objective: str = "accuracy_score",
        tolerance: float = 0.0,
        flip: bool = False,
        prefit: bool = False,
        predict_method: str = "auto",
    ) -> None:
        self.estimator = estimator
        self.constraints = constraints
        self.objective = objective
        self.tolerance = tolerance
        self.flip = flip
        self.prefit = prefit
        self.predict_method = predict_method

    # ------------------------------------------------------------------ fit
    def fit(
        self, X: Any, y: Any, *, sensitive_features: Any, sample_weight: Any = None
    ) -> ThresholdOptimizer:
        """Fit the score (unless ``prefit``), then solve the LP for the groups' rules."""
        self._validate_params()
        if self.constraints in ("equalized_odds",) and self.objective not in (
            "accuracy_score",
            "balanced_accuracy_score",
        ):
            raise fail(
                "objective",
                "'accuracy_score' or 'balanced_accuracy_score' with equalized odds",
                self.objective,
            )
        labels = check_binary(y, "y")
        if np.unique(labels).size < 2:
            raise fail("y", "both labels 0 and 1", f"only {int(labels[0])}")
        n_samples = labels.shape[0]
        groups = check_groups(sensitive_features, n_samples)
        weights = check_sample_weight(sample_weight, n_samples)
        if self.prefit:
            if self.estimator is None:
                raise fail("estimator", "a fitted estimator when prefit=True", None)
            check_is_fitted(self.estimator)
            self.estimator_ = self.estimator
        else:
            from glassml.fairness._preprocessing import _default_estimator

            estimator = _default_estimator() if self.estimator is None else clone(self.estimator)
            fit_weights = None if sample_weight is None else weights
            self.estimator_ = (
                delegate(estimator, "fit", X, labels.astype(int))
                if fit_weights is None
                else delegate(estimator, "fit", X, labels.astype(int), sample_weight=fit_weights)
            )
        scores = check_length(scores_of(self.estimator_, X, self.predict_method), n_samples, "X")
        self._groups = groups
        self._solve(scores, labels, weights, groups)
        self.classes_ = np.array([0, 1])
        return self

    def _group_points(self, scores, labels, weights, rows, label):
        tp, fp, thresholds = threshold_points(scores[rows], labels[rows], weights[rows])
        n = float(weights[rows].sum())
        positives, negatives = float(tp[-1]), float(fp[-1])
        operations = np.full(tp.size, ">", dtype=object)
        u, v = tp / n, fp / n
        if self.flip:
            u = np.concatenate([u, (positives - tp) / n])
            v = np.concatenate([v, (negatives - fp) / n])
            thresholds = np.concatenate([thresholds, thresholds])
            operations = np.concatenate([operations, np.full(tp.size, "<", dtype=object)])
        vertices = hull_vertices(u, v)
        return {
            "label": label,
            "n": n,
            "positives": positives,
            "negatives": negatives,
            "u": u[vertices],
            "v": v[vertices],
            "thresholds": thresholds[vertices],
            "operations": operations[vertices],
        }

    def _solve(self, scores, labels, weights, groups: Groups) -> None:
        rated = CONSTRAINTS[self.constraints]
        needs_positive, needs_negative = _needs((*rated, self.objective))
        points = []
        for label, rows in zip(groups.index, groups.rows(), strict=True):
            point = self._group_points(scores, labels, weights, rows, label)
            if (needs_positive and not point["positives"] > 0) or (
                needs_negative and not point["negatives"] > 0
            ):
                kind = "positive" if needs_positive and not point["positives"] > 0 else "negative"
                raise ValueError(
                    f"y: group {label!r} has no {kind} labels, so the rates that "
                    f"constraints={self.constraints!r} / objective={self.objective!r} use are "
                    "undefined there"
                )
            points.append(point)
        total = sum(point["n"] for point in points)
        sizes = [point["u"].size for point in points]
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        n_lambda = int(offsets[-1])
        n_rated = len(rated)
        n_variables = n_lambda + n_rated  # the lambdas, then one free level t per rate

        cost = np.zeros(n_variables)
        constant = 0.0
        equality = np.zeros((len(points), n_variables))
        upper_rows, upper_bounds = [], []
        for a, point in enumerate(points):
            block = slice(offsets[a], offsets[a + 1])
            args = (point["n"], point["positives"], point["negatives"])
            cu, cv, c0 = _rate_row(self.objective, *args)
            share = point["n"] / total
            cost[block] = -share * (cu * point["u"] + cv * point["v"])  # linprog minimises
            constant += share * c0
            equality[a, block] = 1.0
            for k, name in enumerate(rated):
                ru, rv, r0 = _rate_row(name, *args)
                rate = np.zeros(n_variables)
                rate[block] = ru * point["u"] + rv * point["v"]
                # t <= rate_a <= t + tolerance, with rate_a = rate . x + r0
                below = -rate.copy()
                below[n_lambda + k] = 1.0
                upper_rows.append(below)
                upper_bounds.append(r0)
                above = rate.copy()
                above[n_lambda + k] = -1.0
                upper_rows.append(above)
                upper_bounds.append(float(self.tolerance) - r0)
        bounds = [(0.0, None)] * n_lambda + [(None, None)] * n_rated
        result = linprog(
            cost,
            A_ub=np.array(upper_rows),
            b_ub=np.array(upper_bounds),
            A_eq=equality,
            b_eq=np.ones(len(points)),
            bounds=bounds,
            method="highs",
        )
        if result.status != 0:  # the all-0 and all-1 rules are always feasible
            raise RuntimeError(f"ThresholdOptimizer: the linear program failed ({result.message})")
        weights_lambda = np.clip(result.x[:n_lambda], 0.0, None)
        self.objective_value_ = float(constant - result.fun)
        self.rules_ = {}
        self._rules = []
        constraint_values = []
        for a, point in enumerate(points):
            lam = weights_lambda[offsets[a] : offsets[a + 1]]
            lam = lam / lam.sum()
            used = lam > 1e-12
            rule = pd.DataFrame(
                {
                    "threshold": point["thresholds"][used],
                    "operation": point["operations"][used],
                    "weight": lam[used] / lam[used].sum(),
                }
            )
            self.rules_[point["label"]] = rule
            self._rules.append(rule)
            u, v = float(lam @ point["u"]), float(lam @ point["v"])
            args = (point["n"], point["positives"], point["negatives"])
            constraint_values.append(
                [ru * u + rv * v + r0 for ru, rv, r0 in (_rate_row(name, *args) for name in rated)]
            )
        self.constraint_values_ = pd.DataFrame(
            constraint_values, index=groups.index, columns=list(rated)
        )

    # ------------------------------------------------------------------ predict
    def _positive_probability(self, X: Any, sensitive_features: Any) -> np.ndarray:
        check_is_fitted(self, "rules_")
        scores = scores_of(self.estimator_, X, self.predict_method)
        codes = self._groups.codes_of(sensitive_features)
        if codes.shape[0] != scores.shape[0]:
            raise ValueError(
                f"sensitive_features: expected one group per row of X ({scores.shape[0]}), got "
                f"{codes.shape[0]}"
            )
        probability = np.zeros(scores.shape[0])
        for code, rule in enumerate(self._rules):
            rows = np.flatnonzero(codes == code)
            for threshold, operation, weight in rule.itertuples(index=False):
                hit = scores[rows] > threshold if operation == ">" else scores[rows] < threshold
                probability[rows] += weight * hit
        return np.clip(probability, 0.0, 1.0)

    def predict_proba(self, X: Any, *, sensitive_features: Any) -> np.ndarray:
        """``[1 - p, p]`` with p = P(decision = 1 | x, group) of the randomised rule."""
        positive = self._positive_probability(X, sensitive_features)
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: Any, *, sensitive_features: Any, random_state: Any = None) -> np.ndarray:
        """Decisions drawn from the randomised rule: 1 with probability P(decision = 1 | x)."""
        positive = self._positive_probability(X, sensitive_features)
        rng = check_seed(random_state)
        return (rng.random_sample(positive.shape[0]) < positive).astype(int)
