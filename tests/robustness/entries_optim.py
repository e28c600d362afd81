"""Robustness entries of glassml.optim (see framework.py).

The test problem is a separable quadratic ``f(x) = 1/2 sum(d (x - c)^2)`` written for any
shape of ``x`` (so the ``ndim`` family, a column vector for a vector, is the same problem).
Its minimiser ``c`` does not depend on the start: ``minimize`` from ``x0 * 1e-300`` must reach
the same point (a declared invariant); from ``x0 * 1e300`` the objective overflows and the
start is refused by name.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml import optim

D = np.array([1.0, 4.0, 9.0])
C = np.array([0.5, -1.0, 2.0])
X0 = np.array([2.0, 1.0, -1.0])


def quadratic(x):
    flat = np.asarray(x, dtype=np.float64).reshape(-1)
    if flat.size != D.size:
        raise ValueError(f"x0: the test objective takes {D.size} values, got {flat.size}")
    residual = flat - C
    return 0.5 * float(residual @ (D * residual)), (D * residual).reshape(np.shape(x))


def quadratic_hessian(x):
    return np.diag(D)


def _minimize(method, **options):
    def call(x0, tol, max_iter, **more):
        result = optim.minimize(
            quadratic,
            x0,
            method=method,
            jac=True,
            hess=quadratic_hessian if method in ("newton", "cd") else None,
            tol=tol,
            max_iter=max_iter,
            **options,
            **more,
        )
        return result.x, result.fun  # nit depends on the start; the minimum does not

    return call


SAME_MINIMISER = Scale(args=("x0",), check=invariant(rtol=1e-6, atol=1e-6), families=("tiny",))


def minimize_entry(method: str, tol: float, max_iter: int, extra: dict | None = None) -> Entry:
    extra = extra or {}
    return Entry(
        f"glassml.optim.minimize [{method}]",
        _minimize(method),
        {"x0": X0, "tol": tol, "max_iter": max_iter, **extra},
        arrays=("x0",),
        options={
            "tol": opt(-1.0),
            "max_iter": opt(-1),
            **{name: opt(-1.0, 0.0) for name in extra},
        },
        scale=(SAME_MINIMISER,),
    )


ENTRIES = [
    minimize_entry("lbfgs", 1e-10, 100),
    minimize_entry("newton", 1e-10, 50),
    minimize_entry("cd", 1e-10, 100),
    minimize_entry("gd", 1e-9, 2000, {"lr": 0.1}),
    minimize_entry("momentum", 1e-9, 2000, {"lr": 0.05}),
    minimize_entry("nesterov", 1e-9, 2000, {"lr": 0.05}),
    minimize_entry("ista", 1e-10, 2000, {"lr": 0.1}),
    minimize_entry("fista", 1e-10, 2000, {"lr": 0.1}),
    Entry(
        "glassml.optim.minimize [adam]",
        _minimize("adam"),
        {"x0": X0, "tol": 1e-6, "max_iter": 200, "lr": 0.05},
        arrays=("x0",),
        options={"tol": opt(-1.0), "max_iter": opt(-1), "lr": opt(0.0, -1.0)},
    ),
    Entry(
        "glassml.optim.minimize [method]",
        lambda x0, method: optim.minimize(quadratic, x0, method=method, jac=True).x,
        {"x0": X0, "method": "lbfgs"},
        arrays=("x0",),
        options={"method": opt("LBFGS-B", None)},
        scale=(SAME_MINIMISER,),
    ),
]


# ------------------------------------------------------------------ step optimisers
P0 = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
G0 = np.array([[0.5, -1.0, 2.0], [1.0, 0.1, -0.3]])


def step_entry(cls, valid: dict, bad: dict, name: str | None = None) -> Entry:
    """Construct, then three steps from ``params`` along ``grads``; judged: the parameters."""

    def call(params, grads, **options):
        return _steps(cls(**options), params, grads)

    return Entry(
        name or f"glassml.optim.{cls.__name__}",
        call,
        {"params": P0, "grads": G0, **valid},
        arrays=("params", "grads"),
        options={key: opt(*bad.get(key, ())) for key in valid},
        aliases={"params": ("grads",), "grads": ("params",)},
    )


ENTRIES += [
    step_entry(
        optim.GradientDescent, {"lr": 0.1, "c1": 1e-4}, {"lr": (0.0, -1.0), "c1": (0.0, 1.0)}
    ),
    Entry(
        "glassml.optim.GradientDescent [line_search]",
        lambda params, grads, line_search: _steps(
            optim.GradientDescent(lr=0.1, line_search=line_search), params, grads
        ),
        {"params": P0, "grads": G0, "line_search": None},
        arrays=("params", "grads"),
        options={"line_search": opt("wolfe", 3, True, auto=False)},
        aliases={"params": ("grads",), "grads": ("params",)},
    ),
    step_entry(optim.Momentum, {"lr": 0.1, "momentum": 0.9}, {"momentum": (1.0, -0.1)}),
    step_entry(optim.Nesterov, {"lr": 0.1, "momentum": 0.9}, {"momentum": (1.0, -0.1)}),
    step_entry(optim.Adagrad, {"lr": 0.1, "eps": 1e-10}, {"eps": (-1.0,)}),
    step_entry(optim.RMSprop, {"lr": 0.01, "rho": 0.9, "eps": 1e-8}, {"rho": (1.0,)}),
    step_entry(
        optim.Adam,
        {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        {"beta1": (1.0, -0.5), "beta2": (1.5,), "eps": (-1e-8,)},
    ),
    step_entry(
        optim.AdamW,
        {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
        {"weight_decay": (-0.1,)},
    ),
    step_entry(optim.Adam, {"lr": 0.01}, {"lr": (0.0,)}, name="glassml.optim.StepOptimizer.step"),
]


def _current_lr(lr, iteration):
    """The rate of a schedule ``lr * 0.5 ** t`` read at ``iteration`` through the optimiser."""
    optimizer = optim.GradientDescent(lr=optim.ExponentialLR(lr, 0.5))
    optimizer.iteration = iteration
    return optimizer.current_lr()


def _steps(optimizer, params, grads, closure=None, *, n_steps=3, gradient_at=None):
    """``n_steps`` steps; the parameters are copied first (the probes must not share arrays).
    ``gradient_at(params)`` is SAM's second gradient, read where SAM has moved them."""
    if isinstance(params, np.ndarray) and params.dtype.kind in "fiub":
        params = params.astype(np.float64)
    second = {} if gradient_at is None else {"gradient": lambda: [gradient_at(params)]}
    for _ in range(n_steps):
        optimizer.step([params], [grads], closure=closure, **second)
    return params


