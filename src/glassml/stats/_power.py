"""Power, sample size and minimum detectable effect for two-group comparisons.

With a standardised effect ``es`` and the "effective" sample size n_eff = 1 / (1/n_a + 1/n_b)
(n_b = ratio * n_a), a two-sided level-alpha test has power

  normal (two proportions, effect = Cohen's h = 2 asin sqrt(p_b) - 2 asin sqrt(p_a)):
      power = Phi(es sqrt(n_eff) - z_{1-alpha/2}) + Phi(-es sqrt(n_eff) - z_{1-alpha/2})
  t (two means, effect = Cohen's d = (mu_b - mu_a) / sigma), df = n_a + n_b - 2,
      noncentrality lambda = es sqrt(n_eff):
      power = P(T' > t_{1-alpha/2, df}) + P(T' < -t_{1-alpha/2, df}),  T' ~ noncentral t(df, lambda)

and one-sided alternatives keep one tail at level alpha. The lower tail P(T' < -t) is computed
as the upper tail P(T'' > t) of T'' ~ noncentral t(df, -lambda) (the same number by symmetry):
scipy's noncentral-t CDF returns NaN far in its lower tail, where the survival function of the
mirrored distribution is accurate. Sample size and minimum detectable
effect invert these monotone functions numerically (Brent's method). The arcsine transform
stabilises the binomial variance, which is why h rather than p_b - p_a enters (Cohen, 1988,
"Statistical Power Analysis for the Behavioral Sciences", ch. 6).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy import stats as scipy_stats

from glassml._validation import check_positive, check_probability, check_scalar
from glassml.stats._validation import check_alternative


def cohens_h(p_a: float, p_b: float) -> float:
    """Cohen's h for p_b against p_a: 2 asin(sqrt(p_b)) - 2 asin(sqrt(p_a)).

    Examples
    --------
    >>> round(cohens_h(0.10, 0.12), 6)
    0.063982
    """
    p_a = check_probability(p_a, "p_a", open_interval=False)
    p_b = check_probability(p_b, "p_b", open_interval=False)
    return float(2 * np.arcsin(np.sqrt(p_b)) - 2 * np.arcsin(np.sqrt(p_a)))


def _check_design(nobs_a, alpha, ratio, alternative) -> tuple[float, float, float, str]:
    return (
        check_scalar(nobs_a, "nobs_a", low=1.0, closed="neither"),
        check_probability(alpha, "alpha"),
        check_positive(ratio, "ratio"),
        check_alternative(alternative),
    )


def _tails(alternative: str) -> tuple[bool, bool]:
    """(use upper tail, use lower tail) for the rejection region."""
    return alternative in ("two-sided", "greater"), alternative in ("two-sided", "less")


def _normal_power(effect: float, nobs_a: float, alpha: float, ratio: float, alternative: str):
    shift = effect * np.sqrt(1.0 / (1.0 / nobs_a + 1.0 / (ratio * nobs_a)))
    level = alpha / 2 if alternative == "two-sided" else alpha
    critical = scipy_stats.norm.isf(level)
    upper, lower = _tails(alternative)
    power = 0.0
    if upper:
        power += scipy_stats.norm.sf(critical - shift)
    if lower:
        power += scipy_stats.norm.cdf(-critical - shift)
    return float(power)


def _t_power(effect: float, nobs_a: float, alpha: float, ratio: float, alternative: str):
    nobs_b = ratio * nobs_a
    df = nobs_a + nobs_b - 2
    noncentrality = effect * np.sqrt(1.0 / (1.0 / nobs_a + 1.0 / nobs_b))
    level = alpha / 2 if alternative == "two-sided" else alpha
    critical = scipy_stats.t.isf(level, df)
    upper, lower = _tails(alternative)
    power = 0.0
    if upper:
        power += scipy_stats.nct.sf(critical, df, noncentrality)
    if lower:
        # P(T' < -c) = P(-T' > c), and -T' is noncentral t with -lambda (module docstring).
        power += scipy_stats.nct.sf(critical, df, -noncentrality)
    return float(power)


def _solve(function, low: float, high: float, what: str) -> float:
    """Root of an increasing ``function`` on [low, high], growing ``high`` until it brackets."""
    if function(low) >= 0:
        return low
    while function(high) < 0:
        high *= 2
        if high > 1e12:
            raise ValueError(f"power: expected a power some {what} reaches, got none up to 1e12")
    return float(optimize.brentq(function, low, high, xtol=1e-12, rtol=1e-14, maxiter=500))


def _sample_size(power_function, effect, power, alpha, ratio, alternative, effect_name) -> float:
    power = check_probability(power, "power")
    _, alpha, ratio, alternative = _check_design(2.0, alpha, ratio, alternative)
    if effect == 0:
        raise ValueError(f"{effect_name}: expected a non-zero effect, got an effect of zero")
    if (alternative == "less" and effect > 0) or (alternative == "greater" and effect < 0):
        raise ValueError(
            f"{effect_name}: expected an effect whose sign matches alternative={alternative!r}, "
            f"got an effect of {effect:g}"
        )
    return _solve(
        lambda n: power_function(effect, n, alpha, ratio, alternative) - power,
        # At least two observations in the smaller group, so the t test has degrees of freedom.
        2.0 / min(1.0, ratio),
        16.0,
        "sample size",
    )


def _detectable_effect(power_function, nobs_a, power, alpha, ratio, alternative) -> float:
    power = check_probability(power, "power")
    nobs_a, alpha, ratio, alternative = _check_design(nobs_a, alpha, ratio, alternative)
    sign = -1.0 if alternative == "less" else 1.0
    return sign * _solve(
        lambda size: power_function(sign * size, nobs_a, alpha, ratio, alternative) - power,
        0.0,
        1.0,
        "effect size",
    )


# -- two proportions ---------------------------------------------------------------------------


def power_two_proportions(
    p_a: float,
    p_b: float,
    nobs_a: float,
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float:
    """Power of the two-proportion z-test to detect p_b against p_a with n_a = nobs_a.

    Examples
    --------
    >>> round(power_two_proportions(0.10, 0.12, 1500), 4)
    0.4178
    """
    nobs_a, alpha, ratio, alternative = _check_design(nobs_a, alpha, ratio, alternative)
    return _normal_power(cohens_h(p_a, p_b), nobs_a, alpha, ratio, alternative)


def sample_size_two_proportions(
    p_a: float,
    p_b: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float:
    """Observations in group a (group b has ``ratio`` times as many) to reach ``power``.

    Examples
    --------
    >>> round(sample_size_two_proportions(0.10, 0.12, power=0.8))
    3835
    """
    return _sample_size(_normal_power, cohens_h(p_a, p_b), power, alpha, ratio, alternative, "p_b")


def mde_two_proportions(
    p_a: float,
    nobs_a: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float:
    """Smallest p_b - p_a detectable with ``power`` (an increase unless alternative='less').

    Examples
    --------
    >>> round(mde_two_proportions(0.10, 2000), 4)
    0.0281
    """
    p_a = check_probability(p_a, "p_a")
    h = _detectable_effect(_normal_power, nobs_a, power, alpha, ratio, alternative)
    angle = np.arcsin(np.sqrt(p_a)) + h / 2
    if not 0 <= angle <= np.pi / 2:
        raise ValueError(
            f"nobs_a: expected a design that detects some proportion in [0, 1], got none at "
            f"nobs_a={nobs_a!r}"
        )
    return float(np.sin(angle) ** 2 - p_a)


# -- two means ---------------------------------------------------------------------------------


def power_two_means(
    effect_size: float,
    nobs_a: float,
    *,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float:
    """Power of the two-sample t-test for Cohen's d = ``effect_size``.

    Examples
    --------
    >>> round(power_two_means(0.35, 60), 4)
    0.4767
    >>> round(power_two_means(1.0, 150, alpha=0.01), 6)
    1.0
    """
    nobs_a, alpha, ratio, alternative = _check_design(nobs_a, alpha, ratio, alternative)
    effect_size = check_scalar(effect_size, "effect_size")
    return _t_power(effect_size, nobs_a, alpha, ratio, alternative)


def sample_size_two_means(
    effect_size: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float:
    """Observations in group a for the two-sample t-test to reach ``power``.

    Examples
    --------
    >>> round(sample_size_two_means(0.5, power=0.8), 2)
    63.77
    """
    effect_size = check_scalar(effect_size, "effect_size")
    return _sample_size(_t_power, effect_size, power, alpha, ratio, alternative, "effect_size")


def mde_two_means(
    nobs_a: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float:
    """Smallest Cohen's d the two-sample t-test detects with ``power``.

    Examples
    --------
    >>> round(mde_two_means(150, power=0.9, alpha=0.01), 4)
    0.4479
    """
    return _detectable_effect(_t_power, nobs_a, power, alpha, ratio, alternative)
