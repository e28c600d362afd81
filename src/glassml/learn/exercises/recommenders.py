"""Matrix factorisation and ranking: the ALS user step, the BPR gradient and NDCG at k.
The ALS step's reference is glassml.recommend's half-step (weighted-lambda regularisation, as
ExplicitALS); the BPR gradient is a plain definition checked by finite differences in
``tests/learn/test_references.py``; NDCG with graded relevance is scikit-learn's ``ndcg_score``
(glassml.recommend's ``ndcg_at_k`` has binary gains)."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from sklearn.metrics import ndcg_score

from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    hnp,
    holds,
    matrices,
    near,
    register,
    st,
    vectors,
)
from glassml.recommend._explicit_als import ridge_half_step

# --------------------------------------------------------------------------- ALS


def _ratings(R, observed):
    rows, cols = np.nonzero(observed)
    return scipy.sparse.csr_matrix((R[observed], (rows, cols)), shape=R.shape)


def als_user_step_reference(R, observed, V, lam):
    """glassml.recommend's user half-step without biases: (V_I^T V_I + lam n_u I) u = V_I^T r."""
    n_items = R.shape[1]
    return ridge_half_step(_ratings(R, observed), V, np.zeros(n_items), 0.0, lam, False)[1]


def plain_ridge_users(R, observed, V, lam):
    """Each user's ridge regression with the same penalty lam for every user."""
    k = V.shape[1]
    U = np.zeros((R.shape[0], k))
    for user in range(R.shape[0]):
        Vi = V[observed[user]]
        if observed[user].any():
            U[user] = np.linalg.solve(Vi.T @ Vi + lam * np.eye(k), Vi.T @ R[user, observed[user]])
    return U


@st.composite
def _als_inputs(draw):
    n_users, n_items, k = draw(st.integers(1, 4)), draw(st.integers(2, 5)), draw(st.integers(1, 2))
    R = draw(matrices(n_users, n_items, grid(1, 5, 1)))
    observed = draw(hnp.arrays(bool, (n_users, n_items), elements=st.booleans()))
    V = draw(matrices(n_items, k, grid(-2, 2)))
    return R, observed, V, draw(st.sampled_from([0.5, 1.0, 2.0]))


def _als_ignores_mask(e, o, R, observed, V, lam):
    return near(o, als_user_step_reference(R * observed, np.ones_like(observed), V, lam))


als_user_step = Exercise(
    "recommenders/als-user-step",
    "Alternating least squares: the user step",
    "als_user_step(R, observed, V, lam)",
    lesson="recommenders/matrix-factorisation",
    summary="For each user u, with I_u the n_u items u rated (observed[u]): "
    "u = (V_I^T V_I + lam n_u I)^-1 V_I^T r_{u, I} (weighted-lambda); 0 if n_u = 0.",
    checks=[
        agrees(
            "agrees with glassml.recommend's ALS user half-step (no biases)",
            _als_inputs(),
            als_user_step_reference,
            rtol=1e-7,
            atol=1e-9,
            hint="With V fixed, each user's loss sum over rated items (r_ui - u^T v_i)^2 + "
            "lam n_u |u|^2 is a ridge regression on the rows of V the user rated, its penalty "
            "growing with the number n_u of ratings; an unrated item is unknown, not a 0.",
            diagnoses=[
                (_als_ignores_mask, "unrated items were treated as ratings of 0"),
                (
                    lambda e, o, R, obs, V, lam: near(o, plain_ridge_users(R, obs, V, lam)),
                    "the penalty is lam I for every user; weighted-lambda uses lam n_u I",
                ),
            ],
        ),
        agrees(
            "edge case: a user with no ratings gets the zero vector",
            [(np.array([[3.0, 4.0]]), np.array([[False, False]]), np.eye(2), 1.0)],
            als_user_step_reference,
            hint="No ratings, no evidence: u = 0 (the system is 0 u = 0; choose the "
            "minimum-norm solution rather than dividing by zero).",
        ),
    ],
)

# --------------------------------------------------------------------------- BPR


