"""One-class SVM (Schölkopf, Platt, Shawe-Taylor, Smola & Williamson 2001), by glassml's SMO."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, Options, StrOptions

from glassml._validation import check_fit_X, check_weights
from glassml.anomaly._base import CONTAMINATION, BaseDetector
from glassml.svm._smo import KERNEL_IDS, PRECOMPUTED, KernelSpec, one_class_solve
from glassml.svm._svc import KernelUnits

_LARGEST = np.finfo(np.float64).max


class OneClassSVM(KernelUnits, BaseDetector):
    """One-class SVM: the smallest region in feature space holding all but a fraction nu.

    Primal: separate the mapped data phi(x_i) from the origin with maximum margin,

        min_{w, xi, rho}  1/2 ||w||^2 + 1/(nu n) sum_i xi_i - rho
        s.t.  <w, phi(x_i)> >= rho - xi_i,  xi_i >= 0.

    Dual (libsvm's scaling, alpha_i = nu n times the textbook multipliers)::

        min_alpha  1/2 alpha^T K alpha   s.t.  sum_i alpha_i = nu n,  0 <= alpha_i <= 1,

    solved by glassml's SMO (``glassml.svm._smo.one_class_solve``: the C-SVC solver with every
    y_i = +1 and a zero linear term). Decision: f(x) = sum_i alpha_i K(x_i, x) - rho; nu is an
    upper bound on the fraction of training outliers and a lower bound on the fraction of
    support vectors. ``score_samples`` = sum_i alpha_i K(x_i, x) (scikit-learn's convention),
    ``contamination="auto"`` keeps the SVM's own boundary (``offset_`` = rho); a fraction
    re-places it at that quantile of the training scores. Kernels and their units as
    :class:`glassml.svm.SVC`; sample weights scale the bounds (0 <= alpha_i <= w_i).

    Parameters
    ----------
    kernel : {"linear", "poly", "rbf", "sigmoid"} or callable, default="rbf"
    degree : int, default=3
    gamma : {"scale", "auto"} or float, default="scale"
    coef0 : float, default=0.0
    tol : float, default=1e-3
    nu : float in (0, 1], default=0.5
    shrinking : bool, default=True
    cache_size : float, default=200 (MB of kernel rows)
    max_iter : int, default=-1 (libsvm's cap)
    contamination : "auto" or float in (0, 0.5], default="auto"

    Attributes
    ----------
    support_, support_vectors_, dual_coef_ (1, n_SV), intercept_ (= -rho), offset_, n_iter_

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import OneClassSVM
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> model = OneClassSVM(nu=0.1).fit(X)
    >>> model.predict([[0.0, 0.0], [4.0, 4.0]]).tolist()
    [1, -1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "kernel": [StrOptions(set(KERNEL_IDS)), callable],
        "degree": [Interval(numbers.Integral, 0, None, closed="left")],
        "gamma": [
            StrOptions({"scale", "auto"}),
            Interval(numbers.Real, 0, _LARGEST, closed="both"),
        ],
        "coef0": [Interval(numbers.Real, -_LARGEST, _LARGEST, closed="both")],
        "tol": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "nu": [Interval(numbers.Real, 0.0, 1.0, closed="right")],
        "shrinking": ["boolean"],
        "cache_size": [Interval(numbers.Real, 0, _LARGEST, closed="right")],
        "max_iter": [
            Options(numbers.Integral, {-1}),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "contamination": CONTAMINATION,
    }

    def __init__(
        self,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        tol=1e-3,
        nu=0.5,
        shrinking=True,
        cache_size=200,
        max_iter=-1,
        contamination="auto",
    ):
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.nu = nu
        self.shrinking = shrinking
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.contamination = contamination

    def fit(self, X, y=None, sample_weight=None) -> OneClassSVM:
        """Solve the one-class dual on X (labels, if given, are ignored)."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, order="C", ensure_min_samples=2)
        bounds = check_weights(sample_weight, X)
        self._unit, self._gamma, _ = self._units(X, bounds)
        units = self._in_units(X)
        n = X.shape[0]
        if callable(self.kernel):
            kind, gram = PRECOMPUTED, np.ascontiguousarray(self._kernel_matrix(X, X))
        else:
            kind, gram = KERNEL_IDS[self.kernel], np.zeros((1, 1))
        spec = KernelSpec(kind, float(self._gamma), float(self.coef0), int(self.degree))
        max_iter = int(self.max_iter) if self.max_iter != -1 else max(10_000_000, 100 * n)
        alpha, rho, self.n_iter_, _, hit_max = one_class_solve(
            np.ascontiguousarray(units),
            gram,
            spec,
            bounds.astype(np.float64),
            float(self.nu),
            float(self.tol),
            max_iter,
            int(self.cache_size * (1 << 20) // (4 * n)),
            bool(self.shrinking),
        )
        if hit_max:
            warnings.warn(
                f"SMO stopped at {max_iter} iterations before reaching tol={self.tol}; "
                "increase max_iter or scale X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        # A linear kernel is solved on X / c: the same alpha, rho and scores times c^2.
        self._output_scale = self._unit**2 if self.kernel == "linear" else 1.0
        self.support_ = np.flatnonzero(alpha > 0)
        self.support_vectors_ = X[self.support_]
        self._support_units = units[self.support_]
        self.dual_coef_ = alpha[self.support_][None, :]
        self.intercept_ = np.array([-rho * self._output_scale])
        self._rho = float(rho * self._output_scale)
        self._set_offset(lambda: self._score(X))
        return self

    def _score(self, X: np.ndarray) -> np.ndarray:
        gram = self._kernel_matrix(self._in_units(X), self._support_units)
        return (gram @ self.dual_coef_[0]) * self._output_scale

    def _auto_offset(self) -> float:
        return self._rho
