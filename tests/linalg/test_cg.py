"""Conjugate gradient against ``numpy.linalg.solve`` and ``scipy.sparse.linalg.cg``.

Tolerance: relative residual 1e-12 requested; the solution agrees with LAPACK's to
``cond(A) * 1e-12`` (1e-9 here), and with SciPy's CG (same stopping rule) to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_close

from glassml.linalg import conjugate_gradient


def _spd(n, condition, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.logspace(0, np.log10(condition), n)) @ Q.T
    return (A + A.T) / 2, rng.standard_normal(n)


@pytest.mark.parametrize("as_callable", [False, True])
def test_matches_lapack_and_scipy(as_callable):
    A, b = _spd(40, 1e3)
    matvec = (lambda v: A @ v) if as_callable else A
    x, n_iter = conjugate_gradient(matvec, b, tol=1e-12)
    assert_close(x, np.linalg.solve(A, b), rtol=1e-9, atol=1e-12, what="x vs solve")
    reference, info = scipy.sparse.linalg.cg(A, b, rtol=1e-12, maxiter=1000)
    assert info == 0
    assert_close(x, reference, rtol=1e-8, atol=1e-12, what="x vs scipy cg")
    assert np.linalg.norm(A @ x - b) <= 1e-12 * np.linalg.norm(b) * 1.0001
    assert 0 < n_iter <= 400


def test_exact_in_n_steps_for_few_distinct_eigenvalues():
    # CG ends after as many steps as A has distinct eigenvalues (Nocedal & Wright, Thm 5.4).
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    A = Q @ np.diag(np.repeat([1.0, 5.0, 20.0], 10)) @ Q.T
    b = rng.standard_normal(30)
    x, n_iter = conjugate_gradient(A, b, tol=1e-10)
    assert n_iter == 3
    assert_close(x, np.linalg.solve(A, b), rtol=1e-8, atol=1e-12, what="x")


def test_warm_start_at_the_solution_takes_no_iteration():
    A, b = _spd(10, 10.0)
    solution = np.linalg.solve(A, b)
    x, n_iter = conjugate_gradient(A, b, x0=solution, tol=1e-8)
    assert n_iter == 0
    assert_close(x, solution, rtol=0, atol=0, what="x")


def test_indefinite_matrix_raises():
    with pytest.raises(ValueError, match="positive definite"):
        conjugate_gradient(np.diag([1.0, -1.0]), np.array([1.0, 1.0]))


@pytest.mark.parametrize(
    ("args", "kwargs", "argument"),
    [
        ((np.eye(2), np.array([1.0, np.nan])), {}, "b"),
        ((np.eye(3), np.ones(2)), {}, "matvec"),
        ((np.eye(2), np.ones((2, 1))), {}, "b"),
        ((np.eye(2), np.ones(2)), {"x0": np.ones(3)}, "x0"),
        ((np.eye(2), np.ones(2)), {"tol": -1.0}, "tol"),
        ((np.eye(2), np.ones(2)), {"max_iter": -2}, "max_iter"),
    ],
)
def test_bad_input_raises_naming_the_argument(args, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        conjugate_gradient(*args, **kwargs)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 25), log_condition=st.floats(0, 4))
def test_property_residual_and_solution_on_random_spd_systems(seed, n, log_condition):
    A, b = _spd(n, 10**log_condition, seed=seed)
    x, n_iter = conjugate_gradient(A, b, tol=1e-11)
    assert np.linalg.norm(A @ x - b) <= 1e-11 * np.linalg.norm(b) * 1.0001
    # Forward error <= cond(A) * relative residual.
    solution = np.linalg.solve(A, b)
    assert np.linalg.norm(x - solution) <= 10**log_condition * 1e-10 * np.linalg.norm(solution)
    assert n_iter <= 10 * n
