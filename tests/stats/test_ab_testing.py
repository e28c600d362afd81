"""A/B testing: power analysis, frequentist and Bayesian comparisons, multiple testing.

References and tolerances:
- power of two proportions / two means: statsmodels NormalIndPower / TTestIndPower .power with
  the same effect size to 1e-10 relative; solved sample sizes and effects: statsmodels' power
  at our solution equals the requested power to 1e-9, and our solution agrees with
  statsmodels' solve_power to 1e-5 relative (its root finder stops near 1e-6 in power).
- the t-test power over a grid (alpha 0.001-0.1, sizes 3-1000, ratios 1 and 2.5, all three
  alternatives, d 0.05-2.5) against statsmodels to 1e-6 absolute; mde_two_means and
  sample_size_two_means over a grid of alpha, power (0.5-0.99) and sizes: statsmodels' power at
  our solution equals the requested power to 1e-6. Where statsmodels' own two-sided power is
  NaN (scipy's noncentral-t CDF far in the lower tail, the bug issue 9 fixed here), the
  reference is its one-sided upper tail at alpha / 2: the lower tail it leaves out is below
  Phi(-lambda) < 1e-7 there (T' = (Z + lambda) / sqrt(V / df) < 0 needs Z < -lambda).
- multiple testing: statsmodels.stats.multitest.multipletests, adjusted p-values to 1e-12.
- ABTest: statsmodels proportions_ztest / confint_proportions_2indep and scipy Welch t-test to
  1e-10; the delta-method lift interval against a simulation of the ratio (1 %).
- Bayesian Beta–Binomial: quadrature vs Miller's closed-form sum to 1e-10; Monte Carlo
  (2e6 draws) within its standard errors (P(B > A): binomial; expected losses: bounded by
  sqrt(E[(a - b)^2] / n), the closed-form second moment of the difference), failure
  probability 1e-4 each (parity.assert_within_se); the Normal model's closed forms vs Monte
  Carlo within the same kind of standard errors. The delta-method lift interval is checked
  against the simulated ratio's sd to 1 %: the Taylor approximation's own error, with a Monte
  Carlo error of 0.05 % (2e6 draws) that is negligible beside it.
"""

import itertools

import numpy as np
import pytest
from parity import assert_close, assert_within_se
from scipy import stats as scipy_stats
from statsmodels.stats import multitest as sm_multitest
from statsmodels.stats import power as sm_power
from statsmodels.stats import proportion as sm_proportion

from glassml import stats

SM_ALTERNATIVE = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize("ratio", [1.0, 2.5])
def test_power_of_two_proportions_matches_statsmodels(alternative, ratio):
    h = sm_proportion.proportion_effectsize(0.12, 0.10)
    theirs = sm_power.NormalIndPower().power(
        h, 1500, 0.05, ratio=ratio, alternative=SM_ALTERNATIVE[alternative]
    )
    ours = stats.power_two_proportions(0.10, 0.12, 1500, ratio=ratio, alternative=alternative)
    assert_close(ours, theirs, rtol=1e-10, what="power")


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("ratio", [1.0, 0.5])
def test_power_of_two_means_matches_statsmodels(alternative, ratio):
    effect = -0.35 if alternative == "less" else 0.35
    theirs = sm_power.TTestIndPower().power(
        effect, 60, 0.05, ratio=ratio, alternative=SM_ALTERNATIVE[alternative]
    )
    ours = stats.power_two_means(effect, 60, ratio=ratio, alternative=alternative)
    assert_close(ours, theirs, rtol=1e-10, what="power")


def test_sample_sizes_reach_the_requested_power_in_statsmodels():
    h = sm_proportion.proportion_effectsize(0.055, 0.05)
    n_props = stats.sample_size_two_proportions(0.05, 0.055, power=0.9, ratio=1.5)
    assert_close(sm_power.NormalIndPower().power(h, n_props, 0.05, ratio=1.5), 0.9, rtol=1e-9)
    assert_close(
        n_props,
        sm_power.NormalIndPower().solve_power(h, power=0.9, alpha=0.05, ratio=1.5),
        rtol=1e-5,
    )
    n_means = stats.sample_size_two_means(0.25, power=0.8, alternative="greater")
    assert_close(
        sm_power.TTestIndPower().power(0.25, n_means, 0.05, alternative="larger"), 0.8, rtol=1e-9
    )
    assert_close(
        n_means,
        sm_power.TTestIndPower().solve_power(0.25, power=0.8, alpha=0.05, alternative="larger"),
        rtol=1e-5,
    )


def test_minimum_detectable_effects_reach_the_requested_power():
    d = stats.mde_two_means(100, power=0.8)
    assert_close(sm_power.TTestIndPower().power(d, 100, 0.05), 0.8, rtol=1e-9)
    assert_close(
        d, sm_power.TTestIndPower().solve_power(nobs1=100, power=0.8, alpha=0.05), rtol=1e-5
    )
    lift = stats.mde_two_proportions(0.10, 2000, power=0.8)
    h = sm_proportion.proportion_effectsize(0.10 + lift, 0.10)
    assert lift > 0
    assert_close(sm_power.NormalIndPower().power(h, 2000, 0.05), 0.8, rtol=1e-9)


def test_power_grows_with_sample_size_and_equals_alpha_without_effect():
    sizes = [50, 200, 800, 3200]
    powers = [stats.power_two_proportions(0.1, 0.12, n) for n in sizes]
    assert np.all(np.diff(powers) > 0)
    assert_close(stats.power_two_means(0.0, 80), 0.05, rtol=1e-10, what="size of the test")


def _statsmodels_t_power(effect, nobs, alpha, ratio, alternative):
    """TTestIndPower.power, with its NaN lower tail replaced as the module docstring says."""
    power = sm_power.TTestIndPower().power(
        effect, nobs, alpha, ratio=ratio, alternative=SM_ALTERNATIVE[alternative]
    )
    if np.isnan(power) and alternative == "two-sided":
        noncentrality = abs(effect) * np.sqrt(nobs * ratio / (1 + ratio))
        assert scipy_stats.norm.cdf(-noncentrality) < 1e-7, "the lower tail is not negligible"
        power = sm_power.TTestIndPower().power(
            abs(effect), nobs, alpha / 2, ratio=ratio, alternative="larger"
        )
    return power


def test_two_means_power_over_a_grid_matches_statsmodels():
    worst = 0.0
    for alpha, nobs, ratio, alternative, size in itertools.product(
        [0.001, 0.01, 0.05, 0.1], [3, 20, 150, 1000], [1.0, 2.5], ["two-sided", "greater", "less"],
        [0.05, 0.3, 1.0, 2.5],
    ):  # fmt: skip
        effect = -size if alternative == "less" else size
        ours = stats.power_two_means(
            effect, nobs, alpha=alpha, ratio=ratio, alternative=alternative
        )
        theirs = _statsmodels_t_power(effect, nobs, alpha, ratio, alternative)
        worst = max(worst, abs(ours - theirs))
    assert worst < 1e-6, worst
    # The cases: NaN and a failed solve before the lower tail was computed as an sf.
    assert_close(stats.power_two_means(1.0, 150, alpha=0.01), 1.0, rtol=1e-9)
    d = stats.mde_two_means(nobs_a=150, power=0.9, alpha=0.01)
    assert_close(sm_power.TTestIndPower().power(d, 150, 0.01), 0.9, rtol=1e-9)


def test_solved_two_means_designs_reach_the_power_in_statsmodels_over_a_grid():
    worst = 0.0
    for alpha, power, ratio, alternative in itertools.product(
        [0.001, 0.01, 0.05], [0.5, 0.9, 0.99], [1.0, 2.5], ["two-sided", "greater"]
    ):
        for nobs in (3, 20, 150, 1000):
            d = stats.mde_two_means(nobs, power=power, alpha=alpha, ratio=ratio,
                                    alternative=alternative)  # fmt: skip
            achieved = _statsmodels_t_power(d, nobs, alpha, ratio, alternative)
            worst = max(worst, abs(achieved - power))
        for effect in (0.1, 0.5, 1.5):
            n = stats.sample_size_two_means(effect, power=power, alpha=alpha, ratio=ratio,
                                            alternative=alternative)  # fmt: skip
            if n > 2.0 / min(1.0, ratio):  # else the smallest design already exceeds the power
                achieved = _statsmodels_t_power(effect, n, alpha, ratio, alternative)
                worst = max(worst, abs(achieved - power))
    assert worst < 1e-6, worst


@pytest.mark.parametrize("method", ["bonferroni", "holm", "fdr_bh"])
def test_multiple_testing_matches_statsmodels(method):
    pvalues = np.array([0.001, 0.04, 0.03, 0.2, 0.012, 0.049, 0.5, 0.03])
    reject, adjusted = stats.multipletests(pvalues, alpha=0.05, method=method)
    sm_reject, sm_adjusted, _, _ = sm_multitest.multipletests(pvalues, alpha=0.05, method=method)
    assert_close(adjusted, sm_adjusted, rtol=1e-12, what=f"{method} adjusted p")
    assert np.array_equal(reject, sm_reject)


