"""The fraud study's numbers: features, splits, model fits, ranking metrics and review costs.

Kept apart from the report (``_fraud.py``) so each piece can be read, tested and run on Dask
on its own: :func:`fit_and_score` is the unit of independent work (one model on one split
with its own seed), and everything it needs travels with its task.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODELS = ("logistic regression", "gradient boosting", "MLP")
SECONDS_PER_HOUR = 3600.0


def features(frame) -> tuple[np.ndarray, list[str]]:
    """V1..V28, log(1 + Amount) and the hour of day; the raw clock (Time) is left out.

    Time counts seconds from the first transaction of a two-day file: as a feature it would
    let a model learn "which afternoon", which a time-ordered test set cannot reuse. The hour
    of day is what it can carry forward. Amount spans five orders of magnitude; its logarithm
    keeps a linear model and a network from being dominated by a few large payments.
    """
    v = frame[[f"V{i}" for i in range(1, 29)]].to_numpy(np.float64)
    amount = np.log1p(frame["Amount"].to_numpy(np.float64))
    hour = (frame["Time"].to_numpy(np.float64) / SECONDS_PER_HOUR) % 24.0
    names = [f"V{i}" for i in range(1, 29)] + ["log(1+Amount)", "hour"]
    return np.column_stack([v, amount, hour]), names


def time_split(n: int, train: float = 0.6, validation: float = 0.2) -> tuple[np.ndarray, ...]:
    """Row positions of the first ``train``, the next ``validation`` and the last rows."""
    a, b = round(train * n), round((train + validation) * n)
    rows = np.arange(n)
    return rows[:a], rows[a:b], rows[b:]


def stratified_split(y: np.ndarray, seed: int, test: float = 0.2) -> tuple[np.ndarray, ...]:
    """Stratified ``1 - test`` / ``test`` split of the rows (the published protocol)."""
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(np.arange(len(y)), test_size=test, stratify=y, random_state=seed))


def validation_split(
    y: np.ndarray, rows: np.ndarray, seed: int, validation: float = 0.25
) -> tuple[np.ndarray, ...]:
    """Stratified ``1 - validation`` / ``validation`` split of ``rows`` (training rows).

    The stratified protocol has no validation part of its own; its model is chosen on this
    quarter of the training part (20 % of all rows, as in the time-ordered protocol).
    """
    from sklearn.model_selection import train_test_split

    fit, held_out = train_test_split(
        rows, test_size=validation, stratify=y[rows], random_state=seed
    )
    return fit, held_out


# Chosen on validation data only, never on test (docs/case-study-fraud.md, "How the boosting
# was tuned"): on the full file the validation AP of these settings rose to a plateau by about
# 300 trees and did not fall after it, so the number of trees is fixed rather than stopped
# early on a random tenth of the training rows (a random tenth would also ignore time order).
BOOSTING = {
    "learning_rate": 0.1,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 50,
    "l2_regularization": 10.0,
    "class_weight": "balanced",
}
BOOSTING_TREES = {False: 300, True: 150}  # full, quick


def describe_boosting() -> str:
    """The boosting's settings in words, for the report."""
    b = BOOSTING
    weights = "class-weighted" if b["class_weight"] else "unweighted"
    return (
        f"{weights}, {BOOSTING_TREES[False]} trees of {b['max_leaf_nodes']} leaves "
        f"({BOOSTING_TREES[True]} in quick mode), learning rate {b['learning_rate']}, L2 penalty "
        f"{b['l2_regularization']:g}, at least {b['min_samples_leaf']} transactions a leaf"
    )


@dataclass
class FitTask:
    """One model on one split; carries its data and seed so it runs the same anywhere."""

    model: str
    split: str
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    X_validation: np.ndarray | None = None
    quick: bool = False


def _make_model(name: str, seed: int, quick: bool):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassml.ensemble import HistGradientBoostingClassifier
    from glassml.linear import LogisticRegression
    from glassml.nn import MLPClassifier

    if name == "logistic regression":
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", max_iter=500)
        )
    if name == "gradient boosting":
        return HistGradientBoostingClassifier(
            **BOOSTING, max_iter=BOOSTING_TREES[quick], early_stopping=False, random_state=seed
        )
    if name == "MLP":
        return make_pipeline(
            StandardScaler(),
            MLPClassifier(
                (64, 32),
                alpha=1e-4,
                batch_size=256,
                max_iter=15 if quick else 20,
                early_stopping=True,
                validation_fraction=0.1,
                n_iter_no_change=5,
                random_state=seed,
            ),
        )
    raise ValueError(f"model: expected one of {list(MODELS)}, got {name!r}")


