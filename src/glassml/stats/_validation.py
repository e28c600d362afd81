"""Input checks shared by every public entry point of glassml.stats."""

from __future__ import annotations

import numpy as np

ALTERNATIVES = ("two-sided", "less", "greater")


def as_sample(values, name: str, *, min_size: int = 2) -> np.ndarray:
    """A 1-D float64 sample with at least ``min_size`` finite observations."""
    try:
        sample = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a 1-D array of numbers; got {values!r:.60}") from error
    if sample.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {sample.shape}")
    if sample.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} observations; got {sample.size}")
    if not np.all(np.isfinite(sample)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return sample


def check_alternative(alternative: str) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}; got {alternative!r}")
    return alternative


def check_probability(value: float, name: str, *, open_interval: bool = True) -> float:
    value = float(value)
    inside = 0.0 < value < 1.0 if open_interval else 0.0 <= value <= 1.0
    if not (np.isfinite(value) and inside):
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"{name} must be a probability in {interval}; got {value}")
    return value


def check_positive(value, name: str) -> float:
    """A positive finite number (a variance, a scale, a Beta parameter)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return number


def check_count(count, nobs, count_name: str, nobs_name: str) -> tuple[int, int]:
    try:
        count_int, nobs_int = int(count), int(nobs)
    except (TypeError, ValueError, OverflowError):  # strings, NaN, infinity
        count_int, nobs_int = None, None
    if count_int is None or count_int != count or nobs_int != nobs:
        raise ValueError(
            f"{count_name} and {nobs_name} must be whole numbers; got {count!r} and {nobs!r}"
        )
    if nobs_int < 1:
        raise ValueError(f"{nobs_name} must be at least 1; got {nobs}")
    if not 0 <= count_int <= nobs_int:
        raise ValueError(f"{count_name} must lie in [0, {nobs_name}={nobs_int}]; got {count}")
    return count_int, nobs_int
