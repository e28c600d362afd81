"""Linear models: least squares with its regression analysis, ridge, lasso and elastic net.

Each model lives in its own private module and is re-exported here. (LogisticRegression is in
``_logistic.py``; see docs/logistic.md.)
"""

from glassml.linear._coordinate_descent import ElasticNet, Lasso, enet_path, lasso_path
from glassml.linear._logistic import LogisticRegression
from glassml.linear._ols import LinearRegression
from glassml.linear._ridge import Ridge
from glassml.linear._summary import RegressionSummary

__all__ = [
    "ElasticNet",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "RegressionSummary",
    "Ridge",
    "enet_path",
    "lasso_path",
]
