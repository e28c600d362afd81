"""``minimize`` with every method against SciPy's minimiser.

Reference: ``scipy.optimize.minimize`` (trust-ncg with the exact Hessian, gtol 1e-12; L-BFGS-B
for Rosenbrock) on an ill-conditioned quadratic (condition number 1e3), Rosenbrock and an
L2-regularised logistic loss (see ``_problems.py``).

Tolerance: deterministic methods reach the reference minimiser to 1e-6 relative
(``max|x - x*| <= 1e-6 max|x*|``), run with a gradient tolerance that implies it through
``||x - x*|| <= ||g|| / lambda_min``. Adaptive (stochastic-gradient) methods: the stated
tolerance after the stated budget with a cosine schedule, in ``STOCHASTIC`` below.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from optim._problems import PROBLEMS, logistic_data, make_logistic, scipy_minimiser
from parity import assert_close, check_grad

from glassml.optim import (
    LBFGS,
    Adam,
    AdamW,
    CoordinateDescent,
    CosineLR,
    GradientDescent,
    Newton,
    OptimizeResult,
    minimize,
)


def _tolerance_for(name: str) -> float:
    """A gradient tolerance guaranteeing ``max|x - x*| <= 0.2e-6 max|x*|`` near x*."""
    problem, x_star = PROBLEMS[name], scipy_minimiser(name)
    return 0.2e-6 * np.max(np.abs(x_star)) * problem.min_eigenvalue / np.sqrt(x_star.size)


def _assert_reaches_minimiser(result: OptimizeResult, name: str, rtol: float = 1e-6) -> None:
    x_star = scipy_minimiser(name)
    assert_close(result.x, x_star, rtol=0, atol=rtol * np.max(np.abs(x_star)), what=name)


# (method, options) per problem: step sizes a practitioner would pick from L of each problem.
DETERMINISTIC = {
    "quadratic": [
        ("gd", {"lr": 2 / (1000 + 1)}),  # 2 / (L + mu), the optimal fixed step on a quadratic
        ("momentum", {"lr": 1e-3}),
        ("nesterov", {"lr": 1e-3}),
        ("newton", {}),
        ("lbfgs", {}),
        ("cd", {}),
        ("ista", {}),
        ("fista", {}),
    ],
    "rosenbrock": [
        ("gd", {"lr": 1.0, "line_search": "armijo"}),
        ("momentum", {"lr": 1e-3}),
        ("nesterov", {"lr": 1e-3}),
        ("newton", {}),
        ("lbfgs", {}),
        ("cd", {}),
        ("ista", {}),
        ("fista", {}),
    ],
    "logistic": [
        ("gd", {"lr": 1.0, "line_search": "armijo"}),
        ("gd", {"lr": 1.0}),
        ("momentum", {"lr": 0.5}),
        ("nesterov", {"lr": 0.5}),
        ("newton", {}),
        ("lbfgs", {}),
        ("cd", {}),
        ("ista", {}),
        ("fista", {}),
    ],
}


@pytest.mark.parametrize(
    ("name", "method", "options"),
    [(name, method, options) for name, runs in DETERMINISTIC.items() for method, options in runs],
)
def test_method_reaches_scipy_minimiser(name, method, options):
    problem = PROBLEMS[name]
    hess = problem.hess if method == "newton" else None
    result = minimize(
        problem.fun,
        problem.x0,
        method=method,
        jac=True,
        hess=hess,
        tol=_tolerance_for(name),
        max_iter=100_000,
        **options,
    )
    assert result.success, result.message
    _assert_reaches_minimiser(result, name)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_newton_cg_hessian_free_with_hessp(name):
    problem = PROBLEMS[name]

    def hessp(x, v):
        return problem.hess(x) @ v

    result = minimize(
        problem.fun, problem.x0, method="newton", jac=True, hessp=hessp, tol=_tolerance_for(name)
    )
    assert result.success, result.message
    _assert_reaches_minimiser(result, name)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_coordinate_descent_with_hessian_diagonal(name):
    problem = PROBLEMS[name]
    result = minimize(
        problem.fun,
        problem.x0,
        method="cd",
        jac=True,
        hess=problem.hess,
        tol=_tolerance_for(name),
        max_iter=100_000,
    )
    assert result.success, result.message
    _assert_reaches_minimiser(result, name)


def test_coordinate_descent_with_hessian_is_gauss_seidel_on_a_quadratic():
    # One sweep with the exact diagonal minimises along each coordinate in turn:
    # x_i = (b_i - sum_{j != i} A_ij x_j) / A_ii, the Gauss-Seidel iteration.
    rng = np.random.default_rng(3)
    M = rng.standard_normal((4, 4))
    A, b = M @ M.T + 4 * np.eye(4), rng.standard_normal(4)
    result = minimize(
        lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b),
        np.zeros(4),
        method="cd",
        jac=True,
        hess=lambda x: A,
        max_iter=1,
    )
    x = np.zeros(4)
    for i in range(4):
        x[i] = (b[i] - A[i] @ x + A[i, i] * x[i]) / A[i, i]
    assert_close(result.x, x, rtol=1e-12, atol=1e-14, what="one Gauss-Seidel sweep")


# Adaptive methods: (class, lr, budget, tolerance relative to max|x*|) per problem.
STOCHASTIC = [
    ("quadratic", Adam, 0.05, 10_000, 1e-6),
    ("rosenbrock", Adam, 0.05, 10_000, 1e-6),
    ("logistic", Adam, 0.05, 3_000, 1e-6),
    ("quadratic", AdamW, 0.05, 10_000, 1e-6),
    ("rosenbrock", AdamW, 0.05, 10_000, 1e-6),
    ("logistic", AdamW, 0.05, 3_000, 1e-6),
    ("quadratic", "rmsprop", 0.01, 10_000, 1e-6),
    ("rosenbrock", "rmsprop", 0.003, 10_000, 1e-4),
    ("logistic", "rmsprop", 0.003, 3_000, 1e-6),
    ("quadratic", "adagrad", 0.5, 10_000, 1e-5),
    ("rosenbrock", "adagrad", 1.0, 10_000, 3e-2),
    ("logistic", "adagrad", 0.5, 3_000, 1e-6),
]


@pytest.mark.parametrize(("name", "method", "lr", "budget", "rtol"), STOCHASTIC)
def test_adaptive_method_within_stated_tolerance_after_budget(name, method, lr, budget, rtol):
    problem = PROBLEMS[name]
    schedule = CosineLR(lr, budget)
    if method is AdamW:
        optimizer = AdamW(lr=schedule, weight_decay=0.0)  # decay would move the minimiser
    elif isinstance(method, type):
        optimizer = method(lr=schedule)
    else:
        optimizer = method
    options = {"lr": schedule} if isinstance(method, str) else {}
    result = minimize(
        problem.fun,
        problem.x0,
        method=optimizer,
        jac=True,
        tol=1e-12,
        max_iter=budget,
        **options,
    )
    assert result.nit <= budget
    _assert_reaches_minimiser(result, name, rtol=rtol)


def test_newton_converges_quadratically_on_logistic_loss():
    # Quadratic convergence: e_{k+1} ~ C e_k^2 with e_k = ||g_k||, so the ratios
    # e_{k+1} / e_k^2 settle to a constant and the order estimate
    # log(e_{k+1} / e_k) / log(e_k / e_{k-1}) approaches 2 (it is 1 for linear convergence).
    X, y = logistic_data(n_samples=400, n_features=8, seed=5)
    fun, hess = make_logistic(X, y, lam=1e-3)
    for hessian in ({"hess": hess}, {"hessp": lambda w, v: hess(w) @ v}):
        result = minimize(fun, np.zeros(8), method="newton", jac=True, tol=1e-13, **hessian)
        assert result.success, result.message
        norms = result.history["grad_norm"]
        errors = norms[(norms > 1e-12) & (norms < 1e-1)]  # in the basin, above rounding
        assert errors.size >= 4, norms
        quadratic_ratios = errors[1:] / errors[:-1] ** 2
        assert np.ptp(np.log(quadratic_ratios[-3:])) < np.log(1.5), (norms, quadratic_ratios)
        order = np.log(errors[2:] / errors[1:-1]) / np.log(errors[1:-1] / errors[:-2])
        assert order[-1] > 1.8, (norms, order)
        assert norms[-1] < 1e-13


def test_lbfgs_uses_about_one_evaluation_per_iteration():
    problem = PROBLEMS["logistic"]
    result = minimize(problem.fun, problem.x0, method="lbfgs", jac=True, tol=1e-10)
    assert result.success
    assert result.nfev <= result.nit + 3, (result.nfev, result.nit)


def test_lbfgs_two_loop_equals_the_explicit_inverse_hessian_update():
    # Nocedal & Wright (7.19): H_{k+1} = (I - rho s y^T) H_k (I - rho y s^T) + rho s s^T from
    # H_0 = gamma I over the stored pairs, oldest first, as an explicit matrix. The optimiser
    # has seen more pairs than its memory, so the ring buffer has wrapped around.
    problem = PROBLEMS["quadratic"]
    optimizer = LBFGS(memory=3)
    minimize(problem.fun, problem.x0, method=optimizer, jac=True, max_iter=7)
    n_pairs, memory = optimizer._n_pairs, optimizer.memory
    assert n_pairs == memory
    oldest_first = [(optimizer._newest - k) % memory for k in range(n_pairs)][::-1]
    pairs = [(optimizer._S[i], optimizer._Y[i]) for i in oldest_first]
    s_new, y_new = pairs[-1]
    H = (s_new @ y_new) / (y_new @ y_new) * np.eye(s_new.size)
    for s, y in pairs:
        rho = 1.0 / (y @ s)
        left = np.eye(s.size) - rho * np.outer(s, y)
        H = left @ H @ left.T + rho * np.outer(s, s)
    g = np.random.default_rng(0).standard_normal(s_new.size)
    assert_close(optimizer._two_loop(g), H @ g, rtol=1e-10, atol=1e-14, what="H_k g")


def test_lbfgs_matches_scipy_lbfgsb_iterates_count_on_logistic():
    problem = PROBLEMS["logistic"]
    ours = minimize(problem.fun, problem.x0, method="lbfgs", jac=True, tol=1e-8)
    theirs = scipy.optimize.minimize(
        problem.fun,
        problem.x0,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-8, "ftol": 0.0},
    )
    assert_close(ours.fun, theirs.fun, rtol=1e-12, what="final loss")
    assert ours.nit <= theirs.nit + 3


def test_history_records_loss_and_gradient_norm_per_iterate():
    problem = PROBLEMS["logistic"]
    seen = []
    result = minimize(problem.fun, problem.x0, method="gd", jac=True, lr=1.0, callback=seen.append)
    assert set(result.history) >= {"loss", "grad_norm"}
    assert result.history["loss"].shape == (result.nit + 1,)
    assert result.history["grad_norm"].shape == (result.nit + 1,)
    value, grad = problem.fun(problem.x0)
    assert result.history["loss"][0] == value
    assert result.history["grad_norm"][0] == np.max(np.abs(grad))
    assert result.history["grad_norm"][-1] <= 1e-6 < result.history["grad_norm"][-2]
    assert result.fun == result.history["loss"][-1] == problem.fun(result.x)[0]
    assert len(seen) == result.nit


def test_gradient_descent_with_fixed_step_is_x_minus_lr_g():
    problem = PROBLEMS["logistic"]
    result = minimize(problem.fun, problem.x0, method="gd", jac=True, lr=0.3, max_iter=2)
    x = problem.x0.copy()
    for _ in range(2):
        x = x - 0.3 * problem.fun(x)[1]
    assert_close(result.x, x, rtol=1e-14, atol=1e-16, what="two GD steps")
    assert not result.success and "max_iter" in result.message


def test_jac_callable_and_x0_shape_kept():
    A = np.diag([1.0, 2.0, 3.0, 4.0])

    def fun(x):
        assert x.shape == (2, 2)
        return 0.5 * x.ravel() @ A @ x.ravel() - x.sum()

    def jac(x):
        return (A @ x.ravel() - 1).reshape(2, 2)

    result = minimize(fun, np.ones((2, 2)), method="lbfgs", jac=jac, tol=1e-10)
    assert result.x.shape == (2, 2)
    assert_close(result.x.ravel(), 1 / np.diag(A), rtol=1e-9, what="diagonal quadratic")


def test_optimizer_instance_is_reset_and_reusable():
    problem = PROBLEMS["logistic"]
    optimizer = LBFGS(memory=5)
    first = minimize(problem.fun, problem.x0, method=optimizer, jac=True)
    second = minimize(problem.fun, problem.x0, method=optimizer, jac=True)
    assert first.nit == second.nit
    assert_close(first.x, second.x, rtol=0, atol=0, what="same run twice")
    for instance in (Newton(hessian=problem.hess), CoordinateDescent(), GradientDescent(lr=1.0)):
        result = minimize(problem.fun, problem.x0, method=instance, jac=True, max_iter=10_000)
        _assert_reaches_minimiser(result, "logistic", rtol=1e-5)


def test_divergence_is_reported_not_raised():
    problem = PROBLEMS["quadratic"]
    with np.errstate(over="ignore", invalid="ignore"):
        result = minimize(problem.fun, problem.x0, method="gd", jac=True, lr=1.0, max_iter=2000)
    assert not result.success
    assert "non-finite" in result.message


def test_callback_returning_true_stops():
    problem = PROBLEMS["rosenbrock"]
    result = minimize(problem.fun, problem.x0, method="lbfgs", jac=True, callback=lambda x: True)
    assert result.nit == 1 and result.message == "stopped by callback"


# --- bad input: ValueError naming the argument -------------------------------------------


@pytest.mark.parametrize("bad", [np.array([np.nan, 1.0]), np.array([1.0, np.inf]), np.array([])])
def test_non_finite_or_empty_x0_raises(bad):
    with pytest.raises(ValueError, match="x0"):
        minimize(PROBLEMS["rosenbrock"].fun, bad, method="lbfgs", jac=True)


def test_gradient_of_wrong_shape_raises():
    with pytest.raises(ValueError, match="jac"):
        minimize(lambda x: (float(x @ x), np.zeros(3)), np.ones(2), method="gd", jac=True)
    with pytest.raises(ValueError, match="jac"):
        minimize(lambda x: float(x @ x), np.ones(2), jac=lambda x: np.zeros((2, 1)))


def test_unknown_method_and_options_raise():
    fun = PROBLEMS["rosenbrock"].fun
    with pytest.raises(ValueError, match="method"):
        minimize(fun, np.ones(2), method="bfgs-b", jac=True)
    with pytest.raises(ValueError, match="options"):
        minimize(fun, np.ones(2), method="adam", jac=True, memory=3)
    with pytest.raises(ValueError, match="options"):
        minimize(fun, np.ones(2), method=LBFGS(), jac=True, memory=3)
    with pytest.raises(ValueError, match="l1"):
        minimize(fun, np.ones(2), method="lbfgs", jac=True, l1=0.1)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"tol": -1.0}, "tol"),
        ({"max_iter": -1}, "max_iter"),
        ({"callback": 3}, "callback"),
        ({"max_iter": 1.5}, "max_iter"),
        ({"tol": float("nan")}, "tol"),
        ({"method": "newton", "hessp": 3}, "hessp"),
        ({"jac": "yes"}, "jac"),
        ({"hess": np.eye(2)}, "hess"),
        ({"method": "gd", "lr": -0.1}, "lr"),
        ({"method": "adam", "beta1": 1.0}, "beta1"),
        ({"method": "lbfgs", "memory": 0}, "memory"),
        ({"method": "ista", "l1": -1.0}, "l1"),
        ({"method": "gd", "line_search": "wolfe"}, "line_search"),
    ],
)
def test_bad_arguments_raise_naming_them(kwargs, argument):
    kwargs = {"jac": True, **kwargs}
    with pytest.raises(ValueError, match=argument):
        minimize(PROBLEMS["rosenbrock"].fun, np.ones(2), **kwargs)


def test_non_finite_objective_at_x0_raises():
    with pytest.raises(ValueError, match="x0"):
        minimize(lambda x: (np.nan, np.zeros(2)), np.ones(2), jac=True)
    with pytest.raises(ValueError, match="x0"):
        minimize(lambda x: (1.0, np.array([np.nan, 0.0])), np.ones(2), jac=True)
    with pytest.raises(ValueError, match=r"^fun:"):
        minimize(3, np.ones(2), jac=True)


def test_newton_without_any_hessian_needs_autodiff():
    with pytest.raises(ValueError, match="hessp"):
        minimize(PROBLEMS["rosenbrock"].fun, np.ones(2) * 0.5, method="newton", jac=True)


def test_problem_gradients_pass_finite_difference_check():
    for problem in PROBLEMS.values():
        x = problem.x0 + 0.3
        check_grad(lambda z, p=problem: p.fun(z)[0], x, jac=lambda z, p=problem: p.fun(z)[1])
        check_grad(lambda z, p=problem: p.fun(z)[1], x, jac=problem.hess)
    assert_close(
        PROBLEMS["rosenbrock"].fun(np.array([0.3, -0.7]))[1],
        scipy.optimize.rosen_der(np.array([0.3, -0.7])),
        rtol=1e-14,
        what="rosen_der",
    )


# ------------------------------------------------------------------- box-constrained L-BFGS


@pytest.mark.parametrize("name", ["quadratic", "rosenbrock", "logistic"])
def test_bounded_lbfgs_reaches_scipy_lbfgsb_minimiser_on_and_off_the_bounds(name):
    """A box that cuts off the unconstrained minimiser in some coordinates (the solution sits on
    those bounds) and leaves others free: same minimiser as SciPy's L-BFGS-B to 1e-7."""
    problem = PROBLEMS[name]
    x_star = scipy_minimiser(name)
    width = np.maximum(np.abs(x_star), 0.1)
    low = np.where(np.arange(x_star.size) % 2 == 0, x_star + 0.3 * width, x_star - 5 * width)
    high = low + 10 * width
    x0 = np.clip(problem.x0, low, high)
    bounds = np.column_stack([low, high])
    ours = minimize(problem.fun, x0, method=LBFGS(bounds=bounds), jac=True, tol=1e-10)
    theirs = scipy.optimize.minimize(
        problem.fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"gtol": 1e-12, "ftol": 0.0, "maxiter": 10_000},
    )  # fmt: skip
    assert ours.success, ours.message
    assert np.all(ours.x >= low) and np.all(ours.x <= high)
    on_bound = np.isclose(theirs.x, low, rtol=0, atol=1e-9)
    assert on_bound.any()
    assert np.array_equal(ours.x[on_bound], low[on_bound])  # exactly on the bound
    assert_close(ours.x, theirs.x, rtol=0, atol=1e-7 * np.max(np.abs(theirs.x)), what=name)
    assert ours.fun <= theirs.fun + 1e-12 * abs(theirs.fun)
    assert ours.nit <= 2 * theirs.nit + 5


