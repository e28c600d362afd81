"""Tour section: fair and private learning on UCI Adult (sex as the sensitive feature).

The accuracy-fairness trade-off of the mitigations (before, during and after learning), each
point with the bootstrap confidence interval of its demographic-parity difference on the test
set, and the accuracy DP-SGD keeps as the privacy budget epsilon shrinks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from rich.table import Table

TITLE = "Fair and private"

NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = ["workclass", "marital_status", "occupation", "relationship", "race"]
N_TRAIN = 12_000  # rows of the training table used by the mitigations (a seeded sample)
DELTA = 1e-5  # DP-SGD's delta (below 1 / n for the 32,561 training rows)
NOISE_MULTIPLIERS = (100.0, 40.0, 16.0, 6.0, 2.0, 0.6)
N_RESAMPLES = 400


@dataclass(frozen=True)
class AdultTask:
    """Standardised design matrices (no sex column), labels and the sensitive feature.

    ``X_*_with_sex`` carry the indicator of ``Male`` as their first column, for the one
    mitigation (CorrelationRemover) that must see it.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    sex_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    sex_test: np.ndarray
    X_full: np.ndarray  # every training row (DP-SGD uses them all)
    y_full: np.ndarray

    def with_sex(self, X: np.ndarray, sex: np.ndarray) -> np.ndarray:
        return np.column_stack([(sex == "Male").astype(float), X])


def adult_task(n_train: int = N_TRAIN, seed: int = 0) -> AdultTask:
    from glassml.datasets import load_adult

    data = load_adult()

    def design(frame: pd.DataFrame) -> pd.DataFrame:
        numeric = frame[NUMERIC].astype(float)
        numeric[["capital_gain", "capital_loss"]] = np.log1p(
            numeric[["capital_gain", "capital_loss"]]
        )
        categories = pd.get_dummies(frame[CATEGORICAL].fillna("missing"), dtype=float)
        return pd.concat([numeric, categories], axis=1)

    train, test = design(data.train), design(data.test)
    test = test.reindex(columns=train.columns, fill_value=0.0)
    mean, scale = train.mean(), train.std().replace(0.0, 1.0)
    X_full = ((train - mean) / scale).to_numpy()
    X_test = ((test - mean) / scale).to_numpy()
    y_full = data.train["income"].to_numpy()
    sex_full = data.train["sex"].to_numpy()
    rows = np.sort(np.random.default_rng(seed).choice(len(X_full), n_train, replace=False))
    return AdultTask(
        X_full[rows],
        y_full[rows],
        sex_full[rows],
        X_test,
        data.test["income"].to_numpy(),
        data.test["sex"].to_numpy(),
        X_full,
        y_full,
    )


def _assess(task: AdultTask, method: str, setting: str, decisions: np.ndarray) -> dict:
    """Accuracy and the demographic-parity difference on the test set, with 95 % intervals."""
    from glassml.fairness import MetricFrame, selection_rate

    frame = MetricFrame(selection_rate, task.y_test, decisions, task.sex_test)
    low, high = frame.difference_ci(n_resamples=N_RESAMPLES, random_state=0)
    by_group = frame.by_group
    group_ci = frame.by_group_ci(n_resamples=N_RESAMPLES, random_state=0)
    return {
        "method": method,
        "setting": setting,
        "accuracy": float(np.mean(decisions == task.y_test)),
        "dp_difference": float(frame.difference()),
        "dp_low": float(low),
        "dp_high": float(high),
        **{f"rate_{g}": float(by_group[g]) for g in by_group.index},
        **{f"rate_{g}_low": float(group_ci.loc[g, "low"]) for g in by_group.index},
        **{f"rate_{g}_high": float(group_ci.loc[g, "high"]) for g in by_group.index},
    }


