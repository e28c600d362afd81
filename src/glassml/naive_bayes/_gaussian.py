"""Gaussian naive Bayes: a class-conditional normal per feature, combined by Bayes' rule.

Model: ``p(x | c) = prod_j N(x_j; theta_cj, sigma2_cj)`` (features independent given the class),
prior ``pi_c``. Maximum likelihood: ``theta_cj`` and ``sigma2_cj`` are the per-class mean and
(biased) variance, ``pi_c`` the class frequency. Prediction maximises the joint log-likelihood

    log pi_c - 1/2 sum_j log(2 pi sigma2_cj) - 1/2 sum_j (x_j - theta_cj)^2 / sigma2_cj

and ``P(c | x)`` normalises its exponential (log-sum-exp). Every variance gets
``epsilon = var_smoothing * max_j Var(x_j)`` added so that a constant feature within a class
does not make the likelihood infinite (scikit-learn's rule).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

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

        self.epsilon_ = self.var_smoothing * np.var(X, axis=0).max()
        self.class_count_ = np.bincount(y_index, minlength=n_classes).astype(np.float64)
        # Per-class sums by one indicator product: means and second central moments.
        indicator = np.zeros((X.shape[0], n_classes))
        indicator[np.arange(X.shape[0]), y_index] = 1.0
        self.theta_ = (indicator.T @ X) / self.class_count_[:, None]
        squared_deviation = (X - self.theta_[y_index]) ** 2
        self.var_ = (indicator.T @ squared_deviation) / self.class_count_[:, None] + self.epsilon_

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
            if np.any(priors < 0) or not np.isclose(priors.sum(), 1.0):
                raise ValueError(
                    f"priors: expected non-negative values summing to 1, got sum {priors.sum()}"
                )
            self.class_prior_ = priors
        return self

    def _joint_log_likelihood(self, X: np.ndarray) -> np.ndarray:
        # log pi_c - 1/2 sum_j log(2 pi var_cj) - 1/2 sum_j (x_j - theta_cj)^2 / var_cj;
        # one class at a time, on differences (the expanded square would cancel for large x).
        quadratic = np.column_stack(
            [
                np.sum((X - theta) ** 2 / var, axis=1)
                for theta, var in zip(self.theta_, self.var_, strict=True)
            ]
        )
        with np.errstate(divide="ignore"):  # a zero prior is a legal -inf
            log_prior = np.log(self.class_prior_)
        normaliser = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_), axis=1)
        return log_prior + normaliser - 0.5 * quadratic

    def predict_joint_log_proba(self, X) -> np.ndarray:
        """``log p(x, c)`` for every class, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        return self._joint_log_likelihood(check_predict_data(self, X, dtype=np.float64))

    def predict_log_proba(self, X) -> np.ndarray:
        joint = self.predict_joint_log_proba(X)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X) -> np.ndarray:
        return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_joint_log_proba(X), axis=1)]
