"""scikit-learn's estimator conformance suite for the regression half of glassml.linear.

Reference: sklearn.utils.estimator_checks.parametrize_with_checks; no expected failures.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from glassml.linear import ElasticNet, Lasso, LinearRegression, Ridge


@parametrize_with_checks(
    [
        LinearRegression(),
        Ridge(),
        Ridge(solver="svd"),
        Ridge(solver="cg"),
        Lasso(),
        ElasticNet(),
        Lasso(solver="fista"),
    ]
)
def test_sklearn_conformance(estimator, check):
    check(estimator)
