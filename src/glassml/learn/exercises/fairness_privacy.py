"""Fairness and privacy: the demographic parity difference and the noise scales of the
Laplace and Gaussian mechanisms. glassml's fairness and privacy family is not on main yet: the
references are plain definitions verified against fairlearn's
``demographic_parity_difference`` and against the mechanisms' privacy loss (Dwork and Roth,
2014) in ``tests/learn/test_references.py``."""

from __future__ import annotations

import numpy as np

from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    labels,
    near,
    register,
    st,
)

# --------------------------------------------------------------------------- fairness


def demographic_parity_reference(y_pred, group):
    rates = [np.mean(y_pred[group == g]) for g in np.unique(group)]
    return float(max(rates) - min(rates))


@st.composite
def _fairness_inputs(draw):
    n = draw(st.integers(2, 12))
    n_groups = draw(st.integers(2, 3))
    group = draw(labels(n, n_groups))
    group[0], group[1] = 0, 1
    return draw(labels(n, 2)), group


demographic_parity_difference = Exercise(
    "fairness-privacy/demographic-parity-difference",
    "Demographic parity difference",
    "demographic_parity_difference(y_pred, group)",
    lesson="fairness-privacy/fairness-and-privacy",
    summary="The largest minus the smallest selection rate P(y_pred = 1 | group = g) over the "
    "groups present.",
    checks=[
        agrees(
            "agrees with fairlearn.metrics.demographic_parity_difference",
            _fairness_inputs(),
            demographic_parity_reference,
            rtol=1e-12,
            atol=1e-12,
            hint="For each group, the share of its members predicted positive; the difference "
            "is max - min over all groups (not the first two), never negative.",
            diagnoses=[
                (
                    lambda e, o, y, g: near(o, np.mean(y[g == 0]) - np.mean(y[g == 1])),
                    "the signed difference of groups 0 and 1; take max - min over all groups",
                ),
                (
                    lambda e, o, y, g: near(
                        o,
                        max(np.sum(y[g == k]) for k in np.unique(g))
                        - min(np.sum(y[g == k]) for k in np.unique(g)),
                    ),
                    "counts of positives, not rates: divide by each group's size",
                ),
            ],
        ),
    ],
)

# --------------------------------------------------------------------------- privacy


def laplace_scale_reference(sensitivity, epsilon):
    return sensitivity / epsilon


_privacy_budget = st.tuples(
    grid(0.5, 5, 0.5), st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]), st.just(None)
)

laplace_scale = Exercise(
    "fairness-privacy/laplace-scale",
    "The Laplace mechanism's noise scale",
    "laplace_scale(sensitivity, epsilon)",
    lesson="fairness-privacy/fairness-and-privacy",
    summary="b = sensitivity / epsilon: adding Laplace(0, b) noise to a query of L1 "
    "sensitivity Delta is epsilon-differentially private.",
    checks=[
        agrees(
            "agrees with the scale that makes the privacy loss at most epsilon",
            _privacy_budget.map(lambda t: t[:2]),
            laplace_scale_reference,
            rtol=1e-12,
            hint="Moving the query's answer by Delta changes the Laplace log-density by at most "
            "Delta / b; that must be at most epsilon, so b = Delta / epsilon.",
            diagnoses=[
                (lambda e, o, s, eps: near(o, eps / s), "the ratio is upside down"),
                (lambda e, o, s, eps: near(o, s * eps), "multiplied by epsilon; divide by it"),
            ],
        ),
    ],
)


def gaussian_sigma_reference(sensitivity, epsilon, delta):
    return sensitivity * np.sqrt(2.0 * np.log(1.25 / delta)) / epsilon


gaussian_sigma = Exercise(
    "fairness-privacy/gaussian-sigma",
    "The Gaussian mechanism's noise standard deviation",
    "gaussian_sigma(sensitivity, epsilon, delta)",
    lesson="fairness-privacy/fairness-and-privacy",
    summary="sigma = Delta_2 sqrt(2 ln(1.25 / delta)) / epsilon (Dwork and Roth, Theorem A.1; "
    "epsilon < 1).",
    checks=[
        agrees(
            "agrees with the classical Gaussian mechanism's calibration",
            st.tuples(
                grid(0.5, 5, 0.5),
                st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]),
                st.sampled_from([1e-3, 1e-5, 1e-7]),
            ),
            gaussian_sigma_reference,
            rtol=1e-12,
            hint="sigma = Delta sqrt(2 ln(1.25 / delta)) / epsilon: delta is the small "
            "probability with which the loss bound may fail; the L2 sensitivity scales sigma.",
            diagnoses=[
                (
                    lambda e, o, s, eps, d: near(o, s * 2 * np.log(1.25 / d) / eps),
                    "the square root is missing",
                ),
                (
                    lambda e, o, s, eps, d: near(o, s * np.sqrt(2 * np.log(1 / d)) / eps),
                    "ln(1 / delta) instead of ln(1.25 / delta)",
                ),
            ],
        ),
    ],
)

register(demographic_parity_difference, laplace_scale, gaussian_sigma)
