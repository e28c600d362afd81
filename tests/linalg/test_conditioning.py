"""Condition diagnostics.

Reference: ``numpy.linalg.cond`` (2-norm) to 1e-10 relative and ``numpy.linalg.matrix_rank``
(exactly) on fixed matrices, including Hilbert matrices (κ grows ~e^{3.5 n}) and rank-deficient
ones; the error-amplification bound ||δx||/||x|| <= κ ||δb||/||b|| is checked on a solve.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from scipy.linalg import hilbert

from glassml.linalg import condition_number, conditioning_report, numerical_rank


@pytest.mark.parametrize("size", [3, 6, 9])
def test_condition_number_matches_numpy_on_hilbert(size):
    A = hilbert(size)
    assert_close(condition_number(A), np.linalg.cond(A), rtol=1e-6, what="kappa")


def test_condition_number_rectangular_and_well_conditioned():
    A = np.random.default_rng(0).normal(size=(30, 7))
    assert_close(condition_number(A), np.linalg.cond(A), rtol=1e-10, what="kappa")
    assert condition_number(np.eye(4)) == 1.0
    assert condition_number(np.zeros((2, 2))) == np.inf


def test_numerical_rank_matches_numpy():
    rng = np.random.default_rng(1)
    low_rank = rng.normal(size=(20, 3)) @ rng.normal(size=(3, 15))
    assert numerical_rank(low_rank) == np.linalg.matrix_rank(low_rank) == 3
    assert numerical_rank(np.diag([1.0, 1e-3, 1e-20])) == 2
    assert numerical_rank(np.diag([1.0, 1e-3]), tol=1e-2) == 1


def test_report_and_error_amplification_bound():
    A = hilbert(8)
    report = conditioning_report(A)
    assert report.ill_conditioned and report.rank == 8
    assert_close(report.digits_lost, np.log10(np.linalg.cond(A)), rtol=1e-6, what="digits")
    x = np.ones(8)
    b = A @ x
    perturbation = 1e-12 * np.random.default_rng(2).normal(size=8)
    x_perturbed = np.linalg.solve(A, b + perturbation)
    relative_error = np.linalg.norm(x_perturbed - x) / np.linalg.norm(x)
    bound = report.condition_number * np.linalg.norm(perturbation) / np.linalg.norm(b)
    assert relative_error <= bound * 1.01
    assert not conditioning_report(np.eye(3)).ill_conditioned
    assert "rank 8" in str(report)


@pytest.mark.parametrize("bad", [np.ones(3), np.empty((0, 2)), np.array([[1.0, np.nan]])])
def test_bad_input_raises(bad):
    with pytest.raises(ValueError, match="A: "):
        condition_number(bad)
