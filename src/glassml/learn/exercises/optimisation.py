"""Numerical methods and optimisation: gradient descent and line search, Newton's method,
momentum, Adagrad, RMSprop, Adam, and conditioning. References are glassml.optim's optimisers
(their own update code, one step at a time) and glassml.linalg."""

from __future__ import annotations

import numpy as np

from glassml.learn._authoring import (
    Exercise,
    agrees,
    described,
    grid,
    holds,
    matrices,
    near,
    register,
    st,
    vectors,
)
from glassml.linalg import condition_number
from glassml.optim import (
    Adagrad,
    Adam,
    GradientDescent,
    Momentum,
    RMSprop,
    armijo_backtracking,
)

# ----------------------------------------------------------------------------- strategies


@st.composite
def spd_matrices(draw, max_n: int = 4):
    """A symmetric positive-definite matrix with eigenvalues in [0.5, 10]."""
    n = draw(st.integers(1, max_n))
    eigenvalues = np.array(
        draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0, 5.0, 10.0]), min_size=n, max_size=n))
    )
    B = draw(matrices(n, n, grid(-3, 3)))
    Q, _ = np.linalg.qr(B + 4 * np.eye(n))
    A = (Q * eigenvalues) @ Q.T
    return (A + A.T) / 2


@st.composite
def quadratics(draw):
    """f(x) = 1/2 x^T A x - b^T x with A SPD: (f, grad f, A, b)."""
    A = draw(spd_matrices())
    b = draw(vectors(A.shape[0], grid(-3, 3)))
    f = described(lambda x: 0.5 * x @ A @ x - b @ x, "x ↦ ½xᵀAx − bᵀx")
    grad = described(lambda x: A @ x - b, "x ↦ Ax − b")
    return f, grad, A, b


def _one_step(optimizer, x, grad, state, lr):
    x = np.array(x, dtype=float)
    optimizer._update(x, np.asarray(grad, float), state, lr)
    return x


# ----------------------------------------------------------------------------- descent


def _gd_reference(grad, x0, lr, n_steps):
    x = np.array(x0, dtype=float)
    optimizer = GradientDescent(lr=lr)
    for _ in range(n_steps):
        optimizer.step([x], [grad(x)])
    return x


@st.composite
def _gd_inputs(draw, converge: bool = False):
    _f, grad, A, _b = draw(quadratics())
    x0 = draw(vectors(A.shape[0], grid(-3, 3)))
    lr = 1.0 / np.linalg.eigvalsh(A).max()
    return grad, x0, float(lr), 400 if converge else draw(st.integers(1, 5))


gradient_descent = Exercise(
    "optimisation/gradient-descent",
    "Gradient descent",
    "gradient_descent(grad, x0, lr, n_steps)",
    lesson="optimisation/gradient-descent-and-line-search",
    summary="n_steps updates x <- x - lr grad(x) from x0; returns the last x.",
    checks=[
        agrees(
            "agrees with glassml.optim.GradientDescent, step by step",
            _gd_inputs(),
            _gd_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Each step moves against the gradient, x <- x - lr * grad(x), and there are "
            "exactly n_steps of them.",
            diagnoses=[
                (lambda e, o, g, x0, lr, n: near(o, x0), "x never moved (was x0 updated?)"),
            ],
        ),
        holds(
            "converges to the minimiser A^{-1} b of a quadratic",
            _gd_inputs(converge=True).map(lambda t: t),
            lambda out, grad, x0, lr, n: (
                None
                if near(grad(np.asarray(out, float)), np.zeros(len(x0)), atol=1e-6)
                else "the gradient at the returned point is not 0"
            ),
            hint="With lr = 1 / lambda_max the error contracts by (1 - lambda_min / lambda_max) "
            "per step; descent (minus the gradient) is what makes it shrink.",
        ),
    ],
)


def _armijo_reference(f, grad, x, d, alpha0, c1, shrink):
    x, d = np.asarray(x, float), np.asarray(d, float)
    step, _ = armijo_backtracking(
        lambda a: f(x + a * d), f(x), float(grad(x) @ d), alpha0, c1, shrink
    )
    return step


