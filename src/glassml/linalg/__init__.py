"""Numerical linear algebra shared by the models: solvers, randomized SVD, kernels, diagnostics.

Each piece lives in its own private module and is re-exported here (one import line each).
"""

from glassml.linalg._cg import conjugate_gradient
from glassml.linalg._conditioning import (
    ConditioningReport,
    condition_number,
    conditioning_report,
    numerical_rank,
)
from glassml.linalg._kernels import (
    linear_kernel,
    polynomial_kernel,
    rbf_kernel,
    sigmoid_kernel,
    squared_euclidean_distances,
)
from glassml.linalg._power import power_iteration, top_eigenpairs
from glassml.linalg._svd import randomized_range_finder, randomized_svd, svd_flip

__all__ = [
    "ConditioningReport",
    "condition_number",
    "conditioning_report",
    "conjugate_gradient",
    "linear_kernel",
    "numerical_rank",
    "polynomial_kernel",
    "power_iteration",
    "randomized_range_finder",
    "randomized_svd",
    "rbf_kernel",
    "sigmoid_kernel",
    "squared_euclidean_distances",
    "svd_flip",
    "top_eigenpairs",
]
