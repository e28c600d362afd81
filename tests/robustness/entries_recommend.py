"""Robustness entries for glassml.recommend (see framework.py).

Every public function and class, the ``Interactions`` constructors and methods, and every
model's ``fit``, ``recommend``, ``similar_items``, ``predict`` (pairs, and rows folded in) and
``partial_fit``.

Ids are not numbers: a list of ids made of the string "word" is a valid (if unknown) list, and
an empty list of ids a valid query returning nothing; those families are skipped with that
reason. The factor models refuse data of magnitude above 1e100 by name (they square their
values and their penalties are not scale-equivariant); the counting models and the
scale-free metrics declare how their results transform.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml.recommend import (
    BPR,
    BaselineOnly,
    ExplicitALS,
    FunkSVD,
    ImplicitALS,
    Interactions,
    ItemKNN,
    Popularity,
    Split,
    auc,
    coverage,
    evaluate,
    k_fold,
    leave_last_out,
    mae,
    map_at_k,
    mrr,
    ndcg_at_k,
    padding_id,
    precision_at_k,
    random_split,
    recall_at_k,
    rmse,
    temporal_split,
)

RATINGS = np.array(
    [
        [5, 3, 0, 1, 0, 0],
        [4, 0, 0, 1, 2, 0],
        [1, 1, 0, 5, 0, 4],
        [0, 1, 5, 4, 0, 0],
        [0, 0, 4, 0, 5, 1],
        [2, 0, 0, 0, 3, 5],
        [0, 4, 1, 0, 0, 3],
        [3, 0, 2, 0, 4, 0],
    ],
    dtype=float,
)
BOUGHT = (RATINGS > 0).astype(float)
TABLE = np.array(  # user, item, weight, time
    [
        [1, 10, 2.0, 0.0],
        [1, 11, 1.0, 3.0],
        [2, 10, 1.0, 1.0],
        [2, 12, 4.0, 5.0],
        [3, 11, 1.0, 7.0],
        [3, 12, 2.0, 8.0],
        [4, 10, 1.0, 2.0],
        [4, 13, 3.0, 9.0],
    ]
)


def _timed_data():
    frame = pd.DataFrame(TABLE, columns=["user", "item", "weight", "time"])
    return Interactions.from_frame(frame, "user", "item", weight="weight", timestamp="time")


DATA = _timed_data()
SPLIT = random_split(Interactions.from_matrix(BOUGHT), 0.3, random_state=0)

IDS_ARE_NOT_NUMBERS = "ids may be strings: a list of the string 'word' is a valid list of ids"
EMPTY_IS_A_QUERY = "an empty list of ids is a valid query, answered with an empty result"
FRAME_IS_2D = "from_frame takes a DataFrame; pandas refuses a table of other dimension itself"


def _dense(data: Interactions) -> np.ndarray:
    return data.matrix.toarray()


def _from_table(table, duplicates):
    frame = pd.DataFrame(np.asarray(table), columns=["user", "item", "weight", "time"])
    data = Interactions.from_frame(
        frame, "user", "item", weight="weight", timestamp="time", duplicates=duplicates
    )
    return _dense(data)


def _scores_of(model, data):
    """What a fitted model answers: explicit models their predictions of the stored pairs,
    implicit models their top-2 lists (ids) for every user."""
    if hasattr(model, "predict"):
        coo = data.matrix.tocoo()
        return model.predict(data.user_ids[coo.row], data.item_ids[coo.col], clip=False)
    items, _ = model.recommend(data.user_ids, k=2)
    return items


def _fit_entry(model_class, matrix, params, options, scale=()):
    def call(X, **kwargs):
        model = model_class(**kwargs).fit(X)
        return _scores_of(model, Interactions.from_matrix(np.asarray(X, dtype=float)))

    return Entry(
        f"glassml.recommend.{model_class.__name__}.fit",
        call,
        {"X": matrix, **params},
        arrays=("X",),
        options=options,
        scale=scale,
    )


FIT_ENTRIES = [
    _fit_entry(
        Popularity, BOUGHT * RATINGS, {"by": "users"}, {"by": opt()}, (Scale(("X",), invariant()),)
    ),
    _fit_entry(
        BaselineOnly,
        RATINGS,
        {"reg_user": 2.0, "n_epochs": 5, "method": "als"},
        {"reg_user": opt(-1.0), "n_epochs": opt(0), "method": opt()},
    ),
    _fit_entry(
        FunkSVD,
        RATINGS,
        {"n_factors": 2, "n_epochs": 5, "learning_rate": 0.01, "random_state": 0},
        {"n_factors": opt(-1), "n_epochs": opt(0), "learning_rate": opt(0.0, -0.1)},
    ),
    _fit_entry(
        ExplicitALS,
        RATINGS,
        {"n_factors": 2, "n_iter": 3, "reg": 0.1, "biased": True, "random_state": 0},
        {"n_factors": opt(-1), "reg": opt(-0.5), "biased": opt()},
    ),
    _fit_entry(
        ImplicitALS,
        BOUGHT,
        {
            "n_factors": 2,
            "n_iter": 3,
            "alpha": 5.0,
            "solver": "cg",
            "dtype": "float64",
            "random_state": 0,
        },
        {"n_factors": opt(0), "alpha": opt(-1.0), "solver": opt(), "dtype": opt("int8")},
    ),
    _fit_entry(
        BPR,
        BOUGHT,
        {"n_factors": 2, "n_epochs": 3, "negative_sampling": "uniform", "random_state": 0},
        {"n_epochs": opt(0), "negative_sampling": opt()},
    ),
    _fit_entry(
        ItemKNN,
        BOUGHT,
        {"similarity": "cosine", "n_neighbors": 3, "shrink": 0.0},
        {"similarity": opt(), "n_neighbors": opt(0), "shrink": opt(-1.0)},
        (Scale(("X",), invariant()),),
    ),
]

FITTED = {
    "Popularity": Popularity().fit(BOUGHT),
    "BaselineOnly": BaselineOnly().fit(RATINGS),
    "FunkSVD": FunkSVD(n_factors=2, n_epochs=5, random_state=0).fit(RATINGS),
    "ExplicitALS": ExplicitALS(n_factors=2, n_iter=3, random_state=0).fit(RATINGS),
    "ImplicitALS": ImplicitALS(n_factors=2, n_iter=3, random_state=0).fit(BOUGHT),
    "BPR": BPR(n_factors=2, n_epochs=5, random_state=0).fit(BOUGHT),
    "ItemKNN": ItemKNN(n_neighbors=4).fit(BOUGHT),
}
USER_IDS = np.array([0, 2, 5])
ITEM_IDS = np.array([1, 3, 4])


def _recommend_entry(name, model):
    return Entry(
        f"glassml.recommend.{name}.recommend",
        lambda users, k, exclude_seen, cold_start: model.recommend(
            users, k, exclude_seen, cold_start=cold_start
        )[0],
        {"users": USER_IDS, "k": 2, "exclude_seen": True, "cold_start": "error"},
        arrays=("users",),
        options={"k": opt(0, -1), "exclude_seen": opt(), "cold_start": opt()},
        skip={"empty": EMPTY_IS_A_QUERY},
    )


def _similar_entry(name, model):
    return Entry(
        f"glassml.recommend.{name}.similar_items",
        lambda items, k: model.similar_items(items, k)[0],
        {"items": ITEM_IDS, "k": 2},
        arrays=("items",),
        options={"k": opt(0)},
        skip={"empty": EMPTY_IS_A_QUERY},
    )


def _predict_entries(name, model):
    return [
        Entry(
            f"glassml.recommend.{name}.predict",
            lambda users, items, cold_start, clip: model.predict(
                users, items, cold_start=cold_start, clip=clip
            ),
            {"users": USER_IDS, "items": ITEM_IDS, "cold_start": "error", "clip": True},
            arrays=("users", "items"),
            options={"cold_start": opt(), "clip": opt()},
            skip={"empty": EMPTY_IS_A_QUERY},
        ),
        Entry(
            f"glassml.recommend.{name}.predict [rows]",
            lambda X: model.predict(X),
            {"X": RATINGS[:3]},
            arrays=("X",),
        ),
    ]


METHOD_ENTRIES = [
    *(_recommend_entry(name, model) for name, model in FITTED.items()),
    *(_similar_entry(name, model) for name, model in FITTED.items()),
    *(
        entry
        for name, model in FITTED.items()
        if hasattr(model, "predict")
        for entry in _predict_entries(name, model)
    ),
    Entry(
        "glassml.recommend.FunkSVD.partial_fit",
        lambda X: FunkSVD(n_factors=2, random_state=0).partial_fit(X).predict([0], [1]),
        {"X": RATINGS},
        arrays=("X",),
    ),
    Entry(
        "glassml.recommend.BPR.partial_fit",
        lambda X: BPR(n_factors=2, random_state=0).partial_fit(X).recommend([0, 1], k=2)[0],
        {"X": BOUGHT},
        arrays=("X",),
    ),
]

DATA_ENTRIES = [
    Entry(
        "glassml.recommend.Interactions",
        lambda matrix: _dense(Interactions(matrix)),
        {"matrix": RATINGS},
        arrays=("matrix",),
        scale=(Scale(("matrix",), equivariant(1.0)),),
    ),
    Entry(
        "glassml.recommend.Interactions.from_matrix",
        lambda matrix: _dense(Interactions.from_matrix(matrix)),
        {"matrix": RATINGS},
        arrays=("matrix",),
        scale=(Scale(("matrix",), equivariant(1.0)),),
    ),
    Entry(
        "glassml.recommend.Interactions.from_frame",
        _from_table,
        {"table": TABLE, "duplicates": "auto"},
        arrays=("table",),
        options={"duplicates": opt()},
        aliases={"table": ("user", "item", "weight", "timestamp")},
        skip={"ndim": FRAME_IS_2D},
    ),
    Entry(
        "glassml.recommend.Interactions.user_index",
        lambda users: DATA.user_index(users),
        {"users": np.array([1, 3])},
        arrays=("users",),
        skip={"empty": EMPTY_IS_A_QUERY},
    ),
    Entry(
        "glassml.recommend.Interactions.item_index",
        lambda items: DATA.item_index(items),
        {"items": np.array([12, 10])},
        arrays=("items",),
        skip={"empty": EMPTY_IS_A_QUERY},
    ),
    Entry(
        "glassml.recommend.Interactions.to_frame",
        lambda: DATA.to_frame()["value"].to_numpy(),
        {},
    ),
    Entry(
        "glassml.recommend.Split",
        lambda cold_users: Split(SPLIT.train, SPLIT.test, cold_users, []).cold_users,
        {"cold_users": np.array([2])},
        arrays=("cold_users",),
        skip={"empty": "no cold users is the usual split: an empty list is valid"},
    ),
    Entry(
        "glassml.recommend.random_split",
        lambda test_size, random_state: _dense(
            random_split(DATA, test_size, random_state=random_state).test
        ),
        {"test_size": 0.4, "random_state": 0},
        options={"test_size": opt(0.0, 1.0), "random_state": opt(-1)},
    ),
    Entry(
        "glassml.recommend.leave_last_out",
        lambda n: _dense(leave_last_out(DATA, n).test),
        {"n": 1},
        options={"n": opt(0)},
    ),
    Entry(
        "glassml.recommend.temporal_split",
        lambda cutoff: _dense(temporal_split(DATA, cutoff).test),
        {"cutoff": 5.0},
        options={"cutoff": opt()},
    ),
    Entry(
        "glassml.recommend.temporal_split [test_span]",
        lambda test_span: _dense(temporal_split(DATA, test_span=test_span).test),
        {"test_span": 0.3},
        options={"test_span": opt(0.0, 1.5)},
    ),
    Entry(
        "glassml.recommend.k_fold",
        lambda n_splits, shuffle, random_state: np.array(
            [
                split.test.nnz
                for split in k_fold(DATA, n_splits, shuffle=shuffle, random_state=random_state)
            ]
        ),
        {"n_splits": 3, "shuffle": True, "random_state": 0},
        options={"n_splits": opt(1, 100), "shuffle": opt(), "random_state": opt()},
    ),
]

RECOMMENDED = np.array([[3, 1, 7, 5], [2, 9, 4, 6], [0, 1, 2, 3]])
RELEVANT = [[1, 5, 8], [9, 6, 0], [3, 4, 5]]


def _ranking_entry(function, name, options):
    arguments = {"recommended": RECOMMENDED, "relevant": RELEVANT, "k": 3}
    arguments.update({option: value for option, (value, _) in options.items()})
    return Entry(
        f"glassml.recommend.{name}",
        function,
        arguments,
        arrays=("recommended", "relevant"),
        options={"k": opt(0, 9), **{option: bad for option, (_, bad) in options.items()}},
        scale=(Scale(("recommended", "relevant"), invariant()),),
        skip={"string": IDS_ARE_NOT_NUMBERS},
    )


SCORES = np.array([[0.9, 0.1, 0.5, 0.3, 0.2], [0.1, 0.8, 0.3, 0.6, 0.4], [0.5, 0.5, 0.9, 0.1, 0.7]])
TRUTH = np.array([[1, 0, 0, 1, 0], [0, 1, 0, 0, 1], [0, 1, 1, 0, 0]])
EXCLUDE = np.array([[0, 0, 1, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 1, 0]])

METRIC_ENTRIES = [
    _ranking_entry(
        precision_at_k, "precision_at_k", {"denominator": ("k", opt()), "per_user": (False, opt())}
    ),
    _ranking_entry(recall_at_k, "recall_at_k", {"denominator": ("relevant", opt())}),
    _ranking_entry(ndcg_at_k, "ndcg_at_k", {"per_user": (True, opt())}),
    _ranking_entry(map_at_k, "map_at_k", {"denominator": ("min", opt())}),
    _ranking_entry(mrr, "mrr", {}),
    Entry(
        "glassml.recommend.auc",
        lambda scores, relevant, exclude, per_user: auc(
            scores, relevant, exclude, per_user=per_user
        ),
        {"scores": SCORES, "relevant": TRUTH, "exclude": EXCLUDE, "per_user": True},
        arrays=("scores", "relevant", "exclude"),
        options={"per_user": opt()},
        scale=(Scale(("scores",), invariant()),),
    ),
    Entry(
        "glassml.recommend.coverage",
        coverage,
        {"recommended": RECOMMENDED, "catalogue": np.arange(12)},
        arrays=("recommended", "catalogue"),
        scale=(Scale(("recommended", "catalogue"), invariant()),),
        skip={
            "string": IDS_ARE_NOT_NUMBERS,
            "length": "the lists (one per user) and the catalogue (its items) are unrelated sizes",
        },
    ),
    Entry(
        "glassml.recommend.rmse",
        rmse,
        {"y_true": np.array([4.0, 2.0, 5.0]), "y_pred": np.array([3.5, 2.5, 4.0])},
        arrays=("y_true", "y_pred"),
        scale=(Scale(("y_true", "y_pred"), equivariant(1.0)),),
    ),
    Entry(
        "glassml.recommend.mae",
        mae,
        {"y_true": np.array([4.0, 2.0, 5.0]), "y_pred": np.array([3.5, 2.5, 4.0])},
        arrays=("y_true", "y_pred"),
        scale=(Scale(("y_true", "y_pred"), equivariant(1.0)),),
    ),
    Entry(
        "glassml.recommend.padding_id",
        lambda item_ids: padding_id(item_ids),
        {"item_ids": np.array([10, 20, 30])},
        arrays=("item_ids",),
        skip={"string": IDS_ARE_NOT_NUMBERS},
    ),
    Entry(
        "glassml.recommend.evaluate",
        lambda k, n_resamples, confidence_level, exclude_seen, method, random_state: evaluate(
            Popularity().fit(SPLIT.train),
            SPLIT.train,
            SPLIT.test,
            k,
            metrics=("ndcg", "recall", "auc", "coverage"),
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            exclude_seen=exclude_seen,
            method=method,
            random_state=random_state,
        ).to_numpy(),
        {
            "k": 2,
            "n_resamples": 50,
            "confidence_level": 0.9,
            "exclude_seen": True,
            "method": "percentile",
            "random_state": 0,
        },
        options={
            "k": opt(0),
            "n_resamples": opt(1),
            "confidence_level": opt(0.0, 1.0),
            "exclude_seen": opt(),
            "method": opt(),
            "random_state": opt(),
        },
    ),
]

ENTRIES = [*DATA_ENTRIES, *FIT_ENTRIES, *METHOD_ENTRIES, *METRIC_ENTRIES]
EXEMPT: dict[str, str] = {}
