"""Ridge regression: least squares with an L2 penalty, solved in closed form.

Objective (after centring X and y at their weighted means, which frees the intercept):

    min_b  ||sqrt(W) (y - X b)||^2 + alpha ||b||^2

Setting the gradient ``-2 X'W(y - Xb) + 2 alpha b`` to zero gives the regularised normal
equations ``(X'WX + alpha I) b = X'Wy``; the matrix is symmetric positive definite for
``alpha > 0``, so a Cholesky factorisation solves it (``n_samples >= n_features``). For wide
data the same solution comes from the SVD ``sqrt(W) X = U S V'``:
``b = V diag(s / (s^2 + alpha)) U' sqrt(W) y``, whose cost is cubic in ``n_samples`` only.
``solver="cg"`` runs conjugate gradients on the normal equations using only products
``v -> X'W(Xv) + alpha v`` (never forming ``X'WX``; centring is applied implicitly so sparse X
stays sparse).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import downscale_of, scale_of
from glassml._validation import check_fit_data, check_predict_data, check_weights

# Rows per block when accumulating X'WX: large enough for BLAS-3 speed, small enough that the
# centred block stays in cache and the centred copy of X is never materialised in full.
_GRAM_BLOCK_ROWS = 4096


def _weighted_means(X, y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = weights.sum()
    x_mean = np.asarray(X.T @ weights).ravel() / total
    y_mean = (weights @ y) / total
    return x_mean, y_mean


def _centred_gram(
    X: np.ndarray,
    y: np.ndarray,
    x_mean: np.ndarray,
    y_mean: np.ndarray,
    sqrt_w: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """``Xc'WXc`` and ``Xc'Wyc`` accumulated over row blocks (never a full centred copy)."""
    n_samples, n_features = X.shape
    gram = np.zeros((n_features, n_features))
    xty = np.zeros((n_features, y.shape[1]))
    for start in range(0, n_samples, _GRAM_BLOCK_ROWS):
        rows = slice(start, start + _GRAM_BLOCK_ROWS)
        block = X[rows] - x_mean
        target = y[rows] - y_mean
        if sqrt_w is not None:
            block *= sqrt_w[rows, None]
            target *= sqrt_w[rows, None]
        # NumPy recognises block.T @ block and calls BLAS syrk (half the flops of a GEMM).
        gram += block.T @ block
        xty += block.T @ target
    return gram, xty


def _solve_cholesky(gram: np.ndarray, rhs: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Solve ``(G + alpha_t I) x_t = rhs_t`` for each target ``t`` (one factorisation per alpha)."""
    solution = np.empty_like(rhs)
    diagonal = np.diag(gram).copy()
    for alpha in np.unique(alphas):
        targets = alphas == alpha
        system = gram.copy(order="F")
        system[np.diag_indices_from(system)] = diagonal + alpha
        factor = scipy.linalg.cho_factor(system, lower=False, overwrite_a=True, check_finite=False)
        # A factor with a pivot ratio near rounding means the system is numerically singular
        # (alpha = 0 with collinear X): Cholesky "succeeds" there but its solution is noise.
        pivots = np.abs(np.diag(factor[0]))
        if pivots.min() ** 2 <= pivots.max() ** 2 * len(pivots) * np.finfo(np.float64).eps:
            raise np.linalg.LinAlgError("numerically singular regularised Gram matrix")
        solution[:, targets] = scipy.linalg.cho_solve(factor, rhs[:, targets], check_finite=False)
    return solution


