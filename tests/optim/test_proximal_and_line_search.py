"""Proximal methods with an L1 term against scikit-learn's Lasso; line-search conditions.

Reference: ``sklearn.linear_model.Lasso(fit_intercept=False, tol=1e-12)``, whose objective
``1/(2n) ||y - X w||^2 + alpha ||w||_1`` ISTA/FISTA minimise with ``l1=alpha``; tolerance 1e-6
relative on the coefficients, and exact zeros in the same places. Line searches: the returned
steps satisfy the Armijo / strong Wolfe inequalities they promise, checked directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from sklearn.linear_model import Lasso

from glassml.optim import armijo_backtracking, minimize, soft_threshold, strong_wolfe


def _lasso_problem():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((120, 12))
    w_true = np.where(np.arange(12) < 4, rng.standard_normal(12) * 2, 0.0)
    y = X @ w_true + 0.3 * rng.standard_normal(120)

    def fun(w):
        residual = X @ w - y
        return 0.5 * residual @ residual / len(y), X.T @ residual / len(y)

    return X, y, fun


@pytest.mark.parametrize("method", ["ista", "fista"])
def test_l1_prox_matches_sklearn_lasso(method):
    X, y, fun = _lasso_problem()
    alpha = 0.15
    result = minimize(fun, np.zeros(12), method=method, jac=True, l1=alpha, tol=1e-10)
    assert result.success, result.message
    reference = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    coef = reference.coef_
    assert_close(result.x, coef, rtol=0, atol=1e-6 * np.max(np.abs(coef)), what="coefficients")
    assert np.array_equal(result.x == 0, coef == 0)
    assert 0 < np.count_nonzero(coef) < 12  # the L1 term is active
    objective = fun(coef)[0] + alpha * np.abs(coef).sum()
    assert_close(result.fun, objective, rtol=1e-10, what="objective")


def test_fista_restart_converges_on_an_ill_conditioned_lasso():
    # Diabetes features are strongly correlated (condition number ~ 1e2 on the Gram matrix's
    # square root); momentum without restart ripples and is still 1e-6 off after 1,000 steps.
    from sklearn.datasets import load_diabetes

    from glassml.optim import FISTA

    X, y = load_diabetes(return_X_y=True)
    X, y = X - X.mean(axis=0), y - y.mean()
    alpha = 0.05

    def fun(w):
        residual = X @ w - y
        return 0.5 * residual @ residual / len(y), X.T @ residual / len(y)

    coef = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y).coef_
    best = fun(coef)[0] + alpha * np.abs(coef).sum()
    runs = {
        restart: minimize(
            fun, np.zeros(X.shape[1]), method=FISTA(l1=alpha, restart=restart), jac=True,
            tol=1e-14, max_iter=1000,
        )
        for restart in (False, True)
    }  # fmt: skip
    assert_close(runs[True].fun, best, rtol=1e-12, what="objective with restart")
    assert_close(runs[True].x, coef, rtol=0, atol=1e-6 * np.max(np.abs(coef)))
    assert (runs[False].fun - best) / best > 1e-9  # the plain scheme is measurably behind


def test_per_coordinate_l1_leaves_zero_weight_coordinates_unpenalised():
    # sum_j l1_j |w_j| with l1 = 0 on the last column is sklearn's Lasso on the other columns
    # plus an unpenalised coefficient: append a column of ones and compare with fit_intercept.
    from glassml.optim import FISTA

    X, y, _ = _lasso_problem()
    y = y + 3.0
    design = np.column_stack([X, np.ones(len(y))])

    def fun(w):
        residual = design @ w - y
        return 0.5 * residual @ residual / len(y), design.T @ residual / len(y)

    alpha = 0.15
    weights = np.append(np.full(X.shape[1], alpha), 0.0)
    result = minimize(fun, np.zeros(13), method=FISTA(l1=weights), jac=True, tol=1e-10)
    reference = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    theirs = np.append(reference.coef_, reference.intercept_)
    assert_close(result.x, theirs, rtol=0, atol=1e-6 * np.max(np.abs(theirs)))
    with pytest.raises(ValueError, match="one weight per coordinate"):
        minimize(fun, np.zeros(13), method=FISTA(l1=weights[:5]), jac=True)
    with pytest.raises(ValueError, match="l1"):
        FISTA(l1=-weights)


def test_soft_threshold_is_the_l1_prox():
    # prox_t(v) = argmin_z t |z| + (z - v)^2 / 2, by brute force on a fine grid.
    grid = np.linspace(-3, 3, 600_001)
    for v in (-2.0, -0.3, 0.0, 0.2, 1.7):
        brute = grid[np.argmin(0.5 * np.abs(grid) + 0.5 * (grid - v) ** 2)]
        assert abs(soft_threshold(np.array([v]), 0.5)[0] - brute) < 1e-5


def _rosenbrock(x):
    a, b = x
    r = b - a * a
    return (1 - a) ** 2 + 100 * r * r, np.array([-2 * (1 - a) - 400 * a * r, 200 * r])


@pytest.mark.parametrize("initial_step", [1e-4, 1.0, 50.0])
def test_strong_wolfe_step_satisfies_both_conditions(initial_step):
    c1, c2 = 1e-4, 0.9
    rng = np.random.default_rng(4)
    for _ in range(20):
        x = rng.uniform(-2, 2, 2)
        value, grad = _rosenbrock(x)
        direction = -grad / np.linalg.norm(grad)
        step, new_value, new_grad = strong_wolfe(
            _rosenbrock, x, value, grad, direction, initial_step, c1, c2
        )
        assert new_value == _rosenbrock(x + step * direction)[0]
        assert new_value <= value + c1 * step * (grad @ direction)
        assert abs(new_grad @ direction) <= c2 * abs(grad @ direction)


def test_armijo_backtracking_returns_largest_sufficient_step():
    def phi(a):
        return (a - 1.0) ** 2  # phi(0) = 1, phi'(0) = -2

    step, value = armijo_backtracking(phi, 1.0, -2.0, initial_step=8.0, c1=0.1)
    assert step == 1.0 and value == 0.0  # 8, 4, 2 fail; 1 is the first to pass
    assert phi(2.0) > 1.0 + 0.1 * 2.0 * -2.0


def test_armijo_gradient_descent_stops_at_the_rounding_floor_where_more_steps_do_not_help():
    """f(x) = 1e6 + x^T A x / 2: the constant makes f's float resolution ulp(1e6) ~ 1.2e-10, so
    once ||g|| is near sqrt(2 L ulp) no Armijo step can show a decrease. The descent must stop
    there with its reason, long before max_iter, and 5,000 more Armijo steps from its point
    (the plain loop below, with no stopping rule) must never take the gradient 10x lower: the
    stop was at the floor of a loss-comparing search, not short of it."""
    from glassml.optim import GradientDescent, LineSearchError

    A = np.diag([1.0, 4.0, 10.0])

    def fun(x):
        return 1e6 + 0.5 * x @ A @ x, A @ x

    start = np.array([1.0, -2.0, 0.5])
    method = GradientDescent(lr=1.0, line_search="armijo")
    result = minimize(fun, start, method=method, jac=True, tol=1e-14, max_iter=100_000)
    assert not result.success and "float precision" in result.message, result.message
    assert result.nit < 2_000
    final = np.max(np.abs(A @ result.x))
    assert final < 10 * np.sqrt(2 * 10.0 * np.spacing(1e6)), final
    assert result.history["grad_norm"][-1] == final  # the recorded iterate is the result
    x, step, lowest = result.x.copy(), 1.0, final
    for _ in range(5_000):
        value, grad = fun(x)
        try:
            step, _ = armijo_backtracking(
                lambda a, x=x, grad=grad: fun(x - a * grad)[0],
                value,
                -float(grad @ grad),
                initial_step=min(1.0, 2 * step),
            )
        except LineSearchError:
            break
        x = x - step * grad
        lowest = min(lowest, np.max(np.abs(A @ x)))
    assert lowest > final / 10, (lowest, final)