def test_ab_conversion_matches_statsmodels():
    result = stats.ABTest(alpha=0.05).conversion(480, 5000, 560, 5000)
    _, pvalue = sm_proportion.proportions_ztest([480, 560], [5000, 5000])
    low, high = sm_proportion.confint_proportions_2indep(
        560, 5000, 480, 5000, method="wald", compare="diff"
    )
    assert_close(result.pvalue, pvalue, rtol=1e-10, what="p-value")
    assert_close(result.difference_ci, [low, high], rtol=1e-10, what="difference CI")
    assert_close(result.relative_lift, 560 / 480 - 1, rtol=1e-12, what="lift")


def test_ab_greater_alternative_is_one_sided_in_favour_of_b():
    result = stats.ABTest(alternative="greater").conversion(480, 5000, 560, 5000)
    _, pvalue = sm_proportion.proportions_ztest([560, 480], [5000, 5000], alternative="larger")
    assert_close(result.pvalue, pvalue, rtol=1e-10)
    assert result.difference_ci[1] == np.inf


def test_ab_continuous_matches_welch_and_the_lift_interval_matches_simulation():
    rng = np.random.default_rng(4)
    a, b = rng.gamma(2.0, 10.0, 800), rng.gamma(2.0, 10.8, 900)
    result = stats.ABTest().continuous(a, b)
    welch = scipy_stats.ttest_ind(b, a, equal_var=False)
    interval = welch.confidence_interval(0.95)
    assert_close(result.pvalue, welch.pvalue, rtol=1e-10)
    assert_close(result.difference_ci, [interval.low, interval.high], rtol=1e-10)
    # Delta method against the spread of the ratio of two simulated independent means.
    se_a, se_b = np.std(a, ddof=1) / np.sqrt(a.size), np.std(b, ddof=1) / np.sqrt(b.size)
    draws = rng.normal(b.mean(), se_b, 2_000_000) / rng.normal(a.mean(), se_a, 2_000_000) - 1
    delta_se = (result.relative_lift_ci[1] - result.relative_lift) / scipy_stats.norm.ppf(0.975)
    assert_close(delta_se, np.std(draws), rtol=0.01, what="lift standard error")


def test_beta_binomial_exact_agrees_with_closed_form_and_monte_carlo():
    model = stats.BetaBinomialAB(prior_alpha=1, prior_beta=1)
    exact = model.evaluate(100, 1000, 120, 1000)
    (alpha_a, beta_a), (alpha_b, beta_b) = model.posteriors(100, 1000, 120, 1000)
    closed = stats.prob_beta_greater_closed_form(alpha_b, beta_b, alpha_a, beta_a)
    assert_close(exact.prob_b_better, closed, rtol=1e-10, what="P(B > A)")
    n_draws = 2_000_000
    sampled = model.evaluate(
        100, 1000, 120, 1000, method="monte-carlo", n_draws=n_draws, random_state=0
    )
    p = exact.prob_b_better
    assert_within_se(sampled.prob_b_better, p, np.sqrt(p * (1 - p) / n_draws), what="P(B > A)")
    # sd(max(+-(a - b), 0)) <= sqrt(E[(a - b)^2]) = sqrt(Var a + Var b + (E a - E b)^2).
    second_moment = (
        sum(
            al * be / ((al + be) ** 2 * (al + be + 1))
            for al, be in ((alpha_a, beta_a), (alpha_b, beta_b))
        )
        + (alpha_a / (alpha_a + beta_a) - alpha_b / (alpha_b + beta_b)) ** 2
    )
    losses = ("expected_loss_choose_a", "expected_loss_choose_b")
    assert_within_se(
        [getattr(sampled, name) for name in losses],
        [getattr(exact, name) for name in losses],
        np.sqrt(second_moment / n_draws),
        what="expected losses",
    )
    # Expected losses differ by the difference of posterior means: E[max(a-b,0)] - E[max(b-a,0)].
    mean_gap = alpha_b / (alpha_b + beta_b) - alpha_a / (alpha_a + beta_a)
    assert_close(exact.expected_loss_choose_a - exact.expected_loss_choose_b, mean_gap, rtol=1e-8)


