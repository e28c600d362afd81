"""t-tests, proportion z-tests and chi-square tests against their references.

References and tolerances:
- t-tests: scipy.stats.ttest_1samp / ttest_ind / ttest_rel (statistic, p-value, df, confidence
  interval) to 1e-10 relative.
- z-tests: statsmodels.stats.proportion.proportions_ztest and confint_proportions_2indep
  (method="wald") to 1e-10 relative.
- chi-square: scipy.stats.chisquare, chi2_contingency and contingency.association (Cramér's V)
  to 1e-10 relative.
- Effect sizes: Cohen's d through its identity with t (d = t sqrt(1/n1 + 1/n2), d = t / sqrt(n)).
"""

import warnings

import numpy as np
import pytest
from parity import assert_close
from scipy import stats as scipy_stats
from statsmodels.stats import proportion as sm_proportion

from glassml import stats

RTOL = 1e-10
ALTERNATIVES = ["two-sided", "less", "greater"]


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(7)
    return rng.normal(0.3, 1.0, 23), rng.normal(0.0, 2.5, 31)


def _compare_t(ours, theirs):
    assert_close(ours.statistic, theirs.statistic, rtol=RTOL, what="t statistic")
    assert_close(ours.pvalue, theirs.pvalue, rtol=RTOL, what="p-value")
    assert_close(ours.df, theirs.df, rtol=RTOL, what="df")
    interval = theirs.confidence_interval(0.9)
    assert_close(ours.confidence_interval, [interval.low, interval.high], rtol=RTOL, what="CI")


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_one_sample_t_matches_scipy(samples, alternative):
    x, _ = samples
    ours = stats.ttest_1samp(x, 0.1, alternative=alternative, confidence_level=0.9)
    _compare_t(ours, scipy_stats.ttest_1samp(x, 0.1, alternative=alternative))
    assert_close(ours.effect_size, ours.statistic / np.sqrt(x.size), rtol=RTOL, what="d")


@pytest.mark.parametrize("equal_var", [True, False])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_two_sample_t_matches_scipy(samples, equal_var, alternative):
    x, y = samples
    ours = stats.ttest_ind(x, y, equal_var=equal_var, alternative=alternative, confidence_level=0.9)
    _compare_t(ours, scipy_stats.ttest_ind(x, y, equal_var=equal_var, alternative=alternative))
    if equal_var:
        d_from_t = ours.statistic * np.sqrt(1 / x.size + 1 / y.size)
        assert_close(ours.effect_size, d_from_t, rtol=RTOL, what="Cohen's d")


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_paired_t_matches_scipy(samples, alternative):
    x, y = samples
    y = y[: x.size] + x
    ours = stats.ttest_rel(x, y, alternative=alternative, confidence_level=0.9)
    _compare_t(ours, scipy_stats.ttest_rel(x, y, alternative=alternative))


