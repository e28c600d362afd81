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

from glassml.stats._validation import as_sample, check_count, check_positive, check_probability


@dataclass(frozen=True)
class BayesianABResult:
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


def _check_beta_parameters(alpha_b, beta_b, alpha_a, beta_a) -> None:
    check_positive(alpha_b, "alpha_b")
    check_positive(beta_b, "beta_b")
    check_positive(alpha_a, "alpha_a")
    check_positive(beta_a, "beta_a")


def prob_beta_greater(alpha_b: float, beta_b: float, alpha_a: float, beta_a: float) -> float:
    """P(X_B > X_A) for independent Beta variables, by quadrature of f_B(x) F_A(x)."""
    _check_beta_parameters(alpha_b, beta_b, alpha_a, beta_a)
    value, _ = integrate.quad(
        lambda x: (
            np.exp(scipy_stats.beta.logpdf(x, alpha_b, beta_b))
            * scipy_stats.beta.cdf(x, alpha_a, beta_a)
        ),
        0.0,
        1.0,
        epsabs=1e-13,
        epsrel=1e-12,
        limit=200,
        points=[alpha_b / (alpha_b + beta_b), alpha_a / (alpha_a + beta_a)],
    )
    return float(value)


def prob_beta_greater_closed_form(alpha_b: int, beta_b: float, alpha_a: float, beta_a: float):
    """Miller's finite sum for P(X_B > X_A); needs an integer ``alpha_b``."""
    _check_beta_parameters(alpha_b, beta_b, alpha_a, beta_a)
    if int(alpha_b) != alpha_b:
        raise ValueError(f"alpha_b must be an integer for the closed form; got {alpha_b}")
    i = np.arange(int(alpha_b))
    log_terms = (
        special.betaln(alpha_a + i, beta_a + beta_b)
        - np.log(beta_b + i)
        - special.betaln(1 + i, beta_b)
        - special.betaln(alpha_a, beta_a)
    )
    return float(np.exp(special.logsumexp(log_terms)))


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
    """

    def __init__(self, prior_alpha: float = 1.0, prior_beta: float = 1.0):
        if not (prior_alpha > 0 and prior_beta > 0):
            raise ValueError(
                f"prior_alpha and prior_beta must be positive; got {prior_alpha}, {prior_beta}"
            )
        self.prior_alpha = float(prior_alpha)
        self.prior_beta = float(prior_beta)

    def posteriors(self, conversions_a, visitors_a, conversions_b, visitors_b):
        conversions_a, visitors_a = check_count(
            conversions_a, visitors_a, "conversions_a", "visitors_a"
        )
        conversions_b, visitors_b = check_count(
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
        """Posterior summary; ``method`` "exact" (quadrature) or "monte-carlo"."""
        check_probability(credible_level, "credible_level")
        if method not in ("exact", "monte-carlo"):
            raise ValueError(f"method must be 'exact' or 'monte-carlo'; got {method!r}")
        (alpha_a, beta_a), (alpha_b, beta_b) = self.posteriors(
            conversions_a, visitors_a, conversions_b, visitors_b
        )
        tail = (1 - credible_level) / 2
        rng = np.random.default_rng(random_state)
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
    """

    def evaluate(self, metric_a, metric_b, *, credible_level: float = 0.95) -> BayesianABResult:
        a = as_sample(metric_a, "metric_a")
        b = as_sample(metric_b, "metric_b")
        check_probability(credible_level, "credible_level")
        var_a, var_b = np.var(a, ddof=1) / a.size, np.var(b, ddof=1) / b.size
        if var_a + var_b == 0:
            raise ValueError("metric_a and metric_b have zero variance")
        mean_difference = float(np.mean(b) - np.mean(a))
        sd = float(np.sqrt(var_a + var_b))
        ratio = mean_difference / sd
        normal = scipy_stats.norm
        quantile = normal.ppf(0.5 + credible_level / 2)

        def interval(centre, spread):
            return (float(centre - quantile * spread), float(centre + quantile * spread))

        return BayesianABResult(
            prob_b_better=float(normal.cdf(ratio)),
            expected_loss_choose_a=float(
                sd * normal.pdf(ratio) + mean_difference * normal.cdf(ratio)
            ),
            expected_loss_choose_b=float(
                sd * normal.pdf(ratio) - mean_difference * normal.cdf(-ratio)
            ),
            credible_interval_a=interval(np.mean(a), np.sqrt(var_a)),
            credible_interval_b=interval(np.mean(b), np.sqrt(var_b)),
            credible_interval_difference=interval(mean_difference, sd),
            method="Normal, closed form",
        )
