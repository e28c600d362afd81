"""Figures of the recommendation study (matplotlib, returned to the study to save and embed)."""

from __future__ import annotations

import numpy as np

from glassml.casestudies._recsys_data import Prepared, gini, lorenz

COLOURS = {
    "Popularity": "#8c8c8c",
    "ItemKNN": "#2457a6",
    "ImplicitALS": "#c2410c",
    "BPR": "#15803d",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def popularity_figure(data: Prepared):
    plt = _pyplot()
    matrix = data.interactions.matrix
    per_item = np.diff(matrix.tocsc().indptr)
    per_user = np.diff(matrix.indptr)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    x, y = lorenz(per_item)
    left.plot(x, y, color=COLOURS["ImplicitALS"], label=f"Lorenz curve (Gini {gini(per_item):.2f})")
    left.plot([0, 1], [0, 1], color="#8c8c8c", linestyle="--", label="equal popularity")
    left.set_xlabel(f"share of {data.item_word}s, least popular first")
    left.set_ylabel(f"share of {data.user_word}–{data.item_word} pairs")
    left.set_title(f"Popularity of {data.item_word}s")
    left.legend(loc="upper left")
    bins = np.unique(np.round(np.logspace(0, np.log10(max(per_user.max(), 2)), 30)))
    right.hist(per_user[per_user > 0], bins=bins, color=COLOURS["ItemKNN"])
    right.set_xscale("log")
    right.set_xlabel(f"{data.item_word}s per {data.user_word} (log scale)")
    right.set_ylabel(f"{data.user_word}s")
    right.set_title(f"History length (median {int(np.median(per_user[per_user > 0]))})")
    figure.tight_layout()
    return figure


def tuning_figure(tuned: dict[str, dict]):
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 3.8))
    for name, result in tuned.items():
        scores = np.asarray(result["scores"])
        steps = np.arange(1, len(scores) + 1)
        axes.scatter(steps, scores, color=COLOURS[name], s=18, alpha=0.6)
        axes.plot(steps, np.maximum.accumulate(scores), color=COLOURS[name], label=name)
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("evaluation")
    axes.set_ylabel("validation nDCG@10")
    axes.set_title("Bayesian search on the validation period")
    axes.legend()
    figure.tight_layout()
    return figure


def metrics_figure(results: dict[str, dict]):
    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    names = list(results)
    for panel, label in zip(axes, ("ndcg@10", "recall@20"), strict=True):
        rows = [results[name][label] for name in names]
        values = np.array([row["value"] for row in rows])
        errors = np.array(
            [
                [row["value"] - row["ci_low"] for row in rows],
                [row["ci_high"] - row["value"] for row in rows],
            ]
        )
        panel.bar(
            names,
            values,
            yerr=errors,
            capsize=4,
            color=[COLOURS[name] for name in names],
        )
        panel.set_title(label.replace("ndcg", "nDCG"))
        panel.set_ylabel("mean over users (95 % CI)")
        panel.tick_params(axis="x", labelrotation=15)
    figure.tight_layout()
    return figure


def factor_map_figure(embedding, groups, order, group_title, labelled, item_word):
    """t-SNE map of item factors, one colour per group, a few items named."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 7))
    palette = plt.get_cmap("tab10")
    for index, group in enumerate(order):
        chosen = groups == group
        axes.scatter(
            embedding[chosen, 0],
            embedding[chosen, 1],
            s=9,
            alpha=0.75,
            color=palette(index),
            label=f"{group} ({int(chosen.sum())})",
        )
    # Alternate the side of each name so neighbouring best-sellers do not overwrite each other.
    offsets = [(8, 8), (8, -16), (-8, 8), (-8, -16), (8, 22)]
    for (position, text), (dx, dy) in zip(labelled, offsets * len(labelled), strict=False):
        axes.annotate(
            text,
            embedding[position],
            xytext=(dx, dy),
            textcoords="offset points",
            ha="left" if dx > 0 else "right",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "lw": 0},
            arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.6},
        )
        axes.scatter(*embedding[position], s=40, facecolors="none", edgecolors="black")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.margins(0.12)  # room for the names of the circled items
    axes.set_title(f"ImplicitALS {item_word} factors, t-SNE map, coloured by {group_title}")
    axes.legend(title=group_title, loc="best", fontsize=8, markerscale=2)
    figure.tight_layout()
    return figure
