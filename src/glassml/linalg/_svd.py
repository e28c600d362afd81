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
from sklearn.utils import check_random_state

Normalizer = Literal["auto", "QR", "LU", "none"]


def svd_flip(U: np.ndarray | None, Vt: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Fix the sign of each singular pair: the largest-magnitude entry of each row of ``Vt``
    becomes positive (scikit-learn's ``u_based_decision=False`` convention).

    A singular pair (u, v) is defined only up to a joint sign; fixing it makes results
    deterministic and comparable across solvers. ``U`` (if given) is flipped with ``Vt``.
    """
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
    """
    random_state = check_random_state(random_state)
    if power_iteration_normalizer == "auto":
        power_iteration_normalizer = "none" if n_iter <= 2 else "LU"
    if power_iteration_normalizer not in ("QR", "LU", "none"):
        raise ValueError(
            "power_iteration_normalizer must be one of 'auto', 'QR', 'LU', 'none'; "
            f"got {power_iteration_normalizer!r}"
        )
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
    A = np.asarray(A)
    if A.ndim != 2 or A.size == 0:
        raise ValueError(f"A must be a non-empty 2-D array; got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A contains NaN or infinity")
    if not np.issubdtype(A.dtype, np.floating):
        A = A.astype(np.float64)
    m, n = A.shape
    if not 1 <= n_components <= min(m, n):
        raise ValueError(
            f"n_components must be in [1, min(A.shape)={min(m, n)}]; got {n_components}"
        )
    if n_oversamples < 0:
        raise ValueError(f"n_oversamples must be >= 0; got {n_oversamples}")
    if n_iter == "auto":
        n_iter = 7 if n_components < 0.1 * min(m, n) else 4
    if not isinstance(n_iter, (int, np.integer)) or n_iter < 0:
        raise ValueError(f"n_iter must be a non-negative int or 'auto'; got {n_iter!r}")

    # Work on the orientation with fewer columns: the sketch Ω is then the smaller one.
    transpose = m < n
    if transpose:
        A = A.T
    size = min(n_components + n_oversamples, min(m, n))
    Q = randomized_range_finder(A, size, n_iter, power_iteration_normalizer, random_state)
    B = Q.T @ A
    U_small, S, Vt = linalg.svd(B, full_matrices=False, check_finite=False)
    U = Q @ U_small
    if transpose:
        U, Vt = Vt.T, U.T
    U, S, Vt = U[:, :n_components], S[:n_components], Vt[:n_components]
    if flip_sign:
        U, Vt = svd_flip(U, Vt)
    return U, S, Vt
