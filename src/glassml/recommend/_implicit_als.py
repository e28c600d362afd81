"""Implicit-feedback matrix factorisation: weighted ALS of Hu, Koren & Volinsky (2008).

Data are weights r_ui >= 0 (purchases, plays); unobserved pairs are not missing but weak
negatives. Each pair gets a preference and a confidence (eq. 1 and 2 of the paper):

    p_ui = 1 if r_ui > 0 else 0,          c_ui = 1 + alpha r_ui,

and the factors minimise, over *all* user-item pairs (eq. 3),

    J = sum_{u,i} c_ui (p_ui - x_u . y_i)^2 + reg (sum_u |x_u|^2 + sum_i |y_i|^2).

Holding Y fixed, user u's part is a weighted ridge regression with solution (eq. 4)

    x_u = (Y^T C^u Y + reg I)^{-1} Y^T C^u p(u),       C^u = diag(c_u1 .. c_un).

The trick that makes this affordable (the paper's "Y^T C^u Y = Y^T Y + Y^T (C^u - I) Y"):
Y^T Y is the same for every user and computed once per sweep; C^u - I is non-zero only on the
n_u items user u has, so the user's own part costs O(n_u f) per product, not O(n f). Items
are solved symmetrically (eq. 5) with X^T X.

Solvers. ``solver="cholesky"`` forms each user's f x f matrix (O(n_u f^2)) and solves it by
Cholesky: the exact half-step. ``solver="cg"`` never forms it: conjugate gradient needs only
products (Y^T Y + reg I) p + Y^T (C^u - I) Y p, which cost O(f^2 + n_u f); it runs
``cg_steps`` steps warm-started from the previous sweep's factors (Takács, Pilászy & Tikk
2011, "Applications of the conjugate gradient method for implicit feedback collaborative
filtering", RecSys). Each user's CG runs whole inside one Numba thread (users in parallel):
one parallel region per half-step, which on a busy machine beat batching the products of all
users into BLAS calls (measured: 0.8x vs 1.1-1.9x ``implicit``'s time).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numba
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from glassml._threads import kernel_threads, one_blas_thread
from glassml._validation import fail
from glassml.recommend._base import _Recommender
from glassml.recommend._common import append_history, generator
from glassml.recommend._kernels import stored_dot_products
from glassml.recommend._solve import solve_rows


@numba.njit(cache=True, parallel=True, fastmath=True)
def conjugate_gradient_half_step(
    indptr, indices, confidence_minus_one, confidence_times_preference, Y, G, X, cg_steps
):  # pragma: no cover - compiled
    """x_u <- CG on (Y^T Y + reg I + Y^T (C^u - I) Y) x_u = Y^T C^u p(u), from the current x_u.

    ``G = Y^T Y + reg I`` is shared; the user's own term Y^T (C^u - I) Y p is gathered over
    the n_u items of the user (Hu et al. 2008, eq. 4 with their Y^T C^u Y = Y^T Y +
    Y^T (C^u - I) Y). The iteration is Algorithm 5.2 of Nocedal & Wright, as
    :func:`glassml.linalg.conjugate_gradient` (tol=0, max_iter=cg_steps) runs it, which the
    tests compare user by user. Users without interactions get x_u = 0.
    """
    n_rows, d = X.shape
    for u in numba.prange(n_rows):
        x = X[u]
        start, stop = indptr[u], indptr[u + 1]
        if start == stop:
            x[:] = 0.0
            continue
        residual = np.empty(d, dtype=X.dtype)
        direction = np.empty(d, dtype=X.dtype)
        product = np.empty(d, dtype=X.dtype)
        # r = b - A x = Y^T C^u p(u) - G x - Y^T (C^u - I) Y x
        for a in range(d):
            s = 0.0
            for c in range(d):
                s += G[a, c] * x[c]
            residual[a] = -s
        for entry in range(start, stop):
            y = Y[indices[entry]]
            s = 0.0
            for a in range(d):
                s += y[a] * x[a]
            t = confidence_times_preference[entry] - confidence_minus_one[entry] * s
            for a in range(d):
                residual[a] += t * y[a]
        residual_sq = 0.0
        for a in range(d):
            direction[a] = residual[a]
            residual_sq += residual[a] * residual[a]
        for _ in range(cg_steps):
            if residual_sq == 0.0:
                break
            # A p = G p + Y^T (C^u - I) Y p, without forming Y^T C^u Y
            for a in range(d):
                s = 0.0
                for c in range(d):
                    s += G[a, c] * direction[c]
                product[a] = s
            for entry in range(start, stop):
                y = Y[indices[entry]]
                s = 0.0
                for a in range(d):
                    s += y[a] * direction[a]
                s *= confidence_minus_one[entry]
                for a in range(d):
                    product[a] += s * y[a]
            curvature = 0.0
            for a in range(d):
                curvature += direction[a] * product[a]
            if curvature <= 0.0:
                break  # not positive definite along p (reg = 0): keep the iterate
            alpha = residual_sq / curvature  # exact minimiser along p
            new_residual_sq = 0.0
            for a in range(d):
                x[a] += alpha * direction[a]
                residual[a] -= alpha * product[a]
                new_residual_sq += residual[a] * residual[a]
            beta = new_residual_sq / residual_sq  # keeps the next direction A-conjugate
            for a in range(d):
                direction[a] = residual[a] + beta * direction[a]
            residual_sq = new_residual_sq


def _solve_half(
    matrix, confidence_minus_one, confidence_times_preference, Y, X, reg, solver, cg_steps
):
    """Every row's x_u = (Y^T Y + Y^T (C^u - I) Y + reg I)^{-1} Y^T C^u p(u), in place in X."""
    YtY = Y.T @ Y  # computed once per half-step: the shared part of every user's system
    f = Y.shape[1]
    if solver == "cholesky":
        solve_rows(
            matrix.indptr,
            matrix.indices,
            confidence_minus_one,
            confidence_times_preference,
            Y,
            np.full(f, reg, dtype=Y.dtype),
            shared=YtY,
            out=X,
        )
        return
    G = YtY + reg * np.eye(f, dtype=Y.dtype)
    conjugate_gradient_half_step(
        matrix.indptr,
        matrix.indices,
        confidence_minus_one,
        confidence_times_preference,
        np.ascontiguousarray(Y),
        np.ascontiguousarray(G),
        X,
        cg_steps,
    )


