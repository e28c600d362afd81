"""Linear algebra: orthogonalisation, triangular and general solves, least squares,
eigenvalues by power iteration and deflation, the SVD and PCA."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.linalg

from glassml.decomposition import PCA
from glassml.learn._authoring import (
    Exercise,
    agrees,
    assume,
    grid,
    holds,
    matrices,
    near,
    raises,
    register,
    st,
    vectors,
)
from glassml.linalg import power_iteration, top_eigenpairs
from glassml.linear import LinearRegression

# ----------------------------------------------------------------------------- strategies


@st.composite
def full_column_rank(draw, min_rows: int = 1, max_cols: int = 4, extra_rows: int = 2):
    """An m x n matrix (m >= n) whose smallest singular value is at least 0.2."""
    n = draw(st.integers(1, max_cols))
    m = draw(st.integers(max(n, min_rows), n + extra_rows))
    A = draw(matrices(m, n))
    assume(np.linalg.svd(A, compute_uv=False)[-1] > 0.2)
    return A


@st.composite
def symmetric_with_gap(draw, max_n: int = 4, min_k: int = 1):
    """A symmetric n x n matrix whose eigenvalues have distinct magnitudes (ratio <= 0.75),
    with eigenvectors not orthogonal to the vector of ones (power iteration starts there)."""
    n = draw(st.integers(max(min_k, 1), max_n))
    magnitudes = sorted(
        draw(st.lists(st.integers(1, 8), min_size=n, max_size=n, unique=True)), reverse=True
    )
    assume(all(b / a <= 0.75 for a, b in itertools.pairwise(magnitudes)))
    signs = draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=n, max_size=n))
    eigenvalues = np.array(magnitudes, float) * np.array(signs)
    B = draw(matrices(n, n, grid(-3, 3)))
    Q, _R = np.linalg.qr(B + 4 * np.eye(n))
    A = (Q * eigenvalues) @ Q.T
    A = (A + A.T) / 2
    assume(np.all(np.abs(Q.sum(axis=0)) > 0.1))
    return A


def _unit(vector: np.ndarray) -> str | None:
    return None if near(np.linalg.norm(vector), 1.0, rtol=1e-6) else "the vector is not unit length"


# ----------------------------------------------------------------------------- exercises


def _qr_reference(A):
    Q, R = np.linalg.qr(A)
    return Q * np.sign(np.diag(R))


gram_schmidt = Exercise(
    "linear-algebra/gram-schmidt",
    "Gram-Schmidt orthonormalisation",
    "gram_schmidt(A)",
    lesson="linear-algebra/vectors-and-matrices",
    summary="Orthonormal columns Q with the span of A's columns, q_j . a_j > 0.",
    checks=[
        holds(
            "the columns are orthonormal: Q^T Q = I",
            full_column_rank().map(lambda A: (A,)),
            lambda Q, A: (
                None
                if near(np.asarray(Q).T @ np.asarray(Q), np.eye(A.shape[1]), atol=1e-8)
                else "Q^T Q is not the identity"
            ),
            hint="Subtract from a_j its projections (q_i . a_j) q_i onto every earlier q_i, then "
            "divide by the length of what is left.",
        ),
        holds(
            "Q spans the columns of A: Q Q^T A = A",
            full_column_rank().map(lambda A: (A,)),
            lambda Q, A: (
                None
                if near(np.asarray(Q) @ np.asarray(Q).T @ A, A, atol=1e-7)
                else "projecting A onto the span of Q changes A"
            ),
            hint="Each q_j must be built from a_j itself, in order j = 1, 2, ...",
        ),
        agrees(
            "agrees with the QR factorisation Q (R with a positive diagonal)",
            full_column_rank().map(lambda A: (A,)),
            _qr_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="Gram-Schmidt gives the Q of A = QR with r_jj = |a_j - projections| > 0: keep "
            "the direction of a_j, do not flip it.",
            diagnoses=[
                (
                    lambda e, o, A: near(-np.asarray(o), e, atol=1e-8),
                    "every column's sign is flipped",
                )
            ],
        ),
    ],
)


back_substitution = Exercise(
    "linear-algebra/back-substitution",
    "Back substitution",
    "back_substitution(U, b)",
    lesson="linear-algebra/linear-systems",
    summary="Solve U x = b for an upper-triangular U, last row first.",
    checks=[
        agrees(
            "agrees with scipy.linalg.solve_triangular",
            st.integers(1, 5).flatmap(
                lambda n: st.tuples(
                    matrices(n, n).map(np.triu),
                    st.lists(
                        st.sampled_from([-4.0, -2.0, -1.0, 0.5, 1.0, 2.0, 3.0]),
                        min_size=n,
                        max_size=n,
                    ),
                    vectors(n),
                ).map(lambda t: (np.triu(t[0], 1) + np.diag(t[1]), t[2]))
            ),
            lambda U, b: scipy.linalg.solve_triangular(U, b, lower=False),
            hint="x_i = (b_i - sum_{j>i} u_ij x_j) / u_ii, for i = n-1 down to 0: every row, "
            "including the first, and each divided by its diagonal entry.",
            diagnoses=[
                (
                    lambda e, o, U, b: (
                        near(np.asarray(o)[:-1], e[:-1]) is False and near(np.asarray(o)[-1], e[-1])
                    ),
                    "the last unknown is right, earlier ones are "
                    "not: check the sum over the already-solved unknowns",
                ),
            ],
        ),
        holds(
            "the residual U x - b is zero",
            st.integers(1, 4).flatmap(
                lambda n: st.tuples(
                    matrices(n, n).map(lambda M: np.triu(M, 1) + np.diag(np.arange(1.0, n + 1))),
                    vectors(n),
                )
            ),
            lambda x, U, b: None if near(U @ np.asarray(x), b, atol=1e-8) else "U x != b",
            hint="Substitute your x back into U x: each row i uses x_i and the x_j after it.",
        ),
    ],
)


def _solve_inputs():
    @st.composite
    def draw(draw):
        n = draw(st.integers(1, 4))
        A = draw(matrices(n, n))
        assume(abs(np.linalg.det(A)) > 0.5 and np.linalg.cond(A) < 1e3)
        return A, draw(vectors(n))

    return draw()


solve_linear_system = Exercise(
    "linear-algebra/gaussian-elimination",
    "Gaussian elimination with partial pivoting",
    "solve_linear_system(A, b)",
    lesson="linear-algebra/linear-systems",
    summary="Solve A x = b by elimination with row swaps; refuse a singular A.",
    checks=[
        agrees(
            "edge case: a zero on the diagonal needs a row swap",
            [
                (np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 3.0])),
                (np.array([[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [2.0, 0.0, 1.0]]), np.ones(3)),
            ],
            np.linalg.solve,
            hint="Partial pivoting: before eliminating column k, swap in the row (k or below) "
            "with the largest |a_ik|; swap b's entries too.",
            diagnoses=[
                (
                    lambda e, o, A, b: not np.all(np.isfinite(np.asarray(o, float))),
                    "a zero pivot: without a row swap the elimination divides by zero",
                ),
            ],
        ),
        agrees(
            "agrees with numpy.linalg.solve",
            _solve_inputs(),
            np.linalg.solve,
            rtol=1e-6,
            atol=1e-8,
            hint="Eliminate below each pivot with row operations applied to A and b alike, then "
            "back-substitute; when a pivot is zero or tiny, first swap in the row below with "
            "the largest entry in that column (partial pivoting).",
            diagnoses=[
                (
                    lambda e, o, A, b: (
                        not np.all(np.isfinite(np.asarray(o, float)))
                        and any(abs(np.linalg.det(A[:k, :k])) < 1e-9 for k in range(1, len(b)))
                    ),
                    "a zero pivot: without a row swap the elimination divides by zero",
                ),
            ],
        ),
        raises(
            "edge case: a singular matrix is refused with ValueError",
            [
                (np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([1.0, 2.0])),
                (np.zeros((3, 3)), np.ones(3)),
            ],
            (ValueError, np.linalg.LinAlgError),
            hint="If the largest available pivot is (numerically) zero, the columns are "
            "dependent: raise ValueError instead of dividing by it.",
        ),
    ],
)


def _lstsq_reference(X, y):
    return LinearRegression(fit_intercept=False).fit(X, y).coef_


least_squares = Exercise(
    "linear-algebra/least-squares",
    "Least squares",
    "least_squares(X, y)",
    lesson="linear-algebra/least-squares",
    summary="The w minimising |X w - y|^2 (X has full column rank).",
    checks=[
        holds(
            "the residual is orthogonal to the columns: X^T (y - X w) = 0",
            full_column_rank(extra_rows=4).flatmap(
                lambda X: st.tuples(st.just(X), vectors(X.shape[0]))
            ),
            lambda w, X, y: (
                None
                if near(
                    X.T @ (y - X @ np.asarray(w, float).reshape(-1)),
                    np.zeros(X.shape[1]),
                    atol=1e-7,
                )
                else "X^T (y - X w) is not zero"
            ),
            hint="At the minimum the gradient 2 X^T (X w - y) vanishes: solve the normal "
            "equations X^T X w = X^T y (or use a QR factorisation of X).",
        ),
        agrees(
            "agrees with glassml.linear.LinearRegression(fit_intercept=False)",
            full_column_rank(extra_rows=4).flatmap(
                lambda X: st.tuples(st.just(X), vectors(X.shape[0]))
            ),
            _lstsq_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="w = (X^T X)^{-1} X^T y; no intercept here (add a column of ones to X if you "
            "want one).",
            diagnoses=[(lambda e, o, X, y: near(-np.asarray(o), e), "the sign of w is flipped")],
        ),
    ],
)


def _power_reference(A, n_iter):
    value, vector, _ = power_iteration(
        A, x0=np.ones(A.shape[0]), tol=1e-14, max_iter=max(int(n_iter), 1)
    )
    return value, vector


_power_inputs = symmetric_with_gap().map(lambda A: (A, 300))

power_iteration_exercise = Exercise(
    "linear-algebra/power-iteration",
    "Power iteration",
    "power_iteration(A, n_iter)",
    lesson="linear-algebra/eigenvalues",
    returns=("eigenvalue", "eigenvector"),
    summary="The dominant eigenpair of a symmetric matrix, starting from the vector of ones.",
    checks=[
        holds(
            "returns (eigenvalue, eigenvector) with a unit eigenvector",
            _power_inputs,
            lambda out, A, n: (
                _unit(np.asarray(out[1], float))
                if isinstance(out, tuple | list) and len(out) == 2 and np.ndim(out[1]) == 1
                else "expected a pair (a number, a vector of length n)"
            ),
            hint="Normalise x after every multiplication, x <- A x / |A x|, and return "
            "(lambda, x).",
        ),
        agrees(
            "agrees with glassml.linalg.power_iteration",
            _power_inputs,
            _power_reference,
            up_to_sign=True,
            rtol=1e-6,
            atol=1e-8,
            hint="The eigenvalue is the Rayleigh quotient x^T A x of the unit vector x: it "
            "keeps the sign of lambda, which |A x| loses.",
            diagnoses=[
                (
                    lambda e, o, A, n: near(o[0], abs(e[0])) and e[0] < 0,
                    "the eigenvalue lost its sign (|A x| instead of x^T A x)",
                ),
            ],
        ),
        holds(
            "A v = lambda v",
            _power_inputs,
            lambda out, A, n: (
                None
                if near(
                    A @ np.asarray(out[1], float),
                    float(out[0]) * np.asarray(out[1], float),
                    atol=1e-6,
                )
                else "A v differs from lambda v"
            ),
            hint="After enough iterations x is an eigenvector: check A x against lambda x.",
        ),
        agrees(
            "edge case: a negative dominant eigenvalue",
            [(np.diag([1.0, -3.0]), 100), (np.array([[-2.0, 1.0], [1.0, -2.0]]), 200)],
            _power_reference,
            up_to_sign=True,
            hint="|lambda| decides which eigenvector wins; the Rayleigh quotient then gives "
            "lambda with its sign.",
        ),
    ],
)


def _top_reference(A, k, n_iter):
    return top_eigenpairs(A, k, tol=1e-13)


@st.composite
def _top_inputs(draw):
    A = draw(symmetric_with_gap(min_k=2))
    k = draw(st.integers(1, A.shape[0]))
    return A, k, 400


top_eigenpairs_exercise = Exercise(
    "linear-algebra/deflation",
    "Several eigenpairs by deflation",
    "top_eigenpairs(A, k, n_iter)",
    lesson="linear-algebra/eigenvalues",
    returns=("eigenvalues", "eigenvectors"),
    summary="The k largest-magnitude eigenpairs: power iteration, then A <- A - lambda v v^T.",
    checks=[
        agrees(
            "agrees with glassml.linalg.top_eigenpairs",
            _top_inputs(),
            _top_reference,
            up_to_sign=True,
            rtol=1e-5,
            atol=1e-7,
            hint="After finding (lambda, v), remove it: A <- A - lambda v v^T, and run power "
            "iteration again; return k values and the n x k matrix of eigenvectors as columns.",
            diagnoses=[
                (
                    lambda e, o, A, k, n: k > 1 and near(o[0][0], o[0][1]),
                    "the same eigenpair is found again: the matrix was not deflated",
                ),
            ],
        ),
        holds(
            "the eigenvectors are orthonormal",
            _top_inputs(),
            lambda out, A, k, n: (
                None
                if near(np.asarray(out[1]).T @ np.asarray(out[1]), np.eye(k), atol=1e-6)
                else "V^T V is not the identity"
            ),
            hint="Eigenvectors of a symmetric matrix for distinct eigenvalues are orthogonal; "
            "deflation keeps later ones orthogonal to earlier ones.",
        ),
    ],
)


@st.composite
def _low_rank_inputs(draw):
    m, n = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    A = draw(matrices(m, n))
    k = draw(st.integers(1, min(m, n) - 1))
    s = np.linalg.svd(A, compute_uv=False)
    assume(s[k - 1] - s[k] > 0.05 * s[0] + 1e-9)
    return A, k


def _low_rank_reference(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :k] * s[:k]) @ Vt[:k]


low_rank = Exercise(
    "linear-algebra/low-rank-approximation",
    "Best rank-k approximation (Eckart-Young)",
    "low_rank_approximation(A, k)",
    lesson="linear-algebra/svd",
    summary="The rank-k matrix closest to A in the Frobenius norm, from the SVD.",
    checks=[
        holds(
            "returns a matrix of A's shape and rank at most k",
            _low_rank_inputs(),
            lambda B, A, k: (
                None
                if np.shape(B) == A.shape and np.linalg.matrix_rank(np.asarray(B), tol=1e-8) <= k
                else f"expected shape {A.shape} and rank <= {k}"
            ),
            hint="Keep exactly k terms sigma_i u_i v_i^T of the SVD.",
        ),
        agrees(
            "agrees with the truncated SVD",
            _low_rank_inputs(),
            _low_rank_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="A = U diag(s) V^T with s sorted from largest to smallest; keep the k largest "
            "singular values (and note numpy returns V^T, not V).",
        ),
        holds(
            "the error |A - A_k|_F is sqrt(sum of the discarded sigma_i^2)",
            _low_rank_inputs(),
            lambda B, A, k: (
                None
                if near(
                    np.linalg.norm(A - np.asarray(B)),
                    np.sqrt(np.sum(np.linalg.svd(A, compute_uv=False)[k:] ** 2)),
                    atol=1e-8,
                )
                else "the Frobenius error is not the Eckart-Young minimum"
            ),
            hint="Eckart-Young: no rank-k matrix is closer than the truncated SVD.",
        ),
    ],
)


@st.composite
def _pca_inputs(draw, all_components: bool = False):
    p = draw(st.integers(1, 4))
    n = draw(st.integers(p + 2, p + 6))
    X = draw(matrices(n, p))
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    assume(s[-1] > 0.1)
    assume(all(a - b > 0.02 * s[0] for a, b in itertools.pairwise(s)))
    if all_components:
        return (X,)
    return X, draw(st.integers(1, p))


def _pca_reference(X, k):
    return PCA(n_components=k).fit_transform(X)


def _column_means(Z, X, k):
    Z = np.asarray(Z, float)
    if Z.shape != (X.shape[0], k):
        return f"expected scores of shape {(X.shape[0], k)}, got {Z.shape}"
    return None if near(Z.mean(axis=0), np.zeros(k), atol=1e-8) else "the scores' means are not 0"


def _decreasing_variance(Z, X, k):
    variances = np.asarray(Z, float).var(axis=0)
    ok = np.all(np.diff(variances) <= 1e-9 * max(variances.max(initial=0), 1))
    return None if ok else f"the score variances {np.round(variances, 4)} are not decreasing"


pca_exercise = Exercise(
    "linear-algebra/pca",
    "Principal component scores",
    "pca_transform(X, k)",
    lesson="linear-algebra/pca",
    summary="Project the centred data on the k directions of largest variance.",
    checks=[
        holds(
            "the scores have mean zero (the data were centred)",
            _pca_inputs(),
            _column_means,
            hint="PCA describes variation around the mean: subtract the column means first.",
        ),
        holds(
            "the components come in order of decreasing variance",
            _pca_inputs(),
            _decreasing_variance,
            hint="The first component is the right singular vector of the largest singular "
            "value (numpy's svd sorts them largest first; eigh sorts eigenvalues smallest "
            "first).",
        ),
        agrees(
            "agrees with glassml.decomposition.PCA (up to each component's sign)",
            _pca_inputs(),
            _pca_reference,
            up_to_sign=True,
            rtol=1e-6,
            atol=1e-8,
            hint="Scores are X_c V_k: the centred data times the first k right singular "
            "vectors. Do not divide by the standard deviations (that is PCA of the "
            "correlation matrix).",
        ),
    ],
)


def _variance_reference(X):
    return PCA().fit(X).explained_variance_


explained_variance = Exercise(
    "linear-algebra/explained-variance",
    "Variance along the principal axes",
    "explained_variance(X)",
    lesson="linear-algebra/pca",
    summary="The sample variances of the principal components, largest first.",
    checks=[
        holds(
            "they add up to the total sample variance, trace(S)",
            _pca_inputs(all_components=True),
            lambda v, X: (
                None
                if near(np.sum(v), np.trace(np.cov(X.T, ddof=1).reshape(X.shape[1], -1)))
                else "the sum differs from the total sample variance"
            ),
            hint="The eigenvalues of the sample covariance S = X_c^T X_c / (n - 1) sum to its "
            "trace; from the SVD of X_c they are s_i^2 / (n - 1).",
        ),
        agrees(
            "agrees with glassml.decomposition.PCA().explained_variance_",
            _pca_inputs(all_components=True),
            _variance_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="lambda_i = s_i^2 / (n - 1) for the singular values s_i of the centred data.",
            diagnoses=[
                (
                    lambda e, o, X: near(np.asarray(o) * X.shape[0] / (X.shape[0] - 1), e),
                    "population variance (divided by n) instead of sample variance (n - 1)",
                ),
            ],
        ),
    ],
)


register(
    gram_schmidt,
    back_substitution,
    solve_linear_system,
    least_squares,
    power_iteration_exercise,
    top_eigenpairs_exercise,
    low_rank,
    pca_exercise,
    explained_variance,
)
