"""grad / value_and_grad / jacobian / hvp / check_grad.

References: closed forms computed independently in NumPy (quadratic forms: gradient A x,
Hessian A; logistic loss: Hessian X^T diag(s(1-s)) X / n; softmax Jacobian diag(s) - s s^T);
tolerance rtol 1e-12. ``check_grad`` must flag a deliberately wrong VJP (error > 0.1) and
pass a right one (error < 1e-8).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, check_grad
from scipy import special

import glassml.autodiff as ad

rng = np.random.default_rng(42)
A = rng.normal(size=(4, 4))
A = A @ A.T + np.eye(4)
X = rng.normal(size=(30, 4))
y = (rng.random(30) < 0.5).astype(float)


def quadratic(x):
    return 0.5 * (x @ (A @ x))


def logistic(w):
    z = X @ w
    return ad.mean(ad.softplus(z) - y * z)


def test_grad_and_value_and_grad():
    x = rng.normal(size=4)
    assert_close(ad.grad(quadratic)(x), A @ x, rtol=1e-12)
    value, gradient = ad.value_and_grad(quadratic)(x)
    assert_close(value, 0.5 * x @ A @ x, rtol=1e-12)
    assert_close(gradient, A @ x, rtol=1e-12)
    assert isinstance(value, np.floating) and float(value) == pytest.approx(0.5 * x @ A @ x)


def test_grad_with_several_argnums_and_extra_arguments():
    def loss(w, b, X, y):
        z = X @ w + b
        return ad.mean(ad.softplus(z) - y * z)

    w, b = rng.normal(size=4), 0.3
    grad_w, grad_b = ad.grad(loss, argnums=(0, 1))(w, b, X, y)
    residual = special.expit(X @ w + b) - y
    assert_close(grad_w, X.T @ residual / 30, rtol=1e-12)
    assert_close(grad_b, residual.mean(), rtol=1e-12)
    assert np.shape(grad_b) == ()
    assert ad.grad(loss, argnums=1)(w, b, X, y).dtype == np.float64


def test_grad_errors():
    with pytest.raises(ValueError, match="scalar"):
        ad.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(ValueError, match="argnums"):
        ad.grad(lambda x: x.sum(), argnums=3)(np.ones(3))


def test_grad_of_constant_function_is_zero():
    assert ad.grad(lambda x: ad.Tensor(1.0))(np.ones(3)).tolist() == [0.0, 0.0, 0.0]


def test_nested_grad_gives_second_derivative():
    def third_power(x):
        return (x**3).sum()

    second = ad.grad(lambda x: ad.grad(third_power)(x).sum())(np.array([1.0, 2.0]))
    assert second.tolist() == [6.0, 12.0]


def test_jacobian_of_softmax_and_of_matrix_map():
    x = rng.normal(size=5)
    s = special.softmax(x)
    assert_close(ad.jacobian(ad.softmax)(x), np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)
    M = rng.normal(size=(3, 4))
    W = rng.normal(size=(2, 3))
    jac = ad.jacobian(lambda W: W @ M)(W)  # d (W M)_{ij} / d W_{kl} = delta_ik M_lj
    assert jac.shape == (2, 4, 2, 3)
    assert_close(jac, np.einsum("ik,lj->ijkl", np.eye(2), M), rtol=1e-14)
    j_a, j_b = ad.jacobian(lambda a, b: a * b, argnums=(0, 1))(np.ones(2), np.arange(2.0))
    assert_close(j_a, np.diag([0.0, 1.0]), rtol=0)
    assert_close(j_b, np.eye(2), rtol=0)


def test_hvp_is_exact():
    x, v = rng.normal(size=4), rng.normal(size=4)
    assert_close(ad.hvp(quadratic, x, v), A @ v, rtol=1e-12)
    w = rng.normal(size=4)
    s = special.expit(X @ w)
    hessian = X.T @ (X * (s * (1 - s))[:, None]) / 30
    assert_close(ad.hvp(logistic, w, v), hessian @ v, rtol=1e-12)
    # A function linear in x has H = 0.
    assert ad.hvp(lambda x: (x * 3.0).sum(), x, v).tolist() == [0.0] * 4
    with pytest.raises(ValueError, match="v: expected x's shape"):
        ad.hvp(quadratic, x, np.ones(3))


def test_hvp_through_every_smooth_primitive_matches_differences_of_gradients():
    x, v = rng.uniform(0.5, 1.5, size=(2, 3)), rng.normal(size=(2, 3))

    def smooth(x):
        terms = [
            ad.exp(x) * ad.log(x) + ad.log1p(x) * ad.sqrt(x),
            ad.tanh(x) * ad.sigmoid(x) + ad.softplus(x) ** 2.5,
            x / (x + 1.0) + ad.logsumexp(x * x, axis=1, keepdims=True),
            ad.softmax(x, axis=0) * ad.log_softmax(x, axis=1),
            ad.var(x, axis=1, keepdims=True) * ad.mean(x) + (x @ x.T).sum(),
            ad.concatenate([x, x * x], axis=1)[:, 1:4] * 2.0,
            ad.max(x * x, axis=0) + ad.where(x > 1.0, x**3, x),
        ]
        return sum(ad.sum(t) for t in terms)

    gradient = ad.grad(smooth)
    # H v is the derivative of the gradient along v: t -> grad(x + t v) at t = 0.
    check_grad(
        lambda t: gradient(x + t[0] * v),
        np.zeros(1),
        jac=lambda t: ad.hvp(smooth, x + t[0] * v, v)[..., None],
        tol=1e-6,
    )


def test_check_grad_detects_a_wrong_vjp_and_passes_right_ones():
    wrong = ad.primitive(np.sin)
    ad.defvjp(wrong, lambda g, ans, x: g * np.sin(x.data))  # should be cos
    x = np.array([0.3, 1.2, -0.7])
    assert ad.check_grad(lambda x: wrong(x).sum(), x) > 0.1
    assert ad.check_grad(logistic, rng.normal(size=4)) < 1e-8
    assert ad.check_grad(lambda a, b: (a * ad.exp(b)).sum(), x, x * 2) < 1e-8
    assert ad.check_grad(lambda a, b: (a * b).sum(), x, x, argnums=1) < 1e-8
    assert ad.check_grad(lambda x: x.sum(), np.zeros(0)) == 0.0


def test_check_grad_step_is_dtype_aware():
    x = np.linspace(0.5, 2.0, 4, dtype=np.float32)
    error = ad.check_grad(lambda x: (ad.exp(x) * x).sum(), x)
    assert 0 <= error < 1e-2  # float32: eps^(1/3) = 5e-3 steps, errors of order 1e-4
    numeric = ad.numerical_grad(lambda x: (x**2).sum(), np.array([1.0, -3.0]))
    assert_close(numeric, [2.0, -6.0], rtol=1e-9)
