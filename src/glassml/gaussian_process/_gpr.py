"""Gaussian-process regression: the Cholesky posterior and the marginal likelihood.

Model: f ~ GP(0, k_theta), y = f(X) + eps, eps ~ N(0, alpha I) (``alpha`` a jitter or a known
noise variance; unknown noise is a ``WhiteKernel`` in k). With K = k(X, X) + alpha I = L L^T
(Rasmussen & Williams 2006, Algorithm 2.1):

    a = L^T \\ (L \\ y)
    posterior mean   m(x*) = k(x*, X) a
    posterior var    v(x*) = k(x*, x*) - ||L \\ k(X, x*)||^2
    log p(y | X, theta) = -y^T a / 2 - sum_i log L_ii - n log(2 pi) / 2

and its gradient with respect to theta = log(hyper-parameters) (R&W eq. 5.9)

    d log p / d theta_j = tr((a a^T - K^{-1}) dK/dtheta_j) / 2,

which ``Kernel.trace_gradient`` contracts without forming dK/dtheta. The hyper-parameters
maximise log p by glassml's L-BFGS (``glassml.optim.minimize``) from the kernel's own values
and ``n_restarts_optimizer`` log-uniform draws inside the bounds; the bounds are a box for the
L-BFGS (projected, active set, as L-BFGS-B), so an optimum on a bound -- a length scale that
switches off an irrelevant feature -- is reached exactly, not approached geometrically.
With ``normalize_y`` the targets are standardised before the fit and the predictions mapped
back.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from scipy.linalg.lapack import dpotrf, dpotri
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import (
    check_bool,
    check_fit_data,
    check_named_array,
    check_predict_data,
    check_scalar,
    fail,
)
from glassml.gaussian_process._kernels import RBF, ConstantKernel, Kernel, _dense, _points
from glassml.optim import LBFGS, minimize
from glassml.optim._base import OptimizationStop  # ends a search from inside its objective

LOG_2PI = np.log(2.0 * np.pi)


def _check_alpha(alpha, n: int) -> np.ndarray | float:
    """A non-negative finite jitter: one number, or one per training point."""
    if np.ndim(alpha) == 0 and not isinstance(alpha, np.ndarray):
        return check_scalar(alpha, "alpha", low=0.0)
    values = check_named_array(alpha, "alpha", ensure_2d=False, dtype=np.float64)
    if values.shape != (n,) or np.any(values < 0):
        raise fail("alpha", f"a non-negative number or {n} finite non-negative values", alpha)
    return values


class NotPositiveDefinite(np.linalg.LinAlgError):
    """The kernel matrix plus alpha is not numerically positive definite."""


def _cholesky(K: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Lower Cholesky factor of the symmetric K (``overwrite``: in K's memory).

    A C-ordered symmetric K is passed to LAPACK as its transpose, the same matrix in Fortran
    order, so no copy is made.
    """
    c, info = dpotrf(K.T if K.flags.c_contiguous else K, lower=1, clean=1, overwrite_a=overwrite)
    if info != 0:
        raise NotPositiveDefinite(f"the leading minor of order {info} is not positive definite")
    return c


def _evidence(L: np.ndarray, Y: np.ndarray, a: np.ndarray) -> float:
    """log p(Y | X) from K = L L^T and a = K^{-1} Y (columns of Y: independent targets)."""
    n, n_targets = Y.shape
    return float(
        -0.5 * np.einsum("ik,ik->", Y, a)
        - n_targets * np.log(np.diag(L)).sum()
        - 0.5 * n_targets * n * LOG_2PI
    )


def log_marginal_likelihood(
    kernel: Kernel, X: np.ndarray, y: np.ndarray, alpha, eval_gradient: bool = False
):
    """log p(y | X) under ``kernel`` with noise ``alpha`` and, optionally, d/dtheta (eq. 5.9).

    ``y`` may have several columns (independent targets sharing the kernel): the values and
    gradients add up.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import multivariate_normal
    >>> from glassml.gaussian_process import RBF, log_marginal_likelihood
    >>> X, y = np.array([[0.0], [1.0], [2.5]]), np.array([0.3, -0.1, 0.8])
    >>> K = RBF(1.0)(X) + 0.01 * np.eye(3)
    >>> bool(np.isclose(log_marginal_likelihood(RBF(1.0), X, y, 0.01),
    ...                 multivariate_normal(np.zeros(3), K).logpdf(y)))
    True
    """
    if not isinstance(kernel, Kernel):
        raise fail("kernel", "a glassml.gaussian_process kernel", kernel)
    y = check_named_array(y, "y", ensure_2d=False, dtype=np.float64)
    X = _points(X, "X")
    n = X.shape[0]
    if y.ndim not in (1, 2) or len(y) != n:
        raise fail("y", f"{n} targets, one per row of X", y.shape)
    alpha = _check_alpha(alpha, n)
    # K and the gradient's contraction share one pass over the distances (see _kernels).
    K, contract = kernel._with_gradient(X) if eval_gradient else (kernel(X), None)
    K = _dense(K, n)
    K[np.diag_indices(n)] += alpha
    L = _cholesky(K, overwrite=True)  # K is ours: factor in place
    Y = y.reshape(n, -1)
    a = cho_solve((L, True), Y, check_finite=False)
    value = _evidence(L, Y, a)
    if not eval_gradient:
        return value
    # W = a a^T - K^{-1}, summed over targets. K^{-1} from the Cholesky factor by LAPACK's
    # potri (about 2 n^3 / 3 flops, in L's memory) rather than two triangular solves against I
    # (2 n^3). potri fills the lower triangle; the upper one is the zeros potrf left.
    W, info = dpotri(L, lower=1, overwrite_c=1)
    if info != 0:
        raise NotPositiveDefinite(f"potri failed with info={info}")
    W += W.T  # numpy buffers the overlapping transpose
    W[np.diag_indices(n)] *= 0.5
    W *= -Y.shape[1]
    W += a @ a.T
    return value, 0.5 * contract(W)


