"""Group fairness metrics of binary decisions (Hardt, Price & Srebro 2016; Barocas, Hardt &
Narayanan 2023, "Fairness and Machine Learning", ch. 3).

For decisions Ŷ in {0, 1}, labels Y in {0, 1}, weights w and groups A = a, each rate is a
ratio of weighted counts within the group:

    selection rate       P(Ŷ = 1 | A = a)          = Σ w Ŷ / Σ w
    true positive rate   P(Ŷ = 1 | Y = 1, A = a)   = Σ w Ŷ Y / Σ w Y
    false positive rate  P(Ŷ = 1 | Y = 0, A = a)   = Σ w Ŷ (1 - Y) / Σ w (1 - Y)
    false negative rate  1 - TPR,   true negative rate  1 - FPR

that is, in the group's weighted confusion table (TP, FP, FN, TN): (TP + FP) / (TP + FP + FN
+ TN), TP / (TP + FN), FP / (FP + TN), FN / (TP + FN) and TN / (FP + TN). The table is
counted once (``_confusion_by_group``) and every rate is a ratio of its cells (``rate_parts``).

A criterion compares a rate across groups: demographic parity the selection rate, equal
opportunity the TPR, equalized odds both TPR and FPR (the worse of the two, or their mean).
``difference`` is max_a r_a - min_a r_a ("between_groups") or max_a |r_a - r| ("to_overall",
r the overall rate); ``ratio`` is min_a r_a / max_a r_a or min_a min(r_a / r, r / r_a).
The definitions and their aggregation follow fairlearn's, so the numbers agree with it.
A rate whose denominator is zero (a group without positives for the TPR) is undefined and
refused by name, as is a ratio with a zero largest rate: no silent NaN.

Calibration within groups (Kleinberg, Mullainathan & Raghavan 2017): among the rows of group a
whose score falls in bin b, the fraction of positives should equal the mean score; the
expected calibration error is Σ_b (n_ab / n_a) |mean score_ab - fraction positive_ab|.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from glassml._validation import check_count, check_option, fail
from glassml.fairness._groups import (
    Groups,
    check_binary,
    check_groups,
    check_length,
    check_sample_weight,
)

METHODS = ("between_groups", "to_overall")
AGGREGATES = ("worst_case", "mean")

# The weighted confusion table: each row adds its weight to one cell.
TP, FP, FN, TN = range(4)


def confusion_weights(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each row's weight in the cells (TP, FP, FN, TN) of the confusion table, shape (n, 4)."""
    cells = (
        y_pred * y_true,
        y_pred * (1 - y_true),
        (1 - y_pred) * y_true,
        (1 - y_pred) * (1 - y_true),
    )
    return weights[:, None] * np.column_stack(cells)


# rate name -> (cells summed above, cells summed below, what the cells below count)
_RATES = {
    "selection_rate": ((TP, FP), (TP, FP, FN, TN), "rows"),
    "true_positive_rate": ((TP,), (TP, FN), "positive labels (y_true = 1)"),
    "false_positive_rate": ((FP,), (FP, TN), "negative labels (y_true = 0)"),
    "false_negative_rate": ((FN,), (TP, FN), "positive labels (y_true = 1)"),
    "true_negative_rate": ((TN,), (FP, TN), "negative labels (y_true = 0)"),
}


