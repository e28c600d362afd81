"""Nearest-neighbour models: k-NN classification and regression."""

from glassml.neighbors._kneighbors import KNeighborsClassifier, KNeighborsRegressor

__all__ = ["KNeighborsClassifier", "KNeighborsRegressor"]
