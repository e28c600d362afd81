"""Tour section: six optimisers fit the same L2-regularised logistic regression on
scikit-learn's breast-cancer data, each as ``LogisticRegression(optimizer=...)`` (which drives
:func:`glassml.optim.minimize`); a table compares them and a figure shows how fast each closes
the gap to the best loss."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

TITLE = "Optimisers race on a real problem"

L2_PENALTY = 1e-2  # lambda in  mean_i log-loss_i + lambda/2 ||w||^2


def race_entries():
    """(label, optimizer) pairs: step sizes a practitioner would try first on standardised data.

    Step-optimiser instances run full batch inside LogisticRegression, so every method sees the
    same deterministic objective.
    """
    from glassml.optim import Adagrad, Adam, GradientDescent, RMSprop

    return [
        ("GD + Armijo", GradientDescent(lr=1.0, line_search="armijo")),
        ("Newton (IRLS)", "newton"),
        ("L-BFGS", "lbfgs"),
        ("Adam", Adam(lr=0.05)),
        ("RMSprop", RMSprop(lr=0.01)),
        ("Adagrad", Adagrad(lr=0.5)),
    ]


def load_split():
    """Breast cancer, standardised on the training part, fixed stratified 75/25 split."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def race(max_iter: int = 3000, tol: float = 1e-6):
    """Fit every optimiser of :func:`race_entries`; return one row per method.

    Each row holds the fitted model, the wall time, the test accuracy and the mean-loss trace
    ``history_["loss"] / (C n)`` (the objective in the units of ``L2_PENALTY``).
    """
    from sklearn.exceptions import ConvergenceWarning

    from glassml.linear import LogisticRegression

    X_train, X_test, y_train, y_test = load_split()
    C = 1.0 / (len(y_train) * L2_PENALTY)
    rows = []
    for label, optimizer in race_entries():
        model = LogisticRegression(C=C, optimizer=optimizer, tol=tol, max_iter=max_iter)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "label": label,
                "model": model,
                "seconds": seconds,
                "loss": model.history_["loss"] / (C * len(y_train)),
                "converged": bool(model.history_["grad_norm"][-1] <= tol),
                "accuracy": float(model.score(X_test, y_test)),
            }
        )
    return rows


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rich.table import Table

    from glassml._io import save_figure

    console.print(
        "L2-regularised logistic regression (lambda = 0.01) on the breast-cancer data "
        "(569 tumours, 30 features, standardised; 75/25 stratified split), fitted by "
        "LogisticRegression(optimizer=...) with six optimisers from the same start to gradient "
        "norm 1e-6 (at most 3000 iterations)."
    )
    rows = race()
    best = min(float(np.min(row["loss"])) for row in rows)

    table = Table(title="Optimisers on the same problem")
    for column in ["method", "iters", "seconds", "final loss", "test acc", "converged"]:
        table.add_column(column, justify="left" if column == "method" else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            row["label"],
            str(row["model"].n_iter_),
            f"{row['seconds']:.3f}",
            f"{row['loss'][-1]:.8f}",
            f"{row['accuracy']:.3f}",
            "yes" if row["converged"] else "no",
        )
    console.print(table)

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        gap = row["loss"] - best
        axis.plot(np.arange(gap.size), np.maximum(gap, 1e-16), label=row["label"])
    axis.set_xscale("symlog", linthresh=10)
    axis.set_yscale("log")
    axis.set_xlabel("iteration")
    axis.set_ylabel("loss - best loss")
    axis.set_title("Breast cancer, L2 logistic regression: distance to the optimum")
    axis.legend(fontsize=8)
    paths = save_figure(figure, out_dir / "optimisers_convergence")
    plt.close(figure)
    converged = [row for row in rows if row["converged"]]
    fewest = min(converged, key=lambda row: row["model"].n_iter_)
    quickest = min(converged, key=lambda row: row["seconds"])
    stalled = [row["label"] for row in rows if not row["converged"]]
    console.print(
        f"Fewest iterations: {fewest['label']} ({fewest['model'].n_iter_}); least time: "
        f"{quickest['label']} ({quickest['seconds']:.3f} s). "
        + (
            f"Not converged within the budget: {', '.join(stalled)} (a constant learning rate "
            "keeps the iterates circling the optimum). "
            if stalled
            else ""
        )
        + f"Figure: {paths[0].name}, {paths[1].name}."
    )
