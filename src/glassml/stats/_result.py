"""The result every hypothesis test returns: numbers plus a one-line reading in plain words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from glassml.stats._validation import check_alternative


@dataclass(frozen=True)
class TestResult:
    """Outcome of a hypothesis test.

    ``statistic`` and ``pvalue`` are the test's; ``confidence_interval`` is for the quantity the
    test is about (a mean, a difference, a proportion) at ``confidence_level``; ``effect_size``
    is named by ``effect_size_name`` (Cohen's d, risk difference, Cramér's V).
    """

    __test__ = False  # not a pytest test class, despite its name

    method: str
    statistic: float
    pvalue: float
    df: float | None
    estimate: float | None
    confidence_interval: tuple[float, float] | None
    confidence_level: float
    effect_size: float | None
    effect_size_name: str | None
    alternative: str
    null_value: float | None = None

    @property
    def interpretation(self) -> str:
        """A one-line reading at the 5 % level, in plain language."""
        significant = self.pvalue < 0.05
        verdict = "evidence against" if significant else "no evidence against"
        what = {
            "two-sided": "the null hypothesis",
            "less": "the null hypothesis, in favour of 'less'",
            "greater": "the null hypothesis, in favour of 'greater'",
        }[self.alternative]
        line = (
            f"{self.method}: p = {self.pvalue:.3g}, so at the 5 % level there is {verdict} {what}"
        )
        if self.confidence_interval is not None and self.estimate is not None:
            low, high = self.confidence_interval
            line += (
                f"; estimate {self.estimate:.4g}, {self.confidence_level:.0%} CI "
                f"[{low:.4g}, {high:.4g}]"
            )
        if self.effect_size is not None:
            line += f"; {self.effect_size_name} = {self.effect_size:.3g}"
        return line + "."

    def __str__(self) -> str:
        return self.interpretation


def pvalue_from_distribution(statistic: float, distribution, alternative: str) -> float:
    """Tail probability of ``statistic`` under a frozen scipy distribution."""
    check_alternative(alternative)
    if alternative == "less":
        return float(distribution.cdf(statistic))
    if alternative == "greater":
        return float(distribution.sf(statistic))
    # Two-sided for a symmetric null: twice the smaller tail.
    return float(min(1.0, 2.0 * min(distribution.cdf(statistic), distribution.sf(statistic))))


def interval_from_distribution(
    estimate: float, standard_error: float, distribution, alternative: str, level: float
) -> tuple[float, float]:
    """``estimate ± quantile * standard_error``, one-sided where the alternative is."""
    if alternative == "two-sided":
        quantile = distribution.ppf(0.5 + level / 2)
        return (estimate - quantile * standard_error, estimate + quantile * standard_error)
    quantile = distribution.ppf(level)
    if alternative == "less":
        return (-np.inf, estimate + quantile * standard_error)
    return (estimate - quantile * standard_error, np.inf)


STANDARD_NORMAL = scipy_stats.norm()
