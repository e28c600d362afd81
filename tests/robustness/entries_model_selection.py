"""Robustness entries for glassml.model_selection (see framework.py)."""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, invariant, opt
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

from glassml.model_selection import (
    Categorical,
    Integer,
    Real,
    TemperatureScaling,
    bootstrap_metric_difference,
    brier_decomposition,
    compare_models,
    corrected_resampled_ttest,
    cost_optimal_threshold,
    expected_calibration_error,
    mcnemar,
    minimize_bayes,
    paired_ttest_5x2cv,
    reliability_curve,
    threshold_for_precision,
    threshold_for_recall,
)

_rng = np.random.default_rng(0)
# (logits_fit below: the fitted scaler's training logits, kept apart from the probed ones)
X = _rng.normal(size=(40, 3))
y = (X[:, 0] + 0.5 * _rng.normal(size=40) > 0).astype(int)
p = np.clip(0.5 + 0.4 * np.tanh(X[:, 0]), 0.01, 0.99)
y_true = (_rng.random(60) < 0.5).astype(int)
pred_a = np.where(_rng.random(60) < 0.85, y_true, 1 - y_true)
pred_b = np.where(_rng.random(60) < 0.7, y_true, 1 - y_true)
scores_a = np.array([0.81, 0.84, 0.79, 0.83, 0.82])
scores_b = np.array([0.78, 0.80, 0.79, 0.80, 0.77])
differences = np.array([[0.02, 0.01], [0.03, 0.0], [0.01, 0.02], [0.02, 0.02], [0.0, 0.01]])
logits = _rng.normal(size=(50, 3)) * 2
classes = _rng.integers(0, 3, 50)
logits[np.arange(50), classes] += 2.0
logits_fit = logits.copy()

PROBABILITIES = "probabilities live in [0, 1]: scaling them leaves the domain and is refused"
LABELS = "0/1 labels: scaling them makes them non-binary and is refused by name"


def _space_entry(cls, arguments, options):
    return Entry(
        f"glassml.model_selection.{cls.__name__}",
        lambda **kw: cls(**kw).from_unit(np.array([[0.0], [0.5], [1.0]])),
        arguments,
        options=options,
    )


