"""Evaluate a fitted recommender on held-out interactions, with a bootstrap CI per metric.

Which users count. A test user is evaluated when the model can rank for them: they have at
least one test item and at least one training interaction. The others (cold) are counted
and reported in ``table.attrs["n_cold_users"]``, never silently dropped from the count. With
``exclude_seen=True`` a user's training items are neither recommended nor relevant.

Uncertainty. The users are a sample; a metric's mean over them has sampling error. Each
metric's CI resamples users with replacement (``glassml.stats.bootstrap``, BCa by default).
With ``baseline`` (a second fitted model), the per-user differences are resampled as pairs,
which is the CI a claim "model beats baseline" needs. Coverage, a property of the whole set of
lists, is recomputed on each resample of users and its interval centred on the estimate (see
``_coverage_row``). Rating errors (explicit models) resample the test ratings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from glassml._validation import (
    check_bool,
    check_count,
    check_option,
    check_probability,
    fail,
)
from glassml.recommend._base import _block_rows, _Recommender, top_k
from glassml.recommend._common import generator
from glassml.recommend._interactions import Interactions
from glassml.recommend._kernels import exclude_entries
from glassml.recommend._metrics import PER_USER, auc
from glassml.stats import bootstrap

RANKING_METRICS = ("precision", "recall", "ndcg", "map", "mrr", "auc", "coverage")
RATING_METRICS = ("rmse", "mae")


def _check_model(model: Any, argument: str) -> _Recommender:
    if not isinstance(model, _Recommender):
        raise TypeError(
            f"{argument}: expected a glassml.recommend model, got {type(model).__name__}"
        )
    check_is_fitted(model)
    return model


def _check_same_space(model: _Recommender, data: Any, argument: str) -> Interactions:
    if not isinstance(data, Interactions):
        raise TypeError(f"{argument}: expected an Interactions object, got {type(data).__name__}")
    if not (
        np.array_equal(data.user_ids, model.user_ids_)
        and np.array_equal(data.item_ids, model.item_ids_)
    ):
        raise fail(
            argument,
            "the users and items the model was fitted on (both halves of one split)",
            f"{data.n_users} users x {data.n_items} items with other ids",
        )
    return data


def _per_user_ranking(model, rows, train, test, k, exclude_seen, want_auc):
    """Each evaluated user's top-k hits, relevant counts and (optionally) AUC."""
    n_items = train.n_items
    hits = np.zeros((len(rows), k), dtype=bool)
    n_relevant = np.zeros(len(rows))
    aucs = np.full(len(rows), np.nan)
    listed = np.zeros((len(rows), k), dtype=np.int64)
    block = _block_rows(n_items)
    seen, truth = train.matrix, test.matrix
    undescribed = model.item_popularity_ == 0
    for start in range(0, len(rows), block):
        stop = min(start + block, len(rows))
        users = rows[start:stop]
        scores = np.array(model._user_scores(users), dtype=np.float64)
        scores[:, undescribed] = -np.inf
        relevant = truth[users].toarray() > 0
        excluded = seen[users].toarray() != 0 if exclude_seen else np.zeros_like(relevant)
        relevant &= ~excluded
        if want_auc:
            aucs[start:stop] = _auc_rows(scores, relevant, excluded)
        if exclude_seen:
            exclude_entries(scores, users, seen.indptr, seen.indices)
        index, _ = top_k(scores, k)
        listed[start:stop] = index
        padded = index < 0
        hits[start:stop] = np.take_along_axis(relevant, np.where(padded, 0, index), axis=1)
        hits[start:stop] &= ~padded
        n_relevant[start:stop] = relevant.sum(axis=1)
    return hits, n_relevant, aucs, listed


