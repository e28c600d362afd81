"""Case study: what should each customer see next, and does it beat "show the best-sellers"?

Online Retail (bundled): a year of a UK gift shop's purchases. The models are trained on the
past and judged on the future: everything before a cut-off trains, the last fifth of the period
tests, and the hyper-parameters are searched on a validation period cut from the end of the
training part, never on the test. ``--data`` a MovieLens 100K folder runs the same ranking view
on its ratings and adds the published 5-fold rating protocol (RMSE, MAE vs Surprise's table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from glassml.casestudies import Headline, Study
from glassml.casestudies import _recsys_figures as figures
from glassml.casestudies._recsys_data import (
    Prepared,
    load_movielens_study,
    load_online_retail_study,
)
from glassml.casestudies._recsys_tasks import (
    EXPLICIT,
    LEARNED,
    RANKERS,
    SPACES,
    evaluable_users,
    fit_task,
    fold_task,
    tune_task,
)
from glassml.casestudies.report import interval
from glassml.recommend import (
    ImplicitALS,
    Interactions,
    Popularity,
    evaluate,
    k_fold,
    ndcg_at_k,
    random_split,
    temporal_split,
)

K = 10
TEST_SPAN = 0.2
STEPS = (
    "Load and check the data",
    "Split by time",
    "Tune on the validation period",
    "Evaluate on the test period",
    "Rating prediction (MovieLens)",
    "Look inside the models",
    "Write the report",
)
# Surprise's published MovieLens 100K table (5-fold, its README): RMSE, MAE.
PUBLISHED = {
    "BaselineOnly": (0.944, 0.748),
    "SVD (biased MF)": (0.934, 0.737),
    "SVD++": (0.919, 0.721),
    "k-NN Baseline": (0.931, 0.733),
    "NMF": (0.963, 0.758),
}
RANKING_METRICS = (
    ("precision", 10, "precision@10"),
    ("recall", 20, "recall@20"),
    ("ndcg", 10, "nDCG@10"),
    ("map", 10, "MAP@10"),
    ("auc", 10, "AUC"),
    ("coverage", 10, "coverage@10"),
)


def _key(metric: str, k: int, model: str) -> str:
    suffix = "" if metric == "auc" else str(k)
    return f"{metric}{suffix}_{model.lower()}"


def _date(seconds: float) -> str:
    return pd.Timestamp(seconds, unit="s").strftime("%Y-%m-%d")


# ----------------------------------------------------------------------------- steps
def _load(context) -> Prepared:
    data = (
        load_online_retail_study() if context.data is None else load_movielens_study(context.data)
    )
    for path in data.files:
        context.record_data(f"{data.title}: {path.rsplit('/', 1)[-1]}", path)
    section = context.report.section("data")
    section.text(
        f"**{data.title}**: {data.interactions.nnz:,} {data.user_word}–{data.item_word} pairs "
        f"({data.interactions.n_users:,} {data.user_word}s, {data.interactions.n_items:,} "
        f"{data.item_word}s) after the checks below. Each check says what was found and what "
        "was done about it."
    )
    section.table(pd.DataFrame(data.quality), caption="Data quality: found and handled.")
    context.figure(
        figures.popularity_figure(data),
        "popularity",
        f"Left: the Lorenz curve of {data.item_word} popularity (a few {data.item_word}s take "
        f"most purchases). Right: how many {data.item_word}s each {data.user_word} has.",
        "data",
    )
    return data


def _periods_table(data: Prepared, split, inner) -> pd.DataFrame:
    rows = []
    for label, part in (
        ("fit (for the validation)", inner.train),
        ("validation", inner.test),
        ("training (final fit)", split.train),
        ("test", split.test),
    ):
        times = part.timestamps
        rows.append(
            {
                "period": label,
                "from": _date(times.min()),
                "to": _date(times.max()),
                "pairs": part.nnz,
                f"{data.user_word}s": int(np.sum(np.diff(part.matrix.indptr) > 0)),
                f"{data.item_word}s": int(np.sum(np.diff(part.matrix.tocsc().indptr) > 0)),
            }
        )
    return pd.DataFrame(rows)


def _split(context, data: Prepared):
    split = temporal_split(data.interactions, test_span=TEST_SPAN)
    inner = temporal_split(split.train, test_span=TEST_SPAN)
    section = context.report.section("method")
    n_cold = len(split.cold_users)
    n_test_users = int(np.sum(np.diff(split.test.matrix.indptr) > 0))
    section.text(
        f"**Temporal split.** The last {TEST_SPAN:.0%} of the period is the test: every model is "
        f"fitted on what happened before {_date(split.test.timestamps.min())} and asked which "
        f"{data.item_word}s each {data.user_word} takes next. A random split would let the "
        "models see next month's purchases. The last "
        f"{TEST_SPAN:.0%} of the training period is the validation period, on which the "
        "hyper-parameters are chosen. The test period is used once, at the end."
    )
    section.table(
        _periods_table(data, split, inner), caption="Periods (pairs dated by first event)."
    )
    section.note(
        f"Not silently dropped: {n_cold:,} of the {n_test_users:,} {data.user_word}s of the test "
        f"period ({n_cold / max(n_test_users, 1):.0%}) had no history before the cut-off. No "
        "personal model can rank for them. They are counted apart and shown best-sellers. "
        f"{len(split.cold_items):,} {data.item_word}s first appear after the cut-off. No model "
        "can recommend them, but they still count as missed in recall.",
        tone="info",
    )
    context.metric("n_cold_users", n_cold)
    context.metric("n_cold_items", len(split.cold_items))
    return split, inner


def _tune(context, data: Prepared, inner) -> dict[str, dict]:
    n_calls, n_initial = (3, 3) if context.quick else (10, 4)
    tasks = [
        (name, inner.train, inner.test, n_calls, n_initial, context.quick, context.seed, "ndcg")
        for name in LEARNED
    ]
    tuned = {result["name"]: result for result in context.map(tune_task, tasks)}
    rows = []
    for name in LEARNED:
        result = tuned[name]
        best = int(np.argmax(result["scores"]))
        rows.append(
            {
                "model": name,
                "searched": ", ".join(f"{p} {d.low:g}–{d.high:g}" for p, d in SPACES[name].items()),
                "chosen": ", ".join(
                    f"{p} {v:.3g}" if isinstance(v, float) else f"{p} {v}"
                    for p, v in result["params"].items()
                ),
                "evaluations": len(result["scores"]),
                "validation nDCG@10": result["scores"][best],
            }
        )
    section = context.report.section("method")
    section.text(
        "**Hyper-parameters.** Each learned model's settings were searched by Bayesian "
        "optimisation (`glassml.model_selection.minimize_bayes`: a Gaussian-process surrogate "
        f"with expected improvement; {n_initial} random starts, {n_calls} evaluations in all). "
        "Each evaluation fits on the fit period and scores mean nDCG@10 on the validation "
        "period. The chosen setting is then refitted on the whole training period. "
        "Popularity has nothing to tune."
    )
    section.table(
        pd.DataFrame(rows),
        caption="Search space (log scale), chosen setting, best validation nDCG@10.",
        formats={"validation nDCG@10": ".4f"},
    )
    context.figure(
        figures.tuning_figure(tuned),
        "tuning",
        "Validation nDCG@10 of each evaluation of the search (dots) and the best so far (line).",
        "method",
    )
    return tuned


def _evaluate_all(context, split, models) -> dict[str, dict[str, pd.Series]]:
    """Every model's metrics with CIs and its paired difference against popularity."""
    train, test = split
    n_resamples = 300 if context.quick else 2000
    baseline = models["Popularity"]
    results: dict[str, dict[str, pd.Series]] = {}
    for name in RANKERS:
        results[name] = {}
        for k in sorted({k for _, k, _ in RANKING_METRICS}):
            metrics = tuple(m for m, mk, _ in RANKING_METRICS if mk == k)
            table = evaluate(
                models[name],
                train,
                test,
                k=k,
                metrics=metrics,
                baseline=None if name == "Popularity" else baseline,
                n_resamples=n_resamples,
                random_state=context.seed,
            )
            results[name].update({label: table.loc[label] for label in table.index})
            results[name]["_attrs"] = table.attrs
    for name, rows in results.items():
        for metric, k, _ in RANKING_METRICS:
            row = rows[_label(metric, k)]
            key = _key(metric, k, name)
            context.metric(key, row["value"])
            context.metric(key + "_low", row["ci_low"])
            context.metric(key + "_high", row["ci_high"])
            if name != "Popularity":
                context.metric(key + "_gain", row["difference"])
                context.metric(key + "_gain_low", row["difference_ci_low"])
                context.metric(key + "_gain_high", row["difference_ci_high"])
    context.metric("n_users_evaluated", results["Popularity"]["_attrs"]["n_users"])
    return results


