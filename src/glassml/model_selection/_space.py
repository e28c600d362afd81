"""Search spaces: each dimension maps its values to columns of the unit cube the GP works in.

``Real`` and ``Integer`` take one column, u = (v - low) / (high - low), or the same on log(v)
with ``prior="log-uniform"``; integers are rounded on the way back. ``Categorical`` takes one
column per category (one-hot), so the GP's length scales never impose an order on categories.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassml._validation import check_named_array, check_option, fail

PRIORS = ("uniform", "log-uniform")


def _number(value: Any, argument: str, integer: bool) -> float:
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool | np.bool_) or not isinstance(value, kind):
        raise fail(argument, "an integer" if integer else "a finite real number", value)
    if not math.isfinite(float(value)):
        raise fail(argument, "a finite real number", value)
    return int(value) if integer else float(value)


class _Bounded:
    """A numeric dimension on [low, high], uniform or log-uniform."""

    integer = False
    n_columns = 1

    def __init__(self, low, high, prior: str = "uniform") -> None:
        self.low = _number(low, "low", self.integer)
        self.high = _number(high, "high", self.integer)
        self.prior = check_option(prior, "prior", PRIORS)
        if not self.low < self.high:
            raise fail("low, high", "low < high", (low, high))
        if self.prior == "log-uniform" and self.low <= 0:
            raise fail("low", "low > 0 for a log-uniform prior", low)

    def _warp(self, values: np.ndarray) -> np.ndarray:
        return np.log(values) if self.prior == "log-uniform" else values

    def _ends(self) -> tuple[float, float]:
        return float(self._warp(np.float64(self.low))), float(self._warp(np.float64(self.high)))

    def to_unit(self, values: Sequence[Any]) -> np.ndarray:
        a, b = self._ends()
        values = check_named_array(values, "values", ensure_2d=False, dtype=np.float64)
        if values.ndim != 1:
            raise fail("values", "a 1-D sequence of values", values)
        with np.errstate(divide="ignore", invalid="ignore"):
            warped = self._warp(values)
        if not np.all(np.isfinite(warped)):
            raise fail("values", "values the prior can map (positive for log-uniform)", values)
        return ((warped - a) / (b - a))[:, None]

    def from_unit(self, columns: np.ndarray) -> list[Any]:
        a, b = self._ends()
        columns = check_named_array(columns, "columns", dtype=np.float64)
        warped = a + np.clip(columns[:, 0], 0.0, 1.0) * (b - a)
        values = np.exp(warped) if self.prior == "log-uniform" else warped
        values = np.clip(values, self.low, self.high)
        if self.integer:
            return [int(v) for v in np.clip(np.round(values), self.low, self.high)]
        return [float(v) for v in values]

    def contains(self, value: Any) -> bool:
        kind = numbers.Integral if self.integer else numbers.Real
        return isinstance(value, kind) and self.low <= value <= self.high

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.low!r}, {self.high!r}, prior={self.prior!r})"

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other) and repr(self) == repr(other)


class Real(_Bounded):
    """A real hyper-parameter on [low, high]; ``prior="log-uniform"`` searches log(value).

    Examples
    --------
    >>> Real(1e-3, 1e3, prior="log-uniform").from_unit([[0.5]])
    [1.0]
    """


class Integer(_Bounded):
    """An integer hyper-parameter on [low, high] (inclusive), rounded from a continuous column.

    Examples
    --------
    >>> Integer(1, 10).from_unit([[1.0]])
    [10]
    """

    integer = True


class Categorical:
    """One of a list of values, one-hot encoded for the GP (one column per category).

    Examples
    --------
    >>> Categorical(["rbf", "linear"]).to_unit(["linear"]).tolist()
    [[0.0, 1.0]]
    """

    def __init__(self, categories: Sequence[Any]) -> None:
        if isinstance(categories, str | bytes) or not isinstance(categories, Sequence):
            raise fail("categories", "a non-empty list of values", categories)
        if len(categories) == 0:
            raise fail("categories", "a non-empty list of values", categories)
        self.categories = list(categories)
        if any(self.categories.count(c) > 1 for c in self.categories):
            raise fail("categories", "distinct values", categories)
        self.n_columns = len(self.categories)

    def _index(self, value: Any) -> int:
        for index, category in enumerate(self.categories):
            if category is value or (type(category) is type(value) and category == value):
                return index
        raise fail("values", f"each one of {self.categories}", value)

    def to_unit(self, values: Sequence[Any]) -> np.ndarray:
        columns = np.zeros((len(values), self.n_columns))
        for row, value in enumerate(values):
            columns[row, self._index(value)] = 1.0
        return columns

    def from_unit(self, columns: np.ndarray) -> list[Any]:
        return [self.categories[k] for k in np.argmax(np.asarray(columns), axis=1)]

    def contains(self, value: Any) -> bool:
        try:
            self._index(value)
        except ValueError:
            return False
        return True

    def __repr__(self) -> str:
        return f"Categorical({self.categories!r})"

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other) and repr(self) == repr(other)


Dimension = Real | Integer | Categorical


def as_dimension(value: Any, argument: str) -> Dimension:
    """A dimension, or the shorthand: ``(low, high)`` of two ints is an Integer, of two
    numbers a Real; a list is a Categorical."""
    if isinstance(value, Real | Integer | Categorical):
        return value
    if isinstance(value, tuple) and len(value) in (2, 3):
        try:
            if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value[:2]):
                return Integer(*value)
            return Real(*value)
        except ValueError as error:
            raise ValueError(f"{argument}: {error}") from None
    if isinstance(value, list):
        try:
            return Categorical(value)
        except ValueError as error:
            raise ValueError(f"{argument}: {error}") from None
    raise fail(argument, "Real, Integer, Categorical, a (low, high) tuple or a list", value)


class Space:
    """An ordered set of named dimensions and the unit cube they map to.

    ``to_unit(points)`` turns a list of points (each a list of values, one per dimension) into
    an array of shape (n, n_columns); ``from_unit`` goes back; ``sample`` draws uniformly in
    the warped coordinates (log-uniform where the prior says so).
    """

    def __init__(self, dimensions: Mapping[str, Any] | Sequence[Any], argument: str) -> None:
        if isinstance(dimensions, Mapping):
            items = list(dimensions.items())
        elif isinstance(dimensions, Sequence) and not isinstance(dimensions, str | bytes):
            items = [(f"x{k}", value) for k, value in enumerate(dimensions)]
        else:
            raise fail(argument, "a dict of dimensions or a list of them", dimensions)
        if not items:
            raise fail(argument, "at least one dimension", dimensions)
        for name, _ in items:
            if not isinstance(name, str):
                raise fail(argument, "parameter names that are strings", name)
        self.names = [name for name, _ in items]
        self.dimensions = [as_dimension(value, f"{argument}[{name!r}]") for name, value in items]
        widths = [dimension.n_columns for dimension in self.dimensions]
        self.n_columns = int(sum(widths))
        self._slices = [
            slice(start, start + width)
            for start, width in zip(np.cumsum([0, *widths[:-1]]), widths, strict=True)
        ]
        # Columns the acquisition optimiser moves continuously (one-hot ones it keeps).
        self.continuous = np.zeros(self.n_columns, dtype=bool)
        for dimension, columns in zip(self.dimensions, self._slices, strict=True):
            self.continuous[columns] = not isinstance(dimension, Categorical)

    def to_unit(self, points: Sequence[Sequence[Any]]) -> np.ndarray:
        points = list(points)
        if not points:
            return np.zeros((0, self.n_columns))
        return np.hstack(
            [
                dimension.to_unit([point[k] for point in points])
                for k, dimension in enumerate(self.dimensions)
            ]
        )

    def from_unit(self, U: np.ndarray) -> list[list[Any]]:
        U = np.atleast_2d(U)
        columns = [
            dimension.from_unit(U[:, part])
            for dimension, part in zip(self.dimensions, self._slices, strict=True)
        ]
        return [list(point) for point in zip(*columns, strict=True)]

    def sample(self, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` uniform draws in the unit cube (categories drawn uniformly, one-hot)."""
        U = rng.uniform(size=(n, self.n_columns))
        for dimension, part in zip(self.dimensions, self._slices, strict=True):
            if isinstance(dimension, Categorical):
                chosen = rng.randint(dimension.n_columns, size=n)
                U[:, part] = np.eye(dimension.n_columns)[chosen]
        return U

    def snap(self, U: np.ndarray) -> np.ndarray:
        """The unit-cube point of the values ``U`` stands for (integers rounded, one-hot)."""
        return self.to_unit(self.from_unit(U))

    def as_params(self, point: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(self.names, point, strict=True))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n!r}: {d!r}" for n, d in zip(self.names, self.dimensions, strict=True))
        return f"Space({{{inner}}})"
