"""Anomaly detection: the isolation forest's path-length normaliser c(n) and anomaly score,
and the Mahalanobis distance. c(n) and the score are glassml.anomaly's (its IsolationForest
scores with them; c(n) is verified against scikit-learn's helper, the score against
IsolationForest.score_samples in ``tests/learn/test_references.py``); the distance is a plain
definition verified against scipy's mahalanobis there."""

from __future__ import annotations

import numpy as np

from glassml.anomaly._isolation import average_path_length as glassml_c
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
    return float(glassml_c([n])[0])


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


def isolation_score_reference(path_lengths, psi):
    """s = 2 ** (-E[h(x)] / c(psi)), as glassml.anomaly.IsolationForest scores (negated)."""
    return np.exp2(-path_lengths.mean(axis=1) / glassml_c([psi])[0])


@st.composite
def _path_lengths(draw):
    psi = draw(st.integers(3, 256))
    depth = int(np.ceil(np.log2(psi)))
    lengths = draw(matrices(st.integers(1, 4), st.integers(1, 5), grid(0, depth + 2, 0.5)))
    return lengths, psi


def _score_mistake(kind):
    def test(expected, obtained, h, psi):
        c = glassml_c([psi])[0]
        values = {
            "e": np.exp(-h.mean(axis=1) / c),
            "sum": np.exp2(-h.sum(axis=1) / c),
            "sign": np.exp2(h.mean(axis=1) / c),
            "n": np.exp2(-h.mean(axis=1) / glassml_c([h.shape[0]])[0]),
        }
        mine = values.pop(kind)
        others = [expected, *values.values()]
        return near(obtained, mine) and not any(near(obtained, other) for other in others)

    return test


isolation_score = Exercise(
    "anomaly/isolation-score",
    "The isolation forest's anomaly score",
    "isolation_score(path_lengths, psi)",
    lesson="anomaly/isolation-and-distance",
    summary="s(x) = 2 ** (-E[h(x)] / c(psi)): E[h(x)] is the mean over the trees of the path "
    "length isolating x (a row of path_lengths), psi the trees' subsample size.",
    checks=[
        agrees(
            "agrees with glassml.anomaly.IsolationForest's score",
            _path_lengths(),
            isolation_score_reference,
            rtol=1e-9,
            hint="Average each point's path lengths over the trees (axis 1), divide by c(psi), "
            "the mean path length of a tree grown on psi points, and take 2 to minus that: "
            "near 1 for points isolated quickly (anomalies), near 1/2 for typical ones.",
            diagnoses=[
                (_score_mistake("e"), "the base is e; the score is a power of 2"),
                (_score_mistake("sum"), "the path lengths were summed; average them"),
                (_score_mistake("sign"), "the exponent's sign: s = 2 ** (-E[h] / c(psi))"),
                (
                    _score_mistake("n"),
                    "c of the number of points scored; c(psi) belongs to the trees' subsample",
                ),
            ],
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

register(average_path_length, isolation_score, mahalanobis)
