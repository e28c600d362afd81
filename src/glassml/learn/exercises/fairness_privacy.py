"""Fairness and privacy: the demographic parity and equalised odds differences and the noise
scales of the Laplace and Gaussian mechanisms. The graders compare with glassml.fairness and
glassml.privacy (the Gaussian mechanism's classic calibration); the Laplace scale is the plain
definition b = sensitivity / epsilon. ``tests/learn/test_references.py`` checks the parity
reference against fairlearn and the scales against the privacy loss they bound (Dwork and Roth,
2014)."""

from __future__ import annotations

import numpy as np

from glassml.fairness import demographic_parity_difference as glassml_demographic_parity
from glassml.fairness import equalized_odds_difference as glassml_equalized_odds
from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    labels,
    near,
    register,
    st,
)
from glassml.privacy import gaussian_noise_scale

# --------------------------------------------------------------------------- fairness


def demographic_parity_reference(y_pred, group):
    # y_true does not enter demographic parity; glassml's signature takes it (as fairlearn's).
    return glassml_demographic_parity(y_pred, y_pred, sensitive_features=group)


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


def equalized_odds_reference(y_true, y_pred, group):
    return glassml_equalized_odds(y_true, y_pred, sensitive_features=group)


@st.composite
def _labelled_groups(draw):
    """Every group holds a positive and a negative, so its TPR and FPR are defined."""
    n_groups = draw(st.integers(2, 3))
    y_true, group = [], []
    for g in range(n_groups):
        extra = draw(labels(draw(st.integers(0, 3)), 2))
        y_true += [1, 0, *extra.tolist()]
        group += [g] * (2 + len(extra))
    order = np.array(draw(st.permutations(range(len(group)))))
    y_pred = draw(labels(len(group), 2))
    return np.array(y_true)[order], y_pred, np.array(group)[order]


def _gaps(y_true, y_pred, group):
    """(TPR gap, FPR gap, selection-rate gap) over the groups, each max - min."""

    def gap(rates):
        return max(rates) - min(rates)

    groups = np.unique(group)
    tpr = [np.mean(y_pred[(group == g) & (y_true == 1)]) for g in groups]
    fpr = [np.mean(y_pred[(group == g) & (y_true == 0)]) for g in groups]
    selection = [np.mean(y_pred[group == g]) for g in groups]
    return gap(tpr), gap(fpr), gap(selection)


def _only(obtained, candidate, others):
    """``obtained`` is ``candidate`` and none of the other mistakes' values: a safe diagnosis."""
    return near(obtained, candidate) and not any(near(obtained, other) for other in others)


def _odds_mistake(kind):
    def test(expected, obtained, y_true, y_pred, group):
        tpr, fpr, selection = _gaps(y_true, y_pred, group)
        candidates = {"tpr": tpr, "mean": (tpr + fpr) / 2, "selection": selection}
        mine = candidates.pop(kind)
        return _only(obtained, mine, [expected, *candidates.values()])

    return test


equalized_odds_difference = Exercise(
    "fairness-privacy/equalized-odds-difference",
    "Equalised odds difference",
    "equalized_odds_difference(y_true, y_pred, group)",
    lesson="fairness-privacy/fairness-and-privacy",
    summary="The larger of two gaps between groups: of the true-positive rates "
    "P(y_pred = 1 | y = 1, g) and of the false-positive rates P(y_pred = 1 | y = 0, g).",
    checks=[
        agrees(
            "agrees with glassml.fairness.equalized_odds_difference",
            _labelled_groups(),
            equalized_odds_reference,
            rtol=1e-12,
            atol=1e-12,
            hint="Equalised odds conditions on the true label: within each group, the rate of "
            "positive predictions among its true positives (TPR) and among its true negatives "
            "(FPR). Take max - min over the groups of each, then the larger of the two gaps.",
            diagnoses=[
                (
                    _odds_mistake("tpr"),
                    "only the true-positive rates (equal opportunity); equalised odds also "
                    "compares the false-positive rates",
                ),
                (_odds_mistake("mean"), "the mean of the two gaps; take the larger"),
                (
                    _odds_mistake("selection"),
                    "selection rates over the whole group (demographic parity): condition on "
                    "the true label",
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
    return gaussian_noise_scale(sensitivity, epsilon, delta, calibration="classic")


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

register(demographic_parity_difference, equalized_odds_difference, laplace_scale, gaussian_sigma)
