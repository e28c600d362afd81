"""ItemKNN.

References and tolerances (1e-12 unless said):
- cosine: ``sklearn.metrics.pairwise.cosine_similarity`` on the item columns (diagonal left
  out: an item is not its own neighbour).
- adjusted cosine: the same after centring each user's entries on their mean (NumPy here).
- bm25: the dot products of the columns weighted by ``implicit.nearest_neighbours.
  bm25_weight`` (items as documents, as ``implicit.BM25Recommender`` uses it).
- shrink: w_i . w_j / (|w_i| |w_j| + shrink) by hand; top-k: each row keeps exactly its k
  largest (ties to the lower item); scores are the sparse product R_u S.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from parity import assert_close
from sklearn.metrics.pairwise import cosine_similarity

from glassml.recommend import ItemKNN


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(4)
    return np.where(rng.random((40, 12)) < 0.3, rng.integers(1, 5, (40, 12)), 0).astype(float)


def off_diagonal(matrix):
    matrix = np.array(matrix, dtype=float)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def test_cosine_equals_sklearn(counts):
    model = ItemKNN(n_neighbors=counts.shape[1]).fit(counts)
    expected = off_diagonal(cosine_similarity(counts.T))
    assert_close(model.similarity_.toarray(), expected, rtol=0, atol=1e-12, what="cosine")


def test_adjusted_cosine_centres_each_user(counts):
    model = ItemKNN("adjusted_cosine", n_neighbors=counts.shape[1]).fit(counts)
    centred = counts.copy()
    for row in centred:
        stored = row != 0
        row[stored] -= row[stored].mean() if stored.any() else 0.0
    expected = off_diagonal(cosine_similarity(centred.T))
    assert_close(model.similarity_.toarray(), expected, rtol=0, atol=1e-12, what="adjusted")


def test_bm25_equals_implicits_weighting(counts):
    from implicit.nearest_neighbours import bm25_weight

    model = ItemKNN("bm25", n_neighbors=counts.shape[1], bm25_k1=1.2, bm25_b=0.75).fit(counts)
    weighted = bm25_weight(sp.csr_matrix(counts).T, K1=1.2, B=0.75).T.tocsr()
    expected = off_diagonal((weighted.T @ weighted).toarray())
    assert_close(model.similarity_.toarray(), expected, rtol=0, atol=1e-12, what="bm25")


def test_shrink_top_k_and_scores(counts):
    model = ItemKNN(n_neighbors=3, shrink=5.0).fit(counts)
    norms = np.linalg.norm(counts, axis=0)
    full = off_diagonal(counts.T @ counts / (np.outer(norms, norms) + 5.0))
    similarity = model.similarity_.toarray()
    for item in range(counts.shape[1]):
        kept = np.flatnonzero(model.similarity_[item].toarray()[0])
        order = np.lexsort((np.arange(counts.shape[1]), -full[item]))
        expected = [j for j in order if j != item][:3]
        assert sorted(kept) == sorted(expected), item
        assert_close(similarity[item, kept], full[item, kept], rtol=1e-12, what="shrunk")
    users = np.array([0, 5, 7])
    assert_close(model._user_scores(users), counts[users] @ similarity, rtol=1e-12, what="R S")
    items, scores = model.similar_items([2], k=5)
    assert np.all(scores[0, 3:] == -np.inf) and np.all(items[0, 3:] == -1)  # only 3 neighbours
