"""User–item interactions: original ids mapped to contiguous indices, one sparse matrix.

Every recommender reads the same object. Users and items keep their original ids (strings such
as Online Retail's "85123A", integers, anything hashable) in ``user_ids`` / ``item_ids``; row
``u`` of ``matrix`` belongs to ``user_ids[u]`` and column ``i`` to ``item_ids[i]``. The matrix
is a ``scipy.sparse.csr_matrix`` of float64 in canonical form (sorted indices, one entry per
pair), whose stored values are the ratings (explicit feedback) or the interaction weights r_ui
(implicit feedback: counts, quantities, 1 for "bought"). ``timestamps`` holds one time per
stored entry, aligned with ``matrix.data``.

Splits (``_splits.py``) keep both id arrays, so a model fitted on ``split.train`` and the test
matrix ``split.test`` share one index space.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from glassml._validation import check_named_array, check_option, fail

DUPLICATE_RULES = ("auto", "sum", "mean", "last", "error")


def _show_ids(ids: Sequence[Any], limit: int = 10) -> str:
    shown = ", ".join(
        repr(value.item() if hasattr(value, "item") else value) for value in ids[:limit]
    )
    more = f", ... ({len(ids)} in all)" if len(ids) > limit else ""
    return f"[{shown}{more}]"


def as_id_array(ids: Any, argument: str) -> np.ndarray:
    """A 1-D array of ids (a scalar counts as one id); NaN, complex and nested values refused."""
    if isinstance(ids, str | bytes) or np.ndim(ids) == 0:
        ids = [ids]
    try:
        array = np.asarray(ids)
    except ValueError:  # ragged nesting
        raise fail(argument, "a 1-D sequence of ids", ids) from None
    if array.ndim != 1:
        raise fail(argument, "a 1-D sequence of ids", array)
    if array.dtype.kind == "c":
        raise TypeError(f"{argument}: expected real or string ids, got complex values")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise fail(argument, "finite ids", "NaN or inf")
    if array.dtype.kind == "O":
        if any(isinstance(value, float) and not np.isfinite(value) for value in array):
            raise fail(argument, "ids without NaN", "NaN")
        kinds = {_id_kind(value) for value in array}
        if len(kinds) > 1:
            raise fail(argument, "ids of one kind (all numbers or all strings)", sorted(kinds))
        if kinds == {"string"}:
            array = array.astype(str)  # string ids as a NumPy string array (padding "")
    return array


def _id_kind(value: Any) -> str:
    if isinstance(value, str | np.str_):
        return "string"
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    return type(value).__name__


class IdIndex:
    """Original ids <-> contiguous indices, with unknown ids reported by value."""

    def __init__(self, ids: np.ndarray, what: str) -> None:
        self.ids = ids
        self.what = what
        self._index = pd.Index(ids)
        if not self._index.is_unique:
            duplicated = self._index[self._index.duplicated()].unique()
            raise fail(f"{what}_ids", "unique ids", f"repeated ids {_show_ids(list(duplicated))}")

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, ids: Any, argument: str) -> tuple[np.ndarray, np.ndarray]:
        """``(positions, known)``: the index of each id (-1 where unknown) and a mask."""
        array = as_id_array(ids, argument)
        if array.size == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=bool)
        try:
            positions = self._index.get_indexer(array)
        except TypeError as error:  # unorderable mixtures of types
            raise TypeError(f"{argument}: ids of an unusable type ({error})") from None
        positions = np.asarray(positions, dtype=np.intp)
        return positions, positions >= 0

    def index(self, ids: Any, argument: str) -> np.ndarray:
        """Indices of ``ids``; a ``ValueError`` listing every unknown id."""
        positions, known = self.lookup(ids, argument)
        if not np.all(known):
            unknown = list(pd.unique(as_id_array(ids, argument)[~known]))
            raise ValueError(
                f"{argument}: expected known {self.what} ids, got unknown ids {_show_ids(unknown)}"
            )
        return positions


class Interactions:
    """Interactions between users and items, with ids kept both ways.

    Build one with :meth:`from_frame` (a table of interactions, one row each) or
    :meth:`from_matrix` (a user x item matrix); the constructor takes a canonical CSR matrix.

    Parameters
    ----------
    matrix : scipy.sparse matrix or array of shape (n_users, n_items)
        Ratings or interaction weights; stored entries are the observed pairs (a dense array's
        zeros are "no interaction").
    user_ids, item_ids : array of shape (n_users,) / (n_items,), optional
        The original id of each row / column (default ``0 .. n - 1``); unique.
    timestamps : array of shape (nnz,), optional
        One time per stored entry, in the order of the canonical CSR matrix's ``data``.
    rating_scale : (low, high), optional
        The declared scale of explicit ratings; every rating must lie inside it, and models
        clip predictions to it. ``None`` for implicit feedback.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of shape (n_users, n_items), float64, canonical
    user_ids, item_ids : ndarray
    timestamps : ndarray of shape (nnz,) or None
    rating_scale : tuple of two floats or None
    n_duplicates : int
        Rows that :meth:`from_frame` aggregated into an existing (user, item) pair.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer": ["ann", "bob", "ann"], "product": ["tea", "tea", "mug"]})
    >>> data = Interactions.from_frame(frame, user="customer", item="product")
    >>> data.user_ids.tolist(), data.item_ids.tolist(), data.matrix.toarray().tolist()
    (['ann', 'bob'], ['mug', 'tea'], [[1.0, 1.0], [0.0, 1.0]])
    """

    def __init__(
        self,
        matrix: Any,
        user_ids: Any = None,
        item_ids: Any = None,
        *,
        timestamps: Any = None,
        rating_scale: tuple[float, float] | None = None,
    ) -> None:
        canonical_input = (
            sp.issparse(matrix) and matrix.format == "csr" and matrix.has_canonical_format
        )
        csr = _as_csr(matrix, "matrix")
        n_users, n_items = csr.shape
        self.matrix = csr
        self.user_ids = (
            np.arange(n_users) if user_ids is None else as_id_array(user_ids, "user_ids")
        )
        self.item_ids = (
            np.arange(n_items) if item_ids is None else as_id_array(item_ids, "item_ids")
        )
        if self.user_ids.shape[0] != n_users:
            raise fail("user_ids", f"{n_users} ids (one per row of matrix)", len(self.user_ids))
        if self.item_ids.shape[0] != n_items:
            raise fail("item_ids", f"{n_items} ids (one per column of matrix)", len(self.item_ids))
        self._users = IdIndex(self.user_ids, "user")
        self._items = IdIndex(self.item_ids, "item")
        self.rating_scale = _check_scale(rating_scale)
        if self.rating_scale is not None:
            _check_within_scale(csr.data, self.rating_scale, "matrix")
        if timestamps is not None:
            if not canonical_input and sp.issparse(matrix):
                raise fail(
                    "timestamps",
                    "a matrix in canonical CSR form (sorted indices, no duplicates) to align with",
                    f"a {matrix.format} matrix",
                )
            timestamps = _as_times(timestamps, "timestamps")
            if timestamps.shape != (csr.nnz,):
                raise fail("timestamps", f"one time per stored entry ({csr.nnz})", timestamps.shape)
        self.timestamps = timestamps
        self.n_duplicates = 0

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        user: str,
        item: str,
        rating: str | None = None,
        timestamp: str | None = None,
        weight: str | None = None,
        *,
        rating_scale: tuple[float, float] | None = None,
        duplicates: str = "auto",
    ) -> Interactions:
        """Interactions from a table with one row per interaction.

        Parameters
        ----------
        df : pandas.DataFrame
        user, item : str
            Columns holding the user and item ids (any hashable values; NaN refused).
        rating : str, optional
            Column of explicit ratings (finite; inside ``rating_scale`` when declared).
        timestamp : str, optional
            Column of times (numbers or datetimes) used by the temporal splits.
        weight : str, optional
            Column of implicit-feedback weights r_ui >= 0 (counts, quantities). Without
            ``rating`` and ``weight`` every row weighs 1. Rows of weight 0 carry no
            interaction and are dropped (with a warning saying how many).
        rating_scale : (low, high), optional
            The declared rating scale (explicit feedback only).
        duplicates : {"auto", "sum", "mean", "last", "error"}
            How rows repeating a (user, item) pair are aggregated; a warning states how many
            were. ``"auto"``: weights are summed (each row is one more event; the pair's time
            is its first), ratings keep the last one (by timestamp, else by row order; its
            time is kept). ``"mean"`` averages values and keeps the last time.
        """
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
        check_option(duplicates, "duplicates", DUPLICATE_RULES)
        for argument, column in (("user", user), ("item", item)):
            _check_column(df, column, argument)
        for argument, column in (("rating", rating), ("timestamp", timestamp), ("weight", weight)):
            if column is not None:
                _check_column(df, column, argument)
        if rating is not None and weight is not None:
            raise fail("weight", "either rating (explicit) or weight (implicit), not both", weight)
        if rating is None and rating_scale is not None:
            raise fail("rating_scale", "a rating column to apply to", rating_scale)
        scale = _check_scale(rating_scale)

        user_codes, user_ids = _factorize(df[user], "user")
        item_codes, item_ids = _factorize(df[item], "item")
        if rating is not None:
            values = _numeric_column(df[rating], "rating")
            if scale is not None:
                _check_within_scale(values, scale, "rating")
        elif weight is not None:
            values = _numeric_column(df[weight], "weight")
            negative = values < 0
            if np.any(negative):
                raise ValueError(
                    f"weight: expected non-negative confidences, got {int(negative.sum())} "
                    f"negative values (e.g. {values[negative][0]!r})"
                )
        else:
            values = np.ones(len(df))
        times = _as_times(df[timestamp].to_numpy(), "timestamp") if timestamp else None

        if weight is not None:
            keep = values > 0
            if not np.all(keep):
                warnings.warn(
                    f"from_frame: dropped {int((~keep).sum())} rows of weight 0 (no interaction)",
                    UserWarning,
                    stacklevel=2,
                )
                user_codes, item_codes, values = user_codes[keep], item_codes[keep], values[keep]
                times = None if times is None else times[keep]

        rule = duplicates if duplicates != "auto" else ("last" if rating is not None else "sum")
        keys = user_codes.astype(np.int64) * len(item_ids) + item_codes
        matrix, times, n_duplicates = _aggregate(
            keys, values, times, (len(user_ids), len(item_ids)), rule
        )
        if n_duplicates:
            what = {
                "sum": "weights summed, first time kept",
                "mean": "values averaged, last time kept",
                "last": "last value kept",
            }[rule]
            warnings.warn(
                f"from_frame: {n_duplicates} duplicate (user, item) rows aggregated ({what})",
                UserWarning,
                stacklevel=2,
            )
        result = cls(matrix, user_ids, item_ids, timestamps=times, rating_scale=scale)
        result.n_duplicates = n_duplicates
        return result

    @classmethod
    def from_matrix(
        cls,
        matrix: Any,
        user_ids: Any = None,
        item_ids: Any = None,
        *,
        rating_scale: tuple[float, float] | None = None,
    ) -> Interactions:
        """Interactions from a user x item matrix (sparse, or dense with 0 = no interaction)."""
        return cls(matrix, user_ids, item_ids, rating_scale=rating_scale)

    # ------------------------------------------------------------------ views
    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        return self.matrix.nnz

    def user_index(self, users: Any) -> np.ndarray:
        """Row index of each user id; a ``ValueError`` lists the unknown ones."""
        return self._users.index(users, "users")

    def item_index(self, items: Any) -> np.ndarray:
        """Column index of each item id; a ``ValueError`` lists the unknown ones."""
        return self._items.index(items, "items")

    def to_frame(self) -> pd.DataFrame:
        """One row per stored interaction: user, item, value (and timestamp)."""
        coo = self.matrix.tocoo()
        frame = pd.DataFrame(
            {"user": self.user_ids[coo.row], "item": self.item_ids[coo.col], "value": coo.data}
        )
        if self.timestamps is not None:
            frame["timestamp"] = self.timestamps
        return frame

    def __repr__(self) -> str:
        kind = "ratings" if self.rating_scale is not None else "interactions"
        return (
            f"Interactions({self.nnz:,} {kind}, {self.n_users:,} users x {self.n_items:,} items"
            + (", with timestamps" if self.timestamps is not None else "")
            + ")"
        )

    # ------------------------------------------------------------------ internal
    def _with_entries(self, keep: np.ndarray) -> Interactions:
        """The same id space with only the stored entries where ``keep`` (CSR data order)."""
        coo_rows = np.repeat(np.arange(self.n_users), np.diff(self.matrix.indptr))
        rows, cols = coo_rows[keep], self.matrix.indices[keep]
        counts = np.bincount(rows, minlength=self.n_users)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(self.matrix.indptr.dtype)
        matrix = sp.csr_matrix((self.matrix.data[keep], cols, indptr), shape=self.shape, copy=False)
        matrix.has_sorted_indices = True
        matrix.has_canonical_format = True
        result = Interactions.__new__(Interactions)
        result.matrix = matrix
        result.user_ids, result.item_ids = self.user_ids, self.item_ids
        result._users, result._items = self._users, self._items
        result.rating_scale = self.rating_scale
        result.timestamps = None if self.timestamps is None else self.timestamps[keep]
        result.n_duplicates = 0
        return result

    def _entry_rows(self) -> np.ndarray:
        """The row (user index) of every stored entry, in CSR data order."""
        return np.repeat(np.arange(self.n_users), np.diff(self.matrix.indptr))


# ---------------------------------------------------------------------- helpers


def _as_csr(matrix: Any, argument: str) -> sp.csr_matrix:
    """A canonical float64 CSR copy of a sparse or dense 2-D numeric matrix with finite values."""
    if sp.issparse(matrix):
        if matrix.ndim != 2:
            raise fail(argument, "a 2-D matrix", matrix.shape)
        if matrix.dtype.kind not in "biuf":
            if matrix.dtype.kind == "c":
                raise TypeError(f"{argument}: expected real values, got complex")
            raise fail(argument, "numeric values", f"dtype {matrix.dtype}")
        canonical = matrix.format == "csr" and matrix.has_canonical_format
        csr = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
        if not canonical:
            # Sums repeated entries and sorts the indices (and drops stored zeros: a
            # canonical input keeps its explicit zeros, e.g. ratings of 0 on a 0-5 scale).
            csr.sum_duplicates()
    else:
        dense = check_named_array(matrix, argument, dtype=np.float64, ensure_all_finite=False)
        csr = sp.csr_matrix(dense)
    if not np.all(np.isfinite(csr.data)):
        raise fail(argument, "finite values", "NaN or inf")
    if csr.shape[0] == 0 or csr.shape[1] == 0:
        raise fail(argument, "at least one user and one item", csr.shape)
    index_dtype = _index_dtype(csr.nnz, csr.shape)
    csr.indices = csr.indices.astype(index_dtype, copy=False)
    csr.indptr = csr.indptr.astype(index_dtype, copy=False)
    return csr


def _index_dtype(nnz: int, shape: tuple[int, int]) -> type:
    """int32 indices and pointers while they fit (scipy wants both of one type), else int64."""
    return np.int32 if max(nnz, *shape) < np.iinfo(np.int32).max else np.int64


def _check_column(df: pd.DataFrame, column: Any, argument: str) -> None:
    if not isinstance(column, str | int) or column not in df.columns:
        raise fail(argument, f"a column of df ({list(df.columns)[:8]})", column)


def _factorize(column: pd.Series, argument: str) -> tuple[np.ndarray, np.ndarray]:
    if len(column) == 0:
        raise fail(argument, "at least one interaction", "an empty column")
    if column.dtype.kind == "c":
        raise TypeError(f"{argument}: expected real or string ids, got complex values")
    if column.dtype.kind == "O":
        as_id_array(column.dropna().to_numpy(), argument)  # one kind of id, named if not
    codes, uniques = pd.factorize(column, sort=True)
    if np.any(codes < 0):
        raise fail(argument, "ids without missing values", f"{int((codes < 0).sum())} NaN ids")
    ids = as_id_array(np.asarray(uniques), argument)
    return codes.astype(np.int64), ids


def _numeric_column(column: pd.Series, argument: str) -> np.ndarray:
    if column.dtype.kind == "c":
        raise TypeError(f"{argument}: expected real numbers, got complex values")
    try:
        values = np.asarray(column, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail(argument, "numbers", f"values of dtype {column.dtype}") from None
    if not np.all(np.isfinite(values)):
        raise fail(argument, "finite values", f"{int((~np.isfinite(values)).sum())} NaN or inf")
    return values


def _as_times(times: Any, argument: str) -> np.ndarray:
    array = np.asarray(times)
    if array.dtype.kind == "M":
        if np.any(np.isnat(array)):
            raise fail(argument, "times without missing values", "NaT")
        return array.astype("datetime64[ns]")
    if array.dtype.kind == "c":
        raise TypeError(f"{argument}: expected real times, got complex values")
    try:
        numeric = array.astype(np.float64)
    except (TypeError, ValueError):
        raise fail(argument, "numbers or datetimes", f"values of dtype {array.dtype}") from None
    if not np.all(np.isfinite(numeric)):
        raise fail(argument, "finite times", "NaN or inf")
    return numeric


def _check_scale(scale: Any) -> tuple[float, float] | None:
    if scale is None:
        return None
    try:
        low, high = (float(value) for value in scale)
    except (TypeError, ValueError):
        raise fail("rating_scale", "a pair (low, high) of numbers", scale) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise fail("rating_scale", "finite low < high", scale)
    return low, high


def _check_within_scale(values: np.ndarray, scale: tuple[float, float], argument: str) -> None:
    outside = (values < scale[0]) | (values > scale[1])
    if np.any(outside):
        raise ValueError(
            f"{argument}: expected ratings within rating_scale [{scale[0]:g}, {scale[1]:g}], got "
            f"{int(outside.sum())} outside it (e.g. {values[outside][0]!r})"
        )


def _aggregate(
    keys: np.ndarray,
    values: np.ndarray,
    times: np.ndarray | None,
    shape: tuple[int, int],
    rule: str,
) -> tuple[sp.csr_matrix, np.ndarray | None, int]:
    """One entry per (user, item) key in CSR order: rows sorted by key, then time, then position."""
    order = (
        np.lexsort((np.arange(len(keys)), times, keys))
        if times is not None
        else np.argsort(keys, kind="stable")
    )
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    n_duplicates = len(keys) - len(starts)
    if n_duplicates and rule == "error":
        raise ValueError(
            f"duplicates: expected one row per (user, item) pair, got {n_duplicates} repeated rows"
        )
    ends = np.concatenate([starts[1:], [len(keys)]]) - 1
    if rule == "sum":
        aggregated = np.add.reduceat(values, starts)
    elif rule == "mean":
        aggregated = np.add.reduceat(values, starts) / (ends - starts + 1)
    else:  # last
        aggregated = values[ends]
    if times is not None:
        times = times[order][starts if rule == "sum" else ends]
    unique_keys = keys[starts]
    rows, cols = np.divmod(unique_keys, shape[1])
    counts = np.bincount(rows, minlength=shape[0])
    index_dtype = _index_dtype(len(unique_keys), shape)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(index_dtype)
    matrix = sp.csr_matrix((aggregated, cols.astype(index_dtype), indptr), shape=shape)
    matrix.has_sorted_indices = True
    matrix.has_canonical_format = True
    return matrix, times, n_duplicates
