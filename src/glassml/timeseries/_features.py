"""Features for panels of many units (engines, machines, customers), each its own series.

The rows of ``X`` belong to units (``unit``: a column name or one label per row) and, within a
unit, follow each other in time (in row order, or sorted by ``time``). Every feature of a row
uses only that row's unit and rows no later than it: nothing crosses a unit boundary, and
nothing looks into the future. Rows may come in any order (units interleaved); outputs are
aligned with the input rows.

Per unit u and column x, at the row of time t::

    lag k          x_{t-k}                            (NaN for the first k rows of a unit)
    mean, std      over the last w rows (std with divisor count, so one row gives 0)
    min, max       over the last w rows
    slope          least-squares slope of x against time over the last w rows:
                   sum (τ - τ̄)(x - x̄) / sum (τ - τ̄)²   (0 with fewer than two rows)
    ewm            exponentially weighted mean, weights (1 - a)^j on x_{t-j}, a = 2/(span+1)

Windows for sequence models: ``windows`` cuts each unit's history into overlapping blocks of
``length`` consecutive rows, aligned so that the last block ends at the unit's last row and
the others step back by ``stride`` (so every unit's latest state is always one sample, which is
what remaining-useful-life prediction needs).

Everything is vectorised: pandas' grouped rolling windows for the statistics, rolling sums of
centred (τ, x, τx, τ²) for the slopes, and one gather of precomputed row indices for the
windows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from glassml._validation import check_count, check_named_array, check_scalar, fail

STATISTICS = ("mean", "std", "min", "max", "slope", "ewm")


class Panel:
    """``X`` as a float frame with its unit labels and the order that sorts it by (unit, time)."""

    def __init__(self, X: Any, unit: Any, time: Any = None, columns: Any = None):
        frame = X if isinstance(X, pd.DataFrame) else None
        self.unit = self._labels(unit, frame, "unit")
        self.time = None if time is None else self._labels(time, frame, "time")
        excluded = {name for name in (unit, time) if isinstance(name, str)}
        if frame is None:
            values = check_named_array(X, "X", dtype=np.float64, ensure_all_finite="allow-nan")
            names = [f"x{j}" for j in range(values.shape[1])]
            self.index = pd.RangeIndex(values.shape[0])
        else:
            if columns is None:
                names = [name for name in frame.columns if name not in excluded]
            else:
                names = list(columns) if not isinstance(columns, str) else [columns]
                missing = [name for name in names if name not in frame.columns]
                if missing:
                    raise ValueError(f"columns: {missing} are not columns of X")
            values = check_named_array(
                frame[names], "X", dtype=np.float64, ensure_all_finite="allow-nan"
            )
            self.index = frame.index
        if np.any(np.isinf(values)):
            raise fail("X", "finite values or NaN gaps (no infinities)", values)
        if frame is None and columns is not None:
            picked = np.asarray(columns)
            if picked.dtype.kind not in "iu" or picked.ndim != 1:
                raise fail("columns", "column positions (ints) for an array X", columns)
            values, names = values[:, picked], [names[j] for j in picked]
        n = values.shape[0]
        for name, labels in (("unit", self.unit), ("time", self.time)):
            if labels is not None and labels.shape[0] != n:
                raise ValueError(
                    f"X, {name}: X has {n} rows but {name} has {labels.shape[0]} labels"
                )
        self.values, self.names = values, names
        if self.time is not None and self.time.dtype.kind not in "iufmM":
            raise fail("time", "numbers or datetimes (to order the rows)", self.time)
        # Stable sort by unit, then time (the last key is the primary one).
        keys = [self.unit] if self.time is None else [self.time, self.unit]
        self.order = np.lexsort(keys)
        sorted_units = self.unit[self.order]
        self.starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
        self.lengths = np.diff(np.r_[self.starts, n])
        if self.time is not None:
            sorted_time = self.time[self.order]
            repeated = sorted_time[1:] == sorted_time[:-1]
            same_unit = sorted_units[1:] == sorted_units[:-1]
            if np.any(repeated & same_unit):
                raise ValueError("time: a unit has two rows at the same time")

    @staticmethod
    def _labels(value: Any, frame: pd.DataFrame | None, argument: str) -> np.ndarray:
        if isinstance(value, str) and frame is not None:
            if value not in frame.columns:
                raise ValueError(f"{argument}: {value!r} is not a column of X")
            labels = frame[value].to_numpy()
        else:
            labels = np.asarray(value)
        if labels.ndim != 1:
            raise fail(argument, "one label per row of X (a column name or a 1-D array)", value)
        if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
            raise fail(argument, "labels without NaN or infinity", value)
        if labels.dtype.kind == "c":
            raise fail(argument, "real or string labels", value)
        return labels

    def require_complete(self, why: str) -> None:
        """Refuse NaN gaps, saying where they are."""
        if np.any(np.isnan(self.values)):
            rows = np.flatnonzero(np.isnan(self.values).any(axis=1))
            raise ValueError(
                f"X: NaN at rows {rows[:8].tolist()}{' ...' if rows.size > 8 else ''}; {why} "
                "(fill or drop them first)"
            )

    def sorted_frame(self) -> pd.DataFrame:
        """The values sorted by (unit, time), with a group key per row."""
        frame = pd.DataFrame(self.values[self.order], columns=self.names)
        frame["__group__"] = np.repeat(np.arange(self.starts.size), self.lengths)
        return frame

    def restore(self, sorted_values: np.ndarray, columns: list[str]) -> pd.DataFrame:
        """Sorted rows back in the input's order and index."""
        out = np.empty_like(sorted_values)
        out[self.order] = sorted_values
        return pd.DataFrame(out, columns=columns, index=self.index)

    def positions(self) -> np.ndarray:
        """The time coordinate of each sorted row: its time, or its position in its unit."""
        if self.time is not None:
            time = self.time[self.order]
            if time.dtype.kind in "mM":  # datetimes and durations as nanoseconds
                return time.astype(np.int64).astype(float)
            return time.astype(float)
        return (np.arange(self.values.shape[0]) - np.repeat(self.starts, self.lengths)).astype(
            float
        )