def fit_and_score(task: FitTask) -> dict:
    """Fit ``task.model`` on the training rows; fraud probabilities of validation and test."""
    import warnings

    model = _make_model(task.model, task.seed, task.quick)
    with warnings.catch_warnings():
        # A short quick-mode run may stop before convergence; the scores say how good it is.
        warnings.simplefilter("ignore", category=Warning)
        model.fit(task.X_train, task.y_train)
    result = {"model": task.model, "split": task.split, "seed": task.seed}
    result["test"] = model.predict_proba(task.X_test)[:, 1]
    if task.X_validation is not None:
        result["validation"] = model.predict_proba(task.X_validation)[:, 1]
    if task.model == "gradient boosting":
        result["fitted"] = model  # explained afterwards with TreeSHAP
        result["n_trees"] = int(model.n_iter_)
    return result


# ------------------------------------------------------------------------ anomaly detectors

DETECTORS = (
    "Gaussian density",
    "isolation forest",
    "local outlier factor",
    "one-class SVM",
    "PCA reconstruction",
    "autoencoder",
)
# LOF compares every row with every fitted row and the one-class SVM's dual is a dense n x n
# problem: both are fitted on a uniform random subsample of the (unlabelled) training rows.
# The cap never binds on the bundled sample (about 6,000 training rows); on the full file it
# keeps the two fits to seconds instead of hours (170,000 training rows).
MAX_FIT_ROWS = {"local outlier factor": 20_000, "one-class SVM": 20_000}


@dataclass
class DetectorTask:
    """One anomaly detector fitted on unlabelled training rows, scoring the test rows.

    No labels travel with the task: the detector cannot see them, even by accident.
    """

    detector: str
    seed: int
    X_train: np.ndarray
    X_test: np.ndarray


