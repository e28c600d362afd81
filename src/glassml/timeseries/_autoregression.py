"""Autoregression AR(p): three estimators, forecasts with intervals, order selection.

Model: y_t = c + φ_1 y_{t-1} + ... + φ_p y_{t-p} + ε_t, ε_t ~ N(0, σ²) independent; for a
stationary process the mean is μ = c / (1 - sum φ_j).

Estimators
----------
``"ols"`` (conditional maximum likelihood): least squares of y_t on (1, y_{t-1}, ..., y_{t-p})
for t = p+1..n, σ² = SSR / (n - p) (statsmodels' ``AutoReg``).

``"yule_walker"`` (method of moments): solve the Yule–Walker equations Γ_p φ = γ_p with the
sample autocovariances by Durbin–Levinson (``_correlation.durbin_levinson``), σ² = v_p,
c = ȳ (1 - sum φ); the fitted process is always stationary.

``"mle"`` (exact Gaussian likelihood). Reparametrise by the partial autocorrelations κ_k =
tanh(u_k) in (-1, 1), which map one-to-one onto the stationary AR(p) coefficients by the
Durbin–Levinson step-up φ^(k)_j = φ^(k-1)_j - κ_k φ^(k-1)_{k-j}, φ^(k)_k = κ_k (Jones, 1980;
Monahan, 1984). The likelihood factorises into one-step prediction errors (the innovations
of Brockwell & Davis, section 5.2): y_t (t <= p) is predicted from its t - 1 predecessors by
the order-(t-1) coefficients with error variance σ² r_t, r_t = prod_{j=t}^{p} (1 - κ_j²)^-1,
and y_t (t > p) by φ with variance σ², so with e_t the prediction errors::

    l(μ, κ, σ²) = -n/2 log(2πσ²) - 1/2 sum_t log r_t - sum_t e_t² / (2 σ² r_t)

σ² is concentrated out (σ̂² = sum e_t²/r_t / n) and the rest minimised by L-BFGS
(``glassml.optim``) with gradients by ``glassml.autodiff``, from the Yule–Walker estimate.

Forecasts and intervals: ŷ_{n+h} by the recursion with future values replaced by their
forecasts; the error is sum_{j<h} ψ_j ε_{n+h-j} with ψ_0 = 1, ψ_j = sum_{i<=min(j,p)} φ_i
ψ_{j-i}, so Var = σ² sum_{j<h} ψ_j² and the interval is ŷ ± z sqrt(Var).

Order selection: every order 0..max_order fitted by least squares on the same sample
(t > max_order), log-likelihood -m/2 (log(2π σ̂²) + 1) with σ̂² = SSR/m, and AIC = -2 l +
2 (k + 1), BIC = -2 l + log(m) (k + 1) for k mean parameters (the +1 is σ²).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.utils._param_validation import Interval, StrOptions

import glassml.autodiff as ad
from glassml._delta import standard_errors_of
from glassml._params import Params, check_fitted
from glassml._validation import check_count, check_option, check_probability
from glassml.optim import minimize
from glassml.stats import observed_information
from glassml.timeseries._correlation import autocovariance, durbin_levinson, lag_matrix
from glassml.timeseries._series import check_series, check_squares_representable, scale_of

METHODS = ("ols", "yule_walker", "mle")
CRITERIA = ("aic", "bic")


# --------------------------------------------------------------------------- exact likelihood
def step_up(kappa) -> list:
    """φ^(0), ..., φ^(p) from the partial autocorrelations κ (autodiff ops)."""
    coefficients = [None]
    for k in range(kappa.shape[0]):
        last = ad.getitem(kappa, slice(k, k + 1))
        previous = coefficients[-1]
        if previous is None:
            coefficients.append(last)
        else:
            reversed_previous = ad.getitem(previous, slice(None, None, -1))
            coefficients.append(ad.concatenate([previous - reversed_previous * last, last]))
    return coefficients


def step_down(phi):
    """κ_1..κ_p from the AR coefficients φ (the inverse of ``step_up``, autodiff ops)."""
    p = phi.shape[0]
    kappas = []
    current = phi
    for k in range(p, 0, -1):
        kappa = ad.getitem(current, slice(k - 1, k))
        kappas.append(kappa)
        if k > 1:
            head = ad.getitem(current, slice(0, k - 1))
            reversed_head = ad.getitem(head, slice(None, None, -1))
            current = (head + reversed_head * kappa) / (1.0 - kappa * kappa)
    return ad.concatenate(kappas[::-1])


def prediction_errors(mu, kappa, y: np.ndarray):
    """(S, sum_t log r_t): the weighted sum of squared one-step errors sum e_t²/r_t and the log
    variance factors, for the stationary AR with mean μ and partial autocorrelations κ."""
    p = kappa.shape[0]
    centred = y - mu
    coefficients = step_up(kappa)
    log_keep = ad.log(1.0 - kappa * kappa)  # log(1 - κ_j²)
    # sum_t log r_t = -sum_j j log(1 - κ_j²): κ_j enters r_t for t = 1..j.
    log_factors = -ad.sum(log_keep * np.arange(1.0, p + 1.0))
    total = 0.0
    for t in range(p):
        error = ad.getitem(centred, t)
        if t > 0:  # predicted from y_{t-1}, ..., y_0 by the order-t coefficients
            past = ad.getitem(centred, slice(t - 1, None, -1))
            error = error - ad.sum(coefficients[t] * past)
        keep = ad.exp(ad.sum(ad.getitem(log_keep, slice(t, p))))  # 1 / r_t
        total = total + error * error * keep
    lags = ad.stack(
        [ad.getitem(centred, slice(p - j, y.size - j)) for j in range(1, p + 1)], axis=1
    )
    errors = ad.getitem(centred, slice(p, None)) - ad.matmul(lags, coefficients[p])
    return total + ad.sum(errors * errors), log_factors


def exact_log_likelihood(mu, phi, sigma2, y: np.ndarray):
    """l(μ, φ, σ²) of the stationary Gaussian AR(p) (see the module docstring)."""
    weighted, log_factors = prediction_errors(mu, step_down(phi), y)
    n = y.size
    return -0.5 * n * ad.log(2.0 * math.pi * sigma2) - 0.5 * log_factors - weighted / (2.0 * sigma2)


# --------------------------------------------------------------------------- order selection
@dataclass(frozen=True)
class OrderSelection:
    """Information criteria of AR(0..max_order) fitted on a common sample; ``order`` the one
    minimising ``ic``."""

    order: int
    ic: str
    criteria: pd.DataFrame


def _design(y: np.ndarray, order: int, trend: str, hold_back: int) -> tuple[np.ndarray, np.ndarray]:
    """Targets y_t (t >= hold_back) and regressors (1 if trend "c", y_{t-1..t-order})."""
    target = y[hold_back:]
    columns = [] if trend == "n" else [np.ones(target.size)]
    if order:
        columns.append(lag_matrix(y, hold_back)[:, :order])
    design = np.column_stack(columns) if columns else np.empty((target.size, 0))
    return target, design


def select_order(
    y: Any, max_order: int, *, ic: str = "aic", trend: str = "c", missing: str = "raise"
) -> OrderSelection:
    """AR order 0..``max_order`` minimising AIC or BIC (see the module docstring).

    Every order is fitted by least squares on the same observations t > max_order, so the
    criteria compare like with like, as ``statsmodels.tsa.ar_model.ar_select_order`` does.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import select_order
    >>> rng = np.random.default_rng(0)
    >>> e = rng.standard_normal(600); y = np.zeros(600)
    >>> for t in range(2, 600):
    ...     y[t] = 0.6 * y[t - 1] - 0.3 * y[t - 2] + e[t]
    >>> select_order(y, max_order=8, ic="bic").order
    2
    """
    ic = check_option(ic, "ic", CRITERIA)
    trend = check_option(trend, "trend", ("c", "n"))
    max_order = check_count(max_order, "max_order", minimum=0)
    y = check_series(y, "y", missing)
    needed = 2 * max_order + 2
    if y.size < needed:
        raise ValueError(
            f"y: expected at least {needed} observations to compare AR orders up to "
            f"max_order={max_order}, got {y.size}"
        )
    location, scale = scale_of(y)
    y_unit = (y - location) / scale if trend == "c" else y / scale
    rows = []
    for order in range(max_order + 1):
        target, design = _design(y_unit, order, trend, max_order)
        residuals = (
            target - design @ np.linalg.lstsq(design, target, rcond=None)[0]
            if design.size
            else target
        )
        m = target.size
        # log σ² = log(RSS / m) + 2 log(scale): σ² itself may leave float64's range.
        log_sigma2 = math.log(float(residuals @ residuals) / m) + 2.0 * math.log(scale)
        log_likelihood = -0.5 * m * (math.log(2 * math.pi) + log_sigma2 + 1.0)
        k = design.shape[1] + 1
        rows.append(
            {
                "order": order,
                "log_likelihood": log_likelihood,
                "aic": -2.0 * log_likelihood + 2.0 * k,
                "bic": -2.0 * log_likelihood + math.log(m) * k,
            }
        )
    criteria = pd.DataFrame(rows).set_index("order")
    return OrderSelection(int(criteria[ic].idxmin()), ic, criteria)


# --------------------------------------------------------------------------- the model
class AutoRegression(Params):
    """Autoregressive model AR(p) fitted by least squares, Yule–Walker or exact maximum
    likelihood, with forecasts and prediction intervals.

    Model and estimators as in the module docstring::

        y_t = c + sum_{j=1}^p φ_j y_{t-j} + ε_t,  ε_t ~ N(0, σ²)
        ols: min sum_{t>p} (y_t - c - φ^T y_{t-1:t-p})²;  yule_walker: Γ_p φ = γ_p;
        mle: max l(μ, κ, σ²) over the partial autocorrelations κ = tanh(u) (L-BFGS)

    Brockwell & Davis (2016), "Introduction to Time Series and Forecasting", ch. 5;
    Box, Jenkins, Reinsel & Ljung (2015), ch. 7.

    Parameters
    ----------
    order : int or {"aic", "bic"}
        p, or the criterion choosing it among 0..``max_order`` (``select_order``).
    method : {"ols", "yule_walker", "mle"}
    trend : {"c", "n"}
        With an intercept c (mean μ) or without (mean 0).
    max_order : int, optional
        Largest order considered when ``order`` is a criterion (default min(10 log10 n,
        n/2 - 1)).
    missing : {"raise", "interpolate"}
        NaN gaps refused with their positions, or filled linearly.

    Attributes
    ----------
    order_ : int
    intercept_, mean_, coef_ (order_,), sigma2_ : the fitted c, μ, φ and σ².
    standard_errors_ : Series over ("intercept", "ar.L1", ...): OLS from σ² (X^T X)^-1; MLE
        from the exact observed information (autodiff); Yule–Walker from the large-sample
        covariance σ² Γ_p^-1 / n (and Var ȳ = σ² / (n (1 - sum φ)²)).
    log_likelihood_, aic_, bic_ : on the sample the method uses (conditional for OLS).
    fittedvalues_, resid_ : one-step predictions and residuals for t > p.
    selection_ : OrderSelection, when ``order`` is a criterion.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import AutoRegression
    >>> rng = np.random.default_rng(0)
    >>> e = rng.standard_normal(500); y = np.full(500, 10.0)
    >>> for t in range(1, 500):
    ...     y[t] = 2.0 + 0.8 * y[t - 1] + e[t]           # mean 2 / (1 - 0.8) = 10
    >>> model = AutoRegression(1).fit(y)
    >>> round(float(model.coef_[0]), 2), round(model.mean_, 1)
    (0.78, 9.9)
    >>> model.forecast(3).round(2).columns.tolist()
    ['mean', 'se', 'lower', 'upper']
    """

    _parameter_constraints: ClassVar[dict] = {
        "order": [Interval(numbers.Integral, 0, None, closed="left"), StrOptions(set(CRITERIA))],
        "method": [StrOptions(set(METHODS))],
        "trend": [StrOptions({"c", "n"})],
        "max_order": [None, Interval(numbers.Integral, 0, None, closed="left")],
        "missing": [StrOptions({"raise", "interpolate"})],
    }

    def __init__(
        self,
        order: int | str = 1,
        *,
        method: str = "ols",
        trend: str = "c",
        max_order: int | None = None,
        missing: str = "raise",
    ) -> None:
        self.order = order
        self.method = method
        self.trend = trend
        self.max_order = max_order
        self.missing = missing

    def fit(self, y: Any) -> AutoRegression:
        """Fit to the series ``y`` (1-D, in time order)."""
        self._validate_params()
        y = check_series(y, "y", self.missing)
        order = self.order
        if isinstance(order, str):
            limit = max(0, (y.size - 2) // 2)
            max_order = self.max_order
            if max_order is None:
                max_order = max(0, min(int(10 * math.log10(max(y.size, 1))), limit))
            self.selection_ = select_order(y, max_order, ic=order, trend=self.trend)
            order = self.selection_.order
        check_squares_representable(y)
        order = int(order)
        needed = 2 * order + 2
        if y.size < needed:
            raise ValueError(
                f"y: expected at least {needed} observations for an AR({order}) fit, got {y.size}"
            )
        location, scale = scale_of(y)
        if self.trend == "n":
            location = 0.0
        if np.all(y == y[0]) and order > 0:
            raise ValueError("y: the series is constant; its autoregression is undefined")
        unit = (y - location) / scale  # exact scaling: the estimates map back exactly
        fit = {"ols": self._fit_ols, "yule_walker": self._fit_yule_walker, "mle": self._fit_mle}
        intercept, coef, sigma2, covariance = fit[self.method](unit, order)
        # Back to the data's units, y = location + s u:  c = location (1 - sum φ) + s c_u,
        # σ² = s² σ²_u; the mean μ = c / (1 - sum φ) (undefined at a unit root).
        persistence = 1.0 - coef.sum()
        self.order_ = order
        self.coef_ = coef
        self.intercept_ = float(location * persistence + scale * intercept)
        self.mean_ = float(self.intercept_ / persistence) if persistence else math.nan
        self.sigma2_ = float(sigma2 * scale**2)
        self._set_errors(covariance, intercept, location, scale)
        self._y = y
        self._set_diagnostics(y)
        return self

    # ----------------------------------------------------------------- the three estimators
    # Each returns, on the unit-free series, (c, φ, σ², (kind, covariance)): the covariance of
    # (c, φ) (kind "intercept") or of (μ, φ) (kind "mean"), c = 0 without a trend.
    def _fit_ols(self, y, order):
        target, design = _design(y, order, self.trend, order)
        solution, *_ = np.linalg.lstsq(design, target, rcond=None)
        residuals = target - design @ solution
        sigma2 = float(residuals @ residuals) / target.size
        covariance = sigma2 * np.linalg.pinv(design.T @ design)
        if self.trend == "c":
            return solution[0], solution[1:], sigma2, ("intercept", covariance)
        return 0.0, solution, sigma2, ("intercept", _with_zero_intercept(covariance))

    def _fit_yule_walker(self, y, order):
        mean = y.mean() if self.trend == "c" else 0.0
        if order == 0:
            sigma2 = float(np.mean((y - mean) ** 2))
            return mean, np.zeros(0), sigma2, ("mean", np.array([[sigma2 / y.size]]))
        acov = autocovariance(y, order) if self.trend == "c" else _raw_autocovariance(y, order)
        _, coef, variances = durbin_levinson(acov)
        sigma2 = float(variances[-1])
        gamma = acov[np.abs(np.subtract.outer(np.arange(order), np.arange(order)))]
        covariance = np.zeros((order + 1, order + 1))
        covariance[1:, 1:] = sigma2 * np.linalg.inv(gamma) / y.size
        if self.trend == "c":
            covariance[0, 0] = sigma2 / (y.size * (1.0 - coef.sum()) ** 2)
        return mean * (1.0 - coef.sum()), coef, sigma2, ("mean", covariance)

    def _fit_mle(self, y, order):
        with_mean = self.trend == "c"
        mean = y.mean() if with_mean else 0.0
        if order == 0:
            sigma2 = float(np.mean((y - mean) ** 2))
            return mean, np.zeros(0), sigma2, ("mean", np.array([[sigma2 / y.size]]))
        acov = autocovariance(y, order) if with_mean else _raw_autocovariance(y, order)
        start_kappa = np.clip(durbin_levinson(acov)[0], -0.99, 0.99)
        n = y.size

        def concentrated(theta):
            mu = theta[0] if with_mean else 0.0
            kappa = ad.tanh(theta[1:] if with_mean else theta)
            weighted, log_factors = prediction_errors(mu, kappa, y)
            # -(l + n/2 (1 + log 2π)) / n at σ̂² = S / n
            return 0.5 * ad.log(weighted / n) + 0.5 * log_factors / n

        start = np.arctanh(start_kappa)
        if with_mean:
            start = np.concatenate([[mean], start])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = minimize(concentrated, start, method="lbfgs", tol=1e-10, max_iter=500)
        theta = result.x
        mu = float(theta[0]) if with_mean else 0.0
        self._mean_unit = mu
        kappa = np.tanh(theta[1:] if with_mean else theta)
        coef = step_up(ad.Tensor(kappa))[-1].data
        weighted, _ = prediction_errors(mu, ad.Tensor(kappa), y)
        sigma2 = float(weighted.data) / n
        self.n_iter_ = int(result.nit)
        covariance = self._mle_covariance(y, mu, coef, sigma2)
        return mu * (1.0 - coef.sum()), coef, sigma2, ("mean", covariance)

    def _mle_covariance(self, y, mu, coef, sigma2):
        """Inverse observed information of l(μ, φ, σ²) by autodiff; the (μ, φ) block."""
        with_mean = self.trend == "c"

        def log_likelihood(params):
            mean = params[0] if with_mean else 0.0
            offset = 1 if with_mean else 0
            phi = params[offset : offset + coef.size]
            return exact_log_likelihood(mean, phi, params[-1], y)

        point = np.concatenate([[mu] if with_mean else [], coef, [sigma2]])
        information = observed_information(log_likelihood, point)
        covariance = np.linalg.inv(information)[:-1, :-1]
        return covariance if with_mean else _with_zero_intercept(covariance)

    # ----------------------------------------------------------------- reporting
    def _set_errors(self, covariance, intercept_unit, location, scale) -> None:
        """Standard errors of (c, φ) in the data's units: the delta method through the linear
        map from the unit-free parameters (c = location (1 - sum φ) + s c_u, or, from the
        mean, c = (location + s μ_u)(1 - sum φ))."""
        kind, matrix = covariance
        p = self.coef_.size
        rows = np.eye(p + 1)
        persistence = 1.0 - self.coef_.sum()
        if kind == "intercept":
            rows[0, 0], rows[0, 1:] = scale, -location
        else:
            mean_unit = intercept_unit / persistence if persistence else 0.0
            rows[0, 0], rows[0, 1:] = scale * persistence, -(location + scale * mean_unit)
        errors = standard_errors_of(rows, matrix)
        index = ["intercept", *(f"ar.L{j}" for j in range(1, p + 1))]
        self.standard_errors_ = pd.Series(errors, index=index, name="se")
        self.params_ = pd.Series([self.intercept_, *self.coef_], index=index, name="coef")

    def _set_diagnostics(self, y: np.ndarray) -> None:
        p = self.order_
        target = y[p:]
        fitted = np.full(target.size, self.intercept_)
        if p:
            fitted = fitted + lag_matrix(y, p) @ self.coef_
        self.fittedvalues_ = fitted
        self.resid_ = target - fitted
        if self.method == "mle" and p:
            location, scale = scale_of(y)
            location = location if self.trend == "c" else 0.0
            unit = (y - location) / scale
            mu = self._mean_unit
            value = exact_log_likelihood(mu, ad.Tensor(self.coef_), self.sigma2_ / scale**2, unit)
            self.log_likelihood_ = float(value.item()) - y.size * math.log(scale)
            m = y.size
        else:
            m = target.size
            sigma2 = (
                self.sigma2_
                if self.method != "yule_walker"
                else float(self.resid_ @ self.resid_ / m)
            )
            self.log_likelihood_ = -0.5 * m * (math.log(2 * math.pi * sigma2) + 1.0)
        k = p + (1 if self.trend == "c" else 0) + 1
        self.aic_ = -2.0 * self.log_likelihood_ + 2.0 * k
        self.bic_ = -2.0 * self.log_likelihood_ + math.log(m) * k

    # ----------------------------------------------------------------- forecasting
    def psi_weights(self, steps: int) -> np.ndarray:
        """ψ_0..ψ_{steps-1} of the MA(∞) form y_t - μ = sum_j ψ_j ε_{t-j}."""
        check_fitted(self, "coef_")
        steps = check_count(steps, "steps")
        psi = np.zeros(steps)
        psi[0] = 1.0
        for j in range(1, steps):
            upto = min(j, self.order_)
            psi[j] = self.coef_[:upto] @ psi[j - 1 :: -1][:upto] if upto else 0.0
        return psi

    def forecast(self, steps: int = 1, alpha: float = 0.05) -> pd.DataFrame:
        """Forecasts 1..``steps`` ahead of the end of the series with 1 - alpha intervals.

        Returns a DataFrame indexed by the horizon h with ``mean`` (the point forecast),
        ``se`` (sigma sqrt(sum_{j<h} ψ_j²)), ``lower`` and ``upper``.
        """
        check_fitted(self, "coef_")
        steps = check_count(steps, "steps")
        alpha = check_probability(alpha, "alpha")
        p = self.order_
        history = list(self._y[-p:]) if p else []
        means = np.empty(steps)
        for h in range(steps):
            value = self.intercept_
            if p:
                value += float(np.dot(self.coef_, history[::-1][:p]))
                history.append(value)
            means[h] = value
        se = math.sqrt(self.sigma2_) * np.sqrt(np.cumsum(self.psi_weights(steps) ** 2))
        z = float(norm.isf(alpha / 2))
        return pd.DataFrame(
            {"mean": means, "se": se, "lower": means - z * se, "upper": means + z * se},
            index=pd.Index(np.arange(1, steps + 1), name="horizon"),
        )


def _with_zero_intercept(covariance: np.ndarray) -> np.ndarray:
    """Covariance of (c, φ) when c is fixed at 0."""
    size = covariance.shape[0] + 1
    full = np.zeros((size, size))
    full[1:, 1:] = covariance
    return full


def _raw_autocovariance(y: np.ndarray, order: int) -> np.ndarray:
    """(1/n) sum y_t y_{t-k}: the autocovariances about 0 (no mean estimated)."""
    return np.array([y[k:] @ y[: y.size - k] for k in range(order + 1)]) / y.size