def test_bounded_lbfgs_without_active_bounds_is_plain_lbfgs():
    problem = PROBLEMS["logistic"]
    plain = minimize(problem.fun, problem.x0, method="lbfgs", jac=True, tol=1e-8)
    box = np.column_stack([np.full(problem.x0.size, -np.inf), np.full(problem.x0.size, np.inf)])
    boxed = minimize(problem.fun, problem.x0, method=LBFGS(bounds=box), jac=True, tol=1e-8)
    assert boxed.nit == plain.nit
    assert_close(boxed.x, plain.x, rtol=0, atol=0, what="same iterates")


@pytest.mark.parametrize(
    "bounds, x0, match",
    [
        ([[0.0, 1.0], [2.0, 1.0]], [0.5, 1.5], "^bounds:"),
        ([[0.0, np.nan], [0.0, 1.0]], [0.5, 0.5], "^bounds:"),
        ([0.0, 1.0, 2.0], [0.5, 0.5], "^bounds:"),
        ([[0.0, 1.0]], [0.5, 0.5], "^bounds:"),
        ([[0.0, 1.0], [0.0, 1.0]], [0.5, 1.5], "^x0:"),
    ],
)
def test_bounded_lbfgs_refuses_bad_boxes_by_name(bounds, x0, match):
    def fun(x):
        return float(x @ x), 2 * x

    with pytest.raises(ValueError, match=match):
        minimize(fun, np.array(x0), method="lbfgs", jac=True, bounds=bounds)


def test_lbfgs_repr_names_every_setting_so_different_optimizers_print_differently():
    plain, patient = LBFGS(), LBFGS(max_line_search=5)
    assert repr(plain) == "LBFGS(memory=10, c1=0.0001, c2=0.9, max_line_search=30)"
    assert repr(patient) != repr(plain) and "max_line_search=5" in repr(patient)
    assert repr(LBFGS(bounds=[(0, 1), (0, 1)])).endswith("bounds=<2 pairs>)")
