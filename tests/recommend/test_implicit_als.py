"""ImplicitALS (Hu, Koren & Volinsky 2008), solved by Cholesky or by CG (Takács et al. 2011).

References and tolerances:
- Cholesky: the factors after one sweep equal the dense normal-equation solution of the
  weighted objective, x_u = (Y^T C^u Y + lambda I)^{-1} Y^T C^u p(u) with C^u the full
  n_items x n_items diagonal (no Y^T Y trick), then the items likewise: 1e-8 (relative to
  the largest factor). The starting factors are the documented ones (uniform [0, 0.01) from
  ``default_rng(random_state)``, users then items).
- CG with 3 f steps: within 1e-6 of the same dense solution.
- CG with 3 steps: each user's factor is exactly what :func:`glassml.linalg.conjugate_gradient`
  reaches on that user's dense system from the previous factor in 3 steps (1e-10).
- ``history_["loss"]`` equals the objective summed here over all n_users x n_items pairs
  (1e-10 relative); with Cholesky it never increases.
- ``implicit.cpu.als.AlternatingLeastSquares`` (float64, 1 thread, its confidence matrix given
  as 1 + alpha r, started from our initial factors): on MovieLens 100K binarised, 64 factors,
  one sweep agrees to 1e-9 (implicit rounds the regularisation to float32; ours is given the
  same float32 value); after 15 sweeps the loss curve agrees to 1e-6 relative and the
  ranking metrics of ``implicit.evaluation.ranking_metrics_at_k`` (precision, MAP, nDCG,
  AUC@10) of the two models on a held-out 20 % agree to 2 % relative. (CG's inexact solves
  let rounding differences grow from sweep to sweep, so the factors themselves drift apart
  to about 1e-3 while the objective and the rankings agree.)
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from recommend._data import movielens_binary

from glassml.linalg import conjugate_gradient
from glassml.recommend import ImplicitALS, Interactions, random_split

# implicit warns about OpenBLAS threads at every fit; its tests limit BLAS to one thread.
pytestmark = pytest.mark.filterwarnings("ignore:OpenBLAS is configured:RuntimeWarning")

F, REG, ALPHA = 4, 0.3, 5.0


@pytest.fixture(scope="module")
def weights():
    rng = np.random.default_rng(11)
    dense = np.where(rng.random((14, 9)) < 0.35, rng.integers(1, 4, (14, 9)), 0).astype(float)
    dense[3] = 0.0  # a user with no interactions
    return dense


def initial_factors(shape_users, shape_items, seed):
    rng = np.random.default_rng(seed)
    return rng.random(shape_users) * 0.01, rng.random(shape_items) * 0.01


def dense_solve(R, Y, reg, alpha):
    """Every row's minimiser of sum_i c_ui (p_ui - x . y_i)^2 + reg |x|^2, no tricks."""
    C, P = 1 + alpha * R, (R > 0).astype(float)
    return np.array(
        [
            np.linalg.solve(Y.T @ np.diag(C[u]) @ Y + reg * np.eye(Y.shape[1]), Y.T @ (C[u] * P[u]))
            if R[u].any()
            else np.zeros(Y.shape[1])
            for u in range(R.shape[0])
        ]
    )


def one_dense_sweep(R, seed):
    _, Y0 = initial_factors((R.shape[0], F), (R.shape[1], F), seed)
    X1 = dense_solve(R, Y0, REG, ALPHA)
    Y1 = dense_solve(R.T, X1, REG, ALPHA)
    return X1, Y1


@pytest.mark.parametrize(
    ("solver", "steps", "tolerance"), [("cholesky", 3, 1e-8), ("cg", 3 * F, 1e-6)]
)
def test_one_sweep_equals_the_dense_normal_equations(weights, solver, steps, tolerance):
    X1, Y1 = one_dense_sweep(weights, seed=5)
    model = ImplicitALS(
        n_factors=F, reg=REG, alpha=ALPHA, n_iter=1, solver=solver, cg_steps=steps, random_state=5
    ).fit(weights)
    scale = np.abs(X1).max()
    assert_close(model.user_factors_, X1, rtol=0, atol=tolerance * scale, what="x_u")
    assert_close(model.item_factors_, Y1, rtol=0, atol=tolerance * np.abs(Y1).max(), what="y_i")


