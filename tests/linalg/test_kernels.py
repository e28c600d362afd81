"""Kernel matrices vs ``sklearn.metrics.pairwise``.

Reference: scikit-learn's ``linear_kernel``, ``polynomial_kernel``, ``rbf_kernel``,
``sigmoid_kernel`` and ``euclidean_distances(squared=True)``; tolerance rtol=1e-12, atol=1e-12
(both sides compute one GEMM and the same element-wise map, so only rounding differs). An
independent loop over pairs checks the formulas themselves at the same tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from sklearn.metrics import pairwise

from glassml.linalg import (
    linear_kernel,
    polynomial_kernel,
    rbf_kernel,
    sigmoid_kernel,
    squared_euclidean_distances,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 5))
Y = RNG.normal(size=(20, 5))

CASES = [
    (linear_kernel, pairwise.linear_kernel, {}),
    (polynomial_kernel, pairwise.polynomial_kernel, {}),
    (polynomial_kernel, pairwise.polynomial_kernel, {"degree": 2, "gamma": 0.3, "coef0": -0.5}),
    (rbf_kernel, pairwise.rbf_kernel, {}),
    (rbf_kernel, pairwise.rbf_kernel, {"gamma": 0.7}),
    (sigmoid_kernel, pairwise.sigmoid_kernel, {}),
    (sigmoid_kernel, pairwise.sigmoid_kernel, {"gamma": 0.05, "coef0": 0.2}),
]


@pytest.mark.parametrize(("mine", "theirs", "params"), CASES)
@pytest.mark.parametrize("other", [None, Y])
def test_matches_sklearn(mine, theirs, params, other):
    assert_close(
        mine(X, other, **params),
        theirs(X, other, **params),
        rtol=1e-12,
        atol=1e-12,
        what=mine.__name__,
    )


def test_squared_distances_match_sklearn():
    assert_close(
        squared_euclidean_distances(X, Y),
        pairwise.euclidean_distances(X, Y, squared=True),
        rtol=1e-12,
        atol=1e-12,
    )
    same = squared_euclidean_distances(X)
    assert np.all(np.diag(same) == 0.0)
    assert np.all(same >= 0.0)


def _naive(kernel_of_pair, A, B):
    return np.array([[kernel_of_pair(a, b) for b in B] for a in A])


def test_formulas_against_pairwise_loops():
    gamma, coef0, degree = 0.4, 0.3, 3
    assert_close(linear_kernel(X, Y), _naive(np.dot, X, Y), rtol=1e-12, atol=1e-12)
    assert_close(
        polynomial_kernel(X, Y, degree=degree, gamma=gamma, coef0=coef0),
        _naive(lambda a, b: (gamma * a @ b + coef0) ** degree, X, Y),
        rtol=1e-12,
        atol=1e-12,
    )
    assert_close(
        rbf_kernel(X, Y, gamma=gamma),
        _naive(lambda a, b: np.exp(-gamma * np.sum((a - b) ** 2)), X, Y),
        rtol=1e-12,
        atol=1e-12,
    )
    assert_close(
        sigmoid_kernel(X, Y, gamma=gamma, coef0=coef0),
        _naive(lambda a, b: np.tanh(gamma * a @ b + coef0), X, Y),
        rtol=1e-12,
        atol=1e-12,
    )


def test_rbf_is_symmetric_with_unit_diagonal():
    kernel = rbf_kernel(X)
    # GEMM need not return a bit-exactly symmetric X Xᵀ; symmetric to rounding.
    assert_close(kernel, kernel.T, rtol=1e-14, atol=1e-15)
    assert_close(np.diag(kernel), np.ones(len(X)), rtol=0, atol=0)


@pytest.mark.parametrize("kernel", [linear_kernel, polynomial_kernel, rbf_kernel, sigmoid_kernel])
def test_bad_input_names_the_argument(kernel):
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X"):
        kernel(bad)
    bad_y = Y.copy()
    bad_y[1, 1] = np.inf
    with pytest.raises(ValueError, match="Y"):
        kernel(X, bad_y)
    with pytest.raises(ValueError, match="Y: expected 5 features"):
        kernel(X, Y[:, :3])


def test_bad_parameters_name_the_argument():
    with pytest.raises(ValueError, match="gamma"):
        rbf_kernel(X, gamma=np.nan)
    with pytest.raises(ValueError, match="gamma"):
        sigmoid_kernel(X, gamma="scale")
    for kernel in (polynomial_kernel, rbf_kernel, sigmoid_kernel):
        with pytest.raises(ValueError, match="gamma"):
            kernel(X, gamma=-1.0)  # exp(+|gamma| d): not a kernel, and it overflows
    with pytest.raises(ValueError, match="degree"):
        polynomial_kernel(X, degree=-1)
    with pytest.raises(ValueError, match="coef0"):
        polynomial_kernel(X, coef0=np.inf)
