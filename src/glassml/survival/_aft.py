"""The Weibull accelerated-failure-time model: covariates stretch or shrink the time scale.

Model. Each subject has its own Weibull scale, log-linear in its covariates, and all share
the shape ρ::

    log λ_i = β_0 + x_i^T β,     S(t | x_i) = exp(-(t/λ_i)^ρ)

so log T_i = β_0 + x_i^T β + W_i / ρ with W_i standard minimum-extreme-value: a covariate that
raises log λ by β_j multiplies every quantile of the lifetime by exp(β_j) (time is
"accelerated").

Likelihood: the censored, left-truncated Weibull likelihood of ``_weibull.py`` with λ_i in
place of λ::

    l(β_0, β, log ρ) = sum_i d_i log h_i(T_i) - sum_i [H_i(T_i) - H_i(e_i)]

maximised by Newton's method with the exact Hessian from automatic differentiation
(``glassml.stats.fit_mle``) in the standardised parametrisation (see ``_regression.py``);
standard errors from the inverse observed information there, mapped back to the data's units.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gamma as gamma_function

import glassml.autodiff as ad
from glassml._delta import standard_errors_of
from glassml._validation import check_scalar
from glassml.stats import fit_mle
from glassml.survival._data import check_times, time_scale
from glassml.survival._regression import SurvivalRegressor
from glassml.survival._weibull import weibull_log_likelihood


class WeibullAFT(SurvivalRegressor):
    """Weibull accelerated-failure-time regression: log λ_i = β_0 + x_i^T β, common shape ρ.

    Objective (maximised; see the module docstring)::

        l = sum_i d_i [log ρ + ρ (log T_i - log λ_i) - log T_i]
            - sum_i [(T_i/λ_i)^ρ - (e_i/λ_i)^ρ]

    Update: Newton's method on (β_0, β, log ρ) with the exact autodiff Hessian
    (``glassml.stats.fit_mle``); standard errors from the inverse observed information.
    Kalbfleisch & Prentice (2002), "The Statistical Analysis of Failure Time Data", ch. 3;
    the parametrisation and the reported table follow lifelines' ``WeibullAFTFitter``.

    ``fit(X, y, event_observed=None, entry=None)`` with ``y`` the durations; ``predict`` is
    the predicted median lifetime, ``score`` the concordance index.

    Parameters
    ----------
    alpha : float
        Intervals in ``summary`` are 1 - alpha Wald intervals.
    tol : float
        Newton stops when the largest gradient entry of -l is below it.
    max_iter : int
        Newton iterations at most.

    Attributes
    ----------
    intercept_, coef_ (n_features,), rho_ : the fitted β_0, β (data units) and shape ρ.
    params_, standard_errors_ : Series indexed like lifelines ((``"lambda_"``, covariate) and
        (``"rho_"``, ``"Intercept"``), the latter on the log scale).
    covariance_ : DataFrame, the inverse observed information in those parameters.
    log_likelihood_, AIC_, concordance_index_ (training data), n_iter_.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.survival import WeibullAFT
    >>> rng = np.random.default_rng(0)
    >>> load = rng.uniform(0, 2, size=(500, 1))           # heavier load, shorter life
    >>> life = np.exp(5.0 - 0.8 * load[:, 0]) * rng.weibull(2.0, 500)
    >>> model = WeibullAFT().fit(load, life)
    >>> round(model.intercept_, 1), round(float(model.coef_[0]), 1), round(model.rho_, 1)
    (5.0, -0.8, 2.0)
    """

    def __init__(self, alpha: float = 0.05, tol: float = 1e-9, max_iter: int = 100) -> None:
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y, event_observed=None, entry=None) -> WeibullAFT:
        """Fit on covariates ``X``, durations ``y`` (> 0), event indicators (1 = failure,
        0 = censored; default all 1) and optional left-truncation times ``entry``."""
        X, durations, events, entry = self._survival_data(X, y, event_observed, entry)
        p = X.shape[1]
        scale = time_scale(durations)
        log_t = np.log(durations / scale)
        Z = self._standardised(X)
        d = events.astype(np.float64)
        truncated = None if entry is None else np.flatnonzero(entry > 0)
        log_e = None
        if truncated is not None and truncated.size:
            log_e = np.log(entry[truncated] / scale)

        def log_likelihood(theta):
            log_lam = theta[0] + ad.matmul(Z, theta[1 : p + 1])
            entries = None if log_e is None else (ad.getitem(log_lam, truncated), log_e)
            return weibull_log_likelihood(log_lam, theta[p + 1], log_t, d, entries)

        start = np.zeros(p + 2)
        exposure = np.exp(log_t).sum() - (0.0 if log_e is None else np.exp(log_e).sum())
        start[0] = math.log(exposure / d.sum())  # the exponential model's MLE of λ
        try:
            # Trial steps of the line search may overflow (inf is "too far" to it): quietly.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                result = fit_mle(log_likelihood, start, tol=self.tol, max_iter=self.max_iter)
        except ValueError as error:
            raise ValueError(f"X, y: the Weibull AFT likelihood has no maximum ({error})") from None
        self._store(result, scale, d, p)
        self.n_iter_ = result.n_iter
        self.concordance_index_ = self._concordance(X, durations, events)
        return self

    def _store(self, result, scale: float, d: np.ndarray, p: int) -> None:
        theta = result.params
        center, spread = self.feature_mean_, self.feature_scale_
        self.coef_ = theta[1 : p + 1] / spread
        self.intercept_ = float(
            theta[0] - np.sum(center / spread * theta[1 : p + 1]) + math.log(scale)
        )
        self.rho_ = float(math.exp(theta[p + 1]))
        self._log_lambda_std = theta[: p + 1].copy()  # on standardised X, unit-free durations
        self._log_scale = math.log(scale)
        # theta_data = A theta_std + c (see _regression.py).
        A = np.zeros((p + 2, p + 2))
        A[0, 0] = 1.0
        A[0, 1 : p + 1] = -center / spread
        A[1 : p + 1, 1 : p + 1] = np.diag(1.0 / spread)
        A[p + 1, p + 1] = 1.0
        labels = ["Intercept", *self._feature_labels()]
        index = pd.MultiIndex.from_tuples(
            [("lambda_", label) for label in labels] + [("rho_", "Intercept")],
            names=["param", "covariate"],
        )
        estimates = np.concatenate([[self.intercept_], self.coef_, [theta[p + 1]]])
        errors = standard_errors_of(A, result.covariance)
        self.params_ = pd.Series(estimates, index=index, name="coef")
        self.standard_errors_ = pd.Series(errors, index=index, name="se(coef)")
        with np.errstate(over="ignore", under="ignore"):
            self.covariance_ = pd.DataFrame(A @ result.covariance @ A.T, index=index, columns=index)
        self.log_likelihood_ = float(result.log_likelihood - d.sum() * math.log(scale))
        self.AIC_ = -2.0 * self.log_likelihood_ + 2.0 * (p + 2)
        self._summary = self._wald_table(index, estimates, errors, exponentiate=True)

    @property
    def summary(self) -> pd.DataFrame:
        """The coefficient table: coef, exp(coef), se(coef), Wald interval, z, p."""
        if not hasattr(self, "_summary"):
            raise ValueError("WeibullAFT: this instance is not fitted yet; call fit(...) first")
        return self._summary

    # -------------------------------------------------------------- predictions
    def _log_lambda(self, X: np.ndarray) -> np.ndarray:
        """log λ_i in the data's time unit (computed on standardised X: no overflow)."""
        Z = self._standardised(X)
        return self._log_lambda_std[0] + Z @ self._log_lambda_std[1:] + self._log_scale

    def _survival_scores(self, X: np.ndarray) -> np.ndarray:
        return self._log_lambda(X)

    def predict_percentile(self, X, percent: float = 50.0) -> np.ndarray:
        """The age by which ``percent`` % of such units have failed: λ_i (-log(1-p))^(1/ρ)."""
        X = self._check_X(X)
        p = check_scalar(percent, "percent", low=0.0, high=100.0, closed="neither") / 100.0
        return np.exp(self._log_lambda(X) + math.log(-math.log1p(-p)) / self.rho_)

    def predict_median(self, X) -> np.ndarray:
        """The median lifetime λ_i (log 2)^(1/ρ) of each row of ``X``."""
        return self.predict_percentile(X, 50.0)

    def predict(self, X) -> np.ndarray:
        """The predicted median lifetime (same as ``predict_median``)."""
        return self.predict_median(X)

    def predict_expectation(self, X) -> np.ndarray:
        """The mean lifetime λ_i Γ(1 + 1/ρ) of each row of ``X``."""
        X = self._check_X(X)
        return np.exp(self._log_lambda(X)) * float(gamma_function(1.0 + 1.0 / self.rho_))

    def predict_survival_function(self, X, times: Any) -> np.ndarray:
        """S(t | x_i) = exp(-(t/λ_i)^ρ), shape (n_samples, n_times)."""
        X = self._check_X(X)
        times = check_times(times)
        with np.errstate(divide="ignore"):
            log_h = self.rho_ * (np.log(times)[None, :] - self._log_lambda(X)[:, None])
        return np.exp(-np.exp(log_h))

    def predict_hazard(self, X, times: Any) -> np.ndarray:
        """h(t | x_i) = (ρ/λ_i)(t/λ_i)^(ρ-1), shape (n_samples, n_times)."""
        X = self._check_X(X)
        times = check_times(times)
        log_lam = self._log_lambda(X)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            ageing = (self.rho_ - 1) * (np.log(times) - log_lam) if self.rho_ != 1 else 0.0
        return np.exp(math.log(self.rho_) - log_lam + ageing)
