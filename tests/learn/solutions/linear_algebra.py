"""Linear algebra: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution

# ----------------------------------------------------------------- gram-schmidt


@solution("linear-algebra/gram-schmidt")
def gram_schmidt(A):
    A = np.asarray(A, dtype=float)
    Q = np.zeros_like(A)
    for j in range(A.shape[1]):
        v = A[:, j].copy()
        for i in range(j):
            v -= (Q[:, i] @ A[:, j]) * Q[:, i]
        Q[:, j] = v / np.linalg.norm(v)
    return Q


@mutant("linear-algebra/gram-schmidt", fails="orthonormal")
def gram_schmidt_unnormalised(A):
    A = np.asarray(A, dtype=float)
    Q = np.zeros_like(A)
    for j in range(A.shape[1]):
        v = A[:, j].copy()
        for i in range(j):
            v -= (Q[:, i] @ A[:, j]) / (Q[:, i] @ Q[:, i]) * Q[:, i]
        Q[:, j] = v  # forgot to divide by the norm
    return Q


@mutant("linear-algebra/gram-schmidt", fails="orthonormal")
def gram_schmidt_projection_sign(A):
    A = np.asarray(A, dtype=float)
    Q = np.zeros_like(A)
    for j in range(A.shape[1]):
        v = A[:, j].copy()
        for i in range(j):
            v += (Q[:, i] @ A[:, j]) * Q[:, i]  # sign error: adds the projection
        Q[:, j] = v / np.linalg.norm(v)
    return Q


@mutant("linear-algebra/gram-schmidt", fails="QR factorisation", cause="sign is flipped")
def gram_schmidt_flipped(A):
    return -gram_schmidt(A)


# ----------------------------------------------------------------- back substitution


@solution("linear-algebra/back-substitution")
def back_substitution(U, b):
    n = len(b)
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (b[i] - U[i, i + 1 :] @ x[i + 1 :]) / U[i, i]
    return x


@mutant("linear-algebra/back-substitution", fails="solve_triangular")
def back_substitution_off_by_one(U, b):
    n = len(b)
    x = np.zeros(n)
    for i in range(n - 1, 0, -1):  # stops before row 0
        x[i] = (b[i] - U[i, i + 1 :] @ x[i + 1 :]) / U[i, i]
    return x


@mutant("linear-algebra/back-substitution", fails="solve_triangular")
def back_substitution_no_division(U, b):
    n = len(b)
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = b[i] - U[i, i + 1 :] @ x[i + 1 :]
    return x


@mutant("linear-algebra/back-substitution", fails="solve_triangular")
def back_substitution_forward_order(U, b):
    n = len(b)
    x = np.zeros(n)
    for i in range(n):  # top row first: the later unknowns are still zero
        x[i] = (b[i] - U[i, i + 1 :] @ x[i + 1 :]) / U[i, i]
    return x


# ----------------------------------------------------------------- gaussian elimination


@solution("linear-algebra/gaussian-elimination")
def solve_linear_system(A, b):
    A = np.array(A, dtype=float)
    b = np.array(b, dtype=float)
    n = len(b)
    scale = max(np.abs(A).max(), 1.0)
    for k in range(n):
        p = k + np.argmax(np.abs(A[k:, k]))
        if abs(A[p, k]) <= 1e-12 * scale:
            raise ValueError("A is singular")
        A[[k, p]], b[[k, p]] = A[[p, k]], b[[p, k]]
        for i in range(k + 1, n):
            factor = A[i, k] / A[k, k]
            A[i, k:] -= factor * A[k, k:]
            b[i] -= factor * b[k]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (b[i] - A[i, i + 1 :] @ x[i + 1 :]) / A[i, i]
    return x


@mutant("linear-algebra/gaussian-elimination", fails="row swap", cause="zero pivot")
def solve_no_pivoting(A, b):
    A = np.array(A, dtype=float)
    b = np.array(b, dtype=float)
    n = len(b)
    for k in range(n):
        if np.all(A[k:, k] == 0):
            raise ValueError("A is singular")
        for i in range(k + 1, n):
            factor = A[i, k] / A[k, k]
            A[i, k:] -= factor * A[k, k:]
            b[i] -= factor * b[k]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (b[i] - A[i, i + 1 :] @ x[i + 1 :]) / A[i, i]
    return x


@mutant("linear-algebra/gaussian-elimination", fails="row swap")
def solve_forgets_b(A, b):
    A = np.array(A, dtype=float)
    b = np.array(b, dtype=float)
    n = len(b)
    for k in range(n):
        p = k + np.argmax(np.abs(A[k:, k]))
        if abs(A[p, k]) < 1e-12:
            raise ValueError("A is singular")
        A[[k, p]], b[[k, p]] = A[[p, k]], b[[p, k]]
        for i in range(k + 1, n):
            A[i, k:] -= A[i, k] / A[k, k] * A[k, k:]  # b is not updated
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (b[i] - A[i, i + 1 :] @ x[i + 1 :]) / A[i, i]
    return x


@mutant("linear-algebra/gaussian-elimination", fails="singular")
def solve_never_refuses(A, b):
    return np.linalg.lstsq(np.asarray(A, float), np.asarray(b, float), rcond=None)[0]


# ----------------------------------------------------------------- least squares


@solution("linear-algebra/least-squares")
def least_squares(X, y):
    Q, R = np.linalg.qr(X)
    return np.linalg.solve(R, Q.T @ y)


@mutant("linear-algebra/least-squares", fails="orthogonal")
def least_squares_sign(X, y):
    return -np.linalg.solve(X.T @ X, X.T @ y)


@mutant("linear-algebra/least-squares", fails="orthogonal")
def least_squares_square_part(X, y):
    p = X.shape[1]
    return np.linalg.solve(X[:p], y[:p])  # interpolates the first p rows


@mutant("linear-algebra/least-squares", fails="orthogonal")
def least_squares_ridge(X, y):
    return np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ y)  # a penalty nobody asked for


# ----------------------------------------------------------------- power iteration


@solution("linear-algebra/power-iteration")
def power_iteration(A, n_iter):
    x = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    for _ in range(n_iter):
        y = A @ x
        x = y / np.linalg.norm(y)
    return float(x @ A @ x), x


@mutant("linear-algebra/power-iteration", fails="unit eigenvector")
def power_iteration_unnormalised(A, n_iter):
    x = np.ones(A.shape[0])
    for _ in range(min(n_iter, 20)):
        x = A @ x
    return float(x @ A @ x / (x @ x)), x


@mutant("linear-algebra/power-iteration", fails="agrees", cause="lost its sign")
def power_iteration_abs(A, n_iter):
    x = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    for _ in range(n_iter):
        y = A @ x
        x = y / np.linalg.norm(y)
    return float(np.linalg.norm(A @ x)), x


@mutant("linear-algebra/power-iteration", fails="unit eigenvector")
def power_iteration_swapped(A, n_iter):
    value, vector = power_iteration(A, n_iter)
    return vector, value


# ----------------------------------------------------------------- deflation


@solution("linear-algebra/deflation")
def top_eigenpairs(A, k, n_iter):
    A = np.array(A, dtype=float)
    values, vectors = [], []
    for _ in range(k):
        value, vector = power_iteration(A, n_iter)
        values.append(value)
        vectors.append(vector)
        A = A - value * np.outer(vector, vector)
    return np.array(values), np.column_stack(vectors)


@mutant("linear-algebra/deflation", fails="agrees", cause="not deflated")
def top_eigenpairs_no_deflation(A, k, n_iter):
    value, vector = power_iteration(A, n_iter)
    return np.full(k, value), np.column_stack([vector] * k)


@mutant("linear-algebra/deflation", fails="agrees")
def top_eigenpairs_wrong_sign(A, k, n_iter):
    A = np.array(A, dtype=float)
    values, vectors = [], []
    for _ in range(k):
        value, vector = power_iteration(A, n_iter)
        values.append(value)
        vectors.append(vector)
        A = A + value * np.outer(vector, vector)  # doubles the eigenvalue instead of removing it
    return np.array(values), np.column_stack(vectors)


@mutant("linear-algebra/deflation", fails="agrees")
def top_eigenpairs_rows(A, k, n_iter):
    values, vectors = top_eigenpairs(A, k, n_iter)
    return values, vectors.T  # eigenvectors as rows


# ----------------------------------------------------------------- low rank


@solution("linear-algebra/low-rank-approximation")
def low_rank_approximation(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, :k] @ np.diag(s[:k]) @ Vt[:k, :]


@mutant("linear-algebra/low-rank-approximation", fails="rank at most k")
def low_rank_off_by_one(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, : k + 1] @ np.diag(s[: k + 1]) @ Vt[: k + 1, :]


@mutant("linear-algebra/low-rank-approximation", fails="truncated SVD")
def low_rank_smallest(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, -k:] @ np.diag(s[-k:]) @ Vt[-k:, :]


@mutant("linear-algebra/low-rank-approximation", fails="A's shape")
def low_rank_transposed_v(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, :k] @ np.diag(s[:k]) @ Vt.T[:k, :]  # V where V^T belongs


# ----------------------------------------------------------------- pca


@solution("linear-algebra/pca")
def pca_transform(X, k):
    Xc = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc @ Vt[:k].T


@mutant("linear-algebra/pca", fails="mean zero")
def pca_uncentred(X, k):
    _, _, Vt = np.linalg.svd(X, full_matrices=False)
    return X @ Vt[:k].T


@mutant("linear-algebra/pca", fails="decreasing variance")
def pca_ascending(X, k):
    Xc = X - X.mean(axis=0)
    _values, vectors = np.linalg.eigh(Xc.T @ Xc)  # eigh sorts eigenvalues in ascending order
    return Xc @ vectors[:, :k]


@mutant("linear-algebra/pca", fails="agrees")
def pca_standardised(X, k):
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    _, _, Vt = np.linalg.svd(Z, full_matrices=False)
    return Z @ Vt[:k].T


# ----------------------------------------------------------------- explained variance


@solution("linear-algebra/explained-variance")
def explained_variance(X):
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    return s**2 / (X.shape[0] - 1)


@mutant("linear-algebra/explained-variance", fails="total sample variance")
def explained_variance_population(X):
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    return s**2 / X.shape[0]


@mutant("linear-algebra/explained-variance", fails="total sample variance")
def explained_variance_unsquared(X):
    Xc = X - X.mean(axis=0)
    return np.linalg.svd(Xc, compute_uv=False) / (X.shape[0] - 1)


@mutant("linear-algebra/explained-variance", fails="total sample variance")
def explained_variance_uncentred(X):
    s = np.linalg.svd(X, compute_uv=False)
    return s**2 / (X.shape[0] - 1)
