"""Randomized SVD (Halko, Martinsson & Tropp, 2011) and the sign convention for singular vectors.

For a matrix A (m × n) and a target rank k, draw a Gaussian test matrix Ω (n × (k + p)) with
p oversamples, form the sample Y = A Ω whose range approximates the range of A's top k left
singular vectors, sharpen it with q power iterations Y = (A Aᵀ)^q A Ω (each factor renormalised
by QR or LU so the columns do not collapse onto the top singular vector in floating point), take
an orthonormal basis Q of Y, and finish with the small exact SVD of B = Qᵀ A:

    B = Ũ Σ Vᵀ,   A ≈ Q Qᵀ A = (Q Ũ) Σ Vᵀ.

The error after q iterations decays like (σ_{k+p+1} / σ_k)^(2q + 1) (HMT, Theorem 10.6 / 9.2).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import linalg

from glassml._scaling import scale_of
from glassml._validation import (
    check_bool,
    check_count,
    check_named_array,
    check_option,
    check_seed,
)

Normalizer = Literal["auto", "QR", "LU", "none"]
NORMALIZERS = ("auto", "QR", "LU", "none")


def svd_flip(U: np.ndarray | None, Vt: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Fix the sign of each singular pair: the largest-magnitude entry of each row of ``Vt``
    becomes positive (scikit-learn's ``u_based_decision=False`` convention).

    A singular pair (u, v) is defined only up to a joint sign; fixing it makes results
    deterministic and comparable across solvers. ``U`` (if given) is flipped with ``Vt``.

    Examples
    --------
    >>> import numpy as np
    >>> U, Vt = svd_flip(np.array([[1.0], [2.0]]), np.array([[0.6, -0.8]]))
    >>> U.tolist(), Vt.tolist()
    ([[-1.0], [-2.0]], [[-0.6, 0.8]])
    """
    Vt = check_named_array(Vt, "Vt", dtype=np.float64)
    if U is not None:
        U = check_named_array(U, "U", dtype=np.float64)
        if U.shape[1] != Vt.shape[0]:
            raise ValueError(
                f"U: expected {Vt.shape[0]} columns (one per row of Vt), got {U.shape[1]}"
            )
    return _svd_flip(U, Vt)


def _svd_flip(U: np.ndarray | None, Vt: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    largest = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), largest])
    signs[signs == 0] = 1.0
    Vt = Vt * signs[:, np.newaxis]
    if U is not None:
        U = U * signs[np.newaxis, :]
    return U, Vt


def _normalizer(name: str):
    if name == "QR":
        return lambda M: linalg.qr(M, mode="economic", check_finite=False)[0]
    if name == "LU":
        # P L from A = P L U has the same column span as A and is much cheaper than QR.
        return lambda M: linalg.lu(M, permute_l=True, check_finite=False)[0]
    return lambda M: M


def randomized_range_finder(
    A: np.ndarray,
    size: int,
    n_iter: int,
    power_iteration_normalizer: Normalizer = "auto",
    random_state=None,
) -> np.ndarray:
    """Orthonormal Q (m × size) with range(Q) ≈ range of A's top singular vectors (HMT Alg. 4.4).

    Q = orth((A Aᵀ)^n_iter A Ω), Ω Gaussian (n × size); every product is renormalised.

    Examples
    --------
    >>> import numpy as np
    >>> Q = randomized_range_finder(np.diag([3.0, 2.0, 1.0]), 2, 4, random_state=0)
    >>> Q.shape, np.allclose(Q.T @ Q, np.eye(2))
    ((3, 2), True)
    """
    A = _checked_matrix(A)
    size = check_count(size, "size")
    n_iter = check_count(n_iter, "n_iter", minimum=0)
    check_option(power_iteration_normalizer, "power_iteration_normalizer", NORMALIZERS)
    scale = scale_of(A)
    return _range_finder(
        A / scale if scale != 1.0 else A,
        size,
        n_iter,
        power_iteration_normalizer,
        check_seed(random_state),
    )


