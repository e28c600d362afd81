"""The Weibull lifetime model fitted by maximum likelihood to censored, left-truncated data.

Model (the (λ, ρ) parametrisation of lifelines and of reliability engineering: λ the scale,
ρ the shape)::

    S(t) = exp(-(t/λ)^ρ),   H(t) = (t/λ)^ρ,   h(t) = (ρ/λ) (t/λ)^(ρ-1)

ρ > 1: the hazard rises with age (wear-out), ρ = 1: constant (the exponential), ρ < 1: falls
(infant mortality).

Likelihood. A failure at T_i contributes the density f(T_i) = h(T_i) S(T_i); a subject
censored at T_i contributes S(T_i) (it survived at least that long); a subject observed only
from its entry e_i onwards (left truncation) is conditioned on surviving to e_i, dividing by
S(e_i). With d_i the event indicator::

    l(λ, ρ) = sum_i d_i log h(T_i) - sum_i [H(T_i) - H(e_i)]
            = sum_i d_i [log ρ - log λ + (ρ - 1)(log T_i - log λ)]
              - sum_i [(T_i/λ)^ρ - (e_i/λ)^ρ]

Maximisation. For fixed ρ, dl/dλ = 0 gives λ in closed form (D = sum d_i failures)::

    λ(ρ)^ρ = sum_i (T_i^ρ - e_i^ρ) / D

and substituting it leaves a function of ρ alone, the profile log-likelihood::

    l_p(ρ) = D log ρ - D log( sum_i (T_i^ρ - e_i^ρ) / D ) + (ρ - 1) sum_i d_i log T_i - D

maximised by Newton's method on log ρ (``glassml.optim.minimize``, gradient and curvature by
``glassml.autodiff``). With no failure (D = 0) l grows without bound as λ -> inf: there is no
estimate, and fitting refuses with a ``ValueError``.

Uncertainty. Standard errors come from the observed information, the negative Hessian of
l(λ, ρ) at the estimate, computed exactly by automatic differentiation
(``glassml.stats.observed_information``, as ``glassml.stats.fit_mle`` does); derived
quantities (B10 life, the survival curve) get delta-method intervals on the log scale.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import gamma as gamma_function
from scipy.stats import norm
from sklearn.utils._param_validation import Interval

import glassml.autodiff as ad
from glassml._params import Params, check_fitted
from glassml._validation import check_bool, check_scalar
from glassml.optim import minimize
from glassml.stats import observed_information
from glassml.survival._data import check_times, survival_data, time_scale


def weibull_log_likelihood(log_lam, log_rho, log_t, events, log_entry=None):
    """l = sum d_i log h(T_i) - sum [H(T_i) - H(e_i)] with log λ (a scalar or one per subject)
    and log ρ; autodiff ops, so every derivative of it is exact.

    log h(T) = log ρ + ρ (log T - log λ) - log T and H(T) = exp(ρ (log T - log λ)).
    ``log_entry`` holds log e_i for the truncated subjects (e_i > 0) only, with its own
    ``log_lam`` slice when λ varies by subject (pass a tuple ``(log_lam_entry, log_entry)``).
    """
    rho = ad.exp(log_rho)
    z = (log_t - log_lam) * rho  # log H(T_i)
    log_likelihood = ad.sum(events * (log_rho + z - log_t)) - ad.sum(ad.exp(z))
    if log_entry is not None:
        log_lam_entry, log_e = log_entry
        log_likelihood = log_likelihood + ad.sum(ad.exp((log_e - log_lam_entry) * rho))
    return log_likelihood


def _no_failures() -> ValueError:
    return ValueError(
        "event_observed: every observation is censored; with no failure the Weibull "
        "likelihood grows without bound as the scale grows (no estimate exists)"
    )


def _no_maximum(rho: float) -> ValueError:
    return ValueError(
        f"durations: the Weibull likelihood has no maximum for these data (the shape runs to "
        f"{rho:.3g} without converging): the failure times are all equal, or the censoring "
        "times carry no information beyond them"
    )


class WeibullFitter(Params):
    """Weibull distribution fitted to censored and left-truncated lifetimes by maximum
    likelihood, with standard errors from the exact observed information.

    Objective and algorithm (see the module docstring)::

        l(λ, ρ) = sum_i d_i log h(T_i) - sum_i [(T_i/λ)^ρ - (e_i/λ)^ρ],
        h(t) = (ρ/λ)(t/λ)^(ρ-1);  λ(ρ)^ρ = sum (T^ρ - e^ρ) / D;  Newton on the profile l_p(ρ)

    SE = sqrt(diag(I^-1)), I = -Hessian of l at (λ̂, ρ̂) by automatic differentiation.
    Lawless (2003), "Statistical Models and Methods for Lifetime Data", section 5.2;
    Abernethy (2006), "The New Weibull Handbook" (B-lives).

    Parameters
    ----------
    alpha : float
        Intervals are 1 - alpha (Wald on the parameters, delta method on derived quantities).

    Attributes
    ----------
    lambda_, rho_ : float
        Scale (in the durations' unit) and shape.
    standard_errors_ : ndarray (2,)
        Of (lambda_, rho_).
    covariance_ : ndarray (2, 2)
        Inverse observed information in (λ, ρ) (its λ entries overflow for durations
        beyond 1e154 in their unit; the standard errors and intervals never do).
    confidence_intervals_ : ndarray (2, 2)
        Wald intervals of (λ, ρ), rows (lower, upper).
    log_likelihood_, AIC_ : float
        l at the estimate (durations in their own unit) and -2 l + 4.
    mean_survival_time_, median_survival_time_ : float
        MTTF = λ Γ(1 + 1/ρ) and λ (log 2)^(1/ρ).
    n_samples_, n_events_, n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.survival import WeibullFitter
    >>> rng = np.random.default_rng(0)
    >>> life = 200.0 * rng.weibull(2.5, size=2000)     # λ = 200, ρ = 2.5
    >>> stop = rng.uniform(50, 400, size=2000)          # observation ends here
    >>> fitter = WeibullFitter().fit(np.minimum(life, stop), life <= stop)
    >>> round(fitter.lambda_), round(fitter.rho_, 1)
    (203, 2.4)
    >>> round(fitter.b_life(10))  # 10 % of units have failed by then
    81
    """

    _parameter_constraints: ClassVar[dict] = {
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(self, alpha: float = 0.05) -> None:
        self.alpha = alpha

    # -------------------------------------------------------------- fit
    def fit(self, durations: Any, event_observed: Any = None, entry: Any = None) -> WeibullFitter:
        """Fit λ and ρ to ``durations`` (> 0), ``event_observed`` (1 = failure, 0 = censored;
        default all 1) and optional left-truncation times ``entry`` (0 <= e < T)."""
        self._validate_params()
        durations, events, entry = survival_data(durations, event_observed, entry)
        n_events = int(events.sum())
        if n_events == 0:
            raise _no_failures()
        # Durations of order one whatever their unit: fit u = T / s, then λ = s λ_u.
        scale = time_scale(durations)
        log_t = np.log(durations / scale)
        truncated = None if entry is None else entry > 0
        log_e = None if entry is None or not truncated.any() else np.log(entry[truncated] / scale)
        d = events.astype(np.float64)
        log_rho, n_iter = self._maximise_profile(log_t, d, log_e)
        rho = math.exp(log_rho)
        log_lam = _profile_log_lambda(log_rho, log_t, log_e, n_events)
        self._set_estimates(math.exp(log_lam) * scale, rho, scale, log_t, d, log_e, n_iter)
        self.n_samples_, self.n_events_ = durations.size, n_events
        return self

    def _maximise_profile(self, log_t, d, log_e) -> tuple[float, int]:
        n_events = float(d.sum())
        sum_log_failures = float(d @ log_t)

        def negative_profile(log_rho):
            # -l_p(ρ) / D, so the gradient tolerance means the same for any number of failures.
            theta = log_rho[0]
            log_total = _log_total(ad.exp(theta), log_t, log_e)
            profile = (
                n_events * theta
                - n_events * (log_total - math.log(n_events))
                + (ad.exp(theta) - 1.0) * sum_log_failures
            )
            return -profile / n_events

        # Trial steps of the line search may overflow (inf is "too far" to it): quietly.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = minimize(
                negative_profile, np.zeros(1), method="newton", tol=1e-12, max_iter=100
            )
        log_rho = float(result.x[0])
        # Near the optimum Newton's line search may stop on rounding (a decrease of g²/H
        # below the precision of the objective) before reaching tol: the gradient decides.
        stationary = result.history["grad_norm"][-1] <= 1e-9
        if not stationary or log_rho > math.log(1e4):
            raise _no_maximum(math.exp(log_rho))
        return log_rho, int(result.nit)

    def _set_estimates(self, lam, rho, scale, log_t, d, log_e, n_iter) -> None:
        # The observed information in (λ_u, ρ) on the unit-free durations, then λ = s λ_u.
        def log_likelihood(params):
            log_lam, log_rho = ad.log(params[0]), ad.log(params[1])
            entry = None if log_e is None else (log_lam, log_e)
            return weibull_log_likelihood(log_lam, log_rho, log_t, d, entry)

        unit_free = np.array([lam / scale, rho])
        information = observed_information(log_likelihood, unit_free)
        try:
            covariance = np.linalg.inv(information)
        except np.linalg.LinAlgError:
            raise _no_maximum(rho) from None
        if not (np.all(np.isfinite(covariance)) and np.all(np.diag(covariance) > 0)):
            raise _no_maximum(rho)
        rescale = np.array([scale, 1.0])
        self.lambda_, self.rho_ = float(lam), float(rho)
        # Delta-method intervals use the unit-free covariance (finite for durations in any
        # unit); the reported one is in the durations' unit.
        self._unit_free = (lam / scale, covariance)
        with np.errstate(over="ignore"):
            self.covariance_ = covariance * np.outer(rescale, rescale)
        self.standard_errors_ = np.sqrt(np.diag(covariance)) * rescale
        z = float(norm.isf(self.alpha / 2))
        estimates = np.array([self.lambda_, self.rho_])
        self.confidence_intervals_ = np.column_stack(
            [estimates - z * self.standard_errors_, estimates + z * self.standard_errors_]
        )
        # The density of T = s U is f_U(T / s) / s: each failure adds -log s.
        value = float(log_likelihood(ad.Tensor(unit_free)).item())
        self.log_likelihood_ = value - float(d.sum()) * math.log(scale)
        self.AIC_ = -2.0 * self.log_likelihood_ + 4.0
        self.mean_survival_time_ = self.lambda_ * float(gamma_function(1.0 + 1.0 / self.rho_))
        self.median_survival_time_ = self.percentile(50.0)
        self.n_iter_ = n_iter

    # -------------------------------------------------------------- the fitted distribution
    def _log_cumulative_hazard(self, times: Any) -> np.ndarray:
        check_fitted(self, "lambda_")
        times = check_times(times)
        with np.errstate(divide="ignore"):
            return self.rho_ * (np.log(times) - math.log(self.lambda_))

    def cumulative_hazard(self, times: Any) -> np.ndarray:
        """H(t) = (t/λ)^ρ at ``times``."""
        return np.exp(self._log_cumulative_hazard(times))

    def survival_function(self, times: Any) -> np.ndarray:
        """S(t) = exp(-(t/λ)^ρ) at ``times``."""
        return np.exp(-self.cumulative_hazard(times))

    def cumulative_density(self, times: Any) -> np.ndarray:
        """F(t) = 1 - S(t) at ``times`` (computed as -expm1(-H), exact for small t)."""
        return -np.expm1(-self.cumulative_hazard(times))

    def hazard(self, times: Any) -> np.ndarray:
        """h(t) = (ρ/λ)(t/λ)^(ρ-1) at ``times``: the failure rate of the units still working."""
        log_h = self._log_cumulative_hazard(times)
        times = check_times(times)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = self.rho_ * np.exp(log_h) / times
        # At t = 0 the limit is 0 (ρ > 1), ρ/λ (ρ = 1) or inf (ρ < 1).
        at_zero = 0.0 if self.rho_ > 1 else (self.rho_ / self.lambda_ if self.rho_ == 1 else np.inf)
        return np.where(times > 0, rate, at_zero)

    def percentile(self, percent: float) -> float:
        """The age by which ``percent`` % of units have failed: t_p = λ (-log(1 - p))^(1/ρ)."""
        check_fitted(self, "lambda_")
        p = check_scalar(percent, "percent", low=0.0, high=100.0, closed="neither") / 100.0
        return self.lambda_ * (-math.log1p(-p)) ** (1.0 / self.rho_)

    def b_life(self, percent: float = 10.0) -> float:
        """The B-life: the age by which ``percent`` % of units have failed (B10 by default), the
        reliability engineer's name for ``percentile``."""
        return self.percentile(percent)

    def b_life_interval(self, percent: float = 10.0) -> np.ndarray:
        """A 1 - alpha interval of the B-life by the delta method on log t_p, where
        log t_p = log λ + log(-log(1-p)) / ρ has gradient (1/λ, -log(-log(1-p)) / ρ²)."""
        t_p = self.b_life(percent)
        log_minus_log = math.log(-math.log1p(-percent / 100.0))
        lam, covariance = self._unit_free
        gradient = np.array([1.0 / lam, -log_minus_log / self.rho_**2])
        spread = float(norm.isf(self.alpha / 2)) * math.sqrt(gradient @ covariance @ gradient)
        return np.array([t_p * math.exp(-spread), t_p * math.exp(spread)])

    def conditional_failure_probability(self, age: Any, horizon: Any) -> np.ndarray:
        """P(T <= t + Δ | T > t) = 1 - S(t + Δ) / S(t): the chance that a unit of age ``age``
        that still works fails within ``horizon`` more (both broadcast)."""
        age = check_times(age, "age")
        horizon = check_times(horizon, "horizon")
        try:
            age, horizon = np.broadcast_arrays(age, horizon)
        except ValueError:
            raise ValueError(
                f"age, horizon: shapes {age.shape} and {horizon.shape} do not broadcast"
            ) from None
        extra = self.cumulative_hazard(age + horizon) - self.cumulative_hazard(age)
        return -np.expm1(-extra)

    def survival_interval(self, times: Any) -> np.ndarray:
        """A 1 - alpha pointwise band of S(t), shape (len(times), 2): the delta method on
        log H(t) = ρ (log t - log λ), gradient (-ρ/λ, log t - log λ), mapped through
        S = exp(-H)."""
        log_h = self._log_cumulative_hazard(times)
        times = check_times(times)
        lam, covariance = self._unit_free
        with np.errstate(divide="ignore"):
            gradient = np.column_stack(
                [np.full(times.size, -self.rho_ / lam), np.log(times / self.lambda_)]
            )
        variance = np.einsum("ij,jk,ik->i", gradient, covariance, gradient)
        spread = float(norm.isf(self.alpha / 2)) * np.sqrt(variance)
        with np.errstate(invalid="ignore"):
            lower = np.exp(-np.exp(log_h + spread))
            upper = np.exp(-np.exp(log_h - spread))
        band = np.column_stack([lower, upper])
        band[times == 0] = 1.0
        return band

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors and Wald intervals of λ and ρ."""
        check_fitted(self, "lambda_")
        level = 1 - self.alpha
        return pd.DataFrame(
            {
                "coef": [self.lambda_, self.rho_],
                "se(coef)": self.standard_errors_,
                f"coef lower {level:.0%}": self.confidence_intervals_[:, 0],
                f"coef upper {level:.0%}": self.confidence_intervals_[:, 1],
            },
            index=pd.Index(["lambda_", "rho_"], name="param"),
        )

    def plot(self, ax: Any = None, ci: bool = True, label: str = "Weibull fit") -> Any:
        """Draw the fitted S(t) (and its band) on ``ax`` up to the 99.9th percentile."""
        import matplotlib.pyplot as plt

        check_fitted(self, "lambda_")
        ci = check_bool(ci, "ci")
        ax = plt.gca() if ax is None else ax
        times = np.linspace(0.0, self.percentile(99.9), 300)
        line = ax.plot(times, self.survival_function(times), label=label)[0]
        if ci:
            band = self.survival_interval(times)
            ax.fill_between(
                times, band[:, 0], band[:, 1], alpha=0.2, color=line.get_color(), linewidth=0
            )
        ax.set_xlabel("time")
        ax.set_ylabel("S(t)")
        return ax


def _log_total(rho, log_t, log_e):
    """log sum_i (T_i^ρ - e_i^ρ) by log-sum-exp (no overflow for any ρ); autodiff ops."""
    log_failures = ad.logsumexp(log_t * rho)
    if log_e is None:
        return log_failures
    return log_failures + ad.log1p(-ad.exp(ad.logsumexp(log_e * rho) - log_failures))


def _profile_log_lambda(log_rho: float, log_t, log_e, n_events: int) -> float:
    """log λ(ρ) = (log sum (T^ρ - e^ρ) - log D) / ρ."""
    rho = math.exp(log_rho)
    return (float(_log_total(rho, log_t, log_e)) - math.log(n_events)) / rho
