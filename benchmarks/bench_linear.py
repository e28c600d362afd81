"""Ridge and Lasso against scikit-learn (targets from the issue: ridge <= 1.1, lasso <= 1.5)."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _ridge_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1_000_000, 100)) + 3.0
    y = X @ rng.normal(size=100) + rng.normal(size=1_000_000)
    return X, y


def _ridge_ours(data):
    from glassml.linear import Ridge

    return Ridge(alpha=1.0).fit(*data)


def _ridge_reference(data):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=1.0).fit(*data)


def _coef_check(data, ours, reference) -> str:
    difference = np.abs(ours.coef_ - reference.coef_).max() / np.abs(reference.coef_).max()
    return f"coef max rel. diff {difference:.1e}"


register(
    Workload(
        name="ridge",
        description="Ridge(alpha=1) fit, 1,000,000 x 100 dense (Cholesky of the Gram matrix)",
        setup=_ridge_data,
        ours=_ridge_ours,
        reference=_ridge_reference,
        reference_label="sklearn",
        target=1.1,
        requires=("sklearn",),
        check=_coef_check,
    )
)


def _lasso_data():
    from sklearn.datasets import make_regression

    return make_regression(10_000, 1_000, n_informative=100, noise=1.0, random_state=0)


def _lasso_ours(data):
    from glassml.linear import Lasso

    return Lasso(alpha=0.01).fit(*data)


def _lasso_reference(data):
    from sklearn.linear_model import Lasso

    return Lasso(alpha=0.01).fit(*data)


register(
    Workload(
        name="lasso",
        description="Lasso(alpha=0.01) fit by coordinate descent, 10,000 x 1,000 (100 informative)",
        setup=_lasso_data,
        ours=_lasso_ours,
        reference=_lasso_reference,
        reference_label="sklearn",
        target=1.5,
        requires=("sklearn",),
        check=_coef_check,
    )
)
