"""Robustness entries of glassml.privacy, and of the per-example machinery DP-SGD drives
(glassml.optim.PerExampleGradients, glassml.optim.wants_per_example,
glassml.nn.per_example_gradients); see framework.py.

Declared transforms: the Laplace and Gaussian mechanisms with a fixed seed add the same noise
whatever the value's scale, so their output minus the value is invariant (checked through a
wrapper returning that difference); the exponential mechanism's probabilities depend on the
utilities only through ε u / Δu, so utilities and sensitivity scaled together change nothing;
audit_epsilon reads its outputs through their order only (thresholds at quantiles), so scaling
both samples changes nothing; a PerExampleGradients' squared norms scale as s² (s⁴ for outer
blocks, whose two factors both scale) and its weighted sums as s.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml import nn, optim, privacy

VALUE = np.array([3.0, -1.0, 10.0, 0.5])
UTILITIES = np.array([0.0, 1.0, 2.0, 0.5])
RESPONSES = np.array([0, 1, 1, 0, 1, 1, 0, 1, 0, 0])
_rng = np.random.default_rng(0)
OUTPUTS = _rng.laplace(0.0, 1.0, 400)
OUTPUTS_NEIGHBOUR = _rng.laplace(1.0, 1.0, 400)


def _laplace_noise(value, sensitivity, epsilon, random_state):
    released = privacy.laplace_mechanism(
        value, sensitivity=sensitivity, epsilon=epsilon, random_state=random_state
    )
    return np.asarray(released) - np.asarray(value), np.asarray(released)


def _gaussian_noise(value, sensitivity, epsilon, delta, calibration, random_state):
    released = privacy.gaussian_mechanism(
        value,
        sensitivity=sensitivity,
        epsilon=epsilon,
        delta=delta,
        calibration=calibration,
        random_state=random_state,
    )
    return np.asarray(released) - np.asarray(value), np.asarray(released)


def _scaled_noise_check(base, scaled, s):
    """With the seed fixed the noise does not depend on the value: at tiny scale the noise is
    the valid call's; at 1e300 it is lost to rounding and the release equals the value."""
    if s > 1:
        if not np.allclose(scaled[1] / s, VALUE, rtol=1e-12):
            raise AssertionError(f"release at scale {s:g} is not the value: {scaled[1][:4]}")
        return
    invariant(rtol=1e-9, atol=1e-12)(base[0], scaled[0], s)


NOISE_SCALE = Scale(args=("value",), check=_scaled_noise_check)

ENTRIES = [
    Entry(
        "glassml.privacy.laplace_mechanism",
        _laplace_noise,
        {"value": VALUE, "sensitivity": 1.0, "epsilon": 0.5, "random_state": 0},
        arrays=("value",),
        options={
            "sensitivity": opt(0.0, -1.0),
            "epsilon": opt(0.0, -0.5),
            "random_state": opt(-1, "seed", auto=False),
        },
        scale=(NOISE_SCALE,),
        skip={"empty": "an empty array of values releases an empty array: a correct answer"},
    ),
    Entry(
        "glassml.privacy.gaussian_mechanism",
        _gaussian_noise,
        {
            "value": VALUE,
            "sensitivity": 1.0,
            "epsilon": 0.5,
            "delta": 1e-5,
            "calibration": "analytic",
            "random_state": 0,
        },
        arrays=("value",),
        options={
            "sensitivity": opt(0.0, -1.0),
            "epsilon": opt(0.0, -0.5),
            "delta": opt(0.0, 1.0, -0.1),
            "calibration": opt(),
            "random_state": opt(-1, "seed", auto=False),
        },
        scale=(NOISE_SCALE,),
        skip={"empty": "an empty array of values releases an empty array: a correct answer"},
    ),
    Entry(
        "glassml.privacy.gaussian_noise_scale",
        lambda sensitivity, epsilon, delta, calibration: privacy.gaussian_noise_scale(
            sensitivity, epsilon, delta, calibration=calibration
        ),
        {"sensitivity": 1.0, "epsilon": 0.5, "delta": 1e-5, "calibration": "classic"},
        options={
            "sensitivity": opt(0.0),
            "epsilon": opt(0.0, 2.0),  # the classic calibration is proven for epsilon < 1
            "delta": opt(0.0, 1.0),
            "calibration": opt(),
        },
    ),
]

