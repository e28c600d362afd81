"""Tour section: tuning without guessing. A Gaussian process learns the cross-validation error
of an SVC as a function of its kernel width, expected improvement picks the next trial, and a
5x2cv t-test says which of three classifiers is really better."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "Tuning without guessing"

GAMMA_RANGE = (1e-4, 10.0)
SNAPSHOTS = (3, 6, 10)


def _data():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def cv_error(X, y, log10_gamma: float) -> float:
    """5-fold CV error of StandardScaler + SVC(C=1, gamma=10^log10_gamma)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    model = make_pipeline(StandardScaler(), SVC(C=1.0, gamma=10.0**log10_gamma))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return 1.0 - float(cross_val_score(model, X, y, cv=cv).mean())


def posterior_snapshots(X, y, grid_size: int = 80):
    """Run Bayesian optimisation of the CV error over log10(gamma); after 3, 6 and 10
    evaluations record the observations, the GP posterior and EI on a grid."""
    from glassml.model_selection import Real
    from glassml.model_selection._acquisition import expected_improvement
    from glassml.model_selection._bayes import BayesOptimizer, Posterior
    from glassml.model_selection._space import Space

    low, high = np.log10(GAMMA_RANGE)
    space = Space({"log10_gamma": Real(low, high)}, "space")
    optimizer = BayesOptimizer(space, n_initial_points=3, random_state=2)
    grid = np.linspace(0.0, 1.0, grid_size)[:, None]
    snapshots = []
    while len(optimizer.values) < SNAPSHOTS[-1]:
        point = optimizer.ask(1)
        optimizer.tell(point, [cv_error(X, y, point[0][0])])
        if len(optimizer.values) in SNAPSHOTS:
            gp = optimizer.fit_surrogate()
            values = np.asarray(optimizer.values)
            centre, spread = values.mean(), values.std() or 1.0
            mean, std = Posterior(gp)(grid)
            best = float(np.min(gp.y_train_))
            ei = expected_improvement(mean, std, best, optimizer.xi)[0]
            snapshots.append(
                {
                    "n": len(values),
                    "x": low + (high - low) * grid[:, 0],
                    "mean": centre + spread * mean,
                    "std": spread * std,
                    "ei": spread * ei,
                    "observed_x": np.array([p[0] for p in optimizer.points]),
                    "observed_y": values,
                    "next_x": low + (high - low) * float(grid[np.argmax(ei), 0]),
                }
            )
    return snapshots


def comparison(X, y):
    """Pairwise 5x2cv t-tests of three classifiers, Holm-adjusted."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassml.linear import LogisticRegression
    from glassml.model_selection import paired_ttest_5x2cv
    from glassml.naive_bayes import GaussianNB
    from glassml.stats import multipletests
    from glassml.svm import SVC

    models = {
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression()),
        "SVC (rbf)": make_pipeline(StandardScaler(), SVC()),
        "Gaussian naive Bayes": GaussianNB(),
    }
    names = list(models)
    rows = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            result = paired_ttest_5x2cv(models[names[i]], models[names[j]], X, y, random_state=0)
            rows.append({"a": names[i], "b": names[j], "result": result})
    adjusted = multipletests([row["result"].pvalue for row in rows], method="holm")[1]
    for row, p in zip(rows, adjusted, strict=True):
        row["pvalue_holm"] = float(p)
    return rows


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml._io import save_figure

    X, y = _data()
    snapshots = posterior_snapshots(X, y)
    grid = np.linspace(*np.log10(GAMMA_RANGE), 30)
    truth = np.array([cv_error(X, y, g) for g in grid])

    figure, axes = plt.subplots(
        2, len(snapshots), figsize=(13, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]}
    )
    for column, snap in enumerate(snapshots):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(grid, truth, color="grey", linestyle=":", label="CV error (dense grid)")
        top.plot(snap["x"], snap["mean"], color="C0", label="GP posterior mean")
        top.fill_between(
            snap["x"],
            snap["mean"] - 2 * snap["std"],
            snap["mean"] + 2 * snap["std"],
            color="C0",
            alpha=0.2,
            label="mean ± 2 sd",
        )
        top.scatter(snap["observed_x"], snap["observed_y"], color="black", zorder=3, s=18,
                    label="evaluations")  # fmt: skip
        top.axvline(snap["next_x"], color="C3", linestyle="--", linewidth=1,
                    label="next evaluation (max EI)")  # fmt: skip
        top.set_title(f"after {snap['n']} evaluations")
        top.set_ylim(0.0, max(0.45, float(np.max(snap["observed_y"])) + 0.05))
        bottom.plot(snap["x"], snap["ei"], color="C3")
        bottom.fill_between(snap["x"], 0, snap["ei"], color="C3", alpha=0.2)
        bottom.axvline(snap["next_x"], color="C3", linestyle="--", linewidth=1)
        bottom.set_xlabel("log10(gamma) of an RBF SVC")
        if column == 0:
            top.set_ylabel("5-fold CV error")
            bottom.set_ylabel("expected improvement")
            top.legend(fontsize=7, loc="upper left")
    figure.suptitle("Bayesian optimisation of an SVC's kernel width on breast-cancer data")
    figure.tight_layout()
    paths = save_figure(figure, out_dir / "tuning_gp_ei")
    plt.close(figure)

    best = int(np.argmin(snapshots[-1]["observed_y"]))
    console.print(
        f"Best of 10 evaluations: gamma = {10 ** snapshots[-1]['observed_x'][best]:.3g}, "
        f"CV error {snapshots[-1]['observed_y'][best]:.4f} (dense-grid minimum "
        f"{truth.min():.4f})"
    )

    table = Table(title="5x2cv paired t-tests (Dietterich 1998), breast cancer, Holm-adjusted")
    for column in ("model A", "model B", "mean accuracy A - B", "t (5 df)", "p", "p (Holm)"):
        table.add_column(column, justify="left" if column.startswith("model") else "right")
    for row in comparison(X, y):
        result = row["result"]
        table.add_row(
            row["a"],
            row["b"],
            f"{result.estimate:+.4f}",
            f"{result.statistic:.2f}",
            f"{result.pvalue:.3f}",
            f"{row['pvalue_holm']:.3f}",
        )
    console.print(table)
    console.print("GP posterior and expected improvement: " + ", ".join(str(p) for p in paths))