def _lags(lags: Any) -> list[int]:
    values = [lags] if np.ndim(lags) == 0 else list(np.ravel(lags))
    if not values:
        raise fail("lags", "one or more positive ints", lags)
    return [check_count(lag, "lags") for lag in values]


def lag_features(
    X: Any, unit: Any, lags: int | Sequence[int] = 1, *, time: Any = None, columns: Any = None
) -> pd.DataFrame:
    """x_{t-k} of each column for each lag k, within each unit (NaN where the unit has no
    k-th earlier row). Columns ``"<column>_lag<k>"``, rows aligned with ``X``.

    ``unit`` (and ``time``) are column names of a DataFrame ``X`` or arrays of one label per
    row; without ``time`` the rows of a unit are in time order.

    Examples
    --------
    >>> import pandas as pd
    >>> from glassml.timeseries import lag_features
    >>> frame = pd.DataFrame({"unit": [1, 1, 1, 2, 2], "temp": [10.0, 11.0, 13.0, 20.0, 21.0]})
    >>> lag_features(frame, "unit", lags=[1, 2])["temp_lag1"].tolist()
    [nan, 10.0, 11.0, nan, 20.0]
    """
    panel = Panel(X, unit, time, columns)
    lags = _lags(lags)
    values = panel.values[panel.order]
    position = np.arange(values.shape[0]) - np.repeat(panel.starts, panel.lengths)
    blocks, names = [], []
    for lag in lags:
        shifted = np.full_like(values, np.nan)
        shifted[lag:] = values[:-lag] if lag < values.shape[0] else shifted[lag:]
        shifted[position < lag] = np.nan  # the row k back belongs to another unit
        blocks.append(shifted)
        names += [f"{name}_lag{lag}" for name in panel.names]
    return panel.restore(np.concatenate(blocks, axis=1), names)


def rolling_features(
    X: Any,
    unit: Any,
    window: int | Sequence[int],
    *,
    stats: Sequence[str] = STATISTICS,
    time: Any = None,
    columns: Any = None,
    ewm_span: float | None = None,
) -> pd.DataFrame:
    """Rolling statistics of each column over the last ``window`` rows of its unit.

    ``stats`` from "mean", "std", "min", "max", "slope" (least squares against time) and
    "ewm" (exponentially weighted mean, ``span`` = ``ewm_span``, default the window). A row
    near the start of its unit uses the rows it has (never another unit's). Columns
    ``"<column>_<stat><window>"``, rows aligned with ``X``.

    Examples
    --------
    >>> import pandas as pd
    >>> from glassml.timeseries import rolling_features
    >>> frame = pd.DataFrame({"unit": [1, 1, 1, 1, 2, 2], "wear": [0.0, 1.0, 2.0, 4.0, 9.0, 7.0]})
    >>> features = rolling_features(frame, "unit", 3, stats=["mean", "slope"])
    >>> features["wear_mean3"].tolist()
    [0.0, 0.5, 1.0, 2.3333333333333335, 9.0, 8.0]
    >>> features["wear_slope3"].round(12).tolist()
    [0.0, 1.0, 1.0, 1.5, 0.0, -2.0]
    """
    panel = Panel(X, unit, time, columns)
    windows = [window] if np.ndim(window) == 0 else list(np.ravel(window))
    windows = [check_count(w, "window") for w in windows]
    if isinstance(stats, str) or not all(isinstance(s, str) for s in stats) or not stats:
        raise fail("stats", f"a list of names from {list(STATISTICS)}", stats)
    unknown = [s for s in stats if s not in STATISTICS]
    if unknown:
        raise fail("stats", f"names from {list(STATISTICS)}", unknown)
    if ewm_span is not None:
        ewm_span = check_scalar(ewm_span, "ewm_span", low=1.0)
    panel.require_complete("a rolling statistic over a gap would be silently partial")
    # Every statistic is equivariant in x: compute on columns scaled by a power of two near
    # their largest magnitude (exact), so squares neither overflow nor underflow.
    column_scale = np.max(np.abs(panel.values), axis=0, initial=0.0)
    column_scale = np.ldexp(1.0, np.frexp(np.where(column_scale > 0, column_scale, 1.0))[1])
    panel.values = panel.values / column_scale
    frame = panel.sorted_frame()
    grouped = frame.groupby("__group__", sort=False)[panel.names]
    blocks, names = [], []
    for w in windows:
        rolling = grouped.rolling(w, min_periods=1)
        for stat in stats:
            if stat in ("mean", "min", "max"):
                block = getattr(rolling, stat)().to_numpy()
            elif stat == "std":
                block = rolling.std(ddof=0).to_numpy()
            elif stat == "slope":
                block = _rolling_slope(panel, frame, w)
            else:
                span = ewm_span if ewm_span is not None else float(w)
                block = grouped.ewm(span=span).mean().to_numpy()
            blocks.append(block * column_scale)
            names += [f"{name}_{stat}{w}" for name in panel.names]
    return panel.restore(np.concatenate(blocks, axis=1), names)


