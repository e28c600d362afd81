"""Calibration diagnostics, temperature scaling and thresholds.

References and tolerances: ``reliability_curve`` against ``sklearn.calibration
.calibration_curve`` (uniform and quantile bins) to 1e-12; the Brier score against
``sklearn.metrics.brier_score_loss`` to 1e-12 and Murphy's identity BS = REL - RES + UNC with
the distinct forecasts as bins to 1e-12 (and with coarse bins, the four parts including the
within-bin term); ECE against its definition computed from scikit-learn's curve; the fitted
temperature against SciPy's bounded scalar minimisation of the same NLL to 1e-6 relative, its
derivative against central differences; thresholds against brute force over every distinct
score (exact).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, check_grad
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from glassml.model_selection import (
    TemperatureScaling,
    brier_decomposition,
    cost_optimal_threshold,
    expected_calibration_error,
    reliability_curve,
    threshold_for_precision,
    threshold_for_recall,
)


@pytest.fixture(scope="module")
def forecasts():
    rng = np.random.default_rng(0)
    p = rng.beta(2, 3, 2000)
    y = (rng.random(2000) < p**1.3).astype(int)  # slightly miscalibrated
    return y, p


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_matches_sklearn(forecasts, strategy):
    y, p = forecasts
    curve = reliability_curve(y, p, n_bins=8, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy=strategy)
    assert_close(curve.prob_true, prob_true, rtol=1e-12)
    assert_close(curve.prob_pred, prob_pred, rtol=1e-12)
    assert curve.counts.sum() == len(y)
    ece = expected_calibration_error(y, p, n_bins=8, strategy=strategy)
    assert_close(ece, np.sum(curve.counts / len(y) * np.abs(prob_true - prob_pred)), rtol=1e-12)


def test_brier_decomposition_identity(forecasts):
    y, p = forecasts
    rounded = np.round(p, 2)  # repeated forecast values, as a forecaster issues them
    parts = brier_decomposition(y, rounded)
    assert_close(parts.brier, brier_score_loss(y, rounded), rtol=1e-12)
    total = parts.reliability - parts.resolution + parts.uncertainty
    assert_close(total, parts.brier, rtol=0, atol=1e-12, what="REL - RES + UNC")
    assert_close(parts.uncertainty, y.mean() * (1 - y.mean()), rtol=1e-12)
    binned = brier_decomposition(y, p, bins=10)
    assert_close(
        binned.reliability - binned.resolution + binned.uncertainty + binned.within_bin,
        brier_score_loss(y, p),
        rtol=1e-12,
    )
    perfect = brier_decomposition([0, 1, 0, 1], [0.0, 1.0, 0.0, 1.0])
    assert perfect.brier == 0 and perfect.reliability == 0


def test_temperature_scaling_matches_scipy():
    rng = np.random.default_rng(1)
    n, k = 800, 4
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.5
    logits *= 2.5  # over-confident
    scaler = TemperatureScaling().fit(logits, y)

    def nll(T):
        return -np.mean(log_softmax(logits / T, axis=1)[np.arange(n), y])

    reference = minimize_scalar(nll, bounds=(0.05, 50), method="bounded", options={"xatol": 1e-10})
    assert_close(scaler.temperature_, reference.x, rtol=1e-6, what="temperature")
    probabilities = scaler.predict_proba(logits)
    assert_close(probabilities.sum(axis=1), np.ones(n), rtol=1e-12)
    assert np.array_equal(probabilities.argmax(axis=1), logits.argmax(axis=1))
    t0 = np.array([0.3])
    check_grad(
        lambda t: scaler.negative_log_likelihood(t[0], logits, y)[0],
        t0,
        jac=lambda t: np.array([scaler.negative_log_likelihood(t[0], logits, y)[1]]),
        tol=1e-6,
    )
    # Scale-free: logits times c give a temperature times c.
    assert_close(
        TemperatureScaling().fit(logits * 1e250, y).temperature_, reference.x * 1e250, rtol=1e-6
    )


def _brute_force(y, s):
    thresholds = np.unique(s)
    tp = np.array([np.sum((s >= t) & (y == 1)) for t in thresholds])
    fp = np.array([np.sum((s >= t) & (y == 0)) for t in thresholds])
    return thresholds, tp, fp


def test_thresholds_against_brute_force(forecasts):
    y, p = forecasts
    s = np.round(p, 3)
    thresholds, tp, fp = _brute_force(y, s)
    fn = y.sum() - tp
    for cost_fp, cost_fn in [(1, 1), (1, 5), (10, 1)]:
        costs = cost_fp * fp + cost_fn * fn
        chosen = cost_optimal_threshold(y, s, cost_fp, cost_fn)
        assert costs[thresholds == chosen][0] == costs.min()
        assert chosen in thresholds and costs.min() <= cost_fn * y.sum()
    precision = tp / (tp + fp)
    for target in (0.5, 0.7, 0.8):
        t = threshold_for_precision(y, s, target)
        assert t == thresholds[precision >= target].min()
    recall = tp / y.sum()
    for target in (0.5, 0.9, 1.0):
        t = threshold_for_recall(y, s, target)
        assert t == thresholds[recall >= target].max()


def test_bad_input_is_named(forecasts):
    y, p = forecasts
    with pytest.raises(ValueError, match="y_prob"):
        reliability_curve(y, p * 2)
    with pytest.raises(ValueError, match="y_true"):
        brier_decomposition(y + 1, p)
    with pytest.raises(ValueError, match="y_prob"):
        expected_calibration_error(y, p[:-1])
    with pytest.raises(ValueError, match="precision"):
        threshold_for_precision([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2], 0.99)
    with pytest.raises(ValueError, match="y"):
        TemperatureScaling().fit(np.zeros((3, 2)) + 1.0, [0, 1, 2])
    with pytest.raises(ValueError, match="strategy"):
        reliability_curve(y, p, strategy="kmeans")
