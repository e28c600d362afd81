"""Calibration diagnostics, temperature scaling, and decision thresholds.

A forecast p of P(y = 1) is calibrated when, among the cases forecast p, a fraction p are
positive. With forecasts grouped into bins k (n_k cases, mean forecast f_k, observed
frequency o_k, overall frequency o):

    reliability curve                o_k against f_k
    expected calibration error       ECE = sum_k (n_k / n) |o_k - f_k|
    Brier score                      BS = (1/n) sum_i (p_i - y_i)^2
    Murphy's decomposition (1973)    BS = REL - RES + UNC,
        REL = sum_k (n_k/n) (f_k - o_k)^2,  RES = sum_k (n_k/n) (o_k - o)^2,  UNC = o (1 - o)

The identity is exact when every bin holds a single forecast value (``bins=None``: the bins are
the distinct forecasts); with coarser bins a within-bin term remains and is reported.

Temperature scaling (Guo et al. 2017) divides multiclass logits z by one T > 0 fitted by
minimising the negative log-likelihood NLL(T) = (1/n) sum_i [logsumexp(z_i / T) - z_{i,y_i}/T];
with t = log T and s = z / T, dNLL/dt = -(1/n) sum_i (E_softmax(s_i)[s_i] - s_{i,y_i}).
Platt scaling and isotonic regression are scikit-learn's ``CalibratedClassifierCV``.

Thresholds: predict positive when score >= t. ``cost_optimal_threshold`` minimises
cost_fp FP(t) + cost_fn FN(t) over the distinct scores; ``threshold_for_precision`` is the
lowest threshold whose precision reaches the target (most recall), ``threshold_for_recall``
the highest whose recall reaches it (most precision).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax, softmax

from glassml._validation import (
    check_count,
    check_named_array,
    check_option,
    check_probability,
    check_scalar,
    fail,
)
from glassml.optim import minimize


def _binary_and_probabilities(y_true, y_prob, prob_name: str = "y_prob"):
    y = check_named_array(y_true, "y_true", ensure_2d=False, dtype=None)
    if y.dtype.kind not in "biuf":
        raise fail("y_true", "binary labels 0 and 1", y)
    p = check_named_array(y_prob, prob_name, ensure_2d=False, dtype=np.float64)
    if y.ndim != 1 or p.ndim != 1:
        raise fail("y_true, " + prob_name, "1-D arrays", (y.shape, p.shape))
    if y.shape != p.shape:
        raise fail(prob_name, f"{y.size} values, one per label in y_true", p.shape)
    if y.size == 0:
        raise fail("y_true", "at least one label", y.size)
    labels = np.unique(y)
    if not np.all(np.isin(labels, [0, 1])):
        raise fail("y_true", "binary labels 0 and 1", labels)
    return y.astype(np.float64), p


def _check_probabilities(p: np.ndarray, name: str) -> None:
    if np.any(p < 0) or np.any(p > 1):
        raise fail(name, "probabilities in [0, 1]", p)


def _bin_index(p: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    if strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    # As scikit-learn's calibration_curve: inner edges, right-closed bins.
    return np.searchsorted(edges[1:-1], p, side="right")


@dataclass(frozen=True)
class ReliabilityCurve:
    """Per non-empty bin: observed frequency, mean forecast and count."""

    prob_true: np.ndarray
    prob_pred: np.ndarray
    counts: np.ndarray


def reliability_curve(
    y_true, y_prob, *, n_bins: int = 10, strategy: str = "uniform"
) -> ReliabilityCurve:
    """Observed frequency against mean forecast per bin (empty bins dropped).

    ``strategy="uniform"`` cuts [0, 1] into equal-width bins, ``"quantile"`` into bins of equal
    counts. ``prob_true`` and ``prob_pred`` equal scikit-learn's ``calibration_curve``.

    Examples
    --------
    >>> curve = reliability_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], n_bins=2)
    >>> curve.prob_true.tolist(), curve.counts.tolist()
    ([0.3333333333333333, 1.0], [3, 1])
    """
    y, p = _binary_and_probabilities(y_true, y_prob)
    _check_probabilities(p, "y_prob")
    n_bins = check_count(n_bins, "n_bins")
    strategy = check_option(strategy, "strategy", ("uniform", "quantile"))
    index = _bin_index(p, n_bins, strategy)
    counts = np.bincount(index, minlength=n_bins)
    sums_true = np.bincount(index, weights=y, minlength=n_bins)
    sums_pred = np.bincount(index, weights=p, minlength=n_bins)
    filled = counts > 0
    return ReliabilityCurve(
        prob_true=sums_true[filled] / counts[filled],
        prob_pred=sums_pred[filled] / counts[filled],
        counts=counts[filled],
    )


def expected_calibration_error(
    y_true, y_prob, *, n_bins: int = 10, strategy: str = "uniform"
) -> float:
    """ECE = sum_k (n_k / n) |o_k - f_k| over the bins of :func:`reliability_curve`.

    Examples
    --------
    >>> round(expected_calibration_error([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], n_bins=2), 4)
    0.0875
    """
    curve = reliability_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    weights = curve.counts / curve.counts.sum()
    return float(np.sum(weights * np.abs(curve.prob_true - curve.prob_pred)))


@dataclass(frozen=True)
class BrierDecomposition:
    """BS = reliability - resolution + uncertainty + within_bin (within_bin = 0 for
    ``bins=None``)."""

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin: float


def brier_decomposition(y_true, y_prob, bins: int | None = None) -> BrierDecomposition:
    """Murphy's (1973) decomposition of the Brier score into reliability, resolution and
    uncertainty.

    With ``bins=None`` each distinct forecast value is its own bin and
    reliability - resolution + uncertainty equals the Brier score exactly (to rounding);
    with ``bins=k`` (equal-width) the forecasts in a bin are replaced by their mean and the
    remainder (1/n) sum_i (p_i - f_k(i))^2 ... (the within-bin variance and covariance terms)
    is reported as ``within_bin``, so the four parts still add up to the Brier score.

    Examples
    --------
    >>> parts = brier_decomposition([0, 1, 1, 0, 1], [0.2, 0.8, 0.8, 0.2, 0.2])
    >>> round(parts.reliability - parts.resolution + parts.uncertainty, 6), round(parts.brier, 6)
    (0.16, 0.16)
    """
    y, p = _binary_and_probabilities(y_true, y_prob)
    _check_probabilities(p, "y_prob")
    if bins is None:
        _, index = np.unique(p, return_inverse=True)
    else:
        index = _bin_index(p, check_count(bins, "bins"), "uniform")
    n = y.size
    counts = np.bincount(index)
    filled = counts > 0
    observed = np.bincount(index, weights=y)[filled] / counts[filled]
    forecast = np.bincount(index, weights=p)[filled] / counts[filled]
    weights = counts[filled] / n
    base_rate = y.mean()
    brier = float(np.mean((p - y) ** 2))
    reliability = float(np.sum(weights * (forecast - observed) ** 2))
    resolution = float(np.sum(weights * (observed - base_rate) ** 2))
    uncertainty = float(base_rate * (1 - base_rate))
    return BrierDecomposition(
        brier=brier,
        reliability=reliability,
        resolution=resolution,
        uncertainty=uncertainty,
        within_bin=brier - (reliability - resolution + uncertainty),
    )


# --------------------------------------------------------------------------- temperature


class TemperatureScaling:
    """Calibrate multiclass logits by one temperature T: p = softmax(z / T).

    T minimises the negative log-likelihood on held-out logits,
    NLL(t) = (1/n) sum_i [logsumexp(z_i e^-t) - z_{i,y_i} e^-t] with t = log T, by L-BFGS
    (``glassml.optim``) with the derivative dNLL/dt = -(1/n) sum_i (sum_k p_ik s_ik - s_{i,y_i}),
    s = z / T. Argmax predictions never change; only confidence does.

    Not a scikit-learn estimator: it maps logits (one column per class, ``y`` the column index)
    rather than features, so it sits after a model, not in a pipeline.

    Reference: Guo, Pleiss, Sun & Weinberger (2017), On calibration of modern neural networks.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 500)
    >>> logits = rng.normal(size=(500, 3)); logits[np.arange(500), y] += 1.0
    >>> scaler = TemperatureScaling().fit(3 * logits, y)  # over-confident by a factor 3
    >>> bool(2.4 < scaler.temperature_ < 3.6)
    True
    """

    def __init__(self, max_iter: int = 100) -> None:
        self.max_iter = check_count(max_iter, "max_iter")

    @staticmethod
    def _check_logits(logits, name: str = "logits") -> np.ndarray:
        z = check_named_array(logits, name, dtype=np.float64)
        if z.shape[1] < 2:
            raise fail(name, "one column per class (at least 2)", z)
        return z

    def negative_log_likelihood(self, log_temperature: float, logits, y) -> tuple[float, float]:
        """NLL at t = log T and dNLL/dt."""
        t = check_scalar(log_temperature, "log_temperature")
        z, labels = self._check_fit_data(logits, y)
        value, derivative = self._nll(t, z, labels)
        if not (np.isfinite(value) and np.isfinite(derivative)):
            raise fail("logits", "logits whose ratio to the temperature is finite", z)
        return value, derivative

    @staticmethod
    def _nll(log_temperature: float, logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        s = logits * np.exp(-log_temperature)
        log_p = log_softmax(s, axis=1)
        rows = np.arange(len(y))
        value = -float(np.mean(log_p[rows, y]))
        expected = np.sum(np.exp(log_p) * s, axis=1)
        return value, -float(np.mean(expected - s[rows, y]))

    def _check_fit_data(self, logits, y) -> tuple[np.ndarray, np.ndarray]:
        z = self._check_logits(logits)
        labels = check_named_array(y, "y", ensure_2d=False, dtype=None)
        if labels.shape != (z.shape[0],):
            raise fail("y", f"{z.shape[0]} class indices, one per row of logits", labels.shape)
        if labels.dtype.kind not in "iu" and not (
            labels.dtype.kind == "f" and np.all(labels == np.round(labels))
        ):
            raise fail("y", "integer class indices (columns of logits)", labels)
        labels = labels.astype(np.intp)
        if labels.min() < 0 or labels.max() >= z.shape[1]:
            raise fail("y", f"class indices in [0, {z.shape[1] - 1}]", labels)
        return z, labels

    def fit(self, logits, y) -> TemperatureScaling:
        """Fit T on held-out logits (one column per class) and class indices y."""
        z, labels = self._check_fit_data(logits, y)
        # Scale the logits so t starts near its optimum at any input scale (1e-300 .. 1e300):
        # NLL(z, T) = NLL(z / c, T / c), so fit on z / c and multiply T back by c.
        c = float(np.max(np.abs(z)))
        if not c > 0:
            raise fail("logits", "logits that are not all zero", z)
        scaled = z / c

        def objective(t):
            value, derivative = self._nll(float(t[0]), scaled, labels)
            return value, np.array([derivative])

        result = minimize(
            objective, np.zeros(1), method="lbfgs", jac=True, tol=1e-10, max_iter=self.max_iter
        )
        self.temperature_ = float(np.exp(result.x[0]) * c)
        self.n_iter_ = result.nit
        self.history_ = result.history
        return self

    def predict_proba(self, logits) -> np.ndarray:
        """softmax(z / T), one row per case."""
        if not hasattr(self, "temperature_"):
            raise fail("self", "a fitted TemperatureScaling (call fit first)", "unfitted")
        z = self._check_logits(logits)
        return softmax(z / self.temperature_, axis=1)

    def __repr__(self) -> str:
        return f"TemperatureScaling(max_iter={self.max_iter})"


# --------------------------------------------------------------------------- thresholds


def _binary_scores(y_true, scores):
    y, s = _binary_and_probabilities(y_true, scores, "scores")
    if y.min() == y.max():
        raise fail("y_true", "both classes 0 and 1", np.unique(y))
    return y, s


def _confusion_by_threshold(y: np.ndarray, s: np.ndarray):
    """For each distinct score t (descending): TP and FP when predicting s >= t."""
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    last_of_value = np.r_[np.nonzero(np.diff(s_sorted))[0], s_sorted.size - 1]
    tp = np.cumsum(y_sorted)[last_of_value]
    fp = (last_of_value + 1) - tp
    return s_sorted[last_of_value], tp, fp


def cost_optimal_threshold(y_true, scores, cost_fp: float = 1.0, cost_fn: float = 1.0) -> float:
    """The threshold t minimising cost_fp FP(t) + cost_fn FN(t) (predict positive if s >= t).

    Every distinct score is tried, and so is predicting nothing positive, returned as
    ``inf`` when it is the cheapest.

    Examples
    --------
    >>> cost_optimal_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], cost_fp=1, cost_fn=5)
    0.4
    """
    y, s = _binary_scores(y_true, scores)
    cost_fp = check_scalar(cost_fp, "cost_fp", low=0.0)
    cost_fn = check_scalar(cost_fn, "cost_fn", low=0.0)
    thresholds, tp, fp = _confusion_by_threshold(y, s)
    positives = y.sum()
    costs = cost_fp * fp + cost_fn * (positives - tp)
    never = cost_fn * positives  # predict no positives at all
    best = int(np.argmin(costs))
    return float(np.inf) if never < costs[best] else float(thresholds[best])


def threshold_for_precision(y_true, scores, precision: float) -> float:
    """The lowest threshold whose precision TP / (TP + FP) is at least ``precision``.

    Lowest, so recall is as high as that precision allows. ``ValueError`` if no threshold
    reaches it.

    Examples
    --------
    >>> threshold_for_precision([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.9, 0.8], precision=0.75)
    0.4
    """
    y, s = _binary_scores(y_true, scores)
    target = check_probability(precision, "precision", open_interval=False)
    thresholds, tp, fp = _confusion_by_threshold(y, s)
    reached = np.nonzero(tp / (tp + fp) >= target)[0]
    if reached.size == 0:
        best = float(np.max(tp / (tp + fp)))
        raise fail("precision", f"a level some threshold reaches (best {best:.3g})", precision)
    return float(thresholds[reached[-1]])


def threshold_for_recall(y_true, scores, recall: float) -> float:
    """The highest threshold whose recall TP / P is at least ``recall`` (most precision).

    Examples
    --------
    >>> threshold_for_recall([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.9, 0.8], recall=0.6)
    0.8
    """
    y, s = _binary_scores(y_true, scores)
    target = check_probability(recall, "recall", open_interval=False)
    thresholds, tp, _ = _confusion_by_threshold(y, s)
    reached = np.nonzero(tp / y.sum() >= target)[0]
    return float(thresholds[reached[0]])
