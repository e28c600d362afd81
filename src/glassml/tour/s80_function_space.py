"""Tour section: gradient descent in function space. Boosting lowers the loss one tree at a
time; beside it, one deep tree and a random forest, on the remaining life of real engines.

Data: NASA C-MAPSS FD001 (``glassml.datasets.load_cmapss``, bundled): 100 turbofan engines run
to failure, 14 informative sensors per cycle. The target is the remaining useful life in
cycles, capped at 125 (early in life an engine shows no wear, the usual convention); 20
engines are held out whole. With squared error the gradient of the loss at the current model
is minus the residual, so every boosting stage fits a tree to the residuals and takes a
damped Newton step: the training loss falls stage by stage. A single deep tree reaches zero
training loss at once and pays for it on unseen engines; a forest of such trees averages
their variance away.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "Gradient descent in function space"

SENSORS = [f"sensor_{i}" for i in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21)]
RUL_CAP = 125
STAGES = 150
LEARNING_RATE = 0.1


def load_split():
    """Sensors and capped remaining life, engines 1-100 split 80 / 20 (every 5th held out)."""
    from glassml.datasets import load_cmapss

    frame = load_cmapss().train
    life = frame.groupby("unit")["cycle"].transform("max") - frame["cycle"]
    y = np.minimum(life.to_numpy(), RUL_CAP).astype(np.float64)
    X = frame[SENSORS].to_numpy()
    held_out = frame["unit"].to_numpy() % 5 == 0
    return X[~held_out], X[held_out], y[~held_out], y[held_out]


@functools.cache
def fit_models() -> dict:
    """The three models, their RMSE on training and held-out engines, and boosting's stages
    (computed once per process: the fits are deterministic)."""
    from glassml.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from glassml.tree import DecisionTreeRegressor

    X_train, X_test, y_train, y_test = load_split()

    def rmse(model, X, y):
        return float(np.sqrt(np.mean((model.predict(X) - y) ** 2)))

    tree = DecisionTreeRegressor(random_state=0).fit(X_train, y_train)
    forest = RandomForestRegressor(
        n_estimators=60, max_features=0.5, n_jobs=-1, random_state=0
    ).fit(X_train, y_train)
    boosting = HistGradientBoostingRegressor(
        learning_rate=LEARNING_RATE, max_iter=STAGES, max_leaf_nodes=8, early_stopping=False,
        random_state=0,
    ).fit(X_train, y_train)  # fmt: skip
    staged_test = np.array(
        [np.sqrt(np.mean((p - y_test) ** 2)) for p in boosting.staged_predict(X_test)]
    )
    return {
        "boosting": boosting,
        "boosting_train": np.sqrt(2.0 * boosting.history_["loss"]),  # loss = mean squared / 2
        "boosting_test": np.concatenate(
            [[np.sqrt(np.mean((boosting.baseline_[0] - y_test) ** 2))], staged_test]
        ),
        "rows": [
            (
                "one deep tree",
                tree.get_n_leaves(),
                rmse(tree, X_train, y_train),
                rmse(tree, X_test, y_test),
            ),
            (
                "random forest (60 trees)",
                sum(t.get_n_leaves() for t in forest.estimators_),
                rmse(forest, X_train, y_train),
                rmse(forest, X_test, y_test),
            ),
            (
                f"boosting ({STAGES} trees of 8 leaves)",
                8 * STAGES,
                rmse(boosting, X_train, y_train),
                rmse(boosting, X_test, y_test),
            ),
        ],
        "n_train": len(y_train),
        "n_test": len(y_test),
    }


def _layout(tree, node=0, depth=0, next_x=None, positions=None):
    """x by in-order leaf position, y by depth: a tidy drawing of a binary tree."""
    if positions is None:
        positions, next_x = {}, [0]
    left, right = tree.children_left[node], tree.children_right[node]
    if left == -1:
        positions[node] = (next_x[0], -depth)
        next_x[0] += 1
    else:
        _layout(tree, left, depth + 1, next_x, positions)
        _layout(tree, right, depth + 1, next_x, positions)
        positions[node] = ((positions[left][0] + positions[right][0]) / 2, -depth)
    return positions


def draw_tree(axes, tree, title: str) -> None:
    """Boxes and edges of one boosted tree: splits "sensor <= t", leaves their step in cycles."""
    positions = _layout(tree)
    for node, (x, y) in positions.items():
        for child in (tree.children_left[node], tree.children_right[node]):
            if child != -1:
                cx, cy = positions[child]
                axes.plot([x, cx], [y, cy], color="#9aa4b1", linewidth=1, zorder=1)
        if tree.children_left[node] == -1:
            value = tree.value[node, 0, 0]
            text, colour = f"{value:+.1f}", "#fde2c8" if value < 0 else "#cfe8d6"
        else:
            name = SENSORS[tree.feature[node]].replace("sensor_", "s")
            text, colour = f"{name} ≤ {tree.threshold[node]:.4g}", "#e6eefb"
        axes.text(
            x, y, text, ha="center", va="center", fontsize=6.5, zorder=2,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": colour, "edgecolor": "#6b7785"},
        )  # fmt: skip
    xs = [x for x, _ in positions.values()]
    depth = -min(y for _, y in positions.values())
    axes.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    axes.set_ylim(-depth - 0.5, 0.5)
    axes.set_title(title, fontsize=9)
    axes.axis("off")


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml._io import save_figure

    result = fit_models()
    table = Table(
        title=(
            f"Remaining useful life of C-MAPSS engines (cycles, capped at {RUL_CAP}): "
            f"{result['n_train']:,} training cycles, {result['n_test']:,} held-out cycles"
        )
    )
    for column in ("model", "leaves", "training RMSE", "held-out RMSE"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, leaves, train, test in result["rows"]:
        table.add_row(name, f"{leaves:,}", f"{train:.2f}", f"{test:.2f}")
    console.print(table)
    falls = int(np.sum(np.diff(result["boosting_train"]) < 0))
    console.print(
        f"Boosting's training loss fell at {falls} of its {len(result['boosting_train']) - 1} "
        "stages: each tree fits the residuals (minus the gradient of the squared loss) and "
        f"takes a Newton step, damped by the learning rate {LEARNING_RATE}."
    )

    figure = plt.figure(figsize=(12, 7.6))
    grid = figure.add_gridspec(2, 3, height_ratios=[1.0, 0.95], hspace=0.3, wspace=0.05)
    curves = figure.add_subplot(grid[0, :])
    stages = np.arange(len(result["boosting_train"]))
    curves.plot(stages, result["boosting_train"], color="#1f5fa8", label="boosting, training")
    curves.plot(
        stages, result["boosting_test"], color="#1f5fa8", linestyle="--",
        label="boosting, held-out engines",
    )  # fmt: skip
    styles = {"one deep tree": "#c0392b", "random forest (60 trees)": "#27865a"}
    for name, _, train, test in result["rows"][:2]:
        curves.axhline(train, color=styles[name], linewidth=1, label=f"{name}, training")
        curves.axhline(
            test, color=styles[name], linewidth=1, linestyle="--", label=f"{name}, held-out"
        )
    curves.set_xlabel("boosting stage m (trees added)")
    curves.set_ylabel("RMSE of remaining life (cycles)")
    curves.set_title(
        r"$F_m = F_{m-1} + 0.1\,f_m$: each tree is a Newton step on the loss, taken in function "
        "space"
    )
    curves.set_xlim(0, stages[-1])
    curves.set_ylim(-1, None)  # the deep tree's training error, 0, stays visible
    curves.legend(fontsize=8, ncol=2, loc="upper right")
    boosting = result["boosting"]
    for m in range(3):
        axes = figure.add_subplot(grid[1, m])
        draw_tree(axes, boosting.estimators_[m, 0].tree_, f"tree {m + 1}: step f_{m + 1}(x)")
    figure.text(
        0.5, 0.07,
        "leaves: the tree's contribution to the predicted remaining life (cycles), learning "
        "rate included; sensor numbers as in NASA's C-MAPSS readme",
        ha="center", fontsize=8, color="#4a5561",
    )  # fmt: skip
    paths = save_figure(figure, out_dir / "function_space")
    plt.close(figure)
    console.print("Loss by stage and the first three trees: " + ", ".join(map(str, paths)))