def _rolling_slope(panel: Panel, frame: pd.DataFrame, w: int) -> np.ndarray:
    """Least-squares slopes over the last w rows: cov(τ, x) / var(τ) from rolling means of the
    per-unit centred τ, x, τx and τ² (centring keeps the products small: no cancellation)."""
    tau = panel.positions()
    group = frame["__group__"].to_numpy()
    values = frame[panel.names].to_numpy()
    tau_c = tau - pd.Series(tau).groupby(group).transform("mean").to_numpy()
    x_c = values - pd.DataFrame(values).groupby(group).transform("mean").to_numpy()
    parts = pd.DataFrame(
        np.column_stack([tau_c, tau_c**2, x_c, tau_c[:, None] * x_c]),
    )
    means = parts.groupby(group).rolling(w, min_periods=1).mean().to_numpy()
    k = values.shape[1]
    mean_tau, mean_tau2 = means[:, 0], means[:, 1]
    mean_x, mean_tx = means[:, 2 : 2 + k], means[:, 2 + k :]
    variance = mean_tau2 - mean_tau**2
    covariance = mean_tx - mean_tau[:, None] * mean_x
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = covariance / variance[:, None]
    # One row (or rows at one time): no slope to speak of.
    return np.where(variance[:, None] > 1e-12 * np.maximum(mean_tau2[:, None], 1.0), slope, 0.0)


def windows(
    X: Any,
    unit: Any,
    length: int,
    stride: int = 1,
    *,
    time: Any = None,
    columns: Any = None,
    return_index: bool = False,
):
    """Blocks of ``length`` consecutive rows of each unit: an array (n_windows, length,
    n_features) for sequence models, windows ordered by unit then time.

    Windows never cross units; they are aligned to end at each unit's last row and step back
    by ``stride`` (``stride`` >= the longest history gives exactly each unit's last window).
    Units with fewer than ``length`` rows are skipped, with a warning that counts them.

    With ``return_index=True`` also returns the position in ``X`` of each window's last row
    (to align targets: ``y[index]``).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import windows
    >>> X = np.arange(14.0).reshape(7, 2)            # unit 0: rows 0-3, unit 1: rows 4-6
    >>> blocks, last = windows(X, [0, 0, 0, 0, 1, 1, 1], length=3, return_index=True)
    >>> blocks.shape, last.tolist()
    ((3, 3, 2), [2, 3, 6])
    """
    panel = Panel(X, unit, time, columns)
    length = check_count(length, "length")
    stride = check_count(stride, "stride")
    panel.require_complete("windows feed sequence models, which need complete rows")
    counts = np.where(panel.lengths >= length, (panel.lengths - length) // stride + 1, 0)
    skipped = int(np.sum(counts == 0))
    if skipped == panel.lengths.size:
        raise ValueError(
            f"length: every unit is shorter than length={length} rows (the longest has "
            f"{int(panel.lengths.max())})"
        )
    if skipped:
        warnings.warn(
            f"windows: {skipped} of {panel.lengths.size} units have fewer than "
            f"length={length} rows and are skipped",
            UserWarning,
            stacklevel=2,
        )
    # Window j of a unit with k windows ends (k - 1 - j) strides before the unit's last row.
    last_rows = panel.starts + panel.lengths - 1
    which = np.repeat(np.arange(counts.size), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(which.size) - first[which]
    ends = last_rows[which] - (counts[which] - 1 - j) * stride
    rows = ends[:, None] - (length - 1) + np.arange(length)
    blocks = panel.values[panel.order][rows]
    if return_index:
        return blocks, panel.order[ends]
    return blocks
