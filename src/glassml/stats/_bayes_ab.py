"""Bayesian A/B testing: posteriors for each arm, P(B > A), expected loss, credible intervals.

Beta–Binomial (conversions). With a Beta(a0, b0) prior and c conversions out of n, the
posterior is Beta(a0 + c, b0 + n - c). Then
    P(p_B > p_A) = integral_0^1 f_B(x) F_A(x) dx                          (exact, by quadrature)
                 = sum_{i=0}^{alpha_B - 1} B(alpha_A + i, beta_A + beta_B) /
                   ((beta_B + i) B(1 + i, beta_B) B(alpha_A, beta_A))      (integer alpha_B)
and the expected loss of choosing B (what is given up if A is in fact better) is
    E[max(p_A - p_B, 0)] = E[p_A] P(A' > B) - E[p_B] P(A > B'),
with A' ~ Beta(alpha_A + 1, beta_A), B' ~ Beta(alpha_B + 1, beta_B), because
E[p 1{p > q}] = E[p] P(p' > q) under size-biasing of a Beta density.

Normal (continuous metric). With a flat prior and the sample variance plugged in, each arm's
mean has posterior N(mean, s^2 / n); the difference D = mu_B - mu_A is N(m, v), so
    P(B > A) = Phi(m / sqrt(v)),  E[max(-D, 0)] = sqrt(v) phi(m / sqrt(v)) - m Phi(-m / sqrt(v)).

Monte Carlo versions of every quantity are provided for checking and for other priors.
Stucchio (2015), "Bayesian A/B testing at VWO"; Miller (2015), "Formulas for Bayesian A/B testing".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, special
from scipy import stats as scipy_stats

from glassml._validation import check_count, check_option, check_positive, check_probability
from glassml.stats._validation import as_sample, check_generator, check_trials, data_scale

# Concentrations alpha + beta beyond which a Beta's log density loses accuracy in float64
# (relative error ~ concentration * eps), and beyond which it is resolved only as a normal.
_DENSITY_CONCENTRATION, _QUANTILE_CONCENTRATION = 1e7, 1e14
_MAX_CLOSED_FORM_TERMS = 10_000_000
_MAX_DRAWS = 100_000_000


@dataclass(frozen=True)
class BayesianABResult:
    """What a Bayesian A/B model reports: P(B > A), the expected loss of each choice, and the
    credible intervals of each arm and of the difference B - A."""

    prob_b_better: float
    expected_loss_choose_a: float
    expected_loss_choose_b: float
    credible_interval_a: tuple[float, float]
    credible_interval_b: tuple[float, float]
    credible_interval_difference: tuple[float, float]
    method: str

    def __str__(self) -> str:
        return (
            f"P(B > A) = {self.prob_b_better:.4f}; expected loss choosing B "
            f"{self.expected_loss_choose_b:.3g}, choosing A {self.expected_loss_choose_a:.3g} "
            f"({self.method})"
        )


def _check_beta_parameters(alpha_b, beta_b, alpha_a, beta_a) -> tuple[float, ...]:
    return (
        check_positive(alpha_b, "alpha_b"),
        check_positive(beta_b, "beta_b"),
        check_positive(alpha_a, "alpha_a"),
        check_positive(beta_a, "beta_a"),
    )


def _moments(alpha: float, beta: float) -> tuple[float, float, float]:
    """Mean, standard deviation and concentration alpha + beta, without overflow at 1e300."""
    mean = 1.0 / (1.0 + beta / alpha)
    with np.errstate(over="ignore"):
        concentration = alpha * (1.0 + beta / alpha)
    return mean, float(np.sqrt(mean * (1.0 - mean) / (concentration + 1.0))), concentration


def prob_beta_greater(alpha_b: float, beta_b: float, alpha_a: float, beta_a: float) -> float:
    """P(X_B > X_A) for independent X_B ~ Beta(alpha_b, beta_b), X_A ~ Beta(alpha_a, beta_a).

    By quadrature of ``f_W(x) T(x)`` over the *wider* of the two Betas (the smaller
    concentration alpha + beta), T the narrower one's tail: its CDF is a smooth step however
    concentrated it is, where its density would be a spike quadrature can miss (Beta(1e300, 5)
    is a point mass at 1). When the wider one is itself extreme (a parameter below 0.01, or a
    concentration beyond 1e7, where its log density loses accuracy), the same integral is taken
    over its quantiles u, ``int_0^1 T(F_W^-1(u)) du`` (monotone and bounded, no spike); beyond
    a concentration of 1e14 both are normal to float64 accuracy. Absolute accuracy: about
    1e-10 for concentrations up to 1e5, 1e-6 beyond.

    Examples
    --------
    >>> round(prob_beta_greater(121, 881, 101, 901), 6)  # 120/1000 vs 100/1000 conversions
    0.923183
    >>> prob_beta_greater(1e300, 5, 2, 6)  # Beta(1e300, 5) is a point mass at 1
    1.0
    """
    alpha_b, beta_b, alpha_a, beta_a = _check_beta_parameters(alpha_b, beta_b, alpha_a, beta_a)
    mean_b, sd_b, concentration_b = _moments(alpha_b, beta_b)
    mean_a, sd_a, concentration_a = _moments(alpha_a, beta_a)
    if concentration_b >= concentration_a:  # B is the narrower: P = int f_A(x) P(X_B > x) dx
        wide, wide_mean, wide_sd, narrow_mean = (alpha_a, beta_a), mean_a, sd_a, mean_b
        concentration = concentration_a

        def tail(x):
            return special.betaincc(alpha_b, beta_b, x)
    else:  # A is the narrower: P = int f_B(x) P(X_A < x) dx
        wide, wide_mean, wide_sd, narrow_mean = (alpha_b, beta_b), mean_b, sd_b, mean_a
        concentration = concentration_b

        def tail(x):
            return special.betainc(alpha_a, beta_a, x)

    options = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 200}
    if min(wide) >= 0.01 and concentration <= _DENSITY_CONCENTRATION:
        # Break points bracket the wider density's bulk and the narrower one's step.
        points = sorted(
            {p for p in (wide_mean - 10 * wide_sd, wide_mean, wide_mean + 10 * wide_sd,
                         narrow_mean) if 0.0 < p < 1.0}
        )  # fmt: skip
        value, _ = integrate.quad(
            lambda x: np.exp(scipy_stats.beta.logpdf(x, *wide)) * tail(x),
            0.0,
            1.0,
            points=points,
            **options,
        )
    elif concentration <= _QUANTILE_CONCENTRATION:
        step = float(special.betainc(*wide, narrow_mean))
        value, _ = integrate.quad(
            lambda u: tail(special.betaincinv(*wide, u)),
            0.0,
            1.0,
            points=[step] if 0.0 < step < 1.0 else None,
            **options,
        )
    else:  # both concentrations beyond 1e14: normal, skewness error below 1e-7
        spread = float(np.hypot(sd_a, sd_b))
        if spread == 0.0:
            return 0.5 if mean_b == mean_a else float(mean_b > mean_a)
        value = special.ndtr((mean_b - mean_a) / spread)
    return float(min(1.0, max(0.0, value)))


def prob_beta_greater_closed_form(alpha_b: int, beta_b: float, alpha_a: float, beta_a: float):
    """Miller's finite sum for P(X_B > X_A); needs an integer ``alpha_b`` (module docstring).

    Examples
    --------
    >>> round(prob_beta_greater_closed_form(121, 881, 101, 901), 6)
    0.923183
    """
    _check_beta_parameters(alpha_b, beta_b, alpha_a, beta_a)
    n_terms = check_count(alpha_b, "alpha_b")
    if n_terms > _MAX_CLOSED_FORM_TERMS:
        raise ValueError(
            f"alpha_b: expected an integer of at most {_MAX_CLOSED_FORM_TERMS:,} (the sum has "
            f"alpha_b terms; use prob_beta_greater), got {alpha_b!r}"
        )
    i = np.arange(n_terms)
    log_terms = (
        special.betaln(alpha_a + i, beta_a + beta_b)
        - np.log(beta_b + i)
        - special.betaln(1 + i, beta_b)
        - special.betaln(alpha_a, beta_a)
    )
    return float(min(1.0, np.exp(special.logsumexp(log_terms))))


class BetaBinomialAB:
    """Beta–Binomial model of two conversion rates with a shared Beta(prior_alpha, prior_beta).

    Posterior of each arm after ``c`` conversions in ``n`` visits:
    ``p ~ Beta(prior_alpha + c, prior_beta + n - c)``. ``P(p_B > p_A) = integral f_B(x) F_A(x) dx``
    (quadrature, or Miller's finite sum for integer alpha_B); expected loss of choosing B
    ``E[max(p_A - p_B, 0)] = E[p_A] P(A' > B) - E[p_B] P(A > B')`` with ``A' ~ Beta(alpha_A + 1,
    beta_A)``, ``B' ~ Beta(alpha_B + 1, beta_B)`` (module docstring).

    References
    ----------
    Stucchio (2015), "Bayesian A/B testing at VWO"; Miller (2015), "Formulas for Bayesian A/B
    testing".

    Examples
    --------
    >>> result = BetaBinomialAB().evaluate(100, 1000, 120, 1000, random_state=0)
    >>> round(result.prob_b_better, 4), round(result.expected_loss_choose_b, 5)
    (0.9232, 0.00048)
    """

    def __init__(self, prior_alpha: float = 1.0, prior_beta: float = 1.0):
        self.prior_alpha = check_positive(prior_alpha, "prior_alpha")
        self.prior_beta = check_positive(prior_beta, "prior_beta")

    def posteriors(self, conversions_a, visitors_a, conversions_b, visitors_b):
        """Each arm's posterior Beta parameters: ``((alpha_A, beta_A), (alpha_B, beta_B))``.

        Examples
        --------
        >>> BetaBinomialAB(prior_alpha=1, prior_beta=1).posteriors(3, 10, 5, 10)
        ((4.0, 8.0), (6.0, 6.0))
        """
        conversions_a, visitors_a = check_trials(
            conversions_a, visitors_a, "conversions_a", "visitors_a"
        )
        conversions_b, visitors_b = check_trials(
            conversions_b, visitors_b, "conversions_b", "visitors_b"
        )
        return (
            (self.prior_alpha + conversions_a, self.prior_beta + visitors_a - conversions_a),
            (self.prior_alpha + conversions_b, self.prior_beta + visitors_b - conversions_b),
        )

    def evaluate(
        self,
        conversions_a: int,
        visitors_a: int,
        conversions_b: int,
        visitors_b: int,
        *,
        credible_level: float = 0.95,
        n_draws: int = 200_000,
        random_state=None,
        method: str = "exact",
    ) -> BayesianABResult:
        """Posterior summary; ``method`` "exact" (quadrature) or "monte-carlo".

        ``n_draws`` posterior draws per arm give the credible interval of the difference (both
        methods) and, with "monte-carlo", every other quantity.

        Examples
        --------
        >>> result = BetaBinomialAB().evaluate(30, 1000, 45, 1000, random_state=0)
        >>> round(result.prob_b_better, 3), result.method
        (0.961, 'Beta–Binomial, exact')
        """
        credible_level = check_probability(credible_level, "credible_level")
        method = check_option(method, "method", ("exact", "monte-carlo"))
        n_draws = check_count(n_draws, "n_draws", minimum=2)
        if n_draws > _MAX_DRAWS:
            raise ValueError(f"n_draws: expected at most {_MAX_DRAWS:,} draws, got {n_draws}")
        rng = check_generator(random_state)
        (alpha_a, beta_a), (alpha_b, beta_b) = self.posteriors(
            conversions_a, visitors_a, conversions_b, visitors_b
        )
        tail = (1 - credible_level) / 2
        draws_a = rng.beta(alpha_a, beta_a, n_draws)
        draws_b = rng.beta(alpha_b, beta_b, n_draws)
        difference_interval = tuple(np.quantile(draws_b - draws_a, [tail, 1 - tail]))
        if method == "exact":
            prob_b = prob_beta_greater(alpha_b, beta_b, alpha_a, beta_a)
            mean_a, mean_b = alpha_a / (alpha_a + beta_a), alpha_b / (alpha_b + beta_b)
            loss_b = mean_a * prob_beta_greater(alpha_a + 1, beta_a, alpha_b, beta_b) - (
                mean_b * prob_beta_greater(alpha_a, beta_a, alpha_b + 1, beta_b)
            )
            loss_a = mean_b * prob_beta_greater(alpha_b + 1, beta_b, alpha_a, beta_a) - (
                mean_a * prob_beta_greater(alpha_b, beta_b, alpha_a + 1, beta_a)
            )
        else:
            prob_b = float(np.mean(draws_b > draws_a))
            loss_b = float(np.mean(np.maximum(draws_a - draws_b, 0)))
            loss_a = float(np.mean(np.maximum(draws_b - draws_a, 0)))
        return BayesianABResult(
            prob_b_better=float(prob_b),
            expected_loss_choose_a=float(loss_a),
            expected_loss_choose_b=float(loss_b),
            credible_interval_a=tuple(scipy_stats.beta.ppf([tail, 1 - tail], alpha_a, beta_a)),
            credible_interval_b=tuple(scipy_stats.beta.ppf([tail, 1 - tail], alpha_b, beta_b)),
            credible_interval_difference=tuple(float(v) for v in difference_interval),
            method=f"Beta–Binomial, {method}",
        )


class NormalAB:
    """Normal model of two means (flat prior, plug-in variances): closed-form posterior.

    ``mu_k ~ N(mean_k, s_k^2 / n_k)``, so ``D = mu_B - mu_A ~ N(m, v)`` and
    ``P(B > A) = Phi(m / sqrt(v))``, ``E[max(-D, 0)] = sqrt(v) phi(m / sqrt(v)) - m Phi(-m /
    sqrt(v))`` (loss of choosing B), ``E[max(D, 0)] = sqrt(v) phi(m / sqrt(v)) + m Phi(m /
    sqrt(v))`` (loss of choosing A).

    References
    ----------
    Stucchio (2015), "Bayesian A/B testing at VWO".

    Examples
    --------
    >>> result = NormalAB().evaluate([9.8, 10.4, 10.1, 9.7, 10.0], [10.6, 10.2, 10.9, 10.5, 10.4])
    >>> round(result.prob_b_better, 4)
    0.999
    """

    def evaluate(self, metric_a, metric_b, *, credible_level: float = 0.95) -> BayesianABResult:
        """Posterior summary of the difference of the two arms' means (closed form).

        Examples
        --------
        >>> result = NormalAB().evaluate([4.1, 3.8, 4.4, 4.0], [4.6, 4.2, 4.9, 4.5])
        >>> round(result.prob_b_better, 3)
        0.994
        """
        a = as_sample(metric_a, "metric_a")
        b = as_sample(metric_b, "metric_b")
        credible_level = check_probability(credible_level, "credible_level")
        # Scale-equivariant: computed on data near 1, so the squares cannot overflow at 1e300.
        scale = data_scale(a, b)
        a, b = a / scale, b / scale
        var_a, var_b = np.var(a, ddof=1) / a.size, np.var(b, ddof=1) / b.size
        if var_a + var_b == 0:
            raise ValueError(
                "metric_a, metric_b: expected observations that vary, got zero variance in both"
            )
        mean_difference = float(np.mean(b) - np.mean(a))
        sd = float(np.sqrt(var_a + var_b))
        ratio = mean_difference / sd
        normal = scipy_stats.norm
        quantile = normal.ppf(0.5 + credible_level / 2)

        def interval(centre, spread):
            return (
                float((centre - quantile * spread) * scale),
                float((centre + quantile * spread) * scale),
            )

        return BayesianABResult(
            prob_b_better=float(normal.cdf(ratio)),
            expected_loss_choose_a=float(
                (sd * normal.pdf(ratio) + mean_difference * normal.cdf(ratio)) * scale
            ),
            expected_loss_choose_b=float(
                (sd * normal.pdf(ratio) - mean_difference * normal.cdf(-ratio)) * scale
            ),
            credible_interval_a=interval(np.mean(a), np.sqrt(var_a)),
            credible_interval_b=interval(np.mean(b), np.sqrt(var_b)),
            credible_interval_difference=interval(mean_difference, sd),
            method="Normal, closed form",
        )
