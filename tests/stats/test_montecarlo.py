"""Monte Carlo integration, antithetic and control variates, importance sampling.

References and tolerances:
- every estimate within its own reported standard error of the closed form (or of
  scipy.integrate.quad): parity.assert_within_se, failure probability 1e-4 each for a correct
  estimator (z = 3.89), on any seed.
- the standard error itself: the spread of 300 independent estimates against the mean
  reported SE, within the standard error of a 300-sample sd, 1 / sqrt(2 * 299) = 4.1 %.
- variance reduction against the closed-form variances for f(U) = exp(U), U ~ U(0, 1):
  Var f = (e^2 - 1)/2 - (e - 1)^2; antithetic pair mean (Var f + Cov(f(U), f(1 - U)))/2 with
  Cov = e - (e - 1)^2; control variate g = U: Var f (1 - rho^2). Reported SE^2 * n within 10 %.
- importance sampling: Kish's ESS / n against 1 / E_q[w^2] (scipy.integrate.quad) within 5 %;
  the rare event P(Z > 4) = scipy.stats.norm.sf(4) within 4 SE (plain importance weights, target
  normalised) where plain Monte Carlo fails.
"""

import numpy as np
import pytest
from parity import assert_within_se
from scipy import integrate
from scipy import stats as scipy_stats

from glassml.stats import (
    antithetic_integrate,
    control_variate_integrate,
    importance_sampling,
    mc_integrate,
)

E = np.e
VAR_EXP_U = (E**2 - 1) / 2 - (E - 1) ** 2


def within(result, truth):
    assert_within_se(result.estimate, truth, result.standard_error, what=result.method)
    return True


def test_plain_monte_carlo_on_boxes_and_distributions():
    result = mc_integrate(lambda x: x**2, bounds=(0.0, 3.0), n_samples=50_000, random_state=0)
    assert within(result, 9.0)
    low, high = result.confidence_interval
    assert low < result.estimate < high
    assert abs((high - low) / 2 - 1.959964 * result.standard_error) < 1e-6

    def bump(points):
        return np.exp(-np.sum(points**2, axis=1))

    reference = (
        integrate.quad(lambda t: np.exp(-(t**2)), -1, 2)[0]
        * integrate.quad(lambda t: np.exp(-(t**2)), 0, 1)[0]
    )
    box = mc_integrate(bump, bounds=[(-1, 2), (0, 1)], n_samples=50_000, random_state=1)
    assert within(box, reference)

    lognormal_mean = mc_integrate(
        np.exp, lambda rng, n: rng.normal(size=n), n_samples=50_000, random_state=2
    )
    assert within(lognormal_mean, np.exp(0.5))


def test_reported_standard_error_matches_the_spread_of_estimates():
    estimates, errors = [], []
    for seed in range(300):
        result = mc_integrate(np.exp, bounds=(0.0, 1.0), n_samples=500, random_state=seed)
        estimates.append(result.estimate)
        errors.append(result.standard_error)
    spread = np.std(estimates, ddof=1) / np.mean(errors)
    assert_within_se(spread, 1.0, 1 / np.sqrt(2 * 299), what="spread / reported SE")
    assert abs(np.mean(errors) ** 2 * 500 / VAR_EXP_U - 1) < 0.05


