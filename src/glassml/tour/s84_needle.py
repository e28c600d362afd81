"""Tour section: finding the needle. Six anomaly detectors look for fraud without labels.

The bundled credit-card sample (10,000 transactions, 492 of them fraud) is standardised and
given to each detector without its labels; only afterwards are the labels used, to draw each
detector's precision-recall curve and to report average precision (the area under that
curve, the honest figure when positives are rare), ROC-AUC and precision among the 100 and
492 most suspicious transactions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "Finding the needle"

BUDGETS = (100, 492)


def detectors() -> dict:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassml.anomaly import (
        AutoencoderDetector,
        GaussianDetector,
        IsolationForest,
        LocalOutlierFactor,
        OneClassSVM,
        PCADetector,
    )

    def scaled(detector):
        return make_pipeline(StandardScaler(), detector)

    return {
        "Gaussian density": scaled(GaussianDetector()),
        "isolation forest": IsolationForest(n_estimators=200, random_state=0),
        "local outlier factor": scaled(LocalOutlierFactor(n_neighbors=35)),
        "one-class SVM": scaled(OneClassSVM(nu=0.05)),
        "PCA reconstruction": scaled(PCADetector(n_components=0.8)),
        "autoencoder": scaled(AutoencoderDetector((24, 8, 24), max_iter=60, random_state=0)),
    }


def compare():
    """Fit the six detectors on the credit-card sample, labels hidden; return the comparison
    (fitted, with ``scores_``), its table, and the labels."""
    from glassml.anomaly import DetectorComparison
    from glassml.datasets import load_creditcard

    bunch = load_creditcard()
    X, y = bunch.X.astype(np.float64), bunch.y
    comparison = DetectorComparison(detectors(), k=BUDGETS).fit(X)
    return comparison, comparison.evaluate(y), y


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    comparison, table, y = compare()
    ordered = table.sort_values("average_precision", ascending=False)
    shown = Table(title=f"Fraud without labels: {len(y):,} card transactions, {y.sum()} frauds")
    for column in ("detector", "average precision", "ROC-AUC", *(f"P@{k}" for k in BUDGETS)):
        shown.add_column(column, justify="left" if column == "detector" else "right")
    shown.add_column("seconds", justify="right")
    for name, row in ordered.iterrows():
        shown.add_row(
            str(name),
            f"{row['average_precision']:.3f}",
            f"{row['roc_auc']:.3f}",
            *(f"{row[f'precision_at_{k}']:.2f}" for k in BUDGETS),
            f"{row['fit_seconds']:.1f}",
        )
    console.print(shown)
    console.print(f"A detector that guesses has average precision {y.mean():.3f} (the fraud rate).")

    figure, axis = plt.subplots(figsize=(7.5, 5.5))
    for name in ordered.index:
        precision, recall, _ = precision_recall_curve(y, comparison.scores_[name])
        axis.plot(
            recall,
            precision,
            label=f"{name} (AP {ordered.loc[name, 'average_precision']:.2f})",
            lw=1.6,
        )
    axis.axhline(y.mean(), color="grey", ls="--", lw=1, label=f"chance ({y.mean():.1%} fraud)")
    axis.set_xlabel("recall (share of frauds found)")
    axis.set_ylabel("precision (share of flagged that are fraud)")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.02)
    axis.set_title("Six detectors fitted without labels: precision-recall on card fraud")
    axis.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    paths = save(figure, out_dir / "needle_precision_recall")
    plt.close(figure)
    console.print("Precision-recall curves: " + ", ".join(str(path) for path in paths))


def save(figure, stem):
    from glassml._io import save_figure

    return save_figure(figure, stem)