def bpr_gradient_reference(u, i, j):
    """Gradients of -ln sigma(u^T (v_i - v_j)) in u, v_i, v_j."""
    x = u @ (i - j)
    g = -1.0 / (1.0 + np.exp(x))  # d/dx of -ln sigma(x) = -sigma(-x)
    return g * (i - j), g * u, -g * u


@st.composite
def _bpr_inputs(draw):
    k = draw(st.integers(1, 4))
    return tuple(draw(vectors(k, grid(-2, 2))) for _ in range(3))


bpr_gradient = Exercise(
    "recommenders/bpr-gradient",
    "Bayesian personalised ranking: the gradient of one triple",
    "bpr_gradient(u, v_i, v_j)",
    lesson="recommenders/matrix-factorisation",
    returns=("grad_u", "grad_v_i", "grad_v_j"),
    summary="The loss -ln sigma(u^T (v_i - v_j)) of user u preferring item i to item j; "
    "return its gradients in u, v_i and v_j.",
    checks=[
        agrees(
            "agrees with the derivative of -ln sigma(x), x = u^T (v_i - v_j)",
            _bpr_inputs(),
            bpr_gradient_reference,
            rtol=1e-7,
            atol=1e-10,
            hint="d/dx (-ln sigma(x)) = -(1 - sigma(x)) = -sigma(-x); then the chain rule: "
            "dx/du = v_i - v_j, dx/dv_i = u, dx/dv_j = -u.",
            diagnoses=[
                (
                    lambda e, o, u, i, j: near(o[0], -np.asarray(e[0])),
                    "the sign: the loss is -ln sigma(x), which falls as x grows",
                ),
                (
                    lambda e, o, u, i, j: near(o[0], -(1 / (1 + np.exp(-(u @ (i - j))))) * (i - j)),
                    "sigma(x) was used where the derivative of -ln sigma(x) has sigma(-x)",
                ),
            ],
        ),
    ],
)

# --------------------------------------------------------------------------- NDCG


def ndcg_reference(scores, relevance, k):
    return float(ndcg_score(relevance[None, :], scores[None, :], k=k))


@st.composite
def _ranking_inputs(draw):
    n = draw(st.integers(2, 8))
    scores = np.array(draw(st.permutations(list(range(n)))), dtype=float)
    relevance = draw(vectors(n, grid(0, 3, 1)))
    if not relevance.any():
        relevance[0] = 1.0
    return scores, relevance, draw(st.integers(1, n))


ndcg_at_k = Exercise(
    "recommenders/ndcg-at-k",
    "Normalised discounted cumulative gain at k",
    "ndcg_at_k(scores, relevance, k)",
    lesson="recommenders/matrix-factorisation",
    summary="Rank items by score (highest first); DCG@k = sum over the top k of rel / "
    "log2(rank + 1), rank from 1; divide by the DCG@k of the ideal order.",
    checks=[
        agrees(
            "agrees with sklearn.metrics.ndcg_score (scores without ties)",
            _ranking_inputs(),
            ndcg_reference,
            rtol=1e-9,
            hint="Discount 1 / log2(rank + 1) with rank = 1, 2, ...: the first item counts "
            "fully. The ideal DCG sorts the relevances themselves, also cut at k.",
            diagnoses=[
                (
                    lambda e, o, s, r, k: near(
                        o,
                        np.sum(r[np.argsort(-s)][:k] / np.log2(np.arange(2, k + 2)))
                        / np.sum(np.sort(r)[::-1] / np.log2(np.arange(2, len(r) + 2))),
                    ),
                    "the ideal DCG was not cut at k",
                ),
            ],
        ),
        holds(
            "the ideal ranking scores 1",
            _ranking_inputs()
            .map(lambda t: (t[1] + 0.0, t[1], t[2]))
            .filter(lambda t: len(np.unique(t[1])) == len(t[1])),
            lambda out, s, r, k: (
                None
                if near(out, 1.0)
                else f"the scores rank items exactly by relevance, yet NDCG = {out}"
            ),
            hint="NDCG divides by the best achievable DCG: the ideal order scores 1.",
        ),
    ],
)

register(als_user_step, bpr_gradient, ndcg_at_k)
