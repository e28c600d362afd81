"""Tour section: why did the model say that? Kernel SHAP against exact Shapley values, a
beeswarm of a fitted classifier on real data, and LIME's instability beside SHAP's stability.

The data are the Wisconsin breast-cancer measurements shipped with scikit-learn (569 tumours,
30 features; real and offline): small enough that exact Shapley values are affordable beside
Kernel SHAP. The fraud case study draws the same beeswarm on the credit-card transactions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "Why did the model say that?"

SMALL_FEATURES = 8
KERNEL_BUDGET = 120


def data():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    bunch = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        bunch.data, bunch.target, test_size=0.3, random_state=0, stratify=bunch.target
    )
    scaler = StandardScaler().fit(X_train)
    names = [str(name) for name in bunch.feature_names]
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, names


def compare_kernel_and_exact() -> dict[str, float]:
    """Kernel SHAP on a budget vs exact Shapley values of a small logistic model."""
    from sklearn.linear_model import LogisticRegression

    from glassml.explain import ExactExplainer, KernelExplainer

    X_train, X_test, y_train, _, _ = data()
    columns = slice(0, SMALL_FEATURES)
    model = LogisticRegression().fit(X_train[:, columns], y_train)
    f = model.predict_proba
    background, rows = X_train[:50, columns], X_test[:20, columns]
    exact = ExactExplainer(f, background)(rows).values[..., 1]
    sampled = KernelExplainer(f, background, n_samples=KERNEL_BUDGET, random_state=0)(rows)
    full = KernelExplainer(f, background, n_samples=2**SMALL_FEATURES)(rows).values[..., 1]
    return {
        "max |Kernel - exact| (120 of 254 coalitions)": float(
            np.max(np.abs(sampled.values[..., 1] - exact))
        ),
        "max |Kernel - exact| (all 254 coalitions)": float(np.max(np.abs(full - exact))),
        "max |sum phi - (f(x) - E f)|": float(
            np.max(np.abs(sampled.output_sum()[:, 1] - f(rows)[:, 1]))
        ),
        "largest |exact value|": float(np.max(np.abs(exact))),
    }


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.ensemble import RandomForestClassifier

    from glassml.explain import (
        KernelExplainer,
        LimeTabularExplainer,
        TreeExplainer,
        plot_beeswarm,
        stability,
    )

    agreement = compare_kernel_and_exact()
    table = Table(title=f"Kernel SHAP vs exact Shapley values ({SMALL_FEATURES} features)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in agreement.items():
        table.add_row(key, f"{value:.2e}")
    console.print(table)

    X_train, X_test, y_train, y_test, names = data()
    forest = RandomForestClassifier(n_estimators=50, max_depth=6, random_state=0)
    forest.fit(X_train, y_train)
    explanation = TreeExplainer(forest, feature_names=names)(X_test)[:, 1]
    figure = plot_beeswarm(explanation, max_display=12)
    figure.axes[0].set_title(
        f"Random forest on breast-cancer biopsies (test accuracy "
        f"{forest.score(X_test, y_test):.1%}): SHAP values for 'benign'",
        fontsize=10,
    )
    paths = save(figure, out_dir / "why_beeswarm")
    plt.close(figure)
    console.print("Beeswarm: " + ", ".join(str(path) for path in paths))

    f = forest.predict_proba
    row = X_test[0]
    lime = LimeTabularExplainer(f, X_train, feature_names=names, n_samples=1000)
    kernel = KernelExplainer(f, X_train[:10], n_samples=1000)
    spread = Table(title="Same row, five seeds: do the explanations agree?")
    spread.add_column("explainer")
    spread.add_column("top-5 Jaccard", justify="right")
    spread.add_column("rank correlation", justify="right")
    for label, explainer in (("LIME (1,000 samples)", lime), ("Kernel SHAP (1,000)", kernel)):
        result = stability(explainer, row, n_repeats=5, top_k=5)
        spread.add_row(label, f"{result.jaccard:.2f}", f"{result.rank_correlation:.2f}")
    console.print(spread)


def save(figure, stem):
    from glassml._io import save_figure

    return save_figure(figure, stem)
