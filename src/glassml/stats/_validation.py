"""Input checks particular to glassml.stats, in the house convention of glassml._validation.

Scalars, probabilities, counts and options go through :mod:`glassml._validation` directly;
this module adds what only statistics needs — a numeric array that refuses complex numbers
and strings instead of truncating or coercing them, a sample of observations, the
alternative hypothesis, a count out of a number of trials — each with the one message shape
``"<argument>: expected <what>, got <value>"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import check_count, check_option, fail

ALTERNATIVES = ("two-sided", "less", "greater")


def real_array(values: Any, argument: str) -> np.ndarray:
    """``values`` as a float64 array; complex, string and non-numeric objects are refused.

    ``np.asarray(z, dtype=float)`` silently drops the imaginary part of a complex number and
    turns ``"3"`` into 3.0: both would give a confident answer to a question nobody asked.
    """
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:  # ragged nested sequences
        raise ValueError(f"{argument}: expected an array of numbers, got {error}") from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(f"{argument}: expected real numbers, got complex values")
    if kind in "biuf":
        return array.astype(np.float64, copy=False)
    if kind == "O":
        for item in array.flat:
            if isinstance(item, complex | np.complexfloating):
                raise TypeError(f"{argument}: expected real numbers, got complex values")
            if isinstance(item, str | bytes):
                raise TypeError(f"{argument}: expected numbers, got {item!r:.40}")
        try:
            return array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{argument}: expected numbers, got an object array") from None
    raise TypeError(f"{argument}: expected numbers, got an array of dtype {array.dtype}")


def check_finite(array: np.ndarray, argument: str) -> np.ndarray:
    """``array`` itself if every entry is finite; else a ``ValueError`` saying where."""
    bad = ~np.isfinite(array)
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        position = where[0] if len(where) == 1 else where
        raise ValueError(
            f"{argument}: expected finite numbers, got {array[tuple(where)]} at index {position}"
        )
    return array


def as_sample(values: Any, argument: str, *, min_size: int = 2) -> np.ndarray:
    """A 1-D float64 sample of at least ``min_size`` finite observations."""
    sample = real_array(values, argument)
    if sample.ndim != 1:
        raise fail(argument, "a 1-D array of observations", sample)
    if sample.size < min_size:
        raise ValueError(
            f"{argument}: expected at least {min_size} observations, got {sample.size}"
        )
    return check_finite(sample, argument)


def data_scale(*samples: np.ndarray) -> float:
    """A power of two near the largest magnitude in ``samples`` (1 for all-zero data).

    Dividing by it is exact (no rounding) and brings data of any scale near 1, so squares
    neither overflow at 1e300 nor underflow at 1e-300: scale-free statistics (t, z, p-values,
    ESS, R-hat) are then computed where float64 is accurate.
    """
    largest = max((float(np.max(np.abs(s), initial=0.0)) for s in samples), default=0.0)
    if largest == 0.0 or not np.isfinite(largest):
        return 1.0
    return float(2.0 ** np.frexp(largest)[1])


def check_alternative(alternative: Any) -> str:
    return check_option(alternative, "alternative", ALTERNATIVES)


def check_trials(count: Any, nobs: Any, count_name: str, nobs_name: str) -> tuple[int, int]:
    """A number of trials ``nobs >= 1`` and a count of successes ``0 <= count <= nobs``."""
    nobs_int = check_count(nobs, nobs_name, minimum=1)
    count_int = check_count(count, count_name, minimum=0)
    if count_int > nobs_int:
        raise ValueError(
            f"{count_name}: expected a count in [0, {nobs_name}={nobs_int}], got {count_int}"
        )
    return count_int, nobs_int


def check_generator(random_state: Any, argument: str = "random_state") -> np.random.Generator:
    """``numpy.random.default_rng(random_state)`` with the argument named in any error.

    ``None``, a non-negative integer (a NumPy integer too), a ``SeedSequence`` or a
    ``Generator``; booleans, floats and strings are refused rather than guessed at.
    """
    if isinstance(random_state, bool | np.bool_ | float | np.floating | str | bytes):
        raise fail(argument, "None, a non-negative integer seed or a numpy Generator", random_state)
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise fail(
            argument, "None, a non-negative integer seed or a numpy Generator", random_state
        ) from None
