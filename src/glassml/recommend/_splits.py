"""Train/test splits of interactions that say what they did.

A split keeps the full id space: ``train`` and ``test`` are :class:`Interactions` over the same
users and items, so a model fitted on ``train`` ranks exactly the columns of ``test``. Users
and items that appear in ``test`` but never in ``train`` (cold) stay in ``test`` and are listed
in ``cold_users`` / ``cold_items``: a metric computed on the test set then decides, visibly,
what to do with them (``evaluate`` reports how many users it could not rank).

Why the split matters. A random split puts next month's purchases into the training data and
asks the model to "predict" last month's: the model is rewarded for knowing the future (a
seasonal best-seller is "recommended" before it existed). ``temporal_split`` and
``leave_last_out`` train only on what was known at the time of the recommendation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassml._validation import check_bool, check_count, check_probability, fail
from glassml.recommend._common import generator
from glassml.recommend._interactions import Interactions, as_id_array


@dataclass(frozen=True, repr=False)
class Split:
    """A train/test split over one id space; unpacks as ``train, test = split``.

    Attributes
    ----------
    train, test : Interactions
        Disjoint stored entries, same ``user_ids`` and ``item_ids``.
    cold_users, cold_items : ndarray
        Ids of users / items with test interactions and none in training.
    """

    train: Interactions
    test: Interactions
    cold_users: np.ndarray
    cold_items: np.ndarray

    def __post_init__(self) -> None:
        for argument in ("train", "test"):
            if not isinstance(getattr(self, argument), Interactions):
                raise TypeError(
                    f"{argument}: expected an Interactions object, got "
                    f"{type(getattr(self, argument)).__name__}"
                )
        if not (
            np.array_equal(self.train.user_ids, self.test.user_ids)
            and np.array_equal(self.train.item_ids, self.test.item_ids)
        ):
            raise fail("test", "the users and items of train (one id space)", self.test)
        for argument, known in (
            ("cold_users", self.train._users),
            ("cold_items", self.train._items),
        ):
            ids = as_id_array(getattr(self, argument), argument)
            if ids.size:
                known.index(ids, argument)  # cold ids are ids of the split, named if not
            object.__setattr__(self, argument, ids)

    def __iter__(self) -> Iterator[Interactions]:
        return iter((self.train, self.test))

    def __repr__(self) -> str:
        return (
            f"Split(train={self.train.nnz:,}, test={self.test.nnz:,} interactions; "
            f"cold: {len(self.cold_users):,} users, {len(self.cold_items):,} items)"
        )


def _make_split(interactions: Interactions, in_test: np.ndarray) -> Split:
    train = interactions._with_entries(~in_test)
    test = interactions._with_entries(in_test)
    train_users = np.diff(train.matrix.indptr) > 0
    test_users = np.diff(test.matrix.indptr) > 0
    train_items = np.bincount(train.matrix.indices, minlength=interactions.n_items) > 0
    test_items = np.bincount(test.matrix.indices, minlength=interactions.n_items) > 0
    return Split(
        train=train,
        test=test,
        cold_users=interactions.user_ids[test_users & ~train_users],
        cold_items=interactions.item_ids[test_items & ~train_items],
    )


def _check_interactions(interactions: Any) -> Interactions:
    if not isinstance(interactions, Interactions):
        raise TypeError(
            f"interactions: expected an Interactions object, got {type(interactions).__name__}"
        )
    return interactions


def _rank_within_users(rows: np.ndarray, keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """0-based rank of each entry among its user's entries, ordered by ``keys`` (last primary)."""
    order = np.lexsort((*keys, rows))
    ranks = np.empty(len(rows), dtype=np.int64)
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_rows[1:] != sorted_rows[:-1]]))
    group_start = np.repeat(starts, np.diff(np.concatenate([starts, [len(rows)]])))
    ranks[order] = np.arange(len(rows)) - group_start
    return ranks


def random_split(
    interactions: Interactions, test_size: float = 0.2, random_state: Any = None
) -> Split:
    """Per-user stratified random split: each user keeps about ``1 - test_size`` in training.

    User u with n_u interactions puts ``min(round(test_size * n_u), n_u - 1)`` of them
    (rounding half to even), chosen uniformly at random, in the test set, so every user
    keeps at least one training interaction (users with one interaction, or too few for a
    test share, are train-only).
    This is the "masked entries" protocol of the implicit-feedback literature; it ignores
    time, so it leaks the future when interactions have dates (see :func:`temporal_split`).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> data = Interactions.from_matrix(sp.csr_matrix(np.ones((3, 10))))
    >>> split = random_split(data, test_size=0.2, random_state=0)
    >>> split.train.nnz, split.test.nnz
    (24, 6)
    """
    interactions = _check_interactions(interactions)
    test_size = check_probability(test_size, "test_size")
    rng = generator(random_state)
    rows = interactions._entry_rows()
    counts = np.diff(interactions.matrix.indptr)
    n_test = np.minimum(np.rint(test_size * counts), np.maximum(counts - 1, 0)).astype(np.int64)
    ranks = _rank_within_users(rows, (rng.random(len(rows)),))
    return _make_split(interactions, ranks < n_test[rows])


