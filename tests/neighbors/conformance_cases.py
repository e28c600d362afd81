"""Conformance instances for neighbors (see tests/test_conformance.py)."""

from glassml.neighbors import KNeighborsClassifier, KNeighborsRegressor

INSTANCES = {
    "KNeighborsClassifier": [
        KNeighborsClassifier(),
        KNeighborsClassifier(weights="distance", algorithm="brute"),
    ],
    "KNeighborsRegressor": [
        KNeighborsRegressor(),
        KNeighborsRegressor(weights="distance", algorithm="brute"),
    ],
}
