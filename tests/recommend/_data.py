"""The real datasets of the recommend tests, read straight from ../shared/data.

MovieLens 100K may not be bundled (GroupLens licence) and ``glassml.datasets`` is not on main
yet, so the tests read the raw files: ``u.data`` (tab-separated user, item, rating, time) and
Online Retail's interaction table (one row per customer and product).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from glassml.recommend import Interactions


@functools.cache
def movielens_frame(root: Path) -> pd.DataFrame:
    return pd.read_csv(
        root / "movielens-100k" / "u.data",
        sep="\t",
        names=["user_id", "item_id", "rating", "timestamp"],
    )


@functools.cache
def movielens_ratings(root: Path) -> Interactions:
    return Interactions.from_frame(
        movielens_frame(root),
        "user_id",
        "item_id",
        rating="rating",
        timestamp="timestamp",
        rating_scale=(1, 5),
    )


@functools.cache
def movielens_binary(root: Path) -> Interactions:
    """Every rating as one implicit interaction (weight 1), the usual "binarised" ML-100K."""
    return Interactions.from_frame(
        movielens_frame(root), "user_id", "item_id", timestamp="timestamp"
    )


@functools.cache
def online_retail_frame(root: Path) -> pd.DataFrame:
    return pd.read_csv(root / "online-retail" / "online_retail_interactions.csv.gz")


@functools.cache
def online_retail(root: Path) -> Interactions:
    """Customer x product, weight = number of orders, time = the pair's first purchase."""
    return Interactions.from_frame(
        online_retail_frame(root), "user_id", "item_id", weight="n_orders", timestamp="first_ts"
    )
