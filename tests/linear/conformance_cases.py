"""Conformance instances for linear (see tests/test_conformance.py)."""

from glassml.linear import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge

INSTANCES = {
    "LinearRegression": [LinearRegression()],
    "Ridge": [Ridge(), Ridge(solver="svd"), Ridge(solver="cg")],
    "Lasso": [Lasso(), Lasso(solver="fista")],
    "ElasticNet": [ElasticNet()],
    "LogisticRegression": [
        LogisticRegression(),
        LogisticRegression(optimizer="newton"),
        LogisticRegression(penalty="elasticnet", optimizer="fista"),
    ],
}
