"""Permutation tests and bootstrap intervals against scipy.stats.

References and tolerances:
- exact permutation tests (all reassignments enumerated): scipy.stats.permutation_test, p-value
  and sorted null distribution to 1e-10 relative.
- random permutation tests: the p-value within its Monte Carlo standard error
  sqrt(2 p (1 - p) / R) of scipy's (both estimate the same p with R resamples each), the null
  distribution's mean within its standard error of the exact mean; every stochastic check here
  fails with probability below 1e-4 for a correct implementation (parity.assert_within_se).
- bootstrap: given the same bootstrap distribution, scipy.stats.bootstrap's percentile, basic
  and BCa intervals to 1e-10 (the deterministic part: quantiles, bias, jackknife acceleration);
  our own resampling (20,000 resamples each): the bootstrap distributions' CDFs at scipy's
  quantiles within their binomial standard errors, the bootstrap SEs within the standard error
  of an sd estimate (from each distribution's kurtosis), and for the mean the interval
  endpoints within 5 % of the interval width: an endpoint (a 2.5 % quantile) has Monte Carlo
  SE sqrt(q (1 - q) / B) / phi(z_q) = 0.019 sd, the difference of two 0.027 sd = 0.7 % of the
  3.92 sd width, so 5 % is 7 standard errors.
"""

import numpy as np
import pytest
from parity import assert_close, assert_within_se
from scipy import stats as scipy_stats

from glassml import stats


def mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def median_ratio(x, y, axis=-1):
    return np.median(x, axis=axis) / np.median(y, axis=axis)


@pytest.fixture(scope="module")
def two_samples():
    rng = np.random.default_rng(3)
    return rng.normal(0.4, 1.0, 40), rng.normal(0.0, 1.0, 35)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("statistic", [mean_difference, median_ratio])
def test_exact_permutation_test_matches_scipy(statistic, alternative):
    rng = np.random.default_rng(11)
    x, y = rng.gamma(2.0, 1.0, 7), rng.gamma(2.0, 1.5, 6)
    ours = stats.permutation_test((x, y), statistic, alternative=alternative)
    theirs = scipy_stats.permutation_test((x, y), statistic, alternative=alternative)
    assert ours.exact and ours.n_resamples == 1716  # C(13, 6)
    assert_close(ours.pvalue, theirs.pvalue, rtol=1e-10, what="exact p-value")
    assert_close(np.sort(ours.null_distribution), np.sort(theirs.null_distribution), rtol=1e-10)


def test_exact_paired_permutation_test_matches_scipy():
    rng = np.random.default_rng(5)
    x = rng.normal(size=10)
    y = x + rng.normal(0.3, 0.5, 10)
    ours = stats.permutation_test((x, y), mean_difference, permutation_type="paired")
    theirs = scipy_stats.permutation_test((x, y), mean_difference, permutation_type="samples")
    assert ours.exact
    assert_close(ours.pvalue, theirs.pvalue, rtol=1e-10, what="paired exact p-value")


def test_exact_three_sample_permutation_test_matches_scipy():
    rng = np.random.default_rng(2)
    groups = (rng.normal(size=3), rng.normal(0.5, size=3), rng.normal(1.0, size=2))

    def spread_of_means(a, b, c, axis=-1):
        means = np.stack([np.mean(g, axis=axis) for g in (a, b, c)])
        return np.var(means, axis=0)

    ours = stats.permutation_test(groups, spread_of_means, alternative="greater")
    theirs = scipy_stats.permutation_test(groups, spread_of_means, alternative="greater")
    assert ours.exact
    assert_close(ours.pvalue, theirs.pvalue, rtol=1e-10, what="3-sample exact p-value")


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_random_permutation_test_agrees_with_scipy_within_monte_carlo_error(
    two_samples, alternative
):
    x, y = two_samples
    n_resamples = 20_000
    ours = stats.permutation_test(
        (x, y), mean_difference, n_resamples=n_resamples, alternative=alternative, random_state=0
    )
    theirs = scipy_stats.permutation_test(
        (x, y), mean_difference, n_resamples=n_resamples, alternative=alternative, rng=0
    )
    assert not ours.exact
    p = theirs.pvalue
    # Two-sided p-values are twice a tail: their SE doubles that of the tail proportion.
    factor = 2.0 if alternative == "two-sided" else 1.0
    tail = p / factor
    se = factor * np.sqrt(2 * tail * (1 - tail) / n_resamples) + 1 / n_resamples
    assert_within_se(ours.pvalue, p, se, what="p-value")
    # Under H0 every reassignment is equally likely, so the null is centred on zero.
    null = ours.null_distribution
    assert_within_se(np.mean(null), 0.0, np.std(null) / np.sqrt(null.size), what="null mean")


