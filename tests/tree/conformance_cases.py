"""Conformance instances for tree (see tests/test_conformance.py)."""

from glassml.tree import DecisionTreeClassifier, DecisionTreeRegressor

INSTANCES = {
    "DecisionTreeClassifier": [
        DecisionTreeClassifier(random_state=0),
        DecisionTreeClassifier(criterion="entropy", max_features="sqrt", random_state=0),
    ],
    "DecisionTreeRegressor": [DecisionTreeRegressor(random_state=0)],
}
