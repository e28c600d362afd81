"""The Holt–Winters recursion and its reverse-mode derivative, in Numba (inherently sequential).

Forward, for t = 0..n-1 with states l = level, b = trend, s = seasons (s_{t-m} the one for y_t)::

    base_t = l_{t-1} + φ b_{t-1}
    ŷ_t    = base_t + s_{t-m}        (additive season)   or  base_t s_{t-m}   (multiplicative)
    l_t    = α (y_t - s_{t-m}) + (1 - α) base_t          or  α y_t / s_{t-m} + (1 - α) base_t
    b_t    = β (l_t - l_{t-1}) + (1 - β) φ b_{t-1}
    s_t    = γ (y_t - base_t) + (1 - γ) s_{t-m}          or  γ y_t / base_t + (1 - γ) s_{t-m}
    SSE    = sum_t (y_t - ŷ_t)²

(no trend: b = 0; no season: s = 0, additive). Arrays are shifted by one for the states
(``level[t + 1] = l_t``, ``level[0] = l_{-1}``, the initial level) and by m for the seasons
(``seasons[t] = s_{t-m}``, ``seasons[:m]`` the initial seasons).

Backward (``sse_and_gradient``): the adjoint of every assignment above, in reverse order of
time, accumulates d SSE / d(α, β, γ, φ, l_{-1}, b_{-1}, s_{-m..-1}) in one pass, so the gradient
costs about twice the SSE whatever the number of parameters. Each line of the backward loop is
the derivative of one line of the forward loop (see docs/timeseries.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

NONE, ADDITIVE, MULTIPLICATIVE = 0, 1, 2


@njit(cache=True)
def holt_winters_filter(
    y, alpha, beta, gamma, phi, l0, b0, s0, has_trend, seasonal, level, trend, seasons, fitted
):
    """Run the recursion; fill the state arrays and one-step predictions; return the SSE."""
    n = y.shape[0]
    m = s0.shape[0]
    level[0] = l0
    trend[0] = b0 if has_trend else 0.0
    for k in range(m):
        seasons[k] = s0[k]
    sse = 0.0
    for t in range(n):
        previous_level = level[t]
        previous_trend = trend[t]
        base = previous_level + phi * previous_trend
        if seasonal == NONE:
            season = 0.0
            prediction = base
        elif seasonal == ADDITIVE:
            season = seasons[t]
            prediction = base + season
        else:
            season = seasons[t]
            prediction = base * season
        fitted[t] = prediction
        error = y[t] - prediction
        sse += error * error
        if seasonal == MULTIPLICATIVE:
            new_level = alpha * y[t] / season + (1.0 - alpha) * base
        else:
            new_level = alpha * (y[t] - season) + (1.0 - alpha) * base
        level[t + 1] = new_level
        if has_trend:
            trend[t + 1] = beta * (new_level - previous_level) + (1.0 - beta) * phi * previous_trend
        else:
            trend[t + 1] = 0.0
        if seasonal == ADDITIVE:
            seasons[t + m] = gamma * (y[t] - base) + (1.0 - gamma) * season
        elif seasonal == MULTIPLICATIVE:
            seasons[t + m] = gamma * y[t] / base + (1.0 - gamma) * season
    return sse


@njit(cache=True)
def sse_and_gradient(y, alpha, beta, gamma, phi, l0, b0, s0, has_trend, seasonal, gradient):
    """SSE and d SSE / d(α, β, γ, φ, l0, b0, s0[0..m-1]) written into ``gradient`` (6 + m)."""
    n = y.shape[0]
    m = s0.shape[0]
    level = np.empty(n + 1)
    trend = np.empty(n + 1)
    seasons = np.empty(n + m)
    fitted = np.empty(n)
    sse = holt_winters_filter(
        y, alpha, beta, gamma, phi, l0, b0, s0, has_trend, seasonal, level, trend, seasons, fitted
    )
    for k in range(gradient.shape[0]):
        gradient[k] = 0.0
    level_bar = 0.0  # d SSE / d l_t, carried back in time
    trend_bar = 0.0
    seasons_bar = np.zeros(n + m)
    alpha_bar = beta_bar = gamma_bar = phi_bar = 0.0
    for t in range(n - 1, -1, -1):
        previous_level = level[t]
        previous_trend = trend[t]
        base = previous_level + phi * previous_trend
        season = seasons[t] if seasonal != NONE else 0.0
        new_level = level[t + 1]
        error_bar = 2.0 * (y[t] - fitted[t])  # d SSE / d e_t; d e_t / d ŷ_t = -1
        base_bar = 0.0
        season_bar = 0.0
        previous_level_bar = 0.0
        previous_trend_bar = 0.0
        # b_t = β (l_t - l_{t-1}) + (1 - β) φ b_{t-1}
        if has_trend:
            beta_bar += trend_bar * (new_level - previous_level - phi * previous_trend)
            phi_bar += trend_bar * (1.0 - beta) * previous_trend
            level_bar += beta * trend_bar
            previous_level_bar -= beta * trend_bar
            previous_trend_bar += (1.0 - beta) * phi * trend_bar
        # s_t = γ (y_t - base) + (1 - γ) s_{t-m}   |   γ y_t / base + (1 - γ) s_{t-m}
        if seasonal != NONE:
            s_bar = seasons_bar[t + m]
            if seasonal == ADDITIVE:
                gamma_bar += s_bar * (y[t] - base - season)
                base_bar -= gamma * s_bar
            else:
                gamma_bar += s_bar * (y[t] / base - season)
                base_bar -= gamma * y[t] / (base * base) * s_bar
            season_bar += (1.0 - gamma) * s_bar
        # l_t = α (y_t - s) + (1 - α) base   |   α y_t / s + (1 - α) base
        if seasonal == MULTIPLICATIVE:
            alpha_bar += level_bar * (y[t] / season - base)
            season_bar -= alpha * y[t] / (season * season) * level_bar
        else:
            alpha_bar += level_bar * (y[t] - season - base)
            season_bar -= alpha * level_bar
        base_bar += (1.0 - alpha) * level_bar
        # ŷ_t = base + s   |   base s;  d SSE / d ŷ_t = -error_bar
        if seasonal == MULTIPLICATIVE:
            base_bar -= error_bar * season
            season_bar -= error_bar * base
        else:
            base_bar -= error_bar
            if seasonal == ADDITIVE:
                season_bar -= error_bar
        # base = l_{t-1} + φ b_{t-1}
        previous_level_bar += base_bar
        if has_trend:
            previous_trend_bar += phi * base_bar
            phi_bar += base_bar * previous_trend
        if seasonal != NONE:
            seasons_bar[t] += season_bar
        level_bar = previous_level_bar
        trend_bar = previous_trend_bar
    gradient[0] = alpha_bar
    gradient[1] = beta_bar
    gradient[2] = gamma_bar
    gradient[3] = phi_bar
    gradient[4] = level_bar
    gradient[5] = trend_bar
    for k in range(m):
        gradient[6 + k] = seasons_bar[k]
    return sse


@njit(cache=True)
def grid_sse(y, grid, phi, l0, b0, s0, has_trend, seasonal):
    """SSE at each row (α, β, γ) of ``grid`` with the other parameters fixed."""
    n = y.shape[0]
    m = s0.shape[0]
    level = np.empty(n + 1)
    trend = np.empty(n + 1)
    seasons = np.empty(n + m)
    fitted = np.empty(n)
    out = np.empty(grid.shape[0])
    for row in range(grid.shape[0]):
        out[row] = holt_winters_filter(
            y,
            grid[row, 0],
            grid[row, 1],
            grid[row, 2],
            phi,
            l0,
            b0,
            s0,
            has_trend,
            seasonal,
            level,
            trend,
            seasons,
            fitted,
        )
    return out
