"""The tour's optimiser race fits scikit-learn's L2 logistic regression.

Reference: ``sklearn.linear_model.LogisticRegression(C=1/(n lambda), tol=1e-10)`` (lbfgs);
Newton's coefficients agree to 1e-5 of the largest coefficient. Every converged method stops at
||g||_inf <= 1e-6, which by strong convexity puts it within p ||g||^2 / (2 lambda_min(H)) of the
optimal mean loss. The section prints a table without colour codes on a non-TTY and writes the
SVG and PNG figure.
"""

from __future__ import annotations

import io

import numpy as np
from parity import assert_close
from rich.console import Console
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from glassml.tour import s10_optimisers


def test_race_agrees_with_sklearn_and_writes_outputs(tmp_path):
    rows = s10_optimisers.race()
    newton = next(row for row in rows if row["label"].startswith("Newton"))
    X_train, _, y_train, _ = s10_optimisers.load_split()
    n = len(y_train)
    reference = LogisticRegression(
        C=1 / (n * s10_optimisers.L2_PENALTY), tol=1e-10, max_iter=10_000
    ).fit(X_train, y_train)
    theirs = np.append(reference.coef_.ravel(), reference.intercept_)
    ours = np.append(newton["model"].coef_.ravel(), newton["model"].intercept_)
    assert_close(ours, theirs, rtol=0, atol=1e-5 * np.max(np.abs(theirs)), what="Newton")

    # Strong convexity bound on the loss gap of any method stopped at ||g||_inf <= 1e-6.
    design = np.column_stack([X_train, np.ones(n)])
    p = expit(design @ theirs)
    hessian = (design.T * (p * (1 - p))) @ design / n
    hessian[np.arange(X_train.shape[1]), np.arange(X_train.shape[1])] += s10_optimisers.L2_PENALTY
    gap_bound = design.shape[1] * 1e-12 / (2 * np.linalg.eigvalsh(hessian)[0])
    best = newton["loss"][-1]
    assert sum(row["converged"] for row in rows) >= 4
    for row in rows:
        if row["converged"]:
            assert -1e-12 <= row["loss"][-1] - best <= gap_bound, row["label"]

    stream = io.StringIO()
    s10_optimisers.run(Console(file=stream, width=100), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text
    for label, _ in s10_optimisers.race_entries():
        assert label in text
    assert (tmp_path / "optimisers_convergence.svg").stat().st_size > 0
    assert (tmp_path / "optimisers_convergence.png").stat().st_size > 0
