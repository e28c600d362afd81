"""The medical study's figures (matplotlib); each returns a Figure for ``context.figure``."""

from __future__ import annotations

from typing import Any

import numpy as np

MALIGNANT = "#b8322a"
BENIGN = "#2457a6"


def _grey(image: np.ndarray) -> np.ndarray:
    """(C, H, W) -> (H, W) for display (the channel mean of a colour image)."""
    return image.mean(axis=0) if image.ndim == 3 else image


def examples(data: Any, n_per_class: int = 6) -> Any:
    """A row of training images per class and each class's mean image."""
    import matplotlib.pyplot as plt

    x, y = data.images["train"], data.is_positive("train")
    figure, axes = plt.subplots(2, n_per_class + 1, figsize=(1.5 * (n_per_class + 1), 3.6))
    for row, (flag, name) in enumerate(((1, data.positive_name), (0, data.negative_name))):
        members = np.flatnonzero(y == flag)
        for column in range(n_per_class):
            axes[row, column].imshow(_grey(x[members[column]]), cmap="gray", vmin=0, vmax=1)
        axes[row, n_per_class].imshow(_grey(x[members].mean(axis=0)), cmap="gray", vmin=0, vmax=1)
        axes[row, 0].set_ylabel(name, fontsize=10)
    axes[0, n_per_class].set_title("class mean", fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    figure.tight_layout()
    return figure


def roc_curves(curves: list[tuple[str, np.ndarray, np.ndarray, float]], positive: str) -> Any:
    """ROC curves on the test set: (label, fpr, tpr, auc) per model."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(5.2, 4.6))
    for label, fpr, tpr, auc in curves:
        ax.plot(fpr, tpr, label=f"{label} (AUC {auc:.3f})", drawstyle="steps-post")
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--", label="chance")
    ax.set_xlabel("1 - specificity (false-positive rate)")
    ax.set_ylabel(f"sensitivity ({positive} found)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    return figure


def training_curves(histories: list[tuple[int, dict, int]], averaged: int = 0) -> Any:
    """Training loss and validation AUC per epoch, one line per seed; the kept epoch marked,
    or with ``averaged`` > 0 the last ``averaged`` epochs (weight averaging) shaded."""
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    for seed, history, best in histories:
        epochs = np.arange(1, len(history["loss"]) + 1)
        left.plot(epochs, history["loss"], label=f"seed {seed}")
        line = right.plot(epochs, history["val_auc"], label=f"seed {seed}")[0]
        if not averaged:
            right.plot(best + 1, history["val_auc"][best], "o", color=line.get_color())
    if averaged:
        last = max(len(h["loss"]) for _, h, _ in histories)
        for ax in (left, right):
            ax.axvspan(last - averaged + 0.5, last + 0.5, color="0.85", zorder=0)
    left.set_xlabel("epoch")
    left.set_ylabel("weighted training loss")
    right.set_xlabel("epoch")
    right.set_ylabel("validation AUC" + ("" if averaged else " (dot: kept)"))
    left.legend(fontsize=8)
    figure.tight_layout()
    return figure


def confusion(matrix: np.ndarray, positive: str, negative: str, threshold: float) -> Any:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(4.4, 3.8))
    ax.imshow(matrix, cmap="Blues")
    labels = [positive, negative]
    for i in range(2):
        for j in range(2):
            colour = "white" if matrix[i, j] > matrix.max() / 2 else "black"
            ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", color=colour, size=14)
    ax.set_xticks([0, 1], [f"called\n{name}" for name in labels])
    ax.set_yticks([0, 1], [f"truly\n{name}" for name in labels])
    ax.set_title(f"test images, threshold p = {threshold:.3f}", fontsize=10)
    figure.tight_layout()
    return figure


def reliability(
    curves: list[tuple[str, Any, float]], probabilities: np.ndarray, positive: str
) -> Any:
    """Reliability diagram (observed frequency vs forecast) before/after temperature scaling."""
    import matplotlib.pyplot as plt

    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(5.2, 5.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--", label="perfect calibration")
    for label, curve, ece in curves:
        top.plot(curve.prob_pred, curve.prob_true, "o-", label=f"{label} (ECE {ece:.3f})")
    top.set_ylabel(f"observed share {positive}")
    top.legend(fontsize=8, loc="upper left")
    bottom.hist(probabilities, bins=np.linspace(0, 1, 11), color="0.55")
    bottom.set_xlabel(f"predicted p({positive}), after temperature scaling")
    bottom.set_ylabel("images")
    figure.tight_layout()
    return figure


def attribution_grid(
    images: np.ndarray, maps: list[tuple[str, np.ndarray]], titles: list[str], per_row: int = 4
) -> Any:
    """One column per image (at most ``per_row``, then a new band): the image, then each
    attribution map of it."""
    import matplotlib.pyplot as plt

    n = len(images)
    columns = min(n, per_row)
    bands = -(-n // columns)
    height = 1 + len(maps)
    figure, axes = plt.subplots(
        bands * height, columns, figsize=(2.1 * columns, 2.0 * bands * height), squeeze=False
    )
    for index in range(bands * columns):
        band, column = divmod(index, columns)
        top = band * height
        if index >= n:
            for row in range(height):
                axes[top + row, column].axis("off")
            continue
        grey = _grey(images[index])
        axes[top, column].imshow(grey, cmap="gray", vmin=0, vmax=1)
        axes[top, column].set_title(titles[index], fontsize=8)
        for row, (name, values) in enumerate(maps, start=1):
            heat = values[index]
            limit = float(np.max(np.abs(heat))) or 1.0
            signed = heat.min() < 0
            axes[top + row, column].imshow(
                heat,
                cmap="RdBu_r" if signed else "magma",
                vmin=-limit if signed else 0,
                vmax=limit,
            )
            if column == 0:
                axes[top + row, 0].set_ylabel(name, fontsize=8)
        if column == 0:
            axes[top, 0].set_ylabel("image", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    figure.tight_layout()
    return figure


def lime_panels(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]], positive: str) -> Any:
    """Per explained image: the image, its superpixels, and each superpixel's LIME weight."""
    import matplotlib.pyplot as plt
    from skimage.color import label2rgb
    from skimage.segmentation import find_boundaries

    figure, axes = plt.subplots(len(rows), 3, figsize=(8.4, 2.9 * len(rows)), squeeze=False)
    for (image, segments, values, title), ax in zip(rows, axes, strict=True):
        grey = _grey(image)
        ax[0].imshow(grey, cmap="gray", vmin=0, vmax=1)
        ax[0].set_title(title, fontsize=8)
        # Each superpixel at its mean grey level, edges marked: what LIME switches on and off.
        # Drawn 8x larger so the edges are thin lines between pixels, not whole pixels.
        mosaic = label2rgb(segments, np.clip(grey, 0, 1), kind="avg", bg_label=-1)
        big = np.kron(segments, np.ones((8, 8), dtype=segments.dtype))
        mosaic = np.repeat(np.repeat(mosaic, 8, axis=0), 8, axis=1)
        mosaic[find_boundaries(big, mode="inner")] = (1.0, 0.75, 0.0)
        ax[1].imshow(mosaic)
        ax[1].set_title(f"its {segments.max() + 1} superpixels", fontsize=8)
        limit = float(np.max(np.abs(values))) or 1.0
        ax[2].imshow(grey, cmap="gray", vmin=0, vmax=1)
        heat = ax[2].imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, alpha=0.7)
        ax[2].set_title(f"LIME weight (red: towards {positive})", fontsize=8)
        bar = figure.colorbar(heat, ax=ax[2], fraction=0.046, pad=0.04)
        bar.formatter.set_powerlimits((-3, 3))
        bar.ax.yaxis.get_offset_text().set_fontsize(7)
        for a in ax:
            a.set_xticks([])
            a.set_yticks([])
    figure.tight_layout()
    return figure
