"""Shared metrics and DetectorComparison.

- ``threshold_for_contamination``: numpy's percentile (scikit-learn's rule), exact.
- ``precision_at_k``: by hand, including the tie rule (expected precision over tied orders).
- ``average_precision``: scikit-learn's ``average_precision_score``, exact.
- ``DetectorComparison`` on the bundled credit-card sample (labels hidden while fitting): one
  tidy row per detector whose figures equal the metrics recomputed from its scores; every
  detector beats chance by far (AP well above the 4.9 % base rate).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from glassml.anomaly import (
    DetectorComparison,
    GaussianDetector,
    IsolationForest,
    LocalOutlierFactor,
    PCADetector,
    average_precision,
    precision_at_k,
    threshold_for_contamination,
)
from glassml.datasets import load_creditcard


def test_threshold_for_contamination_is_the_percentile():
    scores = np.random.default_rng(0).normal(size=101)
    assert threshold_for_contamination(scores, 0.1) == np.percentile(scores, 10.0)
    with pytest.raises(ValueError, match="contamination"):
        threshold_for_contamination(scores, 0.6)


def test_precision_at_k_by_hand():
    y = [1, 0, 1, 0, 0, 1]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    assert precision_at_k(y, scores, 1) == 1.0
    assert precision_at_k(y, scores, 2) == 0.5
    assert precision_at_k(y, scores, 3) == pytest.approx(2 / 3)
    # a tie across the k-th place: two of three tied samples are taken, one of them positive
    assert precision_at_k([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.5], 3) == pytest.approx((1 + 2 / 3) / 3)
    with pytest.raises(ValueError, match="k"):
        precision_at_k(y, scores, 7)
    with pytest.raises(ValueError, match="y_true"):
        precision_at_k([0, 2, 1, 0, 0, 1], scores, 2)


def test_average_precision_is_scikit_learns():
    rng = np.random.default_rng(1)
    y = rng.random(200) < 0.1
    scores = rng.normal(size=200) + y
    assert average_precision(y, scores) == average_precision_score(y, scores)


@pytest.fixture(scope="module")
def creditcard():
    bunch = load_creditcard()
    return bunch.X.astype(np.float64), bunch.y


def test_comparison_on_the_credit_card_sample(creditcard):
    X, y = creditcard
    detectors = {
        "gaussian": GaussianDetector(),
        "isolation_forest": IsolationForest(random_state=0),
        "lof": LocalOutlierFactor(n_neighbors=35),
        "pca": PCADetector(n_components=0.9),
    }
    table = DetectorComparison(detectors, k=(100, 492)).compare(X, y)
    assert isinstance(table, pd.DataFrame)
    assert table.index.tolist() == list(detectors)
    assert table.columns.tolist() == [
        "average_precision",
        "roc_auc",
        "precision_at_100",
        "precision_at_492",
        "fit_seconds",
    ]
    comparison = DetectorComparison(detectors, k=100).fit(X)
    for name, scores in comparison.scores_.items():
        assert table.loc[name, "roc_auc"] == pytest.approx(roc_auc_score(y, scores))
        assert table.loc[name, "average_precision"] == pytest.approx(
            average_precision_score(y, scores)
        )
    base_rate = y.mean()
    assert (table["average_precision"] > 3 * base_rate).all(), table
    assert (table["roc_auc"] > 0.75).all(), table


def test_comparison_validates():
    with pytest.raises(ValueError, match="detectors"):
        DetectorComparison({})
    with pytest.raises(ValueError, match="k"):
        DetectorComparison({"g": GaussianDetector()}, k=0)
    comparison = DetectorComparison({"g": GaussianDetector()}, k=5)
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="y"):
        comparison.fit(X).evaluate(np.zeros(20))
