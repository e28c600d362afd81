"""MetricFrame against fairlearn's, and its bootstrap intervals against the exact bootstrap
distribution.

Reference: ``fairlearn.metrics.MetricFrame``: ``by_group``, ``overall``, ``group_min``,
``group_max``, ``difference`` and ``ratio`` (both methods) with scikit-learn metrics and
fairlearn's rates, per-metric ``sample_params``, one or two sensitive columns; 1e-12.

Intervals: for a selection rate the bootstrap distribution is known exactly — a group of n rows
with rate p̂ resamples to Binomial(n, p̂) / n, and the stratified difference of two groups to
the difference of two independent such variables (a convolution). With B resamples the
empirical CDF is within ε = sqrt(ln(2 / 1e-6) / (2B)) of the exact one everywhere with
probability 1 - 1e-6 (Dvoretzky-Kiefer-Wolfowitz, Massart's constant), so each percentile
endpoint must lie between the exact quantiles at levels α ∓ (ε + 1/B): a correct implementation
fails with probability below 1e-6 per endpoint, a wrong resampling scheme (rows of all groups
pooled, or groups not resampled) by far more than ε.
"""

from __future__ import annotations

import math

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from parity import assert_close
from scipy import stats
from sklearn.metrics import accuracy_score, recall_score

import glassml.fairness as gf


def _metrics():
    return {
        "accuracy": accuracy_score,
        "recall": recall_score,
        "selection": flm.selection_rate,
        "fpr": flm.false_positive_rate,
    }


@pytest.mark.parametrize("two_columns", [False, True])
def test_metric_frame_matches_fairlearn(generated, two_columns):
    groups = (
        pd.DataFrame({"g": generated["group"], "s": generated["second"]})
        if two_columns
        else generated["group"]
    )
    weights = {"sample_weight": generated["weight"]}
    params = {"accuracy": weights, "selection": weights, "fpr": weights}
    arguments = dict(
        y_true=generated["y_true"],
        y_pred=generated["y_pred"],
        sensitive_features=groups,
        sample_params=params,
    )
    mine = gf.MetricFrame(_metrics(), **arguments)
    theirs = flm.MetricFrame(metrics=_metrics(), **arguments)
    assert_close(mine.by_group.to_numpy(), theirs.by_group.to_numpy(), rtol=0, atol=1e-12)
    assert list(mine.by_group.index) == list(theirs.by_group.index)
    assert_close(mine.overall, theirs.overall, rtol=0, atol=1e-12, what="overall")
    assert_close(mine.group_min(), theirs.group_min(), rtol=0, atol=1e-12, what="group_min")
    assert_close(mine.group_max(), theirs.group_max(), rtol=0, atol=1e-12, what="group_max")
    for method in ("between_groups", "to_overall"):
        assert_close(mine.difference(method), theirs.difference(method=method), rtol=0, atol=1e-12)
        assert_close(mine.ratio(method), theirs.ratio(method=method), rtol=0, atol=1e-12)


def test_single_metric_gives_scalars_and_series(german):
    frame = gf.MetricFrame(gf.selection_rate, german["y_true"], german["y_pred"], german["sex"])
    reference = flm.MetricFrame(
        metrics=flm.selection_rate,
        y_true=german["y_true"],
        y_pred=german["y_pred"],
        sensitive_features=german["sex"],
    )
    assert isinstance(frame.overall, float) and isinstance(frame.difference(), float)
    assert isinstance(frame.by_group, pd.Series)
    assert_close(frame.by_group, reference.by_group, rtol=0, atol=1e-12)
    assert_close(
        frame.ratio("to_overall"), reference.ratio(method="to_overall"), rtol=0, atol=1e-12
    )


# ------------------------------------------------------------------------------ intervals
def _dkw(n_resamples: int, p_fail: float = 1e-6) -> float:
    return math.sqrt(math.log(2 / p_fail) / (2 * n_resamples)) + 1 / n_resamples


