"""Greedy k-means++ seeding (Arthur & Vassilvitskii, 2007).

The k-means objective (inertia) of a set of centres C is the potential

    phi(C) = sum_i min_{c in C} ||x_i - c||^2.

k-means++ draws the first centre uniformly, then each next centre with probability
proportional to D(x)^2, the squared distance to the nearest centre chosen so far; this alone is
O(log k)-competitive with the optimal clustering in expectation. The greedy variant draws
``n_local_trials`` candidates from the same D^2 distribution and keeps the one that lowers the
potential most.
"""

from __future__ import annotations

import numpy as np


def squared_distances_to(points: np.ndarray, X: np.ndarray, x_squared_norms: np.ndarray):
    """||p - x||^2 for every point p (rows) and sample x (columns) through one GEMM.

    ||p - x||^2 = ||p||^2 - 2 p.x + ||x||^2; clipped at 0 because the expansion can round a
    true zero to a tiny negative number.
    """
    distances = np.dot(points, X.T)
    distances *= -2.0
    distances += np.einsum("ij,ij->i", points, points)[:, np.newaxis]
    distances += x_squared_norms[np.newaxis, :]
    np.maximum(distances, 0.0, out=distances)
    return distances


def kmeans_plusplus(
    X: np.ndarray,
    n_clusters: int,
    random_state: np.random.RandomState,
    n_local_trials: int | None = None,
    x_squared_norms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose ``n_clusters`` rows of ``X`` as initial centres by greedy k-means++.

    Returns ``(centers, indices)`` with ``centers = X[indices]``. The random draws are, in
    order, one ``choice`` for the first centre and one ``uniform(size=n_local_trials)`` per
    further centre, so a ``RandomState`` seeded like scikit-learn's gives the same seeding.
    """
    n_samples = X.shape[0]
    if x_squared_norms is None:
        x_squared_norms = np.einsum("ij,ij->i", X, X)
    if n_local_trials is None:
        # 2 + log k trials: the choice of Arthur & Vassilvitskii's experiments.
        n_local_trials = 2 + int(np.log(n_clusters))

    indices = np.full(n_clusters, -1, dtype=np.intp)
    # First centre uniformly (written as a draw with uniform probabilities: the sample-weighted
    # form of the algorithm with unit weights).
    indices[0] = random_state.choice(n_samples, p=np.full(n_samples, 1.0 / n_samples))
    closest_squared = squared_distances_to(X[indices[:1]], X, x_squared_norms)[0]
    potential = closest_squared.sum()

    for c in range(1, n_clusters):
        # Candidates drawn with probability D(x)^2 / phi by inverting the cumulative sum.
        thresholds = random_state.uniform(size=n_local_trials) * potential
        candidates = np.searchsorted(np.cumsum(closest_squared), thresholds)
        np.clip(candidates, None, n_samples - 1, out=candidates)  # rounding at the top end

        # Potential after adding each candidate; keep the candidate that lowers it most.
        with_candidate = squared_distances_to(X[candidates], X, x_squared_norms)
        np.minimum(closest_squared, with_candidate, out=with_candidate)
        potentials = with_candidate.sum(axis=1)
        best = int(np.argmin(potentials))
        potential = potentials[best]
        closest_squared = with_candidate[best]
        indices[c] = candidates[best]

    return X[indices].copy(), indices