class ImplicitALS(_Recommender):
    """Weighted matrix factorisation for implicit feedback (Hu, Koren & Volinsky 2008).

    Preferences p_ui = [r_ui > 0], confidences c_ui = 1 + alpha r_ui; minimises
    J = sum over all pairs c_ui (p_ui - x_u . y_i)^2 + reg (sum |x_u|^2 + sum |y_i|^2) by
    alternating x_u = (Y^T Y + Y^T (C^u - I) Y + reg I)^{-1} Y^T C^u p(u) over users and the
    symmetric step over items. Solved by conjugate gradient with ``cg_steps`` warm-started
    steps (Takács et al. 2011) or exactly by Cholesky. Hu, Koren & Volinsky (2008),
    "Collaborative filtering for implicit feedback datasets", ICDM.

    Parameters
    ----------
    n_factors : int
    reg : float
        lambda (a plain ridge, as in the paper and in ``implicit``).
    alpha : float
        Confidence slope: c_ui = 1 + alpha r_ui. ``implicit`` takes the confidence matrix
        itself (its c_ui = its alpha times the data): give it 1 + alpha r to compare.
    n_iter : int
        Sweeps (users, then items).
    solver : {"cg", "cholesky"}
    cg_steps : int
        Conjugate-gradient steps per half-step (``implicit`` uses 3).
    dtype : {"float64", "float32"}
        Precision of the factors (``implicit``'s default is float32).
    init_scale : float
        Factors start uniform on [0, init_scale): users, then items, from
        ``numpy.random.default_rng(random_state)`` (``implicit``'s initialisation).
    warm_start : bool
        ``fit`` continues from the current factors (same users and items required).
    random_state : int, Generator or None

    Attributes
    ----------
    user_factors_, item_factors_ : ndarray of shape (n_users, n_factors), (n_items, n_factors)
    history_ : dict
        ``"loss"``: J after each sweep (unnormalised; ``implicit`` divides it by
        sum c_ui over stored pairs + the number of unstored pairs).
    n_iter_ : int

    Examples
    --------
    >>> import numpy as np
    >>> bought = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1], [0, 1, 1, 1]])
    >>> model = ImplicitALS(n_factors=2, alpha=10.0, reg=0.1, random_state=0).fit(bought)
    >>> items, scores = model.recommend([0, 2], k=1)
    >>> items.tolist()
    [[2], [1]]
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_factors": [Interval(Integral, 1, None, closed="left")],
        "reg": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"cg", "cholesky"})],
        "cg_steps": [Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float64", "float32"})],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_factors: int = 64,
        *,
        reg: float = 0.01,
        alpha: float = 10.0,
        n_iter: int = 15,
        solver: str = "cg",
        cg_steps: int = 3,
        dtype: str = "float64",
        init_scale: float = 0.01,
        warm_start: bool = False,
        random_state=None,
    ):
        self.n_factors = n_factors
        self.reg = reg
        self.alpha = alpha
        self.n_iter = n_iter
        self.solver = solver
        self.cg_steps = cg_steps
        self.dtype = dtype
        self.init_scale = init_scale
        self.warm_start = warm_start
        self.random_state = random_state

    def _fit(self, data, warm: bool) -> None:
        confidence_max = 1.0 + self.alpha * float(np.max(data.matrix.data))
        if confidence_max > self._max_magnitude:
            raise fail(
                "X",
                f"weights whose confidence 1 + alpha r stays below {self._max_magnitude:g} "
                "(rescale the weights, e.g. log1p, or lower alpha)",
                f"a largest confidence of {confidence_max:g}",
            )
        dtype = np.dtype(self.dtype)
        if not warm:
            rng = generator(self.random_state)
            shape = (data.n_users, self.n_factors), (data.n_items, self.n_factors)
            self.user_factors_ = rng.random(shape[0], dtype=dtype) * dtype.type(self.init_scale)
            self.item_factors_ = rng.random(shape[1], dtype=dtype) * dtype.type(self.init_scale)
            self.n_iter_ = 0
            self.history_ = {}
        by_user = data.matrix
        by_item = by_user.T.tocsr()  # each item's users, in the same (entry) terms
        halves = []
        for matrix in (by_user, by_item):
            r = matrix.data
            confidence = 1.0 + self.alpha * r
            halves.append(
                (
                    matrix,
                    (confidence - 1.0).astype(dtype),  # the entries of C - I
                    (confidence * (r > 0)).astype(dtype),  # the entries of C p
                )
            )
        X, Y = self.user_factors_, self.item_factors_
        loss = []
        # BLAS on one thread: its products here are small (f x f Gram matrices), and BLAS
        # threads woken between Numba's parallel regions fight them for the cores.
        with kernel_threads(by_user.nnz * self.n_factors), one_blas_thread():
            for _ in range(self.n_iter):
                _solve_half(*halves[0], Y, X, self.reg, self.solver, self.cg_steps)
                _solve_half(*halves[1], X, Y, self.reg, self.solver, self.cg_steps)
                self.n_iter_ += 1
                loss.append(self._objective(*halves[0]))
        self.history_ = append_history(self.history_, loss=loss)

    def _objective(self, by_user, confidence_minus_one, confidence_times_preference) -> float:
        """J = sum_u x_u^T Y^T Y x_u + sum_{stored} [(c - 1) s^2 - 2 c p s + c p] + reg (...).

        The sum over all pairs of c (p - s)^2, s = x_u . y_i, is s^2 on every unstored pair;
        adding and subtracting s^2 on the stored ones leaves trace(X^T X Y^T Y) plus a sum
        over stored pairs only (p^2 = p).
        """
        X, Y = self.user_factors_, self.item_factors_
        s = stored_dot_products(by_user.indptr, by_user.indices, X, Y)
        cm1 = confidence_minus_one.astype(np.float64, copy=False)
        cp = confidence_times_preference.astype(np.float64, copy=False)
        stored = float(np.sum(cm1 * s * s - 2.0 * cp * s + cp))
        # f x f Gram matrices in the factors' precision, then combined in float64: no
        # (n_users x f) temporary, which at a million users would be half a gigabyte.
        XtX, YtY = (np.asarray(M.T @ M, dtype=np.float64) for M in (X, Y))
        all_pairs = float(np.sum(XtX * YtY))
        penalty = self.reg * float(np.trace(XtX) + np.trace(YtY))
        return all_pairs + stored + penalty

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.user_factors_[rows] @ self.item_factors_.T, dtype=np.float64)

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_.astype(np.float64)