@st.composite
def _armijo_inputs(draw):
    f, grad, A, _b = draw(quadratics())
    x = draw(vectors(A.shape[0], grid(-3, 3)))
    d = -grad(x)
    if np.linalg.norm(d) < 1e-3:
        x = x + 1.0
        d = -grad(x)
    return (
        f,
        grad,
        x,
        d,
        draw(st.sampled_from([1.0, 2.0, 4.0])),
        draw(st.sampled_from([1e-4, 0.1, 0.3, 0.45])),
        draw(st.sampled_from([0.5, 0.3])),
    )


armijo_step = Exercise(
    "optimisation/armijo",
    "Backtracking line search (Armijo)",
    "armijo_step(f, grad, x, d, alpha0, c1, shrink)",
    lesson="optimisation/gradient-descent-and-line-search",
    summary="The first a = alpha0 shrink^k with f(x + a d) <= f(x) + c1 a grad(x)^T d.",
    checks=[
        agrees(
            "agrees with glassml.optim.armijo_backtracking",
            _armijo_inputs(),
            _armijo_reference,
            rtol=1e-12,
            atol=0,
            hint="Sufficient decrease: accept a once f(x + a d) <= f(x) + c1 a g^T d (g^T d < 0 "
            "for a descent direction, so the bound is below f(x)); otherwise a <- shrink a and "
            "try again. Return the first a that passes.",
        ),
        holds(
            "the returned step satisfies the Armijo condition",
            _armijo_inputs(),
            lambda a, f, g, x, d, a0, c1, s: (
                None
                if f(x + float(a) * d) <= f(x) + c1 * float(a) * (g(x) @ d) + 1e-12
                else f"f(x + a d) is above f(x) + c1 a g^T d for a = {float(a):.4g}"
            ),
            hint="Check the condition with the step you return, not the one before or after.",
        ),
    ],
)


def _newton_reference(x, grad, hess):
    x = np.asarray(x, float)
    return x - np.linalg.solve(hess(x), grad(x))


@st.composite
def _newton_inputs(draw):
    _f, grad, A, _b = draw(quadratics())
    c = draw(vectors(A.shape[0], grid(-0.5, 0.5)))

    def g(x):
        return grad(x) + c * np.asarray(x) ** 3

    def h(x):
        return A + np.diag(3 * c * np.asarray(x) ** 2)

    x = draw(vectors(A.shape[0], grid(-1, 1)))
    if np.linalg.eigvalsh(h(x)).min() < 0.1:
        c = np.abs(c)
    return (
        x,
        described(g, "x ↦ Ax − b + c·x³"),
        described(h, "x ↦ A + diag(3c·x²)"),
    )


newton_step = Exercise(
    "optimisation/newton-step",
    "One step of Newton's method",
    "newton_step(x, grad, hess)",
    lesson="optimisation/newton",
    summary="x - H(x)^{-1} grad(x), solving the linear system rather than inverting H.",
    checks=[
        agrees(
            "agrees with x - H^{-1} g",
            _newton_inputs(),
            _newton_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="Newton minimises the local quadratic model f + g^T s + s^T H s / 2: set its "
            "gradient g + H s to zero, s = -H^{-1} g (solve H s = -g).",
            diagnoses=[
                (
                    lambda e, o, x, g, h: near(o, x - h(x) @ g(x)),
                    "multiplied by H instead of solving with it",
                ),
                (
                    lambda e, o, x, g, h: near(o, 2 * x - e),
                    "moved uphill: the sign of the step is flipped",
                ),
            ],
        ),
        holds(
            "one step reaches the minimum of a quadratic",
            quadratics().flatmap(
                lambda q: st.tuples(
                    vectors(q[2].shape[0], grid(-3, 3)),
                    st.just(q[1]),
                    st.just(described(lambda x, A=q[2]: A, "x ↦ A")),
                )
            ),
            lambda out, x, g, h: (
                None
                if near(g(np.asarray(out, float)), np.zeros(len(x)), atol=1e-8)
                else "the gradient after one step is not 0"
            ),
            hint="On a quadratic the model is exact, so one Newton step lands on A^{-1} b.",
        ),
    ],
)


# ----------------------------------------------------------------------------- step rules


@st.composite
def _state(draw, n_states: int, nonneg: tuple[int, ...] = ()):
    n = draw(st.integers(1, 5))
    arrays = [draw(vectors(n, grid(-3, 3)))]  # x
    for index in range(n_states):
        arrays.append(draw(vectors(n, grid(0, 3) if index in nonneg else grid(-3, 3))))
    arrays.append(draw(vectors(n, grid(-3, 3))))  # grad
    return arrays


