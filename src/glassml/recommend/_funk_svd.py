"""Biased matrix factorisation by stochastic gradient descent ("Funk SVD").

Model (Koren, Bell & Volinsky 2009, eq. 4):  r̂_ui = mu + b_u + b_i + p_u . q_i.

Objective over the observed ratings K, each rating carrying its own penalty (eq. 5):

    J = sum_{(u,i) in K} 1/2 [ e_ui^2 + reg_bias (b_u^2 + b_i^2) + reg (|p_u|^2 + |q_i|^2) ],
    e_ui = r_ui - r̂_ui.

Gradient of one rating's term and the step against it, with learning rate eta:

    b_u <- b_u + eta (e_ui - reg_bias b_u)          b_i <- b_i + eta (e_ui - reg_bias b_i)
    p_u <- p_u + eta (e_ui q_i - reg p_u)            q_i <- q_i + eta (e_ui p_u - reg q_i)

(p_u and q_i updated simultaneously, from their values before the step), one rating at a time,
for ``n_epochs`` passes. The loop is inherently sequential: each step reads the parameters the
previous one wrote. Without biases (``biased=False``) the model is p_u . q_i alone, as in
Funk's original and Surprise's ``SVD(biased=False)``.

Order. Each epoch visits the users in a new random order and each user's ratings in a new
random order, all of a user's ratings together (Surprise visits them user by user, unshuffled).
Keeping p_u in cache across its user's ratings halves the time of an epoch against a shuffle of
all ratings (measured on MovieLens 100K, 100 factors), with the same accuracy.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numba
import numpy as np
from sklearn.utils._param_validation import Interval

from glassml.recommend._base import _ExplicitMixin, _IncrementalMixin, _Recommender
from glassml.recommend._common import append_history, generator, learning_rate_at
from glassml.recommend._interactions import Interactions
from glassml.recommend._solve import solve_rows


@numba.njit(cache=True, fastmath=True)
def sgd_epoch(
    users, items, ratings, order, mu, user_bias, item_bias, P, Q, eta, reg, reg_bias, biased
):  # pragma: no cover - compiled
    """One pass of the updates above over the ratings in ``order``; returns sum of e_ui^2.

    The errors are those each step sees (before its update): their mean is the running
    training MSE of the epoch. The factor steps are written p_u <- (1 - eta reg) p_u +
    eta e q_i (the same update), with p_u's old value kept in a buffer so both rows update
    from their values before the step and each loop vectorises.
    """
    n_factors = P.shape[1]
    old_p = np.empty(n_factors, dtype=P.dtype)
    shrink = 1.0 - eta * reg
    squared_errors = 0.0
    for t in range(order.shape[0]):
        entry = order[t]
        u = users[entry]
        i = items[entry]
        p_u = P[u]
        q_i = Q[i]
        dot = 0.0
        for f in range(n_factors):
            dot += p_u[f] * q_i[f]
        if biased:
            error = ratings[entry] - (mu + user_bias[u] + item_bias[i] + dot)
            user_bias[u] += eta * (error - reg_bias * user_bias[u])
            item_bias[i] += eta * (error - reg_bias * item_bias[i])
        else:
            error = ratings[entry] - dot
        squared_errors += error * error
        step = eta * error
        for f in range(n_factors):
            old_p[f] = p_u[f]
        for f in range(n_factors):
            p_u[f] = shrink * p_u[f] + step * q_i[f]
        for f in range(n_factors):
            q_i[f] = shrink * q_i[f] + step * old_p[f]
    return squared_errors


@numba.njit(cache=True)
def grouped_order(indptr, users, rng):  # pragma: no cover - compiled
    """The entries of ``users`` (in that order), each user's entries in a random order.

    A Fisher–Yates shuffle per user, drawing j = floor(u (k + 1)) with u = ``rng.random()``.
    """
    order = np.empty(indptr[-1], dtype=np.int64)
    position = 0
    for user in users:
        start, stop = indptr[user], indptr[user + 1]
        n = stop - start
        for k in range(n):
            order[position + k] = start + k
        for k in range(n - 1, 0, -1):
            j = position + int(rng.random() * (k + 1))
            held = order[position + k]
            order[position + k] = order[j]
            order[j] = held
        position += n
    return order


class _SGDRatings:
    """The SGD machinery of rating models: data in entry order, epochs, training RMSE."""

    def _sgd_setup(self, data: Interactions) -> None:
        matrix = data.matrix
        self._sgd_users = data._entry_rows().astype(np.int64)
        self._sgd_items = matrix.indices.astype(np.int64)
        self._sgd_ratings = matrix.data
        self._sgd_indptr = matrix.indptr.astype(np.int64)

    def _sgd_run(self, n_epochs: int, rng: np.random.Generator, biased: bool) -> None:
        rmse = []
        reg = float(getattr(self, "reg", 0.0))
        reg_bias = self._reg_bias()
        n_ratings = self._sgd_users.shape[0]
        for _ in range(n_epochs):
            eta = learning_rate_at(self.learning_rate, self.n_iter_)
            order = (
                grouped_order(self._sgd_indptr, rng.permutation(self._sgd_indptr.shape[0] - 1), rng)
                if self.shuffle
                else np.arange(n_ratings)
            )
            squared_errors = sgd_epoch(
                self._sgd_users,
                self._sgd_items,
                self._sgd_ratings,
                order,
                self.global_mean_,
                self.user_bias_,
                self.item_bias_,
                self.user_factors_,
                self.item_factors_,
                eta,
                reg,
                reg_bias,
                biased,
            )
            self.n_iter_ += 1
            rmse.append(float(np.sqrt(squared_errors / n_ratings)))
            if not (np.isfinite(rmse[-1]) and np.all(np.isfinite(self.item_bias_))):
                raise ValueError(
                    f"learning_rate: expected a step size small enough for SGD to stay finite, "
                    f"got {eta!r} (diverged in epoch {self.n_iter_})"
                )
        self.history_ = append_history(getattr(self, "history_", None), rmse=rmse)

    def _fold_in(self, matrix) -> tuple[np.ndarray, np.ndarray]:
        """Each new row's (b_u, p_u): the minimiser of J over that user, items held fixed.

        Holding the items fixed, user u's part of J is a ridge regression with penalty
        n_u reg_bias on b_u and n_u reg on p_u (each rating brings its own penalty).
        """
        counts = np.diff(matrix.indptr).astype(np.float64)
        n_factors = self.item_factors_.shape[1]
        biased = bool(getattr(self, "biased", True))
        design = (
            np.hstack([np.ones((len(self.item_ids_), 1)), self.item_factors_])
            if biased
            else self.item_factors_
        )
        penalty_per_rating = np.array(
            ([self._reg_bias()] if biased else []) + [float(getattr(self, "reg", 0.0))] * n_factors
        )
        targets = matrix.data - self.global_mean_ - self.item_bias_[matrix.indices]
        solution = solve_rows(
            matrix.indptr,
            matrix.indices,
            np.ones_like(matrix.data),
            targets,
            design,
            counts[:, None] * penalty_per_rating[None, :],
        )
        if biased:
            return solution[:, 0], solution[:, 1:]
        return np.zeros(matrix.shape[0]), solution


class FunkSVD(_IncrementalMixin, _SGDRatings, _ExplicitMixin, _Recommender):
    """Biased matrix factorisation fitted by stochastic gradient descent (explicit ratings).

    Model r̂_ui = mu + b_u + b_i + p_u . q_i (mu the mean training rating); objective
    J = sum over observed ratings of 1/2 [e_ui^2 + reg_bias (b_u^2 + b_i^2) +
    reg (|p_u|^2 + |q_i|^2)], e_ui = r_ui - r̂_ui; per rating, in shuffled order:
    b_u += eta (e - reg_bias b_u), b_i += eta (e - reg_bias b_i), p_u += eta (e q_i - reg p_u),
    q_i += eta (e p_u - reg q_i). Koren, Bell & Volinsky (2009), "Matrix factorization
    techniques for recommender systems", IEEE Computer 42(8); the defaults are those of
    Surprise's ``SVD``.

    Parameters
    ----------
    n_factors : int
        Length of p_u and q_i.
    n_epochs : int
        Passes over the ratings.
    learning_rate : float or callable
        eta, or a schedule ``epoch -> eta`` (e.g. ``glassml.optim.ExponentialLR(0.01, 0.9)``),
        epochs counted from 0 across warm starts and ``partial_fit``.
    reg : float
        L2 penalty of the factors.
    reg_bias : float, optional
        L2 penalty of the biases (default ``reg``).
    biased : bool
        Include mu, b_u, b_i.
    init_std : float
        Factors start N(0, init_std^2) (users, then items, from the generator of
        ``random_state``); biases start at 0.
    shuffle : bool
        Each epoch, users in a random order and each user's ratings in a random order
        (``rng.permutation`` of the users, then a Fisher–Yates shuffle of each user's
        ratings, from the generator of ``random_state``); else the CSR order (user by user,
        Surprise's).
    warm_start : bool
        ``fit`` continues from the current parameters (same users and items required).
    random_state : int, Generator or None

    Attributes
    ----------
    global_mean_ : float
    user_bias_, item_bias_ : ndarray of shape (n_users,), (n_items,)
    user_factors_, item_factors_ : ndarray of shape (n_users, n_factors), (n_items, n_factors)
    history_ : dict
        ``"rmse"``: each epoch's running training RMSE (of the errors its steps saw).
    n_iter_ : int
        Epochs run in all.

    Examples
    --------
    >>> import numpy as np
    >>> ratings = np.array([[5.0, 4.0, 0.0], [4.0, 0.0, 1.0], [1.0, 2.0, 5.0]])
    >>> model = FunkSVD(n_factors=2, n_epochs=200, learning_rate=0.02, random_state=0)
    >>> model = model.fit(ratings)
    >>> bool(model.history_["rmse"][-1] < model.history_["rmse"][0])
    True
    >>> model.predict([0, 2], [1, 2]).round(1).tolist()
    [4.0, 5.0]
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_factors": [Interval(Integral, 0, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), callable],
        "reg": [Interval(Real, 0, None, closed="left")],
        "reg_bias": [Interval(Real, 0, None, closed="left"), None],
        "biased": ["boolean"],
        "init_std": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_factors: int = 100,
        *,
        n_epochs: int = 20,
        learning_rate=0.005,
        reg: float = 0.02,
        reg_bias: float | None = None,
        biased: bool = True,
        init_std: float = 0.1,
        shuffle: bool = True,
        warm_start: bool = False,
        random_state=None,
    ):
        self.n_factors = n_factors
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.reg = reg
        self.reg_bias = reg_bias
        self.biased = biased
        self.init_std = init_std
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state

    def _reg_bias(self) -> float:
        return float(self.reg if self.reg_bias is None else self.reg_bias)

    def _fit(self, data: Interactions, warm: bool) -> None:
        if not warm:
            self._initialise(data)
        self._run(data, self.n_epochs)

    def _run(self, data: Interactions, n_epochs: int) -> None:
        self._sgd_setup(data)
        self._sgd_run(n_epochs, self._rng, self.biased)

    def _initialise(self, data: Interactions) -> None:
        self._rng = generator(self.random_state)
        ratings = data.matrix.data
        self.global_mean_ = float(ratings.mean()) if self.biased else 0.0
        self.user_factors_ = self._rng.normal(0.0, self.init_std, (data.n_users, self.n_factors))
        self.item_factors_ = self._rng.normal(0.0, self.init_std, (data.n_items, self.n_factors))
        self.user_bias_ = np.zeros(data.n_users)
        self.item_bias_ = np.zeros(data.n_items)
        self.n_iter_ = 0
        self.history_ = {}

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_
