"""Ridge against scikit-learn's Ridge.

Reference: sklearn.linear_model.Ridge (solver "svd" unless stated; all its solvers agree).
Tolerance: rtol 1e-8 on coef_/intercept_/predict for the closed forms (Cholesky, SVD) on tall,
wide, weighted, multi-target and per-target-alpha problems; the conjugate-gradient solver at its
tol=1e-12 (relative residual) agrees to rtol 1e-8 as well, dense and scipy.sparse. The closed form
is also checked against its definition, the stationarity of the penalised objective.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
import sklearn.linear_model as sk
from parity import assert_close, assert_same_estimator
from sklearn.datasets import make_regression

from glassml.linear import Ridge


def _problem(n_samples, n_features, n_targets=1, offset=5.0, seed=0):
    X, y = make_regression(n_samples, n_features, n_targets=n_targets, noise=3.0, random_state=seed)
    return X + offset, y


def _assert_same(mine, theirs, X):
    assert_same_estimator(
        mine, theirs, X, attributes=("coef_", "intercept_"), rtol=1e-8, atol=1e-10
    )


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd", "cg"])
@pytest.mark.parametrize(("n_samples", "n_features"), [(120, 10), (15, 40)])
@pytest.mark.parametrize("n_targets", [1, 2])
def test_matches_sklearn(solver, n_samples, n_features, n_targets):
    X, y = _problem(n_samples, n_features, n_targets)
    weights = np.random.default_rng(0).uniform(0.2, 3.0, n_samples)
    options = {"tol": 1e-12} if solver == "cg" else {}
    mine = Ridge(alpha=2.5, solver=solver, **options).fit(X, y, sample_weight=weights)
    theirs = sk.Ridge(alpha=2.5, solver="svd").fit(X, y, sample_weight=weights)
    _assert_same(mine, theirs, X)


def test_solver_chosen_by_shape():
    assert Ridge().fit(*_problem(50, 5)).solver_ == "cholesky"
    assert Ridge().fit(*_problem(5, 50)).solver_ == "svd"


def test_alpha_per_target_and_no_intercept():
    X, y = _problem(60, 8, n_targets=3)
    alphas = np.array([0.1, 1.0, 10.0])
    mine = Ridge(alpha=alphas, fit_intercept=False).fit(X, y)
    theirs = sk.Ridge(alpha=alphas, fit_intercept=False).fit(X, y)
    _assert_same(mine, theirs, X)


def test_conjugate_gradient_on_sparse_input():
    X = scipy.sparse.random(200, 40, density=0.1, random_state=0, format="csr")
    y = np.random.default_rng(0).normal(size=200)
    mine = Ridge(alpha=1.0, solver="cg", tol=1e-12).fit(X, y)
    theirs = sk.Ridge(alpha=1.0, solver="svd").fit(X.toarray(), y)
    _assert_same(mine, theirs, X.toarray())
    assert 1 <= mine.n_iter_[0] <= 40 * 10


def test_closed_form_is_stationary_point_of_objective():
    # Gradient of ||sqrt(W)(y - Xb - b0)||^2 + alpha ||b||^2 vanishes at the fitted (b0, b).
    X, y = _problem(40, 6, seed=3)
    weights = np.random.default_rng(3).uniform(0.5, 2.0, 40)
    model = Ridge(alpha=3.0).fit(X, y, sample_weight=weights)
    residual = y - X @ model.coef_ - model.intercept_
    grad_b = -2 * X.T @ (weights * residual) + 2 * 3.0 * model.coef_
    grad_b0 = -2 * np.sum(weights * residual)
    scale = np.abs(2 * X.T @ (weights * y)).max()
    assert np.abs(grad_b).max() <= 1e-10 * scale and abs(grad_b0) <= 1e-10 * scale


def test_zero_alpha_singular_gram_falls_back_to_svd():
    X, y = _problem(30, 3)
    X = np.column_stack([X, X[:, 0]])
    with pytest.warns(Warning, match="singular"):
        model = Ridge(alpha=0.0, solver="cholesky").fit(X, y)
    assert model.solver_ == "svd"
    centred = X - X.mean(axis=0)
    assert_close(model.coef_, np.linalg.pinv(centred) @ (y - y.mean()), rtol=1e-8, what="coef")


@pytest.mark.parametrize(
    ("params", "argument"),
    [({"alpha": -1.0}, "alpha"), ({"solver": "qr"}, "solver"), ({"tol": 0.0}, "tol")],
)
def test_bad_parameters_name_the_argument(params, argument):
    X, y = _problem(20, 3)
    with pytest.raises(ValueError, match=argument):
        Ridge(**params).fit(X, y)


def test_alpha_array_of_wrong_length():
    X, y = _problem(20, 3, n_targets=2)
    with pytest.raises(ValueError, match=r"^alpha:"):
        Ridge(alpha=np.array([1.0, 2.0, 3.0])).fit(X, y)


def test_bad_input_names_the_argument():
    X, y = _problem(20, 3)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^X:.*NaN"):
        Ridge().fit(X, y)
    with pytest.raises(ValueError, match=r"^X:"):
        Ridge().fit(np.ones(20), y)
