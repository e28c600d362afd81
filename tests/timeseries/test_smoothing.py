"""ExponentialSmoothing against statsmodels' Holt–Winters, its own gradient and its own
forecast distribution.

References and tolerances
-------------------------
- The recursion: at statsmodels' fitted parameters (held fixed), fitted values, SSE and the
  final states equal ``statsmodels.tsa.holtwinters.ExponentialSmoothing`` to 1e-10 relative,
  for every structure (simple, Holt, damped, additive and multiplicative seasons). Forecasts
  equal statsmodels' ``simulate`` with zero errors at every horizon and its ``forecast`` at
  every horizon except multiples of the period, where statsmodels 0.15 reuses a season one
  cycle old (statsmodels issue #9538, fixed by its pull request #10230).
- Heuristic initial states equal statsmodels' ``initialization_method="heuristic"`` ones to
  1e-12.
- The hand-written reverse-mode gradient of the SSE (Numba) against central finite
  differences (``parity.check_grad(jac=...)``), relative error <= 1e-6, every structure.
- Fitted parameters on series simulated from each model: statsmodels' L-BFGS-B stops at its
  default tolerance, so the smoothing parameters agree to 1e-4 and our SSE is <= statsmodels'
  (the same objective, minimised at least as well); the forecasts agree to 1e-4 relative.
  Estimated initial states are compared after removing the flat direction (seasons sum to 0,
  or average 1) that statsmodels leaves in.
- Simulated intervals against the analytic ETS forecast variances (Hyndman et al. 2008,
  Table 6.1): simple smoothing σ²(1 + (h-1)α²), Holt's linear trend
  σ²[1 + (h-1)(α² + αβ h + β² h(2h-1)/6)] with β = α β*: the simulated quantiles lie within
  their sampling error of the normal quantiles (assert_within_se, failure probability 1e-4).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity import assert_close, assert_within_se, check_grad
from scipy.stats import norm
from statsmodels.tsa.holtwinters import ExponentialSmoothing as StatsmodelsES

from glassml.timeseries import ExponentialSmoothing
from glassml.timeseries._smoothing_kernels import sse_and_gradient

STRUCTURES = {
    "simple": {},
    "holt": {"trend": "add"},
    "damped": {"trend": "add", "damped_trend": True},
    "additive": {"trend": "add", "seasonal": "add", "seasonal_periods": 12},
    "multiplicative": {"trend": "add", "seasonal": "mul", "seasonal_periods": 12},
    "damped_multiplicative": {
        "trend": "add",
        "damped_trend": True,
        "seasonal": "mul",
        "seasonal_periods": 4,
    },
}


def simulate_ets(structure, n=180, seed=0):
    """A series from the model itself, with interior smoothing parameters."""
    rng = np.random.default_rng(seed)
    kwargs = STRUCTURES[structure]
    m = kwargs.get("seasonal_periods", 1)
    alpha, beta, gamma, phi = 0.35, 0.08, 0.2, 0.9 if kwargs.get("damped_trend") else 1.0
    level, trend = 50.0, 0.4 if "trend" in kwargs else 0.0
    seasonal = kwargs.get("seasonal")
    pattern = np.sin(2 * np.pi * np.arange(m) / m)
    seasons = list(1 + 0.15 * pattern if seasonal == "mul" else 6 * pattern)
    y = np.empty(n)
    for t in range(n):
        base = level + phi * trend
        season = seasons[t % m] if seasonal else (1.0 if seasonal == "mul" else 0.0)
        prediction = base * season if seasonal == "mul" else base + (season if seasonal else 0)
        y[t] = prediction + rng.normal(0, 1.5)
        if seasonal == "mul":
            new_level = alpha * y[t] / season + (1 - alpha) * base
            seasons[t % m] = gamma * y[t] / base + (1 - gamma) * season
        else:
            new_level = alpha * (y[t] - (season if seasonal else 0)) + (1 - alpha) * base
            if seasonal:
                seasons[t % m] = gamma * (y[t] - base) + (1 - gamma) * season
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        level = new_level
    return y


SERIES = {name: simulate_ets(name) for name in STRUCTURES}


def statsmodels_fit(structure, y, **fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return StatsmodelsES(y, **STRUCTURES[structure], **fit.pop("model", {})).fit(**fit)


def fixed_at(structure, params):
    kwargs = STRUCTURES[structure]
    fixed = {"smoothing_level": params["smoothing_level"], "initial_level": params["initial_level"]}
    if "trend" in kwargs:
        fixed.update(
            smoothing_trend=params["smoothing_trend"], initial_trend=params["initial_trend"]
        )
    if kwargs.get("damped_trend"):
        fixed["damping_trend"] = params["damping_trend"]
    if "seasonal" in kwargs:
        fixed.update(
            smoothing_seasonal=params["smoothing_seasonal"],
            initial_seasons=params["initial_seasons"],
        )
    return fixed


@pytest.mark.parametrize("structure", sorted(STRUCTURES))
def test_recursion_and_forecasts_match_statsmodels(structure):
    y = SERIES[structure]
    theirs = statsmodels_fit(structure, y, model={"initialization_method": "heuristic"})
    ours = ExponentialSmoothing(**STRUCTURES[structure]).fit(
        y, **fixed_at(structure, theirs.params)
    )
    assert_close(ours.fittedvalues_, theirs.fittedvalues, rtol=1e-10, what="fitted values")
    assert_close(ours.sse_, theirs.sse, rtol=1e-10, what="SSE")
    assert_close(ours.level_, theirs.level[-1], rtol=1e-10, what="final level")
    m = STRUCTURES[structure].get("seasonal_periods")
    steps = 3 * (m or 4) + 1
    forecast = ours.forecast(steps)["mean"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero_error_path = theirs.simulate(steps, repetitions=1, random_errors=np.zeros((steps, 1)))
    assert_close(forecast, zero_error_path, rtol=1e-10, what="forecast vs simulate(ε = 0)")
    horizons = np.arange(1, steps + 1)
    usable = horizons % m != 0 if m else np.ones(steps, bool)  # statsmodels issue #9538
    assert_close(forecast[usable], theirs.forecast(steps)[usable], rtol=1e-10, what="forecast")


@pytest.mark.parametrize("structure", ["additive", "multiplicative", "damped"])
def test_heuristic_initial_states_match_statsmodels(structure):
    y = SERIES[structure]
    theirs = statsmodels_fit(structure, y, model={"initialization_method": "heuristic"})
    ours = ExponentialSmoothing(**STRUCTURES[structure], initialization_method="heuristic").fit(y)
    assert_close(ours.initial_level_, theirs.params["initial_level"], rtol=1e-12, what="l0")
    assert_close(ours.initial_trend_, theirs.params["initial_trend"], rtol=1e-12, what="b0")
    if "seasonal" in STRUCTURES[structure]:
        assert_close(ours.initial_seasons_, theirs.params["initial_seasons"], rtol=1e-12)


@pytest.mark.parametrize("structure", sorted(STRUCTURES))
def test_reverse_mode_gradient_by_finite_differences(structure):
    y = SERIES[structure][:60] / 50.0
    kwargs = STRUCTURES[structure]
    m = kwargs.get("seasonal_periods", 0) if "seasonal" in kwargs else 0
    seasonal = {None: 0, "add": 1, "mul": 2}[kwargs.get("seasonal")]
    has_trend = "trend" in kwargs
    rng = np.random.default_rng(1)
    seasons = (1 + 0.1 * rng.standard_normal(m)) if seasonal == 2 else 0.1 * rng.standard_normal(m)
    theta = np.concatenate([[0.4, 0.1, 0.2, 0.9, 1.0, 0.01 if has_trend else 0.0], seasons])

    def sse(params):
        gradient = np.empty(params.size)
        return sse_and_gradient(
            y, *params[:6], np.ascontiguousarray(params[6:]), has_trend, seasonal, gradient
        )

    def gradient(params):
        out = np.empty(params.size)
        sse_and_gradient(y, *params[:6], np.ascontiguousarray(params[6:]), has_trend, seasonal, out)
        return out

    check_grad(sse, theta, jac=gradient)


@pytest.mark.parametrize("structure", sorted(STRUCTURES))
@pytest.mark.parametrize("initialization", ["estimated", "heuristic"])
def test_fit_matches_statsmodels(structure, initialization):
    y = SERIES[structure]
    ours = ExponentialSmoothing(**STRUCTURES[structure], initialization_method=initialization).fit(
        y
    )
    theirs = statsmodels_fit(structure, y, model={"initialization_method": initialization})
    assert ours.sse_ <= theirs.sse * (1 + 1e-9)
    names = ["smoothing_level"]
    names += ["smoothing_trend"] if "trend" in STRUCTURES[structure] else []
    names += ["smoothing_seasonal"] if "seasonal" in STRUCTURES[structure] else []
    names += ["damping_trend"] if STRUCTURES[structure].get("damped_trend") else []
    assert_close(
        [getattr(ours, f"{name}_") for name in names],
        [theirs.params[name] for name in names],
        rtol=1e-4,
        atol=1e-4,
        what="smoothing parameters",
    )
    m = STRUCTURES[structure].get("seasonal_periods", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = theirs.simulate(m, repetitions=1, random_errors=np.zeros((m, 1)))
    assert_close(ours.forecast(m)["mean"], reference, rtol=1e-4, what="forecast")


def analytic_sd(model, h):
    sigma2 = model.sse_ / (model.nobs_ - model.n_params_)
    alpha = model.smoothing_level_
    beta = alpha * model.smoothing_trend_  # ETS β = α β*
    return np.sqrt(
        sigma2 * (1 + (h - 1) * (alpha**2 + alpha * beta * h + beta**2 * h * (2 * h - 1) / 6))
    )


@pytest.mark.parametrize("structure", ["simple", "holt"])
def test_simulated_intervals_match_the_analytic_variance(structure):
    model = ExponentialSmoothing(**STRUCTURES[structure]).fit(SERIES[structure])
    n_paths, level = 20_000, 0.1
    forecast = model.forecast(8, alpha=level, n_paths=n_paths, random_state=0)
    h = np.arange(1, 9)
    sd = analytic_sd(model, h)
    z = norm.isf(level / 2)
    # The sample quantile's standard error: sqrt(p (1 - p) / N) / density at the quantile.
    quantile_se = np.sqrt(level / 2 * (1 - level / 2) / n_paths) / (norm.pdf(z) / sd)
    assert_within_se(forecast["upper"], forecast["mean"] + z * sd, quantile_se, what="upper")
    assert_within_se(forecast["lower"], forecast["mean"] - z * sd, quantile_se, what="lower")


def test_flat_direction_removed_and_states_reported_in_data_units():
    y = SERIES["additive"]
    ours = ExponentialSmoothing(**STRUCTURES["additive"]).fit(y)
    assert abs(ours.initial_seasons_.sum()) < 1e-9 * np.abs(y).max()
    multiplicative = ExponentialSmoothing(**STRUCTURES["multiplicative"]).fit(
        SERIES["multiplicative"]
    )
    assert_close(multiplicative.initial_seasons_.mean(), 1.0, rtol=1e-12, what="mean season")
    assert_close(ours.resid_, y - ours.fittedvalues_, rtol=1e-12, atol=1e-12)
    assert ours.history_["loss"][-1] <= ours.history_["loss"][0]


@pytest.mark.parametrize("factor", [1e-100, 1e100])
def test_scale_equivariance(factor):
    y = SERIES["additive"]
    base = ExponentialSmoothing(**STRUCTURES["additive"], initialization_method="heuristic").fit(y)
    scaled = ExponentialSmoothing(**STRUCTURES["additive"], initialization_method="heuristic")
    scaled.fit(y * factor)
    assert_close(scaled.smoothing_level_, base.smoothing_level_, rtol=1e-8, what="α")
    assert_close(scaled.forecast(5)["mean"] / factor, base.forecast(5)["mean"], rtol=1e-8)


@pytest.mark.parametrize(
    "make, y, fragment",
    [
        (lambda: ExponentialSmoothing(damped_trend=True), SERIES["simple"], "damped_trend"),
        (lambda: ExponentialSmoothing(seasonal="add"), SERIES["simple"], "seasonal_periods"),
        (
            lambda: ExponentialSmoothing(seasonal="mul", seasonal_periods=4),
            -SERIES["simple"],
            "positive",
        ),
        (lambda: ExponentialSmoothing(trend="mul"), SERIES["simple"], "trend"),
        (
            lambda: ExponentialSmoothing(seasonal="add", seasonal_periods=12),
            SERIES["simple"][:20],
            "at least 24",
        ),
        (
            lambda: ExponentialSmoothing(initialization_method="heuristic"),
            SERIES["simple"][:9],
            "at least 10",
        ),
        (
            lambda: ExponentialSmoothing(),
            np.r_[SERIES["simple"][:30], np.nan, 3.0],
            "NaN .* positions 30",
        ),
        (
            lambda: ExponentialSmoothing(initialization_method="known"),
            SERIES["simple"],
            "initialization_method",
        ),
    ],
)
def test_bad_input_is_refused_by_name(make, y, fragment):
    with pytest.raises(ValueError, match=fragment):
        make().fit(y)


def test_fixed_parameters_are_checked():
    y = SERIES["holt"]
    with pytest.raises(ValueError, match="smoothing_trend: expected at most smoothing_level"):
        ExponentialSmoothing(trend="add").fit(y, smoothing_level=0.2, smoothing_trend=0.5)
    with pytest.raises(ValueError, match="give every initial state"):
        ExponentialSmoothing(trend="add").fit(y, initial_level=50.0)
    fixed = ExponentialSmoothing(trend="add").fit(y, smoothing_level=0.3)
    assert fixed.smoothing_level_ == 0.3 and fixed.n_params_ == 3
