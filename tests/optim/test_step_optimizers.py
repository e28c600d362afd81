"""Step optimisers: the first three updates equal the published equations, evaluated by hand.

References: Adagrad (Duchi, Hazan & Singer 2011), RMSprop (Tieleman & Hinton 2012), Adam
(Kingma & Ba 2015, Algorithm 1), AdamW (Loshchilov & Hutter 2019, Algorithm 2, decay scaled by
lr as in PyTorch), heavy-ball momentum and Nesterov in the form of Sutskever et al. (2013).
Each expected value below is the closed-form expansion of the recursion for three steps (not
the recursion itself); tolerance 1e-14 relative (float64 rounding).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close

from glassml.optim import (
    FISTA,
    ISTA,
    LBFGS,
    Adagrad,
    Adam,
    AdamW,
    CoordinateDescent,
    ExponentialLR,
    GradientDescent,
    Momentum,
    Nesterov,
    Newton,
    RMSprop,
    soft_threshold,
)

X0 = np.array([0.5, -1.5, 2.0])
G1, G2, G3 = np.array([0.3, -0.2, 1.0]), np.array([-0.1, 0.4, 0.5]), np.array([0.2, 0.2, -0.6])


def _three_steps(optimizer):
    """Apply the fixed gradients G1, G2, G3; return the three iterates."""
    x, iterates = X0.copy(), []
    for g in (G1, G2, G3):
        optimizer.step([x], [g.copy()])
        iterates.append(x.copy())
    return iterates


def _check(optimizer, expected):
    for k, (mine, theirs) in enumerate(zip(_three_steps(optimizer), expected, strict=True)):
        assert_close(mine, theirs, rtol=1e-14, atol=1e-15, what=f"step {k + 1}")


def test_adagrad_three_steps_by_hand():
    lr, eps = 0.1, 1e-10
    x1 = X0 - lr * G1 / (np.sqrt(G1**2) + eps)
    x2 = x1 - lr * G2 / (np.sqrt(G1**2 + G2**2) + eps)
    x3 = x2 - lr * G3 / (np.sqrt(G1**2 + G2**2 + G3**2) + eps)
    _check(Adagrad(lr=lr, eps=eps), [x1, x2, x3])


def test_rmsprop_three_steps_by_hand():
    lr, rho, eps = 0.01, 0.9, 1e-8
    v1 = (1 - rho) * G1**2
    v2 = rho * (1 - rho) * G1**2 + (1 - rho) * G2**2
    v3 = rho**2 * (1 - rho) * G1**2 + rho * (1 - rho) * G2**2 + (1 - rho) * G3**2
    x1 = X0 - lr * G1 / (np.sqrt(v1) + eps)
    x2 = x1 - lr * G2 / (np.sqrt(v2) + eps)
    x3 = x2 - lr * G3 / (np.sqrt(v3) + eps)
    _check(RMSprop(lr=lr, rho=rho, eps=eps), [x1, x2, x3])


def _adam_directions(b1, b2, eps):
    m = [
        (1 - b1) * G1,
        b1 * (1 - b1) * G1 + (1 - b1) * G2,
        b1**2 * (1 - b1) * G1 + b1 * (1 - b1) * G2 + (1 - b1) * G3,
    ]
    v = [
        (1 - b2) * G1**2,
        b2 * (1 - b2) * G1**2 + (1 - b2) * G2**2,
        b2**2 * (1 - b2) * G1**2 + b2 * (1 - b2) * G2**2 + (1 - b2) * G3**2,
    ]
    return [(m[t - 1] / (1 - b1**t)) / (np.sqrt(v[t - 1] / (1 - b2**t)) + eps) for t in (1, 2, 3)]


def test_adam_three_steps_by_hand():
    lr, b1, b2, eps = 0.05, 0.8, 0.95, 1e-8
    d1, d2, d3 = _adam_directions(b1, b2, eps)
    x1 = X0 - lr * d1
    x2 = x1 - lr * d2
    x3 = x2 - lr * d3
    _check(Adam(lr=lr, beta1=b1, beta2=b2, eps=eps), [x1, x2, x3])
    # The first Adam step has magnitude lr in every coordinate (m_hat / sqrt(v_hat) = sign g).
    assert_close(np.abs(x1 - X0), np.full(3, lr), rtol=1e-6, what="first step size")


def test_adamw_three_steps_by_hand():
    lr, b1, b2, eps, wd = 0.05, 0.8, 0.95, 1e-8, 0.1
    d1, d2, d3 = _adam_directions(b1, b2, eps)
    x1 = X0 - lr * (d1 + wd * X0)  # decay uses the weights before the step, not the gradient
    x2 = x1 - lr * (d2 + wd * x1)
    x3 = x2 - lr * (d3 + wd * x2)
    _check(AdamW(lr=lr, beta1=b1, beta2=b2, eps=eps, weight_decay=wd), [x1, x2, x3])


def test_momentum_and_nesterov_three_steps_by_hand():
    lr, mu = 0.1, 0.9
    v1 = -lr * G1
    v2 = -mu * lr * G1 - lr * G2
    v3 = -(mu**2) * lr * G1 - mu * lr * G2 - lr * G3
    _check(Momentum(lr=lr, momentum=mu), [X0 + v1, X0 + v1 + v2, X0 + v1 + v2 + v3])
    # Nesterov stores the look-ahead point x~ = x + mu v: x~_k = x_k + mu v_k.
    x1, x2, x3 = X0 + v1, X0 + v1 + v2, X0 + v1 + v2 + v3
    _check(Nesterov(lr=lr, momentum=mu), [x1 + mu * v1, x2 + mu * v2, x3 + mu * v3])


def test_nesterov_matches_sutskever_form_on_a_quadratic():
    # v = mu v - lr grad(x + mu v); x = x + v, with the gradient at the look-ahead point.
    A = np.diag([1.0, 10.0])

    def grad(z):
        return A @ z

    lr, mu = 0.05, 0.9
    x, v = np.array([1.0, 1.0]), np.zeros(2)
    look_ahead = x.copy()
    optimizer = Nesterov(lr=lr, momentum=mu)
    for _ in range(20):
        v = mu * v - lr * grad(x + mu * v)
        x = x + v
        optimizer.step([look_ahead], [grad(look_ahead)])
    assert_close(look_ahead, x + mu * v, rtol=1e-12, atol=1e-15, what="Nesterov look-ahead")


def test_gradient_descent_with_schedule_uses_lr_of_each_iteration():
    schedule = ExponentialLR(0.5, gamma=0.5)
    x = X0.copy()
    optimizer = GradientDescent(lr=schedule)
    for g in (G1, G2, G3):
        optimizer.step([x], [g])
    assert_close(x, X0 - 0.5 * G1 - 0.25 * G2 - 0.125 * G3, rtol=1e-15, what="scheduled GD")


def test_step_updates_a_list_of_arrays_in_place_keeping_dtype_and_state_per_position():
    weights = np.ones((2, 3), dtype=np.float32)
    bias = np.zeros(3, dtype=np.float32)
    optimizer = Adam(lr=0.1)
    before = weights
    for _ in range(3):
        optimizer.step([weights, bias], [np.full((2, 3), 0.5, np.float32), np.ones(3, np.float32)])
    assert weights is before and weights.dtype == np.float32 and bias.dtype == np.float32
    assert optimizer.state[0]["m"].shape == (2, 3) and optimizer.state[1]["m"].shape == (3,)
    # Constant gradients: Adam moves each coordinate by lr per step (up to eps).
    assert_close(weights, np.full((2, 3), 1 - 0.3), rtol=1e-5, what="weights")
    assert_close(bias, np.full(3, -0.3), rtol=1e-5, what="bias")
    optimizer.reset()
    assert optimizer.state == {} and optimizer.iteration == 0


def test_armijo_step_in_a_training_loop_needs_a_closure_and_decreases_the_loss():
    A = np.diag([1.0, 10.0])
    x = np.array([1.0, 1.0])

    def loss():
        return 0.5 * x @ A @ x

    optimizer = GradientDescent(lr=1.0, line_search="armijo")
    with pytest.raises(ValueError, match="closure"):
        optimizer.step([x], [A @ x])
    losses = [loss()]
    for _ in range(50):
        optimizer.step([x], [A @ x], closure=loss)
        losses.append(loss())
    assert np.all(np.diff(losses) < 0)
    assert losses[-1] < 1e-3 * losses[0]


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: Adam(lr=0.0), "lr"),
        (lambda: Adam(beta2=-0.1), "beta2"),
        (lambda: Adam(eps=float("nan")), "eps"),
        (lambda: RMSprop(rho=1.0), "rho"),
        (lambda: Momentum(momentum=1.5), "momentum"),
        (lambda: AdamW(weight_decay=-1.0), "weight_decay"),
        (lambda: Adagrad(lr=float("inf")), "lr"),
        (lambda: Newton(c1=2.0), "c1"),
        (lambda: CoordinateDescent(c1=1.5), "c1"),
        (lambda: FISTA(restart="yes"), "restart"),
        (lambda: LBFGS(memory=2.5), "memory"),
        (lambda: ISTA(eta=0.5), "eta"),
        (lambda: soft_threshold(np.ones(2), -1.0), "threshold"),
        (lambda: soft_threshold(np.ones(2), np.array([0.1, np.nan])), "threshold"),
    ],
)
def test_bad_hyper_parameters_raise_naming_them(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_bad_params_and_grads_raise():
    optimizer = Adam()
    with pytest.raises(ValueError, match="grads"):
        optimizer.step([np.zeros(3)], [np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        optimizer.step([np.zeros(3)], [np.zeros(4)])
    with pytest.raises(ValueError, match=r"params\[0\]"):
        optimizer.step([[0.0, 1.0]], [np.zeros(2)])
    optimizer.step([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match=r"params\[0\]"):
        optimizer.step([np.zeros(2)], [np.ones(2)])
