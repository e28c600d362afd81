"""Matrix factorisation and ranking: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("recommenders/als-user-step")
def als_user_step(R, observed, V, lam):
    k = V.shape[1]
    U = np.zeros((R.shape[0], k))
    for u in range(R.shape[0]):
        n_u = observed[u].sum()
        if n_u:
            Vu = V[observed[u]]
            U[u] = np.linalg.solve(Vu.T @ Vu + lam * n_u * np.eye(k), Vu.T @ R[u, observed[u]])
    return U


@mutant("recommenders/als-user-step", fails="half-step", cause="ratings of 0")
def als_missing_as_zero(R, observed, V, lam):
    k, n_items = V.shape[1], R.shape[1]
    return np.linalg.solve(V.T @ V + lam * n_items * np.eye(k), V.T @ (R * observed).T).T


@mutant("recommenders/als-user-step", fails="half-step", cause="weighted-lambda")
def als_same_lambda_for_all(R, observed, V, lam):
    k = V.shape[1]
    U = np.zeros((R.shape[0], k))
    for u in range(R.shape[0]):
        if observed[u].any():
            Vu = V[observed[u]]
            U[u] = np.linalg.solve(Vu.T @ Vu + lam * np.eye(k), Vu.T @ R[u, observed[u]])
    return U


@mutant("recommenders/als-user-step", fails="half-step")
def als_unpenalised_lstsq(R, observed, V, lam):
    U = np.zeros((R.shape[0], V.shape[1]))
    for u in range(R.shape[0]):
        if observed[u].any():
            U[u] = np.linalg.lstsq(V[observed[u]], R[u, observed[u]], rcond=None)[0]
    return U


@mutant("recommenders/als-user-step", fails="half-step")
def als_divides_by_no_ratings(R, observed, V, lam):
    import warnings

    k = V.shape[1]
    U = np.zeros((R.shape[0], k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for u in range(R.shape[0]):
            Vu, n_u = V[observed[u]], observed[u].sum()
            A = Vu.T @ Vu + lam * n_u * np.eye(k)
            U[u] = np.linalg.pinv(A) @ (Vu.T @ R[u, observed[u]]) if n_u else np.nan
    return U


@solution("recommenders/bpr-gradient")
def bpr_gradient(u, v_i, v_j):
    x = u @ (v_i - v_j)
    coefficient = -1.0 / (1.0 + np.exp(x))
    return coefficient * (v_i - v_j), coefficient * u, -coefficient * u


@mutant("recommenders/bpr-gradient", fails="derivative", cause="sign")
def bpr_ascent_direction(u, v_i, v_j):
    g_u, g_i, g_j = bpr_gradient(u, v_i, v_j)
    return -g_u, -g_i, -g_j


@mutant("recommenders/bpr-gradient", fails="derivative", cause="sigma(x) was used")
def bpr_sigma_of_x(u, v_i, v_j):
    x = u @ (v_i - v_j)
    coefficient = -1.0 / (1.0 + np.exp(-x))
    return coefficient * (v_i - v_j), coefficient * u, -coefficient * u


@mutant("recommenders/bpr-gradient", fails="derivative")
def bpr_same_sign_for_j(u, v_i, v_j):
    g_u, g_i, _ = bpr_gradient(u, v_i, v_j)
    return g_u, g_i, g_i


@solution("recommenders/ndcg-at-k")
def ndcg_at_k(scores, relevance, k):
    order = np.argsort(-scores)
    discounts = 1.0 / np.log2(np.arange(2, len(scores) + 2))
    dcg = np.sum(relevance[order][:k] * discounts[:k])
    ideal = np.sum(np.sort(relevance)[::-1][:k] * discounts[:k])
    return dcg / ideal if ideal > 0 else 0.0


@mutant("recommenders/ndcg-at-k", fails="ndcg_score")
def ndcg_discount_off_by_one(scores, relevance, k):
    order = np.argsort(-scores)
    discounts = 1.0 / np.log2(np.arange(3, len(scores) + 3))
    dcg = np.sum(relevance[order][:k] * discounts[:k])
    ideal = np.sum(np.sort(relevance)[::-1][:k] * discounts[:k])
    return dcg / ideal


@mutant("recommenders/ndcg-at-k", fails="ndcg_score", cause="not cut at k")
def ndcg_ideal_uncut(scores, relevance, k):
    order = np.argsort(-scores)
    discounts = 1.0 / np.log2(np.arange(2, len(scores) + 2))
    dcg = np.sum(relevance[order][:k] * discounts[:k])
    return dcg / np.sum(np.sort(relevance)[::-1] * discounts)


@mutant("recommenders/ndcg-at-k", fails="ndcg_score")
def ndcg_ascending(scores, relevance, k):
    return ndcg_at_k(-scores, relevance, k)
