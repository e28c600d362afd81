"""The case studies' capstones: the metric or decision each case study turns on. Predictive
maintenance: the asymmetric NASA score of remaining-useful-life predictions; fraud: the
cost-optimal alarm threshold; recommendation: precision at k; medical imaging: expected
calibration error. References: glassml.timeseries for the NASA score (also checked against its
paper's worked values in ``tests/learn/test_references.py``), glassml.model_selection for the
threshold and the calibration error, glassml.recommend for precision at k."""

from __future__ import annotations

import numpy as np

from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    holds,
    labels,
    near,
    register,
    st,
    vectors,
)
from glassml.model_selection import cost_optimal_threshold as glassml_threshold
from glassml.model_selection import expected_calibration_error as glassml_ece
from glassml.recommend import precision_at_k as glassml_precision
from glassml.timeseries import nasa_score as glassml_nasa_score

# --------------------------------------------------------------------------- maintenance


def nasa_score_reference(rul_true, rul_pred):
    """Saxena et al. (2008): sum of exp(-d/13) - 1 (early, d < 0) and exp(d/10) - 1 (late)."""
    return glassml_nasa_score(rul_true, rul_pred)


def _nasa_swapped(rul_true, rul_pred):
    d = rul_pred - rul_true
    return np.sum(np.where(d < 0, np.expm1(-d / 10.0), np.expm1(d / 13.0)))


@st.composite
def _rul(draw):
    n = draw(st.integers(1, 6))
    return draw(vectors(n, grid(0, 40, 1))), draw(vectors(n, grid(0, 40, 1)))


nasa_score = Exercise(
    "capstones/nasa-score",
    "Predictive maintenance: the NASA scoring function",
    "nasa_score(rul_true, rul_pred)",
    lesson="capstones/predictive-maintenance",
    summary="d = predicted - true RUL; sum of exp(-d/13) - 1 where d < 0 and exp(d/10) - 1 "
    "where d >= 0: late predictions cost more.",
    checks=[
        agrees(
            "agrees with the PHM08 scoring function",
            _rul(),
            nasa_score_reference,
            rtol=1e-9,
            hint="d = predicted - true. An early prediction (d < 0) wastes some life of the "
            "engine: exp(-d / 13) - 1. A late one (d > 0) risks a failure in service and is "
            "penalised faster: exp(d / 10) - 1.",
            diagnoses=[
                (
                    lambda e, o, t, p: (
                        near(o, nasa_score_reference(p, t)) and not near(o, _nasa_swapped(t, p))
                    ),
                    "d has the wrong sign: it is predicted - true",
                ),
                (
                    lambda e, o, t, p: (
                        near(o, _nasa_swapped(t, p)) and not near(o, nasa_score_reference(p, t))
                    ),
                    "the constants are swapped: late predictions (d > 0) use 10",
                ),
            ],
        ),
        agrees(
            "edge case: perfect predictions score 0",
            [(np.array([10.0, 3.0]), np.array([10.0, 3.0]))],
            nasa_score_reference,
            hint="exp(0) - 1 = 0: each term is zero when predicted equals true.",
        ),
    ],
)

# --------------------------------------------------------------------------- fraud


def _cost(y, s, threshold, cost_fp, cost_fn):
    alarm = s >= threshold
    return cost_fp * np.sum(alarm & (y == 0)) + cost_fn * np.sum(~alarm & (y == 1))


@st.composite
def _fraud(draw):
    n = draw(st.integers(2, 10))
    y = draw(labels(n, 2))
    y[0], y[1] = 0, 1  # both classes: a threshold trades one error for the other
    s = draw(vectors(n, grid(0, 1, 0.1)))
    return y, s, draw(st.sampled_from([1.0, 2.0])), draw(st.sampled_from([1.0, 5.0, 20.0]))


def _cheapest(threshold, y, s, cost_fp, cost_fn):
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        return f"expected a number (a threshold), got {threshold!r}"
    best = glassml_threshold(y, s, cost_fp=cost_fp, cost_fn=cost_fn)
    want, got = _cost(y, s, best, cost_fp, cost_fn), _cost(y, s, threshold, cost_fp, cost_fn)
    if got > want:
        return (
            f"alarming at score >= {threshold:g} costs {got:g}; the cheapest threshold "
            f"(glassml.model_selection.cost_optimal_threshold: {best:g}) costs {want:g}"
        )
    return None