def rate_parts(name: str, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of the rate ``name`` from confusion counts (..., 4): a table
    of counts per group gives the rates per group, a row's cells its share of both sums."""
    above, below, _ = _RATES[name]
    return counts[..., list(above)].sum(axis=-1), counts[..., list(below)].sum(axis=-1)


# ------------------------------------------------------------------------------ single rates
def _binary_pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    y_pred = check_binary(y_pred, "y_pred")
    y_true = check_binary(y_true, "y_true", y_pred.shape[0])
    return y_true, y_pred


def _rate(name: str, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    y_true, y_pred = _binary_pair(y_true, y_pred)
    weights = check_sample_weight(sample_weight, y_true.shape[0])
    above, below = rate_parts(name, confusion_weights(y_true, y_pred, weights).sum(axis=0))
    if not below > 0:
        what = _RATES[name][2]
        raise ValueError(f"y_true: the {name.replace('_', ' ')} is undefined without {what}")
    return float(above) / float(below)


def selection_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """Weighted fraction of positive decisions, ``Σ w Ŷ / Σ w`` (``y_true`` only for shape).

    Examples
    --------
    >>> selection_rate([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return _rate("selection_rate", y_true, y_pred, sample_weight)


def true_positive_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """``P(Ŷ = 1 | Y = 1)``: recall, sensitivity.

    Examples
    --------
    >>> true_positive_rate([1, 1, 1, 0], [1, 0, 1, 1])
    0.6666666666666666
    """
    return _rate("true_positive_rate", y_true, y_pred, sample_weight)


def false_positive_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """``P(Ŷ = 1 | Y = 0)``: fall-out.

    Examples
    --------
    >>> false_positive_rate([0, 0, 1, 0], [1, 0, 1, 0])
    0.3333333333333333
    """
    return _rate("false_positive_rate", y_true, y_pred, sample_weight)


def false_negative_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """``P(Ŷ = 0 | Y = 1) = 1 - TPR``: miss rate.

    Examples
    --------
    >>> false_negative_rate([1, 1, 0, 1], [0, 1, 0, 1])
    0.3333333333333333
    """
    return _rate("false_negative_rate", y_true, y_pred, sample_weight)


def true_negative_rate(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
    """``P(Ŷ = 0 | Y = 0) = 1 - FPR``: specificity.

    Examples
    --------
    >>> true_negative_rate([0, 0, 1, 0], [1, 0, 1, 0])
    0.6666666666666666
    """
    return _rate("true_negative_rate", y_true, y_pred, sample_weight)


# ------------------------------------------------------------------------------ by group
@dataclass(frozen=True)
class _Prepared:
    y_true: np.ndarray
    y_pred: np.ndarray
    weights: np.ndarray
    groups: Groups


def _prepare(y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any) -> _Prepared:
    y_true, y_pred = _binary_pair(y_true, y_pred)
    n_samples = y_true.shape[0]
    return _Prepared(
        y_true,
        y_pred,
        check_sample_weight(sample_weight, n_samples),
        check_groups(sensitive_features, n_samples),
    )


def _confusion_by_group(data: _Prepared) -> np.ndarray:
    """Weighted confusion counts (n_groups + 1, 4): one row per group, then the overall."""
    cells = confusion_weights(data.y_true, data.y_pred, data.weights)
    n_groups = data.groups.n_groups
    by_group = [np.bincount(data.groups.codes, cells[:, k], n_groups) for k in range(4)]
    return np.vstack([np.column_stack(by_group), cells.sum(axis=0)])


def _rates_by_group(name: str, counts: np.ndarray, groups: Groups) -> tuple[np.ndarray, float]:
    """Per-group rates (in the order of ``groups.index``) and the overall rate, from
    :func:`_confusion_by_group`'s table; a group without the rate's denominator is refused."""
    above, below = rate_parts(name, counts)
    empty = np.flatnonzero(~(below[:-1] > 0))
    if empty.size:
        group = groups.index[int(empty[0])]
        raise ValueError(
            f"y_true: the {name.replace('_', ' ')} of group {group!r} is undefined: the group has "
            f"no {_RATES[name][2]}"
        )
    return above[:-1] / below[:-1], float(above[-1] / below[-1])


def disparity_differences(values: np.ndarray, overall: np.ndarray, method: str) -> np.ndarray:
    """:func:`disparity_difference` of each row of ``values`` (rows: resamples, columns: groups)."""
    if method == "between_groups":
        return values.max(axis=1) - values.min(axis=1)
    return np.max(np.abs(values - overall[:, None]), axis=1)


def disparity_ratios(values: np.ndarray, overall: np.ndarray, method: str, what: str) -> np.ndarray:
    """:func:`disparity_ratio` of each row of ``values``."""
    if method == "between_groups":
        largest = values.max(axis=1)
        if not np.all(largest > 0):
            raise ValueError(f"y_pred: the ratio of {what} is undefined: every group's is 0")
        return values.min(axis=1) / largest
    if not np.all(overall > 0):
        raise ValueError(f"y_pred: the ratio to the overall {what} is undefined: it is 0")
    ratios = values / overall[:, None]
    with np.errstate(divide="ignore"):
        ratios = np.where(ratios > 1, 1.0 / ratios, ratios)
    return ratios.min(axis=1)


def disparity_difference(by_group: np.ndarray, overall: float, method: str) -> float:
    """max - min between groups, or the largest |group - overall|."""
    return float(disparity_differences(np.atleast_2d(by_group), np.array([overall]), method)[0])


def disparity_ratio(by_group: np.ndarray, overall: float, method: str, what: str) -> float:
    """min / max between groups, or the smallest min(group / overall, overall / group)."""
    return float(disparity_ratios(np.atleast_2d(by_group), np.array([overall]), method, what)[0])


def _parity(
    names: tuple[str, ...],
    kind: str,
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    method: str,
    sample_weight: Any,
    agg: str = "worst_case",
) -> float:
    method = check_option(method, "method", METHODS)
    agg = check_option(agg, "agg", AGGREGATES)
    data = _prepare(y_true, y_pred, sensitive_features, sample_weight)
    counts = _confusion_by_group(data)
    values = []
    for name in names:
        by_group, overall = _rates_by_group(name, counts, data.groups)
        if kind == "difference":
            values.append(disparity_difference(by_group, overall, method))
        else:
            values.append(disparity_ratio(by_group, overall, method, name.replace("_", " ")))
    if agg == "mean":
        return float(np.mean(values))
    return max(values) if kind == "difference" else min(values)


def demographic_parity_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """Largest gap in selection rate ``P(Ŷ = 1 | A = a)`` between groups (0 is parity).

    Examples
    --------
    >>> demographic_parity_difference(
    ...     [0, 1, 0, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _parity(
        ("selection_rate",),
        "difference",
        y_true,
        y_pred,
        sensitive_features,
        method,
        sample_weight,
    )


def demographic_parity_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """Smallest over largest group selection rate (1 is parity; "80 % rule": >= 0.8).

    Examples
    --------
    >>> demographic_parity_ratio(
    ...     [0, 1, 0, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _parity(
        ("selection_rate",), "ratio", y_true, y_pred, sensitive_features, method, sample_weight
    )


def equalized_odds_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
    agg: str = "worst_case",
) -> float:
    """The larger (``agg="worst_case"``) or the mean of the TPR and FPR differences.

    Examples
    --------
    >>> equalized_odds_difference([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=[0, 0, 1, 1])
    1.0
    """
    return _parity(
        ("true_positive_rate", "false_positive_rate"),
        "difference",
        y_true,
        y_pred,
        sensitive_features,
        method,
        sample_weight,
        agg,
    )


def equalized_odds_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
    agg: str = "worst_case",
) -> float:
    """The smaller (``agg="worst_case"``) or the mean of the TPR and FPR ratios.

    Examples
    --------
    >>> equalized_odds_ratio(
    ...     [1, 0, 1, 1, 0, 1], [1, 1, 1, 1, 1, 0], sensitive_features=[0, 0, 0, 1, 1, 1])
    0.5
    """
    return _parity(
        ("true_positive_rate", "false_positive_rate"),
        "ratio",
        y_true,
        y_pred,
        sensitive_features,
        method,
        sample_weight,
        agg,
    )


def equal_opportunity_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """Largest gap in true positive rate ``P(Ŷ = 1 | Y = 1, A = a)`` between groups.

    Examples
    --------
    >>> equal_opportunity_difference(
    ...     [1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _parity(
        ("true_positive_rate",),
        "difference",
        y_true,
        y_pred,
        sensitive_features,
        method,
        sample_weight,
    )


def equal_opportunity_ratio(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    method: str = "between_groups",
    sample_weight: Any = None,
) -> float:
    """Smallest over largest group true positive rate.

    Examples
    --------
    >>> equal_opportunity_ratio(
    ...     [1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _parity(
        ("true_positive_rate",), "ratio", y_true, y_pred, sensitive_features, method, sample_weight
    )


def rates_by_group(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None
) -> pd.DataFrame:
    """Count, selection rate and the four error rates of each group, and overall.

    Rates undefined in a group (a group without positive labels has no TPR) are reported as
    NaN in this table only: it is a summary, and every other rate of the group is still known.

    Examples
    --------
    >>> table = rates_by_group([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=["a", "a", "b", "b"])
    >>> table["true_positive_rate"].tolist()
    [1.0, 0.0, 0.5]
    """
    data = _prepare(y_true, y_pred, sensitive_features, sample_weight)
    columns: dict[str, Any] = {
        "count": np.append(np.bincount(data.groups.codes), data.y_true.shape[0])
    }
    counts = _confusion_by_group(data)
    for name in _RATES:
        above, below = rate_parts(name, counts)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[name] = np.where(below > 0, above / np.where(below > 0, below, 1), np.nan)
    index = [*data.groups.index, "overall"]
    return pd.DataFrame(columns, index=pd.Index(index, name="group", tupleize_cols=False))


# ------------------------------------------------------------------------------ calibration
def _calibration_bins(y_prob: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    """Bin of each score, as ``sklearn.calibration.calibration_curve`` assigns them."""
    if strategy == "quantile":
        edges = np.percentile(y_prob, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.searchsorted(edges[1:-1], y_prob)


@dataclass(frozen=True)
class CalibrationResult:
    """Reliability tables of each group and their expected calibration errors.

    ``curves``: one row per (group, non-empty bin) with ``mean_predicted``,
    ``fraction_positive`` and ``count``; ``ece``: one value per group (a Series), and
    ``difference``: the largest gap in ECE between groups.
    """

    curves: pd.DataFrame
    ece: pd.Series

    @property
    def difference(self) -> float:
        return float(self.ece.max() - self.ece.min())


def _check_probabilities(y_prob: Any, n_samples: int) -> np.ndarray:
    values = np.asarray(y_prob)
    if values.dtype.kind not in "iufb":
        raise fail("y_prob", "probabilities (real numbers in [0, 1])", values)
    values = check_length(values.astype(np.float64), n_samples, "y_prob")
    if not np.all(np.isfinite(values)) or np.any((values < 0) | (values > 1)):
        raise fail("y_prob", "probabilities in [0, 1]", values)
    return values


def expected_calibration_error(
    y_true: Any, y_prob: Any, *, n_bins: int = 10, strategy: str = "uniform"
) -> float:
    """``Σ_b (n_b / n) |mean score_b - fraction positive_b|`` over score bins.

    Examples
    --------
    >>> round(expected_calibration_error([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], n_bins=2), 6)
    0.175
    """
    y_true = check_binary(y_true, "y_true")
    y_prob = _check_probabilities(y_prob, y_true.shape[0])
    n_bins = check_count(n_bins, "n_bins")
    strategy = check_option(strategy, "strategy", ("uniform", "quantile"))
    return float(_ece_and_curve(y_true, y_prob, n_bins, strategy)[0])


def _ece_and_curve(y_true, y_prob, n_bins, strategy):
    bins = _calibration_bins(y_prob, n_bins, strategy)
    counts = np.bincount(bins, minlength=n_bins).astype(np.float64)
    sums = np.bincount(bins, weights=y_prob, minlength=n_bins)
    positives = np.bincount(bins, weights=y_true, minlength=n_bins)
    used = counts > 0
    mean_predicted = sums[used] / counts[used]
    fraction_positive = positives[used] / counts[used]
    ece = float(np.sum(counts[used] * np.abs(mean_predicted - fraction_positive)) / y_true.size)
    return ece, np.flatnonzero(used), mean_predicted, fraction_positive, counts[used]


def calibration_within_groups(
    y_true: Any,
    y_prob: Any,
    *,
    sensitive_features: Any,
    n_bins: int = 10,
    strategy: str = "uniform",
) -> CalibrationResult:
    """Reliability curve and expected calibration error of the scores within each group.

    Bins as ``sklearn.calibration.calibration_curve`` (``"uniform"``: equal widths on [0, 1];
    ``"quantile"``: equal counts, per group).

    Examples
    --------
    >>> result = calibration_within_groups(
    ...     [0, 1, 1, 0, 1, 0], [0.2, 0.8, 0.6, 0.4, 0.9, 0.1],
    ...     sensitive_features=["a", "a", "a", "b", "b", "b"], n_bins=2)
    >>> result.ece.round(3).tolist()
    [0.267, 0.2]
    """
    y_true = check_binary(y_true, "y_true")
    n_samples = y_true.shape[0]
    y_prob = _check_probabilities(y_prob, n_samples)
    n_bins = check_count(n_bins, "n_bins")
    strategy = check_option(strategy, "strategy", ("uniform", "quantile"))
    groups = check_groups(sensitive_features, n_samples)
    rows, eces = [], []
    for label, members in zip(groups.index, groups.rows(), strict=True):
        ece, bins, mean_predicted, fraction, counts = _ece_and_curve(
            y_true[members], y_prob[members], n_bins, strategy
        )
        eces.append(ece)
        for values in zip(bins, mean_predicted, fraction, counts, strict=True):
            rows.append((label, int(values[0]), *map(float, values[1:])))
    curves = pd.DataFrame(
        rows, columns=["group", "bin", "mean_predicted", "fraction_positive", "count"]
    )
    return CalibrationResult(curves=curves, ece=pd.Series(eces, index=groups.index, name="ece"))


RATE_OF = {
    selection_rate: "selection_rate",
    true_positive_rate: "true_positive_rate",
    false_positive_rate: "false_positive_rate",
    false_negative_rate: "false_negative_rate",
    true_negative_rate: "true_negative_rate",
}
