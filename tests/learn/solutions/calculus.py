"""Calculus: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("calculus/central-difference")
def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


@mutant("calculus/central-difference", fails="formula", cause="forward difference")
def central_difference_forward(f, x, h):
    return (f(x + h) - f(x)) / h


@mutant("calculus/central-difference", fails="formula", cause="instead of 2h")
def central_difference_half(f, x, h):
    return (f(x + h) - f(x - h)) / h


@mutant("calculus/central-difference", fails="formula", cause="wrong way round")
def central_difference_sign(f, x, h):
    return (f(x - h) - f(x + h)) / (2 * h)


@solution("calculus/numerical-gradient")
def numerical_gradient(f, x, h):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@mutant("calculus/numerical-gradient", fails="numerical_grad", cause="all coordinates")
def numerical_gradient_all_at_once(f, x, h):
    x = np.array(x, dtype=float)
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))


@mutant("calculus/numerical-gradient", fails="numerical_grad")
def numerical_gradient_forward(f, x, h):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x)) / h
    return g


@mutant("calculus/numerical-gradient", fails="numerical_grad")
def numerical_gradient_not_restored(f, x, h):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        down = f(x)  # x[i] is left at x_i - h for the next coordinates
        g[i] = (up - down) / (2 * h)
    return g


@solution("calculus/sigmoid-grad")
def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    s = np.where(
        z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z)))
    )
    return s * (1 - s)


@mutant("calculus/sigmoid-grad", fails="agrees")
def sigmoid_grad_plus(z):
    s = 1 / (1 + np.exp(-np.asarray(z, float)))
    return s * (1 + s)


@mutant("calculus/sigmoid-grad", fails="large |z|")
def sigmoid_grad_naive(z):
    e = np.exp(np.asarray(z, float))
    return e / (1 + e) ** 2  # inf / inf = nan at z = 800


@mutant("calculus/sigmoid-grad", fails="agrees")
def sigmoid_grad_tanh(z):
    return 1 - np.tanh(np.asarray(z, float)) ** 2


@solution("calculus/softmax")
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@mutant("calculus/softmax", fails="logits of 1000")
def softmax_unshifted(z):
    e = np.exp(np.asarray(z, float))
    return e / e.sum(axis=-1, keepdims=True)


@mutant("calculus/softmax", fails="probability vector")
def softmax_columns(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=0, keepdims=True)


@mutant("calculus/softmax", fails="probability vector")
def softmax_no_exp(z):
    z = np.asarray(z, dtype=float)
    return z / z.sum(axis=-1, keepdims=True)


@solution("calculus/logsumexp")
def logsumexp(z):
    z = np.asarray(z, dtype=float)
    m = z.max(axis=-1)
    return m + np.log(np.exp(z - m[..., None]).sum(axis=-1))


@mutant("calculus/logsumexp", fails="+-1000")
def logsumexp_naive(z):
    return np.log(np.exp(np.asarray(z, float)).sum(axis=-1))


@mutant("calculus/logsumexp", fails="agrees", cause="not added back")
def logsumexp_forgot_max(z):
    z = np.asarray(z, dtype=float)
    m = z.max(axis=-1)
    return np.log(np.exp(z - m[..., None]).sum(axis=-1))


@mutant("calculus/logsumexp", fails="agrees")
def logsumexp_hard_max(z):
    return np.asarray(z, float).max(axis=-1)


@solution("calculus/softmax-jacobian")
def softmax_jacobian(z):
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


@mutant("calculus/softmax-jacobian", fails="sums to zero")
def softmax_jacobian_diagonal(z):
    return np.diag(softmax(z))


@mutant("calculus/softmax-jacobian", fails="agrees", cause="sign")
def softmax_jacobian_sign(z):
    s = softmax(z)
    return np.outer(s, s) - np.diag(s)


@mutant("calculus/softmax-jacobian", fails="sums to zero")
def softmax_jacobian_elementwise(z):
    s = softmax(z)
    return np.diag(s * (1 - s))


@solution("calculus/reverse-mode")
def dense_tanh_vjp(x, W, b, g):
    y = np.tanh(x @ W + b)
    d = g * (1 - y**2)
    return d @ W.T, x.T @ d, d.sum(axis=0)


@mutant("calculus/reverse-mode", fails="agrees", cause="1 - y^2")
def dense_tanh_vjp_no_tanh(x, W, b, g):
    return g @ W.T, x.T @ g, g.sum(axis=0)


@mutant("calculus/reverse-mode", fails="agrees")
def dense_tanh_vjp_sigmoid_derivative(x, W, b, g):
    y = np.tanh(x @ W + b)
    d = g * y * (1 - y)
    return d @ W.T, x.T @ d, d.sum(axis=0)


@mutant("calculus/reverse-mode", fails="agrees")
def dense_tanh_vjp_bias_axis(x, W, b, g):
    y = np.tanh(x @ W + b)
    d = g * (1 - y**2)
    return d @ W.T, x.T @ d, d.sum(axis=1)


@solution("calculus/logistic-hessian")
def logistic_hessian(X, w):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (X * (p * (1 - p))[:, None]) / X.shape[0]


@mutant("calculus/logistic-hessian", fails="agrees", cause="divide by n")
def logistic_hessian_sum(X, w):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (X * (p * (1 - p))[:, None])


@mutant("calculus/logistic-hessian", fails="agrees")
def logistic_hessian_p(X, w):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (X * p[:, None]) / X.shape[0]


@mutant("calculus/logistic-hessian", fails="symmetric p x p")
def logistic_hessian_samples(X, w):
    p = 1 / (1 + np.exp(-(X @ w)))
    return (X * (p * (1 - p))[:, None]) @ X.T / X.shape[0]


@solution("calculus/gradient-check")
def gradient_check(f, grad_f, x, h):
    x = np.array(x, dtype=float)
    analytic = np.asarray(grad_f(x), dtype=float)
    floor = max(1e-3 * np.abs(analytic).max(), 1e-300)
    worst = 0.0
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        numeric = (f(x + e) - f(x - e)) / (2 * h)
        scale = max(abs(analytic[i]), abs(numeric), floor)
        worst = max(worst, abs(analytic[i] - numeric) / scale)
    return worst


@mutant("calculus/gradient-check", fails="any one entry")
def gradient_check_skips_last(f, grad_f, x, h):
    x = np.array(x, dtype=float)
    analytic = np.asarray(grad_f(x), dtype=float)
    worst = 0.0
    for i in range(x.size - 1):  # off by one: the last coordinate is never compared
        e = np.zeros_like(x)
        e[i] = h
        numeric = (f(x + e) - f(x - e)) / (2 * h)
        worst = max(
            worst,
            abs(analytic[i] - numeric)
            / max(abs(analytic[i]), abs(numeric), 1e-3 * np.abs(analytic).max(), 1e-300),
        )
    return worst


@mutant("calculus/gradient-check", fails="any one entry")
def gradient_check_absolute(f, grad_f, x, h):
    x = np.array(x, dtype=float)
    analytic = np.asarray(grad_f(x), dtype=float)
    errors = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        errors.append(abs(analytic[i] - (f(x + e) - f(x - e)) / (2 * h)))
    return max(errors)


@mutant("calculus/gradient-check", fails="correct gradient")
def gradient_check_forward(f, grad_f, x, h):
    x = np.array(x, dtype=float)
    analytic = np.asarray(grad_f(x), dtype=float)
    worst = 0.0
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        numeric = (f(x + e) - f(x)) / h
        worst = max(
            worst,
            abs(analytic[i] - numeric)
            / max(abs(analytic[i]), abs(numeric), 1e-3 * np.abs(analytic).max(), 1e-300),
        )
    return worst
