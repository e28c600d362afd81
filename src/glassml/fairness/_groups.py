"""Sensitive features and binary labels: what every fairness entry point checks first.

A sensitive feature is one column (``sex``) or several (``sex`` and ``race``: their
combinations are the groups, intersectional). Groups are the distinct values (or value
combinations) present; a categorical column may declare categories no row has, and such an
empty group is refused by name rather than silently dropped or divided by. Missing values
(NaN, None) are refused: a row without a group cannot be counted for any group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from glassml._validation import fail


def n_rows(X: Any) -> int:
    """Rows of the data given to a base estimator (an array, a DataFrame or a list)."""
    if X is None or isinstance(X, str | bytes) or np.ndim(X) == 0:
        raise fail("X", "a 2-D array or DataFrame of samples", X)
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)


def delegate(estimator: Any, method: str, X: Any, *args: Any, **kwargs: Any) -> Any:
    """``estimator.method(X, ...)``: the mitigators pass X on untouched (any data the base
    estimator takes, DataFrames included) and the labels and weights they derive are already
    checked, so what the base estimator refuses is X; its message is passed on naming X."""
    if n_rows(X) == 0:
        raise fail("X", "at least one row", "an empty array")
    try:
        return getattr(estimator, method)(X, *args, **kwargs)
    except (TypeError, ValueError) as error:
        raise ValueError(f"X: {type(estimator).__name__}.{method} refused it: {error}") from error


@dataclass(frozen=True)
class Groups:
    """The rows' group memberships.

    ``codes[i]`` is the group of row ``i`` (0 .. n_groups - 1), ``index`` the groups' labels
    as a pandas Index (a MultiIndex for several sensitive columns), in sorted order.
    """

    codes: np.ndarray
    index: pd.Index

    @property
    def n_groups(self) -> int:
        return len(self.index)

    def rows(self) -> list[np.ndarray]:
        """Row indices of each group, in the order of ``index``."""
        order = np.argsort(self.codes, kind="stable")
        bounds = np.cumsum(np.bincount(self.codes, minlength=self.n_groups))[:-1]
        return np.split(order, bounds)

    def codes_of(self, sensitive_features: Any, argument: str = "sensitive_features") -> np.ndarray:
        """Group codes of new rows (e.g. at predict time); unseen groups are refused."""
        frame = _as_frame(sensitive_features, argument)
        if frame.shape[1] != self.index.nlevels:
            raise ValueError(
                f"{argument}: expected {self.index.nlevels} sensitive column(s) as in fit, "
                f"got {frame.shape[1]}"
            )
        _refuse_missing(frame, argument)
        keys = _keys(frame)
        position = self.index.get_indexer(keys)
        if np.any(position < 0):
            unseen = keys[int(np.flatnonzero(position < 0)[0])]
            raise ValueError(
                f"{argument}: expected groups seen in fit {list(self.index)}, got {unseen!r}"
            )
        return position.astype(np.intp)


def _as_frame(values: Any, argument: str) -> pd.DataFrame:
    if values is None:
        raise fail(argument, "one group label per row (an array, Series or DataFrame)", values)
    if isinstance(values, pd.Categorical):
        values = pd.Series(values)
    if isinstance(values, pd.DataFrame):
        frame = values.reset_index(drop=True)
    elif isinstance(values, pd.Series):
        frame = values.reset_index(drop=True).to_frame(
            values.name if values.name is not None else "sensitive_feature_0"
        )
    elif isinstance(values, dict):
        frame = pd.DataFrame({str(key): np.asarray(column) for key, column in values.items()})
    else:
        if isinstance(values, str | bytes) or np.ndim(values) == 0:
            raise fail(argument, "one group label per row (an array, Series or DataFrame)", values)
        array = np.asarray(values)
        if array.ndim == 1:
            frame = pd.DataFrame({"sensitive_feature_0": array})
        elif array.ndim == 2:
            frame = pd.DataFrame(
                {f"sensitive_feature_{j}": array[:, j] for j in range(array.shape[1])}
            )
        else:
            raise fail(argument, "a 1-D or 2-D array of group labels", array)
    if frame.shape[1] == 0:
        raise fail(argument, "at least one sensitive column", "none")
    for column in frame.columns:
        kind = getattr(frame[column].dtype, "kind", "O")
        if kind == "c":
            raise fail(argument, "group labels (numbers, strings or categories)", "complex values")
        if kind == "f" and np.isinf(frame[column].to_numpy()).any():
            raise fail(argument, "finite group labels", "an infinite value")
        if kind == "O":
            # Labels of one column are one kind of thing: a stray word among numbers (or a
            # number among words) is a data error, not a new group.
            present = frame[column].dropna()
            words = present.map(lambda value: isinstance(value, str | bytes)).to_numpy(bool)
            if 0 < words.sum() < words.size:
                raise fail(
                    argument,
                    "group labels of one kind (all words or all numbers)",
                    "a mix of words and numbers",
                )
    return frame


def _refuse_missing(frame: pd.DataFrame, argument: str) -> None:
    missing = frame.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing.any(axis=1))[0])
        raise ValueError(
            f"{argument}: expected a group for every row, got a missing value (NaN/None) at "
            f"row {row}"
        )


def _keys(frame: pd.DataFrame) -> pd.Index:
    if frame.shape[1] == 1:
        return pd.Index(frame.iloc[:, 0].to_numpy(dtype=object))
    return pd.MultiIndex.from_frame(frame.astype(object))


def check_groups(
    sensitive_features: Any,
    n_samples: int,
    argument: str = "sensitive_features",
    min_groups: int = 2,
) -> Groups:
    """Validate the sensitive features of ``n_samples`` rows and find their groups.

    Refused by name: a missing argument, a length other than ``n_samples``, missing values,
    complex numbers, a categorical category no row has (an empty group), and fewer than
    ``min_groups`` groups (one group makes every disparity zero by construction).
    """
    frame = _as_frame(sensitive_features, argument)
    if frame.shape[0] != n_samples:
        raise ValueError(
            f"{argument}: expected one group label per row ({n_samples}), got {frame.shape[0]}"
        )
    _refuse_missing(frame, argument)
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            counts = series.value_counts(sort=False)
            empty = counts.index[counts.to_numpy() == 0]
            if len(empty):
                raise ValueError(
                    f"{argument}: group {empty[0]!r} of column {column!r} has 0 rows (a category "
                    "with no member, e.g. after a split); drop unused categories or keep rows of "
                    "every group"
                )
    keys = _keys(frame)
    try:
        index, codes = _factorize(keys)
    except TypeError as error:
        raise ValueError(
            f"{argument}: expected group labels that can be ordered, got mixed types ({error})"
        ) from None
    index = (
        index.set_names(list(frame.columns))
        if frame.shape[1] > 1
        else index.rename(frame.columns[0])
    )
    if len(index) < min_groups:
        raise ValueError(
            f"{argument}: expected at least {min_groups} groups, got {len(index)} "
            f"({list(index)}); disparities between groups need more than one group"
        )
    return Groups(codes=codes.astype(np.intp), index=index)


def _factorize(keys: pd.Index) -> tuple[pd.Index, np.ndarray]:
    codes, uniques = pd.factorize(keys, sort=True)
    if not isinstance(uniques, pd.Index):
        uniques = pd.Index(uniques)
    return uniques, codes


def check_length(values: Any, n_samples: int, argument: str) -> np.ndarray:
    """A 1-D array of ``n_samples`` entries (a column vector is accepted and flattened)."""
    if values is None:
        raise fail(argument, f"an array of {n_samples} values", values)
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise fail(argument, "a 1-D array", array)
    if array.shape[0] != n_samples:
        raise ValueError(f"{argument}: expected {n_samples} values, got {array.shape[0]}")
    return array


def check_binary(values: Any, argument: str, n_samples: int | None = None) -> np.ndarray:
    """Labels in {0, 1} (or booleans) as a float64 vector; anything else is refused by name."""
    if values is None:
        raise fail(argument, "binary labels in {0, 1}", values)
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise fail(argument, "a 1-D array of binary labels in {0, 1}", array)
    if n_samples is not None and array.shape[0] != n_samples:
        raise ValueError(f"{argument}: expected {n_samples} labels, got {array.shape[0]}")
    if array.shape[0] == 0:
        raise fail(argument, "at least one label", "an empty array")
    if array.dtype.kind == "b":
        return array.astype(np.float64)
    if array.dtype.kind not in "iuf":
        if array.dtype.kind == "O":
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError):
                raise fail(argument, "binary labels in {0, 1}", values) from None
        else:
            raise fail(argument, "binary labels in {0, 1}", array)
    array = array.astype(np.float64)
    bad = (array != 0.0) & (array != 1.0)
    if bad.any():
        raise ValueError(
            f"{argument}: expected binary labels in {{0, 1}}, got {array[bad][0]!r} "
            "(encode the positive class as 1)"
        )
    return array


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray:
    """Finite, non-negative weights (``None``: ones) with a positive sum."""
    if sample_weight is None:
        return np.ones(n_samples)
    weights = np.asarray(sample_weight)
    if weights.dtype.kind not in "iufb":
        raise fail("sample_weight", "non-negative real numbers", weights)
    weights = check_length(weights.astype(np.float64), n_samples, "sample_weight")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise fail("sample_weight", "finite, non-negative weights", weights)
    if not weights.sum() > 0:
        raise fail("sample_weight", "at least one positive weight", "all zero")
    return weights


def labels_of(index: pd.Index) -> Sequence[Any]:
    """The groups' labels as plain Python values (tuples for several sensitive columns)."""
    return list(index)
