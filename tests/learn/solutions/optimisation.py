"""Numerical methods and optimisation: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("optimisation/gradient-descent")
def gradient_descent(grad, x0, lr, n_steps):
    x = np.array(x0, dtype=float)
    for _ in range(n_steps):
        x = x - lr * grad(x)
    return x


@mutant("optimisation/gradient-descent", fails="step by step")
def gradient_ascent(grad, x0, lr, n_steps):
    x = np.array(x0, dtype=float)
    for _ in range(n_steps):
        x = x + lr * grad(x)
    return x


@mutant("optimisation/gradient-descent", fails="step by step")
def gradient_descent_off_by_one(grad, x0, lr, n_steps):
    x = np.array(x0, dtype=float)
    for _ in range(n_steps - 1):
        x = x - lr * grad(x)
    return x


@mutant("optimisation/gradient-descent", fails="step by step", cause="never moved")
def gradient_descent_lost_update(grad, x0, lr, n_steps):
    x = np.array(x0, dtype=float)
    for _ in range(n_steps):
        step = x - lr * grad(x)  # noqa: F841 - the new point is computed and dropped
    return x


@solution("optimisation/armijo")
def armijo_step(f, grad, x, d, alpha0, c1, shrink):
    fx, slope = f(x), grad(x) @ d
    a = alpha0
    while f(x + a * d) > fx + c1 * a * slope:
        a *= shrink
    return a


@mutant("optimisation/armijo", fails="armijo_backtracking")
def armijo_simple_decrease(f, grad, x, d, alpha0, c1, shrink):
    a = alpha0
    while f(x + a * d) >= f(x):  # any decrease: no c1 a g^T d margin
        a *= shrink
    return a


@mutant("optimisation/armijo", fails="armijo_backtracking")
def armijo_sign_error(f, grad, x, d, alpha0, c1, shrink):
    fx, slope = f(x), grad(x) @ d
    a = alpha0
    while f(x + a * d) > fx - c1 * a * slope:
        a *= shrink
    return a


@mutant("optimisation/armijo", fails="armijo_backtracking")
def armijo_one_shrink_too_many(f, grad, x, d, alpha0, c1, shrink):
    return armijo_step(f, grad, x, d, alpha0, c1, shrink) * shrink


@solution("optimisation/newton-step")
def newton_step(x, grad, hess):
    return x - np.linalg.solve(hess(x), grad(x))


@mutant("optimisation/newton-step", fails="x - H^{-1} g", cause="instead of solving")
def newton_step_multiplies(x, grad, hess):
    return x - hess(x) @ grad(x)


@mutant("optimisation/newton-step", fails="x - H^{-1} g", cause="uphill")
def newton_step_uphill(x, grad, hess):
    return x + np.linalg.solve(hess(x), grad(x))


@mutant("optimisation/newton-step", fails="x - H^{-1} g")
def newton_step_diagonal(x, grad, hess):
    return x - grad(x) / np.diag(hess(x))


@solution("optimisation/momentum-step")
def momentum_step(x, velocity, grad, lr, beta):
    velocity = beta * velocity - lr * grad
    return x + velocity, velocity


@mutant("optimisation/momentum-step", fails="Momentum")
def momentum_step_sign(x, velocity, grad, lr, beta):
    velocity = beta * velocity + lr * grad
    return x + velocity, velocity


@mutant("optimisation/momentum-step", fails="Momentum", cause="old velocity")
def momentum_step_stale(x, velocity, grad, lr, beta):
    return x + velocity, beta * velocity - lr * grad


@mutant("optimisation/momentum-step", fails="Momentum")
def momentum_step_forgets(x, velocity, grad, lr, beta):
    velocity = -lr * grad
    return x + velocity, velocity


@solution("optimisation/adagrad-step")
def adagrad_step(x, G, grad, lr, eps):
    G = G + grad**2
    return x - lr * grad / (np.sqrt(G) + eps), G


@mutant("optimisation/adagrad-step", fails="Adagrad", cause="accumulate")
def adagrad_step_replaces(x, G, grad, lr, eps):
    G = grad**2
    return x - lr * grad / (np.sqrt(G) + eps), G


@mutant("optimisation/adagrad-step", fails="Adagrad")
def adagrad_step_no_sqrt(x, G, grad, lr, eps):
    G = G + grad**2
    return x - lr * grad / (G + eps), G


@mutant("optimisation/adagrad-step", fails="Adagrad")
def adagrad_step_old_G(x, G, grad, lr, eps):
    return x - lr * grad / (np.sqrt(G) + eps), G + grad**2


@solution("optimisation/rmsprop-step")
def rmsprop_step(x, v, grad, lr, rho, eps):
    v = rho * v + (1 - rho) * grad**2
    return x - lr * grad / (np.sqrt(v) + eps), v


@mutant("optimisation/rmsprop-step", fails="RMSprop")
def rmsprop_step_swapped(x, v, grad, lr, rho, eps):
    v = (1 - rho) * v + rho * grad**2
    return x - lr * grad / (np.sqrt(v) + eps), v


@mutant("optimisation/rmsprop-step", fails="RMSprop")
def rmsprop_step_no_sqrt(x, v, grad, lr, rho, eps):
    v = rho * v + (1 - rho) * grad**2
    return x - lr * grad / (v + eps), v


@mutant("optimisation/rmsprop-step", fails="RMSprop")
def rmsprop_step_eps_inside(x, v, grad, lr, rho, eps):
    v = rho * v + (1 - rho) * grad**2
    return x - lr * grad / np.sqrt(v + eps), v


@solution("optimisation/adam-step")
def adam_step(x, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@mutant("optimisation/adam-step", fails="Adam", cause="bias corrections")
def adam_step_no_bias_correction(x, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return x - lr * m / (np.sqrt(v) + eps), m, v


@mutant("optimisation/adam-step", fails="Adam")
def adam_step_t_off_by_one(x, m, v, grad, t, lr, beta1, beta2, eps):
    return adam_step(x, m, v, grad, t + 1, lr, beta1, beta2, eps)


@mutant("optimisation/adam-step", fails="Adam")
def adam_step_v_of_g(x, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * np.abs(grad)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@solution("optimisation/condition-number")
def condition_number(A):
    s = np.linalg.svd(A, compute_uv=False)
    return np.inf if s[-1] == 0 else s[0] / s[-1]


@mutant("optimisation/condition-number", fails="glassml.linalg.condition_number")
def condition_number_eigenvalues(A):
    e = np.abs(np.linalg.eigvals(A))
    return e.max() / e.min() if e.min() > 0 else np.inf


@mutant("optimisation/condition-number", fails="glassml.linalg.condition_number", cause="upside")
def condition_number_inverted(A):
    s = np.linalg.svd(A, compute_uv=False)
    return s[-1] / s[0]


@mutant("optimisation/condition-number", fails="singular matrix")
def condition_number_divides(A):
    s = np.linalg.svd(A, compute_uv=False)
    return float(s[0]) / float(s[-1])  # ZeroDivisionError for the zero matrix


@solution("optimisation/conditioning")
def gd_rate(A):
    eigenvalues = np.linalg.eigvalsh(A)
    lo, hi = eigenvalues[0], eigenvalues[-1]
    kappa = hi / lo
    return 2 / (lo + hi), (kappa - 1) / (kappa + 1)


@mutant("optimisation/conditioning", fails="optimal fixed step", cause="1 / lambda_max")
def gd_rate_safe_step(A):
    eigenvalues = np.linalg.eigvalsh(A)
    kappa = eigenvalues[-1] / eigenvalues[0]
    return 1 / eigenvalues[-1], (kappa - 1) / (kappa + 1)


@mutant("optimisation/conditioning", fails="optimal fixed step")
def gd_rate_one_minus(A):
    eigenvalues = np.linalg.eigvalsh(A)
    lo, hi = eigenvalues[0], eigenvalues[-1]
    return 2 / (lo + hi), 1 - lo / hi


@mutant("optimisation/conditioning", fails="optimal fixed step")
def gd_rate_mean(A):
    eigenvalues = np.linalg.eigvalsh(A)
    kappa = eigenvalues[-1] / eigenvalues[0]
    return 1 / eigenvalues.mean(), (kappa - 1) / (kappa + 1)
