"""Acquisition functions for minimisation, in closed form, with their derivatives.

With the GP posterior f(x) ~ N(mu, sigma^2), the best value seen y* and a margin xi >= 0,
z = (y* - xi - mu) / sigma:

    expected improvement   EI  = E[max(y* - xi - f, 0)] = (y* - xi - mu) Phi(z) + sigma phi(z)
    probability (PI)       PI  = P(f < y* - xi) = Phi(z)
    confidence bound (UCB) LCB = mu - kappa sigma, so the "gain" maximised is kappa sigma - mu

(Jones, Schonlau & Welch 1998 for EI; Srinivas et al. 2010 for the confidence bound). Each
function returns the gain to maximise and its partial derivatives with respect to mu and
sigma; the chain rule through the posterior gives the gradient in x:

    dEI/dmu = -Phi(z),          dEI/dsigma = phi(z)
    dPI/dmu = -phi(z) / sigma,  dPI/dsigma = -z phi(z) / sigma
    dUCB/dmu = -1,              dUCB/dsigma = kappa
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

ACQUISITIONS = ("ei", "pi", "ucb")
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _z(mu, sigma, best, xi):
    sigma = np.maximum(sigma, 1e-300)
    return (best - xi - mu) / sigma, sigma


def expected_improvement(mu, sigma, best, xi=0.0):
    """EI for minimisation and its derivatives: ``(ei, d ei / d mu, d ei / d sigma)``."""
    z, sigma = _z(mu, sigma, best, xi)
    cdf, pdf = ndtr(z), _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    value = (best - xi - mu) * cdf + sigma * pdf
    return np.maximum(value, 0.0), -cdf, pdf


def probability_of_improvement(mu, sigma, best, xi=0.0):
    """PI for minimisation and its derivatives."""
    z, sigma = _z(mu, sigma, best, xi)
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    return ndtr(z), -pdf / sigma, -z * pdf / sigma


def confidence_bound(mu, sigma, kappa=1.96):
    """The negated lower confidence bound ``kappa sigma - mu`` and its derivatives."""
    mu = np.asarray(mu, dtype=np.float64)
    return kappa * sigma - mu, -np.ones_like(mu), np.full_like(mu, kappa)


def acquisition(name: str, mu, sigma, best, xi: float, kappa: float):
    if name == "ei":
        return expected_improvement(mu, sigma, best, xi)
    if name == "pi":
        return probability_of_improvement(mu, sigma, best, xi)
    return confidence_bound(mu, sigma, kappa)