SAME_PROBABILITIES = Scale(
    args=("utilities", "sensitivity"), check=invariant(rtol=1e-9, atol=1e-12)
)


def _exp_probabilities(utilities, sensitivity, epsilon, monotonic):
    return privacy.exponential_mechanism_probabilities(
        utilities, sensitivity=sensitivity, epsilon=epsilon, monotonic=monotonic
    )


def _exp_draws(utilities, sensitivity, epsilon, size, random_state):
    return privacy.exponential_mechanism(
        utilities, sensitivity=sensitivity, epsilon=epsilon, size=size, random_state=random_state
    )


ENTRIES += [
    Entry(
        "glassml.privacy.exponential_mechanism_probabilities",
        _exp_probabilities,
        {"utilities": UTILITIES, "sensitivity": 1.0, "epsilon": 1.0, "monotonic": False},
        arrays=("utilities",),
        options={"sensitivity": opt(0.0), "epsilon": opt(0.0), "monotonic": opt()},
        scale=(
            Scale(
                args=("utilities",),
                # Utilities far apart put all the mass on the best one; tiny ones tie.
                check=lambda base, scaled, s: (
                    None
                    if np.isclose(np.sum(scaled), 1.0)
                    else (_ for _ in ()).throw(AssertionError("probabilities do not sum to 1"))
                ),
            ),
        ),
    ),
    Entry(
        "glassml.privacy.exponential_mechanism",
        _exp_draws,
        {
            "utilities": UTILITIES,
            "sensitivity": 1.0,
            "epsilon": 1.0,
            "size": 50,
            "random_state": 0,
        },
        arrays=("utilities",),
        options={
            "sensitivity": opt(0.0),
            "epsilon": opt(0.0),
            "size": opt(0, -1),
            "random_state": opt(-1, "seed", auto=False),
        },
        skip={
            "huge": "utilities 1e300 apart put all the mass on the best candidate: a constant "
            "draw is the correct answer (probabilities judged by their own entry)",
            "tiny": "utilities 1e-300 apart are tied: draws uniform over the candidates, "
            "judged by the probabilities' entry",
        },
    ),
    Entry(
        "glassml.privacy.randomized_response",
        lambda values, epsilon, random_state: privacy.randomized_response(
            values, epsilon=epsilon, categories=[0, 1], random_state=random_state
        ),
        {"values": RESPONSES, "epsilon": 1.0, "random_state": 0},
        labels=("values",),
        options={"epsilon": opt(0.0, -1.0), "random_state": opt(-1, "seed", auto=False)},
        skip={"one_class": "every person answering the same is legal; the responses are noisy"},
    ),
    Entry(
        "glassml.privacy.randomized_response_frequencies",
        lambda responses, epsilon: privacy.randomized_response_frequencies(
            responses, epsilon=epsilon, categories=[0, 1]
        ),
        {"responses": RESPONSES, "epsilon": 1.0},
        labels=("responses",),
        options={"epsilon": opt(0.0, -1.0)},
        skip={"one_class": "every response equal gives an estimate outside [0, 1]: unbiased"},
    ),
]

# ------------------------------------------------------------------------------ accounting
ORDERS = [1.5, 2.0, 4.0, 8.0, 16.0, 32.0]
RDP = np.array([0.01, 0.02, 0.05, 0.1, 0.25, 0.6])
ACCOUNTANT = privacy.RDPAccountant().step(1.1, 0.01, 100)