@pytest.mark.parametrize("variance", ["null", "sample"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_one_proportion_z_matches_statsmodels(variance, alternative):
    sm_alternative = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}
    ours = stats.proportion_ztest(37, 120, 0.25, variance=variance, alternative=alternative)
    statistic, pvalue = sm_proportion.proportions_ztest(
        37,
        120,
        0.25,
        alternative=sm_alternative[alternative],
        prop_var=0.25 if variance == "null" else False,
    )
    assert_close([ours.statistic, ours.pvalue], [statistic, pvalue], rtol=RTOL, what="z, p")


def test_two_proportion_z_matches_statsmodels():
    ours = stats.two_proportion_ztest(130, 1000, 101, 980)
    statistic, pvalue = sm_proportion.proportions_ztest([130, 101], [1000, 980])
    low, high = sm_proportion.confint_proportions_2indep(
        130, 1000, 101, 980, method="wald", compare="diff"
    )
    assert_close([ours.statistic, ours.pvalue], [statistic, pvalue], rtol=RTOL, what="z, p")
    assert_close(ours.confidence_interval, [low, high], rtol=RTOL, what="Wald CI")
    assert ours.effect_size_name == "risk difference"
    assert_close(ours.effect_size, 130 / 1000 - 101 / 980, rtol=RTOL, what="risk difference")


def test_chisquare_goodness_of_fit_matches_scipy():
    observed = np.array([43, 52, 54, 40, 61])
    proportions = np.array([0.2, 0.2, 0.25, 0.15, 0.2])
    ours = stats.chisquare_gof(observed, proportions, ddof=1)
    theirs = scipy_stats.chisquare(observed, observed.sum() * proportions, ddof=1)
    assert_close([ours.statistic, ours.pvalue], [theirs.statistic, theirs.pvalue], rtol=RTOL)


@pytest.mark.parametrize("correction", [True, False])
@pytest.mark.parametrize(
    "table", [np.array([[12, 30], [25, 18]]), np.array([[20, 15, 30], [25, 40, 10]])]
)
def test_chi2_independence_matches_scipy(table, correction):
    ours = stats.chi2_independence(table, correction=correction)
    theirs = scipy_stats.chi2_contingency(table, correction=correction)
    assert_close(
        [ours.statistic, ours.pvalue, ours.df],
        [theirs.statistic, theirs.pvalue, theirs.dof],
        rtol=RTOL,
    )
    cramers_v = scipy_stats.contingency.association(table, method="cramer")
    assert_close(ours.effect_size, cramers_v, rtol=RTOL, what="Cramér's V")


def test_small_expected_counts_warn():
    with pytest.warns(RuntimeWarning, match="below 5"):
        stats.chi2_independence([[1, 2], [3, 9]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.chi2_independence([[10, 20], [30, 90]])


def test_interpretation_reads_the_result(samples):
    x, y = samples
    line = stats.ttest_ind(x, y).interpretation
    assert "p = " in line and "95% CI" in line and "Cohen's d" in line


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: stats.ttest_1samp([1.0, np.nan, 2.0]),
            "^sample: expected finite numbers, got nan",
        ),
        (lambda: stats.ttest_1samp([1.0]), "at least 2 observations"),
        (lambda: stats.ttest_1samp([2.0, 2.0, 2.0]), "zero variance"),
        (lambda: stats.ttest_ind([1, 2, 3], [1, 2], alternative="bigger"), "alternative"),
        (lambda: stats.ttest_rel([1, 2, 3], [1, 2]), "paired"),
        (lambda: stats.proportion_ztest(5, 3), r"^count: expected a count in \[0, nobs=3\]"),
        (lambda: stats.proportion_ztest(2, 10, 1.5), "^value: expected"),
        (lambda: stats.two_proportion_ztest(0, 10, 0, 12), "no variance"),
        (lambda: stats.chi2_independence([[1, -2], [3, 4]]), "non-negative"),
        (
            lambda: stats.chisquare_gof([5, 5], [0.3, 0.6]),
            "^expected_proportions: expected proportions summing to 1",
        ),
        (lambda: stats.ttest_1samp([1.0, 2.0, 3.0], confidence_level=1.5), "confidence_level"),
        (lambda: stats.ttest_ind([1, 2, 3], [1, 2, 5], equal_var="yes"), "equal_var"),
        (lambda: stats.proportion_ztest(np.nan, 3), "^count: expected an integer"),
        (lambda: stats.two_proportion_ztest("a", 3, 2, 3), "^count_a: expected an integer"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_t_tests_are_scale_invariant(samples, scale):
    """t, df, p and Cohen's d do not change when the data scale; estimates scale with them
    (issue 9: at 1e300 the squares overflowed to p = 1, at 1e-300 they underflowed to "zero
    variance")."""
    x, y = samples
    pairs = [
        (stats.ttest_1samp(x, 0.1), stats.ttest_1samp(x * scale, 0.1 * scale)),
        (stats.ttest_ind(x, y), stats.ttest_ind(x * scale, y * scale)),
        (stats.ttest_ind(x, y, equal_var=False), stats.ttest_ind(x * scale, y * scale,
                                                                 equal_var=False)),
        (stats.ttest_rel(x, y[: x.size]), stats.ttest_rel(x * scale, y[: x.size] * scale)),
    ]  # fmt: skip
    for base, scaled in pairs:
        assert_close(
            [scaled.statistic, scaled.pvalue, scaled.df, scaled.effect_size],
            [base.statistic, base.pvalue, base.df, base.effect_size],
            rtol=1e-12,
            what="scale-free quantities",
        )
        assert_close(scaled.estimate / scale, base.estimate, rtol=1e-12, what="estimate")
        assert_close(
            np.divide(scaled.confidence_interval, scale),
            base.confidence_interval,
            rtol=1e-12,
            what="interval",
        )


def test_complex_and_string_input_is_refused_not_truncated():
    with pytest.raises(TypeError, match=r"^sample: expected real numbers, got complex"):
        stats.ttest_1samp(np.array([1.0, 2.0, 3.0]) + 1j)
    with pytest.raises(TypeError, match=r"^sample_b: expected real numbers, got complex"):
        stats.ttest_ind([1.0, 2.0, 3.0], np.array([1.0, 2.0, 4.0], dtype=complex))
    with pytest.raises(TypeError, match=r"^sample_a: expected numbers, got '3'"):
        stats.ttest_rel(np.array([1.0, 2.0, "3"], dtype=object), [1.0, 2.0, 4.0])
    with pytest.raises(TypeError, match=r"^table: expected real numbers, got complex"):
        stats.chi2_independence(np.array([[1, 2], [3, 4]]) * (1 + 1j))