def _auc_rows(scores, relevant, excluded) -> np.ndarray:
    # Items no training data describes score -inf; below every finite score keeps the ranks.
    finite = np.isfinite(scores)
    if not np.all(finite):
        floor = np.min(scores[finite], initial=0.0) - 1.0
        scores = np.where(finite, scores, floor)
    ranked = ~excluded
    usable = (relevant & ranked).any(axis=1) & (ranked & ~relevant).any(axis=1)
    values = np.full(scores.shape[0], np.nan)
    if np.any(usable):
        values[usable] = auc(scores[usable], relevant[usable], excluded[usable], per_user=True)
    return values


def _ranking_values(hits, n_relevant, k) -> dict[str, np.ndarray]:
    return {name: rows(hits, n_relevant, k) for name, rows in PER_USER.items()}


def _interval(sample, statistic, vectorized, n_resamples, level, method, seed):
    if np.ptp(sample) == 0:
        # Every resample of a constant sample is the same: the interval is the point (BCa's
        # acceleration would be 0 / 0).
        value = float(statistic(np.asarray(sample)[None, :])[0])
        return value, value, value
    result = bootstrap(
        (sample,),
        statistic,
        n_resamples=n_resamples,
        confidence_level=level,
        method=method,
        vectorized=vectorized,
        random_state=seed,
    )
    return result.statistic, *result.confidence_interval


def _mean(sample, axis=-1):
    return np.mean(sample, axis=axis)


def _coverage_statistic(lists: list[sp.csr_matrix], n_items: int):
    """Coverage of the lists of a resample of users (given as positions), per model; the
    difference of two models' coverages when two are given."""

    def statistic(positions, axis=-1):
        positions = np.asarray(positions, dtype=np.int64)
        n_rows, n_users = positions.shape[0], lists[0].shape[0]
        counts = np.zeros((n_rows, n_users))
        np.add.at(counts, (np.repeat(np.arange(n_rows), positions.shape[1]), positions.ravel()), 1)
        covered = [np.asarray((counts @ shown) > 0).sum(axis=1) / n_items for shown in lists]
        return covered[0] if len(covered) == 1 else covered[0] - covered[1]

    return statistic


def _lists_matrix(listed: np.ndarray, n_items: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(listed.shape[0]), listed.shape[1])
    cols = listed.ravel()
    keep = cols >= 0
    return sp.csr_matrix(
        (np.ones(keep.sum()), (rows[keep], cols[keep])), shape=(listed.shape[0], n_items)
    )


