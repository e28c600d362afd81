"""Gaussian naive Bayes: a class-conditional normal per feature, combined by Bayes' rule.

Model: ``p(x | c) = prod_j N(x_j; theta_cj, sigma2_cj)`` (features independent given the class),
prior ``pi_c``. Maximum likelihood: ``theta_cj`` and ``sigma2_cj`` are the per-class mean and
(biased) variance, ``pi_c`` the class frequency. Prediction maximises the joint log-likelihood

    log pi_c - 1/2 sum_j log(2 pi sigma2_cj) - 1/2 sum_j (x_j - theta_cj)^2 / sigma2_cj

and ``P(c | x)`` normalises its exponential (log-sum-exp). Every variance gets
``epsilon = var_smoothing * max_j Var(x_j)`` added so that a constant feature within a class
does not make the likelihood infinite (scikit-learn's rule).

The model is equivariant in the units of X (means scale with them, variances with their
square, predictions not at all), so it is fitted on X divided by a power of two near its typical
magnitude and predicts in those units: data at 1e300 or 1e-300 classifies as the same data at
1 would. A sample far from every class (a quadratic term beyond float64) is still classified
and given probabilities, through differences between classes; only its log-likelihoods, which
are then beyond float64 themselves, are refused.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from glassml._scaling import scale_of
from glassml._validation import check_classes, check_fit_data, check_predict_data


class GaussianNB(ClassifierMixin, BaseEstimator):
    """Gaussian naive Bayes classifier.

    Fit: ``theta_cj = mean(x_j | c)``, ``var_cj = var(x_j | c) + epsilon`` with
    ``epsilon = var_smoothing * max_j var(x_j)``, ``prior_c = n_c / n`` (or ``priors``).
    Predict: ``argmax_c log prior_c - 1/2 sum_j [log(2 pi var_cj) + (x_j - theta_cj)^2 / var_cj]``.

    Parameters
    ----------
    priors : array of shape (n_classes,) or None, default=None
        Class prior probabilities (non-negative, summing to 1); None: class frequencies.
    var_smoothing : float, default=1e-9
        Fraction of the largest feature variance added to every variance.

    Attributes
    ----------
    classes_, class_count_, class_prior_, theta_ (n_classes, n_features), var_, epsilon_

    References
    ----------
    Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, section 6.6.3.
    Murphy, *Machine Learning: A Probabilistic Perspective*, section 3.5.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.naive_bayes import GaussianNB
    >>> X = np.array([[0.0, 1.0], [0.5, 1.2], [3.0, 0.0], [3.5, 0.3]])
    >>> model = GaussianNB().fit(X, ["a", "a", "b", "b"])
    >>> model.predict([[0.2, 1.1], [3.2, 0.1]]).tolist()
    ['a', 'b']
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "priors": ["array-like", None],
        "var_smoothing": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(self, *, priors=None, var_smoothing: float = 1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y) -> GaussianNB:
        self._validate_params()
        X, y = check_fit_data(self, X, y, dtype=np.float64)
        self.classes_, y_index = check_classes(y)
        n_classes = self.classes_.shape[0]
        self._unit = scale_of(X)
        X = X / self._unit if self._unit != 1.0 else X

        epsilon = self.var_smoothing * np.var(X, axis=0).max()
        self.class_count_ = np.bincount(y_index, minlength=n_classes).astype(np.float64)
        # Per-class sums by one indicator product: means and second central moments.
        indicator = np.zeros((X.shape[0], n_classes))
        indicator[np.arange(X.shape[0]), y_index] = 1.0
        theta = (indicator.T @ X) / self.class_count_[:, None]
        squared_deviation = (X - theta[y_index]) ** 2
        self._theta_units = theta
        self._var_units = (indicator.T @ squared_deviation) / self.class_count_[:, None] + epsilon
        # In the data's units (var_ and epsilon_ overflow to inf only where they truly exceed
        # float64, beyond |X| ~ 1e154; predictions never use them).
        with np.errstate(over="ignore", under="ignore"):
            self.theta_ = theta * self._unit
            self.var_ = self._var_units * self._unit * self._unit
            self.epsilon_ = epsilon * self._unit * self._unit

        if self.priors is None:
            self.class_prior_ = self.class_count_ / self.class_count_.sum()
        else:
            try:
                priors = np.asarray(self.priors, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"priors: expected an array of probabilities, got {self.priors!r}"
                ) from None
            if priors.shape != (n_classes,):
                raise ValueError(
                    f"priors: expected one prior per class ({n_classes}), got shape {priors.shape}"
                )
            if not np.all(np.isfinite(priors)) or np.any(priors < 0):
                raise ValueError(f"priors: expected non-negative finite values, got {priors}")
            if not np.isclose(priors.sum(), 1.0):
                raise ValueError(
                    f"priors: expected non-negative values summing to 1, got sum {priors.sum()}"
                )
            self.class_prior_ = priors
        return self

    def _offsets(self) -> np.ndarray:
        """``log pi_c - 1/2 sum_j log(2 pi var_cj)``: the part of log p(x, c) free of x."""
        with np.errstate(divide="ignore"):  # a zero prior is a legal -inf
            log_prior = np.log(self.class_prior_)
        return log_prior - 0.5 * np.sum(np.log(2.0 * np.pi * self._var_units), axis=1)

    def _quadratic(self, X: np.ndarray) -> np.ndarray:
        """``sum_j (x_j - theta_cj)^2 / var_cj`` per sample and class, in the fitted units; on
        differences, one class at a time (the expanded square would cancel for large x)."""
        with np.errstate(over="ignore"):
            return np.column_stack(
                [
                    np.sum((X - theta) ** 2 / var, axis=1)
                    for theta, var in zip(self._theta_units, self._var_units, strict=True)
                ]
            )

    def _log_posterior_parts(self, X) -> tuple[np.ndarray, np.ndarray]:
        """(log p(x, c) where finite, else NaN; log P(c | x) up to its normaliser, >= -inf).

        Where a sample's quadratic terms overflow, log p(x, c) = A_c - m^2 q_c / 2 with
        ``m = max |x_j - theta_cj| / sd_cj`` and ``q_c`` the quadratic of the residuals divided
        by m: the differences between classes, which the posterior needs, stay computable.
        """
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        X = X / self._unit if self._unit != 1.0 else X
        offsets = self._offsets()
        joint = offsets - 0.5 * self._quadratic(X)
        relative = joint.copy()
        far = ~np.all(np.isfinite(joint) | (joint == -np.inf) & np.isinf(offsets), axis=1)
        if np.any(far):
            residuals = (X[far, None, :] - self._theta_units) / np.sqrt(self._var_units)
            largest = np.max(np.abs(residuals), axis=(1, 2))[:, None]
            reduced = np.sum((residuals / largest[:, :, None]) ** 2, axis=2)
            with np.errstate(over="ignore", under="ignore"):
                # Class order by A_c / m^2 - q_c / 2, then differences from the best class.
                best = np.argmax(offsets / largest**2 - 0.5 * reduced, axis=1)
                rows = np.arange(best.size)
                gap = reduced - reduced[rows, best][:, None]
                penalty = np.where(gap == 0.0, 0.0, 0.5 * largest**2 * gap)
                relative[far] = offsets - offsets[best][:, None] - penalty
            joint[far] = np.nan
        return joint, relative

    def predict_joint_log_proba(self, X) -> np.ndarray:
        """``log p(x, c)`` for every class, shape (n_samples, n_classes).

        Examples
        --------
        >>> import numpy as np
        >>> model = GaussianNB().fit(np.array([[0.0], [1.0], [4.0], [5.0]]), [0, 0, 1, 1])
        >>> np.round(model.predict_joint_log_proba([[0.5]]), 3).tolist()
        [[-0.919, -32.919]]
        """
        joint, _ = self._log_posterior_parts(X)
        if np.any(np.isnan(joint)):
            raise ValueError(
                "X: expected samples whose log-likelihoods log p(x, c) fit in float64, got "
                f"{int(np.isnan(joint).any(axis=1).sum())} so far from every class that "
                "-1/2 sum_j (x_j - theta_cj)^2 / var_cj overflows (predict and predict_proba "
                "still classify them)"
            )
        return joint

    def predict_log_proba(self, X) -> np.ndarray:
        """``log P(c | x)``, shape (n_samples, n_classes)."""
        _, relative = self._log_posterior_parts(X)
        log_proba = relative - logsumexp(relative, axis=1, keepdims=True)
        impossible = np.isinf(log_proba) & (self.class_prior_ > 0)
        if np.any(impossible):
            raise ValueError(
                "X: expected samples whose log-probabilities fit in float64, got "
                f"{int(impossible.any(axis=1).sum())} so far from some class that its log "
                "P(c | x) is below -1.8e308 (predict_proba gives it probability 0)"
            )
        return log_proba

    def predict_proba(self, X) -> np.ndarray:
        """``P(c | x)``: softmax of the joint log-likelihoods, shape (n_samples, n_classes)."""
        _, relative = self._log_posterior_parts(X)
        return np.exp(relative - logsumexp(relative, axis=1, keepdims=True))

    def predict(self, X) -> np.ndarray:
        """The class of largest posterior probability."""
        _, relative = self._log_posterior_parts(X)
        return self.classes_[np.argmax(relative, axis=1)]