ENTRIES = [
    _space_entry(
        Real,
        {"low": 0.1, "high": 10.0, "prior": "log-uniform"},
        {"low": opt(20.0, -1.0), "high": opt(0.05), "prior": opt()},
    ),
    _space_entry(
        Integer,
        {"low": 1, "high": 10, "prior": "uniform"},
        {"low": opt(11), "high": opt(0), "prior": opt()},
    ),
    *[
        Entry(
            f"glassml.model_selection.{cls.__name__}.to_unit",
            lambda values, cls=cls: cls(1, 10).to_unit(values),
            {"values": np.array([1.0, 4.0, 10.0])},
            arrays=("values",),
            skip={
                "huge": "values outside [low, high] map outside the cube, as they should",
                "tiny": "values outside [low, high] map outside the cube, as they should",
                "ndim": "a column of values is the same values",
            },
        )
        for cls in (Real, Integer)
    ],
    *[
        Entry(
            f"glassml.model_selection.{cls.__name__}.from_unit",
            lambda columns, cls=cls: cls(1, 10).from_unit(columns),
            {"columns": np.array([[0.0], [0.25], [1.0]])},
            arrays=("columns",),
            skip={
                "huge": "cube coordinates are clipped to [0, 1]: the ends of the range",
                "tiny": "1e-300 x coordinates are the low end of the range, a correct result",
                "ndim": "one column per dimension: a flat vector is refused by shape",
            },
        )
        for cls in (Real, Integer)
    ],
    Entry(
        "glassml.model_selection.Categorical",
        lambda categories: Categorical(categories).to_unit([categories[0]]),
        {"categories": ["a", "b", "c"]},
        options={"categories": opt([], "abc", ["a", "a"], auto=False)},
    ),
    Entry(
        "glassml.model_selection.Categorical.to_unit",
        lambda values: Categorical(["a", "b"]).to_unit(values),
        {"values": ["a", "b", "a"]},
        options={"values": opt(["c"], auto=False)},
    ),
    Entry(
        "glassml.model_selection.Categorical.from_unit",
        lambda columns: Categorical(["a", "b"]).from_unit(columns),
        {"columns": np.array([[0.2, 0.8], [0.9, 0.1]])},
        scale=(Scale(("columns",), invariant()),),
    ),
    Entry(
        "glassml.model_selection.minimize_bayes",
        lambda n_calls, n_initial_points, acquisition, n_points: (
            minimize_bayes(
                lambda x: (x[0] - 0.3) ** 2,
                [Real(-1.0, 1.0)],
                n_calls,
                random_state=0,
                n_initial_points=n_initial_points,
                acquisition=acquisition,
                n_points=n_points,
            ).func_vals
        ),
        {"n_calls": 6, "n_initial_points": 3, "acquisition": "ei", "n_points": 2},
        options={
            "n_calls": opt(0, 2),
            "n_initial_points": opt(0),
            "acquisition": opt(),
            "n_points": opt(0),
        },
    ),
    Entry(
        "glassml.model_selection.paired_ttest_5x2cv",
        lambda differences: (
            paired_ttest_5x2cv(differences=differences).statistic,
            paired_ttest_5x2cv(differences=differences).pvalue,
        ),
        {"differences": differences},
        arrays=("differences",),
        scale=(Scale(("differences",), invariant(rtol=1e-9)),),
    ),
    Entry(
        "glassml.model_selection.paired_ttest_5x2cv [estimators]",
        lambda X, y: paired_ttest_5x2cv(GaussianNB(), LogisticRegression(), X, y, random_state=0),
        {"X": X, "y": y},
        arrays=("X",),
        labels=("y",),
        skip={
            "huge": "the models' accuracies at 1e300 are the estimators' business",
            "tiny": "the models' accuracies at 1e-300 are the estimators' business",
            "ndim": "X of one feature is a valid design; a 3-D X is refused by the estimators",
        },
    ),
    Entry(
        "glassml.model_selection.corrected_resampled_ttest",
        lambda scores_a, scores_b, n_train, n_test: (
            corrected_resampled_ttest(scores_a, scores_b, n_train, n_test).statistic,
            corrected_resampled_ttest(scores_a, scores_b, n_train, n_test).pvalue,
        ),
        {"scores_a": scores_a, "scores_b": scores_b, "n_train": 80, "n_test": 20},
        arrays=("scores_a", "scores_b"),
        options={"n_train": opt(0), "n_test": opt(-1)},
        scale=(Scale(("scores_a", "scores_b"), invariant(rtol=1e-9)),),
    ),
    Entry(
        "glassml.model_selection.mcnemar",
        lambda y_true, y_pred_a, y_pred_b, exact: mcnemar(y_true, y_pred_a, y_pred_b, exact=exact),
        {"y_true": y_true, "y_pred_a": pred_a, "y_pred_b": pred_b, "exact": False},
        arrays=("y_true", "y_pred_a", "y_pred_b"),
        options={"exact": opt()},
        scale=(Scale(("y_true", "y_pred_a", "y_pred_b"), invariant()),),
        skip={"string": "labels may be strings: all-equal words give b = c = 0, refused by name"},
    ),
    Entry(
        "glassml.model_selection.bootstrap_metric_difference",
        lambda y_true, y_pred_a, y_pred_b, n_resamples: (
            bootstrap_metric_difference(
                y_true, y_pred_a, y_pred_b, n_resamples=n_resamples, random_state=0
            ).confidence_interval
        ),
        {"y_true": y_true, "y_pred_a": pred_a, "y_pred_b": pred_b, "n_resamples": 200},
        arrays=("y_true", "y_pred_a", "y_pred_b"),
        options={"n_resamples": opt(1, -5)},
        scale=(Scale(("y_true", "y_pred_a", "y_pred_b"), invariant()),),
        skip={"string": "labels may be words; all equal words give a zero difference"},
    ),
    Entry(
        "glassml.model_selection.compare_models",
        lambda X, y, cv: compare_models(
            {"nb": GaussianNB(), "logistic": LogisticRegression()}, X, y, cv=cv
        )[["mean", "std", "ci_low", "ci_high"]].to_numpy(),
        {"X": X, "y": y, "cv": 3},
        arrays=("X",),
        labels=("y",),
        options={"cv": opt(1, auto=False)},
        skip={
            "huge": "the models' scores at 1e300 are the estimators' business",
            "tiny": "the models' scores at 1e-300 are the estimators' business",
            "ndim": "X of one feature is a valid design; a 3-D X is refused by name",
        },
    ),
    Entry(
        "glassml.model_selection.reliability_curve",
        lambda y_true, y_prob, n_bins: reliability_curve(y_true, y_prob, n_bins=n_bins),
        {"y_true": y, "y_prob": p, "n_bins": 5},
        arrays=("y_true", "y_prob"),
        options={"n_bins": opt(0)},
        skip={"huge": PROBABILITIES, "tiny": "1e-300 x probabilities are valid, all in bin 0"},
    ),
    Entry(
        "glassml.model_selection.expected_calibration_error",
        lambda y_true, y_prob: expected_calibration_error(y_true, y_prob, n_bins=5),
        {"y_true": y, "y_prob": p},
        arrays=("y_true", "y_prob"),
        skip={"huge": PROBABILITIES, "tiny": "1e-300 x probabilities are valid forecasts"},
    ),
    Entry(
        "glassml.model_selection.brier_decomposition",
        lambda y_true, y_prob, bins: brier_decomposition(y_true, y_prob, bins=bins),
        {"y_true": y, "y_prob": p, "bins": 5},
        arrays=("y_true", "y_prob"),
        options={"bins": opt(0)},
        skip={"huge": PROBABILITIES, "tiny": "1e-300 x probabilities are valid forecasts"},
    ),
    Entry(
        "glassml.model_selection.cost_optimal_threshold",
        lambda y_true, scores, cost_fp: cost_optimal_threshold(y_true, scores, cost_fp, 3.0),
        {"y_true": y, "scores": p, "cost_fp": 1.0},
        arrays=("y_true", "scores"),
        options={"cost_fp": opt(-1.0)},
        skip={"huge": LABELS + "; scores are probabilities", "tiny": LABELS},
    ),
    Entry(
        "glassml.model_selection.threshold_for_precision",
        lambda y_true, scores, precision: threshold_for_precision(y_true, scores, precision),
        {"y_true": y, "scores": p, "precision": 0.7},
        arrays=("y_true", "scores"),
        options={"precision": opt(1.5, -0.1)},
        skip={"huge": LABELS, "tiny": LABELS},
    ),
    Entry(
        "glassml.model_selection.threshold_for_recall",
        lambda y_true, scores, recall: threshold_for_recall(y_true, scores, recall),
        {"y_true": y, "scores": p, "recall": 0.7},
        arrays=("y_true", "scores"),
        options={"recall": opt(1.5, -0.1)},
        skip={"huge": LABELS, "tiny": LABELS},
    ),
    Entry(
        "glassml.model_selection.TemperatureScaling",
        lambda max_iter: TemperatureScaling(max_iter).fit(logits, classes).temperature_,
        {"max_iter": 50},
        options={"max_iter": opt(0)},
    ),
    Entry(
        "glassml.model_selection.TemperatureScaling.fit",
        lambda logits, y: TemperatureScaling().fit(logits, y).temperature_,
        {"logits": logits, "y": classes},
        arrays=("logits",),
        labels=("y",),
        # NLL(c z, c T) = NLL(z, T): the temperature scales with the logits.
        scale=(Scale(("logits",), lambda a, b, s: np.testing.assert_allclose(b / s, a, 1e-6)),),
        skip={"one_class": "one class is a valid (if uninformative) calibration set"},
    ),
    Entry(
        "glassml.model_selection.TemperatureScaling.predict_proba",
        lambda logits: TemperatureScaling().fit(logits_fit, classes).predict_proba(logits),
        {"logits": logits},
        arrays=("logits",),
        # Logits near 0 carry no preference: softmax(z / T) is uniform there.
        scale=(
            Scale(
                ("logits",),
                lambda a, b, s: np.testing.assert_allclose(b, 1 / 3, rtol=1e-12),
                families=("tiny",),
            ),
        ),
    ),
    Entry(
        "glassml.model_selection.TemperatureScaling.negative_log_likelihood",
        lambda log_temperature, logits: TemperatureScaling().negative_log_likelihood(
            log_temperature, logits, classes
        ),
        {"log_temperature": 0.1, "logits": logits},
        arrays=("logits",),
        options={"log_temperature": opt()},
    ),
]

EXEMPT = {
    "glassml.model_selection.BayesResult": "a result record that minimize_bayes builds; "
    "minimize_bayes validates every input",
    "glassml.model_selection.BrierDecomposition": "a result record of brier_decomposition",
    "glassml.model_selection.ReliabilityCurve": "a result record of reliability_curve",
    "glassml.model_selection.PairedTestResult": "a result record of the paired tests",
    "glassml.model_selection.Real.contains": "a membership test: any value is a valid question "
    "and gets True or False",
    "glassml.model_selection.Integer.contains": "a membership test: any value is a valid "
    "question and gets True or False",
    "glassml.model_selection.Categorical.contains": "a membership test: any value is a valid "
    "question and gets True or False",
}
