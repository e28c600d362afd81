"""Ensembles of trees: random forests (bagging) and histogram gradient boosting.

Both are built from the node arrays of ``glassml.tree``: every fitted ensemble exposes its
trees in ``estimators_``, each with scikit-learn's ``tree_`` layout.
"""

from glassml.ensemble._forest import RandomForestClassifier, RandomForestRegressor

__all__ = ["RandomForestClassifier", "RandomForestRegressor"]
