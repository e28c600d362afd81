"""The tour's boosting section: the stage-by-stage loss it plots is right.

Reference: scikit-learn's HistGradientBoostingRegressor with the same settings on the same
engines: its training and held-out RMSE equal the section's to 1e-9 (the trees are the same).
The section's claims hold on its data: boosting's training loss never rises, the deep tree
fits its training engines exactly and does worst on held-out engines. It prints its table
without colour codes on a non-TTY and writes the figure as SVG and PNG.
"""

from __future__ import annotations

import io

import numpy as np
from parity import assert_close
from rich.console import Console
from sklearn.ensemble import HistGradientBoostingRegressor

from glassml.tour import s80_function_space as section


def test_function_space_section(tmp_path):
    result = section.fit_models()
    train = result["boosting_train"]
    assert len(train) == section.STAGES + 1 and np.all(np.diff(train) <= 1e-12 * train[:-1])
    (_, _, tree_train, tree_test), (_, _, _, forest_test), (_, _, boost_train, boost_test) = result[
        "rows"
    ]
    assert tree_train < 1e-9 and tree_test > max(forest_test, boost_test)
    assert_close(train[-1], boost_train, rtol=1e-12)

    X_train, X_test, y_train, y_test = section.load_split()
    reference = HistGradientBoostingRegressor(
        learning_rate=section.LEARNING_RATE, max_iter=section.STAGES, max_leaf_nodes=8,
        early_stopping=False, random_state=0,
    ).fit(X_train, y_train)  # fmt: skip
    for X, y, ours in ((X_train, y_train, boost_train), (X_test, y_test, boost_test)):
        assert_close(ours, np.sqrt(np.mean((reference.predict(X) - y) ** 2)), rtol=1e-9)
    assert_close(result["boosting_test"][-1], boost_test, rtol=1e-12)

    stream = io.StringIO()
    section.run(Console(file=stream, width=110), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text and "one deep tree" in text and "boosting" in text
    assert f"fell at {section.STAGES} of its {section.STAGES} stages" in text
    assert (tmp_path / "function_space.svg").stat().st_size > 0
    assert (tmp_path / "function_space.png").stat().st_size > 0
