"""MCMC samplers and their diagnostics.

References and tolerances:
- ESS (bulk, tail, mean), split R-hat (rank-normalised and classic) and MCSE of the mean against
  arviz (Stan's definitions) to 1e-10 relative; without arviz, against AR(1) chains whose ESS
  is n (1 - rho) / (1 + rho) in closed form (within 10 %) and whose autocorrelation is rho^k.
- conjugate Normal–Normal and Beta–Binomial models: the posterior mean from MH and from HMC
  within 3 Monte Carlo standard errors (MCSE from the ESS) of the closed form, fixed seeds.
- HMC on a correlated 2-D Gaussian (correlation 0.75, sds 1 and 2): each entry of the sample
  covariance within 10 % of the largest entry of the true covariance (4.0), i.e. 0.4, which is
  over 4 standard errors at the ESS reached.
- Bayesian logistic regression (200 rows, 3 coefficients, N(0, 5^2) prior): the HMC posterior
  mean within 4 combined standard errors (MCSE and importance-sampling SE) of an independent
  reference, self-normalised importance sampling with the Laplace Gaussian as proposal (50,000
  draws, ESS > 40,000); and within 0.2 Laplace standard deviations of the Laplace
  approximation's mean (the MAP from glassml.stats.fit_mle) — the true mean-mode gap here is
  0.03-0.14 sd (skewness of the likelihood, O(1/sqrt(n)) in sd units); posterior sds within
  15 % of the Laplace sds.
- adaptation: MH's observed acceptance after warm-up within 0.1 of 0.234; the expected
  acceptance of its adapted proposal (by an independent Monte Carlo integral) within 0.02 of
  0.234, and its scale within 10 % of the scale whose expected acceptance is 0.234 in 5-D;
  HMC's within 0.1 of 0.8 (dual averaging over 500 warm-up iterations, one leapfrog step so
  that acceptance is monotone in the step size).
"""

import numpy as np
import pytest
import scipy.optimize
from parity import assert_close
from scipy import special
from scipy import stats as scipy_stats

import glassml.autodiff as ad
from glassml.stats import (
    autocorrelation,
    effective_sample_size,
    fit_mle,
    hmc,
    importance_sampling,
    mcse_mean,
    metropolis_hastings,
    split_rhat,
)

# ----------------------------------------------------------------------------------------------
# Diagnostics
# ----------------------------------------------------------------------------------------------


def ar1_chains(rho, n_chains, n_draws, seed, shift=None):
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(n_chains, n_draws)) * np.sqrt(1 - rho**2)
    chains = np.empty((n_chains, n_draws))
    chains[:, 0] = rng.normal(size=n_chains)
    for t in range(1, n_draws):
        chains[:, t] = rho * chains[:, t - 1] + noise[:, t]
    if shift is not None:
        chains += np.asarray(shift)[:, np.newaxis]
    return chains


@pytest.mark.parametrize(
    ("rho", "shape", "seed"), [(0.0, (4, 500), 0), (0.7, (3, 1001), 1), (0.95, (1, 400), 2),
                               (-0.4, (2, 300), 3)],
)  # fmt: skip
def test_diagnostics_match_arviz(rho, shape, seed):
    az = pytest.importorskip("arviz")
    chains = ar1_chains(rho, *shape, seed)
    for method in ("bulk", "tail", "mean"):
        mine = effective_sample_size(chains, method)
        theirs = float(az.ess(chains, method=method))
        assert abs(mine - theirs) <= 1e-10 * theirs, method
    if shape[0] > 1:
        assert abs(split_rhat(chains) - float(az.rhat(chains))) < 1e-10
        assert abs(split_rhat(chains, False) - float(az.rhat(chains, method="split"))) < 1e-10
    assert abs(mcse_mean(chains) - np.asarray(az.mcse(chains)).item()) < 1e-10


@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_ess_of_ar1_chains_matches_closed_form(rho):
    chains = ar1_chains(rho, 4, 20_000, seed=4)
    expected = chains.size * (1 - rho) / (1 + rho)
    assert abs(effective_sample_size(chains, "mean") / expected - 1) < 0.1
    assert abs(effective_sample_size(chains, "bulk") / expected - 1) < 0.1
    correlation = autocorrelation(chains[0])
    assert np.all(np.abs(correlation[:6] - rho ** np.arange(6)) < 0.03)


