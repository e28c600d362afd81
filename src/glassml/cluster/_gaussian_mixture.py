"""Gaussian mixture model fitted by expectation-maximisation.

Model: p(x) = sum_k pi_k N(x | mu_k, Sigma_k). With responsibilities
r_ik = p(z_i = k | x_i), the log-likelihood is bounded below by

    L(theta) >= sum_i sum_k r_ik [log pi_k + log N(x_i | mu_k, Sigma_k) - log r_ik],

with equality when r_ik is the posterior. EM alternates the two maximisations of this bound:

    E-step: r_ik = pi_k N(x_i | mu_k, Sigma_k) / sum_j pi_j N(x_i | mu_j, Sigma_j)
    M-step: n_k = sum_i r_ik,  pi_k = n_k / n,  mu_k = sum_i r_ik x_i / n_k,
            Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / n_k + reg_covar I

so the mean log-likelihood (1/n) sum_i log p(x_i) never decreases (reg_covar adds a small
ridge that the exact maximiser lacks). Densities are kept in log space: with the Cholesky
factor P_k of the precision (Sigma_k^{-1} = P_k P_k^T),

    log N(x | mu_k, Sigma_k) = -d/2 log(2 pi) + log det P_k - ||(x - mu_k) P_k||^2 / 2,

and the responsibilities come out of a log-sum-exp, so no density underflows.

Units: the responsibilities do not depend on the units of X; the densities scale by c^-d. X is
divided by a power of two near its typical magnitude when it is large (with reg_covar / c^2,
the same problem: at 1e300 the ridge vanishes, as it should) and the parameters, densities and
samples are reported in X's units. A sample so far from every component that its quadratic
terms overflow still gets responsibilities (from the differences between components); its
log-likelihood, beyond float64, is refused by name.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import ClassVar, NamedTuple

import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import downscale_of
from glassml._threads import one_blas_thread
from glassml._validation import check_count, check_fit_X, check_named_array, check_predict_data
from glassml.cluster._gaussian_kernels import (
    chunk_rows,
    log_normalise_rows,
    mahalanobis_full,
    weighted_scatter,
)
from glassml.cluster._kmeans import KMeans
from glassml.cluster._kmeans_plusplus import kmeans_plusplus_indices

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


class Mixture(NamedTuple):
    """Parameters of a fitted mixture; shapes of the covariances follow covariance_type."""

    weights: np.ndarray  # (K,)
    means: np.ndarray  # (K, d)
    covariances: np.ndarray  # full (K, d, d), tied (d, d), diag (K, d), spherical (K,)
    precisions_cholesky: np.ndarray  # same shapes; P with Sigma^{-1} = P P^T


# ---------------------------------------------------------------------------------------------
# Densities (E-step)
# ---------------------------------------------------------------------------------------------


def log_gaussian_densities(
    X: np.ndarray, means: np.ndarray, precisions_cholesky: np.ndarray, covariance_type: str
) -> np.ndarray:
    """log N(x_i | mu_k, Sigma_k) for every sample and component, shape (n_samples, K)."""
    n_features = X.shape[1]
    n_components = means.shape[0]
    if covariance_type in ("full", "tied"):
        factors = (
            precisions_cholesky
            if covariance_type == "full"
            else np.broadcast_to(precisions_cholesky, (n_components, n_features, n_features))
        )
        # [P_1 | ... | P_K] and [mu_1 P_1, ..., mu_K P_K]: all components in one GEMM per chunk.
        projections = np.ascontiguousarray(factors.transpose(1, 0, 2).reshape(n_features, -1))
        offsets = np.einsum("kj,kjl->kl", means, factors).ravel()
        squared_mahalanobis = mahalanobis_full(
            X, projections, offsets, n_components, chunk_rows(projections.shape[1])
        )
        log_det = np.log(np.diagonal(factors, axis1=1, axis2=2)).sum(axis=1)
    elif covariance_type == "diag":
        # ||(x - mu) p||^2 = sum_j p_j^2 (x_j^2 - 2 x_j mu_j + mu_j^2): three GEMM-sized terms.
        precisions = precisions_cholesky**2
        squared_mahalanobis = (
            np.sum(means**2 * precisions, axis=1)
            - 2.0 * (X @ (means * precisions).T)
            + (X**2) @ precisions.T
        )
        log_det = np.log(precisions_cholesky).sum(axis=1)
    else:  # spherical: Sigma_k = sigma_k^2 I, P_k = I / sigma_k
        precisions = precisions_cholesky**2
        squared_mahalanobis = (
            np.sum(means**2, axis=1) * precisions
            - 2.0 * (X @ means.T) * precisions
            + np.outer(np.einsum("ij,ij->i", X, X), precisions)
        )
        log_det = n_features * np.log(precisions_cholesky)
    return -0.5 * (n_features * np.log(2.0 * np.pi) + squared_mahalanobis) + log_det


def expectation(X: np.ndarray, mixture: Mixture, covariance_type: str):
    """E-step: ``(log p(x_i) per sample, log r_ik)``.

    log p(x_i) = logsumexp_k [log pi_k + log N(x_i | mu_k, Sigma_k)], and
    log r_ik = log pi_k + log N(x_i | mu_k, Sigma_k) - log p(x_i).
    A sample whose every density underflows (its quadratic terms overflow) gets its log r from
    :func:`_far_log_responsibilities` and NaN for log p(x_i), which is beyond float64.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        log_resp = log_gaussian_densities(
            X, mixture.means, mixture.precisions_cholesky, covariance_type
        ) + np.log(mixture.weights)
    far = ~np.any(np.isfinite(log_resp), axis=1)
    log_likelihood = log_normalise_rows(log_resp)  # turns the weighted densities into log r
    if np.any(far):
        log_resp[far] = _far_log_responsibilities(X[far], mixture, covariance_type)
        log_likelihood[far] = np.nan
    return log_likelihood, log_resp