def test_permutation_null_is_uniform_over_reassignments():
    # Exact: the null of "sum of group 1" lists the sums of every 2-subset of {1, ..., 5} once.
    data = (np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))
    result = stats.permutation_test(
        data, lambda a, b, axis=-1: np.sum(a, axis=axis), n_resamples=100, random_state=1
    )
    subset_sums = sorted(a + b for a in range(1, 6) for b in range(a + 1, 6))
    assert result.exact and sorted(result.null_distribution) == subset_sums
    big = stats.permutation_test(
        (np.arange(3.0), np.arange(3.0, 40.0)),
        lambda a, b, axis=-1: np.sum(a, axis=axis),
        n_resamples=40_000,
        random_state=2,
    )
    # E[sum of 3 draws without replacement from 0..39] = 3 * 19.5, with variance
    # 3 sigma^2 (N - 3) / (N - 1), sigma^2 = (N^2 - 1) / 12. (The bound 0.2 used before was
    # 2 standard errors: it failed for about 4 % of seeds.)
    sd = np.sqrt(3 * (40**2 - 1) / 12 * 37 / 39)
    assert_within_se(np.mean(big.null_distribution), 58.5, sd / np.sqrt(40_000), what="mean")


@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_bootstrap_interval_matches_scipy_given_the_same_resamples(method):
    rng = np.random.default_rng(0)
    x = rng.exponential(size=150)
    ours = stats.bootstrap((x,), np.mean, n_resamples=4000, method=method, random_state=1)
    reuse = scipy_stats._resampling.BootstrapResult(
        confidence_interval=None,
        bootstrap_distribution=ours.bootstrap_distribution,
        standard_error=None,
    )
    scipy_method = "BCa" if method == "bca" else method
    theirs = scipy_stats.bootstrap(
        (x,), np.mean, n_resamples=0, bootstrap_result=reuse, method=scipy_method
    )
    interval = theirs.confidence_interval
    assert_close(ours.confidence_interval, [interval.low, interval.high], rtol=1e-10)


def test_bca_two_sample_statistic_matches_scipy_given_the_same_resamples(two_samples):
    x, y = two_samples
    ours = stats.bootstrap((x, y), mean_difference, n_resamples=3000, random_state=4)
    reuse = scipy_stats._resampling.BootstrapResult(
        confidence_interval=None,
        bootstrap_distribution=ours.bootstrap_distribution,
        standard_error=None,
    )
    theirs = scipy_stats.bootstrap((x, y), mean_difference, n_resamples=0, bootstrap_result=reuse)
    interval = theirs.confidence_interval
    assert_close(ours.confidence_interval, [interval.low, interval.high], rtol=1e-10)


@pytest.mark.parametrize("statistic", [np.mean, np.median])
def test_bootstrap_distribution_agrees_with_scipy_within_monte_carlo_error(statistic):
    # Compare the two bootstrap distributions through their CDFs at scipy's quantiles: each
    # CDF value is a binomial proportion over B resamples, so they agree within 4 standard
    # errors. This also holds for the median, whose bootstrap distribution has atoms (an
    # endpoint of a percentile interval can jump between atoms from one seed to the next).
    rng = np.random.default_rng(8)
    x = rng.lognormal(size=120)
    n_resamples = 20_000
    ours = stats.bootstrap(
        (x,), statistic, n_resamples=n_resamples, method="percentile", random_state=0
    )
    theirs = scipy_stats.bootstrap(
        (x,), statistic, n_resamples=n_resamples, method="percentile", rng=0
    )
    theirs_values, mine_values = theirs.bootstrap_distribution, ours.bootstrap_distribution
    points = np.quantile(theirs_values, [0.025, 0.25, 0.5, 0.75, 0.975])
    mine_cdf = np.array([np.mean(mine_values <= point) for point in points])
    their_cdf = np.array([np.mean(theirs_values <= point) for point in points])
    se = np.sqrt(2 * their_cdf * (1 - their_cdf) / n_resamples) + 1e-4
    assert_within_se(mine_cdf, their_cdf, se, what="bootstrap CDF")
    # The relative SE of an sd from B draws of kurtosis k is sqrt((k - 1) / (4 B)); two of them.
    kurtosis = scipy_stats.kurtosis(theirs_values, fisher=False)
    relative_se = np.sqrt(2 * (kurtosis - 1) / (4 * n_resamples))
    assert_within_se(ours.standard_error / theirs.standard_error, 1.0, relative_se,
                     what="bootstrap SE ratio")  # fmt: skip


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_bootstrap_interval_of_a_smooth_statistic_agrees_with_scipy(method):
    # For the mean the endpoints' Monte Carlo error is ~1 % of the width at 20,000 resamples.
    rng = np.random.default_rng(8)
    x = rng.lognormal(size=120)
    ours = stats.bootstrap((x,), np.mean, n_resamples=20_000, method=method, random_state=0)
    theirs = scipy_stats.bootstrap(
        (x,), np.mean, n_resamples=20_000, method="BCa" if method == "bca" else method, rng=0
    )
    low, high = theirs.confidence_interval
    width = high - low
    assert abs(ours.confidence_interval[0] - low) <= 0.05 * width
    assert abs(ours.confidence_interval[1] - high) <= 0.05 * width


