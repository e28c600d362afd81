"""Lasso and elastic net by cyclic coordinate descent (or FISTA), and their regularisation paths.

Objective (scikit-learn's scaling, ``rho = l1_ratio``):

    min_{b0, w}  1/(2n) ||y - b0 - X w||^2 + alpha rho ||w||_1 + alpha (1 - rho)/2 ||w||^2

The intercept is unpenalised, so ``X`` and ``y`` are centred at their (weighted) means and
``b0 = ybar - xbar' w``. Multiplying by ``n`` gives the kernel's form
``1/2 ||y - Xw||^2 + l1 ||w||_1 + l2/2 ||w||^2`` with ``l1 = n alpha rho``,
``l2 = n alpha (1-rho)``; its coordinate update (soft-thresholding), duality gap and screening
live in :mod:`glassml.linear._cd_kernel`. ``solver="fista"`` hands the smooth part and its
gradient ``-X'(y - Xw)/n + alpha (1-rho) w`` to ``glassml.optim.minimize(method="fista")``
with ``l1 = alpha rho``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import downscale_of, scale_of
from glassml._validation import (
    check_bool,
    check_count,
    check_fit_data,
    check_named_array,
    check_non_negative,
    check_predict_data,
    check_probability,
    check_scalar,
    check_weights,
)
from glassml.linear._cd_kernel import enet_coordinate_descent

# Any l1 >= ||X'y||_inf makes w = 0 the exact minimiser, and an l2 this large leaves w below
# the rounding of any prediction: penalties beyond it (tiny y, or alpha / a^2 overflowing) are
# clamped here, so the kernel never multiplies inf by a zero coefficient.
_LARGEST_PENALTY = 1e300


def _penalties(
    alpha: float, l1_ratio: float, x_scale: float, y_scale: float
) -> tuple[float, float]:
    """``(alpha rho, alpha (1 - rho))`` in the units of ``X / a`` and ``y / c``.

    With X = a X', y = c y' and w = (c / a) w', the objective is c^2 times
    ``1/(2n) ||y' - X'w'||^2 + alpha rho / (a c) ||w'||_1 + alpha (1-rho) / (2 a^2) ||w'||^2``.
    """
    with np.errstate(over="ignore"):
        l1 = alpha * l1_ratio / (x_scale * y_scale)
        l2 = alpha * (1.0 - l1_ratio) / (x_scale * x_scale)
    return min(l1, _LARGEST_PENALTY), min(l2, _LARGEST_PENALTY)


def _negligible_as_zero(X: np.ndarray, y: np.ndarray, l1: float, l2: float) -> tuple[float, float]:
    """Penalties below the rounding of the least-squares problem itself, set to 0.

    An ``l1`` below ``eps ||X'y||_inf / n`` moves no soft-threshold in float64, and an ``l2``
    below ``eps max_j ||X_j||^2 / n`` changes the coefficients by less than the least-squares
    solve's own rounding (relative ``eps cond(X'X)``). Kept, such a penalty would make the
    duality gap unreachable (its dual point scales with ``l1``): a huge X (penalty / a^2)
    would then run every sweep for nothing.
    """
    n_samples = X.shape[0]
    eps = np.finfo(np.float64).eps
    flat = X.ravel(order="K")  # a view: ||X||_F^2 by one BLAS dot
    frobenius2 = float(flat @ flat)
    # ||X'y||_inf <= ||X||_F ||y|| and max_j ||X_j||^2 <= ||X||_F^2: the exact (costlier)
    # quantities are computed only when these bounds cannot settle the question.
    if l1 > 0 and l1 * n_samples <= eps * np.sqrt(frobenius2 * float(y @ y)):
        if l1 * n_samples <= eps * float(np.max(np.abs(X.T @ y), initial=0.0)):
            l1 = 0.0
    if l2 > 0 and l2 * n_samples <= eps * frobenius2:
        if l2 * n_samples <= eps * float(np.max(np.einsum("ij,ij->j", X, X), initial=0.0)):
            l2 = 0.0
    return l1, l2


def _solve_enet(
    X: np.ndarray,
    y: np.ndarray,
    l1: float,
    l2: float,
    w_init: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    positive: bool,
) -> tuple[np.ndarray, float, int, np.ndarray]:
    """Coordinate descent on centred, Fortran-ordered ``X`` for the objective
    ``1/(2n) ||y - Xw||^2 + l1 ||w||_1 + l2/2 ||w||^2``: (w, gap / n, sweeps, objective)."""
    n_samples = X.shape[0]
    w = np.array(w_init, dtype=np.float64, copy=True)
    y = np.ascontiguousarray(y)  # one compiled signature: contiguous columns and targets
    l1, l2 = _negligible_as_zero(X, y, l1, l2)
    gap, n_sweeps, objective = enet_coordinate_descent(
        w, l1 * n_samples, l2 * n_samples, X, y, max_iter, tol, positive, True
    )
    if gap > tol * (y @ y):
        warnings.warn(
            f"Coordinate descent did not converge in {max_iter} sweeps: duality gap "
            f"{gap / n_samples:.3e} > tol {tol:g} * ||y||^2 / n. Increase max_iter, scale the "
            "features or increase alpha.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return w, gap / n_samples, n_sweeps, objective / n_samples


def _solve_enet_fista(
    X: np.ndarray,
    y: np.ndarray,
    l1: float,
    l2: float,
    w_init: np.ndarray,
    *,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, int, np.ndarray]:
    """Proximal gradient (FISTA) through ``glassml.optim.minimize``: (w, iterations, loss)."""
    from glassml.optim import minimize

    n_samples = X.shape[0]

    def smooth_part(w: np.ndarray) -> tuple[float, np.ndarray]:
        # f(w) = 1/(2n) ||y - Xw||^2 + l2/2 ||w||^2,  grad = -X'r/n + l2 w
        residual = y - X @ w
        value = 0.5 * (residual @ residual) / n_samples + 0.5 * l2 * (w @ w)
        gradient = -(X.T @ residual) / n_samples + l2 * w
        return value, gradient

    result = minimize(
        smooth_part,
        np.array(w_init, dtype=np.float64),
        method="fista",
        jac=True,
        l1=l1,
        tol=tol,
        max_iter=max_iter,
    )
    return np.asarray(result.x), int(result.nit), np.asarray(result.history["loss"])


def _centre(
    X: np.ndarray, y: np.ndarray, sample_weight, fit_intercept: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fortran-ordered ``sqrt(s) (X - xbar)`` and ``sqrt(s) (y - ybar)``, weights s summing to n.

    Weights are rescaled to sum to ``n_samples`` so that ``alpha`` means the same with and
    without them (scikit-learn's convention).
    """
    n_samples = X.shape[0]
    weights = None
    if sample_weight is not None:
        weights = check_weights(sample_weight, X)
        weights = weights * (n_samples / weights.sum())
    if fit_intercept:
        x_mean = np.average(X, axis=0, weights=weights)
        y_mean = np.average(y, axis=0, weights=weights)
    else:
        x_mean = np.zeros(X.shape[1])
        y_mean = np.zeros(y.shape[1:])
    X_work = np.array(X, dtype=np.float64, order="F", copy=True)
    X_work -= x_mean
    y_work = np.array(y - y_mean, dtype=np.float64)
    if weights is not None:
        sqrt_w = np.sqrt(weights)
        X_work *= sqrt_w[:, None]
        y_work *= sqrt_w.reshape(-1, *([1] * (y.ndim - 1)))
    return X_work, y_work, x_mean, y_mean


