"""randomized_svd and svd_flip.

References and tolerances:
- scikit-learn's ``sklearn.utils.extmath.randomized_svd`` with the same seed, oversampling,
  iterations and normaliser draws the same test matrix, so U, S, Vt agree to 1e-9 (rtol/atol).
- the exact SVD (``scipy.linalg.svd``) of a matrix with a decaying spectrum: the top singular
  values to 1e-10 relative and vectors to 1e-7 (HMT error bound (σ_{k+p+1}/σ_k)^(2q+1)).
- a slowly decaying spectrum: more power iterations strictly reduce the error (the HMT rate).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, assert_close_up_to_sign
from scipy import linalg
from sklearn.utils.extmath import randomized_svd as sk_randomized_svd
from sklearn.utils.extmath import svd_flip as sk_svd_flip

from glassml.linalg import randomized_svd, svd_flip


def _matrix_with_spectrum(m, n, singular_values, seed=0):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(m, len(singular_values))))
    V, _ = np.linalg.qr(rng.normal(size=(n, len(singular_values))))
    return (U * singular_values) @ V.T


@pytest.mark.parametrize("normalizer", ["auto", "QR", "LU", "none"])
@pytest.mark.parametrize("shape", [(120, 40), (40, 120)])
def test_matches_sklearn_randomized_svd_same_seed(shape, normalizer):
    A = np.random.default_rng(1).normal(size=shape)
    mine = randomized_svd(A, 5, n_iter=3, power_iteration_normalizer=normalizer, random_state=7)
    theirs = sk_randomized_svd(
        A, 5, n_iter=3, power_iteration_normalizer=normalizer, random_state=7
    )
    assert_close(mine[1], theirs[1], rtol=1e-9, what="singular values")
    assert_close_up_to_sign(mine[2], theirs[2], rtol=1e-9, atol=1e-9, what="Vt")
    assert_close_up_to_sign(mine[0].T, theirs[0].T, rtol=1e-9, atol=1e-9, what="U")


def test_recovers_exact_svd_of_decaying_spectrum():
    spectrum = 10.0 * 0.5 ** np.arange(30)
    A = _matrix_with_spectrum(300, 80, spectrum)
    U, S, Vt = randomized_svd(A, 6, random_state=0)
    U_exact, S_exact, Vt_exact = linalg.svd(A, full_matrices=False)
    assert_close(S, S_exact[:6], rtol=1e-10, what="singular values")
    assert_close_up_to_sign(Vt, Vt_exact[:6], rtol=0, atol=1e-7, what="right vectors")
    assert_close_up_to_sign(U.T, U_exact[:, :6].T, rtol=0, atol=1e-7, what="left vectors")


def test_power_iterations_reduce_error_on_slow_spectrum():
    spectrum = 1.0 / np.arange(1, 61)
    A = _matrix_with_spectrum(400, 200, spectrum, seed=3)
    errors = []
    for n_iter in (0, 2, 6):
        _, S, _ = randomized_svd(A, 10, n_oversamples=5, n_iter=n_iter, random_state=0)
        errors.append(np.max(np.abs(S - spectrum[:10]) / spectrum[:10]))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-3


def test_svd_flip_matches_sklearn_and_keeps_product():
    rng = np.random.default_rng(2)
    U, S, Vt = np.linalg.svd(rng.normal(size=(9, 5)), full_matrices=False)
    mine_U, mine_Vt = svd_flip(U.copy(), Vt.copy())
    theirs_U, theirs_Vt = sk_svd_flip(U.copy(), Vt.copy(), u_based_decision=False)
    assert_close(mine_Vt, theirs_Vt, rtol=0, atol=0, what="Vt")
    assert_close(mine_U, theirs_U, rtol=0, atol=0, what="U")
    assert_close((mine_U * S) @ mine_Vt, (U * S) @ Vt, rtol=0, atol=1e-13, what="U S Vt")
    largest = np.abs(mine_Vt).argmax(axis=1)
    assert np.all(mine_Vt[np.arange(5), largest] > 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_components": 0}, "n_components"),
        ({"n_components": 11}, "n_components"),
        ({"n_components": 2, "n_iter": -1}, "n_iter"),
        ({"n_components": 2, "n_oversamples": -1}, "n_oversamples"),
        ({"n_components": 2, "power_iteration_normalizer": "qr"}, "power_iteration_normalizer"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        randomized_svd(np.ones((20, 10)), **kwargs)


def test_nonfinite_input_raises():
    A = np.ones((5, 4))
    A[1, 2] = np.nan
    with pytest.raises(ValueError, match="A contains NaN"):
        randomized_svd(A, 2)
