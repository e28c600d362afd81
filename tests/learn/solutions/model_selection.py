"""Tuning: reference solutions and typical mistakes."""

import numpy as np
from scipy.stats import norm

from . import mutant, solution


def _rbf(A, B, length_scale):
    d2 = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * length_scale**2))


@solution("model-selection/gp-posterior")
def gp_posterior(X, y, X_new, length_scale, noise):
    K = _rbf(X, X, length_scale) + noise * np.eye(len(X))
    L = np.linalg.cholesky(K)
    K_star = _rbf(X, X_new, length_scale)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    v = np.linalg.solve(L, K_star)
    return K_star.T @ alpha, 1.0 - (v**2).sum(axis=0)


@mutant("model-selection/gp-posterior", fails="GaussianProcessRegressor", cause="noise")
def gp_without_noise(X, y, X_new, length_scale, noise):
    K = _rbf(X, X, length_scale) + 1e-10 * np.eye(len(X))
    K_star = _rbf(X, X_new, length_scale)
    return K_star.T @ np.linalg.solve(K, y), 1.0 - np.sum(K_star * np.linalg.solve(K, K_star), 0)


@mutant("model-selection/gp-posterior", fails="GaussianProcessRegressor", cause="prior variance")
def gp_variance_explained_part(X, y, X_new, length_scale, noise):
    K = _rbf(X, X, length_scale) + noise * np.eye(len(X))
    K_star = _rbf(X, X_new, length_scale)
    return K_star.T @ np.linalg.solve(K, y), np.sum(K_star * np.linalg.solve(K, K_star), 0)


@mutant("model-selection/gp-posterior", fails="GaussianProcessRegressor")
def gp_kernel_without_half(X, y, X_new, length_scale, noise):
    def rbf(A, B):
        return np.exp(-((A[:, None, :] - B[None, :, :]) ** 2).sum(-1) / length_scale**2)

    K = rbf(X, X) + noise * np.eye(len(X))
    K_star = rbf(X, X_new)
    return K_star.T @ np.linalg.solve(K, y), 1.0 - np.sum(K_star * np.linalg.solve(K, K_star), 0)


@solution("model-selection/expected-improvement")
def expected_improvement(mu, sigma, best):
    from scipy.stats import norm

    improvement = best - mu
    safe = np.where(sigma > 0, sigma, 1.0)
    z = improvement / safe
    ei = improvement * norm.cdf(z) + sigma * norm.pdf(z)
    return np.where(sigma > 0, ei, np.maximum(improvement, 0.0))


@mutant("model-selection/expected-improvement", fails="expected improvement", cause="maximisation")
def ei_maximising(mu, sigma, best):
    z = (mu - best) / sigma
    return (mu - best) * norm.cdf(z) + sigma * norm.pdf(z)


@mutant("model-selection/expected-improvement", fails="expected improvement", cause="sigma phi")
def ei_without_exploration(mu, sigma, best):
    return (best - mu) * norm.cdf((best - mu) / sigma)


@mutant("model-selection/expected-improvement", fails="sigma = 0")
def ei_divides_by_zero(mu, sigma, best):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = (best - mu) / sigma
        return (best - mu) * norm.cdf(z) + sigma * norm.pdf(z)
