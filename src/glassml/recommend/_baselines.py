"""The two baselines every recommender must beat.

``Popularity``: everyone is recommended the items most users have, score(u, i) = #{users of i}
(or the total weight of i). It is the bar for implicit feedback, and a hard one in retail.

``BaselineOnly`` (Koren 2010, §2.1): r̂_ui = mu + b_u + b_i, the biases minimising

    sum_{(u,i) in K} (r_ui - mu - b_u - b_i)^2 + reg_user sum_u b_u^2 + reg_item sum_i b_i^2

by alternating least squares: holding b_u fixed, each b_i is a one-variable ridge regression

    b_i = sum_{u in R(i)} (r_ui - mu - b_u) / (reg_item + |R(i)|),

then each b_u likewise with reg_user (items first, then users, as in Surprise). Each half-step
is the exact minimiser over one side, so the objective never increases. ``method="sgd"`` runs
the SGD of :class:`FunkSVD` with no factors instead (objective with a per-rating penalty
``reg``).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from glassml.recommend._base import _ExplicitMixin, _Recommender
from glassml.recommend._common import append_history, generator
from glassml.recommend._funk_svd import _SGDRatings
from glassml.recommend._interactions import Interactions
from glassml.recommend._solve import solve_rows


class Popularity(_Recommender):
    """Recommend the most popular items: score(u, i) = number of training users of i.

    With ``by="weight"`` the score is the total weight of i (units, plays) instead. The same
    list for everyone (minus what each user already has); ``similar_items`` ranks the other
    items by popularity too, as this model knows no similarity.

    Parameters
    ----------
    by : {"users", "weight"}

    Attributes
    ----------
    scores_ : ndarray of shape (n_items,)

    Examples
    --------
    >>> import numpy as np
    >>> bought = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 1]])
    >>> Popularity().fit(bought).recommend([1, 2], k=2)[0].tolist()
    [[1, 2], [1, -1]]
    """

    _parameter_constraints: ClassVar[dict] = {"by": [StrOptions({"users", "weight"})]}
    _max_magnitude = None  # counts and sums: any finite weight is fine

    def __init__(self, by: str = "users"):
        self.by = by

    def _fit(self, data: Interactions, warm: bool) -> None:
        if self.by == "users":
            self.scores_ = self.item_popularity_.astype(np.float64)
        else:
            self.scores_ = np.asarray(data.matrix.sum(axis=0), dtype=np.float64).ravel()

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.scores_, (len(rows), len(self.scores_)))

    def _item_similarities(self, rows: np.ndarray) -> np.ndarray:
        return self._user_scores(rows)


class BaselineOnly(_ExplicitMixin, _SGDRatings, _Recommender):
    """Global mean plus user and item biases: r̂_ui = mu + b_u + b_i (Koren 2010, §2.1).

    ``method="als"`` minimises sum (r_ui - mu - b_u - b_i)^2 + reg_user sum b_u^2 +
    reg_item sum b_i^2 by alternating exact ridge steps, b_i = sum_u (r_ui - mu - b_u) /
    (reg_item + n_i), then b_u = sum_i (r_ui - mu - b_i) / (reg_user + n_u); ``method="sgd"``
    takes per-rating steps b_u += eta (e - reg b_u), b_i += eta (e - reg b_i). Koren (2010),
    "Factor in the neighbors: scalable and accurate collaborative filtering", ACM TKDD 4(1);
    the defaults are Surprise's ``BaselineOnly``.

    Parameters
    ----------
    method : {"als", "sgd"}
    n_epochs : int
        Sweeps (ALS) or passes over the ratings (SGD).
    reg_user, reg_item : float
        ALS penalties (Surprise's reg_u = 15, reg_i = 10).
    learning_rate, reg : float
        SGD step and per-rating penalty.
    shuffle : bool
        SGD only: a new random order each epoch (users, and each user's ratings, as in
        :class:`FunkSVD`).
    warm_start : bool
        ``fit`` continues from the current biases (same users and items required).
    random_state : int, Generator or None
        SGD only: the shuffling.

    Attributes
    ----------
    global_mean_ : float
    user_bias_, item_bias_ : ndarray
    history_ : dict
        ``"rmse"``: training RMSE after each sweep (ALS), or each epoch's running RMSE
        (SGD); ``"loss"`` (ALS): the objective after each sweep.
    n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> ratings = np.array([[5.0, 4.0, 0.0], [4.0, 0.0, 1.0], [1.0, 2.0, 5.0]])
    >>> model = BaselineOnly(reg_user=1.0, reg_item=1.0).fit(ratings)
    >>> round(model.global_mean_, 4), model.user_bias_.round(3).tolist()
    (3.1429, [0.958, -0.542, -0.369])
    >>> model.predict([0], [2]).round(2).tolist()
    [4.31]
    """

    _parameter_constraints: ClassVar[dict] = {
        "method": [StrOptions({"als", "sgd"})],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "reg_user": [Interval(Real, 0, None, closed="left")],
        "reg_item": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), callable],
        "reg": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method: str = "als",
        *,
        n_epochs: int = 10,
        reg_user: float = 15.0,
        reg_item: float = 10.0,
        learning_rate=0.005,
        reg: float = 0.02,
        shuffle: bool = True,
        warm_start: bool = False,
        random_state=None,
    ):
        self.method = method
        self.n_epochs = n_epochs
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.learning_rate = learning_rate
        self.reg = reg
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state

    def _fit(self, data: Interactions, warm: bool) -> None:
        if not warm:
            self._rng = generator(self.random_state)
            self.global_mean_ = float(data.matrix.data.mean())
            self.user_bias_ = np.zeros(data.n_users)
            self.item_bias_ = np.zeros(data.n_items)
            self.user_factors_ = np.zeros((data.n_users, 0))
            self.item_factors_ = np.zeros((data.n_items, 0))
            self.n_iter_ = 0
            self.history_ = {}
        self._sgd_setup(data)
        if self.method == "sgd":
            self._sgd_run(self.n_epochs, self._rng, biased=True)
        else:
            self._als_run(data)

    def _reg_bias(self) -> float:
        return float(self.reg)

    def _als_run(self, data: Interactions) -> None:
        by_user = data.matrix
        by_item = by_user.T.tocsr()  # columns as rows: each item's ratings
        ones_users, ones_items = np.ones((data.n_users, 1)), np.ones((data.n_items, 1))
        loss, rmse = [], []
        for _ in range(self.n_epochs):
            # Items: b_i = sum_u (r_ui - mu - b_u) / (reg_item + n_i), a ridge with z = 1.
            targets = by_item.data - self.global_mean_ - self.user_bias_[by_item.indices]
            self.item_bias_ = solve_rows(
                by_item.indptr,
                by_item.indices,
                np.ones_like(targets),
                targets,
                ones_users,
                self.reg_item,
            )[:, 0]
            # Users: b_u = sum_i (r_ui - mu - b_i) / (reg_user + n_u).
            targets = by_user.data - self.global_mean_ - self.item_bias_[by_user.indices]
            self.user_bias_ = solve_rows(
                by_user.indptr,
                by_user.indices,
                np.ones_like(targets),
                targets,
                ones_items,
                self.reg_user,
            )[:, 0]
            self.n_iter_ += 1
            errors = by_user.data - (
                self.global_mean_
                + self.user_bias_[self._sgd_users]
                + self.item_bias_[by_user.indices]
            )
            loss.append(
                float(errors @ errors)
                + self.reg_user * float(self.user_bias_ @ self.user_bias_)
                + self.reg_item * float(self.item_bias_ @ self.item_bias_)
            )
            rmse.append(float(np.sqrt(np.mean(errors**2))))
        self.history_ = append_history(self.history_, loss=loss, rmse=rmse)

    def _fold_in(self, matrix) -> tuple[np.ndarray, np.ndarray]:
        """New rows' b_u given the item biases: the user half-step of the fitted method."""
        counts = np.diff(matrix.indptr).astype(np.float64)
        ridge = self.reg_user if self.method == "als" else self.reg * counts[:, None]
        targets = matrix.data - self.global_mean_ - self.item_bias_[matrix.indices]
        bias = solve_rows(
            matrix.indptr,
            matrix.indices,
            np.ones_like(targets),
            targets,
            np.ones((len(self.item_ids_), 1)),
            ridge,
        )[:, 0]
        return bias, np.zeros((matrix.shape[0], 0))

    def _item_similarities(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_bias_, (len(rows), len(self.item_bias_)))