def test_rhat_flags_chains_that_disagree():
    agreeing = ar1_chains(0.5, 4, 1000, seed=5)
    shifted = ar1_chains(0.5, 4, 1000, seed=5, shift=[0.0, 0.0, 0.0, 1.0])
    scaled = agreeing * np.array([1.0, 1.0, 1.0, 3.0])[:, np.newaxis]
    assert split_rhat(agreeing) < 1.01
    assert split_rhat(shifted) > 1.1
    assert split_rhat(scaled) > 1.05  # caught by the folded (scale) part


# ----------------------------------------------------------------------------------------------
# Conjugate models: posterior means within 3 MCSE of the closed form
# ----------------------------------------------------------------------------------------------

DATA = np.random.default_rng(6).normal(1.5, 2.0, size=25)
NOISE_SD, PRIOR_SD = 2.0, 3.0
POSTERIOR_PRECISION = DATA.size / NOISE_SD**2 + 1 / PRIOR_SD**2
POSTERIOR_MEAN = (DATA.sum() / NOISE_SD**2) / POSTERIOR_PRECISION


def normal_normal_log_posterior(mu):
    return -0.5 * (((DATA - mu) / NOISE_SD) ** 2).sum() - 0.5 * (mu / PRIOR_SD) ** 2


SUCCESSES, TRIALS, PRIOR_A, PRIOR_B = 13, 40, 2.0, 3.0


def beta_binomial_log_posterior(z):
    """Posterior of z = logit(theta); the Jacobian theta (1 - theta) adds 1 to each exponent."""
    theta_log, one_minus_log = -ad.softplus(-z), -ad.softplus(z)
    return (
        (SUCCESSES + PRIOR_A) * theta_log + (TRIALS - SUCCESSES + PRIOR_B) * one_minus_log
    ).sum()


def _mh(log_density, initial, seed):
    return metropolis_hastings(log_density, initial, n_samples=3000, n_warmup=1000, n_chains=4,
                               random_state=seed)  # fmt: skip


def _hmc(log_density, initial, seed):
    return hmc(log_density, initial, n_samples=500, n_warmup=300, n_chains=2, n_leapfrog=None,
               trajectory_length=2.0, random_state=seed)  # fmt: skip


@pytest.mark.parametrize("sampler", [_mh, _hmc], ids=["mh", "hmc"])
def test_normal_normal_posterior_mean(sampler):
    result = sampler(normal_normal_log_posterior, np.zeros(1), 7)
    assert abs(result.mean()[0] - POSTERIOR_MEAN) < 3 * result.mcse[0]
    assert abs(result.draws.std() * np.sqrt(POSTERIOR_PRECISION) - 1) < 0.1
    assert result.rhat[0] < 1.01


@pytest.mark.parametrize("sampler", [_mh, _hmc], ids=["mh", "hmc"])
def test_beta_binomial_posterior_mean(sampler):
    result = sampler(beta_binomial_log_posterior, np.zeros(1), 8)
    theta = special.expit(result.samples[:, :, 0])
    closed_form = (SUCCESSES + PRIOR_A) / (TRIALS + PRIOR_A + PRIOR_B)
    assert abs(theta.mean() - closed_form) < 3 * mcse_mean(theta)


# ----------------------------------------------------------------------------------------------
# HMC: covariance recovery, logistic regression vs Laplace, adaptation
# ----------------------------------------------------------------------------------------------

COVARIANCE = np.array([[1.0, 1.5], [1.5, 4.0]])
PRECISION = np.linalg.inv(COVARIANCE)


def gaussian_log_density(x):
    return -0.5 * (x * (PRECISION @ x)).sum()


def test_hmc_recovers_correlated_gaussian_covariance():
    result = hmc(gaussian_log_density, np.zeros(2), n_samples=1000, n_warmup=1000, n_chains=2,
                 n_leapfrog=4, random_state=9)  # fmt: skip
    # Sample covariance of Gaussian draws: Var(s_ij) = (S_ii S_jj + S_ij^2) / n, with n the
    # smallest effective sample size; every entry within 4 of its standard errors.
    n_effective = min(result.ess_bulk.min(), result.ess_tail.min())
    variances = np.diag(COVARIANCE)
    standard_errors = np.sqrt((np.outer(variances, variances) + COVARIANCE**2) / n_effective)
    assert np.all(np.abs(result.cov() - COVARIANCE) <= 4 * standard_errors), result.cov()
    assert np.all(np.abs(result.mean()) < 4 * result.mcse)
    assert np.all(result.rhat < 1.01)
    assert result.n_divergent.sum() == 0
    # The adapted diagonal metric approximates the marginal variances (1 and 4).
    assert np.all(np.abs(result.inverse_metric / np.diag(COVARIANCE) - 1) < 0.35)


