"""Survival data as every fitter receives it: durations, event indicators, entry times.

A subject i is observed from its entry time e_i (0 unless the data are left-truncated) to its
duration T_i > e_i, when it either fails (event indicator d_i = 1) or is censored (d_i = 0: it
was still working when observation stopped). Everything is checked here, once, with the
argument named in every message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import check_named_array, fail


def _vector(values: Any, argument: str) -> np.ndarray:
    """A 1-D float64 array of finite numbers (a column vector is accepted as 1-D)."""
    array = check_named_array(values, argument, ensure_2d=False, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise fail(argument, "a 1-D array (one value per subject)", array)
    return array


def check_durations(durations: Any, argument: str = "durations") -> np.ndarray:
    """Durations T_i > 0 as a float64 vector."""
    durations = _vector(durations, argument)
    if np.any(durations <= 0):
        first = int(np.flatnonzero(durations <= 0)[0])
        raise ValueError(
            f"{argument}: expected positive durations (a failure at time 0 or before is not a "
            f"duration), got {durations[first]!r} at position {first}"
        )
    return durations


def check_events(event_observed: Any, n: int, argument: str = "event_observed") -> np.ndarray:
    """Event indicators in {0, 1} (booleans, integers or floats equal to 0 or 1) as a boolean
    vector of length ``n``; ``None`` means every subject failed (no censoring)."""
    if event_observed is None:
        return np.ones(n, dtype=bool)
    raw = np.asarray(event_observed)
    if raw.dtype.kind == "b":
        events = raw.reshape(-1) if raw.ndim == 2 and raw.shape[1] == 1 else raw
    else:
        events = _vector(event_observed, argument)
        bad = (events != 0) & (events != 1)
        if np.any(bad):
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{argument}: expected event indicators in {{0, 1}} (1 = failure observed, 0 = "
                f"censored), got {events[first]!r} at position {first}"
            )
    if events.ndim != 1 or events.shape[0] != n:
        raise ValueError(
            f"durations, {argument}: expected one event indicator per duration ({n}), got "
            f"shape {np.shape(events)}"
        )
    return events.astype(bool)


def check_entry(entry: Any, durations: np.ndarray, argument: str = "entry") -> np.ndarray | None:
    """Left-truncation (entry) times 0 <= e_i < T_i, or None when every subject is observed
    from time 0."""
    if entry is None:
        return None
    entry = _vector(entry, argument)
    if entry.shape[0] != durations.shape[0]:
        raise ValueError(
            f"durations, {argument}: expected one entry time per duration "
            f"({durations.shape[0]}), got {entry.shape[0]}"
        )
    bad = (entry < 0) | (entry >= durations)
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{argument}: expected entry times in [0, duration) (a subject is observed after it "
            f"enters), got entry {entry[first]!r} for duration {durations[first]!r} at "
            f"position {first}"
        )
    return entry


def survival_data(
    durations: Any, event_observed: Any = None, entry: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Checked (durations, events, entry) for one sample of subjects."""
    durations = check_durations(durations)
    events = check_events(event_observed, durations.shape[0])
    return durations, events, check_entry(entry, durations)


def time_scale(durations: np.ndarray) -> float:
    """A typical duration (the geometric mean of the smallest and largest), a power of two so
    that dividing by it is exact: parametric fits work on durations of order 1 whatever their
    unit, so 1e-300 or 1e300 seconds fit as well as cycles."""
    low, high = float(np.min(durations)), float(np.max(durations))
    exponent = 0.5 * (np.frexp(low)[1] + np.frexp(high)[1])
    return float(np.ldexp(1.0, round(exponent)))


def check_times(times: Any, argument: str = "times") -> np.ndarray:
    """Evaluation times t >= 0 (a scalar or a vector) as a float64 vector."""
    array = check_named_array(
        np.atleast_1d(np.asarray(times)) if np.isscalar(times) else times,
        argument,
        ensure_2d=False,
        dtype=np.float64,
    )
    if array.ndim != 1:
        raise fail(argument, "a scalar or a 1-D array of times", array)
    if np.any(array < 0):
        raise fail(argument, "times >= 0", array)
    return array
