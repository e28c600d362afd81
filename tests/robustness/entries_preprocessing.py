"""Robustness entries for glassml.preprocessing (see framework.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from robustness.framework import Entry, Scale, invariant, opt

from glassml.preprocessing import Deduplicator, describe_missing, tabular_preprocessor

_rng = np.random.default_rng(0)
X = _rng.normal(size=(30, 3))
X[10] = X[3]  # an exact duplicate
X[20] = X[5] + 1e-4  # a near duplicate
y = np.arange(30.0)
FRAME = pd.DataFrame(
    {
        "age": np.where(_rng.random(30) < 0.2, np.nan, _rng.normal(40, 9, 30)),
        "city": _rng.choice(["a", "b", "c"], 30),
        "target": _rng.integers(0, 2, 30),
    }
)
TABLE = "the argument is a DataFrame: array probes are refused by name (expected a DataFrame)"
# Duplicates are a relation between rows that scaling keeps (the tolerance is in standard
# deviations): the kept mask must not change.
SAME_ROWS = (Scale(("X",), invariant()),)

ENTRIES = [
    Entry(
        "glassml.preprocessing.Deduplicator.fit",
        lambda X, tolerance: Deduplicator(tolerance=tolerance).fit(X).keep_.astype(float),
        {"X": X, "tolerance": 0.01},
        arrays=("X",),
        options={"tolerance": opt(-1.0)},
        scale=SAME_ROWS,
        skip={"ndim": "a column of numbers is a valid table of one column"},
    ),
    Entry(
        "glassml.preprocessing.Deduplicator.transform",
        lambda X: Deduplicator(tolerance=0.01).fit(X).transform(X),
        {"X": X},
        arrays=("X",),
        scale=(Scale(("X",), lambda a, b, s: np.testing.assert_allclose(b / s, a)),),
        skip={"ndim": "a column of numbers is a valid table of one column"},
    ),
    Entry(
        "glassml.preprocessing.Deduplicator.fit_resample",
        lambda X, y: Deduplicator(tolerance=0.01).fit_resample(X, y)[1],
        {"X": X, "y": y},
        arrays=("X",),
        scale=SAME_ROWS,
        skip={"ndim": "a column of numbers is a valid table of one column"},
    ),
    Entry(
        "glassml.preprocessing.tabular_preprocessor",
        lambda frame, max_one_hot: tabular_preprocessor(
            frame, "target", max_one_hot=max_one_hot
        ).fit_transform(frame.drop(columns="target"), frame["target"]),
        {"frame": FRAME, "max_one_hot": 5},
        options={"max_one_hot": opt(0)},
    ),
    Entry(
        "glassml.preprocessing.describe_missing",
        lambda frame: describe_missing(frame)["n_missing"].to_numpy(),
        {"frame": FRAME},
        options={"frame": opt(np.zeros((3, 2)), [1, 2], auto=False)},
    ),
]
EXEMPT: dict[str, str] = {}
del TABLE
