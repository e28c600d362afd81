"""Panel features, windows, the group time-series split and the RUL helpers.

References and tolerances
-------------------------
- ``lag_features`` and ``rolling_features`` (mean, std (divisor count), min, max, EWM)
  against pandas applied to each unit on its own, one unit at a time (an independent loop,
  not the grouped computation), 1e-12; rows in any order, units interleaved, sorted by a
  ``time`` column.
- Rolling least-squares slopes against ``numpy.polyfit`` of each window, 1e-9 relative to the
  data's scale (irregular time steps included).
- ``windows`` against an explicit loop over units and window ends, exactly; nothing crosses a
  unit boundary; short units skipped with a counted warning.
- C-MAPSS FD001: rolling features per engine on the real sensor data equal pandas on each
  engine; 17,731 windows of 30 cycles from the 100 training engines; RUL labels are 0 at each
  engine's last cycle and count up backwards, capped at 125.
- ``GroupTimeSeriesSplit`` equals ``sklearn.model_selection.TimeSeriesSplit`` applied to the
  sequence of distinct groups (interleaved rows), and mlxtend's ``GroupTimeSeriesSplit``
  (expanding window, shifted by the test size) on contiguous groups.
- ``nasa_score`` against its definition written out per engine; ``rul_report`` against
  sklearn's RMSE and MAE.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from parity import assert_close
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import TimeSeriesSplit

from glassml.datasets import load_cmapss
from glassml.timeseries import (
    GroupTimeSeriesSplit,
    lag_features,
    nasa_score,
    rolling_features,
    rul_labels,
    rul_report,
    windows,
)


def panel(seed=0, shuffle=True):
    rng = np.random.default_rng(seed)
    lengths = [7, 1, 12, 4]
    units = np.repeat([30, 10, 20, 40], lengths)
    time = np.concatenate([np.cumsum(rng.uniform(0.5, 2.0, k)) for k in lengths])
    frame = pd.DataFrame(
        {
            "engine": units,
            "t": time,
            "a": rng.normal(size=units.size),
            "b": rng.normal(5, 2, units.size),
        }
    )
    return frame.sample(frac=1.0, random_state=1) if shuffle else frame


FRAME = panel()


def per_unit(frame, compute):
    """Apply ``compute`` to each unit's rows (in time order) separately and realign."""
    pieces = []
    for _, rows in frame.sort_values("t").groupby("engine", sort=False):
        pieces.append(compute(rows[["a", "b"]]).set_axis(rows.index))
    return pd.concat(pieces).loc[frame.index]


def test_lags_match_pandas_per_unit():
    ours = lag_features(FRAME, "engine", lags=[1, 3], time="t")
    for lag in (1, 3):
        expected = per_unit(FRAME, lambda rows, lag=lag: rows.shift(lag))
        assert_close(
            ours[[f"a_lag{lag}", f"b_lag{lag}"]].fillna(-9.0),
            expected.fillna(-9.0),
            rtol=0,
            what=f"lag {lag}",
        )


@pytest.mark.parametrize("window", [1, 3, 5])
def test_rolling_statistics_match_pandas_per_unit(window):
    ours = rolling_features(FRAME, "engine", window, time="t", ewm_span=4.0)
    expected = {
        "mean": lambda r: r.rolling(window, min_periods=1).mean(),
        "std": lambda r: r.rolling(window, min_periods=1).std(ddof=0),
        "min": lambda r: r.rolling(window, min_periods=1).min(),
        "max": lambda r: r.rolling(window, min_periods=1).max(),
        "ewm": lambda r: r.ewm(span=4.0).mean(),
    }
    for stat, compute in expected.items():
        reference = per_unit(FRAME, compute)
        columns = [f"a_{stat}{window}", f"b_{stat}{window}"]
        assert_close(ours[columns], reference, rtol=1e-12, atol=1e-12, what=stat)


@pytest.mark.parametrize("use_time", [True, False])
def test_rolling_slope_is_least_squares_per_window(use_time):
    frame = panel(seed=3)
    ours = rolling_features(frame, "engine", 4, stats=["slope"], time="t" if use_time else None)
    for _, rows in frame.sort_values("t").groupby("engine"):
        if not use_time:  # then the rows of a unit are in time order as they come
            rows = frame.loc[frame["engine"] == rows["engine"].iloc[0]]
        tau = rows["t"].to_numpy() if use_time else np.arange(len(rows), dtype=float)
        for k, index in enumerate(rows.index):
            start = max(0, k - 3)
            if k - start < 1:
                expected = 0.0
            else:
                expected = np.polyfit(tau[start : k + 1], rows["a"].to_numpy()[start : k + 1], 1)[0]
            assert ours.loc[index, "a_slope4"] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def window_loop(X, units, length, stride):
    blocks, ends = [], []
    for unit in np.unique(units):
        rows = np.flatnonzero(units == unit)
        last = len(rows) - 1
        positions = list(range(last, length - 2, -stride))[::-1]
        for end in positions:
            blocks.append(X[rows[end - length + 1 : end + 1]])
            ends.append(rows[end])
    return np.array(blocks), np.array(ends)


@pytest.mark.parametrize("length, stride", [(1, 1), (3, 1), (4, 3), (12, 100)])
def test_windows_match_a_loop_over_units(length, stride):
    X = FRAME[["a", "b"]].to_numpy()
    units = FRAME["engine"].to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        blocks, index = windows(X, units, length, stride, return_index=True)
    expected_blocks, expected_index = window_loop(X, units, length, stride)
    assert np.array_equal(blocks, expected_blocks) and np.array_equal(index, expected_index)
    short = sum(count < length for count in (7, 1, 12, 4))
    messages = [str(w.message) for w in caught]
    assert (f"{short} of 4 units" in " ".join(messages)) == (short > 0)


