"""glassml: machine learning built in the open from its mathematics.

Every model is assembled from linear algebra, automatic differentiation, probability and
numerical optimisation that the reader can see, step through and swap, and every result is
checked against the reference library practitioners trust.

Subpackages (import the one you need): ``glassml.autodiff``, ``glassml.optim``,
``glassml.linalg``, ``glassml.stats``, ``glassml.linear``, ``glassml.svm``,
``glassml.cluster``, ``glassml.decomposition``, ``glassml.neighbors``,
``glassml.naive_bayes``, ``glassml.nn``.
"""

__version__ = "0.1.0"