cost_optimal_threshold = Exercise(
    "capstones/cost-optimal-threshold",
    "Fraud detection: the cost-optimal alarm threshold",
    "cost_optimal_threshold(y_true, scores, cost_fp, cost_fn)",
    lesson="capstones/fraud-detection",
    summary="The threshold t (alarm when score >= t) minimising cost_fp FP(t) + cost_fn FN(t); "
    "np.inf when raising no alarm at all is cheapest.",
    checks=[
        holds(
            "the threshold is as cheap as glassml.model_selection.cost_optimal_threshold's",
            _fraud(),
            _cheapest,
            hint="Only the observed scores matter as thresholds (between two of them the "
            "decisions do not change), plus 'never alarm' (np.inf). For each candidate count "
            "FP = negatives with score >= t and FN = positives with score < t.",
        ),
        holds(
            "edge case: expensive false alarms, cheap misses: no alarm at all",
            [(np.array([0, 0, 1]), np.array([0.9, 0.8, 0.1]), 10.0, 1.0)],
            _cheapest,
            hint="Including 'never alarm' (t = inf) among the candidates: it costs cost_fn per "
            "positive and nothing else.",
        ),
    ],
)

# --------------------------------------------------------------------------- recommendation


def _precision_reference(recommended, relevant, k):
    return glassml_precision([recommended], [relevant], k)


@st.composite
def _recommendations(draw):
    n_items = draw(st.integers(1, 10))
    recommended = draw(st.permutations(list(range(n_items))))
    relevant = draw(st.sets(st.integers(0, 12), min_size=1, max_size=6))
    return recommended, sorted(relevant), draw(st.integers(1, n_items))


precision_at_k = Exercise(
    "capstones/precision-at-k",
    "Recommendation: precision at k",
    "precision_at_k(recommended, relevant, k)",
    lesson="capstones/recommendation",
    summary="|top-k recommended items that are relevant| / k (k at most the list's length).",
    checks=[
        agrees(
            "agrees with glassml.recommend.precision_at_k",
            _recommendations(),
            _precision_reference,
            rtol=1e-12,
            hint="Take the first k recommended items (the ranking's head), count those in the "
            "relevant set, divide by k (not by the number of relevant items: that is recall).",
            diagnoses=[
                (
                    lambda e, o, rec, rel, k: (
                        near(o, e * k / len(rel)) and not near(o, e * k / len(rec))
                    ),
                    "divided by the number of relevant items: that is recall at k",
                ),
                (
                    lambda e, o, rec, rel, k: (
                        near(o, e * k / len(rec)) and not near(o, e * k / len(rel))
                    ),
                    "divided by the length of the whole list; the denominator is k",
                ),
            ],
        ),
    ],
)

# --------------------------------------------------------------------------- medical imaging


def _ece_reference(y_true, y_prob, n_bins):
    return glassml_ece(y_true, y_prob, n_bins=n_bins)


@st.composite
def _calibration(draw):
    n = draw(st.integers(1, 10))
    return (
        draw(labels(n, 2)),
        draw(vectors(n, grid(0, 1, 0.05))),
        draw(st.integers(1, 5)),
    )


expected_calibration_error = Exercise(
    "capstones/expected-calibration-error",
    "Medical imaging: expected calibration error",
    "expected_calibration_error(y_true, y_prob, n_bins)",
    lesson="capstones/medical-imaging",
    summary="Bins [0, 1/B), [1/B, 2/B), ..., [(B-1)/B, 1]; ECE = sum_k (n_k / n) "
    "|mean(y in bin k) - mean(p in bin k)| over non-empty bins.",
    checks=[
        agrees(
            "agrees with glassml.model_selection.expected_calibration_error",
            _calibration(),
            _ece_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Bin index = how many inner edges 1/B, ..., (B-1)/B are <= p (so p = 1 falls "
            "in the last bin, an edge opens the next bin); weight each bin's |observed "
            "frequency - mean forecast| by its share n_k / n of the samples.",
            diagnoses=[
                (
                    lambda e, o, y, p, b: near(o, abs(np.mean(y) - np.mean(p))),
                    "one global gap |mean(y) - mean(p)|: the bins are missing",
                ),
            ],
        ),
        agrees(
            "edge case: a forecast of exactly 1 belongs to the last bin",
            [(np.array([0, 1]), np.array([1.0, 0.6]), 2)],
            _ece_reference,
            rtol=1e-9,
            hint="floor(p B) gives p = 1 a bin B of its own; the last bin is closed, [(B-1)/B, 1].",
        ),
    ],
)

register(nasa_score, cost_optimal_threshold, precision_at_k, expected_calibration_error)
