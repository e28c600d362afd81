"""Autocorrelation, partial autocorrelation (Durbin–Levinson) and the Ljung–Box test.

Sample autocovariance and autocorrelation of x_1..x_n with mean x̄::

    γ̂(k) = (1/n) sum_{t=k+1}^{n} (x_t - x̄)(x_{t-k} - x̄)      (1/(n-k) with adjusted=True)
    r_k = γ̂(k) / γ̂(0)

Bands. Under white noise r_k ~ N(0, 1/n); under an MA(k-1) process Bartlett's formula gives
Var r_k = (1 + 2 sum_{j<k} r_j^2) / n, the band statsmodels and R draw by default.

Partial autocorrelation φ_kk: the last coefficient of the best linear predictor of x_t from
x_{t-1}..x_{t-k}. Durbin–Levinson computes every order from the autocorrelations in O(k²)::

    φ_11 = r_1
    φ_kk = (r_k - sum_{j<k} φ_{k-1,j} r_{k-j}) / (1 - sum_{j<k} φ_{k-1,j} r_j)
    φ_kj = φ_{k-1,j} - φ_kk φ_{k-1,k-j}            (j < k)
    v_k = v_{k-1} (1 - φ_kk²),  v_0 = γ̂(0)          (one-step prediction error variances)

Under an AR(p) process φ_kk ~ N(0, 1/n) for k > p, the band drawn for the PACF.

Ljung–Box (1978): Q(h) = n (n + 2) sum_{k=1}^{h} r_k² / (n - k), approximately χ² with
h - model_df degrees of freedom under white noise (Box–Pierce: Q = n sum r_k²).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from glassml._validation import check_bool, check_count, check_option, check_probability, fail
from glassml.timeseries._series import check_series, unit_scaled


def autocovariance(x: np.ndarray, nlags: int, adjusted: bool = False) -> np.ndarray:
    """γ̂(0), ..., γ̂(nlags) of a checked series, by FFT (exact to rounding)."""
    n = x.size
    centred = x - x.mean()
    size = 1 << int(2 * n - 1).bit_length()  # zero-padded: no circular wrap-around
    spectrum = np.fft.rfft(centred, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[: nlags + 1]
    return acov / (n - np.arange(nlags + 1)) if adjusted else acov / n


def durbin_levinson(acov: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From γ(0..p): the partial autocorrelations φ_kk (k = 1..p), the order-p coefficients
    φ_p1..φ_pp and the prediction error variances v_0..v_p (see the module docstring)."""
    order = acov.size - 1
    phi = np.zeros(order)
    pacf = np.zeros(order)
    variances = np.empty(order + 1)
    variances[0] = acov[0]
    for k in range(1, order + 1):
        previous = phi[: k - 1]
        kappa = (acov[k] - previous @ acov[k - 1 : 0 : -1]) / variances[k - 1]
        phi[: k - 1] = previous - kappa * previous[::-1]
        phi[k - 1] = kappa
        pacf[k - 1] = kappa
        variances[k] = variances[k - 1] * (1.0 - kappa * kappa)
    return pacf, phi, variances


