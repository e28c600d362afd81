"""Kernel (Gram) matrices built on one matrix product each.

Every kernel here is a function of either the inner products ``X @ Y.T`` or the squared distances
``||x||² + ||y||² − 2 x·y``, so each costs one GEMM plus an element-wise map:

    linear      k(x, y) = x·y
    polynomial  k(x, y) = (γ x·y + c₀)^d
    rbf         k(x, y) = exp(−γ ||x − y||²)
    sigmoid     k(x, y) = tanh(γ x·y + c₀)

``γ = None`` means ``1 / n_features``, as in scikit-learn's ``sklearn.metrics.pairwise``, which
these functions match to 1e-12 (tests/linalg/test_kernels.py).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils import check_array

__all__ = [
    "linear_kernel",
    "polynomial_kernel",
    "rbf_kernel",
    "sigmoid_kernel",
    "squared_euclidean_distances",
]


def _check_pair(X, Y) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate ``X`` (and ``Y``, default ``X``) as finite 2-D float arrays of equal width."""
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    if Y is None or Y is X:
        return X, X, True
    Y = check_array(Y, dtype=[np.float64, np.float32], input_name="Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features; got X with {X.shape[1]} and "
            f"Y with {Y.shape[1]}."
        )
    if X.dtype != Y.dtype:
        X, Y = X.astype(np.float64), Y.astype(np.float64)
    return X, Y, False


def _check_gamma(gamma, n_features: int) -> float:
    if gamma is None:
        return 1.0 / n_features
    if not isinstance(gamma, Real) or isinstance(gamma, bool) or not np.isfinite(gamma):
        raise ValueError(f"gamma must be a finite real number or None; got {gamma!r}.")
    return float(gamma)


def _check_real(value, name: str, *, minimum: float | None = None) -> float:
    if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number; got {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}.")
    return float(value)


def squared_euclidean_distances(X, Y=None) -> np.ndarray:
    """``D[i, j] = ||x_i − y_j||²`` as ``||x_i||² + ||y_j||² − 2 x_i·y_j`` (one GEMM).

    The expansion can round slightly below zero, so it is clipped at 0; with ``Y = X`` the
    diagonal is exactly 0.
    """
    X, Y, same = _check_pair(X, Y)
    return _squared_distances(X, Y, same)


def _squared_distances(X: np.ndarray, Y: np.ndarray, same: bool) -> np.ndarray:
    x_norms = np.einsum("ij,ij->i", X, X)[:, np.newaxis]
    y_norms = x_norms.T if same else np.einsum("ij,ij->i", Y, Y)[np.newaxis, :]
    distances = -2.0 * (X @ Y.T)
    distances += x_norms
    distances += y_norms
    np.maximum(distances, 0.0, out=distances)
    if same:
        np.fill_diagonal(distances, 0.0)
    return distances


def linear_kernel(X, Y=None) -> np.ndarray:
    """``K = X Yᵀ``, shape (n_samples_X, n_samples_Y)."""
    X, Y, _ = _check_pair(X, Y)
    return X @ Y.T


def polynomial_kernel(X, Y=None, degree: float = 3, gamma: float | None = None, coef0=1.0):
    """``K = (γ X Yᵀ + c₀)^d``; ``γ = 1/n_features`` when ``gamma`` is None."""
    X, Y, _ = _check_pair(X, Y)
    gamma = _check_gamma(gamma, X.shape[1])
    degree = _check_real(degree, "degree", minimum=0.0)
    coef0 = _check_real(coef0, "coef0")
    kernel = X @ Y.T
    kernel *= gamma
    kernel += coef0
    kernel **= degree
    return kernel


def rbf_kernel(X, Y=None, gamma: float | None = None) -> np.ndarray:
    """``K = exp(−γ D)`` with ``D`` the squared Euclidean distances; ``γ = 1/n_features``
    when ``gamma`` is None."""
    X, Y, same = _check_pair(X, Y)
    gamma = _check_gamma(gamma, X.shape[1])
    kernel = _squared_distances(X, Y, same)
    kernel *= -gamma
    np.exp(kernel, out=kernel)
    return kernel


def sigmoid_kernel(X, Y=None, gamma: float | None = None, coef0: float = 1.0) -> np.ndarray:
    """``K = tanh(γ X Yᵀ + c₀)``; ``γ = 1/n_features`` when ``gamma`` is None."""
    X, Y, _ = _check_pair(X, Y)
    gamma = _check_gamma(gamma, X.shape[1])
    coef0 = _check_real(coef0, "coef0")
    kernel = X @ Y.T
    kernel *= gamma
    kernel += coef0
    np.tanh(kernel, out=kernel)
    return kernel