def test_bayesian_logistic_regression_matches_laplace():
    rng = np.random.default_rng(10)
    X = np.column_stack([np.ones(200), rng.normal(size=(200, 2))])
    y = (rng.random(200) < special.expit(X @ np.array([-0.5, 1.0, -0.7]))).astype(float)

    def log_posterior(beta):
        z = X @ beta
        return y @ z - ad.softplus(z).sum() - 0.5 * (beta * beta).sum() / 25.0

    laplace = fit_mle(log_posterior, np.zeros(3))  # the MAP and the inverse Hessian
    result = hmc(log_posterior, laplace.params, n_samples=500, n_warmup=300, n_chains=2,
                 n_leapfrog=None, trajectory_length=1.5, random_state=11)  # fmt: skip
    laplace_sd = laplace.standard_errors

    # Independent reference for the exact posterior mean: importance sampling with the Laplace
    # Gaussian as proposal (Kish's ESS is ~95 % of the draws here).
    def log_posterior_batch(betas):
        z = betas @ X.T
        return z @ y - np.logaddexp(0, z).sum(axis=1) - 0.5 * (betas * betas).sum(axis=1) / 25

    proposal = scipy_stats.multivariate_normal(laplace.params, laplace.covariance)
    for j in range(3):
        reference = importance_sampling(
            lambda betas, j=j: betas[:, j], log_posterior_batch,
            lambda rng, n: proposal.rvs(n, random_state=rng), proposal.logpdf,
            n_samples=50_000, random_state=j,
        )  # fmt: skip
        assert reference.effective_sample_size > 40_000
        combined_error = np.hypot(result.mcse[j], reference.standard_error)
        assert abs(result.mean()[j] - reference.estimate) < 4 * combined_error
    assert np.all(np.abs(result.mean() - laplace.params) < 0.2 * laplace_sd)
    assert np.all(np.abs(result.draws.std(axis=0) / laplace_sd - 1) < 0.15)
    assert np.all(result.rhat < 1.01)


def test_dual_averaging_reaches_the_target_acceptance():
    # One leapfrog step: acceptance falls monotonically with eps, so the averaged step lands
    # on the target. (With several steps acceptance is not monotone in eps on a Gaussian —
    # resonances — and the averaged step can sit in a pocket of higher acceptance.)
    for seed in (14, 15):
        result = hmc(gaussian_log_density, np.zeros(2), n_samples=300, n_warmup=500, n_chains=1,
                     n_leapfrog=1, adapt_metric=False, random_state=seed)  # fmt: skip
        assert abs(result.acceptance_rate[0] - 0.8) < 0.1, result.acceptance_rate


def test_metropolis_hastings_adapts_to_the_target_acceptance():
    result = metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(5), n_samples=2000,
                                 n_warmup=2000, n_chains=2, random_state=12)  # fmt: skip
    assert np.all(np.abs(result.acceptance_rate - 0.234) < 0.1), result.acceptance_rate
    # Independent reference: the expected acceptance E[min(1, pi(x + s m^1/2 z) / pi(x))] of a
    # proposal, x ~ pi = N(0, I_5) and z ~ N(0, I_5), by plain Monte Carlo (SE < 0.001). The
    # adapted proposal's expected acceptance is the target (the observed rate above is noisier).
    rng = np.random.default_rng(0)
    x, z = rng.standard_normal((200_000, 5)), rng.standard_normal((200_000, 5))

    def expected_acceptance(step):  # step: (5,) proposal standard deviations
        moves = step * z
        log_ratio = -0.5 * np.sum(moves * moves + 2 * x * moves, axis=1)
        return np.mean(np.exp(np.minimum(log_ratio, 0.0)))

    for step_size, inverse_metric in zip(result.step_size, result.inverse_metric, strict=True):
        adapted = expected_acceptance(step_size * np.sqrt(inverse_metric))
        assert abs(adapted - 0.234) < 0.02, adapted
    # The isotropic scale with acceptance 0.234 in 5 dimensions (~1.21; the d -> infinity rule
    # 2.38 / sqrt(d) = 1.06 is only asymptotic): the adapted scale, geometric mean over the
    # coordinates, within 10 % of it.
    optimum = scipy.optimize.brentq(
        lambda s: expected_acceptance(np.full(5, s)) - 0.234, 0.5, 3.0, xtol=1e-6
    )
    geometric_scale = result.step_size * np.exp(0.5 * np.log(result.inverse_metric).mean(axis=1))
    assert np.all(np.abs(geometric_scale / optimum - 1) < 0.1), (geometric_scale, optimum)


