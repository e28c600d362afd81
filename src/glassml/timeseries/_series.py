"""One univariate series as every model receives it: finite values, gaps found and named.

A gap (NaN) is refused with the positions it occupies, or, with ``missing="interpolate"``,
filled by straight lines between its neighbours. A gap at either end cannot be interpolated
(there is no neighbour on one side) and is refused either way: inventing the first or last
observations would silently change every forecast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import check_named_array, check_option, fail

MISSING = ("raise", "interpolate")


def _positions(mask: np.ndarray, limit: int = 8) -> str:
    where = np.flatnonzero(mask)
    shown = ", ".join(str(int(i)) for i in where[:limit])
    return shown + (f", ... ({where.size} in all)" if where.size > limit else "")


def check_series(
    y: Any,
    argument: str = "y",
    missing: str = "raise",
    min_length: int = 1,
    what: str = "observations",
) -> np.ndarray:
    """``y`` as a finite float64 vector of at least ``min_length`` values.

    ``missing="interpolate"`` fills interior NaN gaps linearly; infinities are refused
    always. A column vector is accepted as a series.
    """
    missing = check_option(missing, "missing", MISSING)
    array = check_named_array(
        y, argument, ensure_2d=False, dtype=np.float64, ensure_all_finite="allow-nan"
    )
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise fail(argument, "a 1-D series (one value per time step)", array)
    gaps = np.isnan(array)
    if gaps.any():
        if missing == "raise":
            raise ValueError(
                f"{argument}: NaN (missing values) at positions {_positions(gaps)}; fill them, "
                "or pass missing='interpolate' to fill interior gaps linearly"
            )
        if gaps[0] or gaps[-1]:
            end = "start" if gaps[0] else "end"
            raise ValueError(
                f"{argument}: NaN at the {end} of the series (positions {_positions(gaps)}) "
                "cannot be interpolated; trim the series"
            )
        index = np.arange(array.size)
        array = array.copy()
        array[gaps] = np.interp(index[gaps], index[~gaps], array[~gaps])
    if array.size < min_length:
        raise ValueError(f"{argument}: expected at least {min_length} {what}, got {array.size}")
    return array


# Squares of values beyond this (variances, sums of squares) leave float64's range.
SQUARE_LIMIT = 1e150


def check_squares_representable(y: np.ndarray, argument: str = "y") -> None:
    """Variances and sums of squares of ``y`` must be representable: its largest magnitude
    within [1e-150, 1e150] (or all zero)."""
    largest = float(np.max(np.abs(y), initial=0.0))
    if largest and not 1.0 / SQUARE_LIMIT <= largest <= SQUARE_LIMIT:
        raise ValueError(
            f"{argument}: the largest |value| is {largest:.3g}; its variance (about "
            f"{largest:.3g} squared) is not representable in float64: rescale the series into "
            f"[{1 / SQUARE_LIMIT:.0e}, {SQUARE_LIMIT:.0e}]"
        )


def unit_scaled(x: np.ndarray) -> np.ndarray:
    """``x`` divided by a power of two near its largest magnitude (exact, so the result is
    unchanged except in range): for scale-free statistics (correlations, test statistics),
    whose sums of squares would overflow at 1e300 or underflow at 1e-300."""
    largest = float(np.max(np.abs(x), initial=0.0))
    if largest == 0.0 or not np.isfinite(largest):
        return x
    return x / np.ldexp(1.0, int(np.frexp(largest)[1]))


def scale_of(y: np.ndarray) -> tuple[float, float]:
    """(location, scale) to standardise ``y`` for fitting: the mean and a power of two near the
    standard deviation (dividing by it is exact), computed without overflow."""
    largest = float(np.max(np.abs(y)))
    if largest == 0.0:
        return 0.0, 1.0
    unit = float(np.ldexp(1.0, int(np.frexp(largest)[1])))
    shrunk = y / unit
    location = float(np.mean(shrunk))
    spread = float(np.std(shrunk))
    if spread == 0.0 or not np.isfinite(spread):
        return location * unit, unit
    return location * unit, float(np.ldexp(1.0, int(np.frexp(spread)[1]))) * unit