def mitigation_curves(task: AdultTask) -> pd.DataFrame:
    """One row per (mitigation, setting): test accuracy and demographic-parity difference."""
    from glassml.fairness import (
        CorrelationRemover,
        ExponentiatedGradient,
        Reweighing,
        ThresholdOptimizer,
    )
    from glassml.linear import LogisticRegression

    rows = []
    base = LogisticRegression(max_iter=300).fit(task.X_train, task.y_train)
    rows.append(_assess(task, "none", "logistic regression", base.predict(task.X_test)))

    reweighed = Reweighing(LogisticRegression(max_iter=300)).fit(
        task.X_train, task.y_train, sensitive_features=task.sex_train
    )
    rows.append(_assess(task, "Reweighing", "P(A)P(Y)/P(A,Y)", reweighed.predict(task.X_test)))

    train_with_sex = task.with_sex(task.X_train, task.sex_train)
    test_with_sex = task.with_sex(task.X_test, task.sex_test)
    for alpha in (0.5, 1.0):
        remover = CorrelationRemover(sensitive_feature_ids=[0], alpha=alpha).fit(train_with_sex)
        model = LogisticRegression(max_iter=300).fit(
            remover.transform(train_with_sex), task.y_train
        )
        decisions = model.predict(remover.transform(test_with_sex))
        rows.append(_assess(task, "CorrelationRemover", f"alpha={alpha}", decisions))

    for bound in (0.08, 0.04, 0.01):
        reduction = ExponentiatedGradient(
            LogisticRegression(max_iter=300), difference_bound=bound, eps=0.01
        ).fit(task.X_train, task.y_train, sensitive_features=task.sex_train)
        decisions = reduction.predict(task.X_test, random_state=0)
        rows.append(_assess(task, "ExponentiatedGradient", f"bound={bound}", decisions))

    for tolerance in (0.1, 0.05, 0.0):
        thresholds = ThresholdOptimizer(base, prefit=True, tolerance=tolerance).fit(
            task.X_train, task.y_train, sensitive_features=task.sex_train
        )
        decisions = thresholds.predict(
            task.X_test, sensitive_features=task.sex_test, random_state=0
        )
        rows.append(_assess(task, "ThresholdOptimizer", f"tolerance={tolerance}", decisions))
    return pd.DataFrame(rows)