def _momentum_reference(x, velocity, grad, lr, beta):
    state = {"velocity": np.array(velocity, dtype=float)}
    x = _one_step(Momentum(lr=lr, momentum=beta), x, grad, state, lr)
    return x, state["velocity"]


momentum_step = Exercise(
    "optimisation/momentum-step",
    "A step of heavy-ball momentum",
    "momentum_step(x, velocity, grad, lr, beta)",
    lesson="optimisation/momentum-and-adaptive-methods",
    returns=("x", "velocity"),
    summary="v <- beta v - lr g; x <- x + v (glassml's convention, Sutskever et al. 2013).",
    checks=[
        agrees(
            "agrees with glassml.optim.Momentum",
            st.tuples(
                _state(1), st.sampled_from([0.01, 0.1, 0.5]), st.sampled_from([0.0, 0.5, 0.9])
            ).map(lambda t: (*t[0], t[1], t[2])),
            _momentum_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="The velocity remembers past steps: v <- beta v - lr g first, then x moves by "
            "the new v.",
            diagnoses=[
                (
                    lambda e, o, x, v, g, lr, b: near(o[0], x + v),
                    "x moved by the old velocity: update v first",
                ),
            ],
        ),
    ],
)


def _adagrad_reference(x, G, grad, lr, eps):
    state = {"sum_sq": np.array(G, dtype=float)}
    x = _one_step(Adagrad(lr=lr, eps=eps), x, grad, state, lr)
    return x, state["sum_sq"]


adagrad_step = Exercise(
    "optimisation/adagrad-step",
    "A step of Adagrad",
    "adagrad_step(x, G, grad, lr, eps)",
    lesson="optimisation/momentum-and-adaptive-methods",
    returns=("x", "G"),
    summary="G <- G + g^2; x <- x - lr g / (sqrt(G) + eps).",
    checks=[
        agrees(
            "agrees with glassml.optim.Adagrad",
            st.tuples(
                _state(1, nonneg=(0,)),
                st.sampled_from([0.01, 0.1, 1.0]),
                st.sampled_from([1e-8, 0.1]),
            ).map(lambda t: (*t[0], t[1], t[2])),
            _adagrad_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="G accumulates every squared gradient so far (it never decays); the step "
            "divides by sqrt(G) + eps with G already including this g.",
            diagnoses=[
                (
                    lambda e, o, x, G, g, lr, eps: near(o[1], g**2),
                    "G was replaced by g^2: it must accumulate",
                ),
            ],
        ),
    ],
)


def _rmsprop_reference(x, v, grad, lr, rho, eps):
    state = {"mean_sq": np.array(v, dtype=float)}
    x = _one_step(RMSprop(lr=lr, rho=rho, eps=eps), x, grad, state, lr)
    return x, state["mean_sq"]


rmsprop_step = Exercise(
    "optimisation/rmsprop-step",
    "A step of RMSprop",
    "rmsprop_step(x, v, grad, lr, rho, eps)",
    lesson="optimisation/momentum-and-adaptive-methods",
    returns=("x", "v"),
    summary="v <- rho v + (1 - rho) g^2; x <- x - lr g / (sqrt(v) + eps).",
    checks=[
        agrees(
            "agrees with glassml.optim.RMSprop",
            st.tuples(
                _state(1, nonneg=(0,)),
                st.sampled_from([0.001, 0.01, 0.1]),
                st.sampled_from([0.5, 0.9, 0.99]),
                st.sampled_from([1e-8, 0.1]),
            ).map(lambda t: (*t[0], t[1], t[2], t[3])),
            _rmsprop_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="v is an exponential moving average: rho of the old v plus (1 - rho) of g^2; "
            "divide the step by sqrt(v) + eps using the updated v.",
        ),
    ],
)


def _adam_reference(x, m, v, grad, t, lr, beta1, beta2, eps):
    state = {"m": np.array(m, dtype=float), "v": np.array(v, dtype=float), "t": t}
    x = _one_step(Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps), x, grad, state, lr)
    return x, state["m"], state["v"]


