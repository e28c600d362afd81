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

from glassml.stats._result import TestResult


def _counts(values, name: str, ndim: int) -> np.ndarray:
    try:
        counts = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of counts") from error
    if counts.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {counts.shape}")
    if counts.size == 0 or not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError(f"{name} must be non-empty, finite and non-negative")
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
    """Goodness of fit of counts to proportions (uniform when not given)."""
    observed = _counts(observed, "observed", 1)
    if observed.size < 2:
        raise ValueError("observed needs at least 2 categories")
    total = observed.sum()
    if expected_proportions is None:
        proportions = np.full(observed.size, 1.0 / observed.size)
    else:
        proportions = _counts(expected_proportions, "expected_proportions", 1)
        if proportions.shape != observed.shape:
            raise ValueError(
                f"expected_proportions must have one entry per category ({observed.size}); "
                f"got {proportions.size}"
            )
        if not np.isclose(proportions.sum(), 1.0, rtol=1e-8):
            raise ValueError(
                f"expected_proportions must sum to 1; they sum to {proportions.sum():.6g}"
            )
    expected = total * proportions
    if np.any(expected == 0):
        raise ValueError("expected_proportions must be positive in every category")
    _warn_small_expected(expected)
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    df = observed.size - 1 - ddof
    if df < 1:
        raise ValueError(f"ddof={ddof} leaves no degrees of freedom")
    n_categories = observed.size
    return TestResult(
        method="chi-square goodness-of-fit test",
        statistic=statistic,
        pvalue=float(scipy_stats.chi2.sf(statistic, df)),
        df=float(df),
        estimate=None,
        confidence_interval=None,
        confidence_level=0.95,
        # Cohen's w: the root of X^2 per observation.
        effect_size=float(np.sqrt(statistic / total)) if n_categories > 1 else None,
        effect_size_name="Cohen's w",
        alternative="two-sided",
    )


def chi2_independence(table, *, correction: bool = True) -> TestResult:
    """Independence of the rows and columns of a contingency table (r x c counts)."""
    observed = _counts(table, "table", 2)
    n_rows, n_columns = observed.shape
    if n_rows < 2 or n_columns < 2:
        raise ValueError(f"table must be at least 2 x 2; got {observed.shape}")
    total = observed.sum()
    row_totals, column_totals = observed.sum(axis=1), observed.sum(axis=0)
    if np.any(row_totals == 0) or np.any(column_totals == 0):
        raise ValueError("table has an empty row or column: its expected counts would be zero")
    expected = np.outer(row_totals, column_totals) / total
    _warn_small_expected(expected)
    df = (n_rows - 1) * (n_columns - 1)
    uncorrected = float(np.sum((observed - expected) ** 2 / expected))
    statistic = uncorrected
    method = "chi-square test of independence"
    if df == 1 and correction:
        # Yates: shrink each |observed - expected| by half a count, but never past zero.
        shrink = np.minimum(0.5, np.abs(expected - observed))
        adjusted = observed + shrink * np.sign(expected - observed)
        statistic = float(np.sum((adjusted - expected) ** 2 / expected))
        method += " (Yates-corrected)"
    return TestResult(
        method=method,
        statistic=statistic,
        pvalue=float(scipy_stats.chi2.sf(statistic, df)),
        df=float(df),
        estimate=None,
        confidence_interval=None,
        confidence_level=0.95,
        effect_size=float(np.sqrt(uncorrected / (total * (min(n_rows, n_columns) - 1)))),
        effect_size_name="Cramér's V",
        alternative="two-sided",
    )