def _checked_matrix(A) -> np.ndarray:
    return check_named_array(A, "A", dtype=[np.float64, np.float32])


def _range_finder(A, size, n_iter, power_iteration_normalizer, random_state) -> np.ndarray:
    if power_iteration_normalizer == "auto":
        power_iteration_normalizer = "none" if n_iter <= 2 else "LU"
    normalize = _normalizer(power_iteration_normalizer)
    Q = random_state.normal(size=(A.shape[1], size))
    if A.dtype == np.float32:
        Q = Q.astype(np.float32)
    for _ in range(n_iter):
        Q = normalize(A @ Q)
        Q = normalize(A.T @ Q)
    Q, _ = linalg.qr(A @ Q, mode="economic", check_finite=False)
    return Q


def randomized_svd(
    A: np.ndarray,
    n_components: int,
    n_oversamples: int = 10,
    n_iter: int | Literal["auto"] = "auto",
    power_iteration_normalizer: Normalizer = "auto",
    random_state=None,
    flip_sign: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truncated SVD A ≈ U diag(S) Vt of rank ``n_components`` by random projection.

    Parameters
    ----------
    A : ndarray of shape (m, n)
    n_components : int
        Target rank k, 1 <= k <= min(m, n).
    n_oversamples : int, default=10
        Extra random directions p; the sketch has k + p columns.
    n_iter : int or "auto", default="auto"
        Power iterations q; "auto" uses 7 when k < 0.1 min(m, n) (slowly decaying spectra are
        the hard case) and 4 otherwise, as scikit-learn does.
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}, default="auto"
        Renormalisation between products; "auto" is "none" for q <= 2, else "LU".
    random_state : int, RandomState or None
    flip_sign : bool, default=True
        Apply :func:`svd_flip` so the output is deterministic.

    Returns
    -------
    U : (m, k), S : (k,) decreasing, Vt : (k, n)

    References
    ----------
    Halko, Martinsson & Tropp (2011), "Finding structure with randomness: probabilistic
    algorithms for constructing approximate matrix decompositions", SIAM Review 53(2).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([5.0, 3.0, 1.0, 0.5])
    >>> U, S, Vt = randomized_svd(A, 2, random_state=0)
    >>> np.round(S, 6).tolist()
    [5.0, 3.0]
    """
    A = _checked_matrix(A)
    m, n = A.shape
    n_components = check_count(n_components, "n_components")
    if n_components > min(m, n):
        raise ValueError(
            f"n_components: expected at most min(A.shape) = {min(m, n)}, got {n_components}"
        )
    n_oversamples = check_count(n_oversamples, "n_oversamples", minimum=0)
    if isinstance(n_iter, str) and n_iter == "auto":
        n_iter = 7 if n_components < 0.1 * min(m, n) else 4
    else:
        n_iter = check_count(n_iter, "n_iter", minimum=0)
    check_option(power_iteration_normalizer, "power_iteration_normalizer", NORMALIZERS)
    flip_sign = check_bool(flip_sign, "flip_sign")
    random_state = check_seed(random_state)
    # σ(A) = c σ(A / c) with c a power of two: entries at 1e300 or 1e-300 stay in range.
    scale = scale_of(A)
    if scale != 1.0:
        A = A / scale

    # Work on the orientation with fewer columns: the sketch Ω is then the smaller one.
    transpose = m < n
    if transpose:
        A = A.T
    size = min(n_components + n_oversamples, min(m, n))
    Q = _range_finder(A, size, n_iter, power_iteration_normalizer, random_state)
    B = Q.T @ A
    U_small, S, Vt = linalg.svd(B, full_matrices=False, check_finite=False)
    U = Q @ U_small
    if transpose:
        U, Vt = Vt.T, U.T
    U, S, Vt = U[:, :n_components], S[:n_components] * scale, Vt[:n_components]
    if flip_sign:
        U, Vt = _svd_flip(U, Vt)
    return U, S, Vt
