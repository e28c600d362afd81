"""Bayesian personalised ranking (Rendle, Freudenthaler, Gantner & Schmidt-Thieme 2009).

Implicit feedback says which items a user has (i in I_u), not how much the rest are disliked.
BPR models the pairwise order instead: user u prefers a had item i to an item j not had, with

    x̂_uij = x̂_ui - x̂_uj,      x̂_ui = x_u . y_i + b_i,
    P(i >_u j) = sigma(x̂_uij),

and maximises the log posterior over sampled triples D_S = {(u, i, j): i in I_u, j not in I_u}
(the paper's BPR-Opt, eq. 2 there):

    BPR-Opt = sum_{(u,i,j) in D_S} ln sigma(x̂_uij) - reg |Theta|^2.

LearnBPR is stochastic gradient ascent on one triple at a time. With
z = d ln sigma(x̂)/d x̂ = 1 - sigma(x̂_uij) = sigma(-x̂_uij) and d x̂_uij / d theta equal to
(y_i - y_j) for x_u, x_u for y_i, -x_u for y_j, +1 for b_i and -1 for b_j:

    x_u <- x_u + eta (z (y_i - y_j) - reg x_u)
    y_i <- y_i + eta (z x_u - reg y_i)          b_i <- b_i + eta (z - reg b_i)
    y_j <- y_j + eta (-z x_u - reg y_j)         b_j <- b_j + eta (-z - reg b_j)

Triples are drawn by picking a stored (u, i) uniformly (so users in proportion to their
activity, as in LearnBPR) and j uniformly among all items or, with
``negative_sampling="popularity"``, in proportion to popularity (an item of a random stored
pair, as ``implicit`` does); a j the user has is redrawn. The fraction of triples with
x̂_uij > 0 before their step is an unbiased estimate of the training AUC (Rendle et al. §4.1).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numba
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from glassml.recommend._base import _IncrementalMixin, _Recommender
from glassml.recommend._common import append_history, generator, learning_rate_at
from glassml.recommend._interactions import Interactions

# Redraws of a negative item before a triple is given up (the user has nearly every item).
_MAX_REDRAWS = 64


@numba.njit(cache=True, fastmath=True, inline="always")
def bpr_step(x_u, y_i, y_j, bias, i, j, eta, reg):  # pragma: no cover - compiled
    """One LearnBPR step on the triple (u, i, j), in place; returns x̂_uij before the step."""
    x_uij = bias[i] - bias[j]
    for f in range(x_u.shape[0]):
        x_uij += x_u[f] * (y_i[f] - y_j[f])
    z = 1.0 / (1.0 + np.exp(x_uij))  # sigma(-x̂_uij) = d ln sigma(x̂_uij) / d x̂_uij
    for f in range(x_u.shape[0]):
        user, liked, other = x_u[f], y_i[f], y_j[f]
        x_u[f] = user + eta * (z * (liked - other) - reg * user)
        y_i[f] = liked + eta * (z * user - reg * liked)
        y_j[f] = other + eta * (-z * user - reg * other)
    bias[i] += eta * (z - reg * bias[i])
    bias[j] += eta * (-z - reg * bias[j])
    return x_uij


@numba.njit(cache=True, inline="always")
def _has(indices, start, stop, item):  # pragma: no cover - compiled
    """Whether the sorted ``indices[start:stop]`` hold ``item`` (binary search)."""
    low, high = start, stop
    while low < high:
        middle = (low + high) // 2
        if indices[middle] < item:
            low = middle + 1
        else:
            high = middle
    return low < stop and indices[low] == item


@numba.njit(cache=True, fastmath=True)
def bpr_epoch(
    indptr, indices, entry_users, X, Y, bias, eta, reg, n_samples, by_popularity, rng
):  # pragma: no cover - compiled
    """``n_samples`` LearnBPR steps; returns (sum of -ln sigma(x̂), #x̂ > 0, #steps taken)."""
    nnz = indices.shape[0]
    n_items = Y.shape[0]
    loss = 0.0
    correct = 0
    taken = 0
    for _ in range(n_samples):
        entry = int(rng.random() * nnz)
        u = entry_users[entry]
        i = indices[entry]
        start, stop = indptr[u], indptr[u + 1]
        if stop - start >= n_items:
            continue  # the user has every item: no negative exists
        j = -1
        for _ in range(_MAX_REDRAWS):
            if by_popularity:
                candidate = indices[int(rng.random() * nnz)]
            else:
                candidate = int(rng.random() * n_items)
            if not _has(indices, start, stop, candidate):
                j = candidate
                break
        if j < 0:
            continue
        x_uij = bpr_step(X[u], Y[i], Y[j], bias, i, j, eta, reg)
        # -ln sigma(x) = ln(1 + e^{-x}), computed without overflow on either side.
        loss += np.log1p(np.exp(-x_uij)) if x_uij > 0 else -x_uij + np.log1p(np.exp(x_uij))
        if x_uij > 0:
            correct += 1
        taken += 1
    return loss, correct, taken


class BPR(_IncrementalMixin, _Recommender):
    """Bayesian personalised ranking: matrix factorisation trained on pairwise preferences.

    Score x̂_ui = x_u . y_i + b_i; maximises sum over sampled triples (u, i had, j not had)
    of ln sigma(x̂_ui - x̂_uj) - reg |Theta|^2 by stochastic gradient ascent, with
    z = sigma(-x̂_uij): x_u += eta (z (y_i - y_j) - reg x_u), y_i += eta (z x_u - reg y_i),
    y_j += eta (-z x_u - reg y_j), b_i += eta (z - reg b_i), b_j += eta (-z - reg b_j).
    Rendle, Freudenthaler, Gantner & Schmidt-Thieme (2009), "BPR: Bayesian personalized
    ranking from implicit feedback", UAI.

    Parameters
    ----------
    n_factors : int
    n_epochs : int
        Epochs of nnz sampled triples each.
    learning_rate : float or callable
        eta, or a schedule ``epoch -> eta``.
    reg : float
    negative_sampling : {"uniform", "popularity"}
        How j is drawn (a j the user has is redrawn).
    dtype : {"float64", "float32"}
    warm_start : bool
        ``fit`` continues from the current factors (same users and items required).
    random_state : int, Generator or None
        Factors start (U[0, 1) - 1/2) / n_factors, users then items; biases at 0.

    Attributes
    ----------
    user_factors_, item_factors_ : ndarray
    item_bias_ : ndarray of shape (n_items,)
    history_ : dict
        ``"loss"``: mean -ln sigma(x̂_uij) over each epoch's triples (before their step);
        ``"auc"``: the fraction with x̂_uij > 0, an estimate of the training AUC.
    n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> bought = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1], [0, 1, 1, 1]])
    >>> model = BPR(n_factors=4, n_epochs=300, learning_rate=0.05, random_state=0).fit(bought)
    >>> bool(model.history_["auc"][-20:].mean() > 0.8)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_factors": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), callable],
        "reg": [Interval(Real, 0, None, closed="left")],
        "negative_sampling": [StrOptions({"uniform", "popularity"})],
        "dtype": [StrOptions({"float64", "float32"})],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_factors: int = 64,
        *,
        n_epochs: int = 100,
        learning_rate=0.01,
        reg: float = 0.01,
        negative_sampling: str = "uniform",
        dtype: str = "float64",
        warm_start: bool = False,
        random_state=None,
    ):
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.reg = reg
        self.negative_sampling = negative_sampling
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state

    def _fit(self, data: Interactions, warm: bool) -> None:
        if not warm:
            self._initialise(data)
        self._run(data, self.n_epochs)

    def _initialise(self, data: Interactions) -> None:
        dtype = np.dtype(self.dtype)
        self._rng = generator(self.random_state)
        scale = dtype.type(1.0 / self.n_factors)
        self.user_factors_ = (self._rng.random((data.n_users, self.n_factors), dtype) - 0.5) * scale
        self.item_factors_ = (self._rng.random((data.n_items, self.n_factors), dtype) - 0.5) * scale
        self.user_factors_[self.user_counts_ == 0] = 0.0
        self.item_factors_[self.item_popularity_ == 0] = 0.0
        self.item_bias_ = np.zeros(data.n_items, dtype=dtype)
        self.n_iter_ = 0
        self.history_ = {}

    def _run(self, data: Interactions, n_epochs: int) -> None:
        matrix = data.matrix
        # Stored entries with r = 0 carry no interaction; BPR samples only the positive ones.
        positive = matrix.copy()
        positive.data = (positive.data > 0).astype(np.float64)
        positive.eliminate_zeros()
        entry_users = np.repeat(np.arange(data.n_users), np.diff(positive.indptr))
        losses, aucs = [], []
        for _ in range(n_epochs):
            eta = learning_rate_at(self.learning_rate, self.n_iter_)
            loss, correct, taken = bpr_epoch(
                positive.indptr,
                positive.indices,
                entry_users,
                self.user_factors_,
                self.item_factors_,
                self.item_bias_,
                eta,
                float(self.reg),
                positive.nnz,
                self.negative_sampling == "popularity",
                self._rng,
            )
            self.n_iter_ += 1
            losses.append(loss / max(taken, 1))
            aucs.append(correct / max(taken, 1))
            if not np.isfinite(losses[-1]) or not np.all(np.isfinite(self.item_bias_)):
                raise ValueError(
                    f"learning_rate: expected a step size small enough for SGD to stay finite, "
                    f"got {eta!r} (diverged in epoch {self.n_iter_})"
                )
        self.history_ = append_history(self.history_, loss=losses, auc=aucs)

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        scores = self.user_factors_[rows] @ self.item_factors_.T + self.item_bias_
        return np.asarray(scores, dtype=np.float64)

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_.astype(np.float64)