def _label(metric: str, k: int) -> str:
    return metric if metric == "auc" else f"{metric}@{k}"


def _slices(context, data: Prepared, split, models) -> pd.DataFrame:
    """nDCG@10 by length of history before the cut-off, and the cold users' best-sellers."""
    train, test = split
    rows = evaluable_users(train, test)
    history = np.diff(train.matrix.indptr)[rows]
    # Deciles of history length: the lightest tenth is the cold-start slice (few items to go
    # on), the heaviest tenth the loyal customers.
    light = int(np.floor(np.quantile(history, 0.1)))
    heavy = int(np.ceil(np.quantile(history, 0.9)))
    slices = {
        f"light history (≤ {light} {data.item_word}s)": rows[history <= light],
        f"middle ({light + 1}–{heavy - 1})": rows[(history > light) & (history < heavy)],
        f"heavy ({heavy}+ {data.item_word}s)": rows[history >= heavy],
    }
    n_resamples = 300 if context.quick else 2000
    table = []
    for label, users in slices.items():
        mask = np.zeros(train.n_users)
        mask[users] = 1.0
        restricted = Interactions(
            (test.matrix.multiply(mask[:, None])).tocsr(),
            test.user_ids,
            test.item_ids,
        )
        for name in LEARNED:
            result = evaluate(
                models[name],
                train,
                restricted,
                k=K,
                metrics=("ndcg",),
                baseline=models["Popularity"],
                n_resamples=n_resamples,
                random_state=context.seed,
            ).iloc[0]
            table.append(
                {
                    "slice": label if name == LEARNED[0] else "",
                    f"{data.user_word}s": str(len(users)) if name == LEARNED[0] else "",
                    "model": name,
                    "nDCG@10 (95 % CI)": interval(
                        result["value"], result["ci_low"], result["ci_high"]
                    ),
                    "best-sellers": result["baseline"],
                    "difference (95 % CI)": interval(
                        result["difference"],
                        result["difference_ci_low"],
                        result["difference_ci_high"],
                        "+.3f",
                    ),
                }
            )
    # Users first seen after the cut-off: best-sellers are all anyone can show them.
    cold = test.user_index(split.cold_users)
    lists, _ = models["Popularity"].recommend(split.cold_users, k=K, cold_start="popular")
    relevant = [test.item_ids[test.matrix[r].indices] for r in cold]
    cold_ndcg = float(ndcg_at_k(lists, relevant, K)) if len(cold) else float("nan")
    table.append(
        {
            "slice": "cold (first seen after the cut-off)",
            f"{data.user_word}s": str(len(cold)),
            "model": "best-sellers (no history to use)",
            "nDCG@10 (95 % CI)": "",
            "best-sellers": cold_ndcg,
            "difference (95 % CI)": "",
        }
    )
    if np.isfinite(cold_ndcg):
        context.metric("ndcg10_cold_popularity", cold_ndcg)
    return pd.DataFrame(table)


