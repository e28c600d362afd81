"""Density detector: a multivariate Gaussian, or robust location/scatter and its chi-square law."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.linalg import cho_factor, solve_triangular
from scipy.stats import chi2
from sklearn.covariance import MinCovDet
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._validation import check_fit_X, check_predict_data
from glassml.anomaly._base import CONTAMINATION, BaseDetector

# "auto" flags samples beyond the 97.5 % chi-square quantile of the squared Mahalanobis
# distance (the cut-off of the MCD's own reweighting step, Rousseeuw & Van Driessen 1999).
AUTO_QUANTILE = 0.975
_LOG_2PI = np.log(2.0 * np.pi)


class GaussianDetector(BaseDetector):
    """Outliers as samples of low density under a fitted multivariate Gaussian.

    Density (``robust=False``): maximum-likelihood mean mu and covariance
    S = (1/n) sum_i (x_i - mu)(x_i - mu)^T + reg_covar I (diagonal of S only with
    ``covariance_type="diag"``); the score is the log-density

        log p(x) = -1/2 (d log 2 pi + log det S + D^2(x)),  D^2(x) = (x - mu)^T S^-1 (x - mu),

    computed through the Cholesky factor S = L L^T (log det S = 2 sum log L_jj,
    D^2 = ||L^-1 (x - mu)||^2).

    Robust (``robust=True``): location and scatter from scikit-learn's Minimum Covariance
    Determinant (``MinCovDet``, Rousseeuw & Van Driessen 1999, reweighted and consistency-
    corrected), which a fraction of outliers cannot move; the score is ``-D^2(x)``, as
    scikit-learn's ``EllipticEnvelope``. For Gaussian inliers D^2 follows a chi-square law with
    d degrees of freedom, so ``p_values(X)`` = P(chi2_d >= D^2(x)) is a calibrated per-sample
    tail probability (in either mode).

    ``contamination="auto"`` puts the threshold at D^2 = chi2_d quantile 0.975.

    Parameters
    ----------
    covariance_type : {"full", "diag"}, default="full"
    reg_covar : float, default=1e-6
        Added to the covariance's diagonal (density mode).
    robust : bool, default=False
    support_fraction : float in (0, 1] or None, default=None
        MinCovDet's support fraction (robust mode).
    contamination : "auto" or float in (0, 0.5], default="auto"
    random_state : int, RandomState or None, default=None
        MinCovDet's random starts (robust mode).

    Attributes
    ----------
    location_, covariance_ : the fitted mean and covariance (robust: MCD estimates)
    offset_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import GaussianDetector
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> detector = GaussianDetector().fit(X)
    >>> detector.predict([[0.0, 0.0], [6.0, 6.0]]).tolist()
    [1, -1]
    >>> bool(detector.p_values([[6.0, 6.0]])[0] < 1e-6)
    True
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "covariance_type": [StrOptions({"full", "diag"})],
        "reg_covar": [Interval(numbers.Real, 0.0, None, closed="left")],
        "robust": ["boolean"],
        "support_fraction": [Interval(numbers.Real, 0.0, 1.0, closed="right"), None],
        "contamination": CONTAMINATION,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        covariance_type="full",
        reg_covar=1e-6,
        robust=False,
        support_fraction=None,
        contamination="auto",
        random_state=None,
    ):
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.robust = robust
        self.support_fraction = support_fraction
        self.contamination = contamination
        self.random_state = random_state

    def fit(self, X, y=None) -> GaussianDetector:
        """Estimate location and scatter from X (labels, if given, are ignored)."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2)
        d = X.shape[1]
        # Fitted in units X / c (c a power of two, 1 in the safe range): D^2 does not depend
        # on c and the log-density shifts by -d log c, so data at 1e300 or 1e-300 fits too.
        self._unit = np.float64(scale_of(X))
        units = X / self._unit
        if self.robust:
            mcd = MinCovDet(
                support_fraction=self.support_fraction, random_state=self.random_state
            ).fit(units)
            location, covariance = mcd.location_, mcd.covariance_
            self._mcd = mcd
        else:
            location = units.mean(axis=0)
            centred = units - location
            if self.covariance_type == "diag":
                covariance = np.diag(np.mean(centred**2, axis=0))
            else:
                covariance = centred.T @ centred / X.shape[0]
            covariance = covariance + self.reg_covar * np.eye(d)
        self._location_units = location
        with np.errstate(over="ignore"):  # attributes in X's units (may overflow at 1e300)
            self.location_ = location * self._unit
            self.covariance_ = covariance * self._unit**2
        factor, _ = cho_factor(covariance, lower=True, check_finite=False)
        if not np.all(np.isfinite(factor)) or np.any(np.diag(factor) <= 0):
            raise ValueError(
                "X: expected data whose covariance is positive definite, got a singular "
                "covariance; increase reg_covar"
            )
        self._cholesky = np.tril(factor)
        self._log_det = 2.0 * float(np.sum(np.log(np.diag(self._cholesky)))) + 2 * d * np.log(
            self._unit
        )
        self._set_offset(lambda: self._score(X))
        return self

    def mahalanobis(self, X) -> np.ndarray:
        """Squared Mahalanobis distance D^2(x) of each sample to the fitted location."""
        check_is_fitted(self)
        return self._squared_distances(check_predict_data(self, X, dtype=np.float64))

    def p_values(self, X) -> np.ndarray:
        """P(chi2_d >= D^2(x)): the probability of a Gaussian inlier lying at least as far."""
        return chi2.sf(self.mahalanobis(X), df=self.n_features_in_)

    def _squared_distances(self, X: np.ndarray) -> np.ndarray:
        units = X / self._unit
        if self.robust:
            distances = self._mcd.mahalanobis(units)
        else:
            whitened = solve_triangular(
                self._cholesky, (units - self._location_units).T, lower=True, check_finite=False
            )
            with np.errstate(over="ignore"):
                distances = np.einsum("ij,ij->j", whitened, whitened)
        if not np.all(np.isfinite(distances)):
            raise ValueError(
                "X: expected samples whose squared Mahalanobis distance fits in float64, got "
                f"values up to {float(np.max(np.abs(X))):.3g} for data of scale {self._unit:.3g}"
            )
        return distances

    def _log_density(self, squared_distances):
        return -0.5 * (self.n_features_in_ * _LOG_2PI + self._log_det + squared_distances)

    def _score(self, X: np.ndarray) -> np.ndarray:
        distances = self._squared_distances(X)
        return -distances if self.robust else self._log_density(distances)

    def _auto_offset(self) -> float:
        cut = chi2.ppf(AUTO_QUANTILE, df=self.n_features_in_)
        return -cut if self.robust else self._log_density(cut)