ENTRIES += [
    Entry(
        "glassml.privacy.rdp_sampled_gaussian",
        lambda noise_multiplier, sample_rate, orders: privacy.rdp_sampled_gaussian(
            noise_multiplier, sample_rate, orders
        ),
        {"noise_multiplier": 1.1, "sample_rate": 0.01, "orders": np.array(ORDERS)},
        arrays=("orders",),
        options={"noise_multiplier": opt(0.0, -1.0), "sample_rate": opt(0.0, 1.5)},
        skip={
            "empty": "no order gives no RDP value: an empty array is the correct answer",
        },
    ),
    Entry(
        "glassml.privacy.rdp_to_epsilon",
        lambda orders, rdp, delta: privacy.rdp_to_epsilon(orders, rdp, delta),
        {"orders": np.array(ORDERS), "rdp": RDP, "delta": 1e-5},
        arrays=("orders", "rdp"),
        options={"delta": opt(0.0, 1.0)},
        aliases={"orders": ("rdp",), "rdp": ("orders",)},
        skip={
            "inf": "an infinite RDP at one order is legal (that order bounds nothing, as in "
            "dp-accounting) and the other orders decide; infinite orders are refused by name "
            "(the accountant's entries)"
        },
    ),
    Entry(
        "glassml.privacy.rdp_to_delta",
        lambda orders, rdp, epsilon: privacy.rdp_to_delta(orders, rdp, epsilon),
        {"orders": np.array(ORDERS), "rdp": RDP, "epsilon": 1.0},
        arrays=("orders", "rdp"),
        options={"epsilon": opt(-1.0)},
        aliases={"orders": ("rdp",), "rdp": ("orders",)},
        skip={
            "inf": "an infinite RDP at one order is legal (that order bounds nothing, as in "
            "dp-accounting) and the other orders decide; infinite orders are refused by name "
            "(the accountant's entries)"
        },
    ),
    Entry(
        "glassml.privacy.compute_epsilon",
        lambda noise_multiplier, sample_rate, steps, delta: privacy.compute_epsilon(
            noise_multiplier, sample_rate, steps, delta
        ),
        {"noise_multiplier": 1.1, "sample_rate": 0.01, "steps": 100, "delta": 1e-5},
        options={
            "noise_multiplier": opt(0.0),
            "sample_rate": opt(0.0, 1.5),
            "steps": opt(0, -1),
            "delta": opt(0.0, 1.0),
        },
    ),
    Entry(
        "glassml.privacy.calibrate_noise_multiplier",
        lambda target_epsilon, sample_rate, steps, delta: privacy.calibrate_noise_multiplier(
            target_epsilon, sample_rate, steps, delta, rtol=1e-6
        ),
        {"target_epsilon": 1.0, "sample_rate": 0.01, "steps": 100, "delta": 1e-5},
        options={
            "target_epsilon": opt(0.0, -1.0),
            "sample_rate": opt(0.0, 1.5),
            "steps": opt(0),
            "delta": opt(0.0, 1.0),
        },
    ),
    Entry(
        "glassml.privacy.RDPAccountant",
        lambda orders: privacy.RDPAccountant(orders).step(1.1, 0.01, 10).get_epsilon(1e-5),
        {"orders": np.array(ORDERS)},
        arrays=("orders",),
        skip={
            "empty": "no order cannot bound anything: refused by name, checked in "
            "tests/privacy/test_accountant.py",
        },
    ),
    Entry(
        "glassml.privacy.RDPAccountant.step",
        lambda noise_multiplier, sample_rate, steps: (
            privacy.RDPAccountant().step(noise_multiplier, sample_rate, steps).rdp
        ),
        {"noise_multiplier": 1.1, "sample_rate": 0.01, "steps": 10},
        options={"noise_multiplier": opt(0.0), "sample_rate": opt(0.0, 2.0), "steps": opt(0)},
    ),
    Entry(
        "glassml.privacy.RDPAccountant.get_epsilon",
        lambda delta: ACCOUNTANT.get_epsilon(delta),
        {"delta": 1e-5},
        options={"delta": opt(0.0, 1.0, -0.5)},
    ),
    Entry(
        "glassml.privacy.RDPAccountant.get_epsilon_and_order",
        lambda delta: ACCOUNTANT.get_epsilon_and_order(delta),
        {"delta": 1e-5},
        options={"delta": opt(0.0, 1.0)},
    ),
    Entry(
        "glassml.privacy.RDPAccountant.get_delta",
        lambda epsilon: ACCOUNTANT.get_delta(epsilon),
        {"epsilon": 1.0},
        options={"epsilon": opt(-1.0)},
    ),
    Entry(
        "glassml.privacy.audit_epsilon",
        lambda outputs, outputs_neighbour, delta, alpha, n_thresholds: (
            privacy.audit_epsilon(
                outputs, outputs_neighbour, delta=delta, alpha=alpha, n_thresholds=n_thresholds
            ).epsilon_lower
        ),
        {
            "outputs": OUTPUTS,
            "outputs_neighbour": OUTPUTS_NEIGHBOUR,
            "delta": 0.0,
            "alpha": 0.05,
            "n_thresholds": 20,
        },
        arrays=("outputs", "outputs_neighbour"),
        options={"delta": opt(1.0, -0.1), "alpha": opt(0.0, 1.0), "n_thresholds": opt(0)},
        scale=(
            Scale(args=("outputs", "outputs_neighbour"), check=invariant(rtol=1e-12, atol=1e-12)),
        ),
        aliases={"outputs": ("outputs_neighbour",), "outputs_neighbour": ("outputs",)},
        skip={
            "length": "the two samples may differ in size (runs on D and on D'): a correct result"
        },
    ),
]