# Quick mode's masked-protocol settings, chosen in issue 14 on a validation mask inside the
# training mask. Full mode searches them that way itself: on Online Retail, seed 0, it chose
# 27 factors, λ 126, α 85 (validation AUC 0.8806; these settings 0.8797). Settings tuned for
# the temporal question suit the masked one poorly (8 factors reach only 0.85 there), so the
# masked protocol has its own search.
MASKED_ALS = {"n_factors": 16, "reg": 50.0, "alpha": 30.0, "n_iter": 15}


def _masked_auc(context, data: Prepared) -> tuple[float, float, dict]:
    """The published protocol: a random 20 % of each user's pairs held out, per-user AUC,
    confidence from the number of orders where the data has it. In full mode the settings are
    searched on a validation mask (a random 20 % of each user's *training* pairs); the test
    mask is used once, at the end."""
    pairs = data.confidence if data.confidence is not None else data.interactions
    train, test = random_split(pairs, 0.2, random_state=context.seed)
    params = dict(MASKED_ALS)
    if not context.quick:
        inner = random_split(train, 0.2, random_state=context.seed)
        task = ("ImplicitALS", inner.train, inner.test, 10, 4, False, context.seed, "auc")
        searched = context.map(tune_task, [task])[0]
        params = searched["params"]
        context.metric("auc_masked_validation_implicitals", float(np.max(searched["scores"])))
    model = ImplicitALS(**params, random_state=context.seed).fit(train)
    table = evaluate(
        model,
        train,
        test,
        metrics=("auc",),
        baseline=Popularity().fit(train),
        n_resamples=200 if context.quick else 1000,
        random_state=context.seed,
    )
    return float(table.loc["auc", "value"]), float(table.loc["auc", "baseline"]), params