def test_antithetic_variates_reduce_variance_as_predicted():
    n = 20_000
    plain = mc_integrate(np.exp, bounds=(0.0, 1.0), n_samples=n, random_state=3)
    antithetic = antithetic_integrate(np.exp, bounds=(0.0, 1.0), n_samples=n, random_state=3)
    assert within(antithetic, E - 1)
    pair_variance = (VAR_EXP_U + E - (E - 1) ** 2) / 2
    assert abs(antithetic.standard_error**2 * (n // 2) / pair_variance - 1) < 0.1
    assert antithetic.standard_error < plain.standard_error / 5  # theory: ~5.6x smaller

    # With a sampler and an explicit reflection: E[exp(Z)], Z -> -Z.
    normal = antithetic_integrate(
        np.exp, lambda rng, k: rng.normal(size=k), lambda z: -z, n_samples=n, random_state=4
    )
    assert within(normal, np.exp(0.5))


def test_control_variates_reduce_variance_as_predicted():
    n = 20_000
    result = control_variate_integrate(
        np.exp, lambda u: u, 0.5, bounds=(0.0, 1.0), n_samples=n, random_state=5
    )
    assert within(result, E - 1)
    covariance = 1 - (E - 1) / 2  # Cov(e^U, U) = E[U e^U] - E[e^U] E[U]
    rho_squared = covariance**2 / (VAR_EXP_U / 12)
    assert abs(result.standard_error**2 * n / (VAR_EXP_U * (1 - rho_squared)) - 1) < 0.1
    assert abs(result.control_coefficients[0] - covariance * 12) < 0.02

    # Two controls (U and U^2, means 1/2 and 1/3) reduce it further.
    two = control_variate_integrate(
        np.exp, lambda u: np.column_stack([u, u**2]), [0.5, 1 / 3], bounds=(0.0, 1.0),
        n_samples=n, random_state=5,
    )  # fmt: skip
    assert within(two, E - 1)
    assert two.standard_error < result.standard_error / 5


def test_importance_sampling_estimate_ess_and_normaliser():
    n = 40_000
    target_mean, proposal_sd = 1.0, 2.0

    def log_target(x):  # N(1, 1) without its normalising constant sqrt(2 pi)
        return -0.5 * (x - target_mean) ** 2

    def proposal(rng, k):
        return rng.normal(0.0, proposal_sd, size=k)

    def log_proposal(x):
        return scipy_stats.norm.logpdf(x, 0.0, proposal_sd)

    mean = importance_sampling(lambda x: x, log_target, proposal, log_proposal, n_samples=n,
                               random_state=6)  # fmt: skip
    second = importance_sampling(lambda x: x**2, log_target, proposal, log_proposal,
                                 n_samples=n, random_state=7)  # fmt: skip
    assert within(mean, target_mean)
    assert within(second, target_mean**2 + 1)

    def weight_squared(x):  # p(x)^2 / q(x), in logs so the tails cannot give 0 / 0
        return np.exp(
            2 * scipy_stats.norm.logpdf(x, target_mean, 1.0)
            - scipy_stats.norm.logpdf(x, 0.0, proposal_sd)
        )

    second_moment = integrate.quad(weight_squared, -30, 30)[0]
    assert abs(mean.effective_sample_size / n * second_moment - 1) < 0.05
    # log Z_hat = log mean w; Z = sqrt(2 pi); its SE ~ sqrt((E[w^2] - 1) / n) (relative).
    assert_within_se(mean.log_normalizer, 0.5 * np.log(2 * np.pi),
                     np.sqrt((second_moment - 1) / n), what="log normaliser")  # fmt: skip


def test_importance_sampling_finds_a_rare_event():
    truth = scipy_stats.norm.sf(4.0)  # 3.17e-5

    def indicator(z):
        return (z > 4.0).astype(float)

    shifted = importance_sampling(
        indicator, lambda z: scipy_stats.norm.logpdf(z), lambda rng, k: rng.normal(4.0, 1.0, k),
        lambda z: scipy_stats.norm.logpdf(z, 4.0), n_samples=20_000, self_normalize=False,
        random_state=8,
    )  # fmt: skip
    assert within(shifted, truth)
    assert shifted.standard_error < 0.05 * truth
    plain = mc_integrate(indicator, lambda rng, k: rng.normal(size=k), n_samples=20_000,
                         random_state=8)  # fmt: skip
    assert plain.standard_error > 10 * shifted.standard_error or plain.estimate == 0.0


def test_bad_input_names_the_argument():
    uniform = (0.0, 1.0)
    with pytest.raises(ValueError, match=r"^func: expected finite values"):
        mc_integrate(lambda x: np.where(x > 0.5, 1.0, np.nan), bounds=uniform, random_state=0)
    with pytest.raises(ValueError, match=r"^n_samples: expected an integer"):
        mc_integrate(np.exp, bounds=uniform, n_samples=1)
    with pytest.raises(ValueError, match=r"^bounds: expected every high to exceed its low"):
        mc_integrate(np.exp, bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match=r"^sampler, bounds: expected exactly one"):
        mc_integrate(np.exp)
    with pytest.raises(ValueError, match=r"^confidence_level: expected"):
        mc_integrate(np.exp, bounds=uniform, confidence_level=1.5)
    with pytest.raises(
        ValueError, match=r"^func: expected a function returning one value per point"
    ):
        mc_integrate(lambda x: x[:3], bounds=uniform)
    with pytest.raises(ValueError, match=r"^sampler: expected sampler"):
        mc_integrate(np.exp, lambda rng, n: rng.random(n + 1))
    with pytest.raises(ValueError, match=r"^control_mean: expected 1 value"):
        control_variate_integrate(np.exp, lambda u: u, [0.5, 0.5], bounds=uniform)
    with pytest.raises(ValueError, match=r"^reflect: expected a callable"):
        antithetic_integrate(np.exp, lambda rng, n: rng.random(n))
    with pytest.raises(ValueError, match=r"^func: expected a callable"):
        mc_integrate(3, bounds=uniform)
    with pytest.raises(ValueError, match=r"^log_target: expected finite values"):
        importance_sampling(lambda x: x, lambda x: np.full(x.shape, np.nan),
                            lambda rng, n: rng.random(n), lambda x: np.zeros(x.shape))  # fmt: skip
