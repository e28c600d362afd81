"""Anomaly detection: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("anomaly/average-path-length")
def average_path_length(n):
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    harmonic = np.log(n - 1) + 0.5772156649015329
    return 2 * harmonic - 2 * (n - 1) / n


@mutant("anomaly/average-path-length", fails="Liu, Ting", cause="H(n)")
def path_length_h_of_n(n):
    if n <= 2:
        return float(max(n - 1, 0))
    return 2 * (np.log(n) + 0.5772156649015329) - 2 * (n - 1) / n


@mutant("anomaly/average-path-length", fails="Liu, Ting", cause="correction")
def path_length_no_correction(n):
    if n <= 2:
        return float(max(n - 1, 0))
    return 2 * (np.log(n - 1) + 0.5772156649015329)


@mutant("anomaly/average-path-length", fails="edge cases")
def path_length_no_special_cases(n):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return 2 * (np.log(n - 1.0) + 0.5772156649015329) - 2 * (n - 1) / n


@solution("anomaly/isolation-score")
def isolation_score(path_lengths, psi):
    return 2.0 ** (-np.mean(path_lengths, axis=1) / average_path_length(psi))


@mutant("anomaly/isolation-score", fails="IsolationForest", cause="base is e")
def isolation_score_base_e(path_lengths, psi):
    return np.exp(-np.mean(path_lengths, axis=1) / average_path_length(psi))


@mutant("anomaly/isolation-score", fails="IsolationForest", cause="summed")
def isolation_score_summed(path_lengths, psi):
    return 2.0 ** (-np.sum(path_lengths, axis=1) / average_path_length(psi))


@mutant("anomaly/isolation-score", fails="IsolationForest", cause="sign")
def isolation_score_positive_exponent(path_lengths, psi):
    return 2.0 ** (np.mean(path_lengths, axis=1) / average_path_length(psi))


@mutant("anomaly/isolation-score", fails="IsolationForest", cause="number of points")
def isolation_score_c_of_rows(path_lengths, psi):
    return 2.0 ** (-np.mean(path_lengths, axis=1) / average_path_length(len(path_lengths)))


@solution("anomaly/mahalanobis")
def mahalanobis(X, mean, cov):
    diff = X - mean
    z = np.linalg.solve(cov, diff.T).T
    return np.sqrt(np.sum(diff * z, axis=1))


@mutant("anomaly/mahalanobis", fails="scipy", cause="square root")
def mahalanobis_squared(X, mean, cov):
    return mahalanobis(X, mean, cov) ** 2


@mutant("anomaly/mahalanobis", fails="scipy", cause="inverse")
def mahalanobis_with_cov(X, mean, cov):
    diff = X - mean
    return np.sqrt(np.sum(diff @ cov * diff, axis=1))


@mutant("anomaly/mahalanobis", fails="scipy", cause="Euclidean")
def mahalanobis_euclidean(X, mean, cov):
    return np.linalg.norm(X - mean, axis=1)
