"""Sharpness-aware minimisation (Foret, Kleiner, Mobahi & Neyshabur, 2021, ICLR, Algorithm 1).

References and tolerances
-------------------------
- One step on a quadratic L(w) = w'Aw/2 equals the paper's update written out in closed form,
  w - lr A (w + rho A w / ||A w||), the norm over all parameter arrays together; 1e-14
  relative (float64 rounding).
- With any base optimiser, SAM's step is the base's step fed the gradient at w + e: compared
  bit for bit with the base optimiser given that gradient by hand.
- ASAM (Kwon et al., 2021, ICML, eq. for the adaptive ball): one step on the quadratic equals
  w - lr A (w + rho T^2 g / ||T g||), T = |w| + eta, written out by hand (1e-14); the defining
  property, invariance to rescaling each weight (w -> c w, g -> g / c maps the perturbed point
  to c (w + e) when eta = 0), holds to 1e-13 while plain SAM's fails it by far; in nn.fit
  with batch norm, ASAM tends to its base optimiser as rho -> 0 (1e-5) and differs from SAM.
- In the training loops (glassml.nn.train_step, LogisticRegression's mini-batch loop,
  minimize): one step of a linear model under mean squared error equals the closed-form
  gradients evaluated at w + e (1e-12); the probe pass leaves batch-norm running statistics
  exactly as a plain step leaves them; as rho -> 0 SAM's fit tends to the base optimiser's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from parity import assert_close
from sklearn.exceptions import ConvergenceWarning

from glassml import nn
from glassml.linear import LogisticRegression
from glassml.optim import (
    LBFGS,
    SAM,
    Adam,
    GradientDescent,
    Momentum,
    minimize,
    wants_regradient,
)
from glassml.privacy import DPSGD

rng = np.random.default_rng(3)
M = rng.standard_normal((5, 5))
A = M @ M.T + np.eye(5)  # symmetric positive definite


def _sam_step_by_hand(w, lr, rho):
    g = A @ w
    e = rho * g / np.sqrt(g @ g)
    return w - lr * (A @ (w + e))


def test_one_step_on_a_quadratic_is_the_papers_update():
    w0 = rng.standard_normal(5)
    w = w0.copy()
    SAM(GradientDescent(lr=0.03), rho=0.2).step([w], [A @ w], gradient=lambda: [A @ w])
    assert_close(w, _sam_step_by_hand(w0, 0.03, 0.2), rtol=1e-14, atol=1e-15)


def test_the_ball_is_over_all_parameters_together():
    # w split into two arrays: e is rho g / ||(g1, g2)||, not one normalisation per array.
    w0 = rng.standard_normal(5)
    first, second = w0[:2].copy(), w0[2:].copy()

    def gradient():
        g = A @ np.concatenate([first, second])
        return [g[:2], g[2:]]

    SAM(GradientDescent(lr=0.05), rho=0.3).step([first, second], gradient(), gradient=gradient)
    assert_close(
        np.concatenate([first, second]), _sam_step_by_hand(w0, 0.05, 0.3), rtol=1e-14, atol=1e-15
    )


def test_the_second_gradient_is_taken_at_distance_rho_along_g():
    w0 = rng.standard_normal(5)
    w, seen = w0.copy(), []

    def gradient():
        seen.append(w.copy())
        return [A @ w]

    SAM(Momentum(lr=0.01), rho=0.07).step([w], [A @ w0], gradient=gradient)
    (probe,) = seen
    g = A @ w0
    assert_close(probe - w0, 0.07 * g / np.linalg.norm(g), rtol=1e-13, atol=1e-16)
    assert math.isclose(np.linalg.norm(probe - w0), 0.07, rel_tol=1e-12)


def test_any_base_steps_from_w_with_the_sharp_gradient():
    w0 = rng.standard_normal(5)
    mine, theirs = w0.copy(), w0.copy()
    sam, adam = SAM(Adam(lr=0.02), rho=0.1), Adam(lr=0.02)
    for _ in range(3):
        g = A @ mine
        sharp = A @ (mine + 0.1 * g / np.linalg.norm(g))
        sam.step([mine], [g], gradient=lambda: [A @ mine])
        adam.step([theirs], [sharp])
        assert np.array_equal(mine, theirs)  # same moments, same step: bit for bit
    assert sam.iteration == adam.iteration == 3


def test_weights_are_restored_exactly_before_the_base_step():
    # float32: (w + e) - e need not round back to w; a zero sharp gradient must leave w as it was.
    w0 = np.array([0.1, 1e-4, 3.3, -7.77], dtype=np.float32)
    w = w0.copy()
    SAM(GradientDescent(lr=1.0), rho=0.37).step(
        [w], [np.array([1.0, 2.0, -3.0, 0.5], dtype=np.float32)], gradient=lambda: [np.zeros(4)]
    )
    assert w.dtype == np.float32 and np.array_equal(w, w0)


def test_a_zero_gradient_is_an_ordinary_step_without_a_second_pass():
    w = np.array([1.0, -1.0])

    def gradient():
        raise AssertionError("no second gradient is needed when e = 0")

    SAM(GradientDescent(lr=0.1)).step([w], [np.zeros(2)], gradient=gradient)
    assert np.array_equal(w, [1.0, -1.0])


def test_learning_rate_and_state_are_the_bases():
    base = Adam(lr=0.1)
    sam = SAM(base, rho=0.5)
    assert sam.lr == 0.1 and sam.current_lr() == 0.1 and wants_regradient(sam)
    sam.lr = 0.02  # what a schedule in a training loop does
    assert base.lr == 0.02
    w = np.ones(2)
    sam.step([w], [np.ones(2)], gradient=lambda: [np.ones(2)])
    assert base.iteration == sam.iteration == 1 and base.state
    sam.reset()
    assert base.iteration == 0 and not base.state
    assert repr(sam) == "SAM(base=Adam(lr=0.02, beta1=0.9, beta2=0.999, eps=1e-08), rho=0.5)"


# ------------------------------------------------------------------------------ adaptive (ASAM)
def test_one_adaptive_step_on_a_quadratic_is_the_papers_update():
    w0 = rng.standard_normal(5)
    w = w0.copy()
    SAM(GradientDescent(lr=0.03), rho=0.5, adaptive=True, eta=0.01).step(
        [w], [A @ w], gradient=lambda: [A @ w]
    )
    g, t = A @ w0, np.abs(w0) + 0.01
    e = 0.5 * t**2 * g / np.linalg.norm(t * g)
    assert_close(w, w0 - 0.03 * (A @ (w0 + e)), rtol=1e-14, atol=1e-15)


def _probe(optimizer, w0, grad_at):
    """The point at which ``optimizer`` takes its second gradient, starting from ``w0``."""
    w, seen = w0.copy(), []

    def gradient():
        seen.append(w.copy())
        return [grad_at(w)]

    optimizer.step([w], [grad_at(w0)], gradient=gradient)
    return seen[0]


def test_the_adaptive_ball_moves_with_a_rescaling_of_the_weights():
    # L'(v) = L(v / c) with v = c w is the same function in rescaled coordinates (what batch
    # norm does to the weights before it); its gradient is g / c. ASAM with eta = 0 probes the
    # same function point in both coordinates, plain SAM does not.
    c = np.array([0.01, 0.5, 1.0, 20.0, 300.0])
    w0 = rng.standard_normal(5)

    def grad(w):
        return A @ w

    def grad_rescaled(v):
        return (A @ (v / c)) / c

    asam = _probe(SAM(GradientDescent(lr=0.1), 0.3, adaptive=True, eta=0.0), w0, grad)
    asam_rescaled = _probe(
        SAM(GradientDescent(lr=0.1), 0.3, adaptive=True, eta=0.0), c * w0, grad_rescaled
    )
    assert_close(asam_rescaled, c * asam, rtol=1e-13, atol=1e-15)
    # The relative perturbation e / |w| has length rho: the ball is relative to the weights.
    assert math.isclose(np.linalg.norm((asam - w0) / np.abs(w0)), 0.3, rel_tol=1e-12)
    sam = _probe(SAM(GradientDescent(lr=0.1), 0.3), w0, grad)
    sam_rescaled = _probe(SAM(GradientDescent(lr=0.1), 0.3), c * w0, grad_rescaled)
    assert np.max(np.abs(sam_rescaled / c - sam)) > 0.1


def test_adaptive_eta_perturbs_weights_at_zero():
    w0 = np.array([0.0, 2.0])
    g = np.array([1.0, 1.0])
    with_floor = _probe(SAM(GradientDescent(), 0.1, adaptive=True, eta=0.01), w0, lambda w: g)
    without = _probe(SAM(GradientDescent(), 0.1, adaptive=True, eta=0.0), w0, lambda w: g)
    assert with_floor[0] > 0.0 and without[0] == 0.0


def test_adaptive_overflow_is_named_and_changes_nothing():
    w = np.array([1e300, 1.0])
    with pytest.raises(ValueError, match=r"^params: expected weights whose size times gradient"):
        SAM(Adam(), adaptive=True).step([w], [np.array([1e10, 0.0])], gradient=lambda: [w])
    assert np.array_equal(w, [1e300, 1.0])


@pytest.mark.parametrize("adaptive", [1, "yes", None])
def test_bad_adaptive_is_named(adaptive):
    with pytest.raises(ValueError, match=r"^adaptive: expected True or False"):
        SAM(Adam(), adaptive=adaptive)


@pytest.mark.parametrize("eta", [-0.01, np.nan, np.inf, "small", None])
def test_bad_eta_is_named(eta):
    with pytest.raises(ValueError, match=r"^eta: expected"):
        SAM(Adam(), adaptive=True, eta=eta)


@pytest.mark.parametrize("rho", [0.0, -0.1, np.nan, np.inf, "big", None])
def test_bad_rho_is_named(rho):
    with pytest.raises(ValueError, match=r"^rho: expected"):
        SAM(Adam(), rho=rho)


@pytest.mark.parametrize(
    "base", [LBFGS(), "adam", None, SAM(Adam()), DPSGD(noise_multiplier=1.0, max_grad_norm=1.0)]
)
def test_bad_base_is_named(base):
    with pytest.raises(ValueError, match=r"^base: expected a step optimiser"):
        SAM(base)


def test_bad_step_arguments_are_named():
    w = np.ones(3)
    sam = SAM(Adam())
    with pytest.raises(ValueError, match=r"^gradient: expected a function"):
        sam.step([w], [np.ones(3)])
    with pytest.raises(ValueError, match=r"^grads\[0\]: expected finite"):
        sam.step([w], [np.array([1.0, np.nan, 0.0])], gradient=lambda: [np.ones(3)])
    with pytest.raises(ValueError, match=r"^grads\[0\]: expected finite"):
        sam.step([w], [np.ones(3)], gradient=lambda: [np.array([np.inf, 0.0, 0.0])])
    with pytest.raises(ValueError, match=r"^grads\[0\]: expected shape \(3,\)"):
        sam.step([w], [np.ones(3)], gradient=lambda: [np.ones(2)])
    assert np.array_equal(w, np.ones(3))  # a refused step changes nothing


def test_minimize_drives_sam_with_the_objectives_gradient():
    w0 = rng.standard_normal(5)

    def f(x):
        return 0.5 * float(x @ A @ x), A @ x

    result = minimize(f, w0, method=SAM(GradientDescent(lr=0.03), rho=0.2), jac=True, max_iter=1)
    assert_close(result.x, _sam_step_by_hand(w0, 0.03, 0.2), rtol=1e-14, atol=1e-15)
    # And it descends: SAM's fixed point of a convex quadratic is its minimum, w = 0.
    result = minimize(f, w0, method=SAM(GradientDescent(lr=0.03), rho=0.01), jac=True)
    assert result.fun < 1e-4 * f(w0)[0]


# ------------------------------------------------------------------------------ training loops
def _linear_model(p):
    model = nn.Sequential([nn.Dense(1)])
    model.build((p,), dtype=np.float64)
    return model


def test_train_step_takes_the_second_gradient_on_the_same_batch():
    X = rng.standard_normal((12, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    model = _linear_model(3)
    weight, bias = (p.copy() for p in model.parameters())

    def grads(w, b):  # mean squared error of y = X w + b, in closed form
        r = X @ w + b - y[:, None]
        return [2 * X.T @ r / len(y), 2 * r.sum(axis=0) / len(y)]

    g = grads(weight, bias)
    scale = 0.2 / math.sqrt(sum(float(np.vdot(a, a)) for a in g))
    sharp = grads(weight + scale * g[0], bias + scale * g[1])
    nn.train_step(model, X, y, nn.mean_squared_error, SAM(GradientDescent(lr=0.1), rho=0.2))
    new_weight, new_bias = model.parameters()
    assert_close(new_weight, weight - 0.1 * sharp[0], rtol=1e-12, atol=1e-14)
    assert_close(new_bias, bias - 0.1 * sharp[1], rtol=1e-12, atol=1e-14)


def test_the_probe_pass_leaves_batch_norm_statistics_as_a_plain_step_does():
    X = rng.standard_normal((16, 4))
    y = (X[:, 0] > 0).astype(int)
    models = []
    for optimizer in (Adam(lr=0.01), SAM(Adam(lr=0.01), rho=0.5)):
        model = nn.Sequential([nn.Dense(6), nn.BatchNorm1d(), nn.ReLU(), nn.Dense(2)])
        model.build((4,), rng=np.random.default_rng(0), dtype=np.float64)
        nn.train_step(model, X, y, nn.softmax_cross_entropy, optimizer)
        models.append(model)
    plain, sam = models
    for name, value in plain.named_buffers().items():
        assert np.array_equal(value, sam.named_buffers()[name]), name
    # ... while the weights did take different steps.
    assert not np.array_equal(plain.parameters()[0], sam.parameters()[0])


FIT_X = rng.standard_normal((80, 4))
FIT_Y = (FIT_X[:, 0] - FIT_X[:, 1] > 0).astype(int)


def _fit_classifier(optimizer, batch_norm=False):
    """A small classifier of FIT_X trained by ``nn.fit`` with ``optimizer``, from fixed
    initial weights and batch order; returns the model and its history."""
    hidden = [nn.Dense(8), nn.BatchNorm1d()] if batch_norm else [nn.Dense(8)]
    model = nn.Sequential([*hidden, nn.ReLU(), nn.Dense(2)])
    model.build((4,), rng=np.random.default_rng(1), dtype=np.float64)
    history = nn.fit(
        model,
        FIT_X,
        FIT_Y,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=15,
        batch_size=16,
        random_state=0,
    )
    return model, history


def test_fit_with_sam_learns_and_tends_to_the_base_as_rho_vanishes():
    adam, _ = _fit_classifier(Adam(lr=0.02))
    tiny, _ = _fit_classifier(SAM(Adam(lr=0.02), rho=1e-9))
    sam, history = _fit_classifier(SAM(Adam(lr=0.02), rho=0.05))
    for mine, theirs in zip(tiny.parameters(), adam.parameters(), strict=True):
        assert_close(mine, theirs, rtol=1e-5, atol=1e-7, what="rho -> 0")
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert np.mean(np.argmax(nn.predict_batches(sam, FIT_X), axis=1) == FIT_Y) >= 0.9


def test_adaptive_fit_learns_and_tends_to_the_base_as_rho_vanishes():
    # Through nn.fit with batch norm: ASAM's probe is not SAM's at the same radius, and as
    # rho -> 0 training is the base optimiser's.
    momentum, _ = _fit_classifier(Momentum(lr=0.05), batch_norm=True)
    tiny, _ = _fit_classifier(SAM(Momentum(lr=0.05), rho=1e-9, adaptive=True), batch_norm=True)
    plain, _ = _fit_classifier(SAM(Momentum(lr=0.05), rho=0.5), batch_norm=True)
    optimizer = SAM(Momentum(lr=0.05), rho=0.5, adaptive=True)
    asam, history = _fit_classifier(optimizer, batch_norm=True)
    for mine, theirs in zip(tiny.parameters(), momentum.parameters(), strict=True):
        assert_close(mine, theirs, rtol=1e-5, atol=1e-7, what="rho -> 0")
    assert not np.allclose(asam.parameters()[0], plain.parameters()[0], rtol=1e-3)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert np.mean(np.argmax(nn.predict_batches(asam, FIT_X), axis=1) == FIT_Y) >= 0.9
    assert repr(optimizer).endswith("rho=0.5, adaptive=True, eta=0.01)")


def test_logistic_regression_mini_batches_take_the_second_gradient_on_their_batch():
    X = rng.standard_normal((120, 3))
    y = (X @ np.array([1.5, -1.0, 0.5]) + 0.3 * rng.standard_normal(120) > 0).astype(int)

    def fitted(optimizer, batch_size):
        return LogisticRegression(
            optimizer=optimizer, batch_size=batch_size, max_iter=30, random_state=0
        ).fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adam = fitted(Adam(lr=0.05), 16)
        tiny = fitted(SAM(Adam(lr=0.05), rho=1e-10), 16)
        sam = fitted(SAM(Adam(lr=0.05), rho=0.1), 16)
        full = fitted(SAM(GradientDescent(lr=0.5), rho=0.05), "auto")  # through minimize
    assert_close(tiny.coef_, adam.coef_, rtol=1e-6, atol=1e-8, what="rho -> 0")
    assert not np.allclose(sam.coef_, adam.coef_, rtol=1e-6)
    for model in (sam, full):
        assert model.score(X, y) >= 0.85
