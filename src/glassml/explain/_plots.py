"""The five explanation plots (matplotlib). Each returns its Figure and, given ``path``, writes
``path.svg`` and ``path.png`` through glassml._io.save_figure."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import check_count, fail
from glassml.explain._explanation import Explanation

POSITIVE, NEGATIVE = "#ff0051", "#008bfb"  # shap's red and blue, kept for familiarity


def _colormap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("glassml_red_blue", [NEGATIVE, "#7f3fa8", POSITIVE])


def _single_output(explanation: Any, argument: str = "explanation") -> Explanation:
    if not isinstance(explanation, Explanation):
        raise fail(argument, "an Explanation", explanation)
    if explanation.multi_output:
        raise fail(
            argument, "a single-output Explanation (pick one: e[:, k])", "a multi-output one"
        )
    if explanation.values.ndim != 2:
        raise fail(argument, "tabular values of shape (n, n_features)", explanation.values)
    return explanation


def _display(max_display: Any, n_features: int) -> int:
    count = check_count(max_display, "max_display")
    if count > n_features:
        raise fail("max_display", f"at most {n_features} (the number of features)", max_display)
    return count


def _finish(figure: Any, path: Any) -> Any:
    if path is not None:
        from glassml._io import save_figure

        save_figure(figure, path)
    return figure


def _format(value: float) -> str:
    return f"{value:+.3g}" if value != 0 else "0"


def plot_waterfall(
    explanation: Explanation, row: int = 0, max_display: int = 10, path: Any = None
) -> Any:
    """How one row's output is built from the base value, feature by feature.

    Bars run from E f to f(x), largest |value| at the top; the rest are one bar.

    Examples
    --------
    >>> import numpy as np
    >>> e = Explanation(np.array([[0.5, -0.2]]), np.array([1.0]), np.array([[3.0, 4.0]]),
    ...                 ["a", "b"])
    >>> plot_waterfall(e, max_display=2).axes[0].get_xlabel()
    'model output'
    """
    import matplotlib.pyplot as plt

    e = _single_output(explanation)
    count = _display(max_display, e.values.shape[1])
    index = check_count(row, "row", minimum=0)
    if index >= len(e):
        raise fail("row", f"a row index below {len(e)}", row)
    values, data = e.values[index], e.data[index]
    order = np.argsort(-np.abs(values), kind="stable")
    shown = order[: count - 1] if count < len(values) else order
    rest = values[order[len(shown) :]].sum()
    labels = [f"{e.feature_names[j]} = {data[j]:.4g}" for j in shown]
    contributions = list(values[shown])
    if count < len(values):
        labels.append(f"{len(values) - len(shown)} other features")
        contributions.append(rest)
    base = float(e.base_values[index])
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.6))
    position = base
    starts = []
    for value in reversed(contributions[::-1]):
        starts.append(position)
        position += value
    total = position
    span = max(abs(total - base), max(abs(v) for v in contributions), 1e-12)
    for k, (start, value) in enumerate(zip(starts, contributions, strict=True)):
        y = len(labels) - 1 - k
        colour = POSITIVE if value >= 0 else NEGATIVE
        axes.barh(y, value, left=start, color=colour, height=0.6)
        axes.text(
            start + value + (0.01 if value >= 0 else -0.01) * span * 4,
            y,
            _format(value),
            va="center",
            ha="left" if value >= 0 else "right",
            fontsize=9,
            color=colour,
        )
    axes.set_yticks(range(len(labels)), labels[::-1])
    axes.axvline(base, color="#888888", linestyle="--", linewidth=1)
    axes.axvline(total, color="#333333", linestyle="-", linewidth=1)
    low = min(min(starts), min(s + v for s, v in zip(starts, contributions, strict=True)))
    high = max(max(starts), max(s + v for s, v in zip(starts, contributions, strict=True)))
    margin = 0.25 * (high - low or 1.0)
    axes.set_xlim(low - margin, high + margin)
    axes.set_ylim(-0.8, len(labels) - 0.2)
    axes.set_xlabel("model output")
    axes.set_title(f"E[f(X)] = {base:.4g}  \u2192  f(x) = {total:.4g}", fontsize=11)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    return _finish(figure, path)


def _swarm_offsets(values: np.ndarray, n_bins: int = 100, width: float = 0.4) -> np.ndarray:
    """Vertical offsets that stack points falling into the same horizontal bin (a beeswarm)."""
    span = np.ptp(values) or 1.0
    bins = np.round((values - values.min()) / span * n_bins).astype(np.int64)
    offsets = np.zeros(len(values))
    order = np.argsort(bins, kind="stable")
    counts = np.bincount(bins)
    peak = max(int(counts.max()), 1)
    start = 0
    for b, count in enumerate(counts):
        if count == 0:
            continue
        members = order[start : start + count]
        start += count
        rank = np.arange(count)
        offsets[members] = np.where(rank % 2 == 0, 1, -1) * np.ceil(rank / 2) / peak * width * 2
        if b < 0:  # pragma: no cover - bins are non-negative
            break
    return np.clip(offsets, -width, width)


def _normalised_colours(column: np.ndarray) -> np.ndarray:
    """Feature values mapped to [0, 1] between their 5th and 95th percentiles."""
    column = np.asarray(column, dtype=np.float64)
    low, high = np.nanpercentile(column, [5, 95]) if column.size else (0.0, 1.0)
    if high <= low:
        low, high = np.nanmin(column), np.nanmax(column)
    if high <= low:
        return np.full(column.shape, 0.5)
    return np.clip((column - low) / (high - low), 0.0, 1.0)


def plot_beeswarm(explanation: Explanation, max_display: int = 12, path: Any = None) -> Any:
    """Every row's value for the most important features, coloured by the feature's value.

    Features are ordered by mean |value|; each dot is one row.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> e = Explanation(rng.normal(size=(50, 3)), np.zeros(50), rng.normal(size=(50, 3)),
    ...                 ["a", "b", "c"])
    >>> len(plot_beeswarm(e, max_display=3).axes)
    2
    """
    import matplotlib.pyplot as plt

    e = _single_output(explanation)
    count = _display(max_display, e.values.shape[1])
    importance = np.abs(e.values).mean(axis=0)
    order = np.argsort(-importance, kind="stable")[:count]
    figure, axes = plt.subplots(figsize=(8, 0.42 * count + 1.5))
    cmap = _colormap()
    for k, j in enumerate(order):
        y = count - 1 - k
        axes.axhline(y, color="#cccccc", linewidth=0.5, zorder=0)
        values = e.values[:, j]
        axes.scatter(
            values,
            y + _swarm_offsets(values),
            c=_normalised_colours(e.data[:, j].astype(np.float64)),
            cmap=cmap,
            vmin=0,
            vmax=1,
            s=12,
            alpha=0.85,
            linewidths=0,
            rasterized=len(values) > 500,
        )
    axes.axvline(0, color="#999999", linewidth=0.8, zorder=0)
    axes.set_yticks(range(count), [e.feature_names[j] for j in order][::-1])
    axes.set_ylim(-0.7, count - 0.3)
    axes.set_xlabel("contribution to the model output (SHAP value)")
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    mappable = plt.cm.ScalarMappable(cmap=cmap)
    bar = figure.colorbar(mappable, ax=axes, ticks=[0, 1], aspect=40, pad=0.02)
    bar.set_ticklabels(["low", "high"])
    bar.set_label("feature value", labelpad=-8)
    bar.outline.set_visible(False)
    figure.tight_layout()
    return _finish(figure, path)


def plot_bar(explanation: Explanation, max_display: int = 12, path: Any = None) -> Any:
    """Mean |value| per feature (global importance), largest first.

    Examples
    --------
    >>> import numpy as np
    >>> e = Explanation(np.array([[1.0, -3.0]]), np.zeros(1), np.ones((1, 2)), ["a", "b"])
    >>> [t.get_text() for t in plot_bar(e, max_display=2).axes[0].get_yticklabels()]
    ['a', 'b']
    """
    import matplotlib.pyplot as plt

    e = _single_output(explanation)
    count = _display(max_display, e.values.shape[1])
    importance = np.abs(e.values).mean(axis=0)
    order = np.argsort(-importance, kind="stable")[:count]
    figure, axes = plt.subplots(figsize=(8, 0.42 * count + 1.2))
    heights = importance[order][::-1]
    axes.barh(range(count), heights, color=POSITIVE, height=0.65)
    for y, value in enumerate(heights):
        axes.text(value, y, f" {value:.3g}", va="center", fontsize=9, color=POSITIVE)
    axes.set_yticks(range(count), [e.feature_names[j] for j in order][::-1])
    axes.set_xlim(0, heights.max() * 1.15 if heights.max() > 0 else 1)
    axes.set_xlabel("mean |SHAP value| (average impact on the model output)")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    return _finish(figure, path)


def strongest_interaction(explanation: Explanation, feature: int, n_bins: int = 10) -> int:
    """The feature whose value best explains the spread of ``feature``'s values at a given x.

    Rows are sorted by ``feature``'s value and cut into bins; within each bin, the correlation
    of the values with every other feature's data is taken; the largest summed |correlation|
    wins (shap's heuristic for the dependence plot's colour).
    """
    e = explanation
    M = e.values.shape[1]
    order = np.argsort(e.data[:, feature].astype(np.float64), kind="stable")
    scores = np.zeros(M)
    for chunk in np.array_split(order, max(1, min(n_bins, len(order) // 5))):
        if len(chunk) < 3:
            continue
        v = e.values[chunk, feature]
        for j in range(M):
            x = e.data[chunk, j].astype(np.float64)
            if j == feature or np.ptp(x) == 0 or np.ptp(v) == 0:
                continue
            scores[j] += abs(np.corrcoef(v, x)[0, 1])
    scores[feature] = -1
    return int(np.argmax(scores))


def plot_dependence(
    explanation: Explanation, feature: Any, interaction: Any = "auto", path: Any = None
) -> Any:
    """A feature's value against its SHAP value, coloured by its strongest interaction.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> data = rng.normal(size=(40, 2))
    >>> e = Explanation(data * [1.0, 0.5], np.zeros(40), data, ["a", "b"])
    >>> plot_dependence(e, "a").axes[0].get_xlabel()
    'a'
    """
    import matplotlib.pyplot as plt

    e = _single_output(explanation)
    j = _feature_index(e, feature, "feature")
    if isinstance(interaction, str) and interaction == "auto":
        k = strongest_interaction(e, j) if e.values.shape[1] > 1 else None
    elif interaction is None:
        k = None
    else:
        k = _feature_index(e, interaction, "interaction")
    figure, axes = plt.subplots(figsize=(7, 4.6))
    x = e.data[:, j].astype(np.float64)
    if k is None:
        axes.scatter(x, e.values[:, j], s=14, color=NEGATIVE, alpha=0.8, linewidths=0)
    else:
        points = axes.scatter(
            x,
            e.values[:, j],
            c=_normalised_colours(e.data[:, k]),
            cmap=_colormap(),
            vmin=0,
            vmax=1,
            s=14,
            alpha=0.85,
            linewidths=0,
        )
        bar = figure.colorbar(points, ax=axes, ticks=[0, 1], aspect=40, pad=0.02)
        bar.set_ticklabels(["low", "high"])
        bar.set_label(e.feature_names[k], labelpad=-8)
        bar.outline.set_visible(False)
    axes.axhline(0, color="#999999", linewidth=0.8, zorder=0)
    axes.set_xlabel(e.feature_names[j])
    axes.set_ylabel(f"SHAP value for {e.feature_names[j]}")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    return _finish(figure, path)


def _feature_index(e: Explanation, feature: Any, argument: str) -> int:
    M = e.values.shape[1]
    if isinstance(feature, str):
        if feature not in e.feature_names:
            raise fail(argument, f"one of the feature names {e.feature_names[:5]}...", feature)
        return e.feature_names.index(feature)
    index = check_count(feature, argument, minimum=0)
    if index >= M:
        raise fail(argument, f"a feature index below {M}", feature)
    return index


def plot_image_attribution(
    explanation: Explanation, row: int = 0, output: int | None = None, path: Any = None
) -> Any:
    """An image beside its attributions as a heat map (red raises the output, blue lowers it).

    Examples
    --------
    >>> import numpy as np
    >>> e = Explanation(np.ones((1, 4, 4)), np.zeros(1), np.zeros((1, 4, 4)),
    ...                 [f"pixel{j}" for j in range(16)], additive=False)
    >>> len(plot_image_attribution(e).axes)
    3
    """
    import matplotlib.pyplot as plt

    if not isinstance(explanation, Explanation):
        raise fail("explanation", "an Explanation", explanation)
    e = explanation
    if e.multi_output:
        if output is None:
            raise fail("output", "the output to show for a multi-output Explanation", output)
        e = e[:, output]
    index = check_count(row, "row", minimum=0)
    if index >= len(e):
        raise fail("row", f"a row index below {len(e)}", row)
    image, values = np.asarray(e.data[index], dtype=np.float64), e.values[index]
    if values.ndim == 3:
        values = values.sum(axis=-1)
    if values.ndim != 2:
        raise fail("explanation", "image attributions of shape (n, H, W[, C])", e.values)
    limit = float(np.max(np.abs(values))) or 1.0
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 4))
    left.imshow(image, cmap=None if image.ndim == 3 else "gray")
    left.set_title("input")
    grey = image.mean(axis=-1) if image.ndim == 3 else image
    right.imshow(grey, cmap="gray", alpha=0.35)
    heat = right.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, alpha=0.8)
    right.set_title(str(e.extras.get("method", "attribution")).replace("_", " "))
    for axes in (left, right):
        axes.set_xticks([])
        axes.set_yticks([])
    bar = figure.colorbar(heat, ax=right, fraction=0.046, pad=0.04)
    bar.set_label("attribution")
    figure.tight_layout()
    return _finish(figure, path)