@dataclass(frozen=True)
class Correlogram:
    """Correlations by lag with their 1 - alpha band.

    ``values[k]`` is the correlation at ``lags[k]`` (lag 0 included, value 1);
    ``confint`` (len(lags), 2) is the band centred on the estimate (statsmodels' layout);
    ``band`` its half-width, the band around 0 that plots draw.
    """

    lags: np.ndarray
    values: np.ndarray
    confint: np.ndarray
    band: np.ndarray
    alpha: float
    kind: str

    def plot(self, ax: Any = None, title: str | None = None) -> Any:
        """Stem plot of the correlations with the shaded band around zero."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        lags = self.lags[1:]
        ax.fill_between(lags, -self.band[1:], self.band[1:], alpha=0.25, linewidth=0)
        ax.vlines(lags, 0, self.values[1:], linewidth=1.5)
        ax.plot(lags, self.values[1:], "o", markersize=4)
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel("lag")
        ax.set_ylabel(self.kind)
        ax.set_title(title or f"{self.kind} with {1 - self.alpha:.0%} band")
        return ax


def _nlags(nlags: Any, n: int, limit: int, argument: str = "nlags") -> int:
    if nlags is None:
        return max(1, min(int(10 * np.log10(n)), limit))
    nlags = check_count(nlags, argument)
    if nlags > limit:
        raise ValueError(
            f"{argument}: expected at most {limit} lags for a series of {n} observations, got "
            f"{nlags}"
        )
    return nlags


def acf(
    x: Any,
    nlags: int | None = None,
    *,
    adjusted: bool = False,
    alpha: float = 0.05,
    bartlett: bool = True,
    missing: str = "raise",
) -> Correlogram:
    """Sample autocorrelations r_0..r_nlags with a 1 - alpha band.

    ``bartlett=True`` uses Bartlett's variance (1 + 2 sum_{j<k} r_j²)/n, else 1/n (white
    noise). ``nlags`` defaults to min(10 log10 n, n - 1). Equals
    ``statsmodels.tsa.stattools.acf(x, nlags, adjusted, alpha=alpha, bartlett_confint=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import acf
    >>> x = np.sin(np.arange(48) * np.pi / 6)          # period 12
    >>> np.round(acf(x, nlags=12).values[[1, 6, 12]], 2)
    array([ 0.87, -0.88,  0.75])
    """
    x = unit_scaled(check_series(x, "x", missing, min_length=2))
    nlags = _nlags(nlags, x.size, x.size - 1)
    adjusted = check_bool(adjusted, "adjusted")
    alpha = check_probability(alpha, "alpha")
    bartlett = check_bool(bartlett, "bartlett")
    acov = autocovariance(x, nlags, adjusted)
    if acov[0] == 0.0:
        raise ValueError("x: the series is constant; its autocorrelation is undefined")
    values = acov / acov[0]
    variance = np.full(nlags + 1, 1.0 / x.size)
    variance[0] = 0.0
    if bartlett and nlags >= 2:
        variance[2:] *= 1.0 + 2.0 * np.cumsum(values[1:-1] ** 2)
    return _correlogram(values, variance, alpha, "ACF")


def _correlogram(values, variance, alpha, kind) -> Correlogram:
    band = float(norm.isf(alpha / 2)) * np.sqrt(variance)
    lags = np.arange(values.size)
    return Correlogram(
        lags, values, np.column_stack([values - band, values + band]), band, alpha, kind
    )


PACF_METHODS = ("yw", "yw_adjusted", "ols")


def pacf(
    x: Any,
    nlags: int | None = None,
    *,
    method: str = "yw",
    alpha: float = 0.05,
    missing: str = "raise",
) -> Correlogram:
    """Partial autocorrelations φ_00 = 1, φ_11, ..., φ_kk with the 1 - alpha band ±z/sqrt(n).

    ``method``: "yw" Durbin–Levinson on the sample autocovariances (statsmodels' "ywm" /
    "ldb"; every value in (-1, 1)), "yw_adjusted" on the 1/(n-k) ones (statsmodels'
    default "ywadjusted"), "ols" the last coefficient of the regression of x_t on an intercept
    and x_{t-1..t-k} (statsmodels' "ols"). ``nlags`` defaults to min(10 log10 n, n/2 - 1) and
    must be below n/2.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import pacf
    >>> rng = np.random.default_rng(0)
    >>> e = rng.standard_normal(2000); x = np.zeros(2000)
    >>> for t in range(1, 2000):
    ...     x[t] = 0.7 * x[t - 1] + e[t]                   # AR(1): the PACF cuts off after lag 1
    >>> result = pacf(x, nlags=3)
    >>> np.round(result.values[1], 1), bool(np.all(np.abs(result.values[2:]) < result.band[2:]))
    (np.float64(0.7), True)
    """
    x = unit_scaled(check_series(x, "x", missing, min_length=4))
    nlags = _nlags(nlags, x.size, x.size // 2 - 1)
    method = check_option(method, "method", PACF_METHODS)
    alpha = check_probability(alpha, "alpha")
    if method == "ols":
        values = np.array([1.0] + [_last_ols_coefficient(x, k) for k in range(1, nlags + 1)])
    else:
        acov = autocovariance(x, nlags, adjusted=method == "yw_adjusted")
        if acov[0] == 0.0:
            raise ValueError("x: the series is constant; its partial autocorrelation is undefined")
        values = np.concatenate([[1.0], durbin_levinson(acov)[0]])
    variance = np.full(nlags + 1, 1.0 / x.size)
    variance[0] = 0.0
    return _correlogram(values, variance, alpha, "PACF")


def lag_matrix(x: np.ndarray, order: int) -> np.ndarray:
    """Rows t = order..n-1 of [x_{t-1}, ..., x_{t-order}]: shape (n - order, order)."""
    n = x.size
    return np.column_stack([x[order - j : n - j] for j in range(1, order + 1)])


def _last_ols_coefficient(x: np.ndarray, k: int) -> float:
    design = np.column_stack([np.ones(x.size - k), lag_matrix(x, k)])
    coefficients = np.linalg.lstsq(design, x[k:], rcond=None)[0]
    return float(coefficients[-1])


def ljung_box(
    x: Any,
    lags: Any = None,
    *,
    model_df: int = 0,
    boxpierce: bool = False,
    missing: str = "raise",
) -> pd.DataFrame:
    """Ljung–Box (and optionally Box–Pierce) tests of no autocorrelation up to each lag.

    ``lags``: an int h (every lag from model_df + 1 to h is reported) or a list of lags, each
    above ``model_df``; default h = min(10, n/5). ``model_df`` degrees of freedom are
    subtracted (p + q when testing the residuals of an ARMA(p, q) fit).
    Returns a DataFrame indexed by lag with ``lb_stat``, ``lb_pvalue`` (and ``bp_stat``,
    ``bp_pvalue``), as ``statsmodels.stats.diagnostic.acorr_ljungbox``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import ljung_box
    >>> noise = np.random.default_rng(1).standard_normal(500)
    >>> bool(ljung_box(noise, lags=10)["lb_pvalue"].iloc[-1] > 0.05)
    True
    """
    x = unit_scaled(check_series(x, "x", missing, min_length=3))
    n = x.size
    model_df = check_count(model_df, "model_df", minimum=0)
    if lags is None or (
        isinstance(lags, numbers.Integral) and not isinstance(lags, bool | np.bool_)
    ):
        # Every lag h with h > model_df (fewer lags leave no degree of freedom).
        highest = max(1, min(10, n // 5)) if lags is None else check_count(lags, "lags")
        wanted = np.arange(model_df + 1, highest + 1)
        if wanted.size == 0:
            raise ValueError(f"lags: expected more lags than model_df = {model_df}, got {highest}")
    else:
        wanted = np.asarray(lags)
        if (
            wanted.ndim != 1
            or wanted.size == 0
            or wanted.dtype.kind not in "iu"
            or np.any(wanted < 1)
        ):
            raise fail("lags", "a positive int or a non-empty list of positive ints", lags)
    if wanted.max() >= n:
        raise fail("lags", f"lags below the series length {n}", lags)
    if model_df >= wanted.min():
        raise ValueError(
            f"model_df: expected fewer than the smallest lag tested ({int(wanted.min())}) "
            f"degrees of freedom, got {model_df}"
        )
    boxpierce = check_bool(boxpierce, "boxpierce")
    acov = autocovariance(x, int(wanted.max()))
    if acov[0] == 0.0:
        raise ValueError("x: the series is constant; its autocorrelation is undefined")
    r = acov[1:] / acov[0]
    lag_index = np.arange(1, r.size + 1)
    q_lb = n * (n + 2) * np.cumsum(r**2 / (n - lag_index))
    selected = wanted - 1
    degrees = wanted - model_df
    result = {"lb_stat": q_lb[selected], "lb_pvalue": chi2.sf(q_lb[selected], degrees)}
    if boxpierce:
        q_bp = n * np.cumsum(r**2)
        result.update(bp_stat=q_bp[selected], bp_pvalue=chi2.sf(q_bp[selected], degrees))
    return pd.DataFrame(result, index=pd.Index(wanted, name="lag"))
