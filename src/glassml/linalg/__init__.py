"""Numerical linear algebra shared by the models: solvers, randomized SVD, kernels, diagnostics.

Each piece lives in its own private module and is re-exported here (one import line each).
"""
