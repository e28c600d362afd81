"""The common recommender contract, checked on every model.

``recommend(users, k)`` returns original item ids and scores of shape (len(users), k), best
first, padded with the documented sentinel and -inf; seen items excluded; unknown users a
``ValueError`` listing them, or popular items with ``cold_start="popular"``;
``similar_items`` excludes the item itself; explicit models' ``predict`` pairs ids. The
scores are checked against the model's own factors computed here (1e-12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassml.recommend import (
    BPR,
    BaselineOnly,
    ExplicitALS,
    FunkSVD,
    ImplicitALS,
    Interactions,
    ItemKNN,
    Popularity,
    padding_id,
)

MODELS = [
    Popularity(),
    BaselineOnly(),
    FunkSVD(n_factors=3, n_epochs=5, random_state=0),
    ExplicitALS(n_factors=3, n_iter=3, random_state=0),
    ImplicitALS(n_factors=3, n_iter=3, random_state=0),
    BPR(n_factors=3, n_epochs=5, random_state=0),
    ItemKNN(n_neighbors=5),
]


@pytest.fixture(scope="module")
def shop():
    rng = np.random.default_rng(3)
    users = [f"c{u:02d}" for u in range(25)]
    items = ["85123A", "22423", "47566", "20725", "84879", "22720", "21212", "22197"]
    rows = [(u, i, int(rng.integers(1, 6))) for u in users for i in items if rng.random() < 0.4]
    rows.append(("greedy", "85123A", 3))
    rows += [("all", i, 2) for i in items]  # a customer who bought the whole catalogue
    frame = pd.DataFrame(rows, columns=["customer", "product", "stars"])
    return Interactions.from_frame(
        frame, "customer", "product", rating="stars", rating_scale=(1, 5)
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_recommend_contract(model, shop):
    model.fit(shop)
    users = ["c03", "greedy", "all"]
    items, scores = model.recommend(users, k=8)
    assert items.shape == scores.shape == (3, 8)
    assert items.dtype.kind == "U"
    sentinel = padding_id(shop.item_ids)
    table = shop.to_frame()
    for row, user in enumerate(users):
        seen = set(table.loc[table["user"] == user, "item"])
        real = scores[row] > -np.inf
        assert set(items[row][real]).isdisjoint(seen)
        assert len(set(items[row][real])) == real.sum()
        assert np.all(items[row][~real] == sentinel)
        assert real.sum() == min(8, shop.n_items - len(seen))
        assert np.all(np.diff(scores[row][real]) <= 0)
    assert np.all(scores[2] == -np.inf)  # "all" has bought everything
    rows = shop.user_index(["c03"])
    full = np.asarray(model._user_scores(rows), dtype=float)[0]
    columns = shop.item_index(items[0][scores[0] > -np.inf])
    np.testing.assert_allclose(scores[0][scores[0] > -np.inf], full[columns], rtol=1e-12)
    with_seen, _ = model.recommend(["c03"], k=8, exclude_seen=False)
    assert set(with_seen[0]) == set(shop.item_ids)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_cold_users_are_listed_or_get_popular_items(model, shop):
    model.fit(shop)
    with pytest.raises(ValueError, match=r"users: .*unknown ids \['stranger', 'nobody'\]"):
        model.recommend(["c01", "stranger", "nobody"], k=3)
    items, _ = model.recommend(["stranger"], k=3, cold_start="popular")
    popular = shop.item_ids[np.argsort(-np.bincount(shop.matrix.indices), kind="stable")[:3]]
    assert items[0].tolist() == popular.tolist()
    with pytest.raises(ValueError, match="k: expected an integer in"):
        model.recommend(["c01"], k=0)
    neighbours, _ = model.similar_items(["22423", "85123A"], k=3)
    assert neighbours.shape == (2, 3) and "22423" not in neighbours[0]
    with pytest.raises(
        ValueError, match=r"items: expected known item ids, got unknown ids \['X'\]"
    ):
        model.similar_items(["X"])


@pytest.mark.parametrize(
    "model", [m for m in MODELS if hasattr(m, "predict")], ids=lambda m: type(m).__name__
)
def test_predict_pairs_uses_the_fitted_parameters(model, shop):
    model.fit(shop)
    users, items = ["c01", "c02", "greedy"], ["22423", "85123A", "47566"]
    u, i = shop.user_index(users), shop.item_index(items)
    expected = (
        model.global_mean_
        + model.user_bias_[u]
        + model.item_bias_[i]
        + np.sum(model.user_factors_[u] * model.item_factors_[i], axis=1)
    )
    np.testing.assert_allclose(model.predict(users, items, clip=False), expected, rtol=1e-12)
    assert np.all((model.predict(users, items) >= 1) & (model.predict(users, items) <= 5))
    with pytest.raises(ValueError, match=r"users: expected ids with training ratings, got \['x'\]"):
        model.predict(["x"], ["22423"])
    baseline = model.predict(["x"], ["22423"], cold_start="baseline", clip=False)
    np.testing.assert_allclose(baseline, model.global_mean_ + model.item_bias_[i[:1]])
    with pytest.raises(ValueError, match="items: expected one item per user"):
        model.predict(users, items[:2])


def test_models_fitted_on_a_matrix_use_indices_as_ids():
    bought = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]])
    items, scores = ImplicitALS(n_factors=2, random_state=0).fit(bought).recommend([0, 1], k=2)
    assert items.dtype.kind == "i" and items[:, 1].tolist() == [-1, -1]
    assert np.all(scores[:, 1] == -np.inf)