# ------------------------------------------------------------------------------ DPSGD
PARAM_SHAPES = [(3, 2), (2,)]
A = _rng.normal(size=(5, 3))
G = _rng.normal(size=(5, 2))
GRADS = optim.PerExampleGradients(PARAM_SHAPES, [("outer", A, G), ("rows", G)])


def _dpsgd_run(lr, noise_multiplier, max_grad_norm, sample_rate, momentum, random_state):
    optimizer = privacy.DPSGD(
        lr=lr,
        noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm,
        sample_rate=sample_rate,
        momentum=momentum,
        random_state=random_state,
    )
    optimizer.batches(100, 10, np.random.default_rng(0))
    params = [np.ones((3, 2)), np.zeros(2)]
    optimizer.step(params, GRADS)
    return params, optimizer.epsilon(1e-5)


def _ready(**kwargs):
    optimizer = privacy.DPSGD(random_state=0, **kwargs)
    optimizer.batches(100, 10, np.random.default_rng(0))
    return optimizer


def _dpsgd_step(grads):
    params = [np.ones((5, 3))]
    _ready().step(params, [grads])
    return params


def _dpsgd_batches(n_samples, batch_size):
    batches = privacy.DPSGD(random_state=0).batches(n_samples, batch_size, np.random.default_rng(0))
    return [batch.size for batch in batches]


ENTRIES += [
    Entry(
        "glassml.privacy.DPSGD",
        _dpsgd_run,
        {
            "lr": 0.1,
            "noise_multiplier": 1.0,
            "max_grad_norm": 1.0,
            "sample_rate": 0.1,
            "momentum": 0.5,
            "random_state": 0,
        },
        options={
            "lr": opt(-0.1),
            "noise_multiplier": opt(0.0, -1.0),
            "max_grad_norm": opt(0.0, -1.0),
            "sample_rate": opt(0.0, 1.5),
            "momentum": opt(1.0, -0.1),
            "random_state": opt(-1, "seed", auto=False),
        },
    ),
    Entry(
        "glassml.privacy.DPSGD.step",
        _dpsgd_step,
        {"grads": _rng.normal(size=(4, 5, 3))},
        arrays=("grads",),
        skip={
            "empty": "an empty Poisson batch is legal: the step adds only noise (correct)",
        },
    ),
    Entry(
        "glassml.privacy.DPSGD.batches",
        _dpsgd_batches,
        {"n_samples": 100, "batch_size": 10},
        options={"n_samples": opt(0, -1), "batch_size": opt(0, -1)},
    ),
    Entry(
        "glassml.privacy.DPSGD.privatize",
        lambda grads: _ready().privatize(optim.PerExampleGradients.from_arrays([grads])),
        {"grads": _rng.normal(size=(4, 5, 3))},
        arrays=("grads",),
        skip={
            "empty": "an empty batch gives noise alone: a correct result",
            "ndim": "any axes after the first are a parameter's shape: one axis fewer is "
            "another valid problem with fewer numbers, not a malformed one",
        },
    ),
    Entry(
        "glassml.privacy.DPSGD.epsilon",
        lambda delta: _stepped().epsilon(delta),
        {"delta": 1e-5},
        options={"delta": opt(0.0, 1.0)},
    ),
]


def _stepped():
    optimizer = _ready()
    optimizer.step([np.zeros((3, 2)), np.zeros(2)], GRADS)
    return optimizer