def test_normal_model_closed_forms_agree_with_monte_carlo():
    rng = np.random.default_rng(9)
    a, b = rng.normal(10.0, 3.0, 400), rng.normal(10.4, 3.0, 400)
    result = stats.NormalAB().evaluate(a, b)
    n = 2_000_000
    mean_a = rng.normal(a.mean(), np.std(a, ddof=1) / 20, n)
    mean_b = rng.normal(b.mean(), np.std(b, ddof=1) / 20, n)
    p = result.prob_b_better
    assert_within_se(np.mean(mean_b > mean_a), p, np.sqrt(p * (1 - p) / n), what="P(B > A)")
    losses = [np.maximum(mean_a - mean_b, 0), np.maximum(mean_b - mean_a, 0)]
    assert_within_se(
        [loss.mean() for loss in losses],
        [result.expected_loss_choose_b, result.expected_loss_choose_a],
        [loss.std() / np.sqrt(n) for loss in losses],
        what="expected losses",
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.power_two_proportions(0.1, 1.2, 100), r"^p_b: expected .* in \[0.0, 1.0\]"),
        (lambda: stats.power_two_means(0.3, 0.5), "nobs_a"),
        (lambda: stats.sample_size_two_means(0.3, power=1.0), "power"),
        (lambda: stats.sample_size_two_means(0.0), "^effect_size: expected a non-zero effect"),
        (lambda: stats.multipletests([0.1, 1.2]), "pvalues"),
        (lambda: stats.multipletests([0.1], method="sidak"), "method"),
        (lambda: stats.ABTest(alpha=2), "alpha"),
        (lambda: stats.ABTest().conversion(10, 5, 3, 10), "conversions_a"),
        (lambda: stats.BetaBinomialAB(prior_alpha=0), "prior_alpha"),
        (lambda: stats.prob_beta_greater(-1.0, 1.0, 1.0, 1.0), "^alpha_b: expected"),
        (lambda: stats.prob_beta_greater(1.0, 1.0, 1.0, np.nan), "^beta_a: expected"),
        (lambda: stats.prob_beta_greater_closed_form(2, 0.0, 1.0, 1.0), "^beta_b: expected"),
        (
            lambda: stats.ABTest().conversion(np.nan, 5, 3, 10),
            "^conversions_a: expected an integer",
        ),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_prob_beta_greater_at_extreme_parameters():
    """Point masses and near-point masses (issue 9: (1e300, 5, 2, 6) gave 0.0)."""
    assert stats.prob_beta_greater(1e300, 5, 2, 6) == 1.0  # X_B = 1 > X_A almost surely
    assert stats.prob_beta_greater(5, 1e300, 2, 6) == 0.0  # X_B = 0
    assert stats.prob_beta_greater(1e300, 5e300, 2e300, 6e300) == 0.0  # 1/6 < 1/4 exactly
    # Beta(1e-300, 1e-300) puts mass 1/2 at 0 and 1/2 at 1.
    assert_close(stats.prob_beta_greater(1e-300, 1e-300, 2, 6), 0.5, rtol=1e-12)
    assert_close(stats.prob_beta_greater(3, 4, 1e-300, 1e-300), 0.5, rtol=1e-12)
    # Large concentrations (integer alpha_b): Miller's closed form, exact to rounding.
    for args in [(2_000_001, 8e6, 2e6, 8e6), (300_000, 7e5, 299_000, 7e5)]:
        assert_close(
            stats.prob_beta_greater(*args),
            stats.prob_beta_greater_closed_form(*args),
            rtol=0,
            atol=1e-6,
        )


def test_bayesian_ab_refuses_bad_settings_by_name():
    model = stats.BetaBinomialAB()
    with pytest.raises(ValueError, match=r"^n_draws: expected an integer in \[2, inf\], got 0"):
        model.evaluate(10, 100, 12, 100, n_draws=0)  # issue 9: IndexError
    with pytest.raises(ValueError, match=r"^method: expected one of"):
        model.evaluate(10, 100, 12, 100, method="mcmc")
    with pytest.raises(TypeError, match=r"^metric_a: expected real numbers, got complex"):
        stats.NormalAB().evaluate(np.array([1.0, 2.0]) + 1j, [1.0, 3.0])
    with pytest.raises(TypeError, match=r"^metric_b: expected real numbers, got complex"):
        stats.ABTest().continuous([1.0, 2.0, 3.0], np.array([1.0, 2.0, 3.5]) * 1j)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_continuous_comparisons_are_scale_equivariant(scale):
    rng = np.random.default_rng(3)
    a, b = rng.normal(10.0, 2.0, 50), rng.normal(10.5, 2.0, 60)
    base, scaled = stats.ABTest().continuous(a, b), stats.ABTest().continuous(a * scale, b * scale)
    assert_close([scaled.pvalue, scaled.relative_lift], [base.pvalue, base.relative_lift],
                 rtol=1e-12)  # fmt: skip
    assert_close(np.divide(scaled.difference_ci, scale), base.difference_ci, rtol=1e-12)
    base, scaled = stats.NormalAB().evaluate(a, b), stats.NormalAB().evaluate(a * scale, b * scale)
    assert_close(scaled.prob_b_better, base.prob_b_better, rtol=1e-12)
    assert_close(scaled.expected_loss_choose_b / scale, base.expected_loss_choose_b, rtol=1e-12)
