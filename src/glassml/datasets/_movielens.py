"""GroupLens MovieLens 100K: loaded from the user's copy only (its licence forbids bundling)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from glassml.datasets._files import (
    Member,
    PathLike,
    Source,
    bad_file,
    read_csv,
    reading,
    require_field_count,
    require_finite,
    require_integers,
)
from glassml.datasets._registry import MOVIELENS, make_bunch

GENRES = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
]
RATING_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
ITEM_COLUMNS = ["item_id", "title", "release_date", "video_release_date", "imdb_url", *GENRES]
USER_COLUMNS = ["user_id", "age", "gender", "occupation", "zip_code"]


def load_movielens_100k(path: PathLike) -> Bunch:
    """MovieLens 100K ratings, movies and users, from a folder or ``ml-100k.zip`` you give.

    Parameters
    ----------
    path : str or os.PathLike
        Required: the ``ml-100k`` folder or GroupLens' ``ml-100k.zip``, holding ``u.data``,
        ``u.item`` and ``u.user``. MovieLens is not bundled: its licence forbids
        redistribution.

    Returns
    -------
    sklearn.utils.Bunch
        ``ratings``: DataFrame user_id, item_id, rating (1-5), timestamp (unix seconds), all
        int64. ``items``: item_id, title, release_date (datetime), video_release_date,
        imdb_url and 19 genre flags (0/1, named as in ``u.genre``). ``users``: user_id, age,
        gender, occupation, zip_code (str). ``description``, ``licence``, ``citation``,
        ``source``, ``files``.

    Notes
    -----
    ``u.item`` is latin-1 ("Misérables"); the others are ASCII. Every rating's user and item
    must appear in ``users`` and ``items``.

    Examples
    --------
    >>> from glassml.datasets import load_movielens_100k
    >>> load_movielens_100k("no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: path: expected an existing file or folder, got 'no/such/folder' (not found)
    """
    if path is None:
        raise ValueError(
            "path: expected the ml-100k folder or ml-100k.zip (MovieLens may not be bundled: "
            "its licence forbids redistribution), got None"
        )
    source = Source(path, None)
    source.require_folder("the ml-100k folder holding u.data, u.item and u.user")
    members = [source.member(name) for name in ("u.data", "u.item", "u.user")]
    ratings = _read_ratings(members[0])
    items = _read_items(members[1])
    users = _read_users(members[2])
    for column, table, member in (("user_id", users, members[2]), ("item_id", items, members[1])):
        unknown = ~ratings[column].isin(table[column])
        if unknown.any():
            raise bad_file(
                member.shown,
                f"a row for every {column} of u.data",
                f"no row for {column} {int(ratings.loc[unknown, column].iloc[0])}",
            )
    return make_bunch(
        MOVIELENS,
        members,
        ratings=ratings,
        items=items,
        users=users,
    )


def _read_ratings(member: Member) -> pd.DataFrame:
    what = "MovieLens u.data (user, item, rating, timestamp; tab-separated)"
    frame = read_csv(member, what, sep="\t", header=None)
    require_field_count(frame, len(RATING_COLUMNS), member, what)
    frame.columns = RATING_COLUMNS
    require_finite(frame, RATING_COLUMNS, member, what)
    require_integers(frame, RATING_COLUMNS, member, what)
    if not frame["rating"].between(1, 5).all():
        raise bad_file(member.shown, f"{what}: ratings 1 to 5", f"{frame['rating'].min()}")
    return frame


def _read_items(member: Member) -> pd.DataFrame:
    what = "MovieLens u.item (24 '|'-separated fields, latin-1)"
    frame = read_csv(
        member,
        what,
        sep="|",
        header=None,
        encoding="latin-1",
        keep_default_na=False,
        na_values=[""],
        dtype={1: str, 2: str, 3: str, 4: str},
    )
    require_field_count(frame, len(ITEM_COLUMNS), member, what)
    frame.columns = ITEM_COLUMNS
    require_finite(frame, ["item_id", *GENRES], member, what)
    require_integers(frame, ["item_id", *GENRES], member, what)
    with reading(member, what):
        frame["release_date"] = pd.to_datetime(frame["release_date"], format="%d-%b-%Y")
        frame["video_release_date"] = pd.to_datetime(frame["video_release_date"], format="%d-%b-%Y")
    flags = frame[GENRES].to_numpy()
    if not np.isin(flags, (0, 1)).all():
        raise bad_file(member.shown, f"{what}: genre flags 0 or 1", "other values")
    return frame


def _read_users(member: Member) -> pd.DataFrame:
    what = "MovieLens u.user (user, age, gender, occupation, zip code; '|'-separated)"
    frame = read_csv(member, what, sep="|", header=None, dtype={2: str, 3: str, 4: str})
    require_field_count(frame, len(USER_COLUMNS), member, what)
    frame.columns = USER_COLUMNS
    require_finite(frame, ["user_id", "age"], member, what)
    require_integers(frame, ["user_id", "age"], member, what)
    return frame