def test_windows_fail_when_every_unit_is_too_short():
    with pytest.raises(ValueError, match="length: every unit is shorter than length=13"):
        windows(FRAME[["a", "b"]], FRAME["engine"], 13)


def test_cmapss_features_windows_and_labels():
    train = load_cmapss().train
    sensors = ["sensor_2", "sensor_4", "sensor_11"]
    features = rolling_features(train, "unit", 10, stats=["mean", "std", "slope"], columns=sensors)
    engine = train[train["unit"] == 37]
    expected = engine[sensors].rolling(10, min_periods=1).mean()
    assert_close(features.loc[engine.index, [f"{s}_mean10" for s in sensors]], expected, rtol=1e-12)
    # The temperature at the low-pressure turbine outlet (sensor 4) drifts up over life.
    assert features["sensor_4_slope10"].mean() > 0
    blocks, index = windows(
        train[[f"sensor_{k}" for k in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21)]],
        train["unit"],
        30,
        return_index=True,
    )
    lengths = train.groupby("unit").size().to_numpy()
    assert blocks.shape == (int(np.sum(lengths - 29)), 30, 14) == (17_731, 30, 14)
    rul = rul_labels(train, cap=125)
    last = train.groupby("unit")["cycle"].idxmax()
    assert np.all(rul[last.to_numpy()] == 0) and rul.max() == 125
    uncapped = rul_labels(train)
    assert (
        uncapped[train.index[train["cycle"] == 1]].tolist()
        == (train.groupby("unit")["cycle"].max() - 1).tolist()
    )
    assert np.array_equal(rul[index], np.minimum(uncapped[index], 125))


def test_group_split_matches_time_series_split_on_groups():
    rng = np.random.default_rng(0)
    months = rng.integers(0, 20, 300)  # interleaved rows
    X = rng.normal(size=(300, 2))
    for kwargs in ({}, {"test_size": 2, "gap": 1}, {"max_train_size": 5, "n_splits": 4}):
        ours = list(GroupTimeSeriesSplit(**kwargs).split(X, groups=months))
        reference = TimeSeriesSplit(**kwargs).split(np.zeros(20))
        for (train, test), (train_groups, test_groups) in zip(ours, reference, strict=True):
            assert np.array_equal(np.unique(months[train]), train_groups)
            assert np.array_equal(np.unique(months[test]), test_groups)
            assert np.array_equal(train, np.flatnonzero(np.isin(months, train_groups)))


def test_group_split_matches_mlxtend():
    from mlxtend.evaluate import GroupTimeSeriesSplit as MlxtendSplit

    groups = np.repeat(np.arange(12), np.random.default_rng(2).integers(1, 6, 12))
    X = np.zeros((groups.size, 1))
    ours = list(GroupTimeSeriesSplit(n_splits=4, test_size=2).split(X, groups=groups))
    theirs = list(
        MlxtendSplit(test_size=2, n_splits=4, shift_size=2, window_type="expanding").split(
            X, groups=groups
        )
    )
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)


def test_nasa_score_and_report():
    rng = np.random.default_rng(4)
    truth = rng.integers(5, 150, 50).astype(float)
    predicted = truth + rng.normal(0, 20, 50)
    expected = sum(
        np.exp(-(p - t) / 13) - 1 if p < t else np.exp((p - t) / 10) - 1
        for t, p in zip(truth, predicted, strict=True)
    )
    assert nasa_score(truth, predicted) == pytest.approx(expected, rel=1e-12)
    report = rul_report(truth, predicted)
    assert report["rmse"] == pytest.approx(root_mean_squared_error(truth, predicted), rel=1e-12)
    assert report["mae"] == pytest.approx(mean_absolute_error(truth, predicted), rel=1e-12)
    assert report["late_share"] == np.mean(predicted > truth) and report["n_engines"] == 50
    # Late is penalised more than early by the same margin.
    assert nasa_score([50.0], [70.0]) > nasa_score([50.0], [30.0])


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: lag_features(FRAME, "engine", lags=0), "lags"),
        (lambda: lag_features(FRAME, "machine"), "unit: 'machine' is not a column"),
        (lambda: rolling_features(FRAME, "engine", 3, stats=["median"]), "stats"),
        (lambda: rolling_features(FRAME, "engine", 0), "window"),
        (lambda: windows(FRAME[["a"]], FRAME["engine"].to_numpy()[:-1], 2), "X, unit"),
        (lambda: windows(FRAME.assign(a=np.nan), "engine", 2), "X: NaN at rows"),
        (lambda: lag_features(FRAME.assign(t=1.0), "engine", time="t"), "time: a unit has two"),
        (lambda: rul_labels(FRAME, "engine", "cycle"), "time: 'cycle' is not a column"),
        (lambda: rul_labels(FRAME, "engine", "t", cap=-1), "cap"),
        (lambda: rul_labels(FRAME.iloc[:0], "engine", "t"), "time: Found array with 0"),
        (lambda: rolling_features(FRAME.assign(a=np.nan), "engine", 2), "X: NaN at rows"),
        (lambda: nasa_score([1.0, 2.0], [1.0]), "y_true, y_pred"),
        (lambda: nasa_score([1.0], [1e5]), "y_pred: the score overflows"),
        (
            lambda: list(GroupTimeSeriesSplit(8).split(np.zeros(6), groups=[1, 1, 2, 2, 3, 3])),
            "groups",
        ),
        (lambda: GroupTimeSeriesSplit(1), "n_splits"),
    ],
)
def test_bad_input_is_refused_by_name(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
