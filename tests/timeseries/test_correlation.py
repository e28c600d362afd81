"""ACF, PACF and Ljung–Box against statsmodels.

References and tolerances
-------------------------
- ``acf`` vs ``statsmodels.tsa.stattools.acf`` (Bartlett and white-noise bands, plain and
  adjusted denominators): values and band 1e-12 absolute. With ``bartlett_confint=False``
  statsmodels also puts a band of width z/sqrt(n) around r_0 = 1; ours has none there (r_0 is
  1 by definition), so lag 0 is left out of that one comparison.
- ``pacf`` vs ``statsmodels.tsa.stattools.pacf``: "yw" = statsmodels "ywm", "yw_adjusted" =
  "ywadjusted", "ols" = "ols"; values and band 1e-12.
- Durbin–Levinson against a direct solve of the Yule–Walker equations of every order
  (numpy.linalg.solve), 1e-12.
- ``ljung_box`` vs ``statsmodels.stats.diagnostic.acorr_ljungbox`` (with Box–Pierce, with
  model_df, with a list of lags): statistics and p-values 1e-10 relative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity import assert_close
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.tsa.stattools import acf as sm_acf
from statsmodels.tsa.stattools import pacf as sm_pacf

from glassml.timeseries import acf, ljung_box, pacf
from glassml.timeseries._correlation import autocovariance, durbin_levinson


def ar2(n=400, seed=0):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = 0.5 * x[t - 1] - 0.3 * x[t - 2] + e[t]
    return x + 3.0


X = ar2()


def statsmodels_acf(x, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return sm_acf(x, **kwargs)


@pytest.mark.parametrize("adjusted", [False, True])
@pytest.mark.parametrize("bartlett", [True, False])
def test_acf_matches_statsmodels(adjusted, bartlett):
    ours = acf(X, 25, adjusted=adjusted, bartlett=bartlett, alpha=0.1)
    values, confint = statsmodels_acf(
        X, nlags=25, adjusted=adjusted, alpha=0.1, bartlett_confint=bartlett, fft=False
    )
    assert_close(ours.values, values, rtol=0, atol=1e-12, what="acf")
    first = 0 if bartlett else 1
    assert_close(ours.confint[first:], confint[first:], rtol=0, atol=1e-12, what="band")
    assert_close(ours.band, ours.confint[:, 1] - ours.values, rtol=1e-12, what="half-width")


@pytest.mark.parametrize(
    "ours_method, theirs_method",
    [
        ("yw", "ywm"),
        ("yw_adjusted", "ywadjusted"),
        ("ols", "ols"),
    ],
)
def test_pacf_matches_statsmodels(ours_method, theirs_method):
    ours = pacf(X, 20, method=ours_method)
    values, confint = sm_pacf(X, nlags=20, method=theirs_method, alpha=0.05)
    assert_close(ours.values, values, rtol=0, atol=1e-12, what="pacf")
    assert_close(ours.confint, confint, rtol=0, atol=1e-12, what="band")


def test_durbin_levinson_solves_every_yule_walker_system():
    acov = autocovariance(X, 8)
    partial, phi, variances = durbin_levinson(acov)
    for order in range(1, 9):
        toeplitz = acov[np.abs(np.subtract.outer(np.arange(order), np.arange(order)))]
        solution = np.linalg.solve(toeplitz, acov[1 : order + 1])
        assert_close(partial[order - 1], solution[-1], rtol=1e-12, what=f"φ_kk, k={order}")
        assert_close(variances[order], acov[0] - solution @ acov[1 : order + 1], rtol=1e-12)
    assert_close(phi, solution, rtol=1e-12, what="order-8 coefficients")


@pytest.mark.parametrize(
    "kwargs",
    [{"lags": 12}, {"lags": 12, "boxpierce": True}, {"lags": 10, "model_df": 2}, {"lags": [3, 7]}],
)
def test_ljung_box_matches_statsmodels(kwargs):
    ours = ljung_box(X, **kwargs)
    theirs = acorr_ljungbox(X, **kwargs)
    theirs = theirs.loc[ours.index]  # statsmodels also lists lags <= model_df (p-value NaN)
    for column in ours.columns:
        assert_close(ours[column], theirs[column], rtol=1e-10, what=column)
    assert ours["lb_pvalue"].iloc[-1] < 1e-6  # an AR(2) is not white noise


def test_gaps_are_named_or_interpolated():
    gappy = X.copy()
    gappy[[50, 51, 200]] = np.nan
    with pytest.raises(ValueError, match=r"x: NaN \(missing values\) at positions 50, 51, 200"):
        acf(gappy)
    filled = X.copy()
    filled[50:52] = np.interp([50, 51], [49, 52], X[[49, 52]])
    filled[200] = 0.5 * (X[199] + X[201])
    assert_close(acf(gappy, 10, missing="interpolate").values, acf(filled, 10).values, rtol=1e-14)
    edge = X.copy()
    edge[0] = np.nan
    with pytest.raises(ValueError, match="at the start"):
        pacf(edge, missing="interpolate")


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: acf(X[:10], 10), "nlags: expected at most 9"),
        (lambda: pacf(X[:20], 10), "nlags: expected at most 9"),
        (lambda: acf(np.ones(50)), "constant"),
        (lambda: pacf(X, method="burg"), "method"),
        (lambda: ljung_box(X, lags=2, model_df=2), "lags: expected more lags than model_df"),
        (lambda: ljung_box(X, lags=[0, 3]), "lags"),
        (lambda: acf(X, alpha=1.5), "alpha"),
        (lambda: acf(np.append(X, np.inf)), "x: .*infinity"),
    ],
)
def test_bad_input_is_refused_by_name(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
