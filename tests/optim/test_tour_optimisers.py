"""The tour's optimiser race: its loss is scikit-learn's L2 logistic regression objective.

Reference: ``sklearn.linear_model.LogisticRegression(C=1/(n lam), tol=1e-10)`` (lbfgs), whose
objective ``C sum_i log(1 + exp(-y_i f_i)) + ||w||^2 / 2`` is ``n C`` times ours; coefficients
agree to 1e-5 relative. The section prints a table without colour codes on a non-TTY and
writes the SVG and PNG figure.
"""

from __future__ import annotations

import io

import numpy as np
import scipy.optimize
from parity import assert_close
from rich.console import Console
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from glassml.tour import s10_optimisers


def test_tour_loss_gradient_and_hessian_pass_finite_differences():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 4)), np.where(rng.random(50) < 0.5, 1.0, -1.0)
    params = rng.standard_normal(5)
    numeric = scipy.optimize.approx_fprime(
        params, lambda p: s10_optimisers.logistic_loss(p, X, y)[0], 1e-7
    )
    assert_close(s10_optimisers.logistic_loss(params, X, y)[1], numeric, rtol=1e-5, atol=1e-7)
    numeric_hessian = np.array(
        [
            scipy.optimize.approx_fprime(
                params, lambda p, i=i: s10_optimisers.logistic_loss(p, X, y)[1][i], 1e-7
            )
            for i in range(5)
        ]
    )
    assert_close(
        s10_optimisers.logistic_hessian(params, X, y), numeric_hessian, rtol=1e-5, atol=1e-6
    )


def test_race_agrees_with_sklearn_logistic_regression_and_writes_outputs(tmp_path):
    rows = s10_optimisers.race()
    newton = next(row for row in rows if row["label"] == "Newton")["result"]
    X, y = load_breast_cancer(return_X_y=True)
    from sklearn.model_selection import train_test_split

    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    X_train = StandardScaler().fit_transform(X_train)
    reference = LogisticRegression(
        C=1 / (len(y_train) * s10_optimisers.L2_PENALTY), tol=1e-10, max_iter=10_000
    ).fit(X_train, y_train)
    theirs = np.append(reference.coef_.ravel(), reference.intercept_)
    assert_close(newton.x, theirs, rtol=0, atol=1e-5 * np.max(np.abs(theirs)), what="Newton")
    # A method stopped at ||g||_inf <= 1e-6 is within ||g||^2 / (2 lambda_min(H)) of the
    # optimal loss (strong convexity), which bounds the allowed gap.
    signs = np.where(y_train == 1, 1.0, -1.0)
    hessian = s10_optimisers.logistic_hessian(newton.x, X_train, signs)
    gap_bound = newton.x.size * 1e-12 / (2 * np.linalg.eigvalsh(hessian)[0])
    for row in rows:
        if row["result"].success:
            assert 0 <= row["result"].fun - newton.fun <= gap_bound, row["label"]

    stream = io.StringIO()
    s10_optimisers.run(Console(file=stream, width=100), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text
    for label, _, _ in s10_optimisers.RACE:
        assert label in text
    assert (tmp_path / "optimisers_convergence.svg").stat().st_size > 0
    assert (tmp_path / "optimisers_convergence.png").stat().st_size > 0
