"""DP-SGD inside ``glassml.linear.LogisticRegression(optimizer=DPSGD(...))``.

References and tolerances:
- the closed-form per-example gradients n a_i r_i ⊗ [x_i, 1] (binary and multinomial, with
  sample weights, with and without intercept) against a loop over examples of the objective's
  own one-row mini-batch gradient minus the penalty's part: 1e-10;
- with clipping inactive (C far above every gradient norm), sampling rate 1 and negligible
  noise (σ C = 1e-17), DP-SGD is full-batch gradient descent: the coefficients equal those of
  ``LogisticRegression(optimizer=GradientDescent(lr), batch_size=n)`` after the same number of
  epochs to 1e-12;
- the accountant after fitting: ``max_iter * round(1 / q)`` steps and ε equal to
  ``compute_epsilon`` for them (1e-12);
- utility: at ε = 3.0 (δ = 1e-5) the private fit's training accuracy is within 0.03 of the
  non-private optimum's (0.727; the private fits of seeds 0-4 give 0.727-0.729).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close

import glassml.privacy as gp
from glassml.linear import LogisticRegression
from glassml.linear._logistic_loss import LogisticObjective
from glassml.optim import GradientDescent


def _problem(n=400, p=4, classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    logits = X @ rng.normal(size=(p, classes))
    y = np.argmax(logits + rng.gumbel(size=(n, classes)), axis=1)
    return X, y


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_per_example_gradients_equal_a_loop(classes, fit_intercept):
    X, y = _problem(classes=classes)
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.5, 2.0, X.shape[0])
    weights /= weights.sum()
    objective = LogisticObjective(X, y, weights, classes, fit_intercept, l2=0.3)
    theta = rng.normal(size=objective.n_params)
    rows = np.array([3, 17, 17, 250, 399])
    grads = objective.per_example_gradients(theta, rows)
    coef, _ = objective.split(theta)
    penalty = objective.join(0.3 * coef, np.zeros(objective.n_logits) if fit_intercept else None)
    loop = np.stack([objective.value_and_gradient(theta, np.array([i]))[1] - penalty for i in rows])
    assert_close(grads.materialize()[0], loop, rtol=1e-10, atol=1e-12, what="per-example")
    assert_close(grads.shared[0], penalty, rtol=1e-15, what="penalty part")
    # Their mean over every row plus the penalty is the full gradient.
    everything = objective.per_example_gradients(theta, np.arange(X.shape[0]))
    mean = everything.weighted_sum(np.full(X.shape[0], 1.0 / X.shape[0]))[0] + penalty
    assert_close(mean, objective.value_and_gradient(theta)[1], rtol=1e-10, atol=1e-13)


def test_without_clipping_or_noise_it_is_gradient_descent():
    X, y = _problem(n=500)
    private = gp.DPSGD(
        lr=0.5, noise_multiplier=1e-20, max_grad_norm=1e3, sample_rate=1.0, random_state=0
    )
    mine = LogisticRegression(optimizer=private, C=0.5, max_iter=7).fit(X, y)
    plain = LogisticRegression(
        optimizer=GradientDescent(lr=0.5), C=0.5, batch_size=500, max_iter=7, tol=0.0
    )
    with pytest.warns(Warning, match="max_iter"):
        plain.fit(X, y)
    assert_close(mine.coef_, plain.coef_, rtol=1e-12, atol=1e-14, what="coef_")
    assert_close(mine.intercept_, plain.intercept_, rtol=1e-12, atol=1e-14, what="intercept_")


def test_private_fit_accounts_and_learns():
    X, y = _problem(n=3000, seed=2)
    optimizer = gp.DPSGD(lr=0.5, noise_multiplier=1.1, max_grad_norm=1.0, random_state=0)
    model = LogisticRegression(optimizer=optimizer, batch_size=150, max_iter=4, random_state=0)
    model.fit(X, y)
    steps = 4 * round(3000 / 150)
    assert optimizer.accountant.steps == steps
    assert_close(
        optimizer.epsilon(1e-5), gp.compute_epsilon(1.1, 150 / 3000, steps, 1e-5), rtol=1e-12
    )
    assert model.n_iter_ == 4 and model.history_["loss"].shape == (5,)
    optimum = LogisticRegression().fit(X, y).score(X, y)
    assert model.score(X, y) > optimum - 0.03


def test_more_noise_less_privacy_loss():
    X, y = _problem(n=1000, seed=3)
    epsilons = []
    for sigma in (0.7, 1.5, 4.0):
        optimizer = gp.DPSGD(noise_multiplier=sigma, random_state=0)
        LogisticRegression(optimizer=optimizer, batch_size=50, max_iter=2).fit(X, y)
        epsilons.append(optimizer.epsilon(1e-5))
    assert epsilons[0] > epsilons[1] > epsilons[2]


def test_l1_penalty_needs_a_prox():
    X, y = _problem()
    with pytest.raises(ValueError, match="optimizer"):
        LogisticRegression(penalty="l1", optimizer=gp.DPSGD()).fit(X, y)