def _times(interactions: Interactions, function: str) -> np.ndarray:
    if interactions.timestamps is None:
        raise fail(
            "interactions",
            f"timestamps for {function} (Interactions.from_frame(..., timestamp=...))",
            "interactions without timestamps",
        )
    times = interactions.timestamps
    return times.astype(np.int64) if times.dtype.kind == "M" else times


def leave_last_out(interactions: Interactions, n: int = 1) -> Split:
    """Each user's last ``n`` interactions (by time) are the test set.

    Users keep at least one interaction in training: a user with ``n_u <= n`` interactions
    contributes ``n_u - 1``. Ties in time are broken by item order (deterministic).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"u": [1, 1, 1, 2], "i": [10, 11, 12, 10], "t": [3, 1, 2, 5]})
    >>> split = leave_last_out(Interactions.from_frame(frame, "u", "i", timestamp="t"))
    >>> split.test.to_frame()[["user", "item"]].values.tolist()
    [[1, 10]]
    """
    interactions = _check_interactions(interactions)
    n = check_count(n, "n")
    times = _times(interactions, "leave_last_out")
    rows = interactions._entry_rows()
    counts = np.diff(interactions.matrix.indptr)
    # Rank from the end: sort by (-time, -column) within each user.
    ranks = _rank_within_users(rows, (-interactions.matrix.indices.astype(np.int64), -times))
    n_test = np.minimum(n, np.maximum(counts - 1, 0))
    return _make_split(interactions, ranks < n_test[rows])


def temporal_split(
    interactions: Interactions, cutoff: Any = None, *, test_span: float | None = None
) -> Split:
    """Everything at or after ``cutoff`` is the test set: train on the past, test on the future.

    Give exactly one of ``cutoff`` (a time of the same kind as the timestamps: a number, or a
    datetime) and ``test_span`` (a fraction in (0, 1): the last ``test_span`` of the time span
    ``[t_min, t_max]`` is the test period, ``cutoff = t_min + (1 - test_span)(t_max - t_min)``).
    Users first seen after the cut-off are cold (listed in the split).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"u": [1, 1, 2, 2], "i": [10, 11, 10, 12], "t": [0, 8, 2, 10]})
    >>> split = temporal_split(Interactions.from_frame(frame, "u", "i", timestamp="t"), 5)
    >>> split.train.nnz, split.test.nnz, split.cold_items.tolist()
    (2, 2, [11, 12])
    """
    interactions = _check_interactions(interactions)
    if (cutoff is None) == (test_span is None):
        raise fail("cutoff", "exactly one of cutoff and test_span", (cutoff, test_span))
    times = _times(interactions, "temporal_split")
    if test_span is not None:
        test_span = check_probability(test_span, "test_span")
        low, high = float(times.min()), float(times.max())
        threshold = low + (1.0 - test_span) * (high - low)
    else:
        threshold = _cutoff_value(cutoff, interactions.timestamps)
    return _make_split(interactions, times >= threshold)


def _cutoff_value(cutoff: Any, timestamps: np.ndarray) -> float:
    if timestamps.dtype.kind == "M":
        try:
            value = np.datetime64(cutoff, "ns")
        except (TypeError, ValueError):
            raise fail("cutoff", "a datetime like the timestamps", cutoff) from None
        if np.isnat(value):
            raise fail("cutoff", "a datetime like the timestamps", cutoff)
        return float(value.astype(np.int64))
    if isinstance(cutoff, bool | np.bool_ | str | bytes) or not np.isrealobj(cutoff):
        raise fail("cutoff", "a number like the timestamps", cutoff)
    try:
        value = float(cutoff)
    except (TypeError, ValueError):
        raise fail("cutoff", "a number like the timestamps", cutoff) from None
    if not np.isfinite(value):
        raise fail("cutoff", "a finite time", cutoff)
    return value


def k_fold(
    interactions: Interactions,
    n_splits: int = 5,
    *,
    shuffle: bool = True,
    random_state: Any = None,
) -> Iterator[Split]:
    """``n_splits`` folds over all interactions: each is the test set once.

    The protocol of Surprise's ``KFold`` (and of the published MovieLens tables): the stored
    interactions are shuffled once and cut into ``n_splits`` contiguous folds whose sizes
    differ by at most one (the first ``nnz % n_splits`` folds are one larger). It is not
    stratified by user, so a fold may hold a user's (or an item's) only ratings: those are
    listed as cold in that fold's split.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> data = Interactions.from_matrix(sp.csr_matrix(np.arange(1.0, 13.0).reshape(3, 4)))
    >>> [split.test.nnz for split in k_fold(data, n_splits=5, random_state=0)]
    [3, 3, 2, 2, 2]
    """
    interactions = _check_interactions(interactions)
    n_splits = check_count(n_splits, "n_splits", minimum=2)
    shuffle = check_bool(shuffle, "shuffle")
    if n_splits > interactions.nnz:
        raise fail("n_splits", f"at most the number of interactions ({interactions.nnz})", n_splits)
    order = (
        generator(random_state).permutation(interactions.nnz)
        if shuffle
        else np.arange(interactions.nnz)
    )
    folds = np.array_split(order, n_splits)

    def splits() -> Iterator[Split]:
        for fold in folds:
            in_test = np.zeros(interactions.nnz, dtype=bool)
            in_test[fold] = True
            yield _make_split(interactions, in_test)

    return splits()
