"""Robustness entries for glassml.timeseries (see framework.py).

Scale declarations: correlations, Ljung–Box statistics and AR coefficients are invariant to
the scale of the series; forecasts, lag/rolling features and windows are equivariant (power
1); RUL labels scale with the cycle counter. Unit labels are identifiers: a panel of one unit
is legal, so the "one_class" family does not apply to them.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml.timeseries import (
    AutoRegression,
    ExponentialSmoothing,
    GroupTimeSeriesSplit,
    acf,
    lag_features,
    ljung_box,
    nasa_score,
    pacf,
    rolling_features,
    rul_labels,
    rul_report,
    select_order,
    windows,
)

_rng = np.random.default_rng(0)
# An AR(2) series and a trending monthly series with additive seasonality.
_noise = _rng.normal(size=80)
Y = np.zeros(80)
for _t in range(2, 80):
    Y[_t] = 0.6 * Y[_t - 1] - 0.3 * Y[_t - 2] + _noise[_t]
_months = np.arange(48)
SEASONAL = 10 + 0.1 * _months + 2 * np.sin(2 * np.pi * _months / 12) + _rng.normal(0, 0.3, 48)
# A panel: three units of 9, 7 and 8 rows, two sensors.
UNIT = np.repeat([1.0, 2.0, 3.0], [9, 7, 8])
PANEL = _rng.normal(size=(UNIT.size, 2)).cumsum(axis=0)
CYCLE = np.concatenate([np.arange(1.0, 10.0), np.arange(1.0, 8.0), np.arange(1.0, 9.0)])
ONE_UNIT = "a panel of one unit is legal (one engine's history)"
UNIT_SKIP = {"one_class": ONE_UNIT}
SERIES_INVARIANT = (Scale(("x",), invariant(rtol=1e-7)),)
FIXED_MODEL = (
    "the fitted model is fixed: its output does not scale with this argument, and a constant "
    "(or a refusal) is the right answer at 1e300"
)


def _frame(columns):
    """Correlogram, forecast and criteria frames as their numeric arrays."""
    return np.asarray(columns, dtype=np.float64)


def _correlogram(result):
    return result.values, result.confint, result.band


def _ar(**kw):
    return AutoRegression(2, **kw).fit(Y)


def _es(**kw):
    return ExponentialSmoothing(trend="add", seasonal="add", seasonal_periods=12, **kw).fit(
        SEASONAL
    )


_fitted_ar = _ar()
_fitted_es = _es()


def _plot(correlogram):
    figure, ax = plt.subplots()
    try:
        return correlogram.plot(ax=ax).lines[0].get_ydata()
    finally:
        plt.close(figure)


def _same_order(base, scaled):
    """The order minimising BIC (column 2 of the criteria) is unchanged."""
    if np.argmin(base[:, 2]) != np.argmin(scaled[:, 2]):
        raise AssertionError(f"the selected order changed: {scaled[:, 2]} vs {base[:, 2]}")


def _folds(X, groups, n_splits):
    splitter = GroupTimeSeriesSplit(n_splits)
    return [np.concatenate(fold) for fold in splitter.split(X, groups=groups)]


ENTRIES = [
    # ------------------------------------------------------------------ correlograms
    Entry(
        "glassml.timeseries.acf",
        lambda x, nlags, alpha, adjusted: _correlogram(
            acf(x, nlags, alpha=alpha, adjusted=adjusted)
        ),
        {"x": Y, "nlags": 5, "alpha": 0.05, "adjusted": False},
        arrays=("x",),
        options={"nlags": opt(0, -1, 200), "alpha": opt(0.0, 1.0), "adjusted": opt()},
        scale=SERIES_INVARIANT,
    ),
    Entry(
        "glassml.timeseries.pacf",
        lambda x, nlags, method: _correlogram(pacf(x, nlags, method=method)),
        {"x": Y, "nlags": 5, "method": "yw"},
        arrays=("x",),
        options={"nlags": opt(0, -1, 200), "method": opt()},
        scale=SERIES_INVARIANT,
    ),
    Entry(
        "glassml.timeseries.ljung_box",
        lambda x, lags, model_df: _frame(ljung_box(x, lags, model_df=model_df)),
        {"x": Y, "lags": 6, "model_df": 2},
        arrays=("x",),
        options={"lags": opt(0, -1, 200), "model_df": opt(-1, 6)},
        scale=SERIES_INVARIANT,
    ),
    Entry(
        "glassml.timeseries.Correlogram.plot",
        lambda x: _plot(acf(x, 5)),
        {"x": Y},
        arrays=("x",),
        scale=SERIES_INVARIANT,
    ),
    # ------------------------------------------------------------------ autoregression
    Entry(
        "glassml.timeseries.AutoRegression",
        lambda order, method, trend: (
            AutoRegression(order, method=method, trend=trend).fit(Y).params_
        ),
        {"order": 2, "method": "ols", "trend": "c"},
        options={"order": opt(-1, "huge"), "method": opt(), "trend": opt()},
    ),
    Entry(
        "glassml.timeseries.AutoRegression.fit",
        lambda y, method: AutoRegression(2, method=method, trend="n").fit(y).params_,
        {"y": Y, "method": "mle"},
        arrays=("y",),
        options={"method": opt()},
        scale=(Scale(("y",), invariant(rtol=1e-6)),),
        compare=lambda a, b: np.testing.assert_allclose(b, a, rtol=1e-6),
    ),
    Entry(
        "glassml.timeseries.AutoRegression.forecast",
        lambda steps, alpha: _frame(_fitted_ar.forecast(steps, alpha)),
        {"steps": 4, "alpha": 0.1},
        options={"steps": opt(0, -1), "alpha": opt(0.0, 1.0)},
    ),
    Entry(
        "glassml.timeseries.AutoRegression.psi_weights",
        _fitted_ar.psi_weights,
        {"steps": 5},
        options={"steps": opt(0, -1)},
    ),
    Entry(
        "glassml.timeseries.select_order",
        lambda y, max_order, ic: _frame(select_order(y, max_order, ic=ic).criteria),
        {"y": Y, "max_order": 4, "ic": "bic"},
        arrays=("y",),
        options={"max_order": opt(-1, 200), "ic": opt()},
        # The criteria are -2 log L + penalty: log L shifts by -n log s when y scales, so the
        # selected order (not the criteria) is what is scale-free.
        scale=(Scale(("y",), lambda base, scaled, s: _same_order(base, scaled)),),
    ),
    # ------------------------------------------------------------------ exponential smoothing
    Entry(
        "glassml.timeseries.ExponentialSmoothing",
        lambda trend, damped_trend, seasonal, seasonal_periods, initialization_method: (
            ExponentialSmoothing(
                trend,
                damped_trend,
                seasonal,
                seasonal_periods,
                initialization_method=initialization_method,
            )
            .fit(SEASONAL)
            .fittedvalues_
        ),
        {
            "trend": "add",
            "damped_trend": True,
            "seasonal": "mul",
            "seasonal_periods": 12,
            "initialization_method": "heuristic",
        },
        options={
            "trend": opt(),
            "damped_trend": opt(),
            "seasonal": opt(),
            "seasonal_periods": opt(0, 1, 100),
            "initialization_method": opt(),
        },
        compare=lambda a, b: np.testing.assert_allclose(b, a, rtol=1e-6),
    ),
    Entry(
        "glassml.timeseries.ExponentialSmoothing.fit",
        lambda y, smoothing_level: (
            ExponentialSmoothing(trend="add", seasonal="add", seasonal_periods=12)
            .fit(y, smoothing_level=smoothing_level)
            .forecast(3, n_paths=10, random_state=0)["mean"]
            .to_numpy()
        ),
        {"y": SEASONAL, "smoothing_level": 0.3},
        arrays=("y",),
        options={"smoothing_level": opt(-0.1, 1.5)},
        scale=(Scale(("y",), equivariant(1.0, rtol=1e-5)),),
        compare=lambda a, b: np.testing.assert_allclose(b, a, rtol=1e-6),
    ),
    Entry(
        "glassml.timeseries.ExponentialSmoothing.forecast",
        lambda steps, alpha, n_paths: _frame(
            _fitted_es.forecast(steps, alpha, n_paths=n_paths, random_state=0)
        ),
        {"steps": 3, "alpha": 0.1, "n_paths": 50},
        options={"steps": opt(0, -1), "alpha": opt(0.0, 1.0), "n_paths": opt(0, -1)},
    ),
    Entry(
        "glassml.timeseries.ExponentialSmoothing.simulate",
        lambda steps, n_paths: _fitted_es.simulate(steps, n_paths, random_state=0),
        {"steps": 3, "n_paths": 20},
        options={"steps": opt(0, -1), "n_paths": opt(0, -1)},
    ),
    # ------------------------------------------------------------------ panel features
    Entry(
        "glassml.timeseries.lag_features",
        lambda X, unit, lags: np.nan_to_num(lag_features(X, unit, lags).to_numpy(), nan=0.0),
        {"X": PANEL, "unit": UNIT, "lags": [1, 3]},
        arrays=("X",),
        labels=("unit",),
        options={"lags": opt(0, -1, [1, -2])},
        scale=(Scale(("X",), equivariant(1.0)),),
        allow_nan=("X",),
        skip=UNIT_SKIP,
    ),
    Entry(
        "glassml.timeseries.rolling_features",
        lambda X, unit, window, ewm_span: rolling_features(
            X, unit, window, ewm_span=ewm_span
        ).to_numpy(),
        {"X": PANEL, "unit": UNIT, "window": 3, "ewm_span": 4.0},
        arrays=("X",),
        labels=("unit",),
        options={"window": opt(0, -1), "ewm_span": opt(0.0, -1.0)},
        scale=(Scale(("X",), equivariant(1.0, rtol=1e-7)),),
        skip=UNIT_SKIP,
    ),
    Entry(
        "glassml.timeseries.windows",
        lambda X, unit, length, stride: windows(X, unit, length, stride),
        {"X": PANEL, "unit": UNIT, "length": 4, "stride": 2},
        arrays=("X",),
        labels=("unit",),
        options={"length": opt(0, -1), "stride": opt(0, -1)},
        scale=(Scale(("X",), equivariant(1.0)),),
        skip=UNIT_SKIP,
    ),
    Entry(
        "glassml.timeseries.GroupTimeSeriesSplit",
        lambda n_splits, gap: [
            np.concatenate(fold)
            for fold in GroupTimeSeriesSplit(n_splits, gap=gap).split(CYCLE, groups=CYCLE)
        ],
        {"n_splits": 3, "gap": 1},
        options={"n_splits": opt(1, 0, 50), "gap": opt(-1)},
    ),
    Entry(
        "glassml.timeseries.GroupTimeSeriesSplit.split",
        _folds,
        # X is read for its number of rows only (as scikit-learn's splitters do).
        {"X": PANEL, "groups": CYCLE, "n_splits": 3},
        labels=("groups",),
        options={"n_splits": opt(1, 0, 50)},
        aliases={"groups": ("X",)},
    ),
    Entry(
        "glassml.timeseries.GroupTimeSeriesSplit.get_n_splits",
        lambda n_splits: GroupTimeSeriesSplit(n_splits).get_n_splits(),
        {"n_splits": 4},
        options={"n_splits": opt(1, 0)},
    ),
    # ------------------------------------------------------------------ remaining useful life
    Entry(
        "glassml.timeseries.rul_labels",
        lambda unit, cycle, cap: rul_labels(pd.DataFrame({"unit": unit, "cycle": cycle}), cap=cap),
        {"unit": UNIT, "cycle": CYCLE, "cap": None},
        arrays=("cycle",),
        labels=("unit",),
        options={"cap": opt(0.0, -5.0, "125")},
        scale=(Scale(("cycle",), equivariant(1.0)),),
        skip={
            **UNIT_SKIP,
            "empty": "the entry builds df from the arrays, which pandas refuses to align at "
            "different lengths before rul_labels is reached; an empty df is tested directly",
            "ndim": "a DataFrame column is 1-D by construction",
            "length": "as for empty: pandas refuses columns of different lengths",
        },
        aliases={"unit": ("df",), "cycle": ("df", "time")},
    ),
    Entry(
        "glassml.timeseries.nasa_score",
        nasa_score,
        {
            "y_true": np.array([50.0, 20.0, 80.0, 10.0]),
            "y_pred": np.array([45.0, 25.0, 70.0, 12.0]),
        },
        arrays=("y_true", "y_pred"),
        # The score is exp(d / 13) or exp(d / 10) of the error d in cycles: not scale-free;
        # at 1e300 it overflows and is refused by name, at 1e-300 every penalty is ~0.
        skip={
            "tiny": "errors of 1e-300 cycles are perfect predictions: a score of ~0 for each "
            "engine, the correct (near-)constant",
        },
        aliases={"y_true": ("y_pred",), "y_pred": ("y_true",)},
    ),
    Entry(
        "glassml.timeseries.rul_report",
        lambda y_true, y_pred: rul_report(y_true, y_pred),
        {
            "y_true": np.array([50.0, 20.0, 80.0, 10.0]),
            "y_pred": np.array([45.0, 25.0, 70.0, 12.0]),
        },
        arrays=("y_true", "y_pred"),
        skip={
            "huge": "the NASA score in the report overflows at errors of 1e300 cycles and is "
            "refused by name in nasa_score's entry; RMSE/MAE alone would scale",
            "tiny": "errors of 1e-300 cycles are perfect predictions: scores ~0",
        },
        aliases={"y_true": ("y_pred",), "y_pred": ("y_true",)},
    ),
]

EXEMPT = {
    "glassml.timeseries.Correlogram": "a result record built by acf/pacf (registered), whose "
    "arrays are computed and validated there; users do not construct it",
    "glassml.timeseries.OrderSelection": "a result record returned by select_order "
    "(registered); users do not construct it",
}
