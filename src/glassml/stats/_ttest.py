"""Student's and Welch's t-tests.

Every t-test has the same shape: an estimate (a mean or a difference of means), its standard
error, and the statistic ``t = (estimate - null_value) / standard_error`` compared with a
Student t distribution whose degrees of freedom depend on the design:

- one sample:  se = s / sqrt(n),                            df = n - 1
- Student:     se = s_p sqrt(1/n1 + 1/n2),                   df = n1 + n2 - 2,
               s_p^2 = ((n1 - 1) s1^2 + (n2 - 1) s2^2) / (n1 + n2 - 2)
- Welch:       se = sqrt(s1^2/n1 + s2^2/n2),
               df = se^4 / ((s1^2/n1)^2/(n1 - 1) + (s2^2/n2)^2/(n2 - 1))   (Welch–Satterthwaite)
- paired:      the one-sample test on the differences.

Effect size: Cohen's d, the estimate in units of the (pooled) standard deviation.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from glassml.stats._result import (
    TestResult,
    interval_from_distribution,
    pvalue_from_distribution,
)
from glassml.stats._validation import as_sample, check_alternative, check_probability


def _t_result(
    method: str,
    estimate: float,
    standard_error: float,
    df: float,
    null_value: float,
    alternative: str,
    confidence_level: float,
    effect_size: float,
) -> TestResult:
    distribution = scipy_stats.t(df)
    statistic = (estimate - null_value) / standard_error
    return TestResult(
        method=method,
        statistic=float(statistic),
        pvalue=pvalue_from_distribution(statistic, distribution, alternative),
        df=float(df),
        estimate=float(estimate),
        confidence_interval=interval_from_distribution(
            estimate, standard_error, distribution, alternative, confidence_level
        ),
        confidence_level=confidence_level,
        effect_size=float(effect_size),
        effect_size_name="Cohen's d",
        alternative=alternative,
        null_value=float(null_value),
    )


def _sd(sample: np.ndarray, name: str) -> float:
    sd = float(np.std(sample, ddof=1))
    if sd == 0.0:
        raise ValueError(f"{name} has zero variance: a t-test needs spread in the data")
    return sd


def ttest_1samp(
    sample,
    popmean: float = 0.0,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """One-sample t-test of H0: mean(sample) = popmean."""
    return _one_sample(
        as_sample(sample, "sample"),
        "sample",
        "one-sample t-test",
        popmean,
        alternative,
        confidence_level,
    )


def _one_sample(
    x: np.ndarray,
    name: str,
    method: str,
    popmean: float,
    alternative: str,
    confidence_level: float,
) -> TestResult:
    check_alternative(alternative)
    check_probability(confidence_level, "confidence_level")
    n = x.size
    sd = _sd(x, name)
    mean = float(np.mean(x))
    return _t_result(
        method,
        mean,
        sd / np.sqrt(n),
        n - 1,
        popmean,
        alternative,
        confidence_level,
        (mean - popmean) / sd,
    )


def ttest_ind(
    sample_a,
    sample_b,
    *,
    equal_var: bool = True,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """Two-sample t-test of H0: mean(a) = mean(b); Student (equal_var) or Welch."""
    a = as_sample(sample_a, "sample_a")
    b = as_sample(sample_b, "sample_b")
    check_alternative(alternative)
    check_probability(confidence_level, "confidence_level")
    if not isinstance(equal_var, bool | np.bool_):
        raise ValueError(f"equal_var must be True or False; got {equal_var!r}")
    n1, n2 = a.size, b.size
    var1, var2 = np.var(a, ddof=1), np.var(b, ddof=1)
    if var1 == 0.0 and var2 == 0.0:
        raise ValueError("sample_a and sample_b both have zero variance: nothing to test")
    pooled_var = ((n1 - 1) * var1 + (n2 - 1) * var2) / (n1 + n2 - 2)
    difference = float(np.mean(a) - np.mean(b))
    if equal_var:
        standard_error = np.sqrt(pooled_var * (1.0 / n1 + 1.0 / n2))
        df = n1 + n2 - 2
        method = "two-sample t-test (Student, pooled variance)"
    else:
        share1, share2 = var1 / n1, var2 / n2
        standard_error = np.sqrt(share1 + share2)
        df = (share1 + share2) ** 2 / (share1**2 / (n1 - 1) + share2**2 / (n2 - 1))
        method = "two-sample t-test (Welch)"
    return _t_result(
        method,
        difference,
        standard_error,
        df,
        0.0,
        alternative,
        confidence_level,
        difference / np.sqrt(pooled_var),
    )


def ttest_rel(
    sample_a,
    sample_b,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """Paired t-test: the one-sample test of the differences a - b against 0."""
    a = as_sample(sample_a, "sample_a")
    b = as_sample(sample_b, "sample_b")
    if a.shape != b.shape:
        raise ValueError(
            f"sample_a and sample_b must be paired (same length); got {a.size} and {b.size}"
        )
    return _one_sample(
        a - b,
        "the differences sample_a - sample_b",
        "paired t-test",
        0.0,
        alternative,
        confidence_level,
    )
