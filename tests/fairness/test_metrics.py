"""Group fairness metrics against fairlearn.

Reference: ``fairlearn.metrics`` (0.11+): every rate and every parity difference / ratio, both
methods ("between_groups", "to_overall"), both aggregations of equalized odds, with and
without sample weights, on generated data (three groups of unequal size, one or two sensitive
columns) and on the bundled Adult (sex, race) and German Credit (sex, age group) tables with
the decisions of a fixed logistic model. Tolerance 1e-12 absolute: the same ratios of weighted
counts, summed in a different order. Calibration within groups against
``sklearn.calibration.calibration_curve`` on each group's rows (1e-12).
"""

from __future__ import annotations

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from parity import assert_close
from sklearn.calibration import calibration_curve

import glassml.fairness as gf

RATES = [
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
]
PARITY = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
]
METHODS = ["between_groups", "to_overall"]


def _fairlearn_reference(y_true, y_pred, groups, weight):
    """fairlearn's numbers for every parity metric, from one fairlearn MetricFrame.

    fairlearn's parity functions are MetricFrame.difference / ratio of these rates (and the
    max / min or mean over TPR and FPR for equalized odds), so one frame gives all of them;
    ``test_parity_functions_match_fairlearn_directly`` calls the functions themselves.
    """
    params = {"sample_weight": weight}
    frame = flm.MetricFrame(
        metrics={
            "sel": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
        sample_params={"sel": params, "tpr": params, "fpr": params},
    )
    reference = {}
    for method in METHODS:
        difference, ratio = frame.difference(method=method), frame.ratio(method=method)
        reference[("demographic_parity_difference", method, None)] = difference["sel"]
        reference[("demographic_parity_ratio", method, None)] = ratio["sel"]
        reference[("equal_opportunity_difference", method, None)] = difference["tpr"]
        reference[("equal_opportunity_ratio", method, None)] = ratio["tpr"]
        odds_difference, odds_ratio = difference[["tpr", "fpr"]], ratio[["tpr", "fpr"]]
        reference[("equalized_odds_difference", method, "worst_case")] = odds_difference.max()
        reference[("equalized_odds_difference", method, "mean")] = odds_difference.mean()
        reference[("equalized_odds_ratio", method, "worst_case")] = odds_ratio.min()
        reference[("equalized_odds_ratio", method, "mean")] = odds_ratio.mean()
    return reference


def _compare_parity(y_true, y_pred, groups, weight=None):
    reference = _fairlearn_reference(y_true, y_pred, groups, weight)
    for (name, method, agg), theirs in reference.items():
        extra = {} if agg is None else {"agg": agg}
        mine = getattr(gf, name)(
            y_true, y_pred, sensitive_features=groups, method=method, sample_weight=weight, **extra
        )
        assert_close(mine, theirs, rtol=0, atol=1e-12, what=f"{name} {method} {agg}")


def test_parity_functions_match_fairlearn_directly(generated):
    y_true, y_pred, groups = generated["y_true"], generated["y_pred"], generated["group"]
    weight = generated["weight"]
    for name in PARITY:
        for method in METHODS:
            for agg in ["worst_case", "mean"] if "odds" in name else [None]:
                extra = {} if agg is None else {"agg": agg}
                arguments = dict(sensitive_features=groups, method=method, sample_weight=weight)
                mine = getattr(gf, name)(y_true, y_pred, **arguments, **extra)
                theirs = getattr(flm, name)(y_true, y_pred, **arguments, **extra)
                assert_close(mine, theirs, rtol=0, atol=1e-12, what=f"{name} {method} {agg}")


@pytest.mark.parametrize("weighted", [False, True])
def test_parity_metrics_match_fairlearn_on_generated_data(generated, weighted):
    weight = generated["weight"] if weighted else None
    _compare_parity(generated["y_true"], generated["y_pred"], generated["group"], weight)


def test_parity_metrics_with_two_sensitive_columns(generated):
    both = pd.DataFrame({"g": generated["group"], "s": generated["second"]})
    _compare_parity(generated["y_true"], generated["y_pred"], both, generated["weight"])


@pytest.mark.parametrize("name", RATES)
def test_rates_match_fairlearn(generated, name):
    for weight in (None, generated["weight"]):
        mine = getattr(gf, name)(generated["y_true"], generated["y_pred"], sample_weight=weight)
        theirs = getattr(flm, name)(generated["y_true"], generated["y_pred"], sample_weight=weight)
        assert_close(mine, theirs, rtol=0, atol=1e-12, what=name)


def test_rates_by_group_match_fairlearn_metric_frame(generated):
    table = gf.rates_by_group(
        generated["y_true"],
        generated["y_pred"],
        sensitive_features=generated["group"],
        sample_weight=generated["weight"],
    )
    frame = flm.MetricFrame(
        metrics={name: getattr(flm, name) for name in RATES},
        y_true=generated["y_true"],
        y_pred=generated["y_pred"],
        sensitive_features=generated["group"],
        sample_params={name: {"sample_weight": generated["weight"]} for name in RATES},
    )
    for name in RATES:
        assert_close(table[name].iloc[:-1], frame.by_group[name], rtol=0, atol=1e-12, what=name)
        assert_close(table[name].iloc[-1], frame.overall[name], rtol=0, atol=1e-12, what=name)
    assert (
        table["count"].tolist()[:-1]
        == pd.Series(generated["group"]).value_counts().sort_index().tolist()
    )


@pytest.mark.parametrize("column", ["sex", "race"])
def test_adult_metrics_match_fairlearn(adult, column):
    _compare_parity(adult["y_true"], adult["y_pred"], adult[column])


@pytest.mark.parametrize("column", ["sex", "age"])
def test_german_credit_metrics_match_fairlearn(german, column):
    _compare_parity(german["y_true"], german["y_pred"], german[column])


def test_adult_disparities_are_real(adult):
    """The quality figure the docs quote: the unmitigated model selects men far more often."""
    gap = gf.demographic_parity_difference(
        adult["y_true"], adult["y_pred"], sensitive_features=adult["sex"]
    )
    assert 0.10 < gap < 0.30


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_calibration_within_groups_matches_sklearn(german, strategy):
    result = gf.calibration_within_groups(
        german["y_true"],
        german["score"],
        sensitive_features=german["sex"],
        n_bins=8,
        strategy=strategy,
    )
    for label in result.ece.index:
        rows = german["sex"] == label
        fraction, mean_predicted = calibration_curve(
            german["y_true"][rows], german["score"][rows], n_bins=8, strategy=strategy
        )
        curve = result.curves[result.curves["group"] == label]
        assert_close(curve["fraction_positive"], fraction, rtol=0, atol=1e-12)
        assert_close(curve["mean_predicted"], mean_predicted, rtol=0, atol=1e-12)
        # ECE from its definition, with the counts of the same bins.
        counts = curve["count"].to_numpy()
        expected = np.sum(counts * np.abs(mean_predicted - fraction)) / rows.sum()
        assert_close(result.ece[label], expected, rtol=0, atol=1e-12)
    assert result.difference == pytest.approx(result.ece.max() - result.ece.min())


def test_expected_calibration_error_of_a_calibrated_score_is_small():
    """Labels drawn from the scores themselves: ECE shrinks like 1/sqrt(n per bin)."""
    rng = np.random.default_rng(3)
    score = rng.uniform(size=200_000)
    y = (rng.uniform(size=score.size) < score).astype(int)
    assert gf.expected_calibration_error(y, score, n_bins=10) < 0.01
    assert gf.expected_calibration_error(y, np.clip(score + 0.2, 0, 1), n_bins=10) > 0.1


# ------------------------------------------------------------------------------ bad input
def test_single_group_is_refused(generated):
    with pytest.raises(ValueError, match="sensitive_features: expected at least 2 groups"):
        gf.demographic_parity_difference(
            generated["y_true"], generated["y_pred"], sensitive_features=["a"] * 3000
        )


def test_empty_group_after_a_split_is_refused():
    groups = pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"sensitive_features: group 'c' .* 0 rows"):
        gf.demographic_parity_difference([0, 1, 0, 1], [1, 1, 0, 1], sensitive_features=groups)


