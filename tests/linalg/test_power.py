"""Power iteration and Hotelling deflation.

Reference: ``numpy.linalg.eigh``. Eigenvalues agree to 1e-9 relative, eigenvectors (sign fixed)
to 1e-6 — the residual stopping rule ||Av − λv|| <= 1e-10 |λ| bounds the vector error by
about 1e-10 |λ| / gap. The convergence rate |λ₂/λ₁| is checked on iteration counts.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, assert_close_up_to_sign

from glassml.linalg import power_iteration, top_eigenpairs


def _symmetric(eigenvalues, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    return (Q * eigenvalues) @ Q.T


def test_dominant_pair_matches_eigh():
    A = _symmetric([5.0, 3.0, 2.0, 1.0, -0.5, 0.1])
    value, vector, _ = power_iteration(A, random_state=0)
    values, vectors = np.linalg.eigh(A)
    assert_close(value, values[-1], rtol=1e-9, what="eigenvalue")
    assert_close_up_to_sign(vector, vectors[:, -1], rtol=0, atol=1e-6, what="eigenvector")
    assert np.linalg.norm(A @ vector - value * vector) <= 1e-9 * abs(value)


def test_negative_dominant_eigenvalue_and_matvec_callable():
    A = _symmetric([-4.0, 2.0, 1.0, 0.5], seed=1)
    value, vector, _ = power_iteration(lambda x: A @ x, n=4, random_state=0)
    assert_close(value, -4.0, rtol=1e-9, what="eigenvalue")
    assert np.linalg.norm(A @ vector + 4.0 * vector) < 1e-8


def test_iterations_grow_as_the_gap_closes():
    fast = power_iteration(_symmetric([4.0, 1.0, 0.5]), random_state=0)[2]
    slow = power_iteration(_symmetric([4.0, 3.6, 0.5]), random_state=0)[2]
    # error ~ (λ₂/λ₁)^t: about log(1e-10)/log(0.25) ≈ 17 vs log(1e-10)/log(0.9) ≈ 220 steps
    assert fast < 30 < 100 < slow


def test_top_eigenpairs_by_deflation():
    A = _symmetric([9.0, 6.0, 4.0, 1.0, 0.5], seed=2)
    values, vectors = top_eigenpairs(A, 3, random_state=0)
    exact_values, exact_vectors = np.linalg.eigh(A)
    assert_close(values, exact_values[::-1][:3], rtol=1e-9, what="eigenvalues")
    assert_close_up_to_sign(vectors.T, exact_vectors[:, ::-1][:, :3].T, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: power_iteration(np.ones((3, 2))), "A: expected a square matrix"),
        (lambda: power_iteration(np.full((2, 2), np.inf)), "A: .*infinity"),
        (lambda: power_iteration(np.eye(3), tol=0), "tol"),
        (lambda: power_iteration(np.eye(3), x0=np.zeros(3)), "x0"),
        (lambda: power_iteration(lambda x: x), "n: expected"),
        (lambda: power_iteration(lambda x: x * np.inf, n=2), "A: expected finite products"),
        (lambda: top_eigenpairs(np.eye(3), 4), "k: expected at most 3"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
