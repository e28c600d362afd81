"""Pearson's chi-square tests: goodness of fit and independence in a contingency table.

Statistic: X^2 = sum over cells of (observed - expected)^2 / expected, compared with a
chi-square distribution.
- goodness of fit: expected from the hypothesised proportions, df = k - 1 - ddof;
- independence: expected_ij = row_i * column_j / total, df = (r - 1)(c - 1); for a 2 x 2 table
  Yates' continuity correction moves each observed count half a unit towards its expectation.
The approximation is poor when expected counts fall below 5: a warning says so.
Effect size for independence: Cramér's V = sqrt(X^2 / (n (min(r, c) - 1))) (uncorrected X^2).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats as scipy_stats

from glassml._validation import check_bool, check_count, fail
from glassml.stats._result import TestResult
from glassml.stats._validation import check_finite, data_scale, real_array


def _counts(values, name: str, ndim: int) -> np.ndarray:
    """Non-negative finite numbers in an array of ``ndim`` axes, divided by a power of two.

    Pearson's X^2 scales with the counts, so a scale is kept in the data only through the
    total; dividing by a power of two first keeps the squares inside float64 at 1e300.
    """
    counts = real_array(values, name)
    if counts.ndim != ndim:
        raise fail(name, f"a {ndim}-D array of counts", counts)
    if counts.size == 0:
        raise fail(name, "a non-empty array of counts", counts)
    check_finite(counts, name)
    if np.any(counts < 0):
        raise ValueError(f"{name}: expected non-negative counts, got {counts[counts < 0][0]!r}")
    return counts


def _warn_small_expected(expected: np.ndarray) -> None:
    if np.any(expected < 5):
        warnings.warn(
            f"{int(np.sum(expected < 5))} expected count(s) below 5: the chi-square "
            "approximation may be poor (consider an exact or permutation test)",
            RuntimeWarning,
            stacklevel=3,
        )


def chisquare_gof(observed, expected_proportions=None, *, ddof: int = 0) -> TestResult:
    """Goodness of fit of counts to proportions (uniform when not given).

    Examples
    --------
    >>> result = chisquare_gof([43, 52, 54, 40, 61])
    >>> round(result.statistic, 4), round(result.pvalue, 4)
    (5.8, 0.2146)
    """
    observed = _counts(observed, "observed", 1)
    if observed.size < 2:
        raise fail("observed", "counts in at least 2 categories", observed)
    ddof = check_count(ddof, "ddof", minimum=0)
    df = observed.size - 1 - ddof
    if df < 1:
        raise ValueError(
            f"ddof: expected at most {observed.size - 2} for {observed.size} categories, got "
            f"{ddof} (no degrees of freedom left)"
        )
    total = observed.sum()
    if total == 0:
        raise ValueError("observed: expected at least one observation, got all-zero counts")
    if expected_proportions is None:
        proportions = np.full(observed.size, 1.0 / observed.size)
    else:
        proportions = _counts(expected_proportions, "expected_proportions", 1)
        if proportions.shape != observed.shape:
            raise ValueError(
                f"expected_proportions: expected one proportion per category ({observed.size}),"
                f" got {proportions.size}"
            )
        if not np.isclose(proportions.sum(), 1.0, rtol=1e-8):
            raise ValueError(
                f"expected_proportions: expected proportions summing to 1, got a sum of "
                f"{proportions.sum():.6g}"
            )
        if np.any(proportions == 0):
            raise ValueError(
                "expected_proportions: expected a positive proportion in every category, got 0"
            )
    # X^2 and the effect size computed on counts / scale: X^2 = scale * X^2(counts / scale).
    scale = data_scale(observed)
    observed = observed / scale
    expected = observed.sum() * proportions
    _warn_small_expected(expected * scale)
    statistic = float(np.sum((observed - expected) ** 2 / expected) * scale)
    return TestResult(
        method="chi-square goodness-of-fit test",
        statistic=statistic,
        pvalue=float(scipy_stats.chi2.sf(statistic, df)),
        df=float(df),
        estimate=None,
        confidence_interval=None,
        confidence_level=0.95,
        # Cohen's w: the root of X^2 per observation.
        effect_size=float(np.sqrt(statistic / scale / observed.sum())),
        effect_size_name="Cohen's w",
        alternative="two-sided",
    )


def chi2_independence(table, *, correction: bool = True) -> TestResult:
    """Independence of the rows and columns of a contingency table (r x c counts).

    Examples
    --------
    >>> result = chi2_independence([[12, 30], [25, 18]])
    >>> round(result.statistic, 4), round(result.pvalue, 4), result.df
    (6.4018, 0.0114, 1.0)
    """
    observed = _counts(table, "table", 2)
    correction = check_bool(correction, "correction")
    n_rows, n_columns = observed.shape
    if n_rows < 2 or n_columns < 2:
        raise fail("table", "a table of at least 2 x 2 counts", observed)
    # X^2 scales with the counts: form it on counts / scale (a power of two, exact), where the
    # products and squares stay inside float64 at 1e300 and 1e-300, then scale back. Yates'
    # half-count shift is in count units: 0.5 / scale in these.
    scale = data_scale(observed)
    observed = observed / scale
    row_totals, column_totals = observed.sum(axis=1), observed.sum(axis=0)
    if np.any(row_totals == 0) or np.any(column_totals == 0):
        raise ValueError(
            "table: expected counts in every row and column, got an empty row or column "
            "(its expected counts would be zero)"
        )
    total = observed.sum()
    expected = np.outer(row_totals, column_totals) / total
    _warn_small_expected(expected * scale)
    df = (n_rows - 1) * (n_columns - 1)
    uncorrected = float(np.sum((observed - expected) ** 2 / expected))
    statistic = uncorrected
    method = "chi-square test of independence"
    if df == 1 and correction:
        # Yates: shrink each |observed - expected| by half a count, but never past zero.
        shrink = np.minimum(0.5 / scale, np.abs(expected - observed))
        adjusted = observed + shrink * np.sign(expected - observed)
        statistic = float(np.sum((adjusted - expected) ** 2 / expected))
        method += " (Yates-corrected)"
    cramers_v = float(np.sqrt(uncorrected / (total * (min(n_rows, n_columns) - 1))))
    statistic *= scale
    return TestResult(
        method=method,
        statistic=statistic,
        pvalue=float(scipy_stats.chi2.sf(statistic, df)),
        df=float(df),
        estimate=None,
        confidence_interval=None,
        confidence_level=0.95,
        effect_size=cramers_v,
        effect_size_name="Cramér's V",
        alternative="two-sided",
    )