@pytest.mark.parametrize("bad", [[0, 2, 1, 0], [0.5, 1, 0, 1], ["no", "yes", "no", "yes"]])
def test_predictions_outside_zero_one_are_refused(bad):
    with pytest.raises(ValueError, match="y_pred: expected binary labels"):
        gf.selection_rate([0, 1, 0, 1], bad)
    with pytest.raises(ValueError, match="y_pred"):
        gf.equalized_odds_difference([0, 1, 0, 1], bad, sensitive_features=[0, 0, 1, 1])


def test_undefined_rates_are_refused_not_nan():
    # Group "b" has no positive label: its true positive rate does not exist.
    with pytest.raises(ValueError, match="y_true: the true positive rate of group 'b'"):
        gf.equal_opportunity_difference(
            [1, 0, 0, 0], [1, 0, 1, 0], sensitive_features=["a", "a", "b", "b"]
        )
    with pytest.raises(ValueError, match="y_pred: the ratio of selection rate is undefined"):
        gf.demographic_parity_ratio([1, 0, 1, 0], [0, 0, 0, 0], sensitive_features=[0, 0, 1, 1])


@pytest.mark.parametrize(
    "groups, message",
    [
        ([0, 1, np.nan, 1], "missing value"),
        ([0, 1, 1], "one group label per row"),
        (None, "sensitive_features"),
        ("ab", "sensitive_features"),
    ],
)
def test_bad_sensitive_features_are_named(groups, message):
    with pytest.raises(ValueError, match=message):
        gf.demographic_parity_difference([0, 1, 0, 1], [1, 1, 0, 1], sensitive_features=groups)


def test_options_are_checked():
    with pytest.raises(ValueError, match="method: expected one of"):
        gf.demographic_parity_difference([0, 1], [1, 1], sensitive_features=[0, 1], method="x")
    with pytest.raises(ValueError, match="agg: expected one of"):
        gf.equalized_odds_difference([0, 1], [1, 1], sensitive_features=[0, 1], agg="max")
    with pytest.raises(ValueError, match="sample_weight"):
        gf.selection_rate([0, 1], [1, 1], sample_weight=[-1.0, 1.0])
