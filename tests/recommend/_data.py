"""The real datasets of the recommend tests, through glassml.datasets.

MovieLens 100K may not be bundled (GroupLens licence): it is read from ../shared/data by
``load_movielens_100k(path)``. Online Retail is the copy bundled in the package
(``load_online_retail()``), the same rows as ../shared/data's file.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from glassml.datasets import load_movielens_100k, load_online_retail
from glassml.recommend import Interactions


@functools.cache
def movielens_frame(root: Path) -> pd.DataFrame:
    return load_movielens_100k(root / "movielens-100k").ratings


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
def online_retail_frame() -> pd.DataFrame:
    return load_online_retail().interactions


@functools.cache
def online_retail() -> Interactions:
    """Customer x product, weight = number of orders, time = the pair's first purchase."""
    return Interactions.from_frame(
        online_retail_frame(), "user_id", "item_id", weight="n_orders", timestamp="first_ts"
    )
