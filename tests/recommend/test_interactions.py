"""Interactions: ids both ways, one canonical CSR matrix, duplicates aggregated and counted.

No reference library: every expectation is computed here by hand (pandas groupby for the
aggregations) on tables small enough to read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from glassml.recommend import Interactions


def frame(**columns):
    return pd.DataFrame(columns)


def test_ids_are_mapped_to_contiguous_indices_both_ways():
    df = frame(user=["bob", "ann", "bob", "cy"], item=["85123A", "22423", "22423", "85123A"])
    data = Interactions.from_frame(df, "user", "item")
    assert data.user_ids.tolist() == ["ann", "bob", "cy"]
    assert data.item_ids.tolist() == ["22423", "85123A"]
    assert data.matrix.toarray().tolist() == [[1, 0], [1, 1], [0, 1]]
    assert data.user_index(["cy", "ann"]).tolist() == [2, 0]
    assert data.item_index("85123A").tolist() == [1]
    back = data.to_frame()
    pairs = set(zip(back["user"], back["item"], strict=True))
    assert pairs == set(zip(df["user"], df["item"], strict=True))
    assert data.matrix.has_canonical_format and data.matrix.dtype == np.float64


def test_unknown_ids_are_listed():
    data = Interactions.from_frame(frame(u=[1, 2], i=[3, 4]), "u", "i")
    with pytest.raises(ValueError, match=r"users: .*unknown ids \[7, 9\]"):
        data.user_index([1, 7, 9])


def test_duplicates_are_summed_for_weights_with_a_warning_counting_them():
    df = frame(
        u=[1, 1, 2, 1, 2],
        i=["a", "a", "b", "a", "c"],
        w=[1.0, 2.0, 5.0, 3.0, 1.0],
        t=[5, 1, 2, 9, 3],
    )
    with pytest.warns(UserWarning, match="2 duplicate"):
        data = Interactions.from_frame(df, "u", "i", weight="w", timestamp="t")
    assert data.n_duplicates == 2
    expected = df.groupby(["u", "i"]).agg(w=("w", "sum"), t=("t", "min")).reset_index()
    got = data.to_frame()
    assert got["value"].tolist() == expected["w"].tolist()
    assert got["timestamp"].tolist() == expected["t"].tolist()  # a pair exists from its first


def test_duplicate_ratings_keep_the_latest_by_time():
    df = frame(u=[1, 1, 1], i=[7, 7, 8], r=[2.0, 5.0, 3.0], t=[10, 3, 4])
    with pytest.warns(UserWarning, match="1 duplicate"):
        data = Interactions.from_frame(df, "u", "i", rating="r", timestamp="t")
    assert data.to_frame()[["value", "timestamp"]].values.tolist() == [[2.0, 10], [3.0, 4]]


@pytest.mark.parametrize(("rule", "value"), [("mean", 2.0), ("last", 3.0), ("sum", 4.0)])
def test_duplicate_rules(rule, value):
    df = frame(u=[1, 1], i=[7, 7], r=[1.0, 3.0])
    with pytest.warns(UserWarning, match="duplicate"):
        data = Interactions.from_frame(df, "u", "i", rating="r", duplicates=rule)
    assert data.matrix.data.tolist() == [value]


def test_duplicates_error_rule_refuses():
    with pytest.raises(ValueError, match=r"duplicates: .*1 repeated"):
        Interactions.from_frame(frame(u=[1, 1], i=[7, 7]), "u", "i", duplicates="error")


def test_bad_input_gets_named_errors():
    df = frame(u=[1, 2], i=[3, 4], r=[1.0, 9.0], w=[1.0, -2.0], t=[1.0, np.nan])
    with pytest.raises(ValueError, match=r"rating: expected ratings within rating_scale \[1, 5\]"):
        Interactions.from_frame(df, "u", "i", rating="r", rating_scale=(1, 5))
    with pytest.raises(ValueError, match="weight: expected non-negative confidences"):
        Interactions.from_frame(df, "u", "i", weight="w")
    with pytest.raises(ValueError, match="timestamp: expected finite"):
        Interactions.from_frame(df, "u", "i", timestamp="t")
    with pytest.raises(ValueError, match="weight: expected either rating"):
        Interactions.from_frame(df, "u", "i", rating="r", weight="w")
    with pytest.raises(ValueError, match="user: expected a column of df"):
        Interactions.from_frame(df, "user", "i")
    with pytest.raises(ValueError, match="user: expected ids without missing values"):
        Interactions.from_frame(frame(u=[1.0, np.nan], i=[3, 4]), "u", "i")
    with pytest.raises(TypeError, match="df: expected a pandas DataFrame"):
        Interactions.from_frame(df.values, "u", "i")
    with pytest.raises(ValueError, match="rating_scale: expected finite low < high"):
        Interactions.from_frame(df, "u", "i", rating="r", rating_scale=(5, 1))


def test_weights_of_zero_are_dropped_with_a_warning():
    df = frame(u=[1, 2, 3], i=[3, 4, 5], w=[1.0, 0.0, 2.0])
    with pytest.warns(UserWarning, match="dropped 1 rows of weight 0"):
        data = Interactions.from_frame(df, "u", "i", weight="w")
    assert data.nnz == 2 and data.n_users == 3  # the user stays known, with no interaction


def test_explicit_ratings_of_zero_are_kept():
    df = frame(u=[1, 2], i=[3, 3], r=[0.0, 4.0])
    data = Interactions.from_frame(df, "u", "i", rating="r", rating_scale=(0, 5))
    assert data.nnz == 2 and sorted(data.matrix.data.tolist()) == [0.0, 4.0]


def test_from_matrix_dense_zeros_are_no_interaction_and_sparse_duplicates_are_summed():
    dense = np.array([[0.0, 2.0], [1.0, 0.0]])
    assert Interactions.from_matrix(dense).nnz == 2
    coo = sp.coo_matrix(([1.0, 2.0, 4.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 3))
    data = Interactions.from_matrix(coo, user_ids=["x", "y"], item_ids=[10, 20, 30])
    assert data.matrix.toarray().tolist() == [[0, 3, 0], [4, 0, 0]]
    with pytest.raises(ValueError, match="user_ids: expected 2 ids"):
        Interactions.from_matrix(coo, user_ids=["x"])
    with pytest.raises(ValueError, match="item_ids: expected unique ids"):
        Interactions.from_matrix(coo, item_ids=[1, 1, 2])
    with pytest.raises(ValueError, match="matrix: expected finite values"):
        Interactions.from_matrix(np.array([[np.inf, 1.0]]))


def test_datetime_timestamps_are_kept_as_datetimes():
    df = frame(u=[1, 2], i=[3, 4], t=pd.to_datetime(["2011-01-02", "2011-05-06"]))
    data = Interactions.from_frame(df, "u", "i", timestamp="t")
    assert data.timestamps.dtype.kind == "M"
    assert "with timestamps" in repr(data)
