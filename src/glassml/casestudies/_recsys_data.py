"""The recommendation study's data: Online Retail (bundled) or a MovieLens 100K folder.

Each loader checks its data, states what it found and what is done about it (one row per
check), and returns the implicit-feedback interactions every ranking model reads: one entry per
(user, item) pair, timed at its first event, so a temporal split asks "which *new* items will
this user take next?". MovieLens also keeps its explicit 1-5 ratings for the rating protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from glassml.recommend import Interactions

DAY = 86_400
PRICE_BANDS = (0.0, 1.0, 2.0, 5.0, 10.0, np.inf)
PRICE_LABELS = ("under £1", "£1–2", "£2–5", "£5–10", "£10 and more")
# A film's main genre for the map: the first of these it carries (rarer, more telling genres
# first; nearly every film is also a drama or a comedy).
GENRES = ("Animation", "Children's", "Horror", "Sci-Fi", "Action", "Romance", "Comedy", "Drama")


@dataclass
class Prepared:
    """Checked data, ready for the models."""

    title: str  # "Online Retail" or "MovieLens 100K"
    user_word: str  # "customer" / "user"
    item_word: str  # "product" / "film"
    interactions: Interactions  # binary, timestamp = first event of the pair
    labels: pd.Series  # item id -> description or title
    groups: pd.Series  # item id -> band for the map of item factors
    group_title: str
    quality: list[dict] = field(default_factory=list)  # check / found / handling
    files: list[str] = field(default_factory=list)
    ratings: Interactions | None = None  # explicit ratings (MovieLens)
    # Implicit feedback with confidence (orders per pair) for the published masked protocol.
    confidence: Interactions | None = None
    rating_counts: pd.Series | None = None


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 1 - 2 (area under the Lorenz curve),
    the area by the trapezoid rule over the sorted cumulative shares."""
    shares = lorenz(counts)[1]
    width = 1.0 / (len(shares) - 1)
    return float(1.0 - 2.0 * width * np.sum((shares[1:] + shares[:-1]) / 2.0))