def _solve_svd(A: np.ndarray, b: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """``x_t = V diag(s / (s^2 + alpha_t)) U' b_t``; zero singular values contribute nothing."""
    U, s, Vt = scipy.linalg.svd(A, full_matrices=False, lapack_driver="gesdd")
    cutoff = s[0] * max(A.shape) * np.finfo(np.float64).eps if s.size else 0.0
    Utb = U.T @ b
    denominator = s[:, None] ** 2 + alphas[None, :]
    safe_denominator = np.where(denominator > 0, denominator, 1.0)
    shrink = np.where(s[:, None] > cutoff, s[:, None] / safe_denominator, 0.0)
    return Vt.T @ (shrink * Utb)


def _solve_cg(X, y, x_mean, y_mean, weights, alphas, tol, max_iter):
    """Conjugate gradients on ``(Xc'WXc + alpha I) b = Xc'W yc`` with implicit centring."""
    from glassml.linalg import conjugate_gradient

    n_features = X.shape[1]
    solution = np.empty((n_features, y.shape[1]))
    n_iter = np.empty(y.shape[1], dtype=int)

    def centred_matvec(v: np.ndarray) -> np.ndarray:  # Xc v = X v - (xbar . v) 1
        return np.asarray(X @ v).ravel() - x_mean @ v

    def centred_rmatvec(u: np.ndarray) -> np.ndarray:  # Xc' u = X' u - xbar sum(u)
        return np.asarray(X.T @ u).ravel() - x_mean * u.sum()

    for target in range(y.shape[1]):
        alpha = alphas[target]

        def normal_matvec(v: np.ndarray, alpha: float = alpha) -> np.ndarray:
            return centred_rmatvec(weights * centred_matvec(v)) + alpha * v

        rhs = centred_rmatvec(weights * (y[:, target] - y_mean[target]))
        solution[:, target], n_iter[target] = conjugate_gradient(
            normal_matvec, rhs, tol=tol, max_iter=max_iter
        )
    return solution, n_iter


class Ridge(RegressorMixin, BaseEstimator):
    """Linear least squares with an L2 penalty (Tikhonov regularisation).

    Objective ``min_{b0, b} sum_i w_i (y_i - b0 - x_i' b)^2 + alpha ||b||^2`` (the intercept is
    not penalised). Closed form ``b = (Xc'WXc + alpha I)^{-1} Xc'W yc`` on data centred at the
    weighted means, with ``b0 = ybar - xbar' b``; solved by Cholesky of the regularised Gram
    matrix (``n_samples >= n_features``) or by the SVD ``sqrt(W) Xc = U S V'``,
    ``b = V diag(s / (s^2 + alpha)) U' sqrt(W) yc`` (wide data), chosen by shape with
    ``solver="auto"``; ``solver="cg"`` iterates conjugate gradients on the same normal
    equations through matrix-vector products only (dense or scipy.sparse X).

    Parameters
    ----------
    alpha : float or array of shape (n_targets,), default=1.0
        Penalty strength (one per target when an array).
    fit_intercept : bool, default=True
    solver : {"auto", "cholesky", "svd", "cg"}, default="auto"
    tol : float, default=1e-10
        Residual tolerance of conjugate gradients (``solver="cg"`` only).
    max_iter : int or None, default=None
        Iteration cap of conjugate gradients (None: its own default).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    solver_ : str
        The solver that ran.
    n_iter_ : ndarray of shape (n_targets,)
        Conjugate-gradient iterations per target (1 for the closed forms: one direct solve).

    References
    ----------
    Hoerl & Kennard (1970), "Ridge regression: biased estimation for nonorthogonal problems",
    Technometrics 12(1). Hastie, Tibshirani & Friedman, *The Elements of Statistical
    Learning*, section 3.4.1 (the SVD form).

    Units: with X = c X' the problem is ridge on X' with penalty alpha / c^2; huge X is solved
    that way (at X * 1e300 the penalty vanishes: least squares), tiny X as it is (the penalty
    wins: the mean of y).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.linear import Ridge
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = Ridge(alpha=1.0).fit(X, 2.0 * X[:, 0])
    >>> round(float(model.coef_[0]), 6), round(model.intercept_, 6)
    (1.666667, 0.5)
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "alpha": [Interval(numbers.Real, 0, None, closed="left"), np.ndarray],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", "cholesky", "svd", "cg"})],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        alpha: float | np.ndarray = 1.0,
        *,
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float = 1e-10,
        max_iter: int | None = None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = self.solver == "cg"
        return tags

    def _alphas(self, n_targets: int) -> np.ndarray:
        alphas = np.asarray(self.alpha, dtype=np.float64).ravel()
        if alphas.size == 1:
            alphas = np.full(n_targets, alphas[0])
        if alphas.shape != (n_targets,) or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(
                f"alpha: expected a non-negative float or one per target ({n_targets}), "
                f"got {self.alpha!r}"
            )
        return alphas

    def fit(self, X, y, sample_weight=None) -> Ridge:
        self._validate_params()
        X, y = check_fit_data(
            self,
            X,
            y,
            dtype=np.float64,
            multi_output=True,
            y_numeric=True,
            accept_sparse=["csr", "csc"] if self.solver == "cg" else False,
        )
        n_samples, n_features = X.shape
        weights = check_weights(sample_weight, X)
        alphas = self._alphas(y.reshape(n_samples, -1).shape[1])
        # Units: with X = a X' and y = c y', b = (c / a) b' where b' is the ridge solution on
        # (X', y') with penalty alpha / a^2 (the exact same problem). Huge X is shrunk (a > 1):
        # at 1e300 the penalty vanishes and the fit is least squares, as it should be; tiny X
        # is left as it is, where the penalty rightly dominates. y enters linearly: any c.
        x_scale, y_scale = downscale_of(X), scale_of(y)
        if x_scale != 1.0:
            X = X / x_scale
            alphas = alphas / x_scale / x_scale  # underflows to 0: least squares
        targets = (y / y_scale if y_scale != 1.0 else y).reshape(n_samples, -1)

        if self.fit_intercept:
            x_mean, y_mean = _weighted_means(X, targets, weights)
        else:
            x_mean, y_mean = np.zeros(n_features), np.zeros(targets.shape[1])

        solver = self.solver
        if solver == "auto":
            solver = "cholesky" if n_samples >= n_features else "svd"
        # A closed-form solve counts as one iteration; conjugate gradients reports its own.
        self.n_iter_ = np.ones(targets.shape[1], dtype=int)
        sqrt_w = np.sqrt(weights)
        if solver == "cg":
            coef, self.n_iter_ = _solve_cg(
                X, targets, x_mean, y_mean, weights, alphas, self.tol, self.max_iter
            )
        elif solver == "cholesky" and n_samples >= n_features:
            gram, xty = _centred_gram(
                X, targets, x_mean, y_mean, None if sample_weight is None else sqrt_w
            )
            try:
                coef = _solve_cholesky(gram, xty, alphas)
            except np.linalg.LinAlgError:
                warnings.warn(
                    "X'WX + alpha I is singular (alpha = 0 and X rank deficient); "
                    "falling back to the SVD solver (minimum-norm solution).",
                    scipy.linalg.LinAlgWarning,
                    stacklevel=2,
                )
                solver = "svd"
        elif solver == "cholesky":
            # Wide data: the SVD of the n x p design costs O(n^2 p), less than forming and
            # factoring the p x p Gram matrix; both give the same closed form.
            solver = "svd"
        if solver == "svd":
            Xc = (X - x_mean) * sqrt_w[:, None]
            coef = _solve_svd(Xc, (targets - y_mean) * sqrt_w[:, None], alphas)
        self.solver_ = solver

        intercept = (y_mean - x_mean @ coef) * y_scale
        with np.errstate(over="ignore"):
            coef = coef * (y_scale / x_scale)
        if not np.all(np.isfinite(coef)):
            raise ValueError(
                "X, y: expected data whose ridge coefficients fit in float64, got y / X "
                f"spanning {y_scale:.3g} / {x_scale:.3g}: the coefficients overflow"
            )
        if y.ndim == 1:
            self.coef_, self.intercept_ = coef[:, 0], float(intercept[0])
        else:
            # scikit-learn's convention: a scalar 0.0 when no intercept is fitted
            self.coef_, self.intercept_ = coef.T, intercept if self.fit_intercept else 0.0
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        sparse = ["csr", "csc"] if self.solver == "cg" else False
        X = check_predict_data(self, X, dtype=np.float64, accept_sparse=sparse)
        return np.asarray(X @ self.coef_.T) + self.intercept_
