"""Numerical linear algebra shared by the models: solvers, randomized SVD, kernels, diagnostics.

Each piece lives in its own private module and is re-exported here (one import line each).
"""

from glassml.linalg._cg import conjugate_gradient
from glassml.linalg._kernels import (
    linear_kernel,
    polynomial_kernel,
    rbf_kernel,
    sigmoid_kernel,
    squared_euclidean_distances,
)

__all__ = [
    "conjugate_gradient",
    "linear_kernel",
    "polynomial_kernel",
    "rbf_kernel",
    "sigmoid_kernel",
    "squared_euclidean_distances",
]
