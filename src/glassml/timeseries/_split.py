"""Time-ordered cross-validation over groups of rows (scikit-learn has TimeSeriesSplit over
rows, not over groups).

Each group is one time period (a day, a month, a block of cycles), its rows possibly spread
over many units and in any order. The periods are ordered by their labels, then split as
``sklearn.model_selection.TimeSeriesSplit`` splits rows: fold i tests the i-th block of
``test_size`` periods and trains on the periods before it (at most ``max_train_size`` of
them, ending ``gap`` periods before the test), so no period is ever cut in two and no fold
trains on its future.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.model_selection import TimeSeriesSplit

from glassml._validation import check_count, fail


class GroupTimeSeriesSplit:
    """Time-series cross-validation whose unit of time is a group of rows.

    ``split(X, y, groups)``: groups are ordered by label (times, dates, period numbers);
    the folds are those of ``TimeSeriesSplit(n_splits, max_train_size=max_train_size,
    test_size=test_size, gap=gap)`` on the sequence of distinct groups, mapped back to rows.
    Equal, for contiguous groups, to mlxtend's ``GroupTimeSeriesSplit`` with an expanding
    window.

    Parameters
    ----------
    n_splits : int
        Number of folds (at least 2).
    test_size : int, optional
        Periods per test fold (default: n_groups // (n_splits + 1)).
    max_train_size : int, optional
        At most this many periods to train on (a rolling window); default all earlier ones.
    gap : int
        Periods left out between training and test.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.timeseries import GroupTimeSeriesSplit
    >>> month = np.array([1, 1, 2, 2, 3, 3, 4, 4])
    >>> for train, test in GroupTimeSeriesSplit(n_splits=3).split(month, groups=month):
    ...     print(np.unique(month[train]).tolist(), np.unique(month[test]).tolist())
    [1] [2]
    [1, 2] [3]
    [1, 2, 3] [4]
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        test_size: int | None = None,
        max_train_size: int | None = None,
        gap: int = 0,
    ) -> None:
        self.n_splits = check_count(n_splits, "n_splits", minimum=2)
        self.test_size = None if test_size is None else check_count(test_size, "test_size")
        self.max_train_size = (
            None if max_train_size is None else check_count(max_train_size, "max_train_size")
        )
        self.gap = check_count(gap, "gap", minimum=0)

    def __repr__(self) -> str:
        return (
            f"GroupTimeSeriesSplit(n_splits={self.n_splits}, test_size={self.test_size}, "
            f"max_train_size={self.max_train_size}, gap={self.gap})"
        )

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return self.n_splits

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(train, test) row positions of each fold, earliest first."""
        if groups is None:
            raise ValueError("groups: required (the time period of each row)")
        groups = np.asarray(groups)
        n = len(X) if not hasattr(X, "shape") else X.shape[0]
        if groups.ndim != 1 or groups.shape[0] != n:
            raise ValueError(
                f"X, groups: expected one group label per row of X ({n}), got shape {groups.shape}"
            )
        if groups.dtype.kind in "fc" and not np.all(np.isfinite(groups)):
            raise fail("groups", "finite labels", groups)
        if groups.dtype.kind == "c":
            raise fail("groups", "real or string labels (an order in time)", groups)
        periods, code = np.unique(groups, return_inverse=True)
        splitter = TimeSeriesSplit(
            self.n_splits,
            max_train_size=self.max_train_size,
            test_size=self.test_size,
            gap=self.gap,
        )
        try:
            folds = list(splitter.split(np.zeros(periods.size)))
        except ValueError as error:
            raise ValueError(
                f"groups, n_splits: {periods.size} distinct periods in groups cannot make "
                f"n_splits={self.n_splits} folds "
                f"(test_size={self.test_size}, gap={self.gap}): {error}"
            ) from None
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(periods.size + 1))
        for train_periods, test_periods in folds:
            yield self._rows(order, bounds, train_periods), self._rows(order, bounds, test_periods)

    @staticmethod
    def _rows(order, bounds, periods) -> np.ndarray:
        """Rows of consecutive periods (the periods of a fold are a contiguous range)."""
        return np.sort(order[bounds[periods[0]] : bounds[periods[-1] + 1]])