def _assert_endpoint(value: float, cdf, lattice: np.ndarray, level: float, slack: float) -> None:
    """``value`` lies between the exact quantiles at ``level - slack`` and ``level + slack``."""
    below = cdf(lattice)
    low_level, high_level = max(level - slack, 0.0), min(level + slack, 1.0)
    lowest = lattice[np.searchsorted(below, low_level, side="left")]
    highest = lattice[min(np.searchsorted(below, high_level, side="left"), lattice.size - 1)]
    assert lowest - 1e-12 <= value <= highest + 1e-12, (value, lowest, highest)


def test_group_interval_follows_the_exact_bootstrap_distribution():
    rng = np.random.default_rng(5)
    n_a, n_b = 400, 250
    y_pred = np.concatenate([rng.random(n_a) < 0.3, rng.random(n_b) < 0.55]).astype(int)
    groups = np.array(["a"] * n_a + ["b"] * n_b)
    frame = gf.MetricFrame(gf.selection_rate, np.zeros_like(y_pred), y_pred, groups)
    B = 20_000
    interval = frame.by_group_ci(n_resamples=B, random_state=1)
    rate = frame.by_group["a"]
    lattice = np.arange(n_a + 1) / n_a
    cdf = lambda x: stats.binom.cdf(np.round(x * n_a), n_a, rate)  # noqa: E731
    _assert_endpoint(interval.loc["a", "low"], cdf, lattice, 0.025, _dkw(B))
    _assert_endpoint(interval.loc["a", "high"], cdf, lattice, 0.975, _dkw(B))


def test_difference_interval_resamples_every_group_independently():
    rng = np.random.default_rng(6)
    n_a, n_b = 300, 200
    y_pred = np.concatenate([rng.random(n_a) < 0.3, rng.random(n_b) < 0.5]).astype(int)
    groups = np.array(["a"] * n_a + ["b"] * n_b)
    frame = gf.MetricFrame(gf.selection_rate, np.zeros_like(y_pred), y_pred, groups)
    B = 12_000
    interval = frame.difference_ci(n_resamples=B, random_state=2)
    p_a, p_b = frame.by_group["a"], frame.by_group["b"]
    # Exact law of |A/n_a - B/n_b| with A ~ Bin(n_a, p_a), B ~ Bin(n_b, p_b) independent.
    values = np.abs(np.arange(n_a + 1)[:, None] / n_a - np.arange(n_b + 1)[None, :] / n_b)
    mass = (
        stats.binom.pmf(np.arange(n_a + 1), n_a, p_a)[:, None]
        * stats.binom.pmf(np.arange(n_b + 1), n_b, p_b)[None, :]
    )
    order = np.argsort(values, axis=None)
    lattice, cumulative = values.ravel()[order], np.cumsum(mass.ravel()[order])

    def cdf(x):
        return cumulative[np.searchsorted(lattice, x, side="right") - 1]

    _assert_endpoint(interval["low"], cdf, lattice, 0.025, _dkw(B))
    _assert_endpoint(interval["high"], cdf, lattice, 0.975, _dkw(B))


def test_intervals_of_several_metrics_and_the_ratio(generated):
    frame = gf.MetricFrame(
        {"sel": gf.selection_rate, "tpr": gf.true_positive_rate},
        generated["y_true"][:600],
        generated["y_pred"][:600],
        generated["group"][:600],
    )
    by_group = frame.by_group_ci(n_resamples=200, random_state=0)
    assert list(by_group.columns) == [
        ("sel", "low"),
        ("sel", "high"),
        ("tpr", "low"),
        ("tpr", "high"),
    ]
    estimates = frame.by_group
    for name in ("sel", "tpr"):
        assert np.all(by_group[(name, "low")] <= estimates[name] + 1e-12)
        assert np.all(estimates[name] <= by_group[(name, "high")] + 1e-12)
    ratio = frame.ratio_ci(method="to_overall", n_resamples=200, random_state=0)
    assert np.all((ratio["low"] > 0) & (ratio["high"] <= 1.0))
    # Same seed, same resamples: reproducible.
    again = frame.by_group_ci(n_resamples=200, random_state=0)
    pd.testing.assert_frame_equal(by_group, again)