# Stopping rules of the hyper-parameter search. SciPy's L-BFGS-B (scikit-learn's optimiser)
# stops when ||P(theta - g) - theta||_inf <= 1e-5 (pgtol) or when an iteration lowers -log p by
# less than 2.2e-9 relative (factr 1e7 times machine epsilon). Ours uses the same projected-
# gradient test and a relative decrease ten times smaller: at |log p| ~ 1e3 scipy's rule stops
# with up to ~1e-6 of evidence left, and glassml promises to be within 1e-6 of scikit-learn's.
GTOL = 1e-5
FTOL = 2.2e-10
# Near an ill-conditioned optimum (a signal variance on its bound over a small noise) log p
# itself carries rounding noise far above FTOL, and line searches bracket noise until their
# budget runs out (L-BFGS-B then aborts its search after 20 evaluations, restarts, aborts
# again). So: stop once STALL (one such search) evaluations in a row have not bettered the best
# value by FTOL.
STALL = 20


class _Search:
    """-log p (+ prior) for L-BFGS on theta, with the stopping rules above.

    ``objective`` for ``minimize``; ``converged`` as its callback: an iteration that lowered
    the objective by less than FTOL relative ends the search (L-BFGS-B's ftol test).
    """

    def __init__(self, gpr, kernel, X, y, alpha) -> None:
        self.gpr, self.kernel, self.X, self.y, self.alpha = gpr, kernel, X, y, alpha
        self.restart()

    def restart(self) -> None:
        self.last = None  # value at the latest evaluation (inf: K not positive definite)
        self.best, self.stalled, self.previous = np.inf, 0, None

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.kernel.theta = theta
        try:
            value, grad = log_marginal_likelihood(
                self.kernel, self.X, self.y, self.alpha, eval_gradient=True
            )
        except NotPositiveDefinite:
            self.last = np.inf
            return np.inf, np.zeros_like(theta)
        prior, prior_grad = self.gpr._log_prior(theta)
        self.last = -(value + prior)
        if self.best == np.inf or self.last < self.best - FTOL * max(abs(self.best), 1.0):
            self.best, self.stalled = self.last, 0
        else:
            self.stalled += 1
            if self.stalled >= STALL:
                raise OptimizationStop(f"{STALL} evaluations without a relative decrease {FTOL}")
        return self.last, -(grad + prior_grad)

    def converged(self, theta: np.ndarray) -> bool:
        # The line search's last evaluation is the accepted point: its value is the iterate's.
        previous, self.previous = self.previous, self.last
        if previous is None:
            return False
        return (previous - self.last) <= FTOL * max(abs(previous), abs(self.last), 1.0)


