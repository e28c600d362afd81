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

from glassml.stats._result import (
    STANDARD_NORMAL,
    TestResult,
    interval_from_distribution,
    pvalue_from_distribution,
)
from glassml.stats._validation import check_alternative, check_count, check_probability


def proportion_ztest(
    count: int,
    nobs: int,
    value: float = 0.5,
    *,
    variance: str = "null",
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """z-test of H0: p = value for one binomial proportion."""
    count, nobs = check_count(count, nobs, "count", "nobs")
    check_probability(value, "value")
    check_alternative(alternative)
    check_probability(confidence_level, "confidence_level")
    if variance not in ("null", "sample"):
        raise ValueError(f"variance must be 'null' or 'sample'; got {variance!r}")
    proportion = count / nobs
    sample_se = np.sqrt(proportion * (1 - proportion) / nobs)
    test_se = np.sqrt(value * (1 - value) / nobs) if variance == "null" else sample_se
    if test_se == 0.0:
        raise ValueError("count is 0 or nobs: the sample variance is zero; use variance='null'")
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
    """Pooled z-test of H0: p_a = p_b, with a Wald interval for p_a - p_b."""
    count_a, nobs_a = check_count(count_a, nobs_a, "count_a", "nobs_a")
    count_b, nobs_b = check_count(count_b, nobs_b, "count_b", "nobs_b")
    check_alternative(alternative)
    check_probability(confidence_level, "confidence_level")
    proportion_a, proportion_b = count_a / nobs_a, count_b / nobs_b
    pooled = (count_a + count_b) / (nobs_a + nobs_b)
    pooled_se = np.sqrt(pooled * (1 - pooled) * (1 / nobs_a + 1 / nobs_b))
    if pooled_se == 0.0:
        raise ValueError(
            "count_a and count_b are both 0 or both all of nobs: the proportions have no variance"
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
