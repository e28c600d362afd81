"""The empirical check of the guarantee: a membership-inference audit of each mechanism.

For neighbouring datasets D and D' (one record changed: a count moves by its sensitivity, one
person's answer flips, one candidate's utility moves by Δu) the mechanism is run n times on
each. ``audit_epsilon`` turns the outputs into a lower confidence bound on ε: for every event S
tried (thresholds on the output, both directions) it bounds P[M(D) ∈ S] from below and
P[M(D') ∈ S] from above by Clopper-Pearson intervals, Bonferroni-corrected so that all hold
together with probability 1 - α. An (ε, δ)-DP mechanism satisfies
P[M(D) ∈ S] <= e^ε P[M(D') ∈ S] + δ for every S, so its audited bound exceeds ε with
probability at most α = 1e-4 — on any machine and seed. The same audit on a mechanism that adds
half the noise it should must find ε exceeded, and on the correct one it must come close to ε
(the check has power, not only validity).

DP-SGD: its privacy loss from the accountant decreases as the noise grows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import glassml.privacy as gp

ALPHA = 1e-4
N = 100_000


def _runs(mechanism, first, second, seed):
    rng = np.random.default_rng(seed)
    return mechanism(first, rng), mechanism(second, rng)


def test_laplace_audit():
    epsilon = 1.0

    def laplace(count, rng, epsilon=epsilon):
        return gp.laplace_mechanism(
            np.full(N, count), sensitivity=1.0, epsilon=epsilon, random_state=rng
        )

    result = gp.audit_epsilon(*_runs(laplace, 10.0, 11.0, 0), alpha=ALPHA)
    assert result.epsilon_lower <= epsilon
    assert result.epsilon_lower > 0.85 * epsilon  # the audit is nearly tight for Laplace
    broken = gp.audit_epsilon(
        *_runs(lambda c, rng: laplace(c, rng, epsilon=2 * epsilon), 10.0, 11.0, 1), alpha=ALPHA
    )
    assert broken.epsilon_lower > epsilon  # half the noise: caught


@pytest.mark.parametrize("calibration", ["analytic", "classic"])
def test_gaussian_audit(calibration):
    epsilon, delta = 0.8, 1e-3

    def gaussian(value, rng, scale=1.0):
        sigma = gp.gaussian_noise_scale(1.0, epsilon, delta, calibration=calibration) * scale
        return value + rng.normal(0.0, sigma, size=N)

    def mechanism(value, rng):
        return gp.gaussian_mechanism(
            np.full(N, value),
            sensitivity=1.0,
            epsilon=epsilon,
            delta=delta,
            calibration=calibration,
            random_state=rng,
        )

    result = gp.audit_epsilon(*_runs(mechanism, 0.0, 1.0, 2), delta=delta, alpha=ALPHA)
    assert result.epsilon_lower <= epsilon
    broken = gp.audit_epsilon(
        *_runs(lambda v, rng: gaussian(v, rng, 0.4), 0.0, 1.0, 3), delta=delta, alpha=ALPHA
    )
    assert broken.epsilon_lower > epsilon


def test_randomized_response_audit():
    epsilon = 1.5

    def respond(answer, rng, epsilon=epsilon):
        return gp.randomized_response(
            np.full(N, answer), epsilon=epsilon, categories=[0, 1], random_state=rng
        ).astype(float)

    result = gp.audit_epsilon(*_runs(respond, 0, 1, 4), alpha=ALPHA)
    assert 0.9 * epsilon < result.epsilon_lower <= epsilon
    broken = gp.audit_epsilon(*_runs(lambda a, rng: respond(a, rng, 2.5), 0, 1, 5), alpha=ALPHA)
    assert broken.epsilon_lower > epsilon


def test_exponential_mechanism_audit():
    epsilon = 1.0
    utilities = np.array([0.0, 1.0, 2.0, 1.5])
    neighbour = utilities + np.array([1.0, 0.0, -1.0, 0.0])  # each utility moves by <= 1

    def select(u, rng, epsilon=epsilon):
        return gp.exponential_mechanism(
            u, sensitivity=1.0, epsilon=epsilon, size=N, random_state=rng
        ).astype(float)

    result = gp.audit_epsilon(*_runs(select, utilities, neighbour, 6), alpha=ALPHA)
    assert result.epsilon_lower <= epsilon
    broken = gp.audit_epsilon(
        *_runs(lambda u, rng: select(u, rng, 3.0), utilities, neighbour, 7), alpha=ALPHA
    )
    assert broken.epsilon_lower > epsilon


def test_audit_of_identical_mechanisms_finds_nothing():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=5000), rng.normal(size=5000)
    result = gp.audit_epsilon(a, b, alpha=ALPHA)
    assert result.epsilon_lower < 0.2


def test_dpsgd_privacy_loss_falls_as_noise_grows():
    epsilons = [gp.compute_epsilon(sigma, 0.01, 2000, 1e-5) for sigma in (0.6, 0.8, 1.0, 1.5, 3.0)]
    assert all(a > b for a, b in itertools.pairwise(epsilons))
    more_steps = [gp.compute_epsilon(1.0, 0.01, steps, 1e-5) for steps in (100, 1000, 10000)]
    assert all(a < b for a, b in itertools.pairwise(more_steps))


def test_audit_bad_input_is_named():
    with pytest.raises(ValueError, match="outputs: expected one released number per run"):
        gp.audit_epsilon(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="outputs_neighbour"):
        gp.audit_epsilon(np.ones(3), [1.0, np.nan])
    with pytest.raises(ValueError, match="alpha"):
        gp.audit_epsilon(np.ones(3), np.ones(3), alpha=1.5)
