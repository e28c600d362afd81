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

from glassml._scaling import scale_of
from glassml._validation import check_count, check_named_array, check_seed


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
    random_state=None,
    n_local_trials: int | None = None,
    x_squared_norms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose ``n_clusters`` rows of ``X`` as initial centres by greedy k-means++.

    Returns ``(centers, indices)`` with ``centers = X[indices]``. The random draws are, in
    order, one ``choice`` for the first centre and one ``uniform(size=n_local_trials)`` per
    further centre, so a ``RandomState`` seeded like scikit-learn's gives the same seeding.
    ``random_state`` is an int, a RandomState or None. The D^2 distances are computed on X
    divided by a power of two near its typical magnitude (the same draws at any scale).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> centers, indices = kmeans_plusplus(X, 2, random_state=0)
    >>> sorted(int(i) // 2 for i in indices)  # one seed in each pair
    [0, 1]
    """
    X = check_named_array(X, "X", dtype=np.float64)
    n_clusters = check_count(n_clusters, "n_clusters")
    if n_clusters > X.shape[0]:
        raise ValueError(
            f"n_clusters: expected at most n_samples = {X.shape[0]} centres, got {n_clusters}"
        )
    random_state = check_seed(random_state)
    if n_local_trials is not None:
        n_local_trials = check_count(n_local_trials, "n_local_trials")
    unit = scale_of(X)
    if x_squared_norms is not None:
        x_squared_norms = check_named_array(
            x_squared_norms, "x_squared_norms", dtype=np.float64, ensure_2d=False
        )
        if x_squared_norms.shape != (X.shape[0],):
            raise ValueError(
                f"x_squared_norms: expected shape ({X.shape[0]},) (one per row of X), got "
                f"{x_squared_norms.shape}"
            )
        x_squared_norms = x_squared_norms / unit / unit
    indices = kmeans_plusplus_indices(
        X / unit if unit != 1.0 else X, n_clusters, random_state, n_local_trials, x_squared_norms
    )
    return X[indices].copy(), indices


def kmeans_plusplus_indices(X, n_clusters, random_state, n_local_trials, x_squared_norms):
    """The seeding itself, on validated X (the estimators' path; see kmeans_plusplus)."""
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
    return indices
