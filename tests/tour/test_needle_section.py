"""The tour's anomaly section ("Finding the needle").

The fast test runs the section with two detectors in place of the six (the table, the
chance line and the SVG + PNG figure are what it checks). The slow test runs the six
detectors on the bundled credit-card sample (measured at commit time: AP 0.67 isolation
forest, 0.34 Gaussian, 0.31 one-class SVM, 0.29 autoencoder, 0.19 PCA, 0.08 LOF) and requires
every detector but LOF to rank fraud far above chance (AP at least three times the 4.9 % fraud
rate) and the isolation forest to reach AP 0.5; LOF ranks near chance (ROC-AUC 0.52) on this
data, where frauds are not locally sparse, and is only required to be reported.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from glassml.anomaly import GaussianDetector, IsolationForest
from glassml.tour import s84_needle


def test_needle_section_runs_and_draws(tmp_path, monkeypatch):
    monkeypatch.setattr(
        s84_needle,
        "detectors",
        lambda: {
            "Gaussian density": GaussianDetector(),
            "isolation forest": IsolationForest(n_estimators=20, random_state=0),
        },
    )
    stream = io.StringIO()
    s84_needle.run(Console(file=stream, width=120), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text and "isolation forest" in text and "fraud rate" in text
    assert (tmp_path / "needle_precision_recall.svg").stat().st_size > 0
    assert (tmp_path / "needle_precision_recall.png").stat().st_size > 0


@pytest.mark.slow
def test_six_detectors_find_fraud_far_above_chance():
    _, table, y = s84_needle.compare()
    assert len(table) == 6
    found = table.drop(index="local outlier factor")
    assert (found["average_precision"] >= 3 * y.mean()).all(), table
    assert (found["roc_auc"] >= 0.75).all(), table
    assert table.loc["isolation forest", "average_precision"] >= 0.5, table
