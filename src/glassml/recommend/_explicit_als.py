"""Explicit-feedback matrix factorisation by alternating least squares, with biases.

Model: r̂_ui = mu + b_u + b_i + p_u . q_i. Objective with the weighted-lambda regularisation of
Zhou, Wilkinson, Schreiber & Pan (2008), where each user's and item's penalty grows with its
number of ratings n_u, n_i (eq. 3 there, extended to the biases):

    J = sum_{(u,i) in K} (r_ui - r̂_ui)^2
        + reg ( sum_u n_u (|p_u|^2 + b_u^2) + sum_i n_i (|q_i|^2 + b_i^2) ).

Holding the items fixed, J splits into one ridge regression per user in x_u = (b_u, p_u) with
design rows z_i = (1, q_i) and targets t_ui = r_ui - mu - b_i:

    (Z_u^T Z_u + reg n_u I) x_u = Z_u^T t_u                     (the user half-step)

and symmetrically for the items with x_i = (b_i, q_i), z_u = (1, p_u), t_ui = r_ui - mu - b_u.
Each half-step minimises J exactly over one side, so J never increases. Users are solved
first, from the initial item factors. ``_solve.solve_rows`` builds and solves the systems.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval

from glassml.recommend._base import _ExplicitMixin, _Recommender
from glassml.recommend._common import append_history, generator
from glassml.recommend._kernels import stored_dot_products
from glassml.recommend._solve import solve_rows


def ridge_half_step(
    matrix, other_factors, other_bias, mu, reg, biased
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (bias, factors) minimising J with the other side fixed.

    ``matrix`` has the rows to solve (users, or items via the transpose) and the other side
    as columns. Returns ``(bias, factors)``; the bias is 0 when ``biased`` is False.
    """
    counts = np.diff(matrix.indptr).astype(np.float64)
    design = (
        np.hstack([np.ones((other_factors.shape[0], 1)), other_factors])
        if biased
        else other_factors
    )
    targets = matrix.data - mu - other_bias[matrix.indices]
    solution = solve_rows(
        matrix.indptr,
        matrix.indices,
        np.ones_like(targets),
        targets,
        design,
        reg * counts[:, None],
    )
    if biased:
        return solution[:, 0].copy(), np.ascontiguousarray(solution[:, 1:])
    return np.zeros(matrix.shape[0]), solution


class ExplicitALS(_ExplicitMixin, _Recommender):
    """Matrix factorisation of explicit ratings by alternating ridge regressions.

    Model r̂_ui = mu + b_u + b_i + p_u . q_i; objective J = sum over observed ratings
    (r_ui - r̂_ui)^2 + reg (sum_u n_u (|p_u|^2 + b_u^2) + sum_i n_i (|q_i|^2 + b_i^2))
    (weighted-lambda regularisation); each sweep solves every user's ridge system
    (Z_u^T Z_u + reg n_u I) (b_u, p_u) = Z_u^T (r_u - mu - b), z_i = (1, q_i), then every
    item's likewise. Zhou, Wilkinson, Schreiber & Pan (2008), "Large-scale parallel
    collaborative filtering for the Netflix Prize", AAIM, LNCS 5034.

    Parameters
    ----------
    n_factors : int
    n_iter : int
        Sweeps (users, then items).
    reg : float
        lambda; the penalty of a user or item is lambda times its number of ratings.
    biased : bool
        Include mu, b_u, b_i (else r̂ = p_u . q_i, Zhou et al.'s model).
    init_std : float
        Item factors start N(0, init_std^2) from the generator of ``random_state``.
    warm_start : bool
        ``fit`` continues from the current parameters (same users and items required).
    random_state : int, Generator or None

    Attributes
    ----------
    global_mean_ : float
    user_bias_, item_bias_, user_factors_, item_factors_ : ndarray
    history_ : dict
        ``"loss"`` (J after each sweep) and ``"rmse"`` (training RMSE).
    n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> ratings = np.array([[5.0, 4.0, 0.0], [4.0, 0.0, 1.0], [1.0, 2.0, 5.0]])
    >>> model = ExplicitALS(n_factors=2, reg=0.01, n_iter=20, random_state=0).fit(ratings)
    >>> bool(np.all(np.diff(model.history_["loss"]) <= 1e-9))
    True
    >>> model.predict([0, 1], [0, 2]).round(1).tolist()
    [5.0, 1.0]
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_factors": [Interval(Integral, 0, None, closed="left")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "reg": [Interval(Real, 0, None, closed="left")],
        "biased": ["boolean"],
        "init_std": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_factors: int = 10,
        *,
        n_iter: int = 15,
        reg: float = 0.05,
        biased: bool = True,
        init_std: float = 0.1,
        warm_start: bool = False,
        random_state=None,
    ):
        self.n_factors = n_factors
        self.n_iter = n_iter
        self.reg = reg
        self.biased = biased
        self.init_std = init_std
        self.warm_start = warm_start
        self.random_state = random_state

    def _fit(self, data, warm: bool) -> None:
        if not warm:
            rng = generator(self.random_state)
            self.global_mean_ = float(data.matrix.data.mean()) if self.biased else 0.0
            self.item_factors_ = rng.normal(0.0, self.init_std, (data.n_items, self.n_factors))
            self.user_factors_ = np.zeros((data.n_users, self.n_factors))
            self.user_bias_ = np.zeros(data.n_users)
            self.item_bias_ = np.zeros(data.n_items)
            self.n_iter_ = 0
            self.history_ = {}
        by_user = data.matrix
        by_item = by_user.T.tocsr()
        loss, rmse = [], []
        for _ in range(self.n_iter):
            self.user_bias_, self.user_factors_ = ridge_half_step(
                by_user,
                self.item_factors_,
                self.item_bias_,
                self.global_mean_,
                self.reg,
                self.biased,
            )
            self.item_bias_, self.item_factors_ = ridge_half_step(
                by_item,
                self.user_factors_,
                self.user_bias_,
                self.global_mean_,
                self.reg,
                self.biased,
            )
            self.n_iter_ += 1
            objective, training_rmse = self._objective(by_user)
            loss.append(objective)
            rmse.append(training_rmse)
        self.history_ = append_history(self.history_, loss=loss, rmse=rmse)

    def _objective(self, by_user) -> tuple[float, float]:
        rows = np.repeat(np.arange(by_user.shape[0]), np.diff(by_user.indptr))
        predictions = (
            self.global_mean_
            + self.user_bias_[rows]
            + self.item_bias_[by_user.indices]
            + stored_dot_products(
                by_user.indptr, by_user.indices, self.user_factors_, self.item_factors_
            )
        )
        errors = by_user.data - predictions
        users = np.sum(self.user_factors_**2, axis=1) + self.user_bias_**2
        items = np.sum(self.item_factors_**2, axis=1) + self.item_bias_**2
        penalty = self.reg * (self.user_counts_ @ users + self.item_popularity_ @ items)
        return float(errors @ errors + penalty), float(np.sqrt(np.mean(errors**2)))

    def _fold_in(self, matrix) -> tuple[np.ndarray, np.ndarray]:
        """New rows' (b_u, p_u): the user half-step, item parameters fixed."""
        return ridge_half_step(
            matrix, self.item_factors_, self.item_bias_, self.global_mean_, self.reg, self.biased
        )

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_
