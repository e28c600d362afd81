"""Lasso / ElasticNet (coordinate descent and FISTA) and their paths against scikit-learn.

References and tolerances:
- coordinate descent at tol=1e-10 vs sklearn Lasso / ElasticNet at tol=1e-10 (diabetes, a
  make_regression problem, sample weights, several targets, no intercept, positive):
  coefficients and intercept agree to rtol 1e-6 relative to max |coef| (atol = 1e-6 max |coef|);
- lasso_path / enet_path vs sklearn's on centred diabetes: the alpha grid to rtol 1e-12,
  coefficients to 1e-6 relative to max |coef|;
- the optimality (KKT) conditions of the objective, computed independently in NumPy:
  |X_j'r/n - alpha(1-rho) w_j| <= alpha rho, with equality and the sign of w_j when w_j != 0;
- FISTA (glassml.optim.minimize) after 1000 iterations on a well-conditioned problem: objective
  within 1e-10 relative of sklearn's optimum, coefficients within 1e-6 relative to max |coef|
  (stated honestly: first-order methods reach the optimum's value long before its argument).
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model as sk
from parity import assert_close, assert_same_estimator
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning

from glassml.linear import ElasticNet, Lasso, enet_path, lasso_path


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def regression():
    return make_regression(150, 40, n_informative=10, noise=5.0, random_state=0)


def _assert_same(mine, theirs):
    scale = np.abs(theirs.coef_).max()
    assert_same_estimator(
        mine,
        theirs,
        None,
        attributes=("coef_", "intercept_"),
        methods=(),
        rtol=1e-6,
        atol=1e-6 * scale,
    )


def _pair(name, **params):
    options = {"tol": 1e-10, "max_iter": 100_000, **params}
    mine = {"Lasso": Lasso, "ElasticNet": ElasticNet}[name](**options)
    return mine, getattr(sk, name)(**options)


def _objective(X, y, coef, intercept, alpha, rho):
    residual = y - X @ coef - intercept
    return (
        0.5 * np.mean(residual**2)
        + alpha * rho * np.abs(coef).sum()
        + 0.5 * alpha * (1 - rho) * coef @ coef
    )


@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
@pytest.mark.parametrize(("name", "params"), [("Lasso", {}), ("ElasticNet", {"l1_ratio": 0.3})])
def test_matches_sklearn_on_diabetes(diabetes, alpha, name, params):
    X, y = diabetes
    mine, theirs = _pair(name, alpha=alpha, **params)
    _assert_same(mine.fit(X, y), theirs.fit(X, y))


@pytest.mark.parametrize(
    "params",
    [{"fit_intercept": False}, {"positive": True}, {"l1_ratio": 0.0}, {"l1_ratio": 0.9}],
)
def test_matches_sklearn_options(regression, params):
    X, y = regression
    mine, theirs = _pair("ElasticNet", alpha=0.5, **params)
    _assert_same(mine.fit(X, y), theirs.fit(X, y))


def test_sample_weight_and_several_targets(regression):
    X, y = regression
    Y = np.column_stack([y, -0.5 * y + X[:, 0]])
    weights = np.random.default_rng(0).uniform(0.2, 3.0, X.shape[0])
    mine, theirs = _pair("Lasso", alpha=0.3)
    _assert_same(mine.fit(X, Y, sample_weight=weights), theirs.fit(X, Y, sample_weight=weights))
    assert mine.n_iter_.shape == (2,)


def test_optimality_conditions(regression):
    X, y = regression
    alpha, rho = 0.4, 0.7
    model = ElasticNet(alpha=alpha, l1_ratio=rho, tol=1e-12, max_iter=10_000).fit(X, y)
    residual = y - model.predict(X)
    smooth_gradient = X.T @ residual / X.shape[0] - alpha * (1 - rho) * model.coef_
    active = model.coef_ != 0
    assert active.sum() >= 5
    assert np.all(np.abs(smooth_gradient[~active]) <= alpha * rho * (1 + 1e-8))
    assert_close(
        smooth_gradient[active],
        alpha * rho * np.sign(model.coef_[active]),
        rtol=1e-7,
        what="KKT on the active set",
    )


def test_history_is_a_descent_and_gap_is_small(regression):
    X, y = regression
    model = Lasso(alpha=0.2, tol=1e-10).fit(X, y)
    loss = model.history_["loss"]
    assert loss.ndim == 1 and loss.shape[0] == model.n_iter_
    assert np.all(np.diff(loss) <= 1e-12 * loss[0])  # exact coordinate minimisation never ascends
    optimum = _objective(X, y, model.coef_, model.intercept_, 0.2, 1.0)
    assert_close(loss[-1], optimum, rtol=1e-12, what="last loss vs objective")
    assert 0 <= model.dual_gap_ <= 1e-10 * np.sum((y - y.mean()) ** 2) / len(y)


def test_warm_start_reuses_the_solution(regression):
    X, y = regression
    model = Lasso(alpha=0.2, tol=1e-10, warm_start=True).fit(X, y)
    cold_iterations = model.n_iter_
    coef = model.coef_.copy()
    model.fit(X, y)
    assert model.n_iter_ < cold_iterations
    assert_close(model.coef_, coef, rtol=1e-6, atol=1e-8, what="warm-started coef_")


def test_lasso_path_matches_sklearn(diabetes):
    X, y = diabetes
    X, y = X - X.mean(axis=0), y - y.mean()
    alphas, coefs, gaps = lasso_path(X, y, n_alphas=15, tol=1e-10)
    their_alphas, their_coefs, _ = sk.lasso_path(X, y, alphas=15, tol=1e-10)
    assert_close(alphas, their_alphas, rtol=1e-12, what="alpha grid")
    scale = np.abs(their_coefs).max()
    assert_close(coefs, their_coefs, rtol=1e-6, atol=1e-6 * scale, what="path coefs")
    assert np.all(coefs[:, 0] == 0)  # alpha_max zeroes every coefficient
    # Each reported duality gap is the primal-dual gap of the returned coefficients, computed
    # here from its definition, and within the stopping tolerance (tol * ||y||^2 / n).
    n_samples = X.shape[0]
    for position, (alpha, coef) in enumerate(zip(alphas, coefs.T, strict=True)):
        residual = y - X @ coef
        primal = 0.5 * residual @ residual / n_samples + alpha * np.abs(coef).sum()
        scale = min(1.0, alpha * n_samples / np.abs(X.T @ residual).max())  # dual feasible
        dual_point = scale * residual / n_samples
        dual = 0.5 * (y @ y - np.sum((y - n_samples * dual_point) ** 2)) / n_samples
        # primal and dual are ~1e3 here: their difference carries ~1e-13 relative rounding
        rounding = 1e-13 * abs(primal)
        assert_close(gaps[position], primal - dual, rtol=1e-8, atol=rounding, what="dual gap")
    assert np.all((gaps >= 0) & (gaps <= 1e-10 * y @ y / n_samples))


def test_enet_path_matches_sklearn(diabetes):
    X, y = diabetes
    X, y = X - X.mean(axis=0), y - y.mean()
    grid = np.array([1.0, 0.1, 0.01])
    _, coefs, _ = enet_path(X, y, l1_ratio=0.5, alphas=grid, tol=1e-10)
    _, their_coefs, _ = sk.enet_path(X, y, l1_ratio=0.5, alphas=grid, tol=1e-10)
    scale = np.abs(their_coefs).max()
    assert_close(coefs, their_coefs, rtol=1e-6, atol=1e-6 * scale, what="path coefs")


@pytest.mark.parametrize(("name", "params"), [("Lasso", {}), ("ElasticNet", {"l1_ratio": 0.5})])
def test_fista_reaches_the_same_optimum(regression, name, params):
    X, y = regression
    alpha = 0.5
    mine = {"Lasso": Lasso, "ElasticNet": ElasticNet}[name](
        alpha=alpha, solver="fista", tol=1e-12, max_iter=1000, **params
    ).fit(X, y)
    theirs = getattr(sk, name)(alpha=alpha, tol=1e-12, max_iter=100_000, **params).fit(X, y)
    rho = params.get("l1_ratio", 1.0)
    optimum = _objective(X, y, theirs.coef_, theirs.intercept_, alpha, rho)
    reached = _objective(X, y, mine.coef_, mine.intercept_, alpha, rho)
    assert abs(reached - optimum) <= 1e-10 * optimum
    scale = np.abs(theirs.coef_).max()
    assert_close(mine.coef_, theirs.coef_, rtol=0, atol=1e-6 * scale, what="FISTA coef_")
    assert mine.history_["loss"].ndim == 1


def test_non_convergence_warns(regression):
    X, y = regression
    with pytest.warns(ConvergenceWarning, match="duality gap"):
        Lasso(alpha=0.01, tol=1e-14, max_iter=2).fit(X, y)


@pytest.mark.parametrize(
    ("estimator", "argument"),
    [
        (Lasso(alpha=-1.0), "alpha"),
        (ElasticNet(l1_ratio=1.5), "l1_ratio"),
        (Lasso(solver="newton"), "solver"),
        (Lasso(max_iter=0), "max_iter"),
        (Lasso(solver="fista", positive=True), "positive"),
    ],
)
def test_bad_parameters_name_the_argument(regression, estimator, argument):
    X, y = regression
    with pytest.raises(ValueError, match=argument):
        estimator.fit(X, y)


def test_bad_input_names_the_argument(regression):
    X, y = regression
    with pytest.raises(ValueError, match=r"^y:.*inf"):
        Lasso().fit(X, np.where(np.arange(len(y)) == 3, np.inf, y))
    with pytest.raises(ValueError, match=r"^X:"):
        Lasso().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match=r"^X:"):
        lasso_path(np.full((3, 2), np.nan), np.ones(3))
    with pytest.raises(ValueError, match=r"^y:"):
        enet_path(X, y[:-1])


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"n_alphas": 0}, "n_alphas"),
        ({"eps": 0.0}, "eps"),
        ({"alphas": [-1.0]}, "alphas"),
        ({"alphas": []}, "alphas"),
        ({"l1_ratio": 0.0}, "l1_ratio"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
    ],
)
def test_enet_path_bad_options_name_the_argument(regression, options, argument):
    X, y = regression
    with pytest.raises(ValueError, match=rf"^{argument}:"):
        enet_path(X, y, **options)