def evaluate(
    model: _Recommender,
    train: Interactions,
    test: Interactions,
    k: int = 10,
    *,
    metrics: tuple[str, ...] | None = None,
    baseline: _Recommender | None = None,
    exclude_seen: bool = True,
    confidence_level: float = 0.95,
    n_resamples: int = 2000,
    method: str = "bca",
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Metrics of a fitted model on test interactions, each with a bootstrap CI over users.

    Parameters
    ----------
    model : a fitted glassml.recommend model
    train, test : Interactions
        The two halves of a split (the model fitted on ``train``).
    k : int
        List length of the ranking metrics.
    metrics : tuple of str, optional
        Among "precision", "recall", "ndcg", "map", "mrr" (all @k, the default denominators
        of :mod:`._metrics`), "auc" (per user, over every item not in training), "coverage"
        (@k, over the catalogue), and for models with ``predict`` "rmse", "mae". Default: the
        ranking metrics, plus the rating errors for explicit models on rated test data.
    baseline : a fitted glassml.recommend model, optional
        Adds the baseline's values and the paired difference (model - baseline) with its CI.
    exclude_seen : bool
    confidence_level, n_resamples, method : bootstrap settings (``glassml.stats.bootstrap``)
    random_state : seed of the resampling

    Returns
    -------
    pandas.DataFrame
        One row per metric (``"ndcg@10"``): ``value``, ``ci_low``, ``ci_high``, ``n`` (users
        or ratings averaged); with a baseline also ``baseline``, ``baseline_ci_low``,
        ``baseline_ci_high``, ``difference``, ``difference_ci_low``, ``difference_ci_high``.
        ``attrs`` holds ``n_users`` (evaluated), ``n_cold_users`` (test users the models
        cannot rank), ``n_users_without_new_items`` (test users whose test items were all in
        their training data, with ``exclude_seen``), ``k`` and ``confidence_level``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.recommend import Interactions, Popularity, random_split
    >>> rng = np.random.default_rng(0)
    >>> data = Interactions.from_matrix((rng.random((60, 20)) < 0.3).astype(float))
    >>> train, test = random_split(data, 0.3, random_state=0)
    >>> table = evaluate(Popularity().fit(train), train, test, k=5, metrics=("ndcg", "auc"))
    >>> list(table.index), list(table.columns)
    (['ndcg@5', 'auc'], ['value', 'ci_low', 'ci_high', 'n'])
    """
    model = _check_model(model, "model")
    train = _check_same_space(model, train, "train")
    test = _check_same_space(model, test, "test")
    if baseline is not None:
        baseline = _check_model(baseline, "baseline")
        _check_same_space(baseline, train, "train")
    k = check_count(k, "k")
    exclude_seen = check_bool(exclude_seen, "exclude_seen")
    level = check_probability(confidence_level, "confidence_level")
    n_resamples = check_count(n_resamples, "n_resamples", minimum=2)
    check_option(method, "method", ("bca", "percentile", "basic"))
    generator(random_state)  # refuses a bad seed by name before any work
    rating_model = hasattr(model, "predict")
    if metrics is None:
        metrics = RANKING_METRICS + (
            RATING_METRICS if rating_model and test.rating_scale is not None else ()
        )
    if isinstance(metrics, str) or not all(isinstance(name, str) for name in metrics):
        raise fail("metrics", "a tuple of metric names", metrics)
    if len(metrics) == 0:
        raise fail("metrics", "at least one metric", metrics)
    for name in metrics:
        check_option(name, "metrics", RANKING_METRICS + RATING_METRICS)
    if not rating_model and any(name in RATING_METRICS for name in metrics):
        raise fail("metrics", "rating errors only for models with predict", metrics)
    ranking = [name for name in metrics if name in RANKING_METRICS]

    test_users = np.diff(test.matrix.indptr) > 0
    warm = np.diff(train.matrix.indptr) > 0
    if baseline is not None:
        warm &= baseline.user_counts_ > 0
    rows = np.flatnonzero(test_users & warm)
    settings = (n_resamples, level, method, random_state)
    table_rows: dict[str, dict[str, float]] = {}
    n_nothing_new = 0
    if ranking:
        n_nothing_new = _ranking_rows(
            table_rows, ranking, model, baseline, rows, train, test, k, exclude_seen, settings
        )
    for name in (m for m in metrics if m in RATING_METRICS):
        table_rows[name] = _rating_row(name, model, test, settings)

    table = pd.DataFrame.from_dict(table_rows, orient="index")
    table.attrs.update(
        n_users=len(rows) - n_nothing_new,
        n_cold_users=int(np.sum(test_users & ~warm)),
        n_users_without_new_items=n_nothing_new,
        k=k,
        confidence_level=level,
    )
    return table


def _ranking_rows(
    table_rows, ranking, model, baseline, rows, train, test, k, exclude_seen, settings
) -> int:
    """Add a row per ranking metric; return how many users had no unseen test item."""
    want_auc = "auc" in ranking
    hits, n_relevant, aucs, listed = _per_user_ranking(
        model, rows, train, test, k, exclude_seen, want_auc
    )
    compared = None
    if baseline is not None:
        compared = _per_user_ranking(baseline, rows, train, test, k, exclude_seen, want_auc)
    # Users whose test items were all seen in training have nothing left to find.
    evaluable = n_relevant > 0
    if not np.any(evaluable):
        raise fail("test", "test users with unseen relevant items", "none")
    values = _ranking_values(hits[evaluable], n_relevant[evaluable], k)
    if compared is not None:
        b_values = _ranking_values(compared[0][evaluable], n_relevant[evaluable], k)
    for name in ranking:
        if name == "coverage":
            lists = [listed[evaluable]] + ([compared[3][evaluable]] if compared else [])
            table_rows[f"coverage@{k}"] = _coverage_row(lists, train.n_items, settings)
            continue
        if name == "auc":
            usable = np.isfinite(aucs[evaluable])
            if compared is not None:
                usable &= np.isfinite(compared[2][evaluable])
            mine = aucs[evaluable][usable]
            theirs = compared[2][evaluable][usable] if compared is not None else None
            table_rows["auc"] = _mean_row(mine, theirs, *settings)
            continue
        theirs = b_values[name] if compared is not None else None
        table_rows[f"{name}@{k}"] = _mean_row(values[name], theirs, *settings)
    return int(np.sum(~evaluable))


def _coverage_row(lists, n_items, settings) -> dict[str, float]:
    """Coverage of the model's lists (and the baseline's, and their difference), each with a
    bias-centred percentile CI over resamples of users.

    Coverage is a property of the set of lists, not a mean: a resample with replacement holds
    only about 63 % distinct users, so resampled coverages sit below the observed one (on
    Online Retail the plain percentile interval excluded the estimate). The interval keeps the
    bootstrap spread and moves its centre to the estimate: quantiles + (estimate - mean of the
    resampled values).
    """
    n_resamples, level, _, seed = settings
    shown = [_lists_matrix(listed, n_items) for listed in lists]
    positions = np.arange(lists[0].shape[0], dtype=np.float64)

    def interval(statistic):
        if len(positions) < 2:
            value = float(statistic(positions[None, :])[0])
            return value, value, value
        result = bootstrap(
            (positions,),
            statistic,
            n_resamples=n_resamples,
            confidence_level=level,
            method="percentile",
            vectorized=True,
            random_state=seed,
        )
        shift = result.statistic - float(np.mean(result.bootstrap_distribution))
        low, high = result.confidence_interval
        return result.statistic, low + shift, high + shift

    row = dict(
        zip(
            ("value", "ci_low", "ci_high"),
            interval(_coverage_statistic(shown[:1], n_items)),
            strict=True,
        )
    )
    row["n"] = float(len(positions))
    if len(shown) == 2:
        _add_baseline(
            row,
            interval(_coverage_statistic(shown[1:], n_items)),
            interval(_coverage_statistic(shown, n_items)),
        )
    return row


def _rating_row(name, model, test, settings) -> dict[str, float]:
    """RMSE or MAE of the test ratings (unknown users or items predicted without their
    terms), with a CI over resamples of the ratings."""
    n_resamples, level, method, seed = settings
    truth = test.matrix
    predicted = model.predict(
        test.user_ids[test._entry_rows()], test.item_ids[truth.indices], cold_start="baseline"
    )
    errors = truth.data - predicted
    if name == "rmse":
        sample = errors**2

        def statistic(values, axis=-1):
            return np.sqrt(np.mean(values, axis=axis))
    else:
        statistic, sample = _mean, np.abs(errors)
    value, low, high = _interval(sample, statistic, True, n_resamples, level, method, seed)
    return {"value": value, "ci_low": low, "ci_high": high, "n": float(len(sample))}


def _mean_row(mine, theirs, n_resamples, level, method, seed) -> dict[str, float]:
    row = dict(
        zip(
            ("value", "ci_low", "ci_high"),
            _interval(mine, _mean, True, n_resamples, level, method, seed),
            strict=True,
        )
    )
    row["n"] = float(len(mine))
    if theirs is not None:
        _add_baseline(
            row,
            _interval(theirs, _mean, True, n_resamples, level, method, seed),
            _interval(mine - theirs, _mean, True, n_resamples, level, method, seed),
        )
    return row


def _add_baseline(row, baseline_interval, difference_interval) -> None:
    row["baseline"], row["baseline_ci_low"], row["baseline_ci_high"] = baseline_interval
    row["difference"], row["difference_ci_low"], row["difference_ci_high"] = difference_interval