def test_resampling_kernel_draws_every_index_equally_often():
    from scipy.stats import chisquare

    from glassml.stats._resampling import _resampled_rows

    rows = _resampled_rows(np.arange(7.0), 20_000, np.random.default_rng(0))
    counts = np.bincount(rows.ravel().astype(int), minlength=7)
    # p-values are uniform for a correct kernel: each check fails with probability 5e-5.
    assert chisquare(counts).pvalue > 5e-5
    # The two indices drawn from one uniform (positions 0 and 1) are independent.
    pairs = np.zeros((7, 7))
    np.add.at(pairs, (rows[:, 0].astype(int), rows[:, 1].astype(int)), 1)
    assert scipy_stats.chi2_contingency(pairs).pvalue > 5e-5


def test_non_vectorised_statistic_gives_the_same_answer():
    rng = np.random.default_rng(1)
    x = rng.normal(size=30)
    vectorised = stats.bootstrap((x,), np.mean, n_resamples=500, random_state=3)
    row_wise = stats.bootstrap(
        (x,), lambda sample: float(np.mean(sample)), n_resamples=500, random_state=3
    )
    assert_close(row_wise.confidence_interval, vectorised.confidence_interval, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: stats.permutation_test([], np.mean), "^data: expected a sequence of 1-D samples"),
        (lambda: stats.permutation_test(([1.0, np.inf], [2.0, 3.0]), np.mean), r"data\[0\]"),
        (lambda: stats.permutation_test(([1.0], [2.0, 3.0]), np.mean), "at least 2"),
        (
            lambda: stats.permutation_test(([1.0, 2.0], [2.0, 3.0]), np.mean, n_resamples=0),
            "n_resamples",
        ),
        (
            lambda: stats.permutation_test(
                ([1.0, 2.0], [2.0, 3.0]), np.mean, permutation_type="pairs"
            ),
            "permutation_type",
        ),
        (lambda: stats.bootstrap(([1.0, 2.0, 3.0],), np.mean, method="bc"), "method"),
        (lambda: stats.bootstrap(([1.0, 2.0, 3.0],), "mean"), "^statistic: expected a callable"),
        (lambda: stats.permutation_test(([1.0, 2.0], [3.0, 4.0]), None), "^statistic"),
        (
            lambda: stats.bootstrap(([1.0, 2.0, 3.0],), np.mean, confidence_level=0),
            "confidence_level",
        ),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": None}, r"^method: expected one of \['basic', 'bca', 'percentile'\], got None"),
        ({"n_resamples": np.inf}, r"^n_resamples: expected an integer"),
        ({"n_resamples": 10**12}, r"^n_resamples: expected at most"),
        ({"random_state": "seed"}, r"^random_state: expected"),
        ({"vectorized": "yes"}, r"^vectorized: expected True or False"),
    ],
)
def test_bootstrap_options_are_refused_by_name(options, message):
    """Issue 9: method=None raised AttributeError, n_resamples=inf an OverflowError."""
    with pytest.raises(ValueError, match=message):
        stats.bootstrap(([1.0, 2.0, 3.0, 5.0],), np.mean, **options)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_bootstrap_is_scale_equivariant(scale):
    x = np.random.default_rng(0).exponential(size=60)
    base = stats.bootstrap((x,), np.mean, n_resamples=500, random_state=1)
    scaled = stats.bootstrap((x * scale,), np.mean, n_resamples=500, random_state=1)
    assert_close(np.divide(scaled.confidence_interval, scale), base.confidence_interval,
                 rtol=1e-10)  # fmt: skip
    assert_close(scaled.standard_error / scale, base.standard_error, rtol=1e-10)
