"""Kaplan–Meier, Nelson–Aalen and the concordance index against lifelines.

References and tolerances
-------------------------
- ``KaplanMeier`` vs ``lifelines.KaplanMeierFitter``: S(t) and the log(-log) band at every
  time of lifelines' timeline, median survival time and its band: 1e-10 absolute (both are
  closed-form sums; differences are rounding). Rossi recidivism data (432 subjects, 318
  censored, heavy ties in weeks), simulated censored data, and left-truncated data.
- Greenwood's variance against a direct evaluation of its formula on a hand-sized example
  whose survival values are known exactly (1/6 steps).
- ``NelsonAalen`` vs ``lifelines.NelsonAalenFitter`` (smoothing on and off): H(t) and band,
  1e-10.
- ``concordance_index`` vs ``lifelines.utils.concordance_index`` with tied times, tied scores
  and censoring: exactly equal (counts of pairs), and against an O(n^2) loop over pairs.
- Real data: the 100 C-MAPSS FD001 training engines all run to failure; their Kaplan–Meier
  median equals the sample median of the lifetimes' order statistics.
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter, NelsonAalenFitter
from lifelines.datasets import load_rossi
from lifelines.utils import concordance_index as lifelines_concordance
from lifelines.utils import median_survival_times
from parity import assert_close

from glassml.survival import KaplanMeier, NelsonAalen, concordance_index


def simulated(n=300, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    life = rng.weibull(1.5, n) * 10
    stop = rng.uniform(2, 20, n)
    durations = np.minimum(life, stop)
    if ties:
        durations = np.ceil(durations)
    return durations, life <= stop


def datasets():
    rossi = load_rossi()
    yield "rossi", rossi["week"].to_numpy(float), rossi["arrest"].to_numpy(bool), None
    durations, events = simulated()
    yield "simulated", durations, events, None
    durations, events = simulated(seed=1, ties=True)
    yield "simulated_ties", durations, events, None
    durations, events = simulated(seed=2)
    entry = np.random.default_rng(3).uniform(0, 0.8) * durations
    yield "left_truncated", durations, events, entry


DATASETS = {name: (d, e, entry) for name, d, e, entry in datasets()}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_kaplan_meier_matches_lifelines(name):
    durations, events, entry = DATASETS[name]
    ours = KaplanMeier(alpha=0.1).fit(durations, events, entry=entry)
    theirs = KaplanMeierFitter(alpha=0.1).fit(durations, events, entry=entry)
    times = theirs.survival_function_.index.to_numpy(float)
    assert_close(
        ours.survival_function(times),
        theirs.survival_function_.to_numpy()[:, 0],
        rtol=0,
        atol=1e-10,
        what="S(t)",
    )
    assert_close(
        ours.confidence_interval(times),
        theirs.confidence_interval_.to_numpy(),
        rtol=0,
        atol=1e-10,
        what="log(-log) band",
    )
    assert ours.median_survival_time_ == theirs.median_survival_time_
    theirs_band = median_survival_times(theirs.confidence_interval_).to_numpy()[0]
    assert_close(ours.median_confidence_interval_, theirs_band, rtol=0, atol=0, what="median CI")


@pytest.mark.parametrize("smoothing", [True, False])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_nelson_aalen_matches_lifelines(name, smoothing):
    durations, events, entry = DATASETS[name]
    ours = NelsonAalen(smoothing=smoothing).fit(durations, events, entry=entry)
    theirs = NelsonAalenFitter(nelson_aalen_smoothing=smoothing).fit(durations, events, entry=entry)
    times = theirs.cumulative_hazard_.index.to_numpy(float)
    assert_close(
        ours.cumulative_hazard(times),
        theirs.cumulative_hazard_.to_numpy()[:, 0],
        rtol=0,
        atol=1e-10,
        what="H(t)",
    )
    assert_close(
        ours.confidence_interval(times),
        theirs.confidence_interval_.to_numpy(),
        rtol=0,
        atol=1e-10,
        what="band of H",
    )


def test_greenwood_and_product_limit_by_hand():
    # Six subjects: failures at 2, 3, 5, 9; censored at 3 and 8.
    km = KaplanMeier().fit([2, 3, 3, 5, 8, 9], [1, 1, 0, 1, 0, 1])
    # at risk 6, 5, 3, 1 at the failure times 2, 3, 5, 9
    s = np.cumprod([5 / 6, 4 / 5, 2 / 3, 0 / 1])
    assert_close(km.survival_function([2, 3, 5, 9]), s, rtol=1e-15, what="S")
    greenwood = np.cumsum([1 / (6 * 5), 1 / (5 * 4), 1 / (3 * 2)])
    variance = km.variance_[np.searchsorted(km.timeline_, [2, 3, 5])]
    assert_close(variance, s[:3] ** 2 * greenwood, rtol=1e-14, what="Greenwood variance")
    assert km.event_table_.loc[3.0, "at_risk"] == 5 and km.event_table_.loc[3.0, "censored"] == 1
    assert km.survival_function([0.5])[0] == 1.0 and km.median_survival_time_ == 5.0


def test_kaplan_meier_on_cmapss_engines_without_censoring():
    from glassml.datasets import load_cmapss

    lifetimes = load_cmapss().train.groupby("unit")["cycle"].max().to_numpy(float)
    km = KaplanMeier().fit(lifetimes)
    # No censoring: S is the empirical survival function 1 - F_n.
    grid = np.linspace(100, 400, 61)
    empirical = np.array([(lifetimes > t).mean() for t in grid])
    assert_close(km.survival_function(grid), empirical, rtol=0, atol=1e-12, what="1 - F_n")
    ordered = np.sort(lifetimes)
    assert km.median_survival_time_ == ordered[49]  # S drops to 0.5 at the 50th failure


def pairs_by_loop(durations, scores, events):
    concordant = tied = comparable = 0.0
    for i in range(len(durations)):
        if not events[i]:
            continue
        for j in range(len(durations)):
            later = durations[j] > durations[i] or (durations[j] == durations[i] and not events[j])
            if i == j or not later:
                continue
            comparable += 1
            concordant += scores[i] < scores[j]
            tied += scores[i] == scores[j]
    return (concordant + 0.5 * tied) / comparable


@pytest.mark.parametrize("seed", range(4))
def test_concordance_matches_lifelines_and_the_pair_loop(seed):
    rng = np.random.default_rng(seed)
    durations = rng.integers(1, 15, 150).astype(float)  # many tied times
    events = rng.random(150) < 0.6
    scores = np.round(durations + rng.normal(0, 4, 150))  # tied scores too
    ours = concordance_index(durations, scores, events)
    assert ours == lifelines_concordance(durations, scores, events)
    assert ours == pytest.approx(pairs_by_loop(durations, scores, events), abs=1e-15)
    assert concordance_index(durations, -scores, events) == pytest.approx(1 - ours, abs=1e-12)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: KaplanMeier().fit([1.0, 0.0, 2.0]), "durations: expected positive"),
        (lambda: KaplanMeier().fit([1.0, -3.0]), "durations: expected positive"),
        (lambda: KaplanMeier().fit([1.0, np.nan]), "durations"),
        (lambda: KaplanMeier().fit([1.0, 2.0], [1, 2]), r"event_observed: expected event"),
        (lambda: KaplanMeier().fit([1.0, 2.0], [1, 0.5]), r"event_observed: expected event"),
        (lambda: KaplanMeier().fit([1.0, 2.0], [1]), "one event indicator per duration"),
        (lambda: KaplanMeier().fit([1.0, 2.0], entry=[0.5, 2.0]), r"entry: expected entry"),
        (lambda: KaplanMeier(alpha=1.5).fit([1.0, 2.0]), "alpha"),
        (lambda: NelsonAalen(smoothing="yes").fit([1.0, 2.0]), "smoothing"),
        (lambda: KaplanMeier().survival_function([1.0]), "not fitted"),
        (lambda: KaplanMeier().fit([1.0, 2.0]).survival_function([-1.0]), "times"),
        (lambda: concordance_index([1.0, 2.0], [1.0]), "one score per duration"),
        (lambda: concordance_index([1.0, 2.0], [1.0, 2.0], [0, 0]), "comparable"),
    ],
)
def test_bad_input_is_refused_by_name(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
