"""Tour section: a small CNN (conv 3x3 -> ReLU -> max-pool -> dense) learns scikit-learn's 8x8
digits; one figure shows its learning curves and the test digits it still gets wrong."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "A CNN learns to read digits"


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    from glassml._io import save_figure
    from glassml.nn import CNNClassifier
    from glassml.tour import rich_progress

    X, y = load_digits(return_X_y=True)
    images = (X / 16.0).reshape(-1, 8, 8)
    X_train, X_test, y_train, y_test = train_test_split(
        images, y, test_size=0.2, stratify=y, random_state=0
    )
    model = CNNClassifier(
        learning_rate_init=0.005, batch_size=32, max_iter=15, early_stopping=True,
        validation_fraction=0.15, n_iter_no_change=15, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train, progress=rich_progress(console))
    history = model.history_
    predicted = model.predict(X_test)
    accuracy = float(np.mean(predicted == y_test))

    table = Table(title="conv 16@3x3 pad 1 → ReLU → max-pool 2 → dense 10, Adam")
    for column in ("epoch", "train loss", "val loss", "train acc", "val acc"):
        table.add_column(column, justify="right")
    for epoch in range(0, model.n_iter_, 3):
        table.add_row(
            str(epoch + 1),
            f"{history['loss'][epoch]:.4f}",
            f"{history['val_loss'][epoch]:.4f}",
            f"{history['accuracy'][epoch]:.3f}",
            f"{history['val_accuracy'][epoch]:.3f}",
        )
    console.print(table)
    console.print(
        f"Test accuracy on {y_test.size} held-out digits: [bold]{accuracy:.3%}[/bold] "
        f"({int(np.sum(predicted != y_test))} mistakes)"
    )

    figure = plt.figure(figsize=(13, 4))
    grid = figure.add_gridspec(1, 3, width_ratios=[1, 1, 1.1])
    epochs = np.arange(1, model.n_iter_ + 1)
    for position, (key, label) in enumerate([("loss", "cross-entropy"), ("accuracy", "accuracy")]):
        axis = figure.add_subplot(grid[0, position])
        axis.plot(epochs, history[key], marker="o", label="train")
        axis.plot(epochs, history[f"val_{key}"], marker="s", label="validation")
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.set_title(f"Learning curve: {label}")
        axis.legend()
    wrong = np.flatnonzero(predicted != y_test)[:16]
    cells = grid[0, 2].subgridspec(4, 4, wspace=0.1, hspace=0.5)
    for index in range(16):
        axis = figure.add_subplot(cells[index // 4, index % 4])
        axis.axis("off")
        if index < wrong.size:
            sample = wrong[index]
            axis.imshow(X_test[sample], cmap="gray_r")
            axis.set_title(f"{y_test[sample]}→{predicted[sample]}", fontsize=8, color="crimson")
    figure.suptitle(
        f"A CNN learns to read digits — test accuracy {accuracy:.1%}; "
        "right: misclassified test digits (true→predicted)"
    )
    paths = save_figure(figure, Path(out_dir) / "cnn_digits")
    plt.close(figure)
    console.print(f"Figure: {paths[0].name}")
