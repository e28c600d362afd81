"""Fairness and privacy: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("fairness-privacy/demographic-parity-difference")
def demographic_parity_difference(y_pred, group):
    rates = [y_pred[group == g].mean() for g in np.unique(group)]
    return max(rates) - min(rates)


@mutant("fairness-privacy/demographic-parity-difference", fails="fairlearn", cause="signed")
def parity_first_two_signed(y_pred, group):
    return y_pred[group == 0].mean() - y_pred[group == 1].mean()


@mutant("fairness-privacy/demographic-parity-difference", fails="fairlearn", cause="counts")
def parity_counts(y_pred, group):
    counts = [y_pred[group == g].sum() for g in np.unique(group)]
    return max(counts) - min(counts)


@mutant("fairness-privacy/demographic-parity-difference", fails="fairlearn")
def parity_ratio(y_pred, group):
    rates = [y_pred[group == g].mean() for g in np.unique(group)]
    return min(rates) / max(rates) if max(rates) > 0 else 1.0


@solution("fairness-privacy/equalized-odds-difference")
def equalized_odds_difference(y_true, y_pred, group):
    groups = np.unique(group)
    tpr = [y_pred[(group == g) & (y_true == 1)].mean() for g in groups]
    fpr = [y_pred[(group == g) & (y_true == 0)].mean() for g in groups]
    return max(max(tpr) - min(tpr), max(fpr) - min(fpr))


@mutant("fairness-privacy/equalized-odds-difference", fails="glassml.fairness", cause="equal opp")
def odds_tpr_only(y_true, y_pred, group):
    tpr = [y_pred[(group == g) & (y_true == 1)].mean() for g in np.unique(group)]
    return max(tpr) - min(tpr)


@mutant("fairness-privacy/equalized-odds-difference", fails="glassml.fairness", cause="mean of")
def odds_mean_of_gaps(y_true, y_pred, group):
    groups = np.unique(group)
    tpr = [y_pred[(group == g) & (y_true == 1)].mean() for g in groups]
    fpr = [y_pred[(group == g) & (y_true == 0)].mean() for g in groups]
    return (max(tpr) - min(tpr) + max(fpr) - min(fpr)) / 2


# No cause asserted: on the smallest input the selection-rate gap (1/2) equals the mean of the
# TPR gap (1) and the FPR gap (0), and the grader rightly names neither.
@mutant("fairness-privacy/equalized-odds-difference", fails="glassml.fairness")
def odds_selection_rates(y_true, y_pred, group):
    rates = [y_pred[group == g].mean() for g in np.unique(group)]
    return max(rates) - min(rates)


@mutant("fairness-privacy/equalized-odds-difference", fails="glassml.fairness")
def odds_first_two_groups(y_true, y_pred, group):
    def rates(g):
        return y_pred[(group == g) & (y_true == 1)].mean(), y_pred[
            (group == g) & (y_true == 0)
        ].mean()

    (tpr0, fpr0), (tpr1, fpr1) = rates(0), rates(1)
    return max(abs(tpr0 - tpr1), abs(fpr0 - fpr1))


@solution("fairness-privacy/laplace-scale")
def laplace_scale(sensitivity, epsilon):
    return sensitivity / epsilon


@mutant("fairness-privacy/laplace-scale", fails="privacy loss", cause="upside down")
def laplace_inverted(sensitivity, epsilon):
    return epsilon / sensitivity


@mutant("fairness-privacy/laplace-scale", fails="privacy loss", cause="multiplied")
def laplace_times(sensitivity, epsilon):
    return sensitivity * epsilon


@mutant("fairness-privacy/laplace-scale", fails="privacy loss")
def laplace_squared_epsilon(sensitivity, epsilon):
    return sensitivity / epsilon**2


@solution("fairness-privacy/gaussian-sigma")
def gaussian_sigma(sensitivity, epsilon, delta):
    return sensitivity * np.sqrt(2 * np.log(1.25 / delta)) / epsilon


@mutant("fairness-privacy/gaussian-sigma", fails="classical", cause="square root")
def gaussian_no_sqrt(sensitivity, epsilon, delta):
    return sensitivity * 2 * np.log(1.25 / delta) / epsilon


@mutant("fairness-privacy/gaussian-sigma", fails="classical", cause="ln(1 / delta)")
def gaussian_log_one_over_delta(sensitivity, epsilon, delta):
    return sensitivity * np.sqrt(2 * np.log(1 / delta)) / epsilon


@mutant("fairness-privacy/gaussian-sigma", fails="classical")
def gaussian_variance(sensitivity, epsilon, delta):
    return (sensitivity * np.sqrt(2 * np.log(1.25 / delta)) / epsilon) ** 2
