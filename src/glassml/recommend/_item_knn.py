"""Item-based nearest neighbours: "customers who bought this also bought".

Each item i is the column w_i of the user x item matrix (one entry per user who has it). Two
items are similar when the same users have them (Sarwar, Karypis, Konstan & Riedl 2001;
Deshpande & Karypis 2004):

    cosine            s_ij = w_i . w_j / (|w_i| |w_j| + shrink)
    adjusted cosine   the same after subtracting each user's mean value from their entries
                      (Sarwar et al. §3.1.3: removes each user's rating scale)
    bm25              s_ij = w_i . w_j on BM25-weighted columns: items are the documents, users
                      the terms, w_ui = r_ui (K1 + 1) / (K1 L_i + r_ui) idf_u with length norm
                      L_i = 1 - B + B |i| / mean |i| and idf_u = ln(n_items) - ln(1 + n_u)
                      (``implicit``'s ``bm25_weight``)

``shrink`` (Koren 2008, §2.2) pulls similarities resting on few common users towards 0. All
dot products come at once as the sparse product W^T W; each item then keeps its
``n_neighbors`` most similar other items, and a user's score for item i sums the similarities
of i to the items the user has, weighted by the user's values:

    score(u, i) = sum_{j in I_u, i in N(j)} r_uj s_ji       (the sparse product R_u S).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, StrOptions

from glassml.recommend._base import _Recommender
from glassml.recommend._interactions import Interactions
from glassml.recommend._kernels import top_k_sparse_rows


def bm25_weight(matrix: sp.csr_matrix, k1: float, b: float) -> sp.csr_matrix:
    """The user x item matrix with each entry re-weighted by BM25 (items as documents)."""
    weighted = matrix.tocoo(copy=True)
    n_items = matrix.shape[1]
    users_items = np.bincount(weighted.row, minlength=matrix.shape[0])
    idf = np.log(n_items) - np.log1p(users_items)
    item_lengths = np.bincount(weighted.col, weights=weighted.data, minlength=n_items)
    length_norm = (1.0 - b) + b * item_lengths / item_lengths.mean()
    weighted.data = (
        weighted.data * (k1 + 1.0) / (k1 * length_norm[weighted.col] + weighted.data)
    ) * idf[weighted.row]
    return weighted.tocsr()


def centre_users(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each user's stored values minus that user's mean stored value."""
    centred = matrix.copy()
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    means = np.bincount(rows, weights=matrix.data, minlength=matrix.shape[0]) / np.maximum(
        counts, 1
    )
    centred.data = matrix.data - np.repeat(means, counts)
    return centred


class ItemKNN(_Recommender):
    """Item-item collaborative filtering with sparse similarity and top-k neighbours.

    s_ij = w_i . w_j / (|w_i| |w_j| + shrink) on the item columns w_i of the user x item
    matrix (``"cosine"``), on user-centred columns (``"adjusted_cosine"``), or the plain dot
    product of BM25-weighted columns (``"bm25"``); each item keeps its ``n_neighbors`` most
    similar items; score(u, i) = sum_j r_uj s_ji over the user's items j. Sarwar, Karypis,
    Konstan & Riedl (2001), "Item-based collaborative filtering recommendation algorithms",
    WWW.

    Parameters
    ----------
    similarity : {"cosine", "adjusted_cosine", "bm25"}
    n_neighbors : int
        Neighbours kept per item (``implicit``'s K).
    shrink : float
        Added to the cosine denominator (cosine variants).
    bm25_k1, bm25_b : float
        BM25's saturation and length normalisation.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix of shape (n_items, n_items)
        Row i holds i's neighbours and their similarities.

    Examples
    --------
    >>> import numpy as np
    >>> bought = np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1]])
    >>> model = ItemKNN(n_neighbors=2).fit(bought)
    >>> items, scores = model.similar_items([0], k=1)
    >>> items.tolist(), scores.round(3).tolist()
    ([[1]], [[0.816]])
    """

    _parameter_constraints: ClassVar[dict] = {
        "similarity": [StrOptions({"cosine", "adjusted_cosine", "bm25"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "shrink": [Interval(Real, 0, None, closed="left")],
        "bm25_k1": [Interval(Real, 0, None, closed="left")],
        "bm25_b": [Interval(Real, 0, 1, closed="both")],
    }
    _max_magnitude = None  # cosines are scale-free (computed on rescaled data), bm25 saturates

    def __init__(
        self,
        similarity: str = "cosine",
        *,
        n_neighbors: int = 20,
        shrink: float = 0.0,
        bm25_k1: float = 1.2,
        bm25_b: float = 0.75,
    ):
        self.similarity = similarity
        self.n_neighbors = n_neighbors
        self.shrink = shrink
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b

    def _fit(self, data: Interactions, warm: bool) -> None:
        matrix = data.matrix
        if self.similarity == "adjusted_cosine":
            matrix = centre_users(matrix)
        if self.similarity == "bm25":
            weighted = bm25_weight(matrix, self.bm25_k1, self.bm25_b)
            products = (weighted.T @ weighted).tocsr()
        else:
            # Cosines do not change when the data are scaled; dividing by the largest value
            # keeps the dot products of 1e300-sized entries from overflowing.
            scale = max(float(np.max(np.abs(matrix.data), initial=0.0)), 1e-300)
            unit = matrix / scale
            products = (unit.T @ unit).tocsr()
            norms = np.sqrt(products.diagonal())
            rows = np.repeat(np.arange(products.shape[0]), np.diff(products.indptr))
            shrink = 0.0
            if self.shrink > 0:
                with np.errstate(over="ignore", under="ignore"):  # inf: every s_ij is then 0
                    shrink = self.shrink / np.float64(scale) / np.float64(scale)
            denominator = norms[rows] * norms[products.indices] + shrink
            products.data = np.divide(
                products.data,
                denominator,
                out=np.zeros_like(products.data),
                where=denominator > 0,
            )
        products.sort_indices()
        indptr, indices, values = top_k_sparse_rows(
            products.indptr, products.indices, products.data, self.n_neighbors, True
        )
        self.similarity_ = sp.csr_matrix((values, indices, indptr), shape=products.shape)

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return (self.interactions_.matrix[rows] @ self.similarity_).toarray()

    def _item_similarities(self, rows: np.ndarray) -> np.ndarray:
        block = self.similarity_[rows]
        dense = np.full(block.shape, -np.inf)
        coo = block.tocoo()
        dense[coo.row, coo.col] = coo.data
        return dense