def test_same_seed_same_draws():
    first = _mh(normal_normal_log_posterior, np.zeros(1), 13)
    second = _mh(normal_normal_log_posterior, np.zeros(1), 13)
    np.testing.assert_array_equal(first.samples, second.samples)
    summary = first.summary(["mu"])
    assert list(summary.columns) == ["mean", "sd", "mcse_mean", "ess_bulk", "ess_tail", "r_hat"]


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"^initial: expected finite numbers"):
        hmc(gaussian_log_density, [np.nan, 0.0])
    with pytest.raises(ValueError, match=r"^initial: expected shape \(n_params,\)"):
        metropolis_hastings(gaussian_log_density, np.zeros((3, 2)), n_chains=2)
    with pytest.raises(ValueError, match=r"^n_samples: expected an integer"):
        metropolis_hastings(gaussian_log_density, np.zeros(2), n_samples=1)
    with pytest.raises(ValueError, match=r"^target_accept: expected"):
        hmc(gaussian_log_density, np.zeros(2), target_accept=1.2)
    with pytest.raises(ValueError, match=r"^n_leapfrog, trajectory_length: expected exactly one"):
        hmc(gaussian_log_density, np.zeros(2), trajectory_length=1.0)
    with pytest.raises(ValueError, match=r"^initial: expected a point where log_density is finite"):
        metropolis_hastings(lambda x: -np.inf, np.zeros(2))
    with pytest.raises(ValueError, match=r"^step_size: expected"):
        metropolis_hastings(gaussian_log_density, np.zeros(2), step_size=-1.0)
    with pytest.raises(ValueError, match=r"^draws: expected at least 4 draws per chain"):
        effective_sample_size(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^draws: expected finite numbers, got nan"):
        split_rhat(np.array([[1.0, 2.0, np.nan, 4.0, 5.0]]))
    with pytest.raises(ValueError, match=r"^method: expected one of"):
        effective_sample_size(np.zeros(10), method="median")
    with pytest.raises(ValueError, match=r"^log_density: expected a callable"):
        metropolis_hastings("normal", np.zeros(2))
    with pytest.raises(ValueError, match=r"^log_density: expected a callable"):
        hmc(None, np.zeros(2))


def test_diagnostics_refuse_constant_draws_and_are_scale_invariant():
    """Issue 9: the ESS of a constant chain was n; it is 0 / 0."""
    with pytest.raises(ValueError, match=r"^draws: expected draws that vary"):
        effective_sample_size(np.full((2, 50), 3.0))
    with pytest.raises(ValueError, match=r"^draws: expected draws that vary"):
        split_rhat(np.full((2, 50), 3.0))
    chains = ar1_chains(0.6, 3, 400, seed=20)
    for scale in (1e300, 1e-300):
        for method in ("bulk", "tail", "mean"):
            assert_close(effective_sample_size(chains * scale, method),
                         effective_sample_size(chains, method), rtol=1e-12)  # fmt: skip
        assert_close(split_rhat(chains * scale), split_rhat(chains), rtol=1e-12)
        assert_close(mcse_mean(chains * scale) / scale, mcse_mean(chains), rtol=1e-12)
        assert_close(autocorrelation(chains * scale), autocorrelation(chains), rtol=1e-9,
                     atol=1e-12)  # fmt: skip


def test_sampler_options_and_complex_input_are_refused_by_name():
    with pytest.raises(ValueError, match=r"^max_leapfrog: expected an integer in \[1, inf\]"):
        hmc(gaussian_log_density, np.zeros(2), n_leapfrog=None, trajectory_length=1.0,
            max_leapfrog=-1)  # fmt: skip
    with pytest.raises(TypeError, match=r"^initial: expected real numbers, got complex"):
        metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(2) + 1j)
    with pytest.raises(TypeError, match=r"^log_density\(x\): expected real numbers, got complex"):
        metropolis_hastings(lambda x: complex(-0.5 * float(x @ x), 1.0), np.zeros(2))
    with pytest.raises(ValueError, match=r"^adapt_metric: expected True or False"):
        hmc(gaussian_log_density, np.zeros(2), adapt_metric="yes")
