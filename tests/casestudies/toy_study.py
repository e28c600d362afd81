"""A small study that exercises every part of the case-study framework quickly.

Logistic regression on scikit-learn's bundled breast-cancer data, refitted over bootstrap
resamples through ``context.map`` (so the Dask path is exercised), with every report section
filled. ``fail_at`` makes it fail on purpose at a given step.
"""

from __future__ import annotations

import numpy as np

from glassml.casestudies import Headline, Option, Study


def bootstrap_fit(task):
    """One independent fit: everything it needs, its seed included, travels with the task."""
    from sklearn.metrics import roc_auc_score

    from glassml.linear import LogisticRegression

    X, y, X_test, y_test, seed = task
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(y), len(y))
    model = LogisticRegression(C=1.0).fit(X[rows], y[rows])
    return float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))


def run(context):
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    fail_at = context.options["fail_at"]
    with context.step("Load data"):
        if fail_at == "load":
            raise ValueError("data: this toy study was asked to fail while loading")
        X, y = load_breast_cancer(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, random_state=context.seed, stratify=y
        )
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        context.report.section("data").text(f"{len(y)} tumours, {X.shape[1]} features.").table(
            [
                {"class": "malignant", "n": int((y == 0).sum())},
                {"class": "benign", "n": int((y == 1).sum())},
            ],
            caption="Class balance.",
        )
    with context.step("Fit models"):
        n_resamples = 4 if context.quick else 8
        seeds = np.random.SeedSequence(context.seed).generate_state(n_resamples)
        aucs = np.array(
            context.map(bootstrap_fit, [(X_train, y_train, X_test, y_test, int(s)) for s in seeds])
        )
        if fail_at == "fit":
            raise RuntimeError("the toy study was asked to fail while fitting")
        context.metric("auc", aucs.mean())
        context.metric("auc_low", np.quantile(aucs, 0.025))
        context.metric("auc_high", np.quantile(aucs, 0.975))
        context.metric("n_resamples", n_resamples)
    with context.step("Write report"):
        report = context.report
        report.section("question").text(
            "Can a linear model separate malignant from benign tumours?"
        )
        report.section("mathematics").equation(
            r"p(y=1 \mid x) = \sigma(w^\top x + b) = \dfrac{1}{1 + e^{-(w^\top x + b)}}",
            caption="Logistic regression.",
        )
        report.section("method").text(
            "A stratified 70/30 split; the model refitted on bootstrap resamples."
        )
        figure, axes = plt.subplots(figsize=(5, 3))
        axes.hist(aucs, bins=8, color="#2457a6")
        axes.set_xlabel("test ROC-AUC")
        axes.set_ylabel("resamples")
        context.figure(figure, "auc", "ROC-AUC over bootstrap refits.", "results")
        report.section("comparison").table(
            [{"model": "logistic regression (ours)", "ROC-AUC": float(aucs.mean())}],
            formats={"ROC-AUC": ".3f"},
        )
        report.section("interpretation").text("Larger tumours are more often malignant.")
        report.section("decision").note("Refer when p(malignant) > 0.1.", tone="success")
        report.section("limitations").note("A toy: 569 tumours from one hospital.", tone="warning")


STUDY = Study(
    name="toy",
    title="A toy study of the framework",
    question="Does the case-study framework write a report a person can read?",
    steps=("Load data", "Fit models", "Write report"),
    headline=(
        Headline("auc", "ROC-AUC", ".3f", low="auc_low", high="auc_high"),
        Headline("n_resamples", "bootstrap refits", ".0f"),
    ),
    run=run,
    options={"fail_at": Option("never", "make the study fail at 'load' or 'fit' (tests)")},
    data_help="nothing (it uses scikit-learn's bundled data)",
)