def _divided(values: np.ndarray, unit: float) -> np.ndarray:
    """``values / unit``, without a copy when the unit is 1 (data already in range)."""
    return values / unit if unit != 1.0 else values


def _unscaled(coef: np.ndarray, x_scale: float, y_scale: float, what: str) -> np.ndarray:
    """Coefficients of the units ``X / a``, ``y / c`` back in the data's units: ``(c / a) w'``."""
    with np.errstate(over="ignore"):
        coef = coef * (y_scale / x_scale)
    if not np.all(np.isfinite(coef)):
        raise ValueError(
            f"X, y: expected data whose {what} fit in float64, got y / X spanning "
            f"{y_scale:.3g} / {x_scale:.3g}: they overflow"
        )
    return coef


class ElasticNet(RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties, by coordinate descent.

    Objective ``1/(2n) ||y - b0 - Xw||^2 + alpha rho ||w||_1 + alpha (1-rho)/2 ||w||^2`` with
    ``rho = l1_ratio``. Cyclic coordinate descent: with residual ``R`` and
    ``rho_j = X_j'(R + w_j X_j)``, each coordinate moves to its exact minimiser
    ``w_j = S(rho_j, n alpha rho) / (||X_j||^2 + n alpha (1-rho))`` where
    ``S(z, t) = sign(z) max(|z|-t, 0)``; sweeps stop when the duality gap falls below
    ``tol ||y||^2`` (gap-safe screening discards features proven zero). ``solver="fista"``
    minimises the same objective by accelerated proximal gradient (``glassml.optim``).

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Sweeps over the features (iterations for FISTA).
    tol : float, default=1e-4
        Coordinate descent: duality gap relative to ``||y||^2 / n``; FISTA: the optimiser's
        gradient-mapping tolerance.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Constrain the coefficients to be >= 0 (coordinate descent only).
    solver : {"cd", "fista"}, default="cd"

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_ (coordinate descent), history_ (``"loss"``: the
    objective after each sweep; summed over targets when y has several columns).

    References
    ----------
    Friedman, Hastie & Tibshirani (2010), "Regularization paths for generalized linear models
    via coordinate descent", J. Stat. Software 33(1). Zou & Hastie (2005), "Regularization and
    variable selection via the elastic net". Ndiaye, Fercoq, Gramfort & Salmon (2017), "Gap safe
    screening rules for sparsity enforcing penalties", JMLR 18. Beck & Teboulle (2009), FISTA.

    Units: with X = a X' and y = c y' the problem is the same on (X', y') with the L1
    strength alpha rho / (a c) and the L2 alpha (1 - rho) / a^2; huge X or y is solved that way,
    tiny data as it is (where the penalty rightly wins).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.linear import ElasticNet
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, X[:, 0])
    >>> np.round(model.coef_, 3).tolist()
    [0.923, 0.0]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
        "solver": [StrOptions({"cd", "fista"})],
    }

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        solver: str = "cd",
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver

    def _l1_ratio(self) -> float:
        return self.l1_ratio

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None):
        self._validate_params()
        if self.solver == "fista" and self.positive:
            raise ValueError("positive: positive=True needs solver='cd' (FISTA has no bound)")
        X, y = check_fit_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        # Huge data is solved in units X / a, y / c with the penalties rescaled to match (the
        # exact problem: see _penalties); tiny data as it is, where the penalty rightly wins.
        x_scale, y_scale = downscale_of(X), downscale_of(y)
        X_work, y_work, x_mean, y_mean = _centre(
            _divided(X, x_scale), _divided(y, y_scale), sample_weight, self.fit_intercept
        )
        l1, l2 = _penalties(self.alpha, self._l1_ratio(), x_scale, y_scale)
        targets = y_work.reshape(X.shape[0], -1)
        n_targets, n_features = targets.shape[1], X.shape[1]

        start = np.zeros((n_targets, n_features))
        if self.warm_start and hasattr(self, "coef_"):
            start = np.reshape(self.coef_, (n_targets, n_features)) * (x_scale / y_scale)

        coef = np.empty((n_targets, n_features))
        n_iter, gaps, losses = [], [], []
        for target in range(n_targets):
            if self.solver == "cd":
                coef[target], gap, iterations, loss = _solve_enet(
                    X_work,
                    targets[:, target],
                    l1,
                    l2,
                    start[target],
                    max_iter=self.max_iter,
                    tol=self.tol,
                    positive=self.positive,
                )
                gaps.append(gap)
            else:
                coef[target], iterations, loss = _solve_enet_fista(
                    X_work,
                    targets[:, target],
                    l1,
                    l2,
                    start[target],
                    max_iter=self.max_iter,
                    tol=self.tol,
                )
            n_iter.append(iterations)
            losses.append(loss)

        # The objective is a sum over targets; a target that stopped early keeps its last value.
        # Objective and gap are in units of y^2: the units' y / c scale back by c^2.
        longest = max(len(loss) for loss in losses)
        padded = [
            np.pad(loss, (0, longest - len(loss)), mode="edge") if len(loss) else np.zeros(longest)
            for loss in losses
        ]
        y_squared = y_scale * y_scale
        self.history_ = {"loss": np.sum(padded, axis=0) * y_squared}
        intercept = (y_mean - x_mean @ coef.T) * y_scale
        coef = _unscaled(coef, x_scale, y_scale, "coefficients")
        if y.ndim == 1:
            self.coef_, self.intercept_, self.n_iter_ = coef[0], float(intercept[0]), n_iter[0]
            self.dual_gap_ = gaps[0] * y_squared if gaps else None
        else:
            self.coef_, self.n_iter_ = coef, np.array(n_iter)
            self.intercept_ = intercept if self.fit_intercept else 0.0
            self.dual_gap_ = np.array(gaps) * y_squared if gaps else None
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty: ElasticNet with ``l1_ratio = 1``.

    Objective ``1/(2n) ||y - b0 - Xw||^2 + alpha ||w||_1``; coordinate update
    ``w_j = S(rho_j, n alpha) / ||X_j||^2`` (soft-thresholding), duality-gap stopping.

    Parameters are ElasticNet's without ``l1_ratio``.

    References
    ----------
    Tibshirani (1996), "Regression shrinkage and selection via the lasso", JRSS B 58(1).
    Friedman, Hastie & Tibshirani (2010), J. Stat. Software 33(1).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.linear import Lasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> np.round(Lasso(alpha=0.1).fit(X, X[:, 0]).coef_, 3).tolist()
    [0.92, 0.0]
    """

    _parameter_constraints: dict = {  # noqa: RUF012
        key: value for key, value in ElasticNet._parameter_constraints.items() if key != "l1_ratio"
    }

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        solver: str = "cd",
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver

    def _l1_ratio(self) -> float:
        return 1.0


def enet_path(
    X,
    y,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas=None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    positive: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elastic-net coefficients along a decreasing grid of alphas, each warm-started.

    As scikit-learn's ``enet_path``: no intercept (centre X and y first), default grid
    ``geomspace(alpha_max, eps alpha_max, n_alphas)`` with ``alpha_max = ||X'y||_inf /
    (n l1_ratio)``, the smallest alpha at which all coefficients are zero.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap at each alpha (objective scaled by 1/n).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> alphas, coefs, _ = enet_path(X, np.array([2.0, 1.0, -2.0, -1.0]), n_alphas=2)
    >>> np.round(alphas, 4).tolist(), coefs.shape
    ([2.0, 0.002], (2, 2))
    """
    X = check_named_array(X, "X", dtype=np.float64, order="F")
    y = check_named_array(y, "y", dtype=np.float64, ensure_2d=False)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected shape ({X.shape[0]},) (one per row of X), got {y.shape}")
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0, closed="right")
    max_iter = check_count(max_iter, "max_iter")
    tol = check_non_negative(tol, "tol")
    positive = check_bool(positive, "positive")
    n_samples, n_features = X.shape
    if alphas is None:
        eps = check_probability(eps, "eps")
        n_alphas = check_count(n_alphas, "n_alphas")
        # The default grid is relative to the data (alpha_max = ||X'y||_inf / (n rho)), so the
        # whole path is equivariant: solve it in units X / a, y / c of any size.
        x_scale, y_scale = scale_of(X), scale_of(y)
        X, y = _divided(X, x_scale), _divided(y, y_scale)
        alpha_max = np.max(np.abs(X.T @ y)) / (n_samples * l1_ratio)
        unit_alphas = np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)
        with np.errstate(over="ignore", under="ignore"):
            alphas = unit_alphas * (x_scale * y_scale)
        if not (np.all(np.isfinite(alphas)) and alpha_max > 0):
            raise ValueError(
                "X, y: expected data whose path alphas ||X'y||_inf / n are finite and positive,"
                f" got alpha_max = {alpha_max * x_scale * y_scale:.3g} (X'y overflows, or is 0)"
            )
        penalties = [(a * l1_ratio, a * (1.0 - l1_ratio) * y_scale / x_scale) for a in unit_alphas]
    else:
        alphas = check_named_array(alphas, "alphas", dtype=np.float64, ensure_2d=False).ravel()
        alphas = np.sort(alphas)[::-1]
        if np.any(alphas < 0):
            raise ValueError(f"alphas: expected non-negative values, got {alphas.min():g}")
        # Fixed penalties: shrink huge data only (see ElasticNet.fit).
        x_scale, y_scale = downscale_of(X), downscale_of(y)
        X, y = _divided(X, x_scale), _divided(y, y_scale)
        penalties = [_penalties(float(a), l1_ratio, x_scale, y_scale) for a in alphas]
    X = np.asfortranarray(X)

    coefs = np.empty((n_features, alphas.size))
    dual_gaps = np.empty(alphas.size)
    w = np.zeros(n_features)
    for position, (l1, l2) in enumerate(penalties):
        w, dual_gaps[position], _, _ = _solve_enet(
            X,
            y,
            min(l1, _LARGEST_PENALTY),
            min(l2, _LARGEST_PENALTY),
            w,
            max_iter=max_iter,
            tol=tol,
            positive=positive,
        )
        coefs[:, position] = w
    with np.errstate(over="ignore"):
        dual_gaps = dual_gaps * y_scale * y_scale
    if not np.all(np.isfinite(dual_gaps)):
        raise ValueError(
            "y: expected values whose squares fit in float64 (the duality gaps are in units of "
            f"y^2), got y up to {y_scale:.3g}: rescale y"
        )
    return alphas, _unscaled(coefs, x_scale, y_scale, "path coefficients"), dual_gaps


def lasso_path(X, y, **options) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lasso coefficients along a grid of alphas: :func:`enet_path` with ``l1_ratio = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> alphas, coefs, _ = lasso_path(X, np.array([2.0, 1.0, -2.0, -1.0]), n_alphas=3)
    >>> np.round(alphas, 4).tolist(), np.round(coefs[:, -1], 4).tolist()
    ([1.0, 0.0316, 0.001], [1.998, 0.998])
    """
    return enet_path(X, y, l1_ratio=1.0, **options)
