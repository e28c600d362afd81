"""Ranking metrics, per-user AUC, coverage and rating errors.

References and tolerances:
- Hand-computed cases (written out in each test), including users with fewer than k
  relevant items, padded lists and tied scores: exact (1e-15).
- nDCG@k: ``sklearn.metrics.ndcg_score`` on binary relevance (its definition coincides when
  the scores have no ties): 1e-12.
- Per-user AUC: ``sklearn.metrics.roc_auc_score`` user by user over the ranked items (ties
  count one half in both): 1e-12.
- ``implicit.evaluation.ranking_metrics_at_k`` on the same factors and split: MAP@10 and
  nDCG@10 coincide per definition (1e-9); implicit's precision@10 is the micro-average
  sum hits / sum min(k, R), which equals our denominator="min" values averaged with weights
  min(k, R) (1e-9). Its "auc" is a truncated AUC@k, a different quantity, not compared.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from recommend._data import movielens_binary
from sklearn.metrics import ndcg_score, roc_auc_score

from glassml.recommend import (
    ImplicitALS,
    auc,
    coverage,
    mae,
    map_at_k,
    mrr,
    ndcg_at_k,
    precision_at_k,
    random_split,
    recall_at_k,
    rmse,
)

# implicit warns about OpenBLAS threads at every fit; its tests limit BLAS to one thread.
pytestmark = pytest.mark.filterwarnings("ignore:OpenBLAS is configured:RuntimeWarning")

RECOMMENDED = np.array([[3, 1, 7, 5], [2, 9, 4, -1]])  # user 1's list is padded
RELEVANT = [[1, 5, 8], [9]]  # user 0: 3 relevant (2 found), user 1: fewer than k


def test_hand_computed_values():
    k = 4
    per_user = lambda metric, **kw: metric(RECOMMENDED, RELEVANT, k, per_user=True, **kw)  # noqa: E731
    assert per_user(precision_at_k).tolist() == [2 / 4, 1 / 4]
    assert per_user(precision_at_k, denominator="min").tolist() == [2 / 3, 1 / 1]
    assert per_user(recall_at_k).tolist() == [2 / 3, 1 / 1]
    assert per_user(recall_at_k, denominator="min").tolist() == [2 / 3, 1 / 1]
    dcg0 = 1 / np.log2(3) + 1 / np.log2(5)
    idcg0 = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert_close(per_user(ndcg_at_k), [dcg0 / idcg0, (1 / np.log2(3)) / 1], rtol=1e-15)
    # AP: hits at ranks 2 and 4 -> (1/2 + 2/4) / min(4, 3); user 1: hit at rank 2 -> (1/2) / 1
    assert_close(per_user(map_at_k), [(1 / 2 + 2 / 4) / 3, 1 / 2], rtol=1e-15)
    assert_close(
        per_user(map_at_k, denominator="relevant"), [(1 / 2 + 2 / 4) / 3, 1 / 2], rtol=1e-15
    )
    assert per_user(mrr).tolist() == [1 / 2, 1 / 2]
    assert precision_at_k(RECOMMENDED, RELEVANT, 2) == (1 / 2 + 1 / 2) / 2
    assert mrr(RECOMMENDED, RELEVANT, 1) == 0.0


def test_auc_with_ties_and_exclusions():
    scores = np.array([[0.9, 0.5, 0.5, 0.1, 0.7]])
    relevant = np.array([[0, 1, 0, 0, 1]])
    excluded = np.array([[1, 0, 0, 0, 0]])
    # Ranked: items 1..4. Positives {1 (0.5), 4 (0.7)}, negatives {2 (0.5), 3 (0.1)}:
    # pairs (1,2) tie = 1/2, (1,3) = 1, (4,2) = 1, (4,3) = 1 -> 3.5 / 4.
    assert auc(scores, relevant, excluded) == 3.5 / 4
    with pytest.raises(ValueError, match="relevant: expected at least one relevant and one"):
        auc(scores, np.zeros((1, 5)))


def test_auc_equals_sklearn_per_user():
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=(30, 25)), 1)  # rounding makes ties
    relevant = rng.random((30, 25)) < 0.2
    excluded = (rng.random((30, 25)) < 0.2) & ~relevant
    relevant[:, 0], excluded[:, 0] = True, False  # every user has a positive...
    relevant[:, 1], excluded[:, 1] = False, False  # ... and a negative
    expected = [
        roc_auc_score(relevant[u, ~excluded[u]], scores[u, ~excluded[u]]) for u in range(30)
    ]
    assert_close(auc(scores, relevant, excluded, per_user=True), expected, rtol=1e-12)


def test_ndcg_equals_sklearn():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(20, 15))
    relevance = (rng.random((20, 15)) < 0.25).astype(int)
    relevance[:, 3] = 1
    ranked = np.argsort(-scores, axis=1)
    relevant = [np.flatnonzero(row) for row in relevance]
    for k in (1, 5, 15):
        expected = ndcg_score(relevance, scores, k=k)
        assert_close(ndcg_at_k(ranked, relevant, k), expected, rtol=1e-12, what=f"nDCG@{k}")


def test_agrees_with_implicit_evaluation(shared_data):
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.evaluation import ranking_metrics_at_k

    train, test = random_split(movielens_binary(shared_data), 0.2, random_state=1)
    model = ImplicitALS(n_factors=16, n_iter=5, alpha=5.0, reg=0.1, random_state=0).fit(train)
    mirror = AlternatingLeastSquares(factors=16, dtype=np.float64)
    mirror.user_factors, mirror.item_factors = model.user_factors_, model.item_factors_
    theirs = ranking_metrics_at_k(mirror, train.matrix, test.matrix, K=10, show_progress=False)

    users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    recommended, _ = model.recommend(train.user_ids[users], k=10)
    relevant = [train.item_ids[test.matrix[u].indices] for u in users]
    assert_close(map_at_k(recommended, relevant), theirs["map"], rtol=1e-9, what="MAP@10")
    assert_close(ndcg_at_k(recommended, relevant), theirs["ndcg"], rtol=1e-9, what="nDCG@10")
    weights = np.minimum(10, [len(r) for r in relevant])
    precision = precision_at_k(recommended, relevant, denominator="min", per_user=True)
    assert_close(precision @ weights / weights.sum(), theirs["precision"], rtol=1e-9)


def test_coverage_and_rating_errors():
    assert coverage(RECOMMENDED, np.arange(10)) == 7 / 10  # -1 is padding, not an item
    assert rmse([3.0, 5.0], [4.0, 5.0]) == np.sqrt(0.5)
    assert mae([3.0, 5.0], [4.0, 3.0]) == 1.5
    with pytest.raises(ValueError, match="y_pred: expected one prediction per rating"):
        rmse([1.0, 2.0], [1.0])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="relevant: expected at least one relevant item"):
        precision_at_k(RECOMMENDED, [[1], []])
    with pytest.raises(ValueError, match="k: expected at most the list length 4"):
        ndcg_at_k(RECOMMENDED, RELEVANT, 5)
    with pytest.raises(ValueError, match=r"denominator: expected one of \['k', 'min'\]"):
        precision_at_k(RECOMMENDED, RELEVANT, denominator="relevant")
    with pytest.raises(ValueError, match="recommended: expected a 2-D array"):
        recall_at_k([1, 2, 3], RELEVANT)
    with pytest.raises(ValueError, match="relevant: expected 2 rows"):
        mrr(RECOMMENDED, [[1]])