# ------------------------------------------------------------------------------ bad input
def test_bad_metrics_and_params_are_named(generated):
    data = (generated["y_true"], generated["y_pred"], generated["group"])
    with pytest.raises(ValueError, match="metrics"):
        gf.MetricFrame("accuracy", *data)
    with pytest.raises(ValueError, match="metrics\\['x'\\]: expected a scalar"):
        gf.MetricFrame({"x": lambda t, p: np.array([1.0, 2.0])}, *data)
    with pytest.raises(ValueError, match="sample_params\\['sample_weight'\\]: expected 3000"):
        gf.MetricFrame(gf.selection_rate, *data, sample_params={"sample_weight": [1.0, 2.0]})
    with pytest.raises(ValueError, match="sample_params: expected keys among"):
        gf.MetricFrame({"s": gf.selection_rate}, *data, sample_params={"t": {}})
    with pytest.raises(ValueError, match="y_true: expected 3000 values"):
        gf.MetricFrame(gf.selection_rate, data[0][:10], data[1], data[2])
    with pytest.raises(ValueError, match="sensitive_features: expected at least 2 groups"):
        gf.MetricFrame(gf.selection_rate, data[0], data[1], ["a"] * 3000)


def test_metric_undefined_on_a_group_is_named():
    with pytest.raises(ValueError, match=r"on group 'b'.*true positive rate"):
        gf.MetricFrame(gf.true_positive_rate, [1, 1, 0, 0], [1, 0, 0, 1], ["a", "a", "b", "b"])


def test_too_small_groups_for_an_interval_are_named():
    frame = gf.MetricFrame(gf.selection_rate, [0, 1, 1], [1, 0, 1], ["a", "a", "b"])
    with pytest.raises(ValueError, match="sensitive_features: group 'b' has 1 row"):
        frame.by_group_ci(n_resamples=50)
    frame = gf.MetricFrame(
        gf.true_positive_rate, [1, 0, 1, 1, 0, 1], [1, 1, 0, 1, 0, 0], ["a"] * 3 + ["b"] * 3
    )
    with pytest.raises(ValueError, match="too small for an interval"):
        frame.by_group_ci(n_resamples=200, random_state=0)


def test_vectorised_rates_equal_the_row_by_row_path(generated):
    """glassml's rates are resampled as sums (vectorised); any other callable row by row. The
    same seed gives the same resamples, so a wrapped rate must give the same intervals."""
    data = (generated["y_true"][:500], generated["y_pred"][:500], generated["group"][:500])
    weight = {"sample_weight": generated["weight"][:500]}

    def wrapped(y_true, y_pred, sample_weight=None):
        return gf.true_positive_rate(y_true, y_pred, sample_weight)

    fast = gf.MetricFrame(gf.true_positive_rate, *data, sample_params=weight)
    slow = gf.MetricFrame(wrapped, *data, sample_params=weight)
    for method in ("between_groups", "to_overall"):
        assert_close(
            fast.difference_ci(method, n_resamples=150, random_state=3),
            slow.difference_ci(method, n_resamples=150, random_state=3),
            rtol=0,
            atol=1e-12,
        )
        assert_close(
            fast.ratio_ci(method, n_resamples=150, random_state=4),
            slow.ratio_ci(method, n_resamples=150, random_state=4),
            rtol=0,
            atol=1e-12,
        )
    assert_close(
        fast.by_group_ci(n_resamples=150, random_state=5),
        slow.by_group_ci(n_resamples=150, random_state=5),
        rtol=0,
        atol=1e-12,
    )
