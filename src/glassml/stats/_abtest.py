"""Frequentist A/B testing: difference, relative lift, confidence intervals and a p-value.

Conversion rates use the two-proportion z-test (pooled under H0, Wald interval for the
difference); continuous metrics use Welch's t-test. The relative lift r = mu_B / mu_A - 1 has a
delta-method standard error
    se(r) ~= (mu_B / mu_A) sqrt(se_A^2 / mu_A^2 + se_B^2 / mu_B^2)
(first-order Taylor expansion of the ratio of two independent estimates), which gives its
interval; it is computed in the equivalent form sqrt(se_B^2 + r'^2 se_A^2) / |mu_A|,
r' = mu_B / mu_A, which stays right when mu_B = 0. B is the treatment and A the control
throughout: differences are B - A.
Kohavi, Tang & Xu (2020), "Trustworthy Online Controlled Experiments", ch. 17.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from glassml._validation import check_probability
from glassml.stats._proportions import two_proportion_ztest
from glassml.stats._result import TestResult
from glassml.stats._ttest import ttest_ind
from glassml.stats._validation import as_sample, check_alternative, check_trials, data_scale


@dataclass(frozen=True)
class ABTestResult:
    """What :class:`ABTest` reports: each arm's mean, the difference B - A and the relative
    lift B / A - 1 with their intervals, and the test behind the p-value."""

    mean_a: float
    mean_b: float
    difference: float
    difference_ci: tuple[float, float]
    relative_lift: float
    relative_lift_ci: tuple[float, float]
    pvalue: float
    test: TestResult
    alpha: float

    @property
    def significant(self) -> bool:
        return self.pvalue < self.alpha

    def __str__(self) -> str:
        low, high = self.relative_lift_ci
        verdict = "significant" if self.significant else "not significant"
        return (
            f"A {self.mean_a:.4g} vs B {self.mean_b:.4g}: lift {self.relative_lift:+.2%} "
            f"(CI {low:+.2%} to {high:+.2%}), p = {self.pvalue:.3g}, {verdict} at "
            f"alpha = {self.alpha:g} [{self.test.method}]"
        )


class ABTest:
    """Two-arm experiment analysis at level ``alpha`` (A = control, B = treatment).

    ``conversion``: two-proportion z-test, ``z = (p_B - p_A) / sqrt(p (1 - p) (1/n_A + 1/n_B))``
    with the pooled ``p``; ``continuous``: Welch's t-test. Both report the difference
    ``mu_B - mu_A`` with its interval and the relative lift ``r = mu_B / mu_A - 1`` with the
    delta-method standard error ``se(r) = (mu_B / mu_A) sqrt(se_A^2 / mu_A^2 + se_B^2 / mu_B^2)``
    and interval ``r +- z_{1 - alpha/2} se(r)``.

    References
    ----------
    Kohavi, Tang & Xu (2020), *Trustworthy Online Controlled Experiments*, ch. 17.

    Examples
    --------
    >>> result = ABTest(alpha=0.05).conversion(480, 5000, 560, 5000)
    >>> round(result.relative_lift, 4), round(result.pvalue, 4), result.significant
    (0.1667, 0.0088, True)
    """

    def __init__(self, alpha: float = 0.05, alternative: str = "two-sided"):
        self.alpha = check_probability(alpha, "alpha")
        self.alternative = check_alternative(alternative)

    def _result(
        self, mean_a, se_a, mean_b, se_b, test: TestResult, control: str, scale: float = 1.0
    ) -> ABTestResult:
        """The report from each arm's mean and standard error (in data units / ``scale``)."""
        # The test's estimate is A - B for the underlying functions; report B - A.
        low, high = test.confidence_interval
        if mean_a == 0:
            raise ValueError(
                f"{control}: expected a non-zero control mean, got 0 (the relative lift "
                "B / A - 1 is undefined)"
            )
        ratio = mean_b / mean_a
        lift_se = np.sqrt(se_b**2 + ratio**2 * se_a**2) / abs(mean_a)
        quantile = scipy_stats.norm.ppf(1 - self.alpha / 2)
        lift = ratio - 1
        return ABTestResult(
            mean_a=float(mean_a * scale),
            mean_b=float(mean_b * scale),
            difference=float(-test.estimate),
            difference_ci=(float(-high), float(-low)),
            relative_lift=float(lift),
            relative_lift_ci=(float(lift - quantile * lift_se), float(lift + quantile * lift_se)),
            pvalue=test.pvalue,
            test=test,
            alpha=self.alpha,
        )

    def _mirrored(self) -> str:
        # The underlying tests compare A against B; "B greater" is "A less".
        return {"two-sided": "two-sided", "greater": "less", "less": "greater"}[self.alternative]

    def conversion(
        self, conversions_a: int, visitors_a: int, conversions_b: int, visitors_b: int
    ) -> ABTestResult:
        """Compare conversion rates c_A / n_A and c_B / n_B (two-proportion z-test).

        Examples
        --------
        >>> result = ABTest().conversion(480, 5000, 560, 5000)
        >>> round(result.difference, 4), round(result.pvalue, 4)
        (0.016, 0.0088)
        """
        conversions_a, visitors_a = check_trials(
            conversions_a, visitors_a, "conversions_a", "visitors_a"
        )
        conversions_b, visitors_b = check_trials(
            conversions_b, visitors_b, "conversions_b", "visitors_b"
        )
        total = conversions_a + conversions_b
        if total in (0, visitors_a + visitors_b):
            raise ValueError(
                f"conversions_a, conversions_b: expected at least one conversion and one "
                f"non-conversion in all, got {total} of {visitors_a + visitors_b}"
            )
        test = two_proportion_ztest(
            conversions_a,
            visitors_a,
            conversions_b,
            visitors_b,
            alternative=self._mirrored(),
            confidence_level=1 - self.alpha,
        )
        rate_a, rate_b = conversions_a / visitors_a, conversions_b / visitors_b
        return self._result(
            rate_a,
            np.sqrt(rate_a * (1 - rate_a) / visitors_a),
            rate_b,
            np.sqrt(rate_b * (1 - rate_b) / visitors_b),
            test,
            "conversions_a",
        )

    def continuous(self, metric_a, metric_b) -> ABTestResult:
        """Compare the means of a continuous metric (Welch's t-test).

        Examples
        --------
        >>> control, treatment = [10.1, 9.8, 10.4, 10.0, 9.9], [10.6, 10.9, 10.3, 10.8, 10.5]
        >>> result = ABTest().continuous(control, treatment)
        >>> round(result.relative_lift, 4), result.significant
        (0.0578, True)
        """
        a = as_sample(metric_a, "metric_a")
        b = as_sample(metric_b, "metric_b")
        test = ttest_ind(
            a, b, equal_var=False, alternative=self._mirrored(), confidence_level=1 - self.alpha
        )
        # Means and standard errors in units of the data's scale: no overflow at 1e300.
        scale = data_scale(a, b)
        a, b = a / scale, b / scale
        return self._result(
            np.mean(a),
            np.std(a, ddof=1) / np.sqrt(a.size),
            np.mean(b),
            np.std(b, ddof=1) / np.sqrt(b.size),
            test,
            "metric_a",
            scale,
        )
