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
