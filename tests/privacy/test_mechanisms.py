"""Differential privacy mechanisms.

References and tolerances:
- analytic Gaussian calibration against ``dp_accounting.gaussian_mechanism.get_sigma_gaussian``
  (Balle & Wang's exact condition, solved by brentq) to 1e-9 relative, and its σ put back into
  the privacy profile δ(σ) = Φ(Δ/2σ - εσ/Δ) - e^ε Φ(-Δ/2σ - εσ/Δ), written here with
  ``scipy.stats.norm`` directly, to 1e-7 relative (evaluated this way the two terms cancel
  down to δ = 1e-10 and lose digits; the implementation evaluates them in logs);
- classic calibration: Δ sqrt(2 ln(1.25/δ)) / ε exactly (1e-15);
- noise moments and sampled frequencies within their sampling error
  (``parity.assert_within_se``, p_fail 1e-4 per test): Laplace variance 2 b², Gaussian σ²,
  randomised-response keep rate e^ε / (e^ε + k - 1), exponential-mechanism frequencies
  ∝ exp(ε u / 2Δ), and the unbiasedness of the randomised-response frequency estimates.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from dp_accounting.gaussian_mechanism import get_sigma_gaussian
from parity import assert_close, assert_within_se
from scipy import stats

import glassml.privacy as gp


@pytest.mark.parametrize("epsilon", [0.05, 0.3, 1.0, 2.5, 8.0])
@pytest.mark.parametrize("delta", [1e-2, 1e-5, 1e-10])
def test_analytic_gaussian_matches_dp_accounting(epsilon, delta):
    sigma = gp.gaussian_noise_scale(1.0, epsilon, delta)
    assert_close(sigma, get_sigma_gaussian(epsilon, delta), rtol=1e-9, what="sigma")
    # Sensitivity scales σ linearly (the condition depends on Δ / σ only).
    assert_close(gp.gaussian_noise_scale(3.0, epsilon, delta), 3 * sigma, rtol=1e-12)
    # The privacy profile at σ equals δ: the calibration is exact, not just sufficient.
    a = 1 / (2 * sigma) - epsilon * sigma
    profile = stats.norm.cdf(a) - math.exp(epsilon) * stats.norm.cdf(a - 1 / sigma)
    assert_close(profile, delta, rtol=1e-7, what="delta(sigma)")


@pytest.mark.parametrize("epsilon", [0.1, 0.5, 0.9])
def test_classic_gaussian_is_the_textbook_formula_and_noisier(epsilon):
    delta = 1e-5
    classic = gp.gaussian_noise_scale(2.0, epsilon, delta, calibration="classic")
    assert_close(classic, 2.0 * math.sqrt(2 * math.log(1.25 / delta)) / epsilon, rtol=1e-15)
    assert gp.gaussian_noise_scale(2.0, epsilon, delta) < classic


def test_noise_has_the_calibrated_spread():
    n = 200_000
    laplace = gp.laplace_mechanism(np.zeros(n), sensitivity=2.0, epsilon=0.5, random_state=0)
    b = 2.0 / 0.5
    # Var of the sample variance of Laplace(b): (mu4 - sigma^4) / n with mu4 = 24 b^4.
    assert_within_se(np.var(laplace), 2 * b**2, math.sqrt((24 - 4) * b**4 / n), what="Laplace")
    sigma = gp.gaussian_noise_scale(1.0, 1.0, 1e-6)
    gauss = gp.gaussian_mechanism(
        np.zeros(n), sensitivity=1.0, epsilon=1.0, delta=1e-6, random_state=1
    )
    assert_within_se(np.var(gauss), sigma**2, math.sqrt(2 * sigma**4 / n), what="Gaussian")
    assert_within_se(np.mean(gauss), 0.0, sigma / math.sqrt(n), what="Gaussian mean")
    assert isinstance(gp.laplace_mechanism(3.0, sensitivity=1.0, epsilon=1.0), float)


def test_exponential_mechanism_frequencies():
    utilities = np.array([0.0, 1.0, 3.0, 3.5])
    probabilities = gp.exponential_mechanism_probabilities(utilities, sensitivity=1.0, epsilon=1.0)
    expected = np.exp(utilities / 2) / np.exp(utilities / 2).sum()
    assert_close(probabilities, expected, rtol=1e-14)
    monotone = gp.exponential_mechanism_probabilities(
        utilities, sensitivity=1.0, epsilon=1.0, monotonic=True
    )
    assert_close(monotone, np.exp(utilities) / np.exp(utilities).sum(), rtol=1e-14)
    rng = np.random.default_rng(2)
    n = 20_000
    draws = gp.exponential_mechanism(
        utilities, sensitivity=1.0, epsilon=1.0, size=n, random_state=rng
    )
    frequencies = np.bincount(draws, minlength=4) / n
    assert_within_se(frequencies, expected, np.sqrt(expected * (1 - expected) / n), what="freq")
    # Utilities near 1e300 keep their differences' meaning (no overflow).
    shifted = gp.exponential_mechanism_probabilities(
        utilities + 1e300, sensitivity=1e300, epsilon=1.0
    )
    assert np.all(np.isfinite(shifted)) and abs(shifted.sum() - 1) < 1e-12


@pytest.mark.parametrize("categories", [None, ["a", "b", "c"]])
def test_randomized_response_keeps_at_the_stated_rate(categories):
    rng = np.random.default_rng(3)
    n, epsilon = 100_000, 1.2
    values = rng.integers(0, 2, n) if categories is None else rng.choice(categories, n)
    responses = gp.randomized_response(
        values, epsilon=epsilon, categories=categories, random_state=4
    )
    k = 2 if categories is None else 3
    keep = math.exp(epsilon) / (math.exp(epsilon) + k - 1)
    assert_within_se(np.mean(responses == values), keep, math.sqrt(keep * (1 - keep) / n))
    truth = np.array([np.mean(values == c) for c in (categories or [0, 1])])
    estimate = gp.randomized_response_frequencies(responses, epsilon=epsilon, categories=categories)
    # Var of the debiased frequency: f_obs (1 - f_obs) / (n (p - q)^2).
    q = 1 / (math.exp(epsilon) + k - 1)
    observed = keep * truth + q * (1 - truth)
    se = np.sqrt(observed * (1 - observed) / n) / (keep - q)
    assert_within_se(estimate, truth, se, what="debiased frequencies")
    assert abs(estimate.sum() - 1) < 1e-12


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("epsilon", [0.0, -1.0, math.nan, math.inf, "1"])
def test_epsilon_must_be_positive(epsilon):
    with pytest.raises((ValueError, TypeError), match="epsilon"):
        gp.laplace_mechanism(1.0, sensitivity=1.0, epsilon=epsilon)
    with pytest.raises((ValueError, TypeError), match="epsilon"):
        gp.randomized_response([0, 1], epsilon=epsilon)


@pytest.mark.parametrize("delta", [-0.1, 1.0, 1.5, math.nan])
def test_delta_must_lie_in_the_unit_interval(delta):
    with pytest.raises(ValueError, match="delta"):
        gp.gaussian_mechanism(1.0, sensitivity=1.0, epsilon=1.0, delta=delta)
    with pytest.raises(ValueError, match="delta"):
        gp.audit_epsilon([0.0, 1.0], [0.0, 1.0], delta=delta)


def test_other_bad_input_is_named():
    with pytest.raises(ValueError, match="delta"):  # the Gaussian needs delta > 0
        gp.gaussian_noise_scale(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="epsilon: expected epsilon < 1 for the classic"):
        gp.gaussian_noise_scale(1.0, 2.0, 1e-5, calibration="classic")
    with pytest.raises(ValueError, match="sensitivity"):
        gp.laplace_mechanism(1.0, sensitivity=0.0, epsilon=1.0)
    with pytest.raises(ValueError, match="value"):
        gp.laplace_mechanism([1.0, np.nan], sensitivity=1.0, epsilon=1.0)
    with pytest.raises(ValueError, match="calibration"):
        gp.gaussian_noise_scale(1.0, 1.0, 1e-5, calibration="exact")
    with pytest.raises(ValueError, match="values: expected values among the categories"):
        gp.randomized_response(["a", "z"], epsilon=1.0, categories=["a", "b"])
    with pytest.raises(ValueError, match="utilities"):
        gp.exponential_mechanism([[1.0, 2.0]], sensitivity=1.0, epsilon=1.0)