def _make_detector(name: str, seed: int):
    """The six detectors with fixed hyper-parameters (those of the tour's s84_needle).

    They are not tuned: tuning a detector needs labels, which this view pretends not to have.
    Every detector sees standardised features (the scaler is fitted on the training rows).
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassml.anomaly import (
        AutoencoderDetector,
        GaussianDetector,
        IsolationForest,
        LocalOutlierFactor,
        OneClassSVM,
        PCADetector,
    )

    detectors = {
        "Gaussian density": lambda: GaussianDetector(),
        "isolation forest": lambda: IsolationForest(n_estimators=200, random_state=seed),
        # novelty=True: scores transactions of the test period, not the fitted ones.
        "local outlier factor": lambda: LocalOutlierFactor(n_neighbors=35, novelty=True),
        "one-class SVM": lambda: OneClassSVM(nu=0.05),
        "PCA reconstruction": lambda: PCADetector(n_components=0.8),
        "autoencoder": lambda: AutoencoderDetector((24, 8, 24), max_iter=60, random_state=seed),
    }
    if name not in detectors:
        raise ValueError(f"detector: expected one of {list(DETECTORS)}, got {name!r}")
    return make_pipeline(StandardScaler(), detectors[name]())


def fit_detector(task: DetectorTask) -> dict:
    """Fit ``task.detector`` on the training rows (no labels); anomaly scores of the test rows.

    Higher score = more anomalous (``-score_samples``). The fit rows are a seeded uniform
    subsample when the detector has a cap in ``MAX_FIT_ROWS`` (drawn without the labels).
    """
    import time
    import warnings

    rows = np.arange(len(task.X_train))
    cap = MAX_FIT_ROWS.get(task.detector)
    if cap is not None and len(rows) > cap:
        rng = np.random.default_rng(task.seed)
        rows = np.sort(rng.choice(rows, cap, replace=False))
    detector = _make_detector(task.detector, task.seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The autoencoder may stop at max_iter before converging; its scores say how good it is.
        warnings.simplefilter("ignore", category=Warning)
        detector.fit(task.X_train[rows])
        scores = -np.asarray(detector.score_samples(task.X_test), dtype=np.float64)
    return {
        "detector": task.detector,
        "seed": task.seed,
        "test": scores,
        "n_fit": len(rows),
        "seconds": time.perf_counter() - start,  # shown in the report, never a metric
    }


# ------------------------------------------------------------------------ ranking metrics


def average_precision(y: np.ndarray, scores: np.ndarray) -> float:
    """AP = sum_k (R_k - R_{k-1}) P_k over the thresholds: the area under the PR curve."""
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, scores))


def precision_at(y: np.ndarray, scores: np.ndarray, k: int = 100) -> float:
    """Share of frauds among the ``k`` highest scores (an analyst's first day of reviews).

    Scores tied at the k-th place count by their average fraud rate (glassml.anomaly's
    ``precision_at_k``), so the figure does not depend on the order of the rows.
    """
    from glassml.anomaly import precision_at_k

    return precision_at_k(y, scores, k)


def recall_at_fpr(y: np.ndarray, scores: np.ndarray, fpr: float = 0.01) -> float:
    """Largest recall whose false-positive rate is at most ``fpr`` (on the ROC curve)."""
    from sklearn.metrics import roc_curve

    false_positive_rate, true_positive_rate, _ = roc_curve(y, scores)
    return float(np.max(true_positive_rate[false_positive_rate <= fpr]))


def ranking_metrics(y, scores, *, n_resamples: int, seed: int) -> dict[str, float]:
    """AP with a percentile bootstrap interval over test rows, ROC-AUC, P@100, recall@1 % FPR."""
    from sklearn.metrics import roc_auc_score

    from glassml.stats import bootstrap

    def resampled_ap(rows):  # the bootstrap hands the row numbers back as floats
        rows = rows.astype(np.int64)
        return average_precision(y[rows], scores[rows]) if y[rows].any() else 0.0

    result = bootstrap(
        (np.arange(len(y)),),
        resampled_ap,
        n_resamples=n_resamples,
        method="percentile",
        vectorized=False,
        random_state=seed,
    )
    low, high = result.confidence_interval
    return {
        "ap": average_precision(y, scores),
        "ap_low": low,
        "ap_high": high,
        "roc_auc": float(roc_auc_score(y, scores)),
        "precision_at_100": precision_at(y, scores, 100),
        "recall_at_1pct_fpr": recall_at_fpr(y, scores, 0.01),
    }


def paired_ap_difference(y, a, b, *, n_resamples: int, seed: int) -> tuple[float, float, float]:
    """AP(a) - AP(b) on the same test rows, with a paired percentile bootstrap interval."""
    from glassml.model_selection import bootstrap_metric_difference

    result = bootstrap_metric_difference(
        y,
        a,
        b,
        metric=average_precision,
        n_resamples=n_resamples,
        method="percentile",
        random_state=seed,
    )
    low, high = result.confidence_interval
    return float(result.statistic), float(low), float(high)


# ------------------------------------------------------------------------ review costs


@dataclass
class ReviewCosts:
    """Cost of reviewing the k highest-scored transactions, for every k from 0 to n."""

    n_reviewed: np.ndarray  # 0..n
    cost: np.ndarray  # fee * k + amounts of the frauds not reviewed
    thresholds: np.ndarray  # the score at which k transactions are reviewed (inf for k = 0)


def review_costs(y, scores, amounts, fee: float) -> ReviewCosts:
    """cost(k) = fee * k + sum of the amounts of the frauds outside the top k.

    A reviewed fraud is assumed stopped (its amount saved), a missed one costs its amount,
    every review costs ``fee``; ties in the score are reviewed together, so only the ends of
    tied runs are candidate cut-offs.
    """
    order = np.argsort(-scores, kind="stable")
    lost = np.where(y[order] == 1, amounts[order], 0.0)
    missed = np.concatenate([[lost.sum()], lost.sum() - np.cumsum(lost)])
    k = np.arange(len(y) + 1)
    sorted_scores = scores[order]
    thresholds = np.concatenate([[np.inf], sorted_scores])
    # Only cut between different scores: a tie is reviewed all together or not at all.
    valid = np.ones(len(k), dtype=bool)
    valid[1:-1] = sorted_scores[1:] < sorted_scores[:-1]
    return ReviewCosts(k[valid], fee * k[valid] + missed[valid], thresholds[valid])


def cost_at_threshold(y, scores, amounts, fee: float, threshold: float) -> tuple[float, int]:
    """Cost and number of reviews when every transaction scoring >= ``threshold`` is reviewed."""
    reviewed = scores >= threshold
    missed = np.sum(amounts[(y == 1) & ~reviewed])
    return float(fee * reviewed.sum() + missed), int(reviewed.sum())
