"""ExplicitALS (weighted-lambda ALS with biases, Zhou et al. 2008).

References and tolerances:
- Each half-step equals the closed-form ridge solution computed here user by user (and item
  by item) with ``numpy.linalg.solve`` on the design (1, q_i) and the penalty lambda n_u I:
  1e-9, for the first sweep from the documented initial item factors' successor and for a
  warm-started second sweep.
- The objective J (recomputed here from the factors) never increases across sweeps (1e-12
  relative slack) and equals the reported ``history_["loss"]`` (1e-12).
- Without biases the model is Zhou et al.'s r = p_u . q_i: same check with design q_i.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from recommend.test_baselines import small_ratings

from glassml.recommend import ExplicitALS


def half_step(data_matrix, fixed_factors, fixed_bias, mu, reg, biased):
    """Row by row: argmin over (b, p) of sum_j (r_j - mu - b_fixed_j - b - p . f_j)^2 +
    reg n (b^2 + |p|^2)."""
    rows = []
    for row in range(data_matrix.shape[0]):
        start, stop = data_matrix.indptr[row], data_matrix.indptr[row + 1]
        columns = data_matrix.indices[start:stop]
        target = data_matrix.data[start:stop] - mu - fixed_bias[columns]
        design = fixed_factors[columns]
        if biased:
            design = np.column_stack([np.ones(len(columns)), design])
        penalty = reg * len(columns) * np.eye(design.shape[1])
        rows.append(np.linalg.solve(design.T @ design + penalty, design.T @ target))
    solution = np.array(rows)
    return (solution[:, 0], solution[:, 1:]) if biased else (np.zeros(len(rows)), solution)


@pytest.mark.parametrize("biased", [True, False])
def test_each_half_step_is_the_closed_form_ridge_solution(biased):
    data = small_ratings(seed=5, n_users=15, n_items=10)
    by_item = data.matrix.T.tocsr()
    model = ExplicitALS(
        n_factors=3, n_iter=1, reg=0.1, biased=biased, random_state=0, warm_start=True
    ).fit(data)
    # From sweep 1's item side, sweep 2 must be: users given items, then items given users.
    Q, b_i = model.item_factors_.copy(), model.item_bias_.copy()
    mu = model.global_mean_
    b_u, P = half_step(data.matrix, Q, b_i, mu, 0.1, biased)
    b_i_next, Q_next = half_step(by_item, P, b_u, mu, 0.1, biased)
    model.fit(data)
    assert_close(model.user_factors_, P, rtol=0, atol=1e-9, what="p_u")
    assert_close(model.user_bias_, b_u, rtol=0, atol=1e-9, what="b_u")
    assert_close(model.item_factors_, Q_next, rtol=0, atol=1e-9, what="q_i")
    assert_close(model.item_bias_, b_i_next, rtol=0, atol=1e-9, what="b_i")


def objective(model, data):
    coo = data.matrix.tocoo()
    predicted = (
        model.global_mean_
        + model.user_bias_[coo.row]
        + model.item_bias_[coo.col]
        + np.sum(model.user_factors_[coo.row] * model.item_factors_[coo.col], axis=1)
    )
    n_u = np.bincount(coo.row, minlength=data.n_users)
    n_i = np.bincount(coo.col, minlength=data.n_items)
    users = np.sum(model.user_factors_**2, axis=1) + model.user_bias_**2
    items = np.sum(model.item_factors_**2, axis=1) + model.item_bias_**2
    return np.sum((coo.data - predicted) ** 2) + model.reg * (n_u @ users + n_i @ items)


def test_objective_never_increases_across_sweeps():
    data = small_ratings(seed=6, n_users=30, n_items=20)
    model = ExplicitALS(n_factors=4, n_iter=1, reg=0.05, random_state=1, warm_start=True)
    values = []
    for _ in range(12):
        model.fit(data)
        values.append(objective(model, data))
    values = np.array(values)
    assert np.all(np.diff(values) <= 1e-12 * values[:-1]), np.diff(values)
    assert_close(model.history_["loss"], values, rtol=1e-12, what="history_['loss']")


def test_fold_in_is_the_user_half_step():
    data = small_ratings(seed=7)
    model = ExplicitALS(n_factors=3, n_iter=5, reg=0.1, random_state=0).fit(data)
    completed = model.predict(data.matrix[:4], clip=False)
    b_u, P = half_step(
        data.matrix[:4], model.item_factors_, model.item_bias_, model.global_mean_, 0.1, True
    )
    expected = model.global_mean_ + b_u[:, None] + model.item_bias_ + P @ model.item_factors_.T
    assert_close(completed, expected, rtol=0, atol=1e-9, what="predict(X)")
