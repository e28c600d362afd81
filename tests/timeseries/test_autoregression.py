"""AutoRegression against statsmodels' AutoReg, yule_walker, ARIMA and ar_select_order.

References and tolerances
-------------------------
- ``method="ols"`` vs ``statsmodels.tsa.ar_model.AutoReg`` (conditional MLE): parameters,
  standard errors, σ², log-likelihood, AIC/BIC, forecasts and their intervals 1e-10
  (relative; both are one least-squares solve).
- ``method="yule_walker"`` vs ``statsmodels.regression.linear_model.yule_walker``
  (method="mle", with and without demeaning): φ and σ² 1e-12.
- ``method="mle"``: our exact Gaussian log-likelihood (innovations form over the partial
  autocorrelations) equals ``ARIMA(p, 0, 0).loglike`` (Kalman filter) at random stationary
  parameters to 1e-10 relative. The estimates: ARIMA's L-BFGS-B stops at its tolerance
  (3e-6 here), so parameters agree to 1e-4 and our log-likelihood is >= ARIMA's; forecasts and
  intervals from ARIMA smoothed at our parameters 1e-9. The AR standard errors vs ARIMA's
  numerical-Hessian ones (cov_type="approx") 1e-4 (finite-difference accuracy).
- Order selection vs ``ar_select_order``: the same order, and criteria that differ from
  statsmodels' by one constant across orders (statsmodels counts parameters differently by
  a constant).
- ``step_up`` and ``step_down`` (Durbin–Levinson both ways) invert each other to 1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity import assert_close
from statsmodels.regression.linear_model import yule_walker
from statsmodels.tsa.ar_model import AutoReg, ar_select_order
from statsmodels.tsa.arima.model import ARIMA

import glassml.autodiff as ad
from glassml.timeseries import AutoRegression, select_order
from glassml.timeseries._autoregression import exact_log_likelihood, step_down, step_up


def simulate(coefficients, n=300, intercept=1.5, seed=0):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n + 100)
    y = np.zeros(n + 100)
    p = len(coefficients)
    for t in range(p, n + 100):
        y[t] = intercept + np.dot(coefficients, y[t - p : t][::-1]) + e[t]
    return y[100:]


Y = simulate([0.5, -0.2, 0.15])


def quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.mark.parametrize("trend", ["c", "n"])
def test_ols_matches_autoreg(trend):
    ours = AutoRegression(3, trend=trend).fit(Y)
    theirs = AutoReg(Y, 3, trend=trend).fit()
    params = ours.params_.to_numpy() if trend == "c" else ours.coef_
    errors = ours.standard_errors_.to_numpy() if trend == "c" else ours.standard_errors_[1:]
    assert_close(params, theirs.params, rtol=1e-10, what="params")
    assert_close(errors, theirs.bse, rtol=1e-10, what="se")
    assert_close(ours.sigma2_, theirs.sigma2, rtol=1e-10, what="σ²")
    assert_close(
        [ours.log_likelihood_, ours.aic_, ours.bic_],
        [theirs.llf, theirs.aic, theirs.bic],
        rtol=1e-10,
        what="llf, aic, bic",
    )
    forecast = ours.forecast(12, alpha=0.1)
    prediction = theirs.get_prediction(Y.size, Y.size + 11)
    assert_close(forecast["mean"], prediction.predicted_mean, rtol=1e-10, what="forecast")
    assert_close(
        forecast[["lower", "upper"]].to_numpy(),
        prediction.conf_int(alpha=0.1),
        rtol=1e-10,
        what="interval",
    )
    assert_close(ours.resid_, theirs.resid, rtol=1e-9, atol=1e-12, what="residuals")


@pytest.mark.parametrize("trend", ["c", "n"])
def test_yule_walker_matches_statsmodels(trend):
    ours = AutoRegression(3, method="yule_walker", trend=trend).fit(Y)
    rho, sigma = yule_walker(Y, 3, method="mle", demean=trend == "c")
    assert_close(ours.coef_, rho, rtol=1e-12, what="φ")
    assert_close(ours.sigma2_, sigma**2, rtol=1e-12, what="σ²")
    if trend == "c":
        assert_close(ours.mean_, Y.mean(), rtol=1e-12, what="mean")


def test_exact_likelihood_equals_the_kalman_filter():
    model = ARIMA(Y, order=(3, 0, 0), trend="c")
    rng = np.random.default_rng(1)
    for _ in range(5):
        kappa = rng.uniform(-0.9, 0.9, 3)
        phi = step_up(ad.Tensor(kappa))[-1].data
        mu, sigma2 = rng.normal(2, 1), rng.uniform(0.5, 2)
        ours = float(exact_log_likelihood(mu, ad.Tensor(phi), sigma2, Y).item())
        theirs = model.loglike(np.array([mu, *phi, sigma2]))
        assert_close(ours, theirs, rtol=1e-10, what="log L")


def test_mle_matches_arima():
    ours = AutoRegression(3, method="mle").fit(Y)
    theirs = quiet(lambda: ARIMA(Y, order=(3, 0, 0), trend="c").fit(cov_type="approx"))
    assert_close([ours.mean_, *ours.coef_, ours.sigma2_], theirs.params, rtol=1e-4, what="params")
    assert ours.log_likelihood_ >= theirs.llf - 1e-12 * abs(theirs.llf)
    assert_close(ours.standard_errors_[1:], theirs.bse[1:4], rtol=1e-4, what="AR se")
    # Forecasts: ARIMA's Kalman filter at our estimate.
    at_ours = ARIMA(Y, order=(3, 0, 0), trend="c").smooth(
        np.array([ours.mean_, *ours.coef_, ours.sigma2_])
    )
    forecast = at_ours.get_forecast(10)
    ours_forecast = ours.forecast(10)
    assert_close(ours_forecast["mean"], forecast.predicted_mean, rtol=1e-9, what="forecast")
    assert_close(ours_forecast["se"], forecast.se_mean, rtol=1e-9, what="forecast se")


def test_step_up_and_step_down_invert_each_other():
    kappa = np.array([0.7, -0.4, 0.2, -0.6])
    phi = step_up(ad.Tensor(kappa))[-1]
    assert_close(step_down(phi).data, kappa, rtol=1e-12, what="κ")
    # The AR polynomial of φ has every root outside the unit circle (stationary).
    roots = np.roots(np.concatenate([-phi.data[::-1], [1.0]]))
    assert np.all(np.abs(roots) > 1)


@pytest.mark.parametrize("ic", ["aic", "bic"])
def test_order_selection_matches_statsmodels(ic):
    ours = select_order(Y, 8, ic=ic)
    theirs = ar_select_order(Y, 8, ic=ic)
    assert ours.order == max(theirs.ar_lags or [0])
    keys = [0] + [tuple(range(1, k + 1)) for k in range(1, 9)]
    difference = ours.criteria[ic].to_numpy() - np.array([getattr(theirs, ic)[k] for k in keys])
    assert np.ptp(difference) < 1e-9
    model = AutoRegression(ic, max_order=8).fit(Y)
    assert model.order_ == ours.order == 3 and model.selection_.order == 3


def test_forecast_intervals_widen_to_the_stationary_variance():
    model = AutoRegression(1, method="yule_walker").fit(simulate([0.8], n=2000, seed=5))
    forecast = model.forecast(60)
    stationary = np.sqrt(model.sigma2_ / (1 - model.coef_[0] ** 2))
    assert np.all(np.diff(forecast["se"]) > 0)
    assert_close(forecast["se"].iloc[-1], stationary, rtol=1e-6, what="long-run se")
    assert_close(forecast["mean"].iloc[-1], model.mean_, rtol=1e-5, what="long-run mean")


@pytest.mark.parametrize("factor", [1e-100, 1e100])
def test_scale_equivariance(factor):
    base = AutoRegression(2, method="mle").fit(Y)
    scaled = AutoRegression(2, method="mle").fit(Y * factor)
    assert_close(scaled.coef_, base.coef_, rtol=1e-8, what="φ")
    assert_close(scaled.mean_ / factor, base.mean_, rtol=1e-8, what="mean")
    assert_close(scaled.forecast(3)["upper"] / factor, base.forecast(3)["upper"], rtol=1e-8)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: AutoRegression(10).fit(Y[:15]), "y: expected at least 22 observations"),
        (lambda: AutoRegression(2).fit(np.r_[Y[:50], np.nan, Y[51:]]), "positions 50"),
        (lambda: AutoRegression(2, method="burg").fit(Y), "method"),
        (lambda: AutoRegression(-1).fit(Y), "order"),
        (lambda: AutoRegression(2).fit(np.full(50, 3.0)), "constant"),
        (lambda: select_order(Y[:10], 8), "expected at least 18"),
        (lambda: AutoRegression(2).fit(Y).forecast(0), "steps"),
        (lambda: AutoRegression(2).fit(Y * 1e300), "y: the largest .* not representable"),
    ],
)
def test_bad_input_is_refused_by_name(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_missing_values_can_be_interpolated():
    gappy = Y.copy()
    gappy[100] = np.nan
    filled = Y.copy()
    filled[100] = 0.5 * (Y[99] + Y[101])
    assert_close(
        AutoRegression(2, missing="interpolate").fit(gappy).coef_,
        AutoRegression(2).fit(filled).coef_,
        rtol=1e-14,
    )
