"""Exponential smoothing: simple, Holt (additive, damped) and Holt–Winters (additive and
multiplicative seasons), fitted by least squares with glassml.optim.

Recursions (component form of Hyndman et al., 2008, as statsmodels' ``ExponentialSmoothing``
writes them; φ = 1 without damping, b = 0 without trend, s = 0 without season)::

    ŷ_t = (l_{t-1} + φ b_{t-1}) + s_{t-m}                        (× s_{t-m} if multiplicative)
    l_t = α (y_t - s_{t-m}) + (1 - α)(l_{t-1} + φ b_{t-1})        (α y_t / s_{t-m} + ...)
    b_t = β (l_t - l_{t-1}) + (1 - β) φ b_{t-1}
    s_t = γ (y_t - l_{t-1} - φ b_{t-1}) + (1 - γ) s_{t-m}         (γ y_t / (l_{t-1} + φ b_{t-1})
                                                                   + ... if multiplicative)

Forecast h steps after the last observation n: ŷ_{n+h} = l_n + (φ + ... + φ^h) b_n combined
with the season s_{n+h-m(k+1)}, k = floor((h - 1) / m).

Objective: SSE(θ) = sum_t (y_t - ŷ_t)², minimised over the smoothing parameters and, with
``initialization_method="estimated"``, the initial states l_0, b_0, s_{-m+1..0} jointly.
The admissible region of statsmodels (0 < α < 1, 0 <= β <= α, 0 <= γ <= 1 - α,
0.8 <= φ <= 0.995) is reached by reparametrisation, so the optimiser is unconstrained::

    α = σ(u_1),  β = α σ(u_2),  γ = (1 - α) σ(u_3),  φ = 0.8 + 0.195 σ(u_4)

The additive seasons are normalised to sum to 0 (multiplicative: to average 1): adding c to
every initial season and -c to the initial level leaves every prediction unchanged, a flat
direction of the SSE that the normalisation removes. The gradient is the reverse-mode
derivative of the recursion (``_smoothing_kernels.sse_and_gradient``); the minimiser is
glassml.optim's L-BFGS, started from the best point of a coarse grid of (α, β, γ) with the
initial states at their heuristic values.

Forecast intervals are simulated: future errors ε ~ N(0, σ²), σ² = SSE / (n - k) with k the
number of estimated parameters, are fed through the same recursion (y = ŷ + ε), and the
interval is the α/2 and 1 - α/2 quantiles of the simulated paths.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from glassml._params import Params, check_fitted
from glassml._validation import check_count, check_probability, check_scalar, fail
from glassml.optim import minimize
from glassml.timeseries._series import check_series, check_squares_representable
from glassml.timeseries._smoothing_kernels import (
    ADDITIVE,
    MULTIPLICATIVE,
    NONE,
    grid_sse,
    holt_winters_filter,
    sse_and_gradient,
)

SEASONAL = {None: NONE, "add": ADDITIVE, "mul": MULTIPLICATIVE}
PHI_LOW, PHI_WIDTH = 0.8, 0.195


def _sigmoid(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))  # 1 / (1 + e^-u) without overflow


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


# --------------------------------------------------------------------------- initial states
def initial_states_simple(y, has_trend, seasonal, m):
    """statsmodels' "simple" start (Hyndman & Athanasopoulos, section 7.6): the first value
    (no season) or the first cycle's mean, its deviations (ratios), and the mean slope
    between the first two cycles."""
    trend = None
    if seasonal == NONE:
        level = float(y[0])
        if has_trend:
            trend = float(y[1] - y[0])
        return level, trend, np.zeros(0)
    level = float(np.mean(y[:m]))
    if has_trend:
        trend = float(np.mean((y[m : 2 * m] - y[:m]) / m))
    seasons = y[:m] - level if seasonal == ADDITIVE else y[:m] / level
    return level, trend, seasons


def initial_states_heuristic(y, has_trend, seasonal, m):
    """statsmodels' "heuristic" start (Hyndman et al., 2008, section 2.6.1): a centred moving
    average over the first cycles (2 x m for even m) as the trend-cycle, the average detrended
    value of each season (normalised), then a straight line through the first ten values of
    the trend-cycle (or of the series) for the level and trend."""
    n = y.size
    seasons = np.zeros(0)
    series = y
    if seasonal != NONE:
        cycles = min(5, n // m)
        needed = 10 + 2 * (m // 2)
        cycles = max(cycles, int(np.ceil(needed / m)))
        window = pd.Series(y[: m * cycles])
        smooth = window.rolling(m, center=True).mean()
        if m % 2 == 0:
            smooth = smooth.shift(-1).rolling(2).mean()
        detrended = window - smooth if seasonal == ADDITIVE else window / smooth
        padded = np.full(cycles * m, np.nan)
        padded[: detrended.size] = detrended.to_numpy()
        seasons = np.nanmean(padded.reshape(cycles, m).T, axis=1)
        seasons = seasons - seasons.mean() if seasonal == ADDITIVE else seasons / seasons.mean()
        series = smooth.dropna().to_numpy()
    design = np.column_stack([np.ones(10), np.arange(1.0, 11.0)])
    intercept, slope = np.linalg.pinv(design) @ series[:10]
    return float(intercept), float(slope) if has_trend else None, seasons


# --------------------------------------------------------------------------- the model
class ExponentialSmoothing(Params):
    """Simple, Holt and Holt–Winters exponential smoothing fitted by least squares.

    Objective and update (see the module docstring)::

        min SSE(θ) = sum_t (y_t - ŷ_t(θ))²,   θ = (α, β, γ, φ; l_0, b_0, s_0)
        reparametrised to unconstrained u; gradient by the reverse-mode recursion;
        L-BFGS (glassml.optim) from the best point of a grid of (α, β, γ)

    Holt (1957); Winters (1960); Gardner & McKenzie (1985, damped trend); Hyndman, Koehler,
    Ord & Snyder (2008), "Forecasting with Exponential Smoothing", ch. 2. Names and
    parametrisation follow ``statsmodels.tsa.holtwinters.ExponentialSmoothing``.

    Parameters
    ----------
    trend : {None, "add"}
    damped_trend : bool
    seasonal : {None, "add", "mul"}
    seasonal_periods : int, optional
        m, the number of observations per cycle (required with a season; at least 2).
    initialization_method : {"estimated", "heuristic"}
        "estimated": the initial states are fitted jointly with the smoothing parameters;
        "heuristic": they are fixed at the heuristic values (needs 10 observations, and two
        full cycles plus ``m // 2`` on either side with a season).
    missing : {"raise", "interpolate"}

    Attributes
    ----------
    smoothing_level_, smoothing_trend_, smoothing_seasonal_, damping_trend_ : float
        α, β, γ, φ (β, γ are 0 and φ is 1 where the component is absent).
    initial_level_, initial_trend_, initial_seasons_ (m,) : the states before y_0.
    level_, trend_, season_ (m,) : the states after the last observation.
    fittedvalues_, resid_ : one-step predictions and residuals.
    sse_, aic_, bic_ : statsmodels' definitions, n log(SSE/n) + 2 k (log(n) k for BIC).
    n_params_ : estimated parameters k.
    n_iter_, history_ : L-BFGS iterations and its trace ("loss": SSE / n, "grad_norm").

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import ExponentialSmoothing
    >>> months = np.arange(72)
    >>> y = 100 + 0.5 * months + 10 * np.sin(2 * np.pi * months / 12)
    >>> model = ExponentialSmoothing(trend="add", seasonal="add", seasonal_periods=12).fit(y)
    >>> bool(np.sqrt(model.sse_ / 72) < 0.5)
    True
    >>> forecast = model.forecast(12, random_state=0)
    >>> round(float(forecast["mean"].iloc[0]), 1)  # 100 + 0.5 * 72 + 10 sin(2π 72 / 12)
    136.0
    """

    _parameter_constraints: ClassVar[dict] = {
        "trend": [None, StrOptions({"add"})],
        "damped_trend": ["boolean"],
        "seasonal": [None, StrOptions({"add", "mul"})],
        "seasonal_periods": [None, Interval(numbers.Integral, 2, None, closed="left")],
        "initialization_method": [StrOptions({"estimated", "heuristic"})],
        "missing": [StrOptions({"raise", "interpolate"})],
    }

    def __init__(
        self,
        trend: str | None = None,
        damped_trend: bool = False,
        seasonal: str | None = None,
        seasonal_periods: int | None = None,
        *,
        initialization_method: str = "estimated",
        missing: str = "raise",
    ) -> None:
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.seasonal_periods = seasonal_periods
        self.initialization_method = initialization_method
        self.missing = missing

    # ----------------------------------------------------------------- checks
    def _structure(self) -> tuple[bool, int, int, bool]:
        self._validate_params()
        has_trend = self.trend == "add"
        seasonal = SEASONAL[self.seasonal]
        if self.damped_trend and not has_trend:
            raise ValueError("damped_trend: a damped trend needs trend='add'")
        if seasonal != NONE and self.seasonal_periods is None:
            raise ValueError("seasonal_periods: required with a seasonal component")
        m = int(self.seasonal_periods) if seasonal != NONE else 0
        return has_trend, seasonal, m, bool(self.damped_trend)

    def _minimum_length(self, has_trend: bool, seasonal: int, m: int) -> int:
        if self.initialization_method == "heuristic":
            return max(10, 2 * m, 10 + 2 * (m // 2)) if seasonal != NONE else 10
        if seasonal != NONE:
            return 2 * m
        return 3 if has_trend else 2

    # ----------------------------------------------------------------- fitting
    def fit(
        self,
        y: Any,
        *,
        smoothing_level: float | None = None,
        smoothing_trend: float | None = None,
        smoothing_seasonal: float | None = None,
        damping_trend: float | None = None,
        initial_level: float | None = None,
        initial_trend: float | None = None,
        initial_seasons: Any = None,
    ) -> ExponentialSmoothing:
        """Fit to the series ``y`` (1-D, in time order; strictly positive for a
        multiplicative season).

        Any parameter given here is held fixed and the others are estimated (statsmodels'
        ``fit(smoothing_level=...)``); given initial states (all those the model has) are
        held fixed too, whatever ``initialization_method`` says.
        """
        has_trend, seasonal, m, damped = self._structure()
        y = check_series(y, "y", self.missing)
        fixed = self._fixed_values(
            has_trend,
            seasonal,
            m,
            damped,
            smoothing_level,
            smoothing_trend,
            smoothing_seasonal,
            damping_trend,
            initial_level,
            initial_trend,
            initial_seasons,
        )
        needed = 2 if fixed["states"] is not None else self._minimum_length(has_trend, seasonal, m)
        if y.size < needed:
            raise ValueError(
                f"y: expected at least {needed} observations for this model "
                f"(initialization_method={self.initialization_method!r}, seasonal_periods={m}), "
                f"got {y.size}"
            )
        check_squares_representable(y)
        if seasonal == MULTIPLICATIVE and np.any(y <= 0):
            raise ValueError("y: a multiplicative season needs strictly positive values")
        # Every state and the SSE scale with y (the smoothing parameters do not): fit on
        # y / s for a power of two s, so 1e-300 and 1e300 fit as well as 1.
        scale = float(np.ldexp(1.0, int(np.frexp(np.max(np.abs(y)))[1])))
        unit = y / scale
        self._layout = (has_trend, seasonal, m, damped)
        if fixed["states"] is not None:
            level, trend, seasons = fixed["states"]
            season_unit = 1.0 if seasonal == MULTIPLICATIVE else scale
            states = (level / scale, trend / scale, np.asarray(seasons) / season_unit)
        else:
            heuristic = self.initialization_method == "heuristic" or y.size >= 10 + 2 * (m // 2)
            make = initial_states_heuristic if heuristic else initial_states_simple
            level, trend, seasons = make(unit, has_trend, seasonal, m)
            states = (level, trend if has_trend else 0.0, seasons)
        self._fixed = fixed
        self._fixed_states = states
        u = self._optimise(unit, states)
        self._store(unit, scale, u)
        return self

    def _fixed_values(
        self, has_trend, seasonal, m, damped, alpha, beta, gamma, phi, level, trend, seasons
    ) -> dict:
        """The held-fixed values, checked; ``states`` is None unless initial states are given."""

        def unit_interval(value, name):
            return None if value is None else check_scalar(value, name, low=0.0, high=1.0)

        alpha = unit_interval(alpha, "smoothing_level")
        beta = unit_interval(beta, "smoothing_trend") if has_trend else None
        gamma = unit_interval(gamma, "smoothing_seasonal") if seasonal != NONE else None
        phi = (
            None
            if phi is None or not damped
            else check_scalar(phi, "damping_trend", low=0.0, high=1.0, closed="right")
        )
        if alpha is not None and beta is not None and beta > alpha:
            raise ValueError(
                f"smoothing_trend: expected at most smoothing_level {alpha}, got {beta}"
            )
        if alpha is not None and gamma is not None and gamma > 1 - alpha:
            raise ValueError(
                f"smoothing_seasonal: expected at most 1 - smoothing_level = {1 - alpha}, "
                f"got {gamma}"
            )
        states = None
        if level is not None or trend is not None or seasons is not None:
            if level is None or (has_trend and trend is None) or (seasonal and seasons is None):
                raise ValueError(
                    "initial_level, initial_trend, initial_seasons: give every initial state "
                    "the model has, or none"
                )
            level = check_scalar(level, "initial_level")
            trend = check_scalar(trend, "initial_trend") if has_trend else 0.0
            if seasonal != NONE:
                seasons = check_series(seasons, "initial_seasons")
                if seasons.size != m:
                    raise fail("initial_seasons", f"{m} values (seasonal_periods)", seasons)
            else:
                seasons = np.zeros(0)
            states = (level, trend, seasons)
        return {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi, "states": states}

    def _free(self) -> dict:
        """Which of (u_α, u_β, u_γ, u_φ, l_0, b_0, s_0 (m - 1 free)) are estimated."""
        has_trend, seasonal, _, damped = self._layout
        fixed = self._fixed
        return {
            "alpha": fixed["alpha"] is None,
            "beta": has_trend and fixed["beta"] is None,
            "gamma": seasonal != NONE and fixed["gamma"] is None,
            "phi": damped and fixed["phi"] is None,
            "states": fixed["states"] is None and self.initialization_method == "estimated",
        }

    def _alpha_range(self) -> tuple[float, float]:
        """α is kept in (β, 1 - γ) when β or γ is held fixed (statsmodels' constraints)."""
        low = self._fixed["beta"] or 0.0
        high = 1.0 - (self._fixed["gamma"] or 0.0)
        return low, high

    def _unpack(self, u):
        """θ = (α, β, γ, φ, l0, b0, s0) at u, and the sigmoids the chain rule needs."""
        has_trend, seasonal, m, damped = self._layout
        free, fixed = self._free(), self._fixed
        values = iter(u)
        low, high = self._alpha_range()
        s_a = _sigmoid(next(values)) if free["alpha"] else None
        alpha = low + (high - low) * s_a if free["alpha"] else fixed["alpha"]
        s_b = _sigmoid(next(values)) if free["beta"] else None
        beta = alpha * s_b if free["beta"] else (fixed["beta"] or 0.0)
        s_g = _sigmoid(next(values)) if free["gamma"] else None
        gamma = (1.0 - alpha) * s_g if free["gamma"] else (fixed["gamma"] or 0.0)
        s_p = _sigmoid(next(values)) if free["phi"] else None
        if free["phi"]:
            phi = PHI_LOW + PHI_WIDTH * s_p
        else:
            phi = fixed["phi"] if damped and fixed["phi"] is not None else 1.0
        if free["states"]:
            level = next(values)
            trend = next(values) if has_trend else 0.0
            rest = np.fromiter(values, float)
            seasons = _normalised(rest, seasonal, m)
        else:
            level, trend, seasons = self._fixed_states
        return (alpha, beta, gamma, phi, level, trend, seasons), (s_a, s_b, s_g, s_p)

    def _objective(self, unit, normaliser):
        has_trend, seasonal, m, _ = self._layout
        free = self._free()
        gradient = np.empty(6 + m)
        low, high = self._alpha_range()

        def value_and_gradient(u):
            (alpha, beta, gamma, phi, level, trend, seasons), squashed = self._unpack(u)
            s_a, s_b, s_g, s_p = squashed
            sse = sse_and_gradient(
                unit, alpha, beta, gamma, phi, level, trend, seasons, has_trend, seasonal, gradient
            )
            g_alpha, g_beta, g_gamma, g_phi = gradient[:4]
            out = []
            # Chain rule through α = a + (b - a) σ(u1), β = α σ(u2), γ = (1 - α) σ(u3),
            # φ = 0.8 + w σ(u4).
            if free["alpha"]:
                d_alpha = (high - low) * s_a * (1.0 - s_a)
                through = g_alpha
                if free["beta"]:
                    through += g_beta * s_b
                if free["gamma"]:
                    through -= g_gamma * s_g
                out.append(through * d_alpha)
            if free["beta"]:
                out.append(g_beta * alpha * s_b * (1.0 - s_b))
            if free["gamma"]:
                out.append(g_gamma * (1.0 - alpha) * s_g * (1.0 - s_g))
            if free["phi"]:
                out.append(g_phi * PHI_WIDTH * s_p * (1.0 - s_p))
            if free["states"]:
                out.append(gradient[4])
                if has_trend:
                    out.append(gradient[5])
                if m:
                    out.extend(_normalised_gradient(gradient[6:]))
            return sse / normaliser, np.asarray(out) / normaliser

        return value_and_gradient

    def _grid_start(self, unit, states):
        """The best free (α, β, γ) of a coarse grid over the admissible region, the other
        parameters at their fixed or starting values."""
        has_trend, seasonal, _, damped = self._layout
        free, fixed = self._free(), self._fixed
        points = np.linspace(0.05, 0.95, 10)
        low, high = self._alpha_range()
        alphas = low + (high - low) * points if free["alpha"] else [fixed["alpha"]]
        rows = []
        for a in alphas:
            betas = a * points[::3] if free["beta"] else [fixed["beta"] or 0.0]
            gammas = (1 - a) * points[::3] if free["gamma"] else [fixed["gamma"] or 0.0]
            rows.extend((a, b, g) for b in betas for g in gammas)
        grid = np.asarray(rows, dtype=float)
        level, trend, seasons = states
        phi = 0.99 if free["phi"] else (fixed["phi"] if damped and fixed["phi"] else 1.0)
        sse = grid_sse(
            unit, grid, phi, level, trend, np.asarray(seasons, float), has_trend, seasonal
        )
        return grid[int(np.argmin(np.where(np.isfinite(sse), sse, np.inf)))]

    def _optimise(self, unit, states):
        has_trend, seasonal, m, _ = self._layout
        free = self._free()
        level, trend, seasons = states
        alpha, beta, gamma = self._grid_start(unit, states)
        low, high = self._alpha_range()
        u0 = []
        if free["alpha"]:
            u0.append(_logit((alpha - low) / (high - low)))
        if free["beta"]:
            u0.append(_logit(beta / alpha))
        if free["gamma"]:
            u0.append(_logit(gamma / (1 - alpha)))
        if free["phi"]:
            u0.append(_logit((0.99 - PHI_LOW) / PHI_WIDTH))
        if free["states"]:
            u0.append(level)
            if has_trend:
                u0.append(trend)
            if m:
                u0.extend(_free_seasons(seasons, seasonal))
        u0 = np.asarray(u0, dtype=float)
        self.n_iter_, self.history_ = 0, {"loss": np.zeros(0), "grad_norm": np.zeros(0)}
        if u0.size == 0:
            return u0
        # SSE relative to its value at the start: the gradient tolerance is then relative.
        gradient = np.empty(6 + m)
        (a, b, g, p, l0, b0, s0), _ = self._unpack(u0)
        normaliser = sse_and_gradient(unit, a, b, g, p, l0, b0, s0, has_trend, seasonal, gradient)
        normaliser = normaliser if np.isfinite(normaliser) and normaliser > 0 else 1.0
        objective = self._objective(unit, normaliser)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = minimize(objective, u0, method="lbfgs", jac=True, tol=1e-10, max_iter=2000)
        self.n_iter_ = int(result.nit)
        self.history_ = result.history
        return result.x

    def _store(self, unit, scale, u):
        has_trend, seasonal, m, _ = self._layout
        (alpha, beta, gamma, phi, level, trend, seasons), _ = self._unpack(u)
        n = unit.size
        levels, trends = np.empty(n + 1), np.empty(n + 1)
        season_states, fitted = np.empty(n + m), np.empty(n)
        seasons = np.asarray(seasons, float)
        sse = holt_winters_filter(
            unit,
            alpha,
            beta,
            gamma,
            phi,
            level,
            trend,
            seasons,
            has_trend,
            seasonal,
            levels,
            trends,
            season_states,
            fitted,
        )
        if not np.isfinite(sse):
            raise ValueError(
                "y: the smoothing recursion overflows for these data and parameters (a "
                "multiplicative season with a level near zero?)"
            )
        multiplicative = seasonal == MULTIPLICATIVE
        season_unit = 1.0 if multiplicative else scale  # multiplicative seasons are ratios
        self.smoothing_level_ = float(alpha)
        self.smoothing_trend_ = float(beta)
        self.smoothing_seasonal_ = float(gamma)
        self.damping_trend_ = float(phi)
        self.initial_level_ = float(level * scale)
        self.initial_trend_ = float(trend * scale)
        self.initial_seasons_ = seasons * season_unit
        self.level_ = float(levels[-1] * scale)
        self.trend_ = float(trends[-1] * scale)
        self.season_ = season_states[n:] * season_unit
        self.fittedvalues_ = fitted * scale
        self.resid_ = (unit - fitted) * scale
        self.sse_ = float(sse) * scale**2
        free = self._free()
        k = sum(free[name] for name in ("alpha", "beta", "gamma", "phi"))
        if free["states"]:
            k += 1 + has_trend + max(m - 1, 0)
        self.n_params_ = int(k)
        self.nobs_ = n
        log_ratio = math.log(sse / n) + 2.0 * math.log(scale) if sse > 0 else -math.inf
        self.aic_ = n * log_ratio + 2.0 * k
        self.bic_ = n * log_ratio + math.log(n) * k

    # ----------------------------------------------------------------- forecasting
    def _point_forecast(self, steps: int) -> np.ndarray:
        _, seasonal, m, _ = self._layout
        phi = self.damping_trend_
        h = np.arange(1, steps + 1)
        damping = h.astype(float) if phi == 1.0 else phi * (1 - phi**h) / (1 - phi)
        base = self.level_ + damping * self.trend_
        if seasonal == NONE:
            return base
        season = self.season_[(h - 1) % m]
        return base * season if seasonal == MULTIPLICATIVE else base + season

    def simulate(self, steps: int, n_paths: int = 1000, random_state: Any = None) -> np.ndarray:
        """``n_paths`` future paths of ``steps`` values, shape (n_paths, steps): errors
        ε ~ N(0, σ²), σ² = SSE / (n - k), fed through the fitted recursion (y = ŷ + ε)."""
        check_fitted(self, "level_")
        steps = check_count(steps, "steps")
        n_paths = check_count(n_paths, "n_paths")
        _, seasonal, m, _ = self._layout
        rng = np.random.default_rng(random_state)
        sigma = math.sqrt(self.sse_ / max(self.nobs_ - self.n_params_, 1))
        alpha, beta, gamma, phi = (
            self.smoothing_level_,
            self.smoothing_trend_,
            self.smoothing_seasonal_,
            self.damping_trend_,
        )
        level = np.full(n_paths, self.level_)
        trend = np.full(n_paths, self.trend_)
        seasons = np.tile(self.season_, (n_paths, 1)) if m else None
        paths = np.empty((n_paths, steps))
        for h in range(steps):
            base = level + phi * trend
            if seasonal == NONE:
                season, prediction = 0.0, base
            else:
                season = seasons[:, h % m]
                prediction = base * season if seasonal == MULTIPLICATIVE else base + season
            y = prediction + sigma * rng.standard_normal(n_paths)
            paths[:, h] = y
            if seasonal == MULTIPLICATIVE:
                new_level = alpha * y / season + (1 - alpha) * base
                seasons[:, h % m] = gamma * y / base + (1 - gamma) * season
            else:
                new_level = alpha * (y - season) + (1 - alpha) * base
                if seasonal == ADDITIVE:
                    seasons[:, h % m] = gamma * (y - base) + (1 - gamma) * season
            trend = beta * (new_level - level) + (1 - beta) * phi * trend
            level = new_level
        return paths

    def forecast(
        self,
        steps: int = 1,
        alpha: float = 0.05,
        n_paths: int = 1000,
        random_state: Any = None,
    ) -> pd.DataFrame:
        """Point forecasts 1..``steps`` ahead with 1 - alpha intervals from ``n_paths``
        simulated paths (see ``simulate``): a DataFrame indexed by the horizon with ``mean``,
        ``lower`` and ``upper``."""
        check_fitted(self, "level_")
        steps = check_count(steps, "steps")
        alpha = check_probability(alpha, "alpha")
        paths = self.simulate(steps, n_paths, random_state)
        lower, upper = np.quantile(paths, [alpha / 2, 1 - alpha / 2], axis=0)
        return pd.DataFrame(
            {"mean": self._point_forecast(steps), "lower": lower, "upper": upper},
            index=pd.Index(np.arange(1, steps + 1), name="horizon"),
        )


def _normalised(free, seasonal, m):
    """All m initial seasons from the m - 1 free ones: additive sum 0, multiplicative mean 1."""
    if m == 0:
        return np.zeros(0)
    last = -np.sum(free) if seasonal == ADDITIVE else m - np.sum(free)
    return np.concatenate([free, [last]])


def _normalised_gradient(gradient):
    """d SSE / d(free seasons): each free one moves the last by -1 in both normalisations."""
    return gradient[:-1] - gradient[-1]


def _free_seasons(seasons, seasonal):
    """The m - 1 free values of seasons brought to the normalisation."""
    seasons = np.asarray(seasons, float)
    if seasonal == ADDITIVE:
        seasons = seasons - seasons.mean()
    else:
        seasons = seasons / seasons.mean()
    return list(seasons[:-1])
