"""Bayesian optimisation: a GP surrogate, an acquisition function, and batches by constant liar.

Loop (minimisation of a black box f over a space mapped to the unit cube):

1. evaluate ``n_initial_points`` uniform random points;
2. standardise the observed values, y_n = (y - mean) / std (all equal: y_n = 0), and fit
   ``GaussianProcessRegressor(ConstantKernel * Matern(nu=5/2, ARD) + WhiteKernel)`` by maximum
   a posteriori, log p(y | theta) + log p(theta) with log-normal priors on the signal and noise
   variances (``SurrogateGP``), warm-started from the previous fit's hyper-parameters;
3. maximise the acquisition a(x) = EI, PI or the confidence bound (``_acquisition``) of the
   posterior of the noise-free f: score ``n_candidates`` uniform points, then run L-BFGS from
   the ``n_restarts`` best with the analytic gradient

       da/dx = da/dmu dmu/dx + da/dsigma dsigma/dx,
       dmu/dx = (dk(x, X)/dx)^T a,   dsigma/dx = -(K^{-1} k(X, x))^T (dk(X, x)/dx) / sigma,

   on continuous columns, through x = (1 - cos(pi u)) / 2 so the box [0, 1] needs no
   constraint (categorical one-hot columns stay at the start's category);
4. for a batch of q points (parallel workers), the constant liar (Ginsbourger, Le Riche &
   Carraro 2010): after choosing x_1 pretend f(x_1) = min(y), update the posterior (same
   hyper-parameters) and choose x_2, and so on;
5. evaluate the batch, add it to the data, repeat from 2.

No point is proposed twice (after snapping integers and categories) while the space has an
unevaluated one: the acquisition's next-best candidate, or a fresh random point, replaces it.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from sklearn.utils import check_random_state

from glassml._threads import one_blas_thread
from glassml._validation import check_count, check_non_negative, check_option, fail
from glassml.gaussian_process import ConstantKernel, GaussianProcessRegressor, Matern, WhiteKernel
from glassml.model_selection._acquisition import ACQUISITIONS, acquisition
from glassml.model_selection._space import Space
from glassml.optim import minimize

RESTART_EVERY = 5
LOCAL_CENTRES, LOCAL_SCALE = 5, 0.05


# Length scales in unit-cube coordinates. Below 0.1 a dimension's neighbouring points barely
# correlate, and with a few dozen points maximum likelihood readily goes there (or to 100,
# ignoring the dimension): the surrogate then turns to spikes and EI to noise (seen on
# Hartmann-6). The bounds keep the smoothness a useful surrogate needs.
LENGTH_SCALE_BOUNDS = (0.1, 10.0)


def surrogate_kernel(n_columns: int):
    """Signal variance x Matern 5/2 with one length scale per column, plus noise."""
    return ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        np.full(n_columns, 0.5), LENGTH_SCALE_BOUNDS, nu=2.5
    ) + WhiteKernel(1e-4, (1e-8, 1.0))


# Hyper-prior of the surrogate, on theta = log(parameter), y standardised to unit variance:
#   log signal variance ~ N(0, 1.5^2)          f varies about as much as the values seen;
#   log noise variance  ~ N(log 1e-2, 1.5^2)   evaluations repeat to about a tenth of that.
# Maximum likelihood alone puts both on their bounds when the values carry little signal: a
# flat objective with one small difference (CV scores 0.320 and 0.313, SVC on iris, seed 1)
# was fitted as pure noise, signal variance 1e-3 against noise 1. Sigma was then the same
# everywhere, EI a tie decided by ~1e-200 differences in the mean near the best values, and
# the unexplored category, where the posterior keeps the prior's full variance, was never
# tried. Optuna's GP sampler uses priors of the same kind (Gamma(2, 1) on the signal scale,
# Gamma(1.1, 30) on the noise variance of standardised values).
PRIOR_SD = 1.5
SIGNAL_PRIOR_MEAN, NOISE_PRIOR_MEAN = 0.0, float(np.log(1e-2))


class SurrogateGP(GaussianProcessRegressor):
    """The GP of ``surrogate_kernel``, hyper-parameters by maximum a posteriori.

    theta = (log signal variance, log length scales, log noise variance) and
    log p(theta) = -sum_j (theta_j - m_j)^2 / (2 s^2) over the two variances (length scales:
    flat within their bounds), so d log p / d theta_j = -(theta_j - m_j) / s^2.
    """

    def _log_prior(self, theta):
        z = np.zeros_like(theta)
        z[0] = (theta[0] - SIGNAL_PRIOR_MEAN) / PRIOR_SD
        z[-1] = (theta[-1] - NOISE_PRIOR_MEAN) / PRIOR_SD
        return -0.5 * float(z @ z), -z / PRIOR_SD


class Posterior:
    """The GP posterior of the noise-free f at unit-cube points, with its gradient in x."""

    def __init__(self, gp: GaussianProcessRegressor) -> None:
        self.signal = gp.kernel_.k1  # the noise term adds nothing to k(X, x) and is left out
        self.X, self.L, self.a = gp.X_train_, gp.L_, gp.alpha_

    def __call__(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        K_star = self.signal(U, self.X)
        V = solve_triangular(self.L, K_star.T, lower=True, check_finite=False)
        variance = self.signal.diag(U) - np.einsum("ij,ij->j", V, V)
        return K_star @ self.a, np.sqrt(np.maximum(variance, 1e-18))

    def with_gradient(self, x: np.ndarray):
        U = x[None, :]
        k_star = self.signal(U, self.X)[0]
        dk = self.signal.gradient_x(U, self.X)[0]  # (n_train, n_columns)
        mu = float(k_star @ self.a)
        weights = cho_solve((self.L, True), k_star, check_finite=False)
        variance = float(self.signal.diag(U)[0] - k_star @ weights)
        sigma = np.sqrt(max(variance, 1e-18))
        return mu, sigma, dk.T @ self.a, -(weights @ dk) / sigma


def _to_cube(u: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 - np.cos(np.pi * u))


def _from_cube(x: np.ndarray) -> np.ndarray:
    return np.arccos(np.clip(1.0 - 2.0 * x, -1.0, 1.0)) / np.pi


class BayesOptimizer:
    """Ask/tell engine shared by :func:`minimize_bayes` and :class:`BayesSearchCV`."""

    def __init__(
        self,
        space: Space,
        *,
        n_initial_points: int = 10,
        acquisition: str = "ei",
        xi: float = 0.01,
        kappa: float = 1.96,
        n_candidates: int = 2000,
        n_restarts: int = 5,
        random_state=None,
    ) -> None:
        self.space = space
        self.n_initial_points = check_count(n_initial_points, "n_initial_points")
        self.acquisition = check_option(acquisition, "acquisition", ACQUISITIONS)
        self.xi = check_non_negative(xi, "xi")
        self.kappa = check_non_negative(kappa, "kappa")
        self.n_candidates = check_count(n_candidates, "n_candidates")
        self.n_restarts = check_count(n_restarts, "n_restarts")
        self.rng = check_random_state(random_state)
        self.U = np.zeros((0, space.n_columns))
        self.points: list[list[Any]] = []
        self.values: list[float] = []
        self._initial = space.snap(space.sample(self.n_initial_points, self.rng))
        self._n_asked_initial = 0
        self._kernel = surrogate_kernel(space.n_columns)
        self._n_fits = 0

    # ------------------------------------------------------------------ ask
    def ask(self, n_points: int = 1) -> list[list[Any]]:
        n_points = check_count(n_points, "n_points")
        chosen: list[np.ndarray] = []
        while self._n_asked_initial < self.n_initial_points and len(chosen) < n_points:
            x = self._initial[self._n_asked_initial]
            self._n_asked_initial += 1
            taken = [*self.U, *chosen]
            # A random draw can repeat a point where the space is small (integers, categories).
            chosen.append(x if len(self._fresh(x[None, :], taken)) else self._random_point(taken))
        while len(chosen) < n_points and len(self.values) < 2:  # nothing to model yet
            chosen.append(self._random_point([*self.U, *chosen]))
        if len(chosen) < n_points:
            chosen.extend(self._model_batch(n_points - len(chosen), chosen))
        return self.space.from_unit(np.array(chosen))

    def tell(self, points: Sequence[Sequence[Any]], values: Sequence[float]) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if len(points) != len(values):
            raise fail("values", f"{len(points)} values, one per point", values)
        self.U = np.vstack([self.U, self.space.to_unit(points)])
        self.points.extend(list(point) for point in points)
        self.values.extend(float(v) for v in values)

    # ------------------------------------------------------------------ the model
    def _standardised(self) -> np.ndarray:
        y = np.asarray(self.values, dtype=np.float64)
        finite = np.isfinite(y)
        if not finite.any():
            return np.zeros_like(y)
        # A failed evaluation (NaN, inf) counts as the worst value seen, so the search avoids it.
        y = np.where(finite, y, np.max(y[finite]))
        spread = np.std(y)
        return (y - np.mean(y)) / (spread if spread > 0 else 1.0)

    def fit_surrogate(self) -> GaussianProcessRegressor:
        y = self._standardised()
        # Warm start from the previous fit's hyper-parameters; every RESTART_EVERY-th fit also
        # tries a random start, so the search can leave a poor local optimum of the likelihood.
        restarts = 1 if self._n_fits % RESTART_EVERY == 0 else 0
        self._n_fits += 1
        with one_blas_thread():
            gp = SurrogateGP(
                self._kernel,
                n_restarts_optimizer=restarts,
                random_state=self.rng.randint(2**31 - 1),
            ).fit(self.U, y)
        self._kernel = gp.kernel_  # the next fit starts here
        return gp

    def _model_batch(self, n_points: int, already: list[np.ndarray]) -> list[np.ndarray]:
        gp = self.fit_surrogate()
        y = gp.y_train_
        lie = float(np.min(y))
        X, batch = gp.X_train_, []
        taken = [*self.U, *already]
        with one_blas_thread():
            for k in range(n_points):
                if k:  # constant liar: refit the posterior with the lie, hyper-parameters fixed
                    X = np.vstack([X, batch[-1]])
                    y = np.append(y, lie)
                    gp = GaussianProcessRegressor(gp.kernel_, optimizer=None).fit(X, y)
                point = self._maximise(Posterior(gp), lie, taken)
                batch.append(point)
                taken.append(point)
        return batch

    def _gain(self, mu, sigma, best):
        return acquisition(self.acquisition, mu, sigma, best, self.xi, self.kappa)

    def _candidates(self) -> np.ndarray:
        """Uniform points, plus a quarter as many near the best points seen so far.

        EI is often largest just beside the incumbent, a small region that uniform draws in
        several dimensions rarely hit; Gaussian steps (sd 0.05 of the cube, continuous columns
        only) around the five best observations put starts there.
        """
        uniform = self.space.sample(self.n_candidates, self.rng)
        if not len(self.values):
            return uniform
        y = self._standardised()
        best = self.U[np.argsort(y, kind="stable")[:LOCAL_CENTRES]]
        n_local = self.n_candidates // 4
        local = best[self.rng.randint(len(best), size=n_local)]
        steps = self.rng.normal(scale=LOCAL_SCALE, size=local.shape) * self.space.continuous
        return np.vstack([uniform, np.clip(local + steps, 0.0, 1.0)])

    def _maximise(self, posterior: Posterior, best: float, taken: list[np.ndarray]) -> np.ndarray:
        candidates = self._candidates()
        gains = self._gain(*posterior(candidates), best)[0]
        order = np.argsort(-gains, kind="stable")
        continuous = self.space.continuous
        refined, refined_gains = [], []
        for start in candidates[order[: self.n_restarts]]:
            if not continuous.any():
                break
            fixed = start.copy()

            def negative_gain(u, fixed=fixed):
                x = fixed.copy()
                x[continuous] = _to_cube(u)
                mu, sigma, dmu, dsigma = posterior.with_gradient(x)
                gain, dg_dmu, dg_dsigma = self._gain(mu, sigma, best)
                grad_x = dg_dmu * dmu + dg_dsigma * dsigma
                chain = 0.5 * np.pi * np.sin(np.pi * u)  # dx/du
                return -float(gain), -grad_x[continuous] * chain

            result = minimize(
                negative_gain, _from_cube(start[continuous]), method="lbfgs", jac=True,
                tol=1e-6, max_iter=50,
            )  # fmt: skip
            x = fixed.copy()
            x[continuous] = _to_cube(result.x)
            refined.append(x)
            refined_gains.append(-result.fun)
        # Refined optima first, then the scored candidates: the first whose snapped value
        # (integers rounded, categories one-hot) has not been evaluated or chosen for this
        # batch already. Evaluating a point again teaches a nearly noise-free surrogate
        # nothing; scikit-optimize likewise passes over duplicates to its next candidate.
        ranked = [refined[i] for i in np.argsort(-np.asarray(refined_gains), kind="stable")]
        ranked += [candidates[i] for i in order]
        ranked = np.array(ranked)
        for start in range(0, len(ranked), 64):  # the first chunk nearly always has one
            fresh = self._fresh(self.space.snap(ranked[start : start + 64]), taken)
            if len(fresh):
                return fresh[0]
        return self._random_point(taken)

    @staticmethod
    def _fresh(U: np.ndarray, taken: list[np.ndarray]) -> np.ndarray:
        """The rows of ``U`` (snapped points) that are not in ``taken``, in order."""
        if not taken:
            return U
        seen = np.asarray(taken)
        # Snapped coordinates are exact functions of the values, so equality is exact up to
        # the rounding of the log/linear maps; 1e-12 of the unit cube is far below any step.
        distance = np.abs(U[:, None, :] - seen[None, :, :]).max(axis=2)
        return U[~np.any(distance <= 1e-12, axis=1)]

    def _random_point(self, taken: list[np.ndarray]) -> np.ndarray:
        """A uniform point not yet taken; a taken one only when 100 draws found none (a finite
        space, all of it evaluated), with a warning, as a repeated evaluation is then due."""
        fresh = self._fresh(self.space.snap(self.space.sample(100, self.rng)), taken)
        if len(fresh):
            return fresh[0]
        warnings.warn(
            "every point of the search space drawn has been evaluated already: repeating one",
            UserWarning,
            stacklevel=4,
        )
        return self.space.snap(self.space.sample(1, self.rng))[0]


@dataclass
class BayesResult:
    """Outcome of :func:`minimize_bayes`: the best point, every evaluation, and the trace.

    ``history_`` holds ``"value"`` (each evaluation, in order) and ``"best"`` (the running
    minimum).
    """

    x: list[Any]
    fun: float
    x_iters: list[list[Any]]
    func_vals: np.ndarray
    space: Space
    history_: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def best_params(self) -> dict[str, Any]:
        return self.space.as_params(self.x)


def _evaluate(fun: Callable, point: list[Any]) -> float:
    value = fun(point)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise fail("fun", "a function returning a real number", value)
    return float(value)


def minimize_bayes(
    fun: Callable[[list[Any]], float],
    space,
    n_calls: int = 50,
    *,
    n_initial_points: int = 10,
    acquisition: str = "ei",
    xi: float = 0.01,
    kappa: float = 1.96,
    n_points: int = 1,
    n_jobs: int | None = None,
    random_state=None,
    callback: Callable[[BayesResult], Any] | None = None,
) -> BayesResult:
    """Minimise a black-box function by Bayesian optimisation (GP surrogate + acquisition).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float`` with ``x`` a list of values, one per dimension.
    space : list or dict of dimensions
        ``Real``, ``Integer``, ``Categorical`` (or the shorthands ``(low, high)`` and a list of
        categories). A dict names the dimensions (see ``BayesResult.best_params``).
    n_calls : int
        Evaluations in total, the ``n_initial_points`` random ones included.
    acquisition : "ei", "pi" or "ucb"
        Expected improvement, probability of improvement or the lower confidence bound
        mu - kappa sigma; ``xi`` is the margin of EI and PI (in standardised units).
    n_points : int
        Points proposed per round by the constant liar and evaluated together, on ``n_jobs``
        joblib workers (a Dask cluster under ``joblib.parallel_backend("dask")``).
    callback : callable, optional
        Called with the partial result after each round; returning ``True`` stops.

    Returns
    -------
    BayesResult
        ``x``, ``fun``, ``x_iters``, ``func_vals``, ``history_``.

    Examples
    --------
    >>> from glassml.model_selection import Real
    >>> result = minimize_bayes(
    ...     lambda x: (x[0] - 0.3) ** 2, [Real(-1.0, 1.0)], n_calls=15, random_state=0
    ... )
    >>> bool(abs(result.x[0] - 0.3) < 0.05)
    True
    """
    from joblib import Parallel, delayed

    if not callable(fun):
        raise fail("fun", "a callable", fun)
    space = space if isinstance(space, Space) else Space(space, "space")
    n_calls = check_count(n_calls, "n_calls")
    n_points = check_count(n_points, "n_points")
    n_initial_points = check_count(n_initial_points, "n_initial_points")
    if n_calls < n_initial_points:
        raise fail("n_calls", f"at least n_initial_points={n_initial_points}", n_calls)
    if callback is not None and not callable(callback):
        raise fail("callback", "a callable or None", callback)
    optimizer = BayesOptimizer(
        space,
        n_initial_points=n_initial_points,
        acquisition=acquisition,
        xi=xi,
        kappa=kappa,
        random_state=random_state,
    )
    result = None
    while len(optimizer.values) < n_calls:
        batch = optimizer.ask(min(n_points, n_calls - len(optimizer.values)))
        if n_jobs in (None, 1) or len(batch) == 1:
            values = [_evaluate(fun, point) for point in batch]
        else:
            values = Parallel(n_jobs=n_jobs)(delayed(_evaluate)(fun, point) for point in batch)
        optimizer.tell(batch, values)
        result = _result(optimizer)
        if callback is not None and callback(result) is True:
            break
    return result


def _result(optimizer: BayesOptimizer) -> BayesResult:
    values = np.asarray(optimizer.values, dtype=np.float64)
    finite = np.where(np.isfinite(values), values, np.inf)
    best = int(np.argmin(finite))
    return BayesResult(
        x=list(optimizer.points[best]),
        fun=float(values[best]),
        x_iters=[list(p) for p in optimizer.points],
        func_vals=values,
        space=optimizer.space,
        history_={"value": values, "best": np.minimum.accumulate(finite)},
    )
