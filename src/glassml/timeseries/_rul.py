"""Remaining useful life: labels for run-to-failure data and the scores used to judge them.

Labels. A unit run to failure at its last recorded time T_u has, at time t, RUL = T_u - t.
Early in life the degradation is invisible in the sensors, so the usual convention for
C-MAPSS (Heimes, 2008; Babu et al., 2016) caps the label: RUL = min(T_u - t, cap) with
cap = 125 cycles, a piecewise-linear target (constant, then falling to 0). Default: no cap.

Scores. With d = predicted - true RUL for each engine, the PHM08 challenge's asymmetric score
(Saxena et al., 2008) penalises late predictions (d > 0: the engine fails before the
predicted time) more than early ones::

    s(d) = exp(-d/13) - 1   (d < 0, early)      s(d) = exp(d/10) - 1   (d >= 0, late)
    score = sum over engines of s(d)           (lower is better; 0 is perfect)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from glassml._validation import check_named_array, check_scalar, fail


def rul_labels(
    df: pd.DataFrame, unit: str = "unit", time: str = "cycle", cap: float | None = None
) -> np.ndarray:
    """Remaining useful life of every row of run-to-failure data: the unit's last time minus
    the row's time, optionally capped at ``cap`` (125 is the usual C-MAPSS choice).

    Examples
    --------
    >>> import pandas as pd
    >>> from glassml.timeseries import rul_labels
    >>> frame = pd.DataFrame({"unit": [1, 1, 1, 2, 2], "cycle": [1, 2, 3, 1, 2]})
    >>> rul_labels(frame).tolist()
    [2.0, 1.0, 0.0, 1.0, 0.0]
    >>> rul_labels(frame, cap=1).tolist()
    [1.0, 1.0, 0.0, 1.0, 0.0]
    """
    if not isinstance(df, pd.DataFrame):
        raise fail("df", "a DataFrame with the unit and time columns", df)
    for argument, name in (("unit", unit), ("time", time)):
        if not isinstance(name, str) or name not in df.columns:
            raise ValueError(f"{argument}: {name!r} is not a column of df")
    times = check_named_array(df[[time]], "time", dtype=np.float64)[:, 0]
    units = df[unit].to_numpy()
    if units.dtype.kind == "f" and not np.all(np.isfinite(units)):
        raise fail("unit", "labels without NaN", units)
    last = pd.Series(times).groupby(units).transform("max").to_numpy()
    remaining = last - times
    if cap is not None:
        cap = check_scalar(cap, "cap", low=0.0, closed="neither")
        remaining = np.minimum(remaining, cap)
    return remaining


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    y_true = check_named_array(y_true, "y_true", ensure_2d=False, dtype=np.float64)
    y_pred = check_named_array(y_pred, "y_pred", ensure_2d=False, dtype=np.float64)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if array.ndim != 1:
            raise fail(name, "a 1-D array (one RUL per engine)", array)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true, y_pred: expected one prediction per engine, got {y_true.shape[0]} true "
            f"and {y_pred.shape[0]} predicted values"
        )
    return y_true, y_pred


def nasa_score(y_true: Any, y_pred: Any) -> float:
    """The PHM08 asymmetric score summed over engines (lower is better): exp(-d/13) - 1 for
    early predictions (d = predicted - true < 0), exp(d/10) - 1 for late ones.

    Examples
    --------
    >>> from glassml.timeseries import nasa_score
    >>> round(nasa_score([50, 50], [37, 60]), 4)  # 13 early, 10 late: (e - 1) each
    3.4366
    """
    y_true, y_pred = _pair(y_true, y_pred)
    d = y_pred - y_true
    with np.errstate(over="ignore"):
        penalties = np.where(d < 0, np.expm1(-d / 13.0), np.expm1(d / 10.0))
    total = float(np.sum(penalties))
    if not np.isfinite(total):
        raise ValueError(
            "y_pred: the score overflows float64 (predictions thousands of cycles off)"
        )
    return total


def rul_report(y_true: Any, y_pred: Any) -> dict[str, float]:
    """RMSE, MAE, the NASA score, the share of late predictions (predicted > true: the
    dangerous side) and the number of engines, as a dict.

    Examples
    --------
    >>> from glassml.timeseries import rul_report
    >>> report = rul_report([50, 20, 80], [45, 25, 80])
    >>> {key: round(value, 3) for key, value in report.items()}
    {'rmse': 4.082, 'mae': 3.333, 'nasa_score': 1.118, 'late_share': 0.333, 'n_engines': 3}
    """
    y_true, y_pred = _pair(y_true, y_pred)
    d = y_pred - y_true
    with np.errstate(over="ignore"):
        rmse = float(np.sqrt(np.mean(d**2)))
    if not np.isfinite(rmse):  # the squares overflow: compute on a scaled copy
        largest = float(np.max(np.abs(d)))
        rmse = largest * float(np.sqrt(np.mean((d / largest) ** 2)))
    return {
        "rmse": rmse,
        "mae": float(np.mean(np.abs(d))),
        "nasa_score": nasa_score(y_true, y_pred),
        "late_share": float(np.mean(d > 0)),
        "n_engines": int(d.size),
    }
