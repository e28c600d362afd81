"""Popularity and BaselineOnly.

References and tolerances:
- BaselineOnly (ALS): each half-step equals the ridge solution of the normal equations solved
  here with ``numpy.linalg.solve`` on a one-hot design (1e-10); the objective never increases
  (1e-12 relative slack for rounding). On MovieLens 100K it equals ``surprise.BaselineOnly``
  (ALS, reg_i = 10, reg_u = 15, 10 epochs) to 1e-10 on every test prediction: same update,
  same order (items, then users).
- BaselineOnly (SGD, ``shuffle=False``): equals ``surprise.BaselineOnly`` with SGD to 1e-10;
  Surprise visits ratings user by user, which is our CSR order when its trainset is built
  from our table.
- Popularity: counts recomputed with NumPy; ties go to the lower item index.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from recommend._data import movielens_ratings

from glassml.recommend import BaselineOnly, Interactions, Popularity, k_fold


def small_ratings(seed=0, n_users=12, n_items=9, density=0.5):
    rng = np.random.default_rng(seed)
    dense = np.where(
        rng.random((n_users, n_items)) < density, rng.integers(1, 6, (n_users, n_items)), 0
    )
    dense[np.arange(n_users), rng.integers(0, n_items, n_users)] = 3  # everyone rates something
    dense[rng.integers(0, n_users, n_items), np.arange(n_items)] = 4  # every item is rated
    return Interactions.from_matrix(dense.astype(float), rating_scale=(1, 5))


def one_hot(data):
    coo = data.matrix.tocoo()
    users = np.eye(data.n_users)[coo.row]
    items = np.eye(data.n_items)[coo.col]
    return coo.data, users, items


def test_each_als_half_step_is_the_ridge_solution():
    data = small_ratings()
    r, U, I = one_hot(data)
    mu = r.mean()
    model = BaselineOnly(reg_user=2.0, reg_item=3.0, n_epochs=1, warm_start=True).fit(data)
    # Sweep 1 from b = 0: items given b_u = 0, then users given those b_i.
    b_i = np.linalg.solve(I.T @ I + 3.0 * np.eye(data.n_items), I.T @ (r - mu))
    b_u = np.linalg.solve(U.T @ U + 2.0 * np.eye(data.n_users), U.T @ (r - mu - I @ b_i))
    assert_close(model.item_bias_, b_i, rtol=0, atol=1e-10, what="b_i, sweep 1")
    assert_close(model.user_bias_, b_u, rtol=0, atol=1e-10, what="b_u, sweep 1")
    model.fit(data)  # warm start: sweep 2 continues from sweep 1
    b_i = np.linalg.solve(I.T @ I + 3.0 * np.eye(data.n_items), I.T @ (r - mu - U @ b_u))
    b_u = np.linalg.solve(U.T @ U + 2.0 * np.eye(data.n_users), U.T @ (r - mu - I @ b_i))
    assert_close(model.item_bias_, b_i, rtol=0, atol=1e-10, what="b_i, sweep 2")
    assert_close(model.user_bias_, b_u, rtol=0, atol=1e-10, what="b_u, sweep 2")
    assert model.n_iter_ == 2 and model.history_["loss"].shape == (2,)


def test_als_objective_never_increases_and_is_reported():
    data = small_ratings(seed=1)
    model = BaselineOnly(reg_user=1.0, reg_item=0.5, n_epochs=15).fit(data)
    loss = model.history_["loss"]
    assert np.all(np.diff(loss) <= 1e-12 * loss[:-1])
    r, U, I = one_hot(data)
    residual = r - model.global_mean_ - U @ model.user_bias_ - I @ model.item_bias_
    objective = residual @ residual + 1.0 * model.user_bias_ @ model.user_bias_
    objective += 0.5 * model.item_bias_ @ model.item_bias_
    assert_close(loss[-1], objective, rtol=1e-12, what="reported objective")


def surprise_trainset(train: Interactions):
    from surprise import Dataset, Reader

    frame = train.to_frame()[["user", "item", "value"]]
    return Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()


@pytest.mark.parametrize("method", ["als", "sgd"])
def test_baseline_only_equals_surprise_on_movielens(shared_data, method):
    from surprise import BaselineOnly as SurpriseBaseline

    train, test = next(k_fold(movielens_ratings(shared_data), 5, random_state=0))
    options = {"method": method, "n_epochs": 10 if method == "als" else 20}
    if method == "als":
        options.update(reg_u=15, reg_i=10)
    else:
        options.update(reg=0.02, learning_rate=0.005)
    theirs = SurpriseBaseline(bsl_options=options, verbose=False).fit(surprise_trainset(train))
    ours = BaselineOnly(
        method=method,
        n_epochs=options["n_epochs"],
        reg_user=15,
        reg_item=10,
        reg=0.02,
        learning_rate=0.005,
        shuffle=False,
    ).fit(train)
    frame = test.to_frame()
    expected = [theirs.predict(u, i).est for u, i in zip(frame["user"], frame["item"], strict=True)]
    got = ours.predict(frame["user"], frame["item"], cold_start="baseline")
    assert_close(got, expected, rtol=0, atol=1e-10, what=f"BaselineOnly({method}) predictions")


def test_popularity_ranks_by_users_then_item_order():
    bought = np.array([[1, 1, 0, 0], [1, 0, 0, 1], [1, 0, 5, 1], [0, 0, 0, 1]], dtype=float)
    model = Popularity().fit(bought)
    np.testing.assert_array_equal(model.scores_, (bought > 0).sum(axis=0))
    items, scores = model.recommend([3, 0], k=3)
    assert items.tolist() == [[0, 1, 2], [3, 2, -1]]  # 1 and 2 tie at one user: lower index
    assert scores[1, 2] == -np.inf
    weighted = Popularity(by="weight").fit(bought)
    assert weighted.recommend([3], k=1)[0].tolist() == [[2]]  # five units beat three buyers
    neighbours, _ = model.similar_items([1], k=2)
    assert neighbours.tolist() == [[0, 3]]