def dpsgd_curve(
    task: AdultTask, noise_multipliers=NOISE_MULTIPLIERS, epochs: int = 5
) -> pd.DataFrame:
    """Test accuracy of DP-SGD logistic regression (every training row) against its epsilon."""
    from glassml.linear import LogisticRegression
    from glassml.optim import GradientDescent
    from glassml.privacy import DPSGD

    settings = dict(penalty=None, batch_size=256, max_iter=epochs, tol=0.0, random_state=0)
    rows = []
    for sigma in noise_multipliers:
        optimizer = DPSGD(lr=0.5, noise_multiplier=sigma, max_grad_norm=1.0, random_state=0)
        model = LogisticRegression(optimizer=optimizer, **settings).fit(task.X_full, task.y_full)
        rows.append(
            {
                "noise_multiplier": sigma,
                "epsilon": model.optimizer.epsilon(DELTA),
                "accuracy": float(model.score(task.X_test, task.y_test)),
            }
        )
    plain = LogisticRegression(optimizer=GradientDescent(lr=0.5), **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fixed number of epochs, as DP-SGD runs
        plain.fit(task.X_full, task.y_full)
    rows.append(
        {
            "noise_multiplier": 0.0,
            "epsilon": np.inf,
            "accuracy": float(plain.score(task.X_test, task.y_test)),
        }
    )
    return pd.DataFrame(rows)


def _plot(curves: pd.DataFrame, private: pd.DataFrame, out_dir: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml._io import save_figure

    figure, (trade, groups, budget) = plt.subplots(1, 3, figsize=(16, 4.8))
    markers = {
        "none": "*",
        "Reweighing": "s",
        "CorrelationRemover": "D",
        "ExponentiatedGradient": "o",
        "ThresholdOptimizer": "^",
    }
    for method, part in curves.groupby("method", sort=False):
        errors = np.vstack(
            [part.dp_difference - part.dp_low, part.dp_high - part.dp_difference]
        ).clip(min=0)
        trade.errorbar(
            part.dp_difference,
            part.accuracy,
            xerr=errors,
            marker=markers.get(method, "o"),
            markersize=9 if method == "none" else 6,
            linestyle="-" if len(part) > 1 else "none",
            capsize=3,
            label=method,
        )
    trade.axvline(0.0, color="grey", linewidth=0.8, linestyle=":")
    trade.set_xlabel("demographic-parity difference on test (95 % bootstrap CI)")
    trade.set_ylabel("test accuracy")
    trade.set_title("Accuracy against fairness, UCI Adult (A = sex)")
    trade.legend(fontsize=8, loc="lower right")

    picks = [curves.index[0]] + [
        part.index[-1] for method, part in curves.groupby("method", sort=False) if method != "none"
    ]
    labels = [f"{curves.method[i]}\n{curves.setting[i]}" for i in picks]
    positions = np.arange(len(picks))
    for offset, group, colour in ((-0.17, "Female", "tab:purple"), (0.17, "Male", "tab:olive")):
        value = curves.loc[picks, f"rate_{group}"].to_numpy()
        low = curves.loc[picks, f"rate_{group}_low"].to_numpy()
        high = curves.loc[picks, f"rate_{group}_high"].to_numpy()
        groups.errorbar(
            positions + offset,
            value,
            yerr=np.vstack([value - low, high - value]).clip(min=0),
            fmt="o",
            capsize=3,
            color=colour,
            label=group,
        )
    groups.set_xticks(positions, labels, fontsize=7, rotation=20, ha="right")
    groups.set_ylabel("selection rate on test (95 % bootstrap CI)")
    groups.set_title("Selection rate by group (strictest setting)")
    groups.legend(fontsize=8)

    finite = private[np.isfinite(private.epsilon)]
    budget.plot(finite.epsilon, finite.accuracy, marker="o", label="DP-SGD")
    for _, row in finite.iterrows():
        budget.annotate(
            f"σ={row.noise_multiplier:g}",
            (row.epsilon, row.accuracy),
            textcoords="offset points",
            xytext=(4, -11),
            fontsize=7,
        )
    plain = private[~np.isfinite(private.epsilon)].accuracy.iloc[0]
    budget.axhline(plain, color="grey", linestyle="--", label="non-private, same optimiser")
    majority = 1.0 - float(np.mean(curves.attrs["y_test"]))
    budget.axhline(majority, color="crimson", linestyle=":", label="always predict <= 50K")
    budget.set_xscale("log")
    budget.margins(x=0.12)  # room for the last point's label
    budget.set_xlabel(f"epsilon (delta = {DELTA:g}, RDP accountant)")
    budget.set_ylabel("test accuracy")
    budget.set_title("DP-SGD logistic regression: accuracy against privacy")
    budget.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    paths = save_figure(figure, out_dir / "fair_private")
    plt.close(figure)
    return paths


@lru_cache(maxsize=1)
def results() -> tuple[AdultTask, pd.DataFrame, pd.DataFrame]:
    """The task, the mitigations' curves and DP-SGD's, computed once per process."""
    task = adult_task()
    curves = mitigation_curves(task)
    curves.attrs["y_test"] = task.y_test
    return task, curves, dpsgd_curve(task)


def run(console, out_dir: Path) -> None:
    task, curves, private = results()
    table = Table(
        title=f"UCI Adult, {N_TRAIN:,} training rows, {len(task.y_test):,} test rows, A = sex"
    )
    for column in ("mitigation", "setting", "accuracy", "DP difference (95 % CI)"):
        table.add_column(column, justify="left" if column in ("mitigation", "setting") else "right")
    for row in curves.itertuples():
        table.add_row(
            row.method,
            row.setting,
            f"{row.accuracy:.3f}",
            f"{row.dp_difference:.3f} ({row.dp_low:.3f}, {row.dp_high:.3f})",
        )
    console.print(table)

    privacy_table = Table(title=f"DP-SGD logistic regression, {len(task.y_full):,} training rows")
    for column in ("noise multiplier", f"epsilon at delta={DELTA:g}", "test accuracy"):
        privacy_table.add_column(column, justify="right")
    for row in private.itertuples():
        private_run = np.isfinite(row.epsilon)
        privacy_table.add_row(
            f"{row.noise_multiplier:g}" if private_run else "none (GD)",
            f"{row.epsilon:.3g}" if private_run else "inf",
            f"{row.accuracy:.3f}",
        )
    console.print(privacy_table)
    paths = _plot(curves, private, out_dir)
    console.print("Trade-off figure: " + ", ".join(str(path) for path in paths))
