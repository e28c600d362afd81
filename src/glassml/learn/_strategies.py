"""Input strategies for exercises: small, readable numbers that shrink towards simple cases.

Values lie on a grid (multiples of 0.5 by default) so that a shrunk failing input reads like a
worked example (``[[2., 0.], [0., -3.]]``) rather than ``1.0000000000000002``. Structured
inputs (a symmetric matrix with an eigen-gap, a full-rank design) are built from such values
by the mathematics, never by rejection where it can be avoided, so shrinking stays quick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassml.learn._deps import require

_hypothesis = require("hypothesis", "the course's exercises")
st = _hypothesis.strategies
hnp = require("hypothesis.extra.numpy", "the course's exercises")
assume = _hypothesis.assume

__all__ = ["assume", "described", "grid", "hnp", "labels", "matrices", "sizes", "st", "vectors"]


def grid(low: float = -5.0, high: float = 5.0, step: float = 0.5) -> Any:
    """Floats ``low, low + step, ..., high`` shrinking towards 0 (or the end nearest 0)."""
    k_low, k_high = int(np.ceil(low / step)), int(np.floor(high / step))
    return st.integers(k_low, k_high).map(lambda k: float(k * step))


def sizes(low: int = 1, high: int = 6) -> Any:
    return st.integers(low, high)


def _size(value: int | Any) -> Any:
    return st.just(value) if isinstance(value, int) else value


def matrices(rows: int | Any, cols: int | Any, elements: Any = None) -> Any:
    """Float64 matrices of the given (or drawn) shape with grid elements."""
    elements = grid() if elements is None else elements
    return st.tuples(_size(rows), _size(cols)).flatmap(
        lambda shape: hnp.arrays(np.float64, shape, elements=elements)
    )


def vectors(length: int | Any, elements: Any = None) -> Any:
    elements = grid() if elements is None else elements
    return _size(length).flatmap(lambda n: hnp.arrays(np.float64, (n,), elements=elements))


def labels(n: int, n_classes: int) -> Any:
    """Integer labels ``0 .. n_classes-1`` of length ``n``."""
    return hnp.arrays(np.int64, (n,), elements=st.integers(0, n_classes - 1))


class described:
    """A callable input shown in feedback by its formula (``x ↦ sum(x**2)``), not its address."""

    def __init__(self, function: Callable[..., Any], text: str) -> None:
        self.function, self.text = function, text

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return self.text

    def __deepcopy__(self, memo: dict) -> described:
        return self
