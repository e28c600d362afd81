"""Quality on real data: the issue's targets, full size under ``GLASSML_FULL=1``.

Targets (mean of 3 seeds):
- MovieLens 100K explicit, Surprise's 5-fold protocol: biased MF RMSE <= 0.930 (published:
  Surprise SVD 0.934, SVD++ 0.919), and ``surprise.SVD`` with equal hyper-parameters within
  0.005 of ours. Hyper-parameters (100 factors, eta 0.01, reg 0.1, 40 epochs) were chosen on
  a validation fold carved out of one training fold, never on the test folds.
- Online Retail, temporal split (the last 20 % of the time span is the test period; a pair
  counts once, at its first purchase, so no later order leaks into training):
  ImplicitALS and BPR beat Popularity on nDCG@10 and recall@20, the paired bootstrap CI of
  the difference (``evaluate(baseline=...)``) excluding 0 for every seed.
- Online Retail, the 20 %-masked protocol (per-user random 20 % of the pairs held out,
  confidence from the number of orders): mean per-user AUC >= 0.88 (published ALS 0.870,
  popularity 0.814). ImplicitALS settings (16 factors, reg 50, alpha 30) chosen on a
  validation mask inside the training data.

The default suite runs one seed (one fold) of each; the full runs print their tables.
"""

from __future__ import annotations

import numpy as np
import pytest
from recommend._data import movielens_ratings, online_retail, online_retail_frame
from recommend.test_baselines import surprise_trainset

from glassml.recommend import (
    BPR,
    FunkSVD,
    ImplicitALS,
    Interactions,
    Popularity,
    evaluate,
    k_fold,
    random_split,
    rmse,
    temporal_split,
)

MF = {"n_factors": 100, "learning_rate": 0.01, "reg": 0.1, "n_epochs": 40}
ALS = {"n_factors": 16, "reg": 50.0, "alpha": 30.0, "n_iter": 15}
BPR_SETTINGS = {"n_factors": 64, "learning_rate": 0.05, "reg": 0.01, "n_epochs": 100}


def fold_rmse(split, seed, surprise=False):
    train, test = split
    frame = test.to_frame()
    ours = FunkSVD(**MF, random_state=seed).fit(train)
    mine = rmse(frame["value"], ours.predict(frame["user"], frame["item"], cold_start="baseline"))
    if not surprise:
        return mine, None
    from surprise import SVD

    theirs = SVD(n_factors=100, lr_all=0.01, reg_all=0.1, n_epochs=40, random_state=seed)
    theirs.fit(surprise_trainset(train))
    estimates = [
        theirs.predict(u, i).est for u, i in zip(frame["user"], frame["item"], strict=True)
    ]
    return mine, rmse(frame["value"], estimates)


def test_movielens_biased_mf_one_fold(shared_data):
    mine, _ = fold_rmse(next(k_fold(movielens_ratings(shared_data), 5, random_state=0)), 0)
    assert mine <= 0.930, mine


@pytest.mark.slow
def test_movielens_biased_mf_five_folds_three_seeds(shared_data):
    data = movielens_ratings(shared_data)
    rows = [
        fold_rmse(split, seed, surprise=True)
        for seed in range(3)
        for split in k_fold(data, 5, random_state=seed)
    ]
    mine, theirs = np.array(rows).T
    print(
        f"\nMovieLens 100K 5-fold x 3 seeds: FunkSVD RMSE {mine.mean():.4f} "
        f"(folds {mine.min():.4f}-{mine.max():.4f}), surprise.SVD {theirs.mean():.4f}"
    )
    assert mine.mean() <= 0.930
    assert abs(mine.mean() - theirs.mean()) <= 0.005


def retail_temporal():
    # Binary "bought before the cut-off": the orders count includes later orders.
    data = Interactions.from_frame(
        online_retail_frame(), "user_id", "item_id", timestamp="first_ts"
    )
    return temporal_split(data, test_span=0.2)


def beats_popularity(model, split, seed, n_resamples):
    train, test = split
    baseline = Popularity().fit(train)
    tables = [
        evaluate(
            model,
            train,
            test,
            k=k,
            metrics=(metric,),
            baseline=baseline,
            n_resamples=n_resamples,
            random_state=seed,
        )
        for k, metric in ((10, "ndcg"), (20, "recall"))
    ]
    rows = [table.iloc[0] for table in tables]
    for row in rows:
        assert row["difference_ci_low"] > 0, row
    return [(row.name, row["value"], row["baseline"], row["difference_ci_low"]) for row in rows]


def test_online_retail_temporal_one_seed():
    split = retail_temporal()
    beats_popularity(ImplicitALS(**ALS, random_state=0).fit(split.train), split, 0, 300)
    fast_bpr = {**BPR_SETTINGS, "n_epochs": 30}
    beats_popularity(BPR(**fast_bpr, random_state=0).fit(split.train), split, 0, 300)


@pytest.mark.slow
def test_online_retail_temporal_three_seeds():
    split = retail_temporal()
    for name, model in (("ImplicitALS", ImplicitALS(**ALS)), ("BPR", BPR(**BPR_SETTINGS))):
        results = [
            beats_popularity(
                model.set_params(random_state=seed).fit(split.train), split, seed, 2000
            )
            for seed in range(3)
        ]
        for metric in range(2):
            values = np.array([result[metric][1:] for result in results])
            print(
                f"\nOnline Retail temporal {name} {results[0][metric][0]}: "
                f"{values[:, 0].mean():.4f} vs popularity {values[:, 1].mean():.4f} "
                f"(difference CI low {values[:, 2].min():.4f} at worst)"
            )


def masked_auc(seed):
    train, test = random_split(online_retail(), 0.2, random_state=seed)
    model = ImplicitALS(**ALS, random_state=seed).fit(train)
    table = evaluate(
        model,
        train,
        test,
        metrics=("auc",),
        baseline=Popularity().fit(train),
        n_resamples=200,
        random_state=seed,
    )
    return table.loc["auc", "value"], table.loc["auc", "baseline"]


def test_online_retail_masked_auc_one_seed():
    mine, popularity = masked_auc(0)
    assert mine >= 0.88 and popularity < mine, (mine, popularity)


@pytest.mark.slow
def test_online_retail_masked_auc_three_seeds():
    mine, popularity = np.array([masked_auc(seed) for seed in range(3)]).T
    print(
        f"\nOnline Retail 20%-masked AUC: ImplicitALS {mine.mean():.4f}, "
        f"popularity {popularity.mean():.4f}"
    )
    assert mine.mean() >= 0.88