def test_each_users_cg_is_linalg_conjugate_gradient_from_the_previous_factor(weights):
    X0, Y0 = initial_factors((weights.shape[0], F), (weights.shape[1], F), seed=8)
    model = ImplicitALS(
        n_factors=F, reg=REG, alpha=ALPHA, n_iter=1, cg_steps=3, random_state=8
    ).fit(weights)
    C, P = 1 + ALPHA * weights, (weights > 0).astype(float)
    for u in range(weights.shape[0]):
        if not weights[u].any():
            assert np.all(model.user_factors_[u] == 0.0)
            continue
        A = Y0.T @ np.diag(C[u]) @ Y0 + REG * np.eye(F)
        x, _ = conjugate_gradient(A, Y0.T @ (C[u] * P[u]), x0=X0[u], tol=0.0, max_iter=3)
        assert_close(model.user_factors_[u], x, rtol=0, atol=1e-10, what=f"user {u}")


def dense_objective(R, X, Y, reg, alpha):
    C, P = 1 + alpha * R, (R > 0).astype(float)
    return np.sum(C * (P - X @ Y.T) ** 2) + reg * (np.sum(X**2) + np.sum(Y**2))


def test_reported_loss_is_the_objective_and_cholesky_never_increases_it(weights):
    model = ImplicitALS(
        n_factors=F,
        reg=REG,
        alpha=ALPHA,
        n_iter=1,
        solver="cholesky",
        random_state=2,
        warm_start=True,
    )
    values = []
    for _ in range(8):
        model.fit(weights)
        values.append(
            dense_objective(weights, model.user_factors_, model.item_factors_, REG, ALPHA)
        )
    assert_close(model.history_["loss"], values, rtol=1e-10, what="history_['loss']")
    assert np.all(np.diff(values) <= 1e-12 * np.array(values[:-1]))


def test_float32_factors():
    model = ImplicitALS(n_factors=3, n_iter=3, dtype="float32", random_state=0)
    model.fit(np.eye(5) + np.eye(5, k=1))
    assert model.user_factors_.dtype == np.float32
    assert model.recommend([0], k=2)[1].dtype == np.float64


@pytest.fixture(scope="module")
def movielens(shared_data):
    return movielens_binary(shared_data)


def implicit_model(data, iterations, seed, regularization, **options):
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(
        factors=64,
        regularization=regularization,
        alpha=1.0,
        iterations=iterations,
        dtype=np.float64,
        num_threads=1,
        random_state=seed,
        **options,
    )
    model.user_factors, model.item_factors = initial_factors(
        (data.n_users, 64), (data.n_items, 64), seed
    )
    confidence = data.matrix.copy()
    confidence.data = 1.0 + ALPHA * confidence.data  # implicit takes C itself
    return model, confidence


REG32 = float(np.float32(0.05))  # implicit's CG rounds the regularisation to float32


def test_one_sweep_equals_implicit(movielens):
    from threadpoolctl import threadpool_limits

    reference, confidence = implicit_model(movielens, 1, 0, 0.05)
    with threadpool_limits(1, "blas"):
        reference.fit(confidence, show_progress=False)
    ours = ImplicitALS(n_factors=64, reg=REG32, alpha=ALPHA, n_iter=1, random_state=0).fit(
        movielens
    )
    assert_close(ours.user_factors_, reference.user_factors, rtol=0, atol=1e-9, what="x_u")
    assert_close(ours.item_factors_, reference.item_factors, rtol=0, atol=1e-9, what="y_i")


def test_loss_curve_and_ranking_metrics_agree_with_implicit(movielens):
    from implicit.evaluation import ranking_metrics_at_k
    from threadpoolctl import threadpool_limits

    train, test = random_split(movielens, 0.2, random_state=0)
    train_data = Interactions.from_matrix(train.matrix)
    reference, confidence = implicit_model(train_data, 15, 3, 0.05, calculate_training_loss=True)
    losses = []
    with threadpool_limits(1, "blas"):
        reference.fit(
            confidence,
            show_progress=False,
            callback=lambda iteration, elapsed, loss: losses.append(loss),
        )
    ours = ImplicitALS(n_factors=64, reg=REG32, alpha=ALPHA, n_iter=15, random_state=3).fit(
        train_data
    )
    normaliser = confidence.data.sum() + confidence.shape[0] * confidence.shape[1] - confidence.nnz
    assert_close(ours.history_["loss"] / normaliser, losses, rtol=1e-6, what="loss curve")

    theirs = ranking_metrics_at_k(reference, train.matrix, test.matrix, K=10, show_progress=False)
    mirror, _ = implicit_model(train_data, 15, 3, 0.05)
    mirror.user_factors, mirror.item_factors = ours.user_factors_, ours.item_factors_
    mine = ranking_metrics_at_k(mirror, train.matrix, test.matrix, K=10, show_progress=False)
    for name in ("precision", "map", "ndcg", "auc"):
        assert abs(mine[name] - theirs[name]) <= 0.02 * theirs[name], (name, mine, theirs)
