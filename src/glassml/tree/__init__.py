"""Decision trees: CART for classification and regression, with cost-complexity pruning.

Every fitted tree exposes its nodes as flat arrays in ``tree_`` (a :class:`Tree`, with
scikit-learn's attribute names and meaning: ``glassml.tree._nodes``), the layout ``glassml.explain`` reads and the
ensembles in ``glassml.ensemble`` are made of.
"""

from glassml.tree._classes import DecisionTreeClassifier, DecisionTreeRegressor

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]
