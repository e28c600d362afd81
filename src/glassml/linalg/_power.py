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
from sklearn.utils import check_random_state


def _as_matvec(A) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    if callable(A):
        raise ValueError("A given as a callable needs n_features; use power_iteration(A, n=...)")
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.size == 0:
        raise ValueError(f"A must be a non-empty square matrix; got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A contains NaN or infinity")
    return (lambda x: A @ x), A.shape[0]


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
        if n is None or n < 1:
            raise ValueError("n must be a positive int when A is a callable")
        matvec = A
    else:
        matvec, n = _as_matvec(A)
    if tol <= 0:
        raise ValueError(f"tol must be > 0; got {tol}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1; got {max_iter}")
    if x0 is None:
        x = check_random_state(random_state).normal(size=n)
    else:
        x = np.asarray(x0, dtype=np.float64).ravel()
        if x.shape != (n,) or not np.all(np.isfinite(x)) or not np.any(x):
            raise ValueError(f"x0 must be a finite nonzero vector of length {n}")
    x = x / np.linalg.norm(x)
    eigenvalue = 0.0
    Ax = matvec(x)
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
        Ax = matvec(x)
    largest = np.argmax(np.abs(x))
    if x[largest] < 0:
        x = -x
    return eigenvalue, x, n_iter


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
    """
    _, n = _as_matvec(A)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}]; got {k}")
    deflated = np.array(A, dtype=np.float64)
    random_state = check_random_state(random_state)
    values = np.empty(k)
    vectors = np.empty((n, k))
    for index in range(k):
        value, vector, _ = power_iteration(
            deflated, tol=tol, max_iter=max_iter, random_state=random_state
        )
        values[index] = value
        vectors[:, index] = vector
        deflated -= value * np.outer(vector, vector)
    return values, vectors
