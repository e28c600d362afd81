"""Anomaly detection: the isolation forest's path-length normaliser c(n) and the Mahalanobis
distance. glassml's anomaly family is not on main yet: the references are plain definitions,
verified against scikit-learn's IsolationForest helper and scipy's mahalanobis in
``tests/learn/test_references.py``."""

from __future__ import annotations

import numpy as np

from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    matrices,
    near,
    register,
    st,
)

EULER_GAMMA = 0.5772156649015329


def average_path_length_reference(n):
    """c(n) = 2 H(n - 1) - 2 (n - 1) / n with H(i) ~ ln i + gamma; c(1) = 0, c(2) = 1."""
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (np.log(n - 1.0) + EULER_GAMMA) - 2.0 * (n - 1.0) / n


average_path_length = Exercise(
    "anomaly/average-path-length",
    "The isolation forest's normaliser c(n)",
    "average_path_length(n)",
    lesson="anomaly/isolation-and-distance",
    summary="The mean depth of an unsuccessful search in a binary search tree of n points: "
    "c(n) = 2 H(n-1) - 2 (n-1)/n, H(i) = ln i + 0.5772156649; c(1) = 0, c(2) = 1.",
    checks=[
        agrees(
            "agrees with c(n) of Liu, Ting and Zhou (2008)",
            st.tuples(st.integers(3, 5000)),
            average_path_length_reference,
            rtol=1e-9,
            hint="c(n) = 2 H(n - 1) - 2 (n - 1) / n with the harmonic number approximated as "
            "H(i) = ln(i) + Euler's constant 0.5772156649.",
            diagnoses=[
                (
                    lambda e, o, n: near(o, 2 * (np.log(n) + EULER_GAMMA) - 2 * (n - 1) / n),
                    "H(n) was used; the formula needs H(n - 1)",
                ),
                (
                    lambda e, o, n: near(o, 2 * (np.log(n - 1) + EULER_GAMMA)),
                    "the correction - 2 (n - 1) / n is missing",
                ),
            ],
        ),
        agrees(
            "edge cases: c(1) = 0 and c(2) = 1",
            [(1,), (2,)],
            average_path_length_reference,
            rtol=1e-9,
            hint="The approximation of H breaks down for tiny n: a leaf with one point needs no "
            "further split (0), with two points exactly one (1).",
        ),
    ],
)


def mahalanobis_reference(X, mean, cov):
    diff = X - mean
    return np.sqrt(np.einsum("ij,ij->i", diff, np.linalg.solve(cov, diff.T).T))


@st.composite
def _gaussian_inputs(draw):
    d = draw(st.integers(1, 3))
    A = draw(matrices(d, d, grid(-2, 2)))
    cov = A @ A.T + np.eye(d)
    X = draw(matrices(st.integers(1, 5), d, grid(-3, 3)))
    return X, draw(matrices(1, d, grid(-2, 2)))[0], cov


mahalanobis = Exercise(
    "anomaly/mahalanobis",
    "The Mahalanobis distance",
    "mahalanobis(X, mean, cov)",
    lesson="anomaly/isolation-and-distance",
    summary="d(x) = sqrt((x - mean)^T cov^-1 (x - mean)) for each row x of X.",
    checks=[
        agrees(
            "agrees with scipy.spatial.distance.mahalanobis row by row",
            _gaussian_inputs(),
            mahalanobis_reference,
            rtol=1e-8,
            hint="Solve cov z = x - mean rather than inverting, then d = sqrt((x - mean)^T z): "
            "the distance in units of the distribution's spread along each direction.",
            diagnoses=[
                (lambda e, o, X, m, c: near(o, e**2), "the square root is missing"),
                (
                    lambda e, o, X, m, c: near(
                        o, np.sqrt(np.einsum("ij,jk,ik->i", X - m, c, X - m))
                    ),
                    "the covariance itself was used; the distance needs its inverse",
                ),
                (
                    lambda e, o, X, m, c: near(o, np.linalg.norm(X - m, axis=1)),
                    "the Euclidean distance: the covariance is ignored",
                ),
            ],
        ),
    ],
)

register(average_path_length, mahalanobis)