def _masked_settings(context, data: Prepared, params: dict) -> str:
    chosen = f"{params['n_factors']} factors, λ {params['reg']:.3g}, α {params['alpha']:.3g}"
    if context.quick:
        return (
            f"{chosen}: quick mode's fixed setting, chosen earlier on a validation mask inside "
            "the training mask; full mode searches it"
        )
    validation = context.metrics["auc_masked_validation_implicitals"]
    return (
        f"{chosen}, chosen by the same Bayesian search (10 evaluations) on a validation mask: "
        f"a random 20 % of each {data.user_word}'s training pairs, validation AUC "
        f"{validation:.3f}; the test mask is used once"
    )


def _results(context, data: Prepared, split, tuned):
    train, _ = split
    params = {name: tuned[name]["params"] if name in tuned else {} for name in RANKERS}
    fitted = context.map(fit_task, [(name, params[name], context.seed, train) for name in RANKERS])
    models = dict(zip(RANKERS, fitted, strict=True))
    results = _evaluate_all(context, split, models)
    section = context.report.section("results")
    table = []
    for name in RANKERS:
        row = {"model": name}
        for metric, k, label in RANKING_METRICS:
            value = results[name][_label(metric, k)]
            row[label] = interval(value["value"], value["ci_low"], value["ci_high"])
        table.append(row)
    n_users = results["Popularity"]["_attrs"]["n_users"]
    section.text(
        f"Each metric is a mean over the {n_users:,} {data.user_word}s who had a history before "
        f"the cut-off and took at least one {data.item_word} new to them after it. The "
        "interval is a 95 % bootstrap CI over those users (BCa; coverage: the resampled "
        "spread centred on the estimate). AUC is per user: the chance that a "
        f"{data.item_word} they took outranks one they did not."
    )
    section.table(pd.DataFrame(table), caption="Test period: each model's metrics (95 % CI).")
    context.figure(
        figures.metrics_figure(results),
        "metrics",
        "nDCG@10 and recall@20 on the test period, with 95 % bootstrap CIs over "
        f"{data.user_word}s.",
        "results",
    )
    slices = _slices(context, data, split, models)
    section.text(
        f"**Slices.** The gain is not the same for everyone. {data.user_word.capitalize()}s are "
        f"grouped by how many {data.item_word}s they had before the cut-off. The differences "
        "are paired: each model against best-sellers on the same users."
    )
    section.table(
        slices,
        caption="nDCG@10 by history length (95 % CI; the difference is paired).",
        formats={"best-sellers": ".3f"},
    )
    auc, auc_popularity, masked_params = _masked_auc(context, data)
    context.metric("auc_masked_implicitals", auc)
    context.metric("auc_masked_popularity", auc_popularity)
    settings = _masked_settings(context, data, masked_params)
    if data.title == "Online Retail":
        section.text(
            "**The published protocol.** Published AUCs for this data (ALS 0.870, popularity "
            "0.814) hold out a random 20 % of each customer's pairs, so past and future mix. On "
            f"that protocol (confidence from the number of orders; {settings}), ImplicitALS "
            f"reaches a mean per-user AUC of {auc:.3f} and popularity {auc_popularity:.3f}. The "
            "temporal AUC in the table above is lower. It only counts products that are new to the "
            "customer, in a later season: that is the harder and more honest question."
        )
    else:
        section.text(
            f"**The masked protocol.** With a random 20 % of each {data.user_word}'s pairs held "
            f"out (past and future mixed), ImplicitALS ({settings}) reaches a "
            f"mean per-user AUC of {auc:.3f}, popularity {auc_popularity:.3f}. The temporal "
            "figures above are the harder question."
        )
    return models, results, slices


_SYMBOLS = {"learning_rate": "η", "reg": "λ"}


def _settings_by_fold(rows: pd.DataFrame) -> str:
    """The setting each fold used, as 'η 0.01, λ 0.1 (4), ...' (folds in brackets)."""
    described = [
        ", ".join(
            f"{_SYMBOLS.get(k, k)} {v:g}"
            for k, v in params.items()
            if k in ("learning_rate", "reg")
        )
        for params in rows["params"]
    ]
    counts = pd.Series(described).value_counts(sort=True)
    return "; ".join(f"{text} ({n})" for text, n in counts.items() if text) or "defaults"


