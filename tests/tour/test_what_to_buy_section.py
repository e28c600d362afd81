"""The tour's "What to buy next" section on the bundled Online Retail data.

Checked: the tables name the models and the baseline, the example customer follows its
stated rule (median history among customers with at least five new products after the
cut-off), the recall curve equals ``evaluate``'s recall at k = 10 and 20 on the same users
(1e-12) and never decreases, and the figure is written as SVG and PNG with no colour codes in
a non-terminal output.
"""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from glassml.recommend import Popularity, evaluate
from glassml.tour import s86_what_to_buy as section


def test_section_runs_and_its_numbers_hold(tmp_path):
    stream = io.StringIO()
    section.run(Console(file=stream, width=160), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text
    for word in ("ImplicitALS", "ItemKNN", "popularity", "ndcg@10", "recall@20", "Best-seller"):
        assert word in text
    for suffix in ("svg", "png"):
        assert (tmp_path / f"what_to_buy.{suffix}").stat().st_size > 0

    _, split = section.prepare(section.load_online_retail())
    row = section.example_customer(split)
    test_counts = np.diff(split.test.matrix.indptr)
    train_counts = np.diff(split.train.matrix.indptr)
    eligible = train_counts[(test_counts >= 5) & (train_counts > 0)]
    assert test_counts[row] >= 5
    assert (
        np.sum(eligible < train_counts[row])
        <= len(eligible) // 2
        <= np.sum(eligible <= train_counts[row])
    )
    assert str(split.train.user_ids[row]) in text

    model = Popularity().fit(split.train)
    curve = section.recall_curve(model, split, np.arange(1, 21))
    assert np.all(np.diff(curve) >= 0)
    for k in (10, 20):
        table = evaluate(model, *split, k=k, metrics=("recall",), n_resamples=10)
        assert abs(curve[k - 1] - table.iloc[0]["value"]) <= 1e-12
