"""Power iteration for the dominant eigenpair of a symmetric matrix, and deflation for the top k.

For symmetric A with eigenvalues |λ₁| > |λ₂| >= ..., the iteration

    x_{t+1} = A x_t / ||A x_t||

converges to ±v₁ at the rate |λ₂ / λ₁|^t, and the Rayleigh quotient λ = xᵀ A x converges to λ₁
at the squared rate. Stopping rule: the residual ||A x − λ x|| <= tol · |λ|.
Hotelling deflation A ← A − λ₁ v₁ v₁ᵀ removes the found pair, so the next run finds λ₂.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from glassml._scaling import scale_of
from glassml._validation import check_count, check_named_array, check_positive, check_seed


def _square_matrix(A) -> np.ndarray:
    A = check_named_array(A, "A", dtype=np.float64)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A: expected a square matrix, got shape {A.shape}")
    return A


def power_iteration(
    A,
    *,
    n: int | None = None,
    tol: float = 1e-10,
    max_iter: int = 10_000,
    x0: np.ndarray | None = None,
    random_state=None,
) -> tuple[float, np.ndarray, int]:
    """Dominant eigenpair (λ, v) of a symmetric matrix by power iteration.

    A matrix is divided by a power of two near its largest entry before iterating (exact), and
    λ multiplied back: the iterates then never overflow (A at 1e300) or underflow (1e-300).

    Parameters
    ----------
    A : ndarray of shape (n, n) or callable x -> A @ x
        Symmetric matrix, or its matrix-vector product (then ``n`` is required).
    n : int, optional
        Dimension when ``A`` is a callable.
    tol : float, default=1e-10
        Stop when ||A v − λ v|| <= tol · |λ|.
    max_iter : int, default=10000
    x0 : ndarray of shape (n,), optional
        Starting vector; random Gaussian if omitted.
    random_state : int, RandomState or None

    Returns
    -------
    eigenvalue : float
        Rayleigh quotient vᵀ A v (signed: a dominant negative eigenvalue is returned negative).
    eigenvector : ndarray of shape (n,)
        Unit vector, sign fixed so its largest-magnitude entry is positive.
    n_iter : int
        Iterations used.

    Examples
    --------
    >>> import numpy as np
    >>> value, vector, _ = power_iteration(np.diag([1.0, 3.0, 2.0]), random_state=0)
    >>> round(value, 8), np.round(np.abs(vector), 6).tolist()
    (3.0, [0.0, 1.0, 0.0])
    """
    if callable(A):
        if n is None:
            raise ValueError("n: expected the dimension (a positive int) when A is a callable")
        n = check_count(n, "n")
        matvec, scale = A, 1.0
    else:
        A = _square_matrix(A)
        n, scale = A.shape[0], scale_of(A)
        scaled = A / scale if scale != 1.0 else A
        matvec = scaled.__matmul__
    tol = check_positive(tol, "tol")
    max_iter = check_count(max_iter, "max_iter")
    random_state = check_seed(random_state)
    if x0 is None:
        x = random_state.normal(size=n)
    else:
        x = check_named_array(x0, "x0", dtype=np.float64, ensure_2d=False).ravel()
        if x.shape != (n,) or not np.any(x):
            raise ValueError(f"x0: expected a nonzero vector of length {n}, got {x0!r:.60}")
        x = x / scale_of(x)
    x = x / np.linalg.norm(x)
    eigenvalue = 0.0
    Ax = _product(matvec, x)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        eigenvalue = float(x @ Ax)  # Rayleigh quotient
        residual = np.linalg.norm(Ax - eigenvalue * x)
        if residual <= tol * abs(eigenvalue):
            break
        norm = np.linalg.norm(Ax)
        if norm == 0.0:  # x lies in the null space: A = 0 on it, eigenvalue 0
            break
        x = Ax / norm
        Ax = _product(matvec, x)
    largest = np.argmax(np.abs(x))
    if x[largest] < 0:
        x = -x
    return eigenvalue * scale, x, n_iter


def _product(matvec: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    product = np.asarray(matvec(x), dtype=np.float64)
    if product.shape != x.shape or not np.all(np.isfinite(product)):
        raise ValueError(
            f"A: expected finite products A x of shape {x.shape}, got "
            + (f"shape {product.shape}" if product.shape != x.shape else "non-finite values")
        )
    return product


def top_eigenpairs(
    A,
    k: int,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest-magnitude eigenpairs of a symmetric matrix by power iteration and
    Hotelling deflation. Returns (eigenvalues (k,), eigenvectors (n, k) as columns).

    Examples
    --------
    >>> import numpy as np
    >>> values, vectors = top_eigenpairs(np.diag([1.0, 4.0, 2.0]), 2, random_state=0)
    >>> np.round(values, 8).tolist()
    [4.0, 2.0]
    """
    A = _square_matrix(A)
    n = A.shape[0]
    k = check_count(k, "k")
    if k > n:
        raise ValueError(f"k: expected at most {n} eigenpairs (the size of A), got {k}")
    scale = scale_of(A)
    deflated = A / scale
    random_state = check_seed(random_state)
    values = np.empty(k)
    vectors = np.empty((n, k))
    for index in range(k):
        value, vector, _ = power_iteration(
            deflated, tol=tol, max_iter=max_iter, random_state=random_state
        )
        values[index] = value
        vectors[:, index] = vector
        deflated -= value * np.outer(vector, vector)
    return values * scale, vectors
