"""Splits: disjoint halves over one id space, what each protocol promises, cold ids reported.

Reference for ``k_fold``: ``surprise.model_selection.KFold`` (the published MovieLens
protocol): the same number of folds of the same sizes, every rating in exactly one test fold.
The other expectations are recomputed here with pandas on the raw table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from recommend._data import movielens_frame, movielens_ratings

from glassml.recommend import Interactions, k_fold, leave_last_out, random_split, temporal_split


def entries(data: Interactions) -> set[tuple]:
    frame = data.to_frame()
    return set(zip(frame["user"], frame["item"], strict=True))


def check_partition(data, split):
    train, test = split
    assert train.user_ids is data.user_ids and test.item_ids is data.item_ids
    assert entries(train).isdisjoint(entries(test))
    assert entries(train) | entries(test) == entries(data)
    trained_users = set(train.to_frame()["user"])
    tested = test.to_frame()
    assert set(split.cold_users.tolist()) == set(tested["user"]) - trained_users
    assert set(split.cold_items.tolist()) == set(tested["item"]) - set(train.to_frame()["item"])


@pytest.fixture
def ratings(shared_data):
    return movielens_ratings(shared_data)


def test_k_fold_has_surprise_fold_sizes_and_tests_every_rating_once(ratings, shared_data):
    from surprise import Dataset, Reader
    from surprise.model_selection import KFold

    raw = movielens_frame(shared_data)
    dataset = Dataset.load_from_df(
        raw[["user_id", "item_id", "rating"]], Reader(rating_scale=(1, 5))
    )
    theirs = [len(test) for _, test in KFold(n_splits=5, random_state=0).split(dataset)]
    splits = list(k_fold(ratings, 5, random_state=0))
    assert [split.test.nnz for split in splits] == theirs
    tested = [entries(split.test) for split in splits]
    assert set().union(*tested) == entries(ratings)
    assert sum(len(fold) for fold in tested) == ratings.nnz
    check_partition(ratings, splits[0])
    assert len(splits[0].cold_items) > 0  # ML-100K has items rated once: some fold meets them


def test_random_split_is_stratified_per_user(ratings):
    split = random_split(ratings, 0.2, random_state=3)
    check_partition(ratings, split)
    counts = np.diff(ratings.matrix.indptr)
    tested = np.diff(split.test.matrix.indptr)
    np.testing.assert_array_equal(tested, np.minimum(np.rint(0.2 * counts), counts - 1))
    again = random_split(ratings, 0.2, random_state=3)
    assert entries(again.test) == entries(split.test)
    assert entries(random_split(ratings, 0.2, random_state=4).test) != entries(split.test)


def test_users_with_one_interaction_stay_in_training():
    data = Interactions.from_matrix(np.array([[1.0, 0, 0, 0], [1.0, 1.0, 1.0, 1.0]]))
    split = random_split(data, 0.9, random_state=0)
    # user 0: round(0.9) = 1 capped at n_u - 1 = 0; user 1: round(3.6) = 4 capped at 3
    assert np.diff(split.test.matrix.indptr).tolist() == [0, 3]


def test_leave_last_out_holds_out_each_users_latest(ratings, shared_data):
    split = leave_last_out(ratings, n=1)
    check_partition(ratings, split)
    raw = movielens_frame(shared_data)
    latest = raw.sort_values(["timestamp", "item_id"]).groupby("user_id").tail(1)
    assert entries(split.test) == set(zip(latest["user_id"], latest["item_id"], strict=True))


def test_temporal_split_trains_on_the_past_only(ratings):
    times = ratings.timestamps
    cutoff = np.quantile(times, 0.8)
    split = temporal_split(ratings, cutoff)
    check_partition(ratings, split)
    assert split.train.timestamps.max() < cutoff <= split.test.timestamps.min()
    span = temporal_split(ratings, test_span=0.2)
    expected = times.min() + 0.8 * (times.max() - times.min())
    assert span.train.timestamps.max() < expected <= span.test.timestamps.min()
    assert len(span.cold_users) > 0  # users who joined in the last fifth of the period


def test_temporal_split_with_datetimes():
    df = pd.DataFrame(
        {
            "u": [1, 1, 2],
            "i": [1, 2, 1],
            "t": pd.to_datetime(["2011-01-01", "2011-06-01", "2011-03-01"]),
        }
    )
    data = Interactions.from_frame(df, "u", "i", timestamp="t")
    split = temporal_split(data, pd.Timestamp("2011-05-01"))
    assert split.test.nnz == 1 and split.cold_items.tolist() == [2]
    with pytest.raises(ValueError, match="cutoff: expected a datetime"):
        temporal_split(data, "not a date")


def test_splits_refuse_what_they_cannot_do():
    data = Interactions.from_matrix(np.eye(3))
    with pytest.raises(ValueError, match="interactions: expected timestamps"):
        leave_last_out(data)
    with pytest.raises(ValueError, match="cutoff: expected exactly one"):
        temporal_split(data)
    with pytest.raises(ValueError, match="n_splits: expected at most"):
        list(k_fold(data, 4))
    with pytest.raises(TypeError, match="interactions: expected an Interactions"):
        random_split(np.eye(3))
    with pytest.raises(ValueError, match=r"test_size: expected a finite real number in \(0"):
        random_split(data, 1.5)
