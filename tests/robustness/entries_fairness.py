"""Robustness entries of glassml.fairness (see framework.py).

Group labels are categories: multiplying numeric labels by 1e300 or 1e-300 renames the groups
and changes nothing else (a declared invariant), and sample weights enter every rate as a ratio
of weighted sums (scaling them all is an invariant too). Decisions and labels are binary: scaled
or non-binary values are refused by name.

The mitigators are probed with scikit-learn's decision tree as the base estimator and pass X to
it untouched (any data it takes, DataFrames included): what the tree refuses is refused naming
X, and what it accepts is the tree's to decide. It handles missing values (NaN in X is legal: a
finite answer is required) and casts X to float32, where X * 1e300 is refused by name and
X * 1e-300 is all zeros (the tiny family is the base estimator's limit, stated per entry).
CorrelationRemover fitted and applied on scaled data is linear in X (declared); applied with a
fit on unscaled data it is affine (not declared).
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt
from sklearn.tree import DecisionTreeClassifier

from glassml import fairness

rng = np.random.default_rng(0)
N = 60
GROUP = np.tile([0, 1, 2], N // 3)
Y_TRUE = (rng.random(N) < 0.3 + 0.2 * (GROUP == 1)).astype(int)
Y_PRED = (rng.random(N) < 0.4 + 0.3 * Y_TRUE).astype(int)
# Every group holds both labels and both decisions, so every rate is defined.
Y_TRUE[:6], Y_PRED[:6] = [1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0]
WEIGHT = rng.uniform(0.5, 2.0, N)
SCORE = np.clip(0.5 * Y_TRUE + 0.5 * rng.random(N), 0.0, 1.0)
X = rng.normal(size=(N, 3)) + Y_TRUE[:, None]

SAME_GROUPS = Scale(args=("sensitive_features",), check=invariant(rtol=1e-12, atol=1e-12))
SAME_WEIGHTS = Scale(args=("sample_weight",), check=invariant(rtol=1e-9, atol=1e-12))
TREE_TINY = (
    "the base tree casts X to float32, where X * 1e-300 is all zeros: the base estimator's "
    "limit (the mitigator passes X on untouched)"
)
ONE_CLASS_TRUE = (
    "labels of one class are legal where the rate does not condition on them (the selection "
    "rate); where it does, the undefined rate is refused by name (tests/fairness/test_metrics.py)"
)


def _binary_labels(skip_one_class: bool) -> dict:
    return {"one_class": ONE_CLASS_TRUE} if skip_one_class else {}


def rate_entry(name: str) -> Entry:
    def call(y_true, y_pred, sample_weight):
        return getattr(fairness, name)(y_true, y_pred, sample_weight=sample_weight)

    return Entry(
        f"glassml.fairness.{name}",
        call,
        {"y_true": Y_TRUE, "y_pred": Y_PRED, "sample_weight": WEIGHT},
        arrays=("y_true", "y_pred", "sample_weight"),
        scale=(SAME_WEIGHTS,),
        aliases={"y_true": ("y_pred",), "y_pred": ("y_true",)},
    )


def parity_entry(name: str, aggregated: bool) -> Entry:
    def call(y_true, y_pred, sensitive_features, sample_weight, method, **agg):
        return getattr(fairness, name)(
            y_true,
            y_pred,
            sensitive_features=sensitive_features,
            method=method,
            sample_weight=sample_weight,
            **agg,
        )

    arguments = {
        "y_true": Y_TRUE,
        "y_pred": Y_PRED,
        "sensitive_features": GROUP,
        "sample_weight": WEIGHT,
        "method": "to_overall",
    }
    options = {"method": opt()}
    if aggregated:
        arguments["agg"] = "mean"
        options["agg"] = opt()
    return Entry(
        f"glassml.fairness.{name}",
        call,
        arguments,
        arrays=("y_true", "y_pred", "sensitive_features", "sample_weight"),
        options=options,
        scale=(SAME_GROUPS, SAME_WEIGHTS),
        aliases={
            "y_true": ("y_pred", "sensitive_features"),
            "y_pred": ("y_true", "sensitive_features"),
        },
    )


ENTRIES = [
    rate_entry(name)
    for name in (
        "selection_rate",
        "true_positive_rate",
        "false_positive_rate",
        "false_negative_rate",
        "true_negative_rate",
    )
]
ENTRIES += [
    parity_entry(name, "odds" in name)
    for name in (
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equal_opportunity_difference",
        "equal_opportunity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
    )
]


def _rates_table(y_true, y_pred, sensitive_features, sample_weight):
    return fairness.rates_by_group(
        y_true, y_pred, sensitive_features=sensitive_features, sample_weight=sample_weight
    ).to_numpy()


def _calibration(y_true, y_prob, sensitive_features, n_bins, strategy):
    result = fairness.calibration_within_groups(
        y_true, y_prob, sensitive_features=sensitive_features, n_bins=n_bins, strategy=strategy
    )
    return result.ece.to_numpy(), result.curves[["mean_predicted", "fraction_positive"]].to_numpy()


def _ece(y_true, y_prob, n_bins, strategy):
    return fairness.expected_calibration_error(y_true, y_prob, n_bins=n_bins, strategy=strategy)


def _reweighing_weights(y, sensitive_features, sample_weight):
    return fairness.reweighing_weights(y, sensitive_features, sample_weight=sample_weight)


REWEIGHT_SCALE = Scale(
    args=("sample_weight",),
    # The weights are W(a, y) s_i: they scale with s.
    check=equivariant(power=1.0, rtol=1e-9),
)

ENTRIES += [
    Entry(
        "glassml.fairness.rates_by_group",
        _rates_table,
        {"y_true": Y_TRUE, "y_pred": Y_PRED, "sensitive_features": GROUP, "sample_weight": WEIGHT},
        arrays=("y_true", "y_pred", "sensitive_features", "sample_weight"),
        scale=(SAME_GROUPS,),
        skip={
            "huge": "the table's count column counts rows (a weight's scale does not enter it) "
            "while the rates are invariant: the invariant family of sample_weight is probed by "
            "every rate's entry",
            "tiny": "as for huge: counts are counts; the rates' invariance to the weights' scale "
            "is probed by every rate's entry",
        },
        aliases={"y_true": ("y_pred",), "y_pred": ("y_true",)},
    ),
    Entry(
        "glassml.fairness.calibration_within_groups",
        _calibration,
        {
            "y_true": Y_TRUE,
            "y_prob": SCORE,
            "sensitive_features": GROUP,
            "n_bins": 4,
            "strategy": "uniform",
        },
        arrays=("y_true", "y_prob", "sensitive_features"),
        options={"n_bins": opt(0), "strategy": opt()},
        scale=(SAME_GROUPS,),
        aliases={"y_true": ("y_prob",), "y_prob": ("y_true",)},
    ),
    Entry(
        "glassml.fairness.expected_calibration_error",
        _ece,
        {"y_true": Y_TRUE, "y_prob": SCORE, "n_bins": 5, "strategy": "quantile"},
        arrays=("y_true", "y_prob"),
        options={"n_bins": opt(0), "strategy": opt()},
        aliases={"y_true": ("y_prob",), "y_prob": ("y_true",)},
    ),
    Entry(
        "glassml.fairness.reweighing_weights",
        _reweighing_weights,
        {"y": Y_TRUE, "sensitive_features": GROUP, "sample_weight": WEIGHT},
        arrays=("sensitive_features", "sample_weight"),
        labels=("y",),
        scale=(SAME_GROUPS, REWEIGHT_SCALE),
        aliases={"y": ("sensitive_features",), "sensitive_features": ("y",)},
        skip={
            "one_class": "labels of one class give weights of 1 (A and Y are trivially "
            "independent): a correct answer"
        },
    ),
]


# ------------------------------------------------------------------------------ MetricFrame
def _frame(y_true, y_pred, sensitive_features):
    return fairness.MetricFrame(
        {"sel": fairness.selection_rate, "tpr": fairness.true_positive_rate},
        y_true,
        y_pred,
        sensitive_features,
    )


# Intervals resample each group: 100 rows a group keep the TPR defined in every resample.
FRAME = _frame(np.tile(Y_TRUE, 5), np.tile(Y_PRED, 5), np.tile(GROUP, 5))


def _frame_call(y_true, y_pred, sensitive_features, metrics):
    frame = fairness.MetricFrame(metrics, y_true, y_pred, sensitive_features)
    return frame.by_group.to_numpy(), frame.overall


ENTRIES += [
    Entry(
        "glassml.fairness.MetricFrame",
        _frame_call,
        {
            "y_true": Y_TRUE,
            "y_pred": Y_PRED,
            "sensitive_features": GROUP,
            "metrics": fairness.true_positive_rate,
        },
        arrays=("y_true", "y_pred", "sensitive_features"),
        options={"metrics": opt("accuracy", None, {}, auto=False)},
        scale=(SAME_GROUPS,),
        aliases={
            "y_true": ("y_pred", "metrics"),
            "y_pred": ("y_true", "metrics"),
            "sensitive_features": ("metrics",),
        },
    ),
    Entry(
        "glassml.fairness.MetricFrame.difference",
        lambda method: FRAME.difference(method).to_numpy(),
        {"method": "between_groups"},
        options={"method": opt()},
    ),
    Entry(
        "glassml.fairness.MetricFrame.ratio",
        lambda method: FRAME.ratio(method).to_numpy(),
        {"method": "to_overall"},
        options={"method": opt()},
    ),
    Entry(
        "glassml.fairness.MetricFrame.by_group_ci",
        lambda confidence_level, n_resamples, method, random_state: FRAME.by_group_ci(
            confidence_level, n_resamples, method, random_state
        ).to_numpy(),
        {"confidence_level": 0.9, "n_resamples": 50, "method": "basic", "random_state": 0},
        options={
            "confidence_level": opt(0.0, 1.0),
            "n_resamples": opt(1, 0),
            "method": opt(),
            "random_state": opt(-1, "seed", auto=False),
        },
    ),
    Entry(
        "glassml.fairness.MetricFrame.difference_ci",
        lambda method, n_resamples, bootstrap_method: FRAME.difference_ci(
            method, 0.9, n_resamples, bootstrap_method, 0
        ).to_numpy(),
        {"method": "to_overall", "n_resamples": 50, "bootstrap_method": "percentile"},
        options={"method": opt(), "n_resamples": opt(1), "bootstrap_method": opt()},
        aliases={"bootstrap_method": ("method",)},
    ),
    Entry(
        "glassml.fairness.MetricFrame.ratio_ci",
        lambda method, confidence_level: FRAME.ratio_ci(
            method, confidence_level, 50, "percentile", 0
        ).to_numpy(),
        {"method": "between_groups", "confidence_level": 0.8},
        options={"method": opt(), "confidence_level": opt(1.5)},
    ),
]


# ------------------------------------------------------------------------------ mitigators
def _tree():
    return DecisionTreeClassifier(max_depth=3, random_state=0)


def _reweighing_fit(X, y, sensitive_features):
    model = fairness.Reweighing(_tree()).fit(X, y, sensitive_features=sensitive_features)
    return model.predict_proba(X)


def _threshold_fit(X, y, sensitive_features, constraints, objective, tolerance):
    model = fairness.ThresholdOptimizer(
        _tree(), constraints=constraints, objective=objective, tolerance=tolerance
    ).fit(X, y, sensitive_features=sensitive_features)
    return model.predict_proba(X, sensitive_features=sensitive_features)


def _eg_fit(X, y, sensitive_features, constraints, eps, max_iter):
    model = fairness.ExponentiatedGradient(
        _tree(), constraints=constraints, eps=eps, max_iter=max_iter
    ).fit(X, y, sensitive_features=sensitive_features)
    return model.predict_proba(X)


FIT_ALIASES = {"X": ("y", "X, y"), "y": ("X", "X, y", "sensitive_features")}
ONE_CLASS_FIT = "a constant label makes the mitigators' rates undefined: refused by name"

REWEIGHED = fairness.Reweighing(_tree()).fit(X, Y_TRUE, sensitive_features=GROUP)
THRESHOLDS = fairness.ThresholdOptimizer(_tree()).fit(X, Y_TRUE, sensitive_features=GROUP)
REDUCTION = fairness.ExponentiatedGradient(_tree(), max_iter=10).fit(
    X, Y_TRUE, sensitive_features=GROUP
)

ENTRIES += [
    Entry(
        "glassml.fairness.Reweighing.fit",
        _reweighing_fit,
        {"X": X, "y": Y_TRUE, "sensitive_features": GROUP},
        arrays=("X", "sensitive_features"),
        labels=("y",),
        scale=(SAME_GROUPS,),
        aliases=FIT_ALIASES,
        skip={
            "one_class": "one class gives weights of 1 and the estimator decides (the tree "
            "refuses nothing there and predicts that class): scikit-learn's contract"
        },
    ),
    Entry(
        "glassml.fairness.ThresholdOptimizer.fit",
        _threshold_fit,
        {
            "X": X,
            "y": Y_TRUE,
            "sensitive_features": GROUP,
            "constraints": "equalized_odds",
            "objective": "balanced_accuracy_score",
            "tolerance": 0.01,
        },
        arrays=("X", "sensitive_features"),
        labels=("y",),
        options={
            "constraints": opt(),
            "objective": opt("selection_rate"),
            "tolerance": opt(-0.1, 2.0),
        },
        scale=(SAME_GROUPS,),
        aliases={**FIT_ALIASES, "objective": ("constraints",)},
    ),
    Entry(
        "glassml.fairness.ExponentiatedGradient.fit",
        _eg_fit,
        {
            "X": X,
            "y": Y_TRUE,
            "sensitive_features": GROUP,
            "constraints": "equalized_odds",
            "eps": 0.05,
            "max_iter": 8,
        },
        arrays=("X", "sensitive_features"),
        labels=("y",),
        options={"constraints": opt(), "eps": opt(0.0, -1.0), "max_iter": opt(0)},
        scale=(SAME_GROUPS,),
        aliases=FIT_ALIASES,
    ),
    Entry(
        "glassml.fairness.Reweighing.predict",
        lambda X: REWEIGHED.predict(X),
        {"X": X},
        arrays=("X",),
    ),
    Entry(
        "glassml.fairness.Reweighing.predict_proba",
        lambda X: REWEIGHED.predict_proba(X),
        {"X": X},
        arrays=("X",),
    ),
    Entry(
        "glassml.fairness.Reweighing.score",
        lambda X, y: REWEIGHED.score(X, y),
        {"X": X, "y": Y_TRUE},
        arrays=("X",),
        labels=("y",),
        aliases={"X": ("y",), "y": ("X",)},
        skip={"one_class": "accuracy on labels of one class is well defined"},
    ),
    Entry(
        "glassml.fairness.ThresholdOptimizer.predict_proba",
        lambda X, sensitive_features: THRESHOLDS.predict_proba(
            X, sensitive_features=sensitive_features
        ),
        {"X": X, "sensitive_features": GROUP},
        arrays=("X", "sensitive_features"),
        aliases={"X": ("sensitive_features",), "sensitive_features": ("X",)},
        skip={
            "huge": "unseen group labels (the groups scaled) are refused by name; X's scale "
            "is probed by the fit entry's declared invariant",
            "tiny": "unseen group labels are refused by name, as for huge",
        },
    ),
    Entry(
        "glassml.fairness.ThresholdOptimizer.predict",
        lambda X, sensitive_features, random_state: THRESHOLDS.predict(
            X, sensitive_features=sensitive_features, random_state=random_state
        ),
        {"X": X, "sensitive_features": GROUP, "random_state": 0},
        arrays=("X", "sensitive_features"),
        options={"random_state": opt(-1, "seed", auto=False)},
        aliases={"X": ("sensitive_features",), "sensitive_features": ("X",)},
        skip={
            "huge": "unseen group labels (the groups scaled) are refused by name; X's scale "
            "is probed by the fit entry's declared invariant",
            "tiny": "unseen group labels are refused by name, as for huge",
        },
    ),
    Entry(
        "glassml.fairness.ExponentiatedGradient.predict_proba",
        lambda X: REDUCTION.predict_proba(X),
        {"X": X},
        arrays=("X",),
    ),
    Entry(
        "glassml.fairness.ExponentiatedGradient.predict",
        lambda X, random_state: REDUCTION.predict(X, random_state=random_state),
        {"X": X, "random_state": 1},
        arrays=("X",),
        options={"random_state": opt(-1, "seed", auto=False)},
    ),
]


MITIGATORS = ("Reweighing.", "ThresholdOptimizer.", "ExponentiatedGradient.")
for _entry in ENTRIES:
    if _entry.name.startswith(tuple(f"glassml.fairness.{m}" for m in MITIGATORS)):
        _entry.allow_nan = ("X",)
        reason = _entry.skip.get("tiny", "")
        _entry.skip["tiny"] = (
            TREE_TINY
            if not reason
            else f"{TREE_TINY}; scaled group labels are unseen labels, refused by name"
        )


# ------------------------------------------------------------------------------ correlation
CORRELATED = np.column_stack([GROUP.astype(float), X, X[:, 0] + GROUP])
REMOVER = fairness.CorrelationRemover(sensitive_feature_ids=[0]).fit(CORRELATED)
LINEAR_IN_X = Scale(args=("X",), check=equivariant(power=1.0, rtol=1e-9))

ENTRIES += [
    Entry(
        "glassml.fairness.CorrelationRemover.fit",
        lambda X, sensitive_feature_ids, alpha: (
            fairness.CorrelationRemover(sensitive_feature_ids=sensitive_feature_ids, alpha=alpha)
            .fit(X)
            .transform(X)
        ),
        {"X": CORRELATED, "sensitive_feature_ids": [0, 4], "alpha": 0.7},
        arrays=("X",),
        options={
            "sensitive_feature_ids": opt([9], ["a"], [0, 0], 3.5, auto=False),
            "alpha": opt(1.5, -0.1),
        },
        scale=(LINEAR_IN_X,),
    ),
    Entry(
        "glassml.fairness.CorrelationRemover.transform",
        lambda X: REMOVER.transform(X),
        {"X": CORRELATED},
        arrays=("X",),
    ),
    Entry(
        "glassml.fairness.CorrelationRemover.get_feature_names_out",
        lambda input_features: list(REMOVER.get_feature_names_out(input_features)),
        {"input_features": ["s", "a", "b", "c", "d"]},
        options={"input_features": opt(["a"], 3, auto=False)},
    ),
]

EXEMPT = {
    "glassml.fairness.MetricFrame.group_min": "takes no argument: the smallest group value, "
    "checked against fairlearn in tests/fairness/test_metric_frame.py",
    "glassml.fairness.MetricFrame.group_max": "takes no argument: the largest group value, "
    "checked against fairlearn in tests/fairness/test_metric_frame.py",
    "glassml.fairness.CalibrationResult": "a plain record calibration_within_groups fills in "
    "(no computation); that entry judges its fields",
    "glassml.fairness.Reweighing.decision_function": "available only when the estimator has "
    "one (the entries' tree has none); it returns the estimator's own, like predict",
}
