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

Every quantity above is scale-free (t, df, p, d) or scales with the data (estimate, interval),
so the data are first divided by a power of two near their largest magnitude: samples at 1e300
or 1e-300 give the same test as at 1, instead of overflowing or underflowing in the squares.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as scipy_stats

from glassml._validation import check_bool, check_probability, check_scalar
from glassml.stats._result import (
    TestResult,
    interval_from_distribution,
    pvalue_from_distribution,
)
from glassml.stats._validation import as_sample, check_alternative, data_scale


def _t_result(
    method: str,
    estimate: float,
    standard_error: float,
    df: float,
    null_value: float,
    alternative: str,
    confidence_level: float,
    effect_size: float,
    scale: float,
) -> TestResult:
    """The result of a test computed on data divided by ``scale``, reported in data units."""
    distribution = scipy_stats.t(df)
    statistic = (estimate - null_value) / standard_error
    low, high = interval_from_distribution(
        estimate, standard_error, distribution, alternative, confidence_level
    )
    return TestResult(
        method=method,
        statistic=float(statistic),
        pvalue=pvalue_from_distribution(statistic, distribution, alternative),
        df=float(df),
        estimate=float(estimate * scale),
        confidence_interval=(float(low * scale), float(high * scale)),
        confidence_level=confidence_level,
        effect_size=float(effect_size),
        effect_size_name="Cohen's d",
        alternative=alternative,
        null_value=float(null_value * scale),
    )


def _sd(sample: np.ndarray, name: str) -> float:
    sd = float(np.std(sample, ddof=1))
    if sd == 0.0:
        raise ValueError(f"{name}: expected observations that vary, got zero variance")
    return sd


def _options(alternative: Any, confidence_level: Any) -> tuple[str, float]:
    return (
        check_alternative(alternative),
        check_probability(confidence_level, "confidence_level"),
    )


def ttest_1samp(
    sample,
    popmean: float = 0.0,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """One-sample t-test of H0: mean(sample) = popmean.

    Examples
    --------
    >>> result = ttest_1samp([5.1, 4.9, 5.6, 5.8, 6.0, 5.3], popmean=5.0)
    >>> round(result.statistic, 4), round(result.pvalue, 4), result.df
    (2.6053, 0.0479, 5.0)
    """
    x = as_sample(sample, "sample")
    popmean = check_scalar(popmean, "popmean")
    alternative, confidence_level = _options(alternative, confidence_level)
    return _one_sample(x, "sample", "one-sample t-test", popmean, alternative, confidence_level)


def _one_sample(
    x: np.ndarray,
    name: str,
    method: str,
    popmean: float,
    alternative: str,
    confidence_level: float,
) -> TestResult:
    scale = data_scale(x)
    x, popmean = x / scale, popmean / scale
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
        scale,
    )


def ttest_ind(
    sample_a,
    sample_b,
    *,
    equal_var: bool = True,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """Two-sample t-test of H0: mean(a) = mean(b); Student (equal_var) or Welch.

    Examples
    --------
    >>> a = [20.1, 22.4, 19.8, 21.7, 23.0, 20.9]
    >>> b = [18.2, 19.5, 17.9, 20.3, 18.8, 19.1]
    >>> result = ttest_ind(a, b, equal_var=False)
    >>> round(result.statistic, 3), round(result.pvalue, 4)
    (3.725, 0.0049)
    """
    a = as_sample(sample_a, "sample_a")
    b = as_sample(sample_b, "sample_b")
    alternative, confidence_level = _options(alternative, confidence_level)
    equal_var = check_bool(equal_var, "equal_var")
    scale = data_scale(a, b)
    a, b = a / scale, b / scale
    n1, n2 = a.size, b.size
    var1, var2 = np.var(a, ddof=1), np.var(b, ddof=1)
    if var1 == 0.0 and var2 == 0.0:
        raise ValueError(
            "sample_a, sample_b: expected observations that vary, got zero variance in both"
        )
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
        scale,
    )


def ttest_rel(
    sample_a,
    sample_b,
    *,
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
) -> TestResult:
    """Paired t-test: the one-sample test of the differences a - b against 0.

    Examples
    --------
    >>> before = [72.0, 80.5, 65.2, 90.1, 77.3]
    >>> after = [70.2, 78.9, 65.0, 86.4, 75.1]
    >>> result = ttest_rel(before, after)
    >>> round(result.estimate, 2), round(result.pvalue, 4)
    (1.9, 0.0278)
    """
    a = as_sample(sample_a, "sample_a")
    b = as_sample(sample_b, "sample_b")
    if a.shape != b.shape:
        raise ValueError(
            f"sample_a, sample_b: expected paired samples of equal length, got {a.size} and "
            f"{b.size}"
        )
    alternative, confidence_level = _options(alternative, confidence_level)
    # Differences of numbers near the float64 limit can overflow: scale before subtracting.
    scale = data_scale(a, b)
    result = _one_sample(
        a / scale - b / scale,
        "sample_a - sample_b",
        "paired t-test",
        0.0,
        alternative,
        confidence_level,
    )
    return _rescaled(result, scale)


def _rescaled(result: TestResult, scale: float) -> TestResult:
    from dataclasses import replace

    low, high = result.confidence_interval
    return replace(
        result,
        estimate=result.estimate * scale,
        confidence_interval=(low * scale, high * scale),
    )
