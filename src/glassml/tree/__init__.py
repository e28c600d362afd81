"""Decision trees: CART for classification and regression, with cost-complexity pruning.

Every fitted tree exposes its nodes as flat arrays in ``tree_`` (``glassml.tree._nodes.Tree``,
with scikit-learn's attribute names and meaning): the layout ``glassml.explain`` reads and the
ensembles of ``glassml.ensemble`` are made of.
"""

from glassml.tree._classes import DecisionTreeClassifier, DecisionTreeRegressor

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]
