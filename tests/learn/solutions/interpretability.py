"""Interpretability: reference solutions and typical mistakes."""

from math import comb, factorial

import numpy as np

from . import mutant, solution


@solution("interpretability/shapley-values")
def shapley_values(values):
    values = np.asarray(values, dtype=float)
    m = len(values).bit_length() - 1
    phi = np.zeros(m)
    for i in range(m):
        for c in range(len(values)):
            if not c >> i & 1:
                s = bin(c).count("1")
                weight = factorial(s) * factorial(m - s - 1) / factorial(m)
                phi[i] += weight * (values[c | 1 << i] - values[c])
    return phi


@mutant("interpretability/shapley-values", fails="efficiency")
def shapley_banzhaf(values):
    """Unweighted mean of the marginal contributions (the Banzhaf value)."""
    values = np.asarray(values, dtype=float)
    m = len(values).bit_length() - 1
    phi = np.zeros(m)
    for i in range(m):
        without = [c for c in range(len(values)) if not c >> i & 1]
        phi[i] = np.mean([values[c | 1 << i] - values[c] for c in without])
    return phi


@mutant("interpretability/shapley-values", fails="efficiency")
def shapley_off_by_one(values):
    values = np.asarray(values, dtype=float)
    m = len(values).bit_length() - 1
    phi = np.zeros(m)
    for i in range(m):
        for c in range(len(values)):
            if not c >> i & 1:
                s = bin(c).count("1")
                weight = factorial(s) * factorial(m - s) / factorial(m + 1)
                phi[i] += weight * (values[c | 1 << i] - values[c])
    return phi


@mutant("interpretability/shapley-values", fails="efficiency")
def shapley_wrong_sign(values):
    return -shapley_values(values)


@mutant("interpretability/shapley-values", fails="glassml.explain")
def shapley_reversed_bits(values):
    """Players read from the wrong end of the bit string: efficient, but attributed wrongly."""
    values = np.asarray(values, dtype=float)
    return shapley_values(values)[::-1]


@solution("interpretability/kernel-shap-weight")
def kernel_shap_weight(n_features, size):
    if size == 0 or size == n_features:
        return np.inf
    return (n_features - 1) / (comb(n_features, size) * size * (n_features - size))


@mutant("interpretability/kernel-shap-weight", fails="kernel weight", cause="binomial")
def kernel_weight_per_size(n_features, size):
    if size == 0 or size == n_features:
        return np.inf
    return (n_features - 1) / (size * (n_features - size))


@mutant("interpretability/kernel-shap-weight", fails="kernel weight")
def kernel_weight_m_not_m_minus_1(n_features, size):
    if size == 0 or size == n_features:
        return np.inf
    return n_features / (comb(n_features, size) * size * (n_features - size))


@mutant("interpretability/kernel-shap-weight", fails="kernel weight")
def kernel_weight_binomial_off_by_one(n_features, size):
    if size == 0 or size == n_features:
        return np.inf
    return (n_features - 1) / (comb(n_features - 1, size) * size * (n_features - size))


@solution("interpretability/lime-weights")
def lime_weights(Z, x, width):
    d = np.sqrt(((Z - x) ** 2).sum(axis=1))
    return np.exp(-(d**2) / (2 * width**2))


# No cause asserted: where ||z - x|| = 0.5 this mistake and the unsquared distance give the
# same weight (exp(-d^2/w^2) = exp(-d/(2 w^2)) iff d = 1/2), shrinking can land there, and the
# grader then rightly names no cause rather than a possibly wrong one.
@mutant("interpretability/lime-weights", fails="LIME kernel")
def lime_no_sqrt(Z, x, width):
    d = np.sqrt(((Z - x) ** 2).sum(axis=1))
    return np.exp(-(d**2) / width**2)


@mutant("interpretability/lime-weights", fails="LIME kernel")
def lime_distance_not_squared(Z, x, width):
    d = np.sqrt(((Z - x) ** 2).sum(axis=1))
    return np.sqrt(np.exp(-d / width**2))


@mutant("interpretability/lime-weights", fails="LIME kernel")
def lime_manhattan(Z, x, width):
    d = np.abs(Z - x).sum(axis=1)
    return np.exp(-(d**2) / (2 * width**2))
