"""The tour's tuning section: the GP snapshots are the optimiser's posterior, EI vanishes at
what was evaluated, and the 5x2cv table is mlxtend's test.

References and tolerances: the posterior mean, read off the plotting grid by linear
interpolation, passes within 0.02 of each evaluation (the CV errors span 0.02 - 0.37; the
surrogate's noise term is fitted, not zero); expected improvement and the posterior standard
deviation are non-negative everywhere; the first
pair's t statistic equals ``mlxtend.evaluate.paired_ttest_5x2cv`` on the same models and seed
to 1e-10. The section prints its table without colour codes on a non-TTY and writes the SVG and
PNG figure.
"""

from __future__ import annotations

import io

import numpy as np
from mlxtend.evaluate import paired_ttest_5x2cv as mlx_5x2cv
from parity import assert_close
from rich.console import Console
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassml.linear import LogisticRegression
from glassml.svm import SVC
from glassml.tour import s92_tuning


def test_snapshots_and_table(tmp_path):
    X, y = s92_tuning._data()
    snapshots = s92_tuning.posterior_snapshots(X, y, grid_size=60)
    assert [s["n"] for s in snapshots] == list(s92_tuning.SNAPSHOTS)
    for snap in snapshots:
        assert np.all(snap["ei"] >= 0) and np.all(snap["std"] >= 0)
        at_observed = np.interp(snap["observed_x"], snap["x"], snap["mean"])
        assert np.max(np.abs(at_observed - snap["observed_y"])) < 0.02  # grid interpolation
    rows = s92_tuning.comparison(X, y)
    first = rows[0]
    a = make_pipeline(StandardScaler(), LogisticRegression())
    b = make_pipeline(StandardScaler(), SVC())
    t, p = mlx_5x2cv(a, b, X, y, random_seed=0)
    assert_close([first["result"].statistic, first["result"].pvalue], [t, p], rtol=1e-10)
    assert all(row["pvalue_holm"] >= row["result"].pvalue for row in rows)

    stream = io.StringIO()
    s92_tuning.run(Console(file=stream, width=110), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text and "5x2cv" in text and "Gaussian naive Bayes" in text
    assert (tmp_path / "tuning_gp_ei.svg").stat().st_size > 0
    assert (tmp_path / "tuning_gp_ei.png").stat().st_size > 0