adam_step = Exercise(
    "optimisation/adam-step",
    "A step of Adam",
    "adam_step(x, m, v, grad, t, lr, beta1, beta2, eps)",
    lesson="optimisation/momentum-and-adaptive-methods",
    returns=("x", "m", "v"),
    summary="Moments m, v; bias-corrected m / (1 - beta1^t), v / (1 - beta2^t); t counts from 1.",
    checks=[
        agrees(
            "agrees with glassml.optim.Adam",
            st.tuples(
                _state(2, nonneg=(1,)),
                st.integers(1, 6),
                st.sampled_from([0.001, 0.01, 0.1]),
                st.sampled_from([0.5, 0.9]),
                st.sampled_from([0.9, 0.999]),
                st.sampled_from([1e-8, 0.1]),
            ).map(lambda t: (*t[0][:3], t[0][3], t[1], t[2], t[3], t[4], t[5])),
            _adam_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="m and v start at 0 and are biased towards 0 early on: divide by (1 - beta^t) "
            "with t = 1 at the first step; v averages g^2, and the step is lr m_hat / "
            "(sqrt(v_hat) + eps).",
            diagnoses=[
                (
                    lambda e, o, x, m, v, g, t, lr, b1, b2, eps: near(
                        o[0], x - lr * e[1] / (np.sqrt(e[2]) + eps)
                    ),
                    "the bias corrections 1 / (1 - beta^t) are missing",
                ),
            ],
        ),
    ],
)


# ----------------------------------------------------------------------------- conditioning


@st.composite
def _general_matrices(draw):
    n = draw(st.integers(1, 4))
    A = draw(matrices(n, n, grid(-3, 3)))
    if np.linalg.svd(A, compute_uv=False)[-1] < 0.1:
        A = A + 3 * np.eye(n)
    return (A,)


condition_number_exercise = Exercise(
    "optimisation/condition-number",
    "The condition number",
    "condition_number(A)",
    lesson="optimisation/conditioning",
    summary="kappa(A) = sigma_max / sigma_min in the 2-norm; inf for a singular matrix.",
    checks=[
        agrees(
            "agrees with glassml.linalg.condition_number",
            _general_matrices(),
            condition_number,
            rtol=1e-6,
            atol=0,
            hint="kappa = sigma_max / sigma_min with the singular values (not the eigenvalues: "
            "a non-symmetric matrix's eigenvalues say little about how it stretches).",
            diagnoses=[
                (lambda e, o, A: near(o, 1 / e), "the ratio is upside down"),
            ],
        ),
        holds(
            "edge case: a singular matrix has kappa = inf (or beyond 1e12 after rounding)",
            [(np.array([[1.0, 2.0], [2.0, 4.0]]),), (np.zeros((2, 2)),)],
            lambda out, A: (
                None if float(out) > 1e12 else f"kappa = {float(out):.4g} for a singular matrix"
            ),
            hint="sigma_min = 0 means some direction is flattened completely: return inf "
            "instead of dividing by (almost) zero or failing.",
        ),
    ],
)


def _rate_reference(A):
    kappa = condition_number(A)
    eigenvalues = np.linalg.eigvalsh(A)
    return 2 / (eigenvalues.min() + eigenvalues.max()), (kappa - 1) / (kappa + 1)


gd_rate = Exercise(
    "optimisation/conditioning",
    "The best step size and rate of gradient descent",
    "gd_rate(A)",
    lesson="optimisation/conditioning",
    returns=("step", "rate"),
    summary="For 1/2 x^T A x - b^T x: step 2 / (lambda_min + lambda_max), rate "
    "(kappa - 1) / (kappa + 1).",
    checks=[
        agrees(
            "agrees with the optimal fixed step for a quadratic",
            spd_matrices().map(lambda A: (A,)),
            _rate_reference,
            rtol=1e-8,
            atol=1e-12,
            hint="The error e <- (I - a A) e contracts by max_i |1 - a lambda_i|; it is smallest "
            "when the extreme eigenvalues balance, 1 - a lambda_min = a lambda_max - 1.",
            diagnoses=[
                (
                    lambda e, o, A: near(o[0], 1 / np.linalg.eigvalsh(A).max()),
                    "1 / lambda_max is safe but not the best fixed step",
                ),
            ],
        ),
    ],
)


register(
    gradient_descent,
    armijo_step,
    newton_step,
    momentum_step,
    adagrad_step,
    rmsprop_step,
    adam_step,
    condition_number_exercise,
    gd_rate,
)
