"""De-duplication before splitting: exact and near-duplicate rows, first occurrence kept.

A row duplicated across the train/test boundary leaks: the model is scored on a point it has
memorised (the credit-card data has 1,081 exact duplicate rows). ``Deduplicator`` removes
them before any split.

* Exact: rows equal in every column (pandas' ``duplicated``, NaN equal to NaN).
* Near (``tolerance > 0``): numeric columns are scaled by their standard deviation and two rows
  are near-duplicates when they differ by at most ``tolerance`` in every scaled column (the
  Chebyshev distance, so the tolerance reads per column: "within 0.01 standard deviations"),
  and agree exactly in every non-numeric column. Pairs come from a KD-tree
  (``scipy.spatial.cKDTree.query_pairs``, r = tolerance, p = inf). Scanning rows in order,
  a row is dropped when it is near a row already kept, so the first occurrence stays and a
  chain a ~ b ~ c with a !~ c keeps a and c.
"""

from __future__ import annotations

from numbers import Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_named_array, check_predict_data, fail


class Deduplicator(TransformerMixin, BaseEstimator):
    """Remove exact and near-duplicate rows, keeping the first occurrence.

    ``fit(X)`` finds the duplicates of X and records them (``report_``); ``transform(X)``
    returns X without its duplicate rows; ``fit_resample(X, y)`` returns the kept rows of X
    and y together (the imbalanced-learn convention for steps that drop rows). Use it once,
    before splitting: inside a pipeline it would drop rows from X but not from y.

    Parameters
    ----------
    tolerance : float
        0 for exact duplicates only; > 0 also removes rows within ``tolerance`` standard
        deviations of a kept row in every numeric column (and equal in the others).
    columns : list or None
        Columns compared (names for a DataFrame, positions for an array); all by default.

    Attributes
    ----------
    keep_ : bool array, True for the rows kept
    duplicate_of_ : int array, for each row the index of the kept row it duplicates (itself
        if kept)
    n_removed_ : int
    report_ : pandas.DataFrame, one row per removed row: ``row``, ``duplicate_of``, ``kind``
        ("exact" or "near")

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0], [3.0, 4.001]])
    >>> dedup = Deduplicator(tolerance=0.01).fit(X)
    >>> dedup.keep_.tolist(), dedup.report_["kind"].tolist()
    ([True, False, True, False], ['exact', 'near'])
    """

    _parameter_constraints: ClassVar[dict] = {
        "tolerance": [Interval(Real, 0, None, closed="left")],
        "columns": [list, None],
    }

    def __init__(self, tolerance: float = 0.0, columns: list | None = None) -> None:
        self.tolerance = tolerance
        self.columns = columns

    def _validated(self, X, reset: bool) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            if X.shape[0] == 0 or X.shape[1] == 0:
                raise fail("X", "a non-empty table", X.shape)
            if reset:
                self.n_features_in_ = X.shape[1]
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            elif list(X.columns) != list(self.feature_names_in_):
                raise fail("X", f"the columns seen in fit {list(self.feature_names_in_)}", X)
            frame = X
        else:
            options = {"dtype": "numeric", "ensure_all_finite": "allow-nan"}
            if reset:
                array = check_named_array(X, "X", **options)
                self.n_features_in_ = array.shape[1]
            else:
                array = check_predict_data(self, X, **options)
            frame = pd.DataFrame(array)
        if self.columns is not None:
            missing = [c for c in self.columns if c not in frame.columns]
            if missing or not self.columns:
                raise fail("columns", "names (or positions) of columns of X", self.columns)
            frame = frame[self.columns]
        return frame

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> Deduplicator:
        """Find the duplicates of X; record ``keep_``, ``duplicate_of_`` and ``report_``."""
        duplicate_of, kind = self._find(self._validated(X, reset=True))
        n = len(duplicate_of)
        self.keep_ = duplicate_of == np.arange(n)
        self.duplicate_of_ = duplicate_of
        self.n_removed_ = int(n - self.keep_.sum())
        removed = np.nonzero(~self.keep_)[0]
        self.report_ = pd.DataFrame(
            {"row": removed, "duplicate_of": duplicate_of[removed], "kind": kind[removed]}
        )
        return self

    def _find(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        n = len(frame)
        duplicate_of = np.arange(n)
        kind = np.array([""] * n, dtype=object)

        # Exact duplicates: group identical rows, map each to its group's first row.
        exact = frame.duplicated(keep="first").to_numpy()
        if exact.any():
            first = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup()
            first_row = pd.Series(np.arange(n)).groupby(first.to_numpy()).transform("min")
            duplicate_of[exact] = first_row.to_numpy()[exact]
            kind[exact] = "exact"

        if float(self.tolerance) > 0:
            self._near(frame, exact, duplicate_of, kind)
        return duplicate_of, kind

    def _near(self, frame, exact, duplicate_of, kind) -> None:
        numeric = frame.select_dtypes(include="number")
        if numeric.shape[1] == 0:
            return
        values = numeric.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise fail("X", "finite numbers for a near-duplicate search (tolerance > 0)", values)
        # Each column over its largest magnitude first, so the spread of values near 1e300 does
        # not overflow (or of values near 1e-300 underflow) on the way to standard deviations.
        size = np.max(np.abs(values), axis=0)
        values = values / np.where(size > 0, size, 1.0)
        spread = values.std(axis=0)
        scaled = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
        others = frame.drop(columns=numeric.columns)
        group = (
            others.groupby(list(others.columns), dropna=False, sort=False).ngroup().to_numpy()
            if others.shape[1]
            else np.zeros(len(frame), dtype=np.intp)
        )
        candidates = np.nonzero(~exact)[0]  # exact duplicates already point at a kept row
        tree = cKDTree(scaled[candidates])
        pairs = tree.query_pairs(float(self.tolerance), p=np.inf, output_type="ndarray")
        if pairs.size == 0:
            return
        pairs = candidates[pairs]
        pairs = pairs[group[pairs[:, 0]] == group[pairs[:, 1]]]
        pairs.sort(axis=1)
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        dropped = np.zeros(len(frame), dtype=bool)
        for earlier, later in pairs:  # in row order: a row near a kept earlier row goes
            if not dropped[earlier] and not dropped[later]:
                dropped[later] = True
                duplicate_of[later] = earlier
                kind[later] = "near"

    def transform(self, X):
        """X without its duplicate rows (found in X itself, by the fitted settings)."""
        check_is_fitted(self)
        duplicate_of, _ = self._find(self._validated(X, reset=False))
        keep = duplicate_of == np.arange(len(duplicate_of))
        if isinstance(X, pd.DataFrame):
            return X.iloc[keep]
        return np.asarray(X)[keep]

    def fit_resample(self, X, y=None):
        """Fit on X; return the kept rows of X (and of y when given)."""
        if y is not None and len(y) != len(X):
            raise fail("y", f"{len(X)} values, one per row of X", len(y))
        self.fit(X)
        kept = X.iloc[self.keep_] if isinstance(X, pd.DataFrame) else np.asarray(X)[self.keep_]
        if y is None:
            return kept
        y_kept = y.iloc[self.keep_] if hasattr(y, "iloc") else np.asarray(y)[self.keep_]
        return kept, y_kept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags
