"""Gaussian processes: kernels with their log-parameter derivatives, and GP regression.

``GaussianProcessRegressor`` keeps scikit-learn's name and behaviour (posterior by Cholesky,
hyper-parameters by maximum marginal likelihood); the kernels ``RBF``, ``Matern``,
``ConstantKernel``, ``WhiteKernel`` combine with ``+`` and ``*`` (``Sum``, ``Product``).
"""

from glassml.gaussian_process._gpr import GaussianProcessRegressor, log_marginal_likelihood
from glassml.gaussian_process._kernels import (
    RBF,
    ConstantKernel,
    Kernel,
    Matern,
    Product,
    Sum,
    WhiteKernel,
)

__all__ = [
    "RBF",
    "ConstantKernel",
    "GaussianProcessRegressor",
    "Kernel",
    "Matern",
    "Product",
    "Sum",
    "WhiteKernel",
    "log_marginal_likelihood",
]