# ------------------------------------------------------------------------------ per-example
SQUARED_NORMS = Scale(args=("left",), check=equivariant(power=2.0, rtol=1e-9))


def _per_example(left, right):
    grads = optim.PerExampleGradients(PARAM_SHAPES, [("outer", left, right), ("rows", right)])
    return grads.squared_norms(), grads.weighted_sum(np.ones(left.shape[0]))


ENTRIES += [
    Entry(
        "glassml.optim.PerExampleGradients",
        _per_example,
        {"left": A, "right": G},
        arrays=("left", "right"),
        aliases={"left": ("blocks", "blocks[0]"), "right": ("blocks", "blocks[0]", "blocks[1]")},
        skip={
            "empty": "no example gives zero norms and zero sums: a correct result",
            "huge": "squared norms of 1e300-sized gradients overflow to inf; DPSGD refuses "
            "them by name rather than clip them to zero (its step and privatize entries)",
        },
    ),
    Entry(
        "glassml.optim.PerExampleGradients.squared_norms",
        lambda: GRADS.squared_norms(),
        {},
    ),
    Entry(
        "glassml.optim.PerExampleGradients.weighted_sum",
        lambda coefficients: GRADS.weighted_sum(coefficients),
        {"coefficients": np.linspace(0.1, 1.0, 5)},
        arrays=("coefficients",),
        scale=(Scale(args=("coefficients",), check=equivariant(power=1.0, rtol=1e-9)),),
    ),
    Entry(
        "glassml.optim.PerExampleGradients.materialize",
        lambda: GRADS.materialize(),
        {},
    ),
    Entry(
        "glassml.optim.PerExampleGradients.from_arrays",
        lambda grads: optim.PerExampleGradients.from_arrays([grads]).materialize(),
        {"grads": _rng.normal(size=(4, 2, 3))},
        arrays=("grads",),
        scale=(Scale(args=("grads",), check=equivariant(power=1.0, rtol=1e-12)),),
        skip={
            "empty": "no example: an empty array of gradients, a correct result",
            "ndim": "any axes after the first are a parameter's shape: one axis fewer is "
            "another valid problem with fewer numbers, not a malformed one",
        },
    ),
    Entry(
        "glassml.optim.PerExampleGradients.empty",
        lambda shapes: optim.PerExampleGradients.empty(shapes).weighted_sum(np.zeros(0)),
        {"shapes": [(3, 2), (2,)]},
    ),
    Entry(
        "glassml.optim.wants_per_example",
        lambda optimizer: optim.wants_per_example(optimizer),
        {"optimizer": privacy.DPSGD()},
    ),
]


def _network():
    model = nn.Sequential([nn.Dense(4), nn.ReLU(), nn.Dense(2)])
    model.build((3,), np.random.default_rng(0), np.float64)
    return model


NETWORK = _network()
X_BATCH = _rng.normal(size=(6, 3))
Y_BATCH = np.array([0, 1, 1, 0, 1, 0])

ENTRIES += [
    Entry(
        "glassml.nn.per_example_gradients",
        lambda X_batch, y_batch, loss, alpha: per_example_norms(X_batch, y_batch, loss, alpha),
        {"X_batch": X_BATCH, "y_batch": Y_BATCH, "loss": "cross_entropy", "alpha": 0.1},
        arrays=("X_batch",),
        labels=("y_batch",),
        options={"loss": opt(), "alpha": opt(-1.0)},
        aliases={"X_batch": ("y_batch",), "y_batch": ("X_batch",)},
        skip={
            "one_class": "a batch of one class has well-defined gradients",
            "empty": "an empty Poisson batch has no example gradients: a correct result",
        },
    ),
]


def per_example_norms(X_batch, y_batch, loss, alpha):
    # The gradients themselves (their squared norms overflow at X * 1e300, which DPSGD
    # refuses by name: its entries).
    return nn.per_example_gradients(NETWORK, X_batch, y_batch, loss, alpha).materialize()


EXEMPT = {
    "glassml.privacy.AuditResult": "a frozen record audit_epsilon fills in (no computation); "
    "that entry judges its fields",
    "glassml.privacy.DPSGD.reset": "takes no argument: restarts the accountant and the noise "
    "generator, exercised by every DPSGD entry through fit loops",
}