def _ratings(context, data: Prepared) -> pd.DataFrame | None:
    section = context.report.section("comparison")
    if data.ratings is None:
        section.text(
            "With `--data` a MovieLens 100K folder, this study also runs the published 5-fold "
            "rating protocol (RMSE and MAE against Surprise's table)."
        )
        return None
    folds = list(k_fold(data.ratings, 5, random_state=context.seed))
    if context.quick:
        folds = folds[:1]
    select = not context.quick
    tasks = [
        (name, f, context.seed, split, select) for f, split in enumerate(folds) for name in EXPLICIT
    ]
    scores = pd.DataFrame(context.map(fold_task, tasks))
    summary = scores.groupby("model", sort=False)[["rmse", "mae"]].agg(["mean", "std"])
    rows = []
    for name in EXPLICIT:
        rmse_mean, rmse_sd = summary.loc[name, ("rmse", "mean")], summary.loc[name, ("rmse", "std")]
        mae_mean = summary.loc[name, ("mae", "mean")]
        key = name.split()[0].lower().replace("biased", "mf")
        context.metric(f"rmse_{key}", rmse_mean)
        context.metric(f"mae_{key}", mae_mean)
        rows.append(
            {
                "model": f"{name} (glassml)",
                "RMSE": rmse_mean,
                "RMSE sd over folds": rmse_sd if len(folds) > 1 else float("nan"),
                "MAE": mae_mean,
                "setting (folds)": _settings_by_fold(scores[scores["model"] == name]),
            }
        )
    for name, (published_rmse, published_mae) in PUBLISHED.items():
        rows.append(
            {"model": f"{name} (Surprise, published)", "RMSE": published_rmse, "MAE": published_mae}
        )
    section.text(
        f"**Rating prediction, MovieLens 100K.** Surprise's protocol: the ratings are shuffled "
        f"once and cut into 5 folds, and each fold is the test once "
        f"({len(folds)} fold{'s' if len(folds) > 1 else ''} in this run). Ratings of users or "
        "films a fold's training part never saw are predicted from the known terms. "
        + (
            "Biased MF's step and regularisation and ALS's λ are chosen inside each fold: "
            "every candidate is fitted on four fifths of the fold's training ratings and "
            "scored on the last fifth; the best is refitted on the whole training part. The "
            "fold's test ratings are used once."
            if select
            else "Quick mode uses fixed settings (chosen earlier on a validation fold)."
        )
    )
    table = pd.DataFrame(rows)
    section.table(
        table,
        caption="RMSE and MAE on held-out ratings (lower is better).",
        formats={"RMSE": ".4f", "RMSE sd over folds": ".4f", "MAE": ".4f"},
    )
    mf = float(summary.loc["biased MF (FunkSVD)", ("rmse", "mean")])
    section.note(
        f"Biased MF RMSE {mf:.4f}: "
        + ("meets" if mf <= 0.930 else "misses")
        + " the target of 0.930 (Surprise's SVD: 0.934, SVD++: 0.919).",
        tone="success" if mf <= 0.930 else "warning",
    )
    return table


STUDY_TITLE = "What to buy next: recommendations that beat the best-seller list"


def run(context) -> None:
    from glassml.casestudies import _recsys_report as write

    with context.step("Load and check the data"):
        data = _load(context)
    with context.step("Split by time"):
        split, inner = _split(context, data)
    with context.step("Tune on the validation period"):
        tuned = _tune(context, data, inner)
    with context.step("Evaluate on the test period"):
        models, results, slices = _results(context, data, split, tuned)
    with context.step("Rating prediction (MovieLens)"):
        ratings = _ratings(context, data)
    with context.step("Look inside the models"):
        write.inside(context, data, split, models, tuned)
    with context.step("Write the report"):
        write.conclusions(context, data, split, results, slices, ratings, tuned)


STUDY = Study(
    name="recommendation",
    title=STUDY_TITLE,
    question=(
        "What should each customer see next, and how sure are we that it beats showing "
        "everyone the best-sellers?"
    ),
    steps=STEPS,
    headline=(
        Headline(
            "ndcg10_implicitals",
            "nDCG@10, ImplicitALS",
            ".3f",
            low="ndcg10_implicitals_low",
            high="ndcg10_implicitals_high",
        ),
        Headline(
            "ndcg10_implicitals_gain",
            "nDCG@10 gain over best-sellers",
            "+.3f",
            low="ndcg10_implicitals_gain_low",
            high="ndcg10_implicitals_gain_high",
        ),
        Headline("auc_masked_implicitals", "per-user AUC (20 %-masked protocol)", ".3f"),
        Headline(
            "coverage10_implicitals",
            "catalogue shown (ImplicitALS)",
            ".1%",
        ),
    ),
    run=run,
    data_help=(
        "a MovieLens 100K folder (u.data, u.item, u.user) for explicit ratings; default: the "
        "bundled Online Retail purchases"
    ),
)
