"""z-tests for one and two proportions.

One proportion, H0: p = p0.  With p_hat = count / n the score statistic is
    z = (p_hat - p0) / sqrt(p0 (1 - p0) / n)
(``variance="null"``), or with the sample proportion in the variance (``variance="sample"``),
which is what the Wald interval uses.

Two proportions, H0: p1 = p2.  Under H0 both samples share p_pool = (c1 + c2) / (n1 + n2):
    z = (p1_hat - p2_hat) / sqrt(p_pool (1 - p_pool) (1/n1 + 1/n2)).
The confidence interval for p1 - p2 is Wald's, with the unpooled standard error
    sqrt(p1_hat (1 - p1_hat) / n1 + p2_hat (1 - p2_hat) / n2).
Effect size: the risk difference p1_hat - p2_hat.
"""

from __future__ import annotations

import numpy as np

from glassml._validation import check_option, check_probability
from glassml.stats._result import (
    STANDARD_NORMAL,
    TestResult,
    interval_from_distribution,
    pvalue_from_distribution,
)
from glassml.stats._validation import check_alternative, check_trials


def proportion_ztest(
    count: int,
    nobs: int,
    value: float = 0.5,
    *,
    variance: str = "null",
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """z-test of H0: p = value for one binomial proportion.

    Examples
    --------
    >>> result = proportion_ztest(37, 120, 0.25)
    >>> round(result.statistic, 4), round(result.pvalue, 4)
    (1.4757, 0.14)
    """
    count, nobs = check_trials(count, nobs, "count", "nobs")
    value = check_probability(value, "value")
    alternative = check_alternative(alternative)
    confidence_level = check_probability(confidence_level, "confidence_level")
    variance = check_option(variance, "variance", ("null", "sample"))
    proportion = count / nobs
    sample_se = np.sqrt(proportion * (1 - proportion) / nobs)
    test_se = np.sqrt(value * (1 - value) / nobs) if variance == "null" else sample_se
    if test_se == 0.0:
        raise ValueError(
            f"count: expected a count strictly between 0 and nobs for variance='sample', got "
            f"{count} of {nobs} (the sample variance is zero; use variance='null')"
        )
    statistic = (proportion - value) / test_se
    return TestResult(
        method="one-proportion z-test",
        statistic=float(statistic),
        pvalue=pvalue_from_distribution(statistic, STANDARD_NORMAL, alternative),
        df=None,
        estimate=proportion,
        confidence_interval=interval_from_distribution(
            proportion, sample_se, STANDARD_NORMAL, alternative, confidence_level
        ),
        confidence_level=confidence_level,
        effect_size=proportion - value,
        effect_size_name="difference from the null proportion",
        alternative=alternative,
        null_value=value,
    )


def two_proportion_ztest(
    count_a: int,
    nobs_a: int,
    count_b: int,
    nobs_b: int,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """Pooled z-test of H0: p_a = p_b, with a Wald interval for p_a - p_b.

    Examples
    --------
    >>> result = two_proportion_ztest(130, 1000, 101, 980)
    >>> round(result.statistic, 4), round(result.pvalue, 4)
    (1.8669, 0.0619)
    """
    count_a, nobs_a = check_trials(count_a, nobs_a, "count_a", "nobs_a")
    count_b, nobs_b = check_trials(count_b, nobs_b, "count_b", "nobs_b")
    alternative = check_alternative(alternative)
    confidence_level = check_probability(confidence_level, "confidence_level")
    proportion_a, proportion_b = count_a / nobs_a, count_b / nobs_b
    pooled = (count_a + count_b) / (nobs_a + nobs_b)
    pooled_se = np.sqrt(pooled * (1 - pooled) * (1 / nobs_a + 1 / nobs_b))
    if pooled_se == 0.0:
        raise ValueError(
            f"count_a, count_b: expected at least one success and one failure in all, got "
            f"{count_a + count_b} successes in {nobs_a + nobs_b} trials (no variance to test)"
        )
    difference = proportion_a - proportion_b
    unpooled_se = np.sqrt(
        proportion_a * (1 - proportion_a) / nobs_a + proportion_b * (1 - proportion_b) / nobs_b
    )
    statistic = difference / pooled_se
    return TestResult(
        method="two-proportion z-test (pooled)",
        statistic=float(statistic),
        pvalue=pvalue_from_distribution(statistic, STANDARD_NORMAL, alternative),
        df=None,
        estimate=difference,
        confidence_interval=interval_from_distribution(
            difference, unpooled_se, STANDARD_NORMAL, alternative, confidence_level
        ),
        confidence_level=confidence_level,
        effect_size=difference,
        effect_size_name="risk difference",
        alternative=alternative,
        null_value=0.0,
    )
