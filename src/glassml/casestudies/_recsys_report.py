"""The recommendation study's reading of its models and its conclusions (report sections)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from glassml.casestudies import _recsys_figures as figures
from glassml.casestudies._recsys_data import Prepared
from glassml.casestudies._recsys_tasks import LEARNED, evaluable_users
from glassml.casestudies.report import interval

K = 10
N_EXAMPLES = 3
N_BEST_SELLERS = 3
N_NEIGHBOURS = 6


def shipped_model(tuned: dict[str, dict]) -> str:
    """The learned model with the best validation nDCG@10: the choice never looks at the test."""
    return max(LEARNED, key=lambda name: float(np.max(tuned[name]["scores"])))


def example_users(split) -> np.ndarray:
    """Rows of the users at the 25th, 50th and 75th percentile of training history among those
    who took at least five new items in the test period (a rule, not a hand-picked showcase)."""
    train, test = split
    rows = evaluable_users(train, test)
    new = np.array(
        [np.setdiff1d(test.matrix[r].indices, train.matrix[r].indices).size for r in rows]
    )
    rows = rows[new >= 5]
    order = rows[np.argsort(np.diff(train.matrix.indptr)[rows], kind="stable")]
    return order[(np.array([0.25, 0.5, 0.75]) * (len(order) - 1)).round().astype(int)]


def _example_tables(context, data: Prepared, split, model, name: str) -> None:
    train, test = split
    section = context.report.section("interpretation")
    section.text(
        f"**Three {data.user_word}s, chosen by a rule** (those at the 25th, 50th and 75th "
        f"percentile of history among {data.user_word}s who took at least five new "
        f"{data.item_word}s after the cut-off): what they had before the cut-off, the ten "
        f"{name} suggests (the model with the best validation score), and whether they took "
        "them later."
    )
    for row in example_users(split):
        user = train.user_ids[row]
        entries = slice(train.matrix.indptr[row], train.matrix.indptr[row + 1])
        latest = np.argsort(-train.timestamps[entries], kind="stable")
        history = train.item_ids[train.matrix.indices[entries][latest]]
        later = set(test.item_ids[test.matrix[row].indices])
        suggested, _ = model.recommend([user], k=K)
        shown = [data.labels.get(item, str(item)) for item in history[:K]]
        hits = [item in later for item in suggested[0]]
        table = pd.DataFrame(
            {
                f"latest {K} before the cut-off": shown + [""] * (K - len(shown)),
                f"{name} top {K}": [data.labels.get(i, str(i)) for i in suggested[0]],
                "taken later?": ["yes" if hit else "" for hit in hits],
            }
        )
        section.table(
            table,
            caption=(
                f"{data.user_word.capitalize()} {user}: {len(history)} {data.item_word}s before "
                f"the cut-off, {len(later)} new after it; {sum(hits)} of the {K} suggestions "
                "among them."
            ),
        )


def _neighbour_table(context, data: Prepared, models) -> None:
    popularity = models["Popularity"]
    best = popularity.item_ids_[np.argsort(-popularity.scores_, kind="stable")[:N_BEST_SELLERS]]
    together, _ = models["ItemKNN"].similar_items(best, k=N_NEIGHBOURS)
    alike, _ = models["ImplicitALS"].similar_items(best, k=N_NEIGHBOURS)
    rows = []
    for item, first, second in zip(best, together, alike, strict=True):
        for rank in range(N_NEIGHBOURS):
            rows.append(
                {
                    "best-seller": data.labels.get(item, str(item)) if rank == 0 else "",
                    f"{data.user_word}s who took it also took (ItemKNN)": data.labels.get(
                        first[rank], str(first[rank])
                    ),
                    "closest in ImplicitALS's factors": data.labels.get(
                        second[rank], str(second[rank])
                    ),
                }
            )
    section = context.report.section("interpretation")
    section.text(
        f"**Neighbours of the {N_BEST_SELLERS} best-sellers.** ItemKNN ranks by co-purchase "
        f"(cosine of the {data.item_word} columns); ImplicitALS by the cosine of the learned "
        f"factors, which also links {data.item_word}s never bought by the same {data.user_word}."
    )
    section.table(pd.DataFrame(rows), caption="Most similar items, most similar first.")


def _factor_map(context, data: Prepared, model) -> None:
    from glassml.decomposition import TSNE

    n_shown = 400 if context.quick else 1500
    popular = np.argsort(-model.item_popularity_, kind="stable")[:n_shown]
    factors = np.asarray(model.item_factors_, dtype=np.float64)[popular]
    factors /= np.maximum(np.linalg.norm(factors, axis=1, keepdims=True), 1e-12)
    embedding = TSNE(
        perplexity=30.0,
        max_iter=500 if context.quick else 1000,
        random_state=context.seed,
    ).fit_transform(factors)
    ids = model.item_ids_[popular]
    groups = data.groups.reindex(ids).fillna("unknown").to_numpy()
    order = [g for g in pd.unique(data.groups.sort_values()) if g in set(groups)]
    if data.title == "Online Retail":
        from glassml.casestudies._recsys_data import PRICE_LABELS

        order = [g for g in PRICE_LABELS if g in set(groups)]
    labelled = [(i, str(data.labels.get(ids[i], ids[i]))) for i in range(5)]
    context.figure(
        figures.factor_map_figure(
            embedding, groups, order, data.group_title, labelled, data.item_word
        ),
        "factor_map",
        f"The {n_shown} most popular {data.item_word}s placed by t-SNE on their ImplicitALS "
        f"factors (cosine geometry), coloured by {data.group_title}; the five best-sellers "
        "are circled and numbered, their names under the map. "
        f"{data.item_word.capitalize()}s bought by the same {data.user_word}s sit together.",
        "interpretation",
    )


def inside(context, data: Prepared, split, models, tuned) -> None:
    name = shipped_model(tuned)
    context.report.section("interpretation")
    _example_tables(context, data, split, models[name], name)
    _neighbour_table(context, data, models)
    _factor_map(context, data, models["ImplicitALS"])


def _paired_table(results) -> pd.DataFrame:
    rows = []
    for name in LEARNED:
        for label, caption in (("ndcg@10", "nDCG@10"), ("recall@20", "recall@20"), ("auc", "AUC")):
            row = results[name][label]
            rows.append(
                {
                    "model": name,
                    "metric": caption,
                    "model value": row["value"],
                    "best-sellers": row["baseline"],
                    "difference (95 % CI)": interval(
                        row["difference"],
                        row["difference_ci_low"],
                        row["difference_ci_high"],
                        "+.4f",
                    ),
                    "CI excludes 0": "yes" if row["difference_ci_low"] > 0 else "no",
                }
            )
    return pd.DataFrame(rows)


def _mathematics(context) -> None:
    section = context.report.section("mathematics")
    section.text(
        "**ImplicitALS** (Hu, Koren & Volinsky 2008) treats every unobserved pair as a weak "
        "'no': preference p = 1 if the customer bought the item, else 0, with confidence "
        "c = 1 + α r. It minimises a weighted squared error over *all* pairs, alternating "
        "exact ridge solves for the user and item factors (conjugate gradient here)."
    )
    section.equation(
        r"\min_{X,Y}\ \sum_{u,i} c_{ui}\,(p_{ui} - x_u^\top y_i)^2"
        r" + \lambda\,(\sum_u \|x_u\|^2 + \sum_i \|y_i\|^2)",
        caption="The implicit-feedback objective.",
    )
    section.text(
        "**BPR** (Rendle et al. 2009) learns from pairs: for a user u, a bought item i and "
        "an item j they did not buy, it raises the probability that i ranks above j."
    )
    section.equation(
        r"\max\ \sum_{(u,i,j)} \ln \sigma(x_u^\top y_i - x_u^\top y_j)"
        r" - \lambda \|\Theta\|^2",
        caption="BPR's pairwise log-likelihood, by SGD over sampled triples.",
    )
    section.text(
        "**ItemKNN** scores an item by its cosine similarity to the items the user already "
        "has, over each item's nearest neighbours; the shrinkage lowers similarities resting "
        "on few common customers. **Popularity** recommends the items most customers bought."
    )
    section.equation(
        r"s_{ij} = \dfrac{r_i^\top r_j}{\|r_i\|\,\|r_j\| + h}",
        caption="Item–item cosine with shrinkage h.",
    )
    section.text(
        "**The metrics.** Each user's top-10 list is scored against the items they took "
        "after the cut-off. nDCG rewards hits near the top of the list; AUC is the chance "
        "that a taken item outranks an untaken one. The interval is a bootstrap over users, "
        "and a paired bootstrap of the per-user differences for 'beats best-sellers'."
    )
    section.equation(
        r"\mathrm{nDCG@}k = \dfrac{\sum_{r \leq k} \mathrm{hit}_r / \log_2(r+1)}"
        r"{\sum_{r \leq \min(k, R)} 1/\log_2(r+1)}",
        caption="Binary gains; R is the number of items the user took.",
    )


def conclusions(context, data: Prepared, split, results, slices, ratings, tuned) -> None:
    _mathematics(context)
    context.report.section("question").text(
        f"A {data.user_word} of {data.title} opens the shop: which ten {data.item_word}s should "
        "they see? The default answer is the best-seller list. A personal model earns its "
        f"place only if it finds more of what each {data.user_word} takes next, on data it has "
        "not seen and by a margin larger than the noise."
    )
    section = context.report.section("comparison")
    section.text(
        "**Against best-sellers, paired.** For each metric, the per-user differences "
        "(model − popularity) on the same users are bootstrapped together."
    )
    paired = _paired_table(results)
    section.table(
        paired,
        caption="Paired comparison with the best-seller list on the test period.",
        formats={"model value": ".4f", "best-sellers": ".4f"},
    )
    ndcg = paired[paired["metric"] == "nDCG@10"]
    beaten = ndcg[ndcg["CI excludes 0"] == "yes"]["model"].tolist()
    all_beat = len(beaten) == len(LEARNED)
    section.note(
        (
            "Every learned model beats best-sellers on nDCG@10 with a CI that excludes 0."
            if all_beat
            else f"Only {', '.join(beaten) or 'none'} beat best-sellers on nDCG@10 with a CI "
            "that excludes 0."
        ),
        tone="success" if all_beat else "warning",
    )
    auc = context.metrics["auc_masked_implicitals"]
    if data.title == "Online Retail":
        section.note(
            f"ImplicitALS per-user AUC on the 20 %-masked protocol: {auc:.3f} (target ≥ 0.88; "
            f"published ALS 0.870, popularity 0.814; best-sellers here "
            f"{context.metrics['auc_masked_popularity']:.3f}).",
            tone="success" if auc >= 0.88 else "warning",
        )
    name = shipped_model(tuned)
    row = results[name]["ndcg@10"]
    pop = results["Popularity"]["ndcg@10"]["value"]
    cover = results[name]["coverage@10"]["value"]
    context.report.section("interpretation").text(
        f"**What the numbers mean for the shop.** With {name}, a returning {data.user_word} "
        f"goes on to take on average {results[name]['precision@10']['value'] * K:.2f} of "
        f"their ten suggestions, against "
        f"{results['Popularity']['precision@10']['value'] * K:.2f} for the best-seller list. "
        f"The lists use {cover:.0%} of the catalogue, where best-sellers show "
        f"{results['Popularity']['coverage@10']['value']:.1%}: the personal lists also move "
        "stock beyond the head of the catalogue. The AUC column reads differently: it ranks "
        f"the *whole* catalogue for each {data.user_word}. ItemKNN gives every "
        f"{data.item_word} with no co-purchase link the same score 0, so it orders the tail "
        "worse than popularity does, while its top ten are better. For a ten-item shelf, "
        "nDCG@10 and recall are the measures that matter."
    )
    decision = context.report.section("decision")
    value = interval(row["value"], row["ci_low"], row["ci_high"])
    gain = interval(row["difference"], row["difference_ci_low"], row["difference_ci_high"], "+.3f")
    decision.note(
        f"Show returning {data.user_word}s {name}'s top-10 (chosen on validation nDCG@10). "
        f"On the test period its nDCG@10 is {value} against {pop:.3f} for best-sellers, a "
        f"paired gain of {gain}. Keep the best-seller list for {data.user_word}s with no "
        "history: no personal model can rank for them.",
        tone="success" if row["difference_ci_low"] > 0 else "warning",
    )
    decision.text(
        "Re-fit weekly: the test period shows that tastes move with the season. Check the same "
        "paired comparison on each new month before trusting the model further."
    )
    first = (
        "- One shop, one year: seasonality (Christmas stock in the test period) limits how far "
        "the figures travel.\n"
        if data.title == "Online Retail"
        else "- 943 users of one research site in 1997–98; most users of the test period are "
        "new, and the rest rated in short sessions, so the ranking view is thin.\n"
    )
    context.report.section("limitations").note(
        first
        + f"- Offline metrics count only what {data.user_word}s took *without* these lists. An "
        "A/B test measures what the lists change.\n"
        f"- The test asks for {data.item_word}s new to each {data.user_word}. Repeat "
        "purchases are not scored.\n"
        f"- Bootstrap CIs treat {data.user_word}s as independent, and they do not include the "
        "uncertainty of the hyper-parameter search.",
        tone="warning",
    )
