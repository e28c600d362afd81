"""Ordinary (and weighted) least squares by a QR factorisation of the design.

Objective: minimise ``sum_i w_i (y_i - b0 - x_i' b)^2``. The normal equations
``A'A beta = A'y`` (``A = sqrt(W) [1, X]``) would square the condition number; instead factor
``A = QR`` (Householder, backward stable) and solve ``R beta = Q'y``. The first column of ``A`` is
the intercept column, so the trailing block ``R22`` of ``R`` is the R-factor of the weighted,
centred features, and the first row of ``R beta = Q'y`` gives ``b0 = ybar_w - xbar_w' b``.
The slopes solve ``min ||R22 b - (Q'y)_2||``: through the SVD of the small ``R22`` this is the
minimum-norm solution when ``X`` is rank deficient (the same solution as scikit-learn's).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._validation import check_fit_data, check_predict_data, check_weights
from glassml.linear._summary import RegressionSummary, regression_summary

ILL_CONDITIONED = 1e10


def _pseudo_inverse_parts(
    matrix: np.ndarray, n_rows: int, largest: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """SVD ``U s V'`` of a small square matrix, and ``1/s`` zeroed below the rank cut-off.

    The cut-off is relative to ``largest`` (default the matrix's own largest singular value):
    for the slope block of R, that of the whole design, so a feature equal to the intercept
    column up to rounding counts as collinear with it.
    """
    U, s, Vt = scipy.linalg.svd(matrix, full_matrices=False, lapack_driver="gesdd")
    if largest is None:
        largest = s[0] if s.size else 0.0
    cutoff = largest * max(n_rows, matrix.shape[1]) * np.finfo(np.float64).eps
    keep = s > cutoff
    inverse_s = np.zeros_like(s)
    inverse_s[keep] = 1.0 / s[keep]
    return U, s, inverse_s, Vt, int(keep.sum())


class LinearRegression(RegressorMixin, BaseEstimator):
    """Least-squares linear regression with a statistician's summary.

    Objective ``min_{b0, b} sum_i w_i (y_i - b0 - x_i' b)^2`` (``w_i = 1`` without
    ``sample_weight``: ordinary least squares; otherwise weighted least squares).
    Solved by Householder QR of ``A = sqrt(W) [1, X]``: ``R beta = Q'y``, never through
    ``(X'X)^-1``; a rank-deficient ``X`` gets the minimum-norm slopes (SVD of the trailing
    block of ``R``) and a warning, as does a condition number above 1e10. Least squares is
    equivariant in the units of X and y, so data far from 1 (beyond 2^±150) is divided by a
    power of two first (exact) and the coefficients scaled back; ``singular_values_`` and
    ``condition_number_`` describe the design in those units.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Add the intercept column ``1`` (unpenalised, as always in least squares).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    rank_ : int
        Numerical rank of the design, intercept column included.
    singular_values_ : ndarray
        Singular values of ``A`` (the weighted design, intercept column included).
    condition_number_ : float
        ``singular_values_[0] / singular_values_[-1]``.

    References
    ----------
    Golub & Van Loan, *Matrix Computations* (4th ed.), section 5.3 (QR least squares) and
    5.5 (rank-deficient least squares). Greene, *Econometric Analysis*, ch. 4-5 (inference).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.linear import LinearRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = LinearRegression().fit(X, 1.0 + 2.0 * X[:, 0])
    >>> round(model.intercept_, 10), np.round(model.coef_, 10)
    (1.0, array([2.]))
    """

    _parameter_constraints: dict = {"fit_intercept": ["boolean"]}  # noqa: RUF012

    def __init__(self, *, fit_intercept: bool = True):
        self.fit_intercept = fit_intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None) -> LinearRegression:
        self._validate_params()
        X, y = check_fit_data(self, X, y, dtype=np.float64, multi_output=True, y_numeric=True)
        n_samples, n_features = X.shape
        weighted = sample_weight is not None
        weights = check_weights(sample_weight, X)
        sqrt_w = np.sqrt(weights)

        # Least squares is equivariant: the fit to (X / a, y / c) has slopes (a / c) b. Solve in
        # units where X and y are about 1 (powers of two: exact), so data at 1e300 or 1e-300
        # neither overflows nor vanishes in the factorisation.
        x_scale, y_scale = scale_of(X), scale_of(y)
        X_units = X / x_scale if x_scale != 1.0 else X
        y_units = (y / y_scale if y_scale != 1.0 else y).reshape(n_samples, -1)
        columns = [np.ones((n_samples, 1)), X_units] if self.fit_intercept else [X_units]
        design = sqrt_w[:, None] * np.hstack(columns)
        target = sqrt_w[:, None] * y_units

        Q, R = scipy.linalg.qr(design, mode="economic")
        qty = Q.T @ target

        k_constant = int(self.fit_intercept)
        slope_block = R[k_constant:, k_constant:]
        design_norm = float(np.linalg.norm(R, 2)) if R.size else 0.0
        U, _, inverse_s, Vt, slope_rank = _pseudo_inverse_parts(slope_block, n_samples, design_norm)
        # Minimum-norm slopes: b = V diag(1/s) U' (Q'y)_2
        slopes = Vt.T @ (inverse_s[:, None] * (U.T @ qty[k_constant:]))
        if self.fit_intercept:
            # First row of R beta = Q'y: R00 b0 + R01 b = (Q'y)_0
            intercept = (qty[0] - R[0, 1:] @ slopes) / R[0, 0]
        else:
            intercept = np.zeros(target.shape[1])
        weighted_resid = target - sqrt_w[:, None] * (X_units @ slopes + intercept)

        # Diagnostics of the design A the solver factorised (X in the units above; statsmodels'
        # condition number is of A, too).
        R_U, self.singular_values_, R_inverse_s, R_Vt, _ = _pseudo_inverse_parts(R, n_samples)
        self.rank_ = slope_rank + k_constant
        smallest = self.singular_values_[-1]
        self.condition_number_ = (
            float(self.singular_values_[0] / smallest) if smallest > 0 else float("inf")
        )
        n_columns = n_features + k_constant
        if self.rank_ < n_columns:
            warnings.warn(
                f"X is rank deficient: the design has rank {self.rank_} but "
                f"{n_columns} columns{' (intercept included)' if k_constant else ''}; "
                "returning the minimum-norm least-squares solution. Remove collinear features "
                "for unique coefficients.",
                scipy.linalg.LinAlgWarning,
                stacklevel=2,
            )
        elif self.condition_number_ > ILL_CONDITIONED:
            warnings.warn(
                f"X is ill-conditioned: condition number {self.condition_number_:.3g} "
                f"> {ILL_CONDITIONED:g}; the coefficients are numerically unreliable "
                "(returning the minimum-norm least-squares solution). Rescale or remove "
                "collinear features.",
                scipy.linalg.LinAlgWarning,
                stacklevel=2,
            )

        with np.errstate(over="ignore"):
            slopes = slopes * (y_scale / x_scale)
            intercept = intercept * y_scale
        if not (np.all(np.isfinite(slopes)) and np.all(np.isfinite(intercept))):
            raise ValueError(
                "X, y: expected data whose least-squares coefficients fit in float64, got "
                f"y / X spanning {y_scale:.3g} / {x_scale:.3g}: the slopes overflow"
            )
        if y.ndim == 1:
            self.coef_ = slopes[:, 0]
            self.intercept_ = float(intercept[0])
        else:
            self.coef_ = slopes.T
            self.intercept_ = intercept if self.fit_intercept else 0.0

        # Pieces the summary needs, in the units solved in: unscaled covariance
        # (A'A)^+ = R^+ R^+' from the SVD of R, the target and residuals, and the units.
        R_pinv = R_Vt.T @ (R_inverse_s[:, None] * R_U.T)
        self._summary_parts = {
            "unscaled_cov": R_pinv @ R_pinv.T,
            "y": y_units[:, 0] if y.ndim == 1 else y_units,
            "weights": weights,
            "weighted_resid": weighted_resid,
            "weighted": weighted,
            "units": (x_scale, y_scale),
        }
        return self

    def _predict_array(self, X: np.ndarray) -> np.ndarray:
        return X @ self.coef_.T + self.intercept_

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        return self._predict_array(X)

    def summary(self) -> RegressionSummary:
        """The regression-analysis table (coefficients, inference, fit statistics).

        Numbers agree with ``statsmodels`` ``OLS`` (``WLS`` with ``sample_weight``) fitted on
        the same design; the intercept is named ``const`` and features take their DataFrame
        column names when ``X`` had them (``x1, x2, ...`` otherwise).
        """
        check_is_fitted(self)
        parts = self._summary_parts
        if parts["y"].ndim != 1:
            raise ValueError(
                "y: expected a single target for summary(), got a model fitted on "
                f"{parts['y'].shape[1]} targets (fit one model per target)"
            )
        n_samples = parts["y"].shape[0]
        if n_samples <= self.rank_:
            raise ValueError(
                f"X: expected more samples than the design's rank ({self.rank_}) for "
                f"summary() (the noise variance needs n > rank), got n_samples={n_samples}"
            )
        if hasattr(self, "feature_names_in_"):
            names = [str(name) for name in self.feature_names_in_]
        else:
            names = [f"x{j + 1}" for j in range(self.n_features_in_)]
        x_scale, y_scale = parts["units"]
        n_slopes = self.n_features_in_
        # Parameters in the units solved in, and each one's unit: y / X for a slope, y for b0.
        units = np.full(n_slopes, y_scale / x_scale)
        slopes = self.coef_ / units
        if self.fit_intercept:
            names = ["const", *names]
            params = np.concatenate([[self.intercept_ / y_scale], slopes])
            units = np.concatenate([[y_scale], units])
        else:
            params = slopes
        summary = regression_summary(
            names=names,
            params=params,
            unscaled_cov=parts["unscaled_cov"],
            singular_values=self.singular_values_,
            rank=self.rank_,
            y=parts["y"],
            weighted_resid=parts["weighted_resid"][:, 0],
            weights=parts["weights"],
            has_constant=self.fit_intercept,
            weighted=parts["weighted"],
        )
        return summary._in_units(units, y_scale)
