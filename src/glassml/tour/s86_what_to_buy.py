"""Tour section: what to buy next. Online Retail purchases, a recommender trained on the past
and judged on the future, one customer's list, and what goes with a best-seller."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "What to buy next"

K = 10
ALS = {"n_factors": 16, "reg": 50.0, "alpha": 30.0, "n_iter": 15}


def load_online_retail():
    """The Online Retail data bundled in the package (``glassml.datasets``)."""
    from glassml.datasets import load_online_retail as load

    return load()


def prepare(bunch):
    """Interactions (a pair counts once, at its first purchase) and the temporal split: the last
    fifth of the year is the future the models are judged on."""
    from glassml.recommend import Interactions, temporal_split

    data = Interactions.from_frame(bunch.interactions, "user_id", "item_id", timestamp="first_ts")
    return data, temporal_split(data, test_span=0.2)


def example_customer(split) -> int:
    """The customer at the median training history among those who bought at least five new
    products in the test period (a rule, so the example is not picked for looking good)."""
    train_counts = np.diff(split.train.matrix.indptr)
    test_counts = np.diff(split.test.matrix.indptr)
    candidates = np.flatnonzero((test_counts >= 5) & (train_counts > 0))
    order = candidates[np.argsort(train_counts[candidates], kind="stable")]
    return int(order[len(order) // 2])


def recall_curve(model, split, ks) -> np.ndarray:
    """Mean recall@k over the test users the model can rank, for each k, from one top-max(k)
    list per user (hits looked up by item column in the test matrix)."""
    train, test = split
    users = np.flatnonzero((np.diff(test.matrix.indptr) > 0) & (np.diff(train.matrix.indptr) > 0))
    lists, _ = model.recommend(train.user_ids[users], k=max(ks))
    columns = train.item_index(lists.ravel()).reshape(lists.shape)
    truth = test.matrix[users].toarray() > 0
    found = np.cumsum(np.take_along_axis(truth, columns, axis=1), axis=1)
    return np.array([np.mean(found[:, k - 1] / truth.sum(axis=1)) for k in ks])


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml._io import save_figure
    from glassml.recommend import ImplicitALS, ItemKNN, Popularity, evaluate

    bunch = load_online_retail()
    descriptions = bunch.items.set_index("item_id")["description"]
    _, split = prepare(bunch)
    train, test = split
    popularity = Popularity().fit(train)
    als = ImplicitALS(**ALS, random_state=0).fit(train)
    knn = ItemKNN(n_neighbors=50).fit(train)

    tables = {
        name: [
            evaluate(
                model,
                train,
                test,
                k=k,
                metrics=(metric,),
                baseline=popularity,
                n_resamples=1000,
                random_state=0,
            )
            for k, metric in ((K, "ndcg"), (20, "recall"))
        ]
        for name, model in (("ImplicitALS", als), ("ItemKNN", knn))
    }
    table = Table(
        title=(
            f"Online Retail: trained on {train.nnz:,} purchases before the cut-off, judged on "
            f"{test.nnz:,} new ones after it ({tables['ImplicitALS'][0].attrs['n_users']:,} "
            f"customers; {len(split.cold_users):,} new customers cannot be ranked)"
        )
    )
    for column in ("metric", "model", "value (95 % CI)", "popularity", "difference (95 % CI)"):
        table.add_column(column, justify="left" if column in ("metric", "model") else "right")
    for name, rows in tables.items():
        for result in rows:
            row = result.iloc[0]
            table.add_row(
                str(result.index[0]),
                name,
                f"{row['value']:.4f} ({row['ci_low']:.4f}, {row['ci_high']:.4f})",
                f"{row['baseline']:.4f}",
                f"{row['difference']:+.4f} ({row['difference_ci_low']:+.4f}, "
                f"{row['difference_ci_high']:+.4f})",
            )
    console.print(table)

    # One customer: what they bought before the cut-off, and the ten suggestions.
    row = example_customer(split)
    customer = train.user_ids[row]
    entries = slice(train.matrix.indptr[row], train.matrix.indptr[row + 1])
    latest_first = np.argsort(-train.timestamps[entries], kind="stable")
    history = train.matrix.indices[entries][latest_first]
    bought_later = set(train.item_ids[test.matrix[row].indices])
    suggestions, _ = als.recommend([customer], k=K)
    n_found = sum(item in bought_later for item in suggestions[0])
    shown = Table(
        title=f"Customer {customer}: {len(history)} products before the cut-off, "
        f"{len(bought_later)} new ones after it; {n_found} of the {K} suggestions among them"
    )
    shown.add_column(f"latest {K} before the cut-off")
    shown.add_column(f"ImplicitALS top-{K}")
    shown.add_column("bought later?", justify="center")
    before = [descriptions.get(item, str(item)) for item in train.item_ids[history][:K]]
    for position in range(K):
        item = suggestions[0, position]
        shown.add_row(
            before[position] if position < len(before) else "",
            str(descriptions.get(item, item)),
            "yes" if item in bought_later else "",
        )
    console.print(shown)

    # The best-seller's neighbours, by co-purchase (ItemKNN) and by taste (ALS factors).
    best = popularity.item_ids_[int(np.argmax(popularity.scores_))]
    together, _ = knn.similar_items([best], k=8)
    alike, _ = als.similar_items([best], k=8)
    neighbours = Table(title=f"Best-seller: {descriptions.get(best, best)} ({best})")
    neighbours.add_column("customers who bought it also bought (ItemKNN, cosine)")
    neighbours.add_column("closest in ImplicitALS's factors")
    for first, second in zip(together[0], alike[0], strict=True):
        neighbours.add_row(
            str(descriptions.get(first, first)), str(descriptions.get(second, second))
        )
    console.print(neighbours)

    ks = np.arange(1, 51)
    figure, (bars, curve) = plt.subplots(1, 2, figsize=(12, 4.4))
    labels = ["nDCG@10", "recall@20"]
    models = [("Popularity", "baseline"), ("ImplicitALS", "value"), ("ItemKNN", "value")]
    width = 0.26
    for offset, (name, column) in enumerate(models):
        rows = tables["ImplicitALS" if name == "Popularity" else name]
        values = [result.iloc[0][column] for result in rows]
        prefix = "baseline_" if column == "baseline" else ""
        low = [result.iloc[0][prefix + "ci_low"] for result in rows]
        high = [result.iloc[0][prefix + "ci_high"] for result in rows]
        positions = np.arange(len(labels)) + (offset - 1) * width
        bars.bar(
            positions,
            values,
            width,
            label=name,
            yerr=[np.subtract(values, low), np.subtract(high, values)],
            capsize=3,
        )
    bars.set_xticks(np.arange(len(labels)), labels)
    bars.set_ylabel("mean over customers (95 % bootstrap CI)")
    bars.set_title("Trained on the past, judged on the last fifth of the year")
    bars.legend()
    for name, model in (("Popularity", popularity), ("ImplicitALS", als), ("ItemKNN", knn)):
        curve.plot(ks, recall_curve(model, split, ks), label=name)
    curve.set_xlabel("length of the list k")
    curve.set_ylabel("recall@k: share of later purchases in the list")
    curve.set_title("How much of what they bought next is in the top k")
    curve.legend()
    figure.tight_layout()
    paths = save_figure(figure, out_dir / "what_to_buy")
    plt.close(figure)
    console.print("Ranking quality and recall curve: " + ", ".join(str(path) for path in paths))
