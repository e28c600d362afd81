"""Ensembles of trees: random forests (bagging) and histogram gradient boosting.

Both are built from the node arrays of ``glassml.tree``: every fitted ensemble exposes its
trees in ``estimators_``, each with scikit-learn's ``tree_`` layout (boosted trees' leaf values
are contributions to the raw score, learning rate applied, and ``baseline_`` is the initial
score).
"""

from glassml.ensemble._forest import RandomForestClassifier, RandomForestRegressor
from glassml.ensemble._gradient_boosting import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)

__all__ = [
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
]
