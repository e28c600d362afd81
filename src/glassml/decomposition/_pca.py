"""Principal component analysis: the eigenproblem of the covariance, solved three ways."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._validation import check_fit_X, check_named_array, check_predict_data
from glassml.linalg import randomized_svd, svd_flip


class PCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Principal component analysis.

    Objective: the k orthonormal directions V_k (d × k) that maximise the variance of the
    projected, centred data X_c = X − mean, i.e. maximise tr(V_kᵀ C V_k) with
    C = X_cᵀ X_c / (n − 1). The maximisers are the top-k eigenvectors of C (Rayleigh–Ritz):

        C v_i = λ_i v_i,  λ_1 >= λ_2 >= ...,  explained variance λ_i.

    The same directions are the right singular vectors of X_c = U Σ Vᵀ, with λ_i = σ_i² / (n − 1):

    - ``svd_solver="covariance_eigh"``: eigendecomposition of C (d × d); cheap when n >> d, but
      forming C squares the condition number.
    - ``"full"``: thin SVD of X_c (LAPACK gesdd), accurate on any shape.
    - ``"randomized"``: Halko–Martinsson–Tropp randomized SVD of X_c
      (:func:`glassml.linalg.randomized_svd`), for k << min(n, d).
    - ``"auto"``: covariance_eigh when d <= 1000 and n >= 10 d; full when max(n, d) <= 500 or k is
      a variance fraction; randomized when k < 0.8 min(n, d); else full (scikit-learn's rule).

    Signs are fixed so that the largest-magnitude entry of each component is positive.
    Units: the axes do not depend on the units of X, so the decomposition is computed on X
    divided by a power of two near its typical magnitude (exact) and the variances, singular
    values, mean and projections scaled back; variances beyond float64 (X above about 1e154)
    are inf in ``explained_variance_`` / ``noise_variance_``, while log-likelihoods, which
    stay in range, are computed in the units and shifted by ``-d log c``.
    ``transform`` computes X_c V_k (divided by sqrt(λ) when ``whiten``); ``inverse_transform``
    maps Z back to Z V_kᵀ + mean. ``score`` is the average log-likelihood under probabilistic PCA
    (Tipping & Bishop, 1999): x ~ N(mean, W Wᵀ + σ² I) with the maximum-likelihood
    σ² = mean of the discarded eigenvalues and W = V_k (Λ_k − σ² I)^{1/2}.

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default=None
        Number of components; a float keeps the fewest components whose cumulated explained
        variance ratio exceeds it (exact solvers only); None keeps min(n_samples, n_features).
    whiten : bool, default=False
        Scale the projections to unit variance.
    svd_solver : {"auto", "covariance_eigh", "full", "randomized"}, default="auto"
    n_oversamples : int, default=10
        Extra random directions for the randomized solver.
    iterated_power : int or "auto", default="auto"
        Power iterations for the randomized solver.
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}, default="auto"
    random_state : int, RandomState or None
        Seeds the randomized solver.

    Attributes
    ----------
    components_ : ndarray (n_components_, n_features)
        Principal axes, rows of V_kᵀ.
    explained_variance_ : ndarray (n_components_,)
        λ_i = σ_i² / (n − 1).
    explained_variance_ratio_ : ndarray (n_components_,)
        λ_i / Σ_j λ_j over all d directions (the total variance).
    singular_values_ : ndarray (n_components_,)
        σ_i of the centred data.
    mean_ : ndarray (n_features,)
    n_components_ : int
    noise_variance_ : float
        σ² of probabilistic PCA (0 when every direction is kept).
    n_samples_, n_features_in_ : int

    References
    ----------
    Pearson (1901); Hotelling (1933); Tipping & Bishop (1999), "Probabilistic principal
    component analysis", JRSS B 61(3); Halko, Martinsson & Tropp (2011), SIAM Review 53(2).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]])
    >>> pca = PCA(n_components=1).fit(X)
    >>> pca.components_.tolist(), pca.explained_variance_.round(6).tolist()
    ([[1.0, 0.0]], [2.666667])
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            None,
        ],
        "whiten": ["boolean"],
        "svd_solver": [StrOptions({"auto", "covariance_eigh", "full", "randomized"})],
        "n_oversamples": [Interval(Integral, 1, None, closed="left")],
        "iterated_power": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "power_iteration_normalizer": [StrOptions({"auto", "QR", "LU", "none"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components: int | float | None = None,
        *,
        whiten: bool = False,
        svd_solver: str = "auto",
        n_oversamples: int = 10,
        iterated_power: int | str = "auto",
        power_iteration_normalizer: str = "auto",
        random_state=None,
    ):
        self.n_components = n_components
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.n_oversamples = n_oversamples
        self.iterated_power = iterated_power
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None) -> PCA:
        """Find the principal axes of X (n_samples, n_features)."""
        self._fit(X, need_u=False)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit, then return X_c V_k (= U_k Σ_k, or U_k sqrt(n − 1) when whitening)."""
        U, X_centered = self._fit(X, need_u=True)
        if U is None:  # covariance_eigh never forms U
            return self._project(X_centered)
        U = U[:, : self.n_components_]
        if self.whiten:
            return U * np.sqrt(self.n_samples_ - 1)
        return U * np.sqrt(self._variances_units * (self.n_samples_ - 1)) * self._unit

    def _choose_solver(self, n_samples: int, n_features: int, n_components) -> str:
        if self.svd_solver != "auto":
            return self.svd_solver
        if n_features <= 1_000 and n_samples >= 10 * n_features:
            return "covariance_eigh"
        if max(n_samples, n_features) <= 500:
            return "full"
        if isinstance(n_components, Integral) and 1 <= n_components < 0.8 * min(
            n_samples, n_features
        ):
            return "randomized"
        return "full"

    def _fit(self, X, need_u: bool):
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2)
        self._unit = scale_of(X)
        X = X / self._unit if self._unit != 1.0 else X
        n_samples, n_features = X.shape
        max_components = min(n_samples, n_features)
        n_components = max_components if self.n_components is None else self.n_components
        if isinstance(n_components, Integral) and n_components > max_components:
            raise ValueError(
                f"n_components: expected at most min(n_samples, n_features) = {max_components} "
                f"(X has {n_samples} samples and {n_features} features), got {n_components}"
            )
        solver = self._choose_solver(n_samples, n_features, n_components)
        if solver == "randomized" and not (
            isinstance(n_components, Integral) and n_components >= 1
        ):
            raise ValueError(
                f"n_components: expected an int >= 1 with svd_solver='randomized', got "
                f"{n_components!r}"
            )
        self._fit_svd_solver = solver

        self.mean_ = X.mean(axis=0)
        # covariance_eigh never needs the centred copy, except to return the projections.
        # Fortran order is LAPACK's: the full solver's QR / SVD work in place, not on a copy.
        X_centered = (
            np.subtract(X, self.mean_, order="F" if solver == "full" else "C")
            if solver != "covariance_eigh" or need_u
            else None
        )
        if solver == "covariance_eigh":
            # C = (XᵀX − n mean meanᵀ) / (n − 1): one GEMM on the raw data, no centred copy needed.
            covariance = X.T @ X
            covariance -= n_samples * np.outer(self.mean_, self.mean_)
            covariance /= n_samples - 1
            eigenvalues, eigenvectors = linalg.eigh(covariance, check_finite=False)
            # eigh sorts ascending; round-off can push a zero eigenvalue slightly negative.
            explained_variance = np.maximum(eigenvalues[::-1], 0.0)
            Vt = np.ascontiguousarray(eigenvectors[:, ::-1].T)
            singular_values = np.sqrt(explained_variance * (n_samples - 1))
            U = None
            total_variance = explained_variance.sum()
        elif solver == "full":
            if need_u or n_samples < n_features:
                U, singular_values, Vt = linalg.svd(
                    X_centered, full_matrices=False, check_finite=False, overwrite_a=not need_u
                )
            else:
                # R-SVD (Chan, 1982): X_c = Q R and R = Ũ Σ Vᵀ give X_c = (Q Ũ) Σ Vᵀ. fit() needs
                # only Σ and Vᵀ, so Q and U are never formed; LAPACK's gesdd takes the same QR
                # first step on tall matrices, then spends most of its time building U.
                geqrf, geqrf_lwork = linalg.get_lapack_funcs(
                    ("geqrf", "geqrf_lwork"), (X_centered,)
                )
                # The optimal workspace enables LAPACK's blocked (BLAS-3) QR.
                work_size, _ = geqrf_lwork(*X_centered.shape)
                factored, _, _, info = geqrf(X_centered, lwork=int(work_size), overwrite_a=True)
                if info != 0:
                    raise np.linalg.LinAlgError(f"QR of the centred data failed (info={info})")
                R = np.triu(factored[:n_features])
                _, singular_values, Vt = linalg.svd(R, full_matrices=False, check_finite=False)
                U = None
            explained_variance = singular_values**2 / (n_samples - 1)
            total_variance = explained_variance.sum()
        else:
            n_iter = self.iterated_power
            U, singular_values, Vt = randomized_svd(
                X_centered,
                n_components,
                n_oversamples=self.n_oversamples,
                n_iter=n_iter,
                power_iteration_normalizer=self.power_iteration_normalizer,
                random_state=self.random_state,
                flip_sign=False,
            )
            explained_variance = singular_values**2 / (n_samples - 1)
            # Total variance without the discarded directions: ||X_c||_F² / (n − 1), one BLAS dot.
            flat = X_centered.ravel(order="K")  # a view, whatever the memory order
            total_variance = float(flat @ flat) / (n_samples - 1)
        U, Vt = svd_flip(U if need_u else None, Vt)
        explained_variance_ratio = explained_variance / total_variance

        if not isinstance(n_components, Integral):
            # Fewest components whose cumulated ratio strictly exceeds the requested fraction.
            cumulated = np.cumsum(explained_variance_ratio)
            n_components = int(np.searchsorted(cumulated, n_components, side="right") + 1)
            n_components = min(n_components, len(explained_variance))

        # Probabilistic PCA: σ² is the mean variance of the directions left out (the exact
        # solvers know every eigenvalue; the randomized one only their sum, total_variance).
        if n_components < max_components:
            n_discarded = (
                max_components if solver == "randomized" else len(explained_variance)
            ) - n_components
            self.noise_variance_ = float(
                (total_variance - explained_variance[:n_components].sum()) / n_discarded
            )
        else:
            self.noise_variance_ = 0.0

        self.n_samples_ = n_samples
        self.n_components_ = int(n_components)
        self.components_ = Vt[:n_components].copy()
        self.explained_variance_ratio_ = explained_variance_ratio[:n_components].copy()
        # Kept in the units for transform and score; in X's units for the attributes.
        self._variances_units = explained_variance[:n_components].copy()
        self._noise_units = self.noise_variance_
        squared = self._unit * self._unit
        with np.errstate(over="ignore", under="ignore"):
            self.explained_variance_ = self._variances_units * squared
            self.noise_variance_ = self._noise_units * squared
            self.singular_values_ = singular_values[:n_components] * self._unit
            self.mean_ = self.mean_ * self._unit
        return U, X_centered

    # ------------------------------------------------------------ transform
    def _whitening_scale(self) -> np.ndarray:
        # Rank-deficient data can leave λ ~ 0; clip so that whitening stays finite.
        return np.maximum(np.sqrt(self._variances_units), np.finfo(np.float64).eps)

    def _project(self, X_centered: np.ndarray) -> np.ndarray:
        """Projections of data centred in the units: in X's units, or whitened (unit-free)."""
        Z = X_centered @ self.components_.T
        if self.whiten:
            return Z / self._whitening_scale()
        with np.errstate(over="ignore"):
            Z = Z * self._unit
        if not np.all(np.isfinite(Z)):
            raise ValueError("X: expected projections that fit in float64, got an overflow")
        return Z

    def _centred_units(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        return (X / self._unit if self._unit != 1.0 else X) - self.mean_ / self._unit

    def transform(self, X) -> np.ndarray:
        """Z = (X − mean) V_k, divided by sqrt(λ) when ``whiten``.

        Examples
        --------
        >>> import numpy as np
        >>> from glassml.decomposition import PCA
        >>> X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
        >>> np.round(PCA(n_components=1).fit(X).transform([[4.0, 4.0]]), 6).tolist()
        [[2.828427]]
        """
        return self._project(self._centred_units(X))

    def inverse_transform(self, X) -> np.ndarray:
        """X̂ = Z V_kᵀ + mean for projections Z (passed as ``X``, scikit-learn's name), scaled
        back by sqrt(λ) first when ``whiten``."""
        check_is_fitted(self)
        Z = check_named_array(X, "X", dtype=np.float64)
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X: expected {self.n_components_} columns (n_components_), got {Z.shape[1]}"
            )
        with np.errstate(over="ignore"):
            if self.whiten:
                Z = Z * (self._whitening_scale() * self._unit)
            restored = Z @ self.components_ + self.mean_
        if not np.all(np.isfinite(restored)):
            raise ValueError("X: expected projections whose reconstruction fits in float64")
        return restored

    # ---------------------------------------------- probabilistic PCA model
    def _model_variances(self) -> np.ndarray:
        """Eigenvalues of the model covariance along the kept axes, in the units: max(λ, σ²)."""
        return np.maximum(self._variances_units, self._noise_units)

    def _covariance_units(self) -> np.ndarray:
        excess = self._model_variances() - self._noise_units
        covariance = (self.components_.T * excess) @ self.components_
        covariance[np.diag_indices_from(covariance)] += self._noise_units
        return covariance

    def get_covariance(self) -> np.ndarray:
        """Model covariance W Wᵀ + σ² I = V_k (Λ_k − σ² I)₊ V_kᵀ + σ² I.

        Examples
        --------
        >>> import numpy as np
        >>> from glassml.decomposition import PCA
        >>> X = np.array([[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]])
        >>> np.round(PCA().fit(X).get_covariance(), 6).tolist()
        [[2.666667, 0.0], [0.0, 0.666667]]
        """
        check_is_fitted(self)
        with np.errstate(over="ignore"):
            covariance = self._covariance_units() * self._unit * self._unit
        if not np.all(np.isfinite(covariance)):
            raise ValueError(
                "X: expected data whose covariance fits in float64, got one beyond 1.8e308 "
                "(X was fitted beyond about 1e154)"
            )
        return covariance

    def get_precision(self) -> np.ndarray:
        """Inverse of the model covariance: I/σ² + V_k (Λ_k⁻¹ − I/σ²) V_kᵀ (Woodbury).

        Examples
        --------
        >>> import numpy as np
        >>> from glassml.decomposition import PCA
        >>> X = np.array([[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]])
        >>> np.round(PCA().fit(X).get_precision(), 6).tolist()
        [[0.375, 0.0], [0.0, 1.5]]
        """
        check_is_fitted(self)
        return self._precision_units() / self._unit / self._unit

    def _precision_units(self) -> np.ndarray:
        if self._noise_units == 0.0:
            return linalg.inv(self._covariance_units())
        inverse_noise = 1.0 / self._noise_units
        correction = 1.0 / self._model_variances() - inverse_noise
        precision = (self.components_.T * correction) @ self.components_
        precision[np.diag_indices_from(precision)] += inverse_noise
        return precision

    def score_samples(self, X) -> np.ndarray:
        """log N(x | mean, C) per sample, C = W Wᵀ + σ² I.

        With r = x − mean and z = V_kᵀ r, using the eigenstructure of C:
            rᵀ C⁻¹ r = ||r||²/σ² + Σ_i z_i² (1/max(λ_i, σ²) − 1/σ²)
        and log p(x) = −½ (d log 2π + log|C| + rᵀ C⁻¹ r): O(n d k), no d × d matrix. Computed
        in the units X / c, whose density is c^d times that of X.
        """
        residual = self._centred_units(X)
        n_features = residual.shape[1]
        with np.errstate(over="ignore", invalid="ignore"):
            if self._noise_units == 0.0:
                # Every direction kept: C = V Λ Vᵀ is full rank only when k = d.
                precision = self._precision_units()
                quadratic = np.einsum("ij,jk,ik->i", residual, precision, residual)
                _, log_det_precision = np.linalg.slogdet(precision)
                log_det = -log_det_precision
            else:
                variances = self._model_variances()
                projections = residual @ self.components_.T
                noise = self._noise_units
                quadratic = np.einsum("ij,ij->i", residual, residual) / noise
                quadratic += (projections**2) @ (1.0 / variances - 1.0 / noise)
                log_det = np.log(variances).sum() + (n_features - self.n_components_) * np.log(
                    noise
                )
        if not np.all(np.isfinite(quadratic)):
            raise ValueError(
                "X: expected samples whose log-likelihood fits in float64, got some so far from "
                "the data that (x - mean)' C^-1 (x - mean) overflows"
            )
        log_density = -0.5 * (n_features * np.log(2.0 * np.pi) + log_det + quadratic)
        return log_density - n_features * np.log(self._unit)

    def score(self, X, y=None) -> float:
        """Average probabilistic-PCA log-likelihood of the samples."""
        return float(np.mean(self.score_samples(X)))

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]
