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


# Places a number may take around its circle (points), nearest first.
_OFFSETS = [(7, 6), (7, -13), (-13, 6), (-13, -13), (-3, 14), (-3, -21), (14, -3), (-21, -3)]
_OFFSETS += [(2 * dx, 2 * dy) for dx, dy in _OFFSETS]


def _place_apart(figure, texts) -> None:
    """Give each annotation the first offset whose box overlaps no box placed before it."""
    renderer = figure.canvas.get_renderer()
    placed = []
    for text in texts:
        for offset in _OFFSETS:
            text.xyann = offset
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
        placed.append(box)


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


def _key_lines(entries: list[str], width: int = 100) -> str:
    """Whole entries packed into lines of at most ``width`` characters (an entry is never cut)."""
    lines: list[str] = []
    for entry in entries:
        if lines and len(lines[-1]) + 4 + len(entry) <= width:
            lines[-1] += "    " + entry
        else:
            lines.append(entry)
    return "\n".join(lines)


def factor_map_figure(embedding, groups, order, group_title, labelled, item_word):
    """t-SNE map of item factors, one colour per group, a few items named."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(10.5, 7))
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
    # The circled items carry a number and their names go in a key under the map: names
    # written on the map overlapped each other and the points (best-sellers sit together,
    # Star Wars and Return of the Jedi almost on one spot).
    circles = np.array([embedding[position] for position, _ in labelled]).reshape(-1, 2)
    axes.scatter(circles[:, 0], circles[:, 1], s=45, facecolors="none", edgecolors="black", lw=1.2)
    numbers = [
        axes.annotate(
            str(number),
            embedding[position],
            xytext=_OFFSETS[0],
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.9, "lw": 0},
            gid=f"best-seller-{number}",
        )
        for number, (position, _) in enumerate(labelled, start=1)
    ]
    key = _key_lines([f"{number}  {text}" for number, (_, text) in enumerate(labelled, start=1)])
    axes.set_xlabel(f"Circled, most popular first:\n{key}", fontsize=10, loc="left")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(f"ImplicitALS {item_word} factors, t-SNE map, coloured by {group_title}")
    # Beside the map, so it never covers a circled item.
    axes.legend(
        title=group_title, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, markerscale=2
    )
    figure.tight_layout()
    _place_apart(figure, numbers)  # after the layout: the offsets are in points on the page
    return figure