def _armijo_step(params, grads, lr):
    """One Armijo step on the quadratic; ``grads`` is its gradient at ``params``."""
    if isinstance(params, np.ndarray) and params.dtype.kind in "fiub":
        params = params.astype(np.float64)
    optimizer = optim.GradientDescent(lr=lr, line_search="armijo")
    optimizer.step([params], [grads], closure=lambda: quadratic(params)[0])
    return params


ENTRIES += [
    Entry(
        "glassml.optim.GradientDescent.step",
        _armijo_step,
        {"params": X0, "grads": quadratic(X0)[1], "lr": 1.0},
        arrays=("params", "grads"),
        options={"lr": opt(0.0, -1.0)},
        aliases={"params": ("x0", "grads", "closure"), "grads": ("params",)},
    ),
    Entry(
        "glassml.optim.StepOptimizer.current_lr",
        _current_lr,
        {"lr": 0.1, "iteration": 3},
        options={"lr": opt(0.0, -1.0), "iteration": opt(-1)},
    ),
    Entry(
        "glassml.optim.StepOptimizer",
        lambda lr: optim.StepOptimizer(lr).current_lr(),
        {"lr": 0.1},
        options={"lr": opt(0.0, -1.0)},
    ),
]


def _sam_on_quadratic(params, grads, rho):
    """One SAM step on the quadratic (``grads`` its gradient at ``params``); the second
    gradient is the quadratic's at w + e."""
    sam = optim.SAM(optim.GradientDescent(lr=0.1), rho=rho)
    return _steps(sam, params, grads, n_steps=1, gradient_at=lambda p: quadratic(p)[1])


def _asam_on_quadratic(params, grads, rho, eta):
    """One adaptive SAM (ASAM) step on the quadratic."""
    asam = optim.SAM(optim.GradientDescent(lr=0.1), rho=rho, adaptive=True, eta=eta)
    return _steps(asam, params, grads, n_steps=1, gradient_at=lambda p: quadratic(p)[1])


def _sam_steps(params, grads, lr):
    """Three SAM steps along fixed ``grads`` (the second gradient returns them too)."""
    return _steps(optim.SAM(optim.Adam(lr=lr)), params, grads, gradient_at=lambda p: grads)