class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    """Gaussian-process regression with hyper-parameters by maximum marginal likelihood.

    Posterior (R&W Algorithm 2.1), with K + alpha I = L L^T and a = L^T \\ (L \\ y)::

        mean(x*) = k(x*, X) a,   var(x*) = k(x*, x*) - ||L \\ k(X, x*)||^2

    Hyper-parameters theta = log(kernel parameters) maximise
    log p(y | X) = -y^T a / 2 - sum log L_ii - n log(2 pi) / 2 by L-BFGS with the gradient
    tr((a a^T - K^{-1}) dK/dtheta) / 2 (R&W eq. 5.9).

    Parameters
    ----------
    kernel : Kernel or None
        Covariance function; ``None`` is ``ConstantKernel(1) * RBF(1)`` (as in scikit-learn).
        Its values are the optimiser's first start.
    alpha : float or array of shape (n_samples,)
        Added to the diagonal of K: jitter, or known noise variances.
    optimizer : "lbfgs" or None
        ``None`` keeps the kernel's hyper-parameters as given.
    n_restarts_optimizer : int
        Extra starts drawn log-uniformly inside the bounds (``random_state``).
    normalize_y : bool
        Standardise y before fitting (prior mean = sample mean, prior variance scaled).
    max_iter : int
        L-BFGS iterations per start.
    random_state : int, RandomState or None

    Attributes
    ----------
    kernel_ : Kernel with the fitted hyper-parameters
    L_, alpha_ : Cholesky factor of K + alpha I and a = (K + alpha I)^{-1} y
    log_marginal_likelihood_value_ : float
    n_iter_ : int, L-BFGS iterations of the start that won (0 without optimisation)
    history_ : dict of arrays, ``"start"`` and ``"log_marginal_likelihood"`` per start

    References
    ----------
    Rasmussen, C. E. & Williams, C. K. I. (2006). Gaussian Processes for Machine Learning.
    MIT Press. Algorithm 2.1 and eq. 5.9.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.gaussian_process import RBF, WhiteKernel
    >>> X = np.linspace(0, 5, 20)[:, None]; y = np.sin(X).ravel()
    >>> gp = GaussianProcessRegressor(RBF(1.0) + WhiteKernel(1e-3), random_state=0).fit(X, y)
    >>> mean, std = gp.predict(np.array([[2.5]]), return_std=True)
    >>> bool(abs(mean[0] - np.sin(2.5)) < 0.01), bool(std[0] < 0.1)
    (True, True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "kernel": [None, HasMethods(["__call__", "trace_gradient"])],
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "optimizer": [StrOptions({"lbfgs"}), None],
        "n_restarts_optimizer": [Interval(Integral, 0, None, closed="left")],
        "normalize_y": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        kernel: Kernel | None = None,
        *,
        alpha=1e-10,
        optimizer: str | None = "lbfgs",
        n_restarts_optimizer: int = 0,
        normalize_y: bool = False,
        max_iter: int = 200,
        random_state=None,
    ) -> None:
        self.kernel = kernel
        self.alpha = alpha
        self.optimizer = optimizer
        self.n_restarts_optimizer = n_restarts_optimizer
        self.normalize_y = normalize_y
        self.max_iter = max_iter
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _alpha(self, n: int) -> np.ndarray | float:
        return _check_alpha(self.alpha, n)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        X, y = check_fit_data(self, X, y, y_numeric=True, multi_output=True, dtype=np.float64)
        y = check_named_array(y, "y", ensure_2d=False, dtype=np.float64)  # refuses strings
        kernel = ConstantKernel(1.0) * RBF(1.0) if self.kernel is None else self.kernel
        if not isinstance(kernel, Kernel):
            raise fail("kernel", "a glassml.gaussian_process kernel", kernel)
        kernel.validate()
        self.kernel_ = kernel.clone_with_theta(kernel.theta)
        alpha = self._alpha(X.shape[0])

        # Scale-free targets: the mean and standard deviation are put back at prediction.
        if self.normalize_y:
            self._y_mean = np.mean(y, axis=0)
            # The spread of y / max|y|, scaled back: no overflow at 1e300, no underflow at 1e-300.
            size = np.max(np.abs(y), axis=0)
            size = np.where(size > 0, size, 1.0)
            std = size * np.std(y / size, axis=0)
            self._y_std = np.where(std > 0, std, 1.0)
        else:
            self._y_mean = np.zeros(y.shape[1:])
            self._y_std = np.ones(y.shape[1:])
        if not np.all(np.isfinite(self._y_std)):
            raise fail("y", "values whose spread is finite (rescale y)", y)
        y = (y - self._y_mean) / self._y_std
        self.X_train_, self.y_train_ = X, y

        if self.optimizer is not None and self.kernel_.n_dims > 0:
            self._optimise(X, y, alpha)
        else:
            self.history_ = {"start": np.zeros(0), "log_marginal_likelihood": np.zeros(0)}
            self.n_iter_ = 0
        try:
            K = self.kernel_(X)
            K[np.diag_indices_from(K)] += alpha
            self.L_ = _cholesky(K, overwrite=True)
        except NotPositiveDefinite:
            raise ValueError(
                f"kernel: {self.kernel_!r} gives a kernel matrix that is not positive definite on "
                "X; increase alpha (the jitter) or add a WhiteKernel"
            ) from None
        self.alpha_ = cho_solve((self.L_, True), y, check_finite=False)
        Y = y.reshape(len(y), -1)
        self.log_marginal_likelihood_value_ = _evidence(self.L_, Y, self.alpha_.reshape(Y.shape))
        return self

    def _log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray | float]:
        """log p(theta) and its gradient, added to the evidence maximised (here flat: ML-II).

        A subclass with a hyper-prior turns the fit into maximum a posteriori estimation.
        """
        return 0.0, 0.0

    def _optimise(self, X, y, alpha) -> None:
        bounds = self.kernel_.bounds
        rng = check_random_state(self.random_state)
        starts = [self.kernel_.theta]
        # Drawn as scikit-learn draws its restarts, so a comparison can start from the same points.
        low, high = bounds[:, 0], bounds[:, 1]
        starts += [rng.uniform(low, high) for _ in range(self.n_restarts_optimizer)]
        search = _Search(self, self.kernel_.clone_with_theta(self.kernel_.theta), X, y, alpha)
        best_value, best_theta, values, self.n_iter_ = -np.inf, starts[0], [], 0
        for start in starts:
            start = np.clip(start, bounds[:, 0], bounds[:, 1])
            search.restart()
            try:
                result = minimize(
                    search.objective, start, method=LBFGS(bounds=bounds, max_line_search=20),
                    jac=True, tol=GTOL, max_iter=self.max_iter, callback=search.converged,
                )  # fmt: skip
            except ValueError:
                if search.last != np.inf:  # an error of the kernel's, not an indefinite K at x0
                    raise
                values.append(-np.inf)  # not positive definite at the start
                continue
            values.append(-result.fun)
            if -result.fun > best_value:
                best_value, best_theta, self.n_iter_ = -result.fun, result.x, result.nit
        if not np.isfinite(best_value):
            raise ValueError(
                "kernel: no start gave a positive-definite kernel matrix; increase alpha"
            )
        self.kernel_.theta = best_theta
        self.history_ = {
            "start": np.arange(len(starts), dtype=np.float64),
            "log_marginal_likelihood": np.asarray(values),
        }

    # ------------------------------------------------------------------ predict
    def predict(self, X, return_std: bool = False, return_cov: bool = False):
        """Posterior mean at X; with ``return_std`` or ``return_cov`` also its spread.

        The spread includes every term of the kernel's diagonal (a ``WhiteKernel`` adds the noise
        variance), as in scikit-learn.
        """
        return_std = check_bool(return_std, "return_std")
        return_cov = check_bool(return_cov, "return_cov")
        if return_std and return_cov:
            raise ValueError("return_std, return_cov: at most one of them can be True")
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        K_star = self.kernel_(X, self.X_train_)
        mean = K_star @ self.alpha_
        mean = self._y_std * mean + self._y_mean
        if not (return_std or return_cov):
            return mean
        V = solve_triangular(self.L_, K_star.T, lower=True, check_finite=False)
        if return_cov:
            cov = self.kernel_(X) - V.T @ V
            scale = np.asarray(self._y_std) ** 2
            return mean, cov * scale if scale.ndim == 0 else cov[:, :, None] * scale
        variance = self.kernel_.diag(X) - np.einsum("ij,ij->j", V, V)
        if np.any(variance < 0):
            warnings.warn("predicted variances below 0 (round-off) set to 0", stacklevel=2)
            variance = np.maximum(variance, 0.0)
        scale = np.asarray(self._y_std) ** 2
        variance = variance * scale if scale.ndim == 0 else variance[:, None] * scale
        return mean, np.sqrt(variance)

    def log_marginal_likelihood(self, theta=None, eval_gradient: bool = False):
        """log p(y | X, theta) on the (normalised) training targets, and its gradient."""
        check_is_fitted(self)
        eval_gradient = check_bool(eval_gradient, "eval_gradient")
        kernel = self.kernel_
        if theta is not None:
            theta = check_named_array(theta, "theta", ensure_2d=False, dtype=np.float64)
            if theta.shape != (kernel.n_dims,) or not np.all(np.isfinite(theta)):
                raise fail("theta", f"{kernel.n_dims} finite log hyper-parameters", theta)
            kernel = kernel.clone_with_theta(theta)
        try:
            return log_marginal_likelihood(
                kernel, self.X_train_, self.y_train_, self._alpha(len(self.X_train_)),
                eval_gradient,
            )  # fmt: skip
        except NotPositiveDefinite:
            raise ValueError("theta: the kernel matrix is not positive definite there") from None

    def sample_y(self, X, n_samples: int = 1, random_state=0) -> np.ndarray:
        """Draws of f(X) from the posterior, shape (n_points, n_samples)."""
        from glassml._validation import check_count

        n_samples = check_count(n_samples, "n_samples")
        mean, cov = self.predict(X, return_cov=True)
        rng = check_random_state(random_state)
        if mean.ndim > 1:
            raise ValueError("y: sample_y supports a single target")
        # cov = V diag(w) V^T; w clipped at 0 (round-off makes tiny eigenvalues negative).
        w, V = np.linalg.eigh(cov)
        factor = V * np.sqrt(np.maximum(w, 0.0))
        return mean[:, None] + factor @ rng.standard_normal((len(mean), n_samples))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
