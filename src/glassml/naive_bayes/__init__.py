"""Naive Bayes classifiers."""

from glassml.naive_bayes._gaussian import GaussianNB

__all__ = ["GaussianNB"]