ENTRIES += [
    Entry(
        "glassml.optim.SAM",
        _sam_on_quadratic,
        {"params": X0, "grads": quadratic(X0)[1], "rho": 0.05},
        arrays=("params", "grads"),
        options={"rho": opt(0.0, -1.0)},
        aliases={"params": ("x0", "grads"), "grads": ("params",)},
    ),
    Entry(
        "glassml.optim.SAM (adaptive)",
        _asam_on_quadratic,
        {"params": X0, "grads": quadratic(X0)[1], "rho": 0.5, "eta": 0.01},
        arrays=("params", "grads"),
        options={"rho": opt(0.0, -1.0), "eta": opt(-1.0)},
        aliases={"params": ("x0", "grads"), "grads": ("params",)},
    ),
    Entry(
        "glassml.optim.SAM.step",
        _sam_steps,
        {"params": P0, "grads": G0, "lr": 0.01},
        arrays=("params", "grads"),
        options={"lr": opt(0.0, -1.0)},
        aliases={"params": ("grads",), "grads": ("params",)},
    ),
    Entry(
        "glassml.optim.SAM.current_lr",
        lambda lr: optim.SAM(optim.Adam(lr=lr)).current_lr(),
        {"lr": 0.1},
        options={"lr": opt(0.0, -1.0)},
    ),
]


# ------------------------------------------------------------------ full-batch methods
def _solve(method):
    def call(x0, **options):
        result = optim.minimize(
            quadratic, x0, method=method(**options), jac=True, hess=quadratic_hessian, tol=1e-9
        )
        return result.x

    return call


ENTRIES += [
    Entry(
        "glassml.optim.Newton",
        _solve(optim.Newton),
        {"x0": X0, "c1": 1e-4},
        arrays=("x0",),
        options={"c1": opt(0.0, 1.0)},
        scale=(SAME_MINIMISER,),
    ),
    Entry(
        "glassml.optim.LBFGS",
        _solve(optim.LBFGS),
        {"x0": X0, "memory": 5, "c1": 1e-4, "c2": 0.9, "max_line_search": 30, "bounds": None},
        arrays=("x0",),
        options={
            "memory": opt(0, -2),
            "c1": opt(0.95),
            "c2": opt(1e-5, 1.0),
            "max_line_search": opt(0, -3),
            # one pair for three variables; low > high; NaN; not numbers
            "bounds": opt(
                [[0.0, 1.0]],
                [[1.0, 0.0], [-5.0, 5.0], [-5.0, 5.0]],
                [[np.nan, 5.0], [-5.0, 5.0], [-5.0, 5.0]],
                "box",
                auto=False,
            ),
        },
        scale=(SAME_MINIMISER,),
    ),
    Entry(
        "glassml.optim.CoordinateDescent",
        _solve(optim.CoordinateDescent),
        {"x0": X0, "c1": 1e-4},
        arrays=("x0",),
        options={"c1": opt(0.0, 1.0)},
        scale=(SAME_MINIMISER,),
    ),
    Entry(
        "glassml.optim.ISTA",
        _solve(optim.ISTA),
        {"x0": X0, "l1": 0.1, "L0": 1.0, "eta": 2.0},
        arrays=("x0",),
        options={"l1": opt(-0.1), "L0": opt(0.0, -1.0), "eta": opt(1.0, 0.5)},
        scale=(SAME_MINIMISER,),
    ),
    Entry(
        "glassml.optim.FISTA",
        _solve(optim.FISTA),
        {"x0": X0, "l1": 0.1, "lr": 0.1, "restart": True},
        arrays=("x0",),
        options={"l1": opt(-0.1), "lr": opt(0.0, -1.0)},
        scale=(SAME_MINIMISER,),
    ),
    Entry(
        "glassml.optim.ISTA [l1 per coordinate]",
        lambda x0, l1: optim.minimize(quadratic, x0, method=optim.ISTA(l1=l1), jac=True).x,
        {"x0": X0, "l1": np.array([0.1, 0.0, 0.2])},
        arrays=("l1",),
        aliases={"l1": ("x0",)},
        skip={
            "empty": "an empty weight vector is refused at start() as not one weight per "
            "coordinate; probed by length",
        },
    ),
]


# ------------------------------------------------------------------ line searches, prox
def _wolfe(x, grad, direction, value, initial_step, c1, c2, max_evals):
    step, new_value, new_grad = optim.strong_wolfe(
        quadratic, x, value, grad, direction, initial_step, c1, c2, max_evals
    )
    return step, new_value, new_grad


VALUE0, GRAD0 = quadratic(X0)

