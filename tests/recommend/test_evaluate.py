"""evaluate: the metrics of a model's own lists, with bootstrap CIs from glassml.stats.

References and tolerances:
- Each value equals the metric function applied here to ``model.recommend`` on the evaluated
  users (test users with training data), their test items as relevant: 1e-12. AUC equals
  ``sklearn.metrics.roc_auc_score`` user by user over the items not in training: 1e-12.
- Each CI is ``glassml.stats.bootstrap`` of the per-user values (BCa, same seed): exact; the
  baseline difference is the bootstrap of the paired per-user differences.
- Coverage's interval is the percentile interval of the resampled coverages shifted by
  (estimate - their mean), exact; it contains the estimate where the plain one does not.
- Rating errors equal ``rmse``/``mae`` of ``predict(..., cold_start="baseline")`` on the test
  ratings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from parity import assert_close
from sklearn.metrics import roc_auc_score

from glassml.recommend import (
    BaselineOnly,
    ImplicitALS,
    Interactions,
    Popularity,
    coverage,
    evaluate,
    ndcg_at_k,
    random_split,
    recall_at_k,
    rmse,
    temporal_split,
)
from glassml.stats import bootstrap


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    taste = rng.normal(size=(120, 3)) @ rng.normal(size=(3, 40))
    bought = (taste + rng.normal(size=taste.shape) > 1.2).astype(float)
    bought[:5] = 0.0
    bought[:5, :3] = 1.0  # five users with three purchases each
    data = Interactions.from_matrix(bought)
    return random_split(data, 0.3, random_state=1)


def test_values_are_the_metrics_of_the_models_lists_and_cis_the_bootstrap(split):
    train, test = split
    model = ImplicitALS(n_factors=4, alpha=5.0, reg=0.5, random_state=0).fit(train)
    table = evaluate(
        model,
        train,
        test,
        k=5,
        metrics=("ndcg", "recall", "auc", "coverage"),
        n_resamples=500,
        random_state=3,
    )
    users = np.flatnonzero((np.diff(test.matrix.indptr) > 0) & (np.diff(train.matrix.indptr) > 0))
    recommended, _ = model.recommend(users, k=5)
    relevant = [test.matrix[u].indices for u in users]
    ndcg = ndcg_at_k(recommended, relevant, per_user=True)
    assert_close(table.loc["ndcg@5", "value"], ndcg.mean(), rtol=1e-12, what="nDCG@5")
    assert_close(table.loc["recall@5", "value"], recall_at_k(recommended, relevant), rtol=1e-12)
    interval = bootstrap((ndcg,), np.mean, n_resamples=500, random_state=3).confidence_interval
    assert_close(table.loc["ndcg@5", ["ci_low", "ci_high"]].to_numpy(), interval, rtol=1e-12)
    assert table.loc["ndcg@5", "n"] == len(users)

    scores = model.user_factors_[users] @ model.item_factors_.T
    seen = train.matrix[users].toarray() > 0
    truth = test.matrix[users].toarray() > 0
    aucs = [roc_auc_score(truth[r, ~seen[r]], scores[r, ~seen[r]]) for r in range(len(users))]
    assert_close(table.loc["auc", "value"], np.mean(aucs), rtol=1e-12, what="AUC")
    assert table.loc["coverage@5", "value"] == coverage(recommended, train.item_ids)
    for metric in table.index:
        low, value, high = table.loc[metric, ["ci_low", "value", "ci_high"]]
        assert low <= value <= high, metric


def test_paired_difference_against_a_baseline(split):
    train, test = split
    model = ImplicitALS(n_factors=4, alpha=5.0, reg=0.5, random_state=0).fit(train)
    baseline = Popularity().fit(train)
    table = evaluate(
        model,
        train,
        test,
        k=5,
        metrics=("ndcg",),
        baseline=baseline,
        n_resamples=400,
        random_state=0,
    )
    users = np.flatnonzero((np.diff(test.matrix.indptr) > 0) & (np.diff(train.matrix.indptr) > 0))
    relevant = [test.matrix[u].indices for u in users]
    mine = ndcg_at_k(model.recommend(users, k=5)[0], relevant, per_user=True)
    theirs = ndcg_at_k(baseline.recommend(users, k=5)[0], relevant, per_user=True)
    row = table.loc["ndcg@5"]
    assert_close(row["baseline"], theirs.mean(), rtol=1e-12)
    assert_close(row["difference"], (mine - theirs).mean(), rtol=1e-12)
    paired = bootstrap((mine - theirs,), np.mean, n_resamples=400, random_state=0)
    assert_close(
        row[["difference_ci_low", "difference_ci_high"]].to_numpy(),
        paired.confidence_interval,
        rtol=1e-12,
    )


def test_cold_users_are_counted_not_dropped_silently():
    frame = pd.DataFrame(
        {
            "u": [1, 1, 1, 2, 2, 3, 3, 4, 4],
            "i": [1, 2, 3, 1, 2, 1, 3, 2, 3],
            "t": [0, 1, 5, 0, 6, 1, 7, 8, 9],
        }
    )
    split = temporal_split(Interactions.from_frame(frame, "u", "i", timestamp="t"), 5)
    assert split.cold_users.tolist() == [4]  # user 4 arrives after the cut-off
    table = evaluate(Popularity().fit(split.train), *split, k=2, metrics=("recall",))
    assert table.attrs["n_cold_users"] == 1 and table.attrs["n_users"] == 3
    assert table.loc["recall@2", "n"] == 3


def test_rating_errors_for_explicit_models():
    rng = np.random.default_rng(2)
    ratings = np.where(rng.random((50, 20)) < 0.4, rng.integers(1, 6, (50, 20)), 0).astype(float)
    train, test = random_split(
        Interactions.from_matrix(ratings, rating_scale=(1, 5)), 0.25, random_state=0
    )
    model = BaselineOnly().fit(train)
    table = evaluate(model, train, test, metrics=("rmse", "mae"), n_resamples=200)
    frame = test.to_frame()
    predicted = model.predict(frame["user"], frame["item"], cold_start="baseline")
    assert_close(table.loc["rmse", "value"], rmse(frame["value"], predicted), rtol=1e-12)
    assert table.loc["rmse", "n"] == test.nnz


def test_bad_arguments_are_named(split):
    train, test = split
    model = Popularity().fit(train)
    other = Interactions.from_matrix(np.ones((3, 3)))
    with pytest.raises(ValueError, match="test: expected the users and items"):
        evaluate(model, train, other)
    with pytest.raises(ValueError, match="metrics: expected one of"):
        evaluate(model, train, test, metrics=("hit-rate",))
    with pytest.raises(ValueError, match="metrics: expected rating errors only"):
        evaluate(model, train, test, metrics=("rmse",))
    with pytest.raises(TypeError, match=r"model: expected a glassml\.recommend model"):
        evaluate(object(), train, test)


def test_coverage_interval_is_centred_on_the_estimate():
    # Many users with distinct tastes: a resample of users (about 63 % distinct) covers fewer
    # items than all of them, so the plain percentile interval lies below the estimate.
    rng = np.random.default_rng(5)
    taste = rng.normal(size=(400, 8)) @ rng.normal(size=(8, 300))
    data = Interactions.from_matrix((taste + rng.normal(size=taste.shape) > 2.5).astype(float))
    train, test = random_split(data, 0.3, random_state=0)
    model = ImplicitALS(n_factors=8, alpha=5.0, reg=0.5, random_state=0).fit(train)
    table = evaluate(
        model, train, test, k=5, metrics=("coverage",), n_resamples=300, random_state=2
    )
    low, value, high = table.loc["coverage@5", ["ci_low", "value", "ci_high"]]
    users = np.flatnonzero((np.diff(test.matrix.indptr) > 0) & (np.diff(train.matrix.indptr) > 0))
    recommended, _ = model.recommend(users, k=5)
    assert value == coverage(recommended, train.item_ids)

    def resampled(positions, axis=-1):
        picked = recommended[np.asarray(positions, dtype=np.int64)]
        return np.array(
            [len(np.unique(row)) / train.n_items for row in picked.reshape(len(picked), -1)]
        )

    plain = bootstrap(
        (np.arange(len(users), dtype=np.float64),),
        resampled,
        n_resamples=300,
        method="percentile",
        vectorized=True,
        random_state=2,
    )
    assert plain.confidence_interval[1] < value  # the bias the centring removes
    shift = value - plain.bootstrap_distribution.mean()
    assert_close([low, high], np.add(plain.confidence_interval, shift), rtol=1e-12)
    assert low <= value <= high
