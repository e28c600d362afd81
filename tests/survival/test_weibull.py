"""WeibullFitter against lifelines, scipy and its own likelihood.

References and tolerances
-------------------------
- ``lifelines.WeibullFitter`` (same (λ, ρ) parametrisation) on Rossi (week, arrest), simulated
  right-censored data and left-truncated data. lifelines stops its L-BFGS-B at a gradient
  tolerance, up to 3e-6 short of the maximiser (left-truncated case): from its own start the
  estimates agree to 1e-4 (optimiser tolerance) with our log-likelihood >= lifelines'; started
  from ours, lifelines' optimiser finds nothing better, and λ, ρ, their standard errors agree
  to 1e-6 and the log-likelihood to 1e-12. The autodiff score of the full likelihood (not the
  profile we maximise) vanishes at our estimate to 1e-8 per failure.
- Every equation of the fitted distribution against ``scipy.stats.weibull_min`` (c = ρ,
  scale = λ): S, F, H, h, percentiles (B10), mean, median, the conditional failure
  probability 1 - S(t + Δ)/S(t), to 1e-12 relative.
- Complete C-MAPSS FD001 engine lifetimes (100 engines run to failure): the MLE maximises
  scipy's log-likelihood (ours >= scipy's ``weibull_min.fit``, whose optimiser stops 2e-7
  short), λ ≈ 225 cycles, ρ ≈ 4.4 (wear-out: the hazard rises with age). With the 100 test
  engines censored at their last observed cycle, ours equals lifelines to 1e-6.
- Standard errors: the observed information is checked against central finite differences
  of lifelines' log-likelihood-free formula (our own score, differentiated numerically).
- Coverage: on 200 simulated samples of 100 the 95 % Wald interval of ρ covers the truth at a rate
  within binomial error of 0.95 (assert_within_se, failure probability 1e-4).
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import WeibullFitter as LifelinesWeibull
from lifelines.datasets import load_rossi
from parity import assert_close, assert_within_se, check_grad
from scipy.stats import weibull_min

import glassml.autodiff as ad
from glassml.survival import WeibullFitter
from glassml.survival._weibull import weibull_log_likelihood


def censored_sample(n, lam=200.0, rho=2.5, seed=0):
    rng = np.random.default_rng(seed)
    life = lam * rng.weibull(rho, n)
    stop = rng.uniform(0.25 * lam, 2.0 * lam, n)
    return np.minimum(life, stop), life <= stop


def cases():
    rossi = load_rossi()
    yield "rossi", rossi["week"].to_numpy(float), rossi["arrest"].to_numpy(bool), None
    durations, events = censored_sample(3000)
    yield "simulated", durations, events, None
    durations, events = censored_sample(2000, rho=0.8, seed=4)
    entry = np.random.default_rng(5).uniform(0, 0.7, durations.size) * durations
    yield "left_truncated", durations, events, entry


CASES = {name: rest for name, *rest in cases()}


def full_log_likelihood(lam, rho, durations, events, entry=None):
    log_t = np.log(durations)
    entries = None
    if entry is not None:
        entries = (ad.log(lam), np.log(entry[entry > 0]))
    value = weibull_log_likelihood(ad.log(lam), ad.log(rho), log_t, events.astype(float), entries)
    return value


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_lifelines(name):
    durations, events, entry = CASES[name]
    ours = WeibullFitter().fit(durations, events, entry=entry)
    estimate = np.array([ours.lambda_, ours.rho_])
    # lifelines from its own start stops at its optimiser's tolerance (up to 3e-6 here):
    # 1e-4, and ours is the better maximiser of the same objective.
    default = LifelinesWeibull().fit(durations, events, entry=entry)
    assert_close(estimate, [default.lambda_, default.rho_], rtol=1e-4, what="(λ, ρ)")
    assert ours.log_likelihood_ >= default.log_likelihood_ - 1e-12 * abs(default.log_likelihood_)
    # Started at ours, lifelines' optimiser finds nothing better and stays: 1e-6.
    theirs = LifelinesWeibull().fit(durations, events, entry=entry, initial_point=estimate)
    assert_close(estimate, [theirs.lambda_, theirs.rho_], rtol=1e-6, what="(λ, ρ)")
    errors = theirs.summary.loc[["lambda_", "rho_"], "se(coef)"].to_numpy()
    assert_close(ours.standard_errors_, errors, rtol=1e-6, what="standard errors")
    assert_close(ours.log_likelihood_, theirs.log_likelihood_, rtol=1e-12, what="log L")
    # The score of the full likelihood (not the profile we maximised) vanishes at ours.
    score = ad.grad(lambda p: full_log_likelihood(p[0], p[1], durations, events, entry))(estimate)
    assert np.max(np.abs(score * estimate)) < 1e-8 * events.sum()


def test_distribution_equations_against_scipy():
    durations, events = censored_sample(2000)
    fitted = WeibullFitter().fit(durations, events)
    reference = weibull_min(c=fitted.rho_, scale=fitted.lambda_)
    t = np.array([0.5, 10.0, 100.0, 199.0, 350.0, 900.0])
    assert_close(fitted.survival_function(t), reference.sf(t), rtol=1e-12, what="S")
    assert_close(fitted.cumulative_density(t), reference.cdf(t), rtol=1e-12, what="F")
    assert_close(fitted.cumulative_hazard(t), -reference.logsf(t), rtol=1e-12, what="H")
    assert_close(fitted.hazard(t), reference.pdf(t) / reference.sf(t), rtol=1e-10, what="h")
    assert_close(fitted.b_life(10), reference.ppf(0.10), rtol=1e-12, what="B10")
    assert_close(fitted.percentile(63.2), reference.ppf(0.632), rtol=1e-12, what="t_63.2")
    assert_close(fitted.mean_survival_time_, reference.mean(), rtol=1e-12, what="MTTF")
    assert_close(fitted.median_survival_time_, reference.median(), rtol=1e-12, what="median")
    age, horizon = np.array([50.0, 150.0, 250.0]), 30.0
    conditional = 1 - reference.sf(age + horizon) / reference.sf(age)
    assert_close(
        fitted.conditional_failure_probability(age, horizon),
        conditional,
        rtol=1e-10,
        what="P(T <= t + Δ | T > t)",
    )
    # Wear-out (ρ > 1): the conditional risk of the next 30 cycles grows with age.
    assert np.all(np.diff(conditional) > 0)
    assert fitted.hazard([0.0])[0] == 0.0 and fitted.survival_function([0.0])[0] == 1.0


def test_observed_information_by_finite_differences():
    durations, events, entry = CASES["left_truncated"]
    fitted = WeibullFitter().fit(durations, events, entry=entry)

    def score(params):  # the autodiff gradient of the log-likelihood
        return ad.grad(lambda p: full_log_likelihood(p[0], p[1], durations, events, entry))(params)

    def log_likelihood(params):
        return float(full_log_likelihood(params[0], params[1], durations, events, entry).item())

    estimate = np.array([fitted.lambda_, fitted.rho_])
    check_grad(log_likelihood, estimate * [1.1, 0.9], jac=score)  # away from the zero score
    information = np.linalg.inv(fitted.covariance_)
    check_grad(score, estimate, jac=lambda p: -information, tol=1e-6)


def test_cmapss_engine_lifetimes():
    from glassml.datasets import load_cmapss

    engines = load_cmapss()
    lifetimes = engines.train.groupby("unit")["cycle"].max().to_numpy(float)
    fitted = WeibullFitter().fit(lifetimes)
    shape, _, scale = weibull_min.fit(lifetimes, floc=0)
    ours = weibull_min.logpdf(lifetimes, fitted.rho_, scale=fitted.lambda_).sum()
    scipys = weibull_min.logpdf(lifetimes, shape, scale=scale).sum()
    assert ours >= scipys and ours == pytest.approx(fitted.log_likelihood_, rel=1e-12)
    assert_close([fitted.lambda_, fitted.rho_], [scale, shape], rtol=1e-6, what="vs scipy")
    assert 220 < fitted.lambda_ < 230 and 4.0 < fitted.rho_ < 4.8
    ages = np.array([100.0, 150.0, 200.0, 250.0])
    assert np.all(np.diff(fitted.hazard(ages)) > 0)  # the hazard rises with age
    # Right-censored: the test engines were still running at their last recorded cycle.
    observed = engines.test.groupby("unit")["cycle"].max().to_numpy(float)
    durations = np.concatenate([lifetimes, observed])
    events = np.concatenate([np.ones(100, bool), np.zeros(100, bool)])
    ours = WeibullFitter().fit(durations, events)
    theirs = LifelinesWeibull().fit(durations, events)
    assert_close([ours.lambda_, ours.rho_], [theirs.lambda_, theirs.rho_], rtol=1e-6, what="")


def test_wald_interval_covers_the_true_shape():
    rho, covered, n_samples = 2.5, 0, 200
    for seed in range(n_samples):
        durations, events = censored_sample(100, rho=rho, seed=1000 + seed)
        low, high = WeibullFitter().fit(durations, events).confidence_intervals_[1]
        covered += low <= rho <= high
    # Asymptotic coverage 0.95; the binomial standard error of the observed rate.
    assert_within_se(covered / n_samples, 0.95, np.sqrt(0.95 * 0.05 / n_samples), what="coverage")


def test_intervals_of_derived_quantities_contain_the_estimates():
    durations, events = censored_sample(500)
    fitted = WeibullFitter(alpha=0.1).fit(durations, events)
    low, high = fitted.b_life_interval(10)
    assert low < fitted.b_life(10) < high
    band = fitted.survival_interval([50.0, 150.0, 300.0])
    s = fitted.survival_function([50.0, 150.0, 300.0])
    assert np.all(band[:, 0] < s) and np.all(s < band[:, 1])
    summary = fitted.summary
    assert list(summary.index) == ["lambda_", "rho_"]
    assert summary.loc["rho_", "coef"] == fitted.rho_


@pytest.mark.parametrize("factor", [1e-300, 1e300])
def test_scale_free(factor):
    durations, events = censored_sample(400)
    base = WeibullFitter().fit(durations, events)
    scaled = WeibullFitter().fit(durations * factor, events)
    assert_close(scaled.rho_, base.rho_, rtol=1e-10, what="shape")
    assert_close(scaled.lambda_ / factor, base.lambda_, rtol=1e-10, what="scale")
    assert_close(
        scaled.standard_errors_ / [factor, 1], base.standard_errors_, rtol=1e-8, what="SEs"
    )
    assert_close(scaled.b_life_interval(10) / factor, base.b_life_interval(10), rtol=1e-8)


@pytest.mark.parametrize(
    "durations, events, fragment",
    [
        ([1.0, 2.0, 3.0], [0, 0, 0], "every observation is censored"),
        ([5.0, 5.0, 5.0, 2.0], [1, 1, 1, 0], "no maximum"),
        ([0.0, 2.0, 3.0], None, "durations: expected positive"),
        ([1.0, 2.0, 3.0], [1, 2, 0], "event_observed"),
    ],
)
def test_degenerate_data_are_refused(durations, events, fragment):
    with pytest.raises(ValueError, match=fragment):
        WeibullFitter().fit(durations, events)
