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

import numpy as np

from glassml._scaling import scale_of
from glassml._validation import check_named_array, check_scalar

__all__ = [
    "linear_kernel",
    "polynomial_kernel",
    "rbf_kernel",
    "sigmoid_kernel",
    "squared_euclidean_distances",
]


def _check_pair(X, Y) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate ``X`` (and ``Y``, default ``X``) as finite 2-D float arrays of equal width."""
    X = check_named_array(X, "X", dtype=[np.float64, np.float32])
    if Y is None or Y is X:
        return X, X, True
    Y = check_named_array(Y, "Y", dtype=[np.float64, np.float32])
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"Y: expected {X.shape[1]} features (as many as X), got {Y.shape[1]}")
    if X.dtype != Y.dtype:
        X, Y = X.astype(np.float64), Y.astype(np.float64)
    return X, Y, False


def _check_gamma(gamma, n_features: int) -> float:
    if gamma is None:
        return 1.0 / n_features
    return check_scalar(gamma, "gamma", low=0.0)


def _rescaled(X: np.ndarray, Y: np.ndarray, same: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """``X / c``, ``Y / c`` and ``c`` (a power of two, 1.0 for data in a safe range).

    The kernels are functions of ``x.y`` and ``||x - y||^2``, which scale as ``c^2``: computed
    on the rescaled data they neither overflow (1e300) nor underflow (1e-300) on the way.
    """
    c = scale_of(X) if same else scale_of(X, Y)
    if c == 1.0:
        return X, Y, c
    X = X / c
    return X, (X if same else Y / c), c


def _times(values: np.ndarray, factor: float) -> np.ndarray:
    """``values * factor`` in place, where a zero stays zero even if ``factor`` is infinite."""
    if np.isfinite(factor):
        values *= factor
    else:
        zero = values == 0.0
        values *= factor
        values[zero] = 0.0
    return values


def _refuse_overflow(values: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"X, Y: expected data whose {what} are finite in float64, got "
            f"{int(np.sum(~np.isfinite(values)))} that are not (beyond 1.8e308); rescale the data"
        )
    return values


def squared_euclidean_distances(X, Y=None) -> np.ndarray:
    """``D[i, j] = ||x_i − y_j||²`` as ``||x_i||² + ||y_j||² − 2 x_i·y_j`` (one GEMM).

    The expansion can round slightly below zero, so it is clipped at 0; with ``Y = X`` the
    diagonal is exactly 0. Data far from 1 is rescaled by a power of two first, so distances
    that fit in float64 are computed without overflow; ones that do not are refused.

    Examples
    --------
    >>> import numpy as np
    >>> squared_euclidean_distances(np.array([[0.0, 0.0], [3.0, 4.0]])).tolist()
    [[0.0, 25.0], [25.0, 0.0]]
    """
    X, Y, same = _check_pair(X, Y)
    X, Y, c = _rescaled(X, Y, same)
    with np.errstate(over="ignore", under="ignore"):
        distances = _times(_squared_distances(X, Y, same), c * c)
    return _refuse_overflow(distances, "squared distances")


# Below this fraction of ||x||^2 + ||y||^2 the expansion has lost most of its digits to
# cancellation: such near pairs are recomputed from their differences.
_CANCELLATION = 1e-4
_PAIRS_PER_CHUNK = 1 << 16


def _squared_distances(X: np.ndarray, Y: np.ndarray, same: bool) -> np.ndarray:
    """The expansion, with near pairs recomputed exactly: a point and its copy are at 0.

    Without the recomputation two identical rows can come out at 1e-17 instead of 0, which an
    rbf kernel with a large gamma turns from 1 into 0.
    """
    x_norms = np.einsum("ij,ij->i", X, X)[:, np.newaxis]
    y_norms = x_norms.T if same else np.einsum("ij,ij->i", Y, Y)[np.newaxis, :]
    distances = -2.0 * (X @ Y.T)
    distances += x_norms
    distances += y_norms
    rows, columns = np.nonzero(distances <= _CANCELLATION * (x_norms + y_norms))
    for start in range(0, rows.size, _PAIRS_PER_CHUNK):
        chunk = slice(start, start + _PAIRS_PER_CHUNK)
        differences = X[rows[chunk]] - Y[columns[chunk]]
        distances[rows[chunk], columns[chunk]] = np.einsum("ij,ij->i", differences, differences)
    np.maximum(distances, 0.0, out=distances)
    if same:
        np.fill_diagonal(distances, 0.0)
    return distances


def _inner_products(X: np.ndarray, Y: np.ndarray, same: bool, gamma: float) -> np.ndarray:
    """``gamma X Yᵀ`` without intermediate overflow (an infinite entry only if it truly is)."""
    X, Y, c = _rescaled(X, Y, same)
    with np.errstate(over="ignore", under="ignore"):
        return _times(X @ Y.T, gamma * c * c)


def linear_kernel(X, Y=None) -> np.ndarray:
    """``K = X Yᵀ``, shape (n_samples_X, n_samples_Y).

    Examples
    --------
    >>> import numpy as np
    >>> linear_kernel(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [0.0, 1.0]])).tolist()
    [[11.0, 2.0]]
    """
    X, Y, same = _check_pair(X, Y)
    return _refuse_overflow(_inner_products(X, Y, same, 1.0), "inner products")


def polynomial_kernel(X, Y=None, degree: float = 3, gamma: float | None = None, coef0=1.0):
    """``K = (γ X Yᵀ + c₀)^d``; ``γ = 1/n_features`` when ``gamma`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> polynomial_kernel(np.array([[1.0, 1.0]]), degree=2, gamma=0.5, coef0=1.0).tolist()
    [[4.0]]
    """
    X, Y, same = _check_pair(X, Y)
    gamma = _check_gamma(gamma, X.shape[1])
    degree = check_scalar(degree, "degree", low=0.0)
    coef0 = check_scalar(coef0, "coef0")
    kernel = _inner_products(X, Y, same, gamma)
    with np.errstate(over="ignore", invalid="ignore"):
        kernel += coef0
        kernel **= degree
    return _refuse_overflow(kernel, "kernel values (gamma x.y + coef0)^degree")


def rbf_kernel(X, Y=None, gamma: float | None = None) -> np.ndarray:
    """``K = exp(−γ D)`` with ``D`` the squared Euclidean distances; ``γ = 1/n_features``
    when ``gamma`` is None.

    ``γ D`` is formed on data rescaled by a power of two, so far-apart points at 1e300 give
    exactly 0 and points at 1e-300 give exactly 1 (the float64 values of the true kernel).

    Examples
    --------
    >>> import numpy as np
    >>> K = rbf_kernel(np.array([[0.0], [1.0]]), gamma=np.log(2.0))
    >>> np.round(K, 12).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    X, Y, same = _check_pair(X, Y)
    gamma = _check_gamma(gamma, X.shape[1])
    X, Y, c = _rescaled(X, Y, same)
    kernel = _squared_distances(X, Y, same)
    with np.errstate(over="ignore", under="ignore"):
        _times(kernel, -gamma * c * c)
        np.exp(kernel, out=kernel)
    return kernel


def sigmoid_kernel(X, Y=None, gamma: float | None = None, coef0: float = 1.0) -> np.ndarray:
    """``K = tanh(γ X Yᵀ + c₀)``; ``γ = 1/n_features`` when ``gamma`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_kernel(np.array([[0.0, 0.0]]), coef0=0.0).tolist()
    [[0.0]]
    """
    X, Y, same = _check_pair(X, Y)
    gamma = _check_gamma(gamma, X.shape[1])
    coef0 = check_scalar(coef0, "coef0")
    kernel = _inner_products(X, Y, same, gamma)
    kernel += coef0  # tanh saturates: an infinite γ x·y (data at 1e300) gives exactly ±1
    np.tanh(kernel, out=kernel)
    return kernel