def lorenz(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative share of items (least popular first) against cumulative share of events."""
    ordered = np.sort(np.asarray(counts, dtype=np.float64))
    events = np.concatenate([[0.0], np.cumsum(ordered)]) / ordered.sum()
    return np.linspace(0.0, 1.0, len(ordered) + 1), events


def _top_share(counts: np.ndarray, fraction: float) -> float:
    ordered = np.sort(np.asarray(counts, dtype=np.float64))[::-1]
    return float(ordered[: max(1, round(fraction * len(ordered)))].sum() / ordered.sum())


def _date(seconds: float) -> str:
    return pd.Timestamp(seconds, unit="s").strftime("%Y-%m-%d")


def _long_tail_row(counts: np.ndarray, item_word: str, user_word: str) -> dict:
    return {
        "check": "long tail of popularity",
        "found": (
            f"Gini {gini(counts):.2f}; the top 10 % of {item_word}s hold "
            f"{_top_share(counts, 0.1):.0%} of the {user_word}–{item_word} pairs, the bottom "
            f"half {1 - _top_share(counts, 0.5):.0%}"
        ),
        "handling": (
            "best-sellers are the baseline to beat; catalogue coverage is reported so a model "
            "that only repeats the head is visible"
        ),
    }


def load_online_retail_study() -> Prepared:
    from glassml.datasets import load_online_retail

    bunch = load_online_retail()
    frame = bunch.interactions
    items = bunch.items.set_index("item_id")
    n_users, n_items = frame["user_id"].nunique(), frame["item_id"].nunique()
    partial = int(((frame["returned"] > 0) & ~bunch.fully_returned).sum())
    bulk = frame.nlargest(2, "quantity")
    bulk_text = "; ".join(
        f"{int(row.quantity):,} × {items.loc[row.item_id, 'description']} "
        f"(customer {row.user_id}, {int(row.returned):,} returned)"
        for row in bulk.itertuples()
    )
    all_back = bool(np.all(bulk["returned"] >= bulk["quantity"]))
    kept = frame[~bunch.fully_returned]
    per_user = kept.groupby("user_id").agg(
        products=("item_id", "size"),
        first=("first_ts", "min"),
        last=("last_ts", "max"),
        times=("first_ts", "nunique"),
    )
    one_order = int(((per_user["times"] == 1) & (per_user["first"] == per_user["last"])).sum())
    one_product = int((per_user["products"] == 1).sum())
    counts = kept.groupby("item_id").size().to_numpy()
    quality = [
        {
            "check": "size and period",
            "found": (
                f"{len(frame):,} customer–product pairs, {n_users:,} customers, {n_items:,} "
                f"products, {_date(frame['first_ts'].min())} to {_date(frame['last_ts'].max())}"
            ),
            "handling": "implicit feedback: a purchase is a signal, a missing pair is unknown",
        },
        {
            "check": "cancellations and returns",
            "found": (
                f"{bunch.n_fully_returned:,} pairs fully returned (returned units >= units "
                f"bought); {partial:,} more partly returned"
            ),
            "handling": (
                "fully returned pairs dropped (a product sent back is not a preference); "
                "partly returned ones kept"
            ),
        },
        {
            "check": "bulk orders",
            "found": f"two single orders far above the rest: {bulk_text}",
            "handling": (
                ("both were cancelled in full, so the rule above drops them; " if all_back else "")
                + "quantities are never used as confidence (one wholesale order would outweigh "
                "a year of a customer's purchases)"
            ),
        },
        {
            "check": "repeat purchases",
            "found": (
                f"{(kept['n_orders'] > 1).mean():.0%} of pairs were ordered more than once "
                f"(up to {int(kept['n_orders'].max())} times)"
            ),
            "handling": (
                "a pair counts once, at its first purchase: the test period asks for "
                "products new to the customer, the useful recommendation"
            ),
        },
        _long_tail_row(counts, "product", "customer"),
        {
            "check": "single-purchase customers",
            "found": (
                f"{one_order:,} customers ({one_order / len(per_user):.0%}) placed all their "
                f"purchases in one order; {one_product:,} bought a single product"
            ),
            "handling": (
                "kept for training; reported as the light-history slice, and customers first "
                "seen after the cut-off as cold (shown best-sellers)"
            ),
        },
    ]
    data = Interactions.from_frame(kept, "user_id", "item_id", timestamp="first_ts")
    price = items["median_unit_price_gbp"]
    groups = pd.cut(price, PRICE_BANDS, labels=PRICE_LABELS, right=False).astype(str)
    return Prepared(
        title="Online Retail",
        user_word="customer",
        item_word="product",
        interactions=data,
        labels=items["description"].fillna("(no description)"),
        groups=groups,
        group_title="median unit price",
        quality=quality,
        files=list(bunch.files),
        confidence=Interactions.from_frame(
            kept, "user_id", "item_id", weight="n_orders", timestamp="first_ts"
        ),
    )


def load_movielens_study(folder: Path) -> Prepared:
    from glassml.datasets import load_movielens_100k

    bunch = load_movielens_100k(folder)  # named FileNotFoundError/ValueError before any work
    ratings = bunch.ratings
    items = bunch.items.set_index("item_id")
    n_users, n_items = ratings["user_id"].nunique(), ratings["item_id"].nunique()
    explicit = Interactions.from_frame(
        ratings, "user_id", "item_id", rating="rating", timestamp="timestamp", rating_scale=(1, 5)
    )
    per_user = ratings.groupby("user_id").size()
    counts = ratings.groupby("item_id").size().to_numpy()
    same_second = ratings.duplicated(["user_id", "timestamp"]).mean()
    shares = ratings["rating"].value_counts(normalize=True).sort_index()
    quality = [
        {
            "check": "size and period",
            "found": (
                f"{len(ratings):,} ratings by {n_users:,} users of {n_items:,} films, "
                f"{_date(ratings['timestamp'].min())} to {_date(ratings['timestamp'].max())}; "
                f"{len(ratings) / (n_users * n_items):.1%} of the matrix observed"
            ),
            "handling": "explicit 1–5 stars; also read as implicit feedback (a rating = a view)",
        },
        {
            "check": "rating distribution",
            "found": ", ".join(f"{int(r)}★ {s:.0%}" for r, s in shares.items())
            + f"; mean {ratings['rating'].mean():.2f}",
            "handling": "user and item biases model the offsets before any factor does",
        },
        {
            "check": "duplicates",
            "found": f"{explicit.n_duplicates} repeated (user, film) ratings",
            "handling": "none to aggregate",
        },
        {
            "check": "users with few ratings",
            "found": (
                f"every user has at least {int(per_user.min())} ratings (median "
                f"{int(per_user.median())}); {int(np.sum(counts < 5)):,} films have fewer than 5"
            ),
            "handling": "rare films are kept; their biases are shrunk by regularisation",
        },
        _long_tail_row(counts, "film", "user"),
        {
            "check": "ratings entered in batches",
            "found": (
                f"{same_second:.0%} of ratings share their second with an earlier rating "
                "by the same user (sign-up sessions)"
            ),
            "handling": (
                "the temporal split cuts by time, so a session can straddle the cut-off; "
                "the 5-fold protocol is the published one and is kept as is"
            ),
        },
    ]
    flags = items[[genre for genre in GENRES if genre in items.columns]]
    groups = flags.idxmax(axis=1).where(flags.any(axis=1), "other")
    return Prepared(
        title="MovieLens 100K",
        user_word="user",
        item_word="film",
        interactions=Interactions.from_frame(ratings, "user_id", "item_id", timestamp="timestamp"),
        labels=items["title"].fillna("(no title)"),
        groups=groups,
        group_title="main genre",
        quality=quality,
        files=[str(path) for path in bunch.files],
        ratings=explicit,
        rating_counts=shares,
    )