def _far_log_responsibilities(X: np.ndarray, mixture: Mixture, covariance_type: str):
    """log r_ik for samples far from every component, from differences between components.

    With r_k = (x - mu_k) P_k, m = max_k,j |r_kj| and q_k = ||r_k / m||^2, the log density is
    A_k - m^2 q_k / 2 (A_k = log pi_k + log det P_k - d/2 log 2 pi): relative to the best
    component the others are at -(m^2 / 2)(q_k - q_best) + (A_k - A_best), which may be -inf
    (probability 0, exactly so in float64) without any overflow mattering.
    """
    n_components, n_features = mixture.means.shape
    factors = mixture.precisions_cholesky
    if covariance_type == "tied":
        factors = np.broadcast_to(factors, (n_components, n_features, n_features))
    elif covariance_type == "diag":
        factors = np.stack([np.diag(f) for f in factors])
    elif covariance_type == "spherical":
        factors = factors[:, None, None] * np.eye(n_features)
    residuals = np.einsum("ikj,kjl->ikl", X[:, None, :] - mixture.means[None], factors)
    largest = np.max(np.abs(residuals), axis=(1, 2))[:, None]
    reduced = np.sum((residuals / largest[:, :, None]) ** 2, axis=2)
    log_det = np.log(np.abs(np.diagonal(factors, axis1=1, axis2=2))).sum(axis=1)
    offsets = np.log(mixture.weights) + log_det - 0.5 * n_features * np.log(2.0 * np.pi)
    with np.errstate(over="ignore", under="ignore"):
        best = np.argmax(offsets / largest**2 - 0.5 * reduced, axis=1)
        rows = np.arange(best.size)
        gap = reduced - reduced[rows, best][:, None]
        relative = offsets - offsets[best][:, None] - np.where(gap == 0, 0, 0.5 * largest**2 * gap)
    return relative - logsumexp(relative, axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Parameters (M-step)
# ---------------------------------------------------------------------------------------------


def _ill_defined(covariance_type: str) -> ValueError:
    return ValueError(
        f"X: expected data on which every {covariance_type} covariance stays positive "
        "definite, got a component collapsed onto too few or identical samples; increase "
        "reg_covar, reduce n_components or scale X"
    )


def precision_cholesky(covariances: np.ndarray, covariance_type: str) -> np.ndarray:
    """P with Sigma^{-1} = P P^T: P = L^{-T} for Sigma = L L^T (upper triangular)."""
    if covariance_type in ("diag", "spherical"):
        if np.any(covariances <= 0.0):
            raise _ill_defined(covariance_type)
        return 1.0 / np.sqrt(covariances)
    stack = covariances if covariance_type == "full" else covariances[np.newaxis]
    identity = np.eye(stack.shape[-1])
    factors = np.empty_like(stack)
    for k, covariance in enumerate(stack):
        try:
            lower = cholesky(covariance, lower=True)
        except np.linalg.LinAlgError:
            raise _ill_defined(covariance_type) from None
        factors[k] = solve_triangular(lower, identity, lower=True).T
    return factors if covariance_type == "full" else factors[0]


def maximisation(X: np.ndarray, resp: np.ndarray, reg_covar: float, covariance_type: str):
    """M-step: the weights, means and covariances that maximise the bound for fixed r."""
    n_features = X.shape[1]
    # 10 eps keeps n_k > 0 for a component that lost every sample (its mean is then 0).
    counts = resp.sum(axis=0) + 10.0 * np.finfo(resp.dtype).eps
    means = (resp.T @ X) / counts[:, np.newaxis]
    if covariance_type in ("full", "tied"):
        scatter = weighted_scatter(X, resp, means, chunk_rows(n_features))
        if covariance_type == "full":
            covariances = scatter / counts[:, np.newaxis, np.newaxis]
        else:
            covariances = scatter.sum(axis=0) / counts.sum()
        covariances = 0.5 * (covariances + np.swapaxes(covariances, -1, -2))
        covariances += reg_covar * np.eye(n_features)
    else:
        variances = np.stack([resp[:, k] @ (X - means[k]) ** 2 for k in range(len(counts))])
        covariances = variances / counts[:, np.newaxis] + reg_covar
        if covariance_type == "spherical":
            covariances = covariances.mean(axis=1)
    return Mixture(
        weights=counts / counts.sum(),
        means=means,
        covariances=covariances,
        precisions_cholesky=precision_cholesky(covariances, covariance_type),
    )


def n_free_parameters(n_components: int, n_features: int, covariance_type: str) -> int:
    """Means + covariances + (K - 1) weights: the parameter count in BIC and AIC."""
    covariance_parameters = {
        "full": n_components * n_features * (n_features + 1) // 2,
        "tied": n_features * (n_features + 1) // 2,
        "diag": n_components * n_features,
        "spherical": n_components,
    }[covariance_type]
    return covariance_parameters + n_components * n_features + n_components - 1


# ---------------------------------------------------------------------------------------------
# Estimator
# ---------------------------------------------------------------------------------------------


class GaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by expectation-maximisation (Dempster, Laird & Rubin, 1977).

    Maximises the mean log-likelihood (1/n) sum_i log sum_k pi_k N(x_i | mu_k, Sigma_k) by EM:

        E-step: log r_ik = log pi_k + log N(x_i | mu_k, Sigma_k) - logsumexp_j(...)
        M-step: pi_k = n_k / n, mu_k = sum_i r_ik x_i / n_k,
                Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / n_k + reg_covar I

    (tied: one Sigma = sum_k n_k Sigma_k / n; diag: only its diagonal; spherical: the mean of
    the diagonal). Stops when the bound changes by less than ``tol``; keeps the best of
    ``n_init`` runs.

    Parameters
    ----------
    n_components : int, default=1
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    tol : float, default=1e-3
    reg_covar : float, default=1e-6
    max_iter : int, default=100
    n_init : int, default=1
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        How the first responsibilities are set (hard k-means labels, one-hot at k-means++ or
        random seeds, or random soft responsibilities); the first M-step turns them into
        parameters.
    weights_init, means_init, precisions_init : arrays or None
        Replace the initial weights, means or precisions.
    random_state : int, RandomState or None

    Attributes
    ----------
    weights_, means_, covariances_, precisions_, precisions_cholesky_, converged_, n_iter_,
    lower_bound_ (mean log-likelihood of the kept run),
    history_ : dict with "lower_bound" at each iteration of the kept run.

    References
    ----------
    Dempster, A. P., Laird, N. M. and Rubin, D. B. (1977). Maximum likelihood from incomplete
    data via the EM algorithm. JRSS B 39(1). Bishop, C. M. (2006). Pattern Recognition and
    Machine Learning, section 9.2.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.cluster import GaussianMixture
    >>> X = np.array([[0.0], [0.2], [0.1], [5.0], [5.2], [5.1]])
    >>> model = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> np.sort(model.means_.ravel()).round(3).tolist()
    [0.1, 5.1]
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions({"kmeans", "k-means++", "random", "random_from_data"})],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state

    # -- initialisation -----------------------------------------------------------------------

    def _initial_responsibilities(self, X: np.ndarray, random_state) -> np.ndarray:
        n_samples, n_components = X.shape[0], self.n_components
        if self.init_params == "random":
            resp = random_state.uniform(size=(n_samples, n_components))
            return resp / resp.sum(axis=1, keepdims=True)
        resp = np.zeros((n_samples, n_components))
        if self.init_params == "kmeans":
            labels = KMeans(n_components, n_init=1, random_state=random_state).fit(X).labels_
            resp[np.arange(n_samples), labels] = 1.0
            return resp
        if self.init_params == "k-means++":
            seeds = kmeans_plusplus_indices(X, n_components, random_state, None, None)
        else:  # random_from_data
            seeds = random_state.choice(n_samples, size=n_components, replace=False)
        resp[seeds, np.arange(n_components)] = 1.0
        return resp

    def _initial_mixture(self, X: np.ndarray, random_state, user_init: dict) -> Mixture:
        """Parameters from the initial responsibilities, then the user's overrides."""
        mixture = maximisation(
            X, self._initial_responsibilities(X, random_state), self._reg, self.covariance_type
        )
        if user_init["weights"] is not None:
            mixture = mixture._replace(weights=user_init["weights"])
        if user_init["means"] is not None:
            mixture = mixture._replace(means=user_init["means"])
        if user_init["precisions"] is not None:
            precisions = user_init["precisions"]
            if self.covariance_type == "full":
                factors = np.stack([cholesky(p, lower=True) for p in precisions])
                covariances = np.linalg.inv(precisions)
            elif self.covariance_type == "tied":
                factors = cholesky(precisions, lower=True)
                covariances = np.linalg.inv(precisions)
            else:
                factors, covariances = np.sqrt(precisions), 1.0 / precisions
            mixture = mixture._replace(covariances=covariances, precisions_cholesky=factors)
        return mixture

    def _check_user_init(self, n_features: int) -> dict:
        """Validate weights_init, means_init and precisions_init, in the fitted units."""
        n_components = self.n_components
        weights = means = precisions = None
        if self.weights_init is not None:
            weights = check_named_array(
                self.weights_init, "weights_init", ensure_2d=False, dtype=np.float64
            )
            if weights.shape != (n_components,):
                raise ValueError(
                    f"weights_init: expected shape ({n_components},), got {weights.shape}"
                )
            if np.any(weights < 0) or np.any(weights > 1) or not np.isclose(weights.sum(), 1.0):
                raise ValueError(
                    f"weights_init: expected values in [0, 1] summing to 1, got sum "
                    f"{weights.sum():g}"
                )
        if self.means_init is not None:
            means = check_named_array(self.means_init, "means_init", dtype=np.float64)
            if means.shape != (n_components, n_features):
                raise ValueError(
                    f"means_init: expected shape (n_components, n_features) = "
                    f"({n_components}, {n_features}), got {means.shape}"
                )
            means = means / self._unit
        if self.precisions_init is not None:
            expected = {
                "full": (n_components, n_features, n_features),
                "tied": (n_features, n_features),
                "diag": (n_components, n_features),
                "spherical": (n_components,),
            }[self.covariance_type]
            precisions = check_named_array(
                self.precisions_init,
                "precisions_init",
                dtype=np.float64,
                ensure_2d=False,
                allow_nd=True,
            )
            if precisions.shape != expected:
                raise ValueError(
                    f"precisions_init: expected shape {expected} for "
                    f"covariance_type={self.covariance_type!r}, got {precisions.shape}"
                )
            if self.covariance_type in ("full", "tied"):
                matrices = precisions.reshape(-1, n_features, n_features)
                symmetric = np.allclose(matrices, np.swapaxes(matrices, 1, 2))
                if not symmetric or np.any(np.linalg.eigvalsh(matrices) <= 0):
                    raise ValueError(
                        "precisions_init: expected symmetric positive-definite matrices, got "
                        "one that is not"
                    )
            elif np.any(precisions <= 0):
                raise ValueError("precisions_init: expected positive values, got one <= 0")
            with np.errstate(over="ignore"):
                precisions = precisions * self._unit * self._unit  # precision of X / c
            if not np.all(np.isfinite(precisions)):
                raise ValueError(
                    "precisions_init: expected precisions that fit in float64 in the units of "
                    f"X / {self._unit:g}, got an overflow"
                )
        return {"weights": weights, "means": means, "precisions": precisions}

    # -- fit ----------------------------------------------------------------------------------

    def fit(self, X, y=None) -> GaussianMixture:
        self.fit_predict(X)
        return self

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit by EM and return the most responsible component of each sample."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2, order="C")
        if X.shape[0] < self.n_components:
            raise ValueError(
                f"n_components: expected at most n_samples = {X.shape[0]} components, got "
                f"{self.n_components}"
            )
        self._unit = downscale_of(X)
        self._reg = self.reg_covar / self._unit / self._unit
        X = X / self._unit if self._unit != 1.0 else X
        user_init = self._check_user_init(X.shape[1])
        random_state = check_random_state(self.random_state)

        best = None
        for _ in range(self.n_init):
            with one_blas_thread():
                best = self._em_run(X, random_state, user_init, best)

        if not best["converged"] and self.max_iter > 0:
            warnings.warn(
                f"EM did not converge within max_iter={self.max_iter} iterations; increase "
                "max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._set_mixture(best["mixture"])
        self.converged_ = best["converged"]
        self.n_iter_ = len(best["history"])
        # Densities of X are those of X / c divided by c^d.
        shift = X.shape[1] * np.log(self._unit)
        self.lower_bound_ = best["lower_bound"] - shift
        self.history_ = {"lower_bound": np.asarray(best["history"], dtype=np.float64) - shift}
        return self._log_responsibilities(X).argmax(axis=1)

    def _em_run(self, X, random_state, user_init, best):
        """One EM run from a fresh initialisation; returns it if it beats ``best``."""
        mixture = self._initial_mixture(X, random_state, user_init)
        lower_bound, history, converged = -np.inf, [], False
        for _ in range(self.max_iter):
            previous = lower_bound
            log_likelihood, log_resp = expectation(X, mixture, self.covariance_type)
            mixture = maximisation(X, np.exp(log_resp), self._reg, self.covariance_type)
            lower_bound = float(log_likelihood.mean())
            history.append(lower_bound)
            if abs(lower_bound - previous) < self.tol:
                converged = True
                break
        if best is None or lower_bound > best["lower_bound"]:
            return {
                "mixture": mixture,
                "lower_bound": lower_bound,
                "history": history,
                "converged": converged,
            }
        return best

    def _set_mixture(self, mixture: Mixture) -> None:
        """The fitted mixture, kept in the units; the attributes in X's units (a covariance
        beyond float64, with X beyond about 1e154, is inf there: it truly exceeds float64)."""
        self._units_mixture = mixture
        unit, squared = self._unit, self._unit * self._unit
        self.weights_, self.means_ = mixture.weights, mixture.means * unit
        factors = mixture.precisions_cholesky
        with np.errstate(over="ignore", under="ignore"):
            self.covariances_ = mixture.covariances * squared
            self.precisions_cholesky_ = factors / unit
            if self.covariance_type == "full":
                self.precisions_ = factors @ np.swapaxes(factors, 1, 2) / squared
            elif self.covariance_type == "tied":
                self.precisions_ = factors @ factors.T / squared
            else:
                self.precisions_ = factors**2 / squared

    def _mixture(self) -> Mixture:
        return self._units_mixture

    # -- inference ----------------------------------------------------------------------------

    def _validate_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64, order="C")
        return X / self._unit if self._unit != 1.0 else X

    def _log_responsibilities(self, X: np.ndarray) -> np.ndarray:
        return expectation(X, self._mixture(), self.covariance_type)[1]

    def score_samples(self, X) -> np.ndarray:
        """log p(x_i) under the fitted mixture."""
        X = self._validate_X(X)
        log_likelihood = expectation(X, self._mixture(), self.covariance_type)[0]
        if np.any(np.isnan(log_likelihood)):
            raise ValueError(
                "X: expected samples whose log-likelihood fits in float64, got "
                f"{int(np.isnan(log_likelihood).sum())} so far from every component that "
                "their quadratic terms overflow (predict and predict_proba still assign them)"
            )
        return log_likelihood - X.shape[1] * np.log(self._unit)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood (1/n) sum_i log p(x_i)."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities r_ik = p(z = k | x_i)."""
        return np.exp(self._log_responsibilities(self._validate_X(X)))

    def predict(self, X) -> np.ndarray:
        """Most responsible component of each sample."""
        return self._log_responsibilities(self._validate_X(X)).argmax(axis=1)

    def bic(self, X) -> float:
        """Bayesian information criterion -2 log L + p log n (lower is better)."""
        X = check_predict_data(self, X, dtype=np.float64, order="C")
        n_parameters = n_free_parameters(self.n_components, X.shape[1], self.covariance_type)
        return -2.0 * self.score(X) * X.shape[0] + n_parameters * np.log(X.shape[0])

    def aic(self, X) -> float:
        """Akaike information criterion -2 log L + 2 p (lower is better)."""
        X = check_predict_data(self, X, dtype=np.float64, order="C")
        n_parameters = n_free_parameters(self.n_components, X.shape[1], self.covariance_type)
        return -2.0 * self.score(X) * X.shape[0] + 2.0 * n_parameters

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw (X, component labels): z ~ Categorical(pi), x = mu_z + A_z e, e ~ N(0, I).

        A_z is the Cholesky factor of Sigma_z (its square root for diag and spherical).
        """
        check_is_fitted(self)
        n_samples = check_count(n_samples, "n_samples")
        random_state = check_random_state(self.random_state)
        mixture = self._mixture()
        n_features = mixture.means.shape[1]
        counts = random_state.multinomial(n_samples, mixture.weights)
        draws = []
        for k, count in enumerate(counts):
            noise = random_state.standard_normal((count, n_features))
            if self.covariance_type in ("full", "tied"):
                covariance = (
                    mixture.covariances[k]
                    if self.covariance_type == "full"
                    else mixture.covariances
                )
                draws.append(mixture.means[k] + noise @ cholesky(covariance, lower=True).T)
            else:
                draws.append(mixture.means[k] + noise * np.sqrt(mixture.covariances[k]))
        labels = np.repeat(np.arange(self.n_components), counts)
        return np.vstack(draws) * self._unit, labels
