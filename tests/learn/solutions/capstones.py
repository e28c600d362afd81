"""Case-study capstones: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("capstones/nasa-score")
def nasa_score(rul_true, rul_pred):
    d = rul_pred - rul_true
    return np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1))


@mutant("capstones/nasa-score", fails="PHM08")
def nasa_true_minus_pred(rul_true, rul_pred):
    return nasa_score(rul_pred, rul_true)


@mutant("capstones/nasa-score", fails="PHM08")
def nasa_constants_swapped(rul_true, rul_pred):
    d = rul_pred - rul_true
    return np.sum(np.where(d < 0, np.exp(-d / 10) - 1, np.exp(d / 13) - 1))


@mutant("capstones/nasa-score", fails="PHM08")
def nasa_without_minus_one(rul_true, rul_pred):
    d = rul_pred - rul_true
    return np.sum(np.where(d < 0, np.exp(-d / 13), np.exp(d / 10)))


@solution("capstones/cost-optimal-threshold")
def cost_optimal_threshold(y_true, scores, cost_fp, cost_fn):
    best_t, best_cost = np.inf, cost_fn * np.sum(y_true == 1)
    for t in np.unique(scores):
        alarm = scores >= t
        cost = cost_fp * np.sum(alarm & (y_true == 0)) + cost_fn * np.sum(~alarm & (y_true == 1))
        if cost < best_cost:
            best_t, best_cost = t, cost
    return best_t


@mutant("capstones/cost-optimal-threshold", fails="as cheap")
def threshold_costs_swapped(y_true, scores, cost_fp, cost_fn):
    return cost_optimal_threshold(y_true, scores, cost_fn, cost_fp)


@mutant("capstones/cost-optimal-threshold", fails="as cheap")
def threshold_half(y_true, scores, cost_fp, cost_fn):
    """The default 0.5, whatever the costs."""
    return 0.5


@mutant("capstones/cost-optimal-threshold", fails="as cheap")
def threshold_always_alarms_something(y_true, scores, cost_fp, cost_fn):
    best_t, best_cost = None, np.inf
    for t in np.unique(scores):
        alarm = scores >= t
        cost = cost_fp * np.sum(alarm & (y_true == 0)) + cost_fn * np.sum(~alarm & (y_true == 1))
        if cost < best_cost:
            best_t, best_cost = t, cost
    return best_t


@solution("capstones/precision-at-k")
def precision_at_k(recommended, relevant, k):
    relevant = set(relevant)
    return sum(item in relevant for item in recommended[:k]) / k


@mutant("capstones/precision-at-k", fails="precision_at_k", cause="recall")
def recall_at_k(recommended, relevant, k):
    relevant = set(relevant)
    return sum(item in relevant for item in recommended[:k]) / max(len(relevant), 1)


@mutant("capstones/precision-at-k", fails="precision_at_k", cause="whole list")
def precision_at_k_over_list(recommended, relevant, k):
    return sum(item in set(relevant) for item in recommended[:k]) / len(recommended)


@mutant("capstones/precision-at-k", fails="precision_at_k")
def precision_at_k_plus_one(recommended, relevant, k):
    return sum(item in set(relevant) for item in recommended[: k + 1]) / k


@solution("capstones/expected-calibration-error")
def expected_calibration_error(y_true, y_prob, n_bins):
    edges = np.linspace(0, 1, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], y_prob, side="right")
    ece = 0.0
    for b in np.unique(bins):
        inside = bins == b
        ece += inside.mean() * abs(y_true[inside].mean() - y_prob[inside].mean())
    return ece


@mutant("capstones/expected-calibration-error", fails="expected_calibration_error", cause="global")
def ece_one_bin(y_true, y_prob, n_bins):
    return abs(y_true.mean() - y_prob.mean())


@mutant("capstones/expected-calibration-error", fails="expected_calibration_error")
def ece_unweighted(y_true, y_prob, n_bins):
    edges = np.linspace(0, 1, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], y_prob, side="right")
    gaps = [abs(y_true[bins == b].mean() - y_prob[bins == b].mean()) for b in np.unique(bins)]
    return np.mean(gaps)


@mutant("capstones/expected-calibration-error", fails="exactly 1")
def ece_floor_bins_overflow(y_true, y_prob, n_bins):
    """floor(p B) puts p = 1 in a bin of its own."""
    bins = np.floor(y_prob * n_bins).astype(int)
    ece = 0.0
    for b in np.unique(bins):
        inside = bins == b
        ece += inside.mean() * abs(y_true[inside].mean() - y_prob[inside].mean())
    return ece
