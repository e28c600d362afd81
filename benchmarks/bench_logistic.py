"""LogisticRegression: glassml's L-BFGS and Newton (IRLS) against scikit-learn's solvers.

Data: 200,000 x 100 Gaussian features with correlated columns, binary labels drawn from a
logistic model (fixed seed); C = 1; both sides at tol = 1e-8 on the same scaled gradient.
The check line reports the relative difference of the two objectives (scikit-learn's
definition, evaluated by one function for both coefficient sets).
"""

from __future__ import annotations

import warnings

import numpy as np

from benchmarks._harness import Workload, register

N_SAMPLES, N_FEATURES, C, TOL = 200_000, 100, 1.0, 1e-8


def make_data():
    rng = np.random.default_rng(20240601)
    mixing = np.eye(N_FEATURES) + 0.3 * rng.normal(size=(N_FEATURES, N_FEATURES)) / 10
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)) @ mixing
    true_coef = rng.normal(size=N_FEATURES) / np.sqrt(N_FEATURES)
    logits = X @ true_coef + 0.5
    y = (rng.random(N_SAMPLES) < 1.0 / (1.0 + np.exp(-logits))).astype(np.int64)
    return np.ascontiguousarray(X), y


def objective(model, X, y) -> float:
    """scikit-learn's objective ``C sum_i l_i + ||w||^2 / 2`` at a fitted model's coefficients."""
    z = X @ model.coef_.ravel() + model.intercept_[0]
    return float(C * np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(model.coef_**2))


def ours(optimizer):
    def run(data):
        from glassml.linear import LogisticRegression

        X, y = data
        return LogisticRegression(C=C, optimizer=optimizer, tol=TOL, max_iter=1000).fit(X, y)

    return run


def theirs(solver):
    def run(data):
        from sklearn.linear_model import LogisticRegression

        X, y = data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence at tol=1e-8 may stop on ftol
            return LogisticRegression(C=C, solver=solver, tol=TOL, max_iter=1000).fit(X, y)

    return run


def check(data, mine, reference) -> str:
    X, y = data
    loss_mine, loss_theirs = objective(mine, X, y), objective(reference, X, y)
    relative = (loss_mine - loss_theirs) / abs(loss_theirs)
    n_iter_theirs = int(np.ravel(reference.n_iter_)[0])
    return (
        f"loss rel. diff {relative:+.1e} (ours - theirs); max |coef diff| "
        f"{np.max(np.abs(mine.coef_ - reference.coef_)):.1e}; iterations {mine.n_iter_} vs "
        f"{n_iter_theirs}"
    )


register(
    Workload(
        name="logreg_lbfgs",
        description="LogisticRegression lbfgs, 200,000 x 100 binary, C=1, tol=1e-8",
        setup=make_data,
        ours=ours("lbfgs"),
        reference=theirs("lbfgs"),
        reference_label="sklearn lbfgs",
        target=1.0,
        requires=("sklearn",),
        check=check,
        repeats=3,
    )
)

register(
    Workload(
        name="logreg_newton",
        description="LogisticRegression newton (IRLS) vs sklearn newton-cholesky, same data",
        setup=make_data,
        ours=ours("newton"),
        reference=theirs("newton-cholesky"),
        reference_label="sklearn newton-cholesky",
        target=1.0,
        requires=("sklearn",),
        check=check,
        repeats=3,
    )
)
