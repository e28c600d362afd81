"""Differential privacy: mechanisms, Rényi accounting, differentially private SGD, and an
empirical audit of the guarantee.

Mechanisms release a statistic with calibrated noise: :func:`laplace_mechanism`,
:func:`gaussian_mechanism` (classic or analytic calibration, :func:`gaussian_noise_scale`),
:func:`exponential_mechanism` and :func:`randomized_response`. :class:`RDPAccountant` composes
the sampled Gaussian mechanism in Rényi DP and converts to (ε, δ) (:func:`compute_epsilon`,
and the inverse :func:`calibrate_noise_multiplier`). :class:`DPSGD` is a step optimiser for
``glassml.linear.LogisticRegression`` and ``glassml.nn.fit``: per-example clipping, Gaussian
noise, Poisson batches, with the accountant attached. :func:`audit_epsilon` turns runs of a
mechanism on neighbouring datasets into a lower confidence bound on ε.
"""

from glassml.privacy._accountant import (
    DEFAULT_ORDERS,
    RDPAccountant,
    calibrate_noise_multiplier,
    compute_epsilon,
    rdp_sampled_gaussian,
    rdp_to_delta,
    rdp_to_epsilon,
)
from glassml.privacy._audit import AuditResult, audit_epsilon
from glassml.privacy._dpsgd import DPSGD
from glassml.privacy._mechanisms import (
    exponential_mechanism,
    exponential_mechanism_probabilities,
    gaussian_mechanism,
    gaussian_noise_scale,
    laplace_mechanism,
    randomized_response,
    randomized_response_frequencies,
)

__all__ = [
    "DEFAULT_ORDERS",
    "DPSGD",
    "AuditResult",
    "RDPAccountant",
    "audit_epsilon",
    "calibrate_noise_multiplier",
    "compute_epsilon",
    "exponential_mechanism",
    "exponential_mechanism_probabilities",
    "gaussian_mechanism",
    "gaussian_noise_scale",
    "laplace_mechanism",
    "randomized_response",
    "randomized_response_frequencies",
    "rdp_sampled_gaussian",
    "rdp_to_delta",
    "rdp_to_epsilon",
]