ENTRIES += [
    Entry(
        "glassml.optim.strong_wolfe",
        _wolfe,
        {
            "x": X0,
            "grad": GRAD0,
            "direction": -GRAD0,
            "value": VALUE0,
            "initial_step": 1.0,
            "c1": 1e-4,
            "c2": 0.9,
            "max_evals": 30,
        },
        arrays=("x", "grad", "direction"),
        options={
            "value": opt(),
            "initial_step": opt(0.0, -1.0),
            "c1": opt(0.0, 0.95),
            "c2": opt(1e-5, 1.0),
            "max_evals": opt(0, -1),
        },
        aliases={"x": ("grad", "direction", "x0"), "grad": ("direction",)},
        skip={
            "huge": "x, value and grad describe the objective at one point (the caller evaluated "
            "it there); scaling one alone poses an inconsistent problem. Scale is probed "
            "through minimize's lbfgs entry, whose objective computes them together",
            "tiny": "as for huge: value and grad would no longer be the objective's at x",
        },
    ),
    Entry(
        "glassml.optim.armijo_backtracking",
        lambda phi0, slope, initial_step, c1, shrink, max_steps: optim.armijo_backtracking(
            lambda a: (a - 1.0) ** 2 + phi0 - 1.0, phi0, slope, initial_step, c1, shrink, max_steps
        ),
        {
            "phi0": 1.0,
            "slope": -2.0,
            "initial_step": 8.0,
            "c1": 0.1,
            "shrink": 0.5,
            "max_steps": 60,
        },
        options={
            "phi0": opt(),
            "slope": opt(0.0, 2.0),
            "initial_step": opt(0.0, -1.0),
            "c1": opt(0.0, 1.0),
            "shrink": opt(0.0, 1.0),
            "max_steps": opt(0, -1),
        },
    ),
    Entry(
        "glassml.optim.soft_threshold",
        lambda v, threshold: optim.soft_threshold(v, threshold),
        {"v": np.array([-2.0, -0.3, 0.0, 0.2, 1.7, 4.0]), "threshold": 0.5},
        arrays=("v",),
        options={"threshold": opt(-0.5)},
        # prox_{s t}(s v) = s prox_t(v): the threshold scales with the data.
        scale=(Scale(args=("v", "threshold"), check=equivariant()),),
        skip={"empty": "an empty array has an empty proximal map, as in NumPy (not bad input)"},
    ),
]


# ------------------------------------------------------------------ schedules
ENTRIES += [
    Entry(
        "glassml.optim.StepLR",
        lambda lr, step_size, gamma, iteration: optim.StepLR(lr, step_size, gamma)(iteration),
        {"lr": 0.1, "step_size": 3, "gamma": 0.5, "iteration": 7},
        options={
            "lr": opt(0.0, -1.0),
            "step_size": opt(0, -1),
            "gamma": opt(0.0, -0.5),
            "iteration": opt(-1),
        },
    ),
    Entry(
        "glassml.optim.ExponentialLR",
        lambda lr, gamma, iteration: optim.ExponentialLR(lr, gamma)(iteration),
        {"lr": 0.1, "gamma": 0.9, "iteration": 5},
        options={"lr": opt(0.0, -1.0), "gamma": opt(0.0, -0.5), "iteration": opt(-1)},
    ),
    Entry(
        "glassml.optim.ExponentialLR [growth]",
        lambda gamma, iteration: optim.ExponentialLR(1.0, gamma)(iteration),
        {"gamma": 2.0, "iteration": 10},
        options={"iteration": opt(5000, auto=False)},
    ),
    Entry(
        "glassml.optim.CosineLR",
        lambda lr, n_iter, lr_min, iteration: optim.CosineLR(lr, n_iter, lr_min)(iteration),
        {"lr": 0.1, "n_iter": 10, "lr_min": 0.01, "iteration": 4},
        options={
            "lr": opt(0.0, -1.0),
            "n_iter": opt(0, -1),
            "lr_min": opt(-0.01, 0.5),
            "iteration": opt(-1),
        },
    ),
]

EXEMPT = {
    "glassml.optim.*.iterate": "the hook minimize drives with its own validated Objective "
    "(an internal type, not user input); every method's iterate runs in its "
    "glassml.optim.minimize [method] entry and its constructor's entry",
    "glassml.optim.*.start": "called by minimize before the first iterate, with its Objective; "
    "run by every glassml.optim.minimize entry (ISTA's checks l1 against x there: probed by "
    "the 'glassml.optim.ISTA [l1 per coordinate]' entry's length family)",
    "glassml.optim.*.measure": "called by minimize after each iterate on the point it "
    "produced; judged as the history and fun of every glassml.optim.minimize entry",
    "glassml.optim.*.reset": "takes no argument (nothing to probe): forgets the state; "
    "minimize calls it through start() in every glassml.optim.minimize entry, and "
    "tests/optim/test_step_optimizers.py checks it empties the state",
    "glassml.optim.Optimizer": "abstract base without arguments (iterate raises "
    "NotImplementedError); each concrete optimiser's constructor has its entry",
    "glassml.optim.wants_regradient": "a predicate on any object (True exactly when it "
    "declares regradient = True); there is no input to refuse. tests/optim/test_sharpness.py "
    "checks it for SAM and Adam",
    "glassml.optim.OptimizeResult": "a plain record minimize fills in (no computation); every "
    "glassml.optim.minimize entry judges all its fields",
}
