"""Fixed test problems with hand-written value, gradient and Hessian, and SciPy's minimisers.

* an ill-conditioned quadratic ``1/2 x^T A x - b^T x`` (condition number 1e3, rotated so the
  coordinates are coupled);
* the Rosenbrock function ``(1 - a)^2 + 100 (b - a^2)^2`` from ``(-1.2, 1)``;
* an L2-regularised mean logistic loss ``mean(log(1 + exp(-y X w))) + lam/2 ||w||^2``.

The reference minimisers come from ``scipy.optimize.minimize`` (trust-ncg with the exact Hessian,
``gtol=1e-12``; L-BFGS-B for Rosenbrock).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.optimize


@dataclass(frozen=True)
class Problem:
    name: str
    fun: object  # x -> (value, grad)
    hess: object  # x -> (n, n)
    x0: np.ndarray
    min_eigenvalue: float  # of the Hessian at the minimiser: ||x - x*|| <= ||g|| / this


def _quadratic() -> Problem:
    rng = np.random.default_rng(0)
    n = 10
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.logspace(0, 3, n)) @ Q.T
    A = (A + A.T) / 2
    b = rng.standard_normal(n)

    def fun(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    return Problem("quadratic", fun, lambda x: A, np.zeros(n), 1.0)


def rosenbrock(x):
    a, b = x
    r = b - a * a
    return (1 - a) ** 2 + 100 * r * r, np.array([-2 * (1 - a) - 400 * a * r, 200 * r])


def rosenbrock_hess(x):
    a, b = x
    return np.array([[2 - 400 * (b - 3 * a * a), -400 * a], [-400 * a, 200.0]])


def logistic_data(n_samples: int = 300, n_features: int = 6, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = np.where(X @ rng.standard_normal(n_features) + rng.standard_normal(n_samples) > 0, 1, -1)
    return X, y.astype(float)


def make_logistic(X, y, lam):
    n_samples = len(y)

    def fun(w):
        margins = y * (X @ w)
        value = np.mean(np.logaddexp(0.0, -margins)) + 0.5 * lam * w @ w
        weights = -y * scipy.special.expit(-margins)  # d loss_i / d (x_i w)
        return value, X.T @ weights / n_samples + lam * w

    def hess(w):
        p = scipy.special.expit(y * (X @ w))
        return (X.T * (p * (1 - p))) @ X / n_samples + lam * np.eye(X.shape[1])

    return fun, hess


def _logistic() -> Problem:
    X, y = logistic_data()
    fun, hess = make_logistic(X, y, lam=0.1)
    return Problem("logistic", fun, hess, np.zeros(X.shape[1]), 0.1)


PROBLEMS = {
    "quadratic": _quadratic(),
    "rosenbrock": Problem("rosenbrock", rosenbrock, rosenbrock_hess, np.array([-1.2, 1.0]), 0.39),
    "logistic": _logistic(),
}


@cache
def scipy_minimiser(name: str) -> np.ndarray:
    problem = PROBLEMS[name]
    if name == "rosenbrock":
        result = scipy.optimize.minimize(
            problem.fun,
            problem.x0,
            jac=True,
            method="L-BFGS-B",
            options={"gtol": 1e-12, "ftol": 0.0, "maxiter": 10_000},
        )
    else:
        result = scipy.optimize.minimize(
            problem.fun,
            problem.x0,
            jac=True,
            hess=problem.hess,
            method="trust-ncg",
            options={"gtol": 1e-12},
        )
    return result.x
