"""Compiled kernels of Lloyd's assignment step, run over memory-bounded chunks of samples.

The distance from x to centre c is expanded as ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2, so the
work of a chunk is one GEMM (chunk x n_features) @ (n_features x n_clusters); the arg-min does
not need ||x||^2. Each worker thread takes every n_workers-th chunk and keeps its own partial
sums, so memory stays at n_workers x (n_clusters x n_features) whatever the data size.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from glassml._threads import kernel_threads

# 256 rows x 32 features x 8 bytes = 64 KiB per chunk of X: the chunk and its distance block
# stay in cache while the chunk is assigned and accumulated.
CHUNK_SIZE = 256
# Measured on the shared 2-core machine (200,000 x 32, k=16): one thread 0.57-0.92 x
# scikit-learn's time under load and 1.0 x when idle; two threads 0.57 x idle but 1.4-4.6 x
# under load (a descheduled thread stalls the step). One thread is the robust choice here.
LLOYD_THREADS = 1


def assign_and_accumulate(X, x_squared_norms, centers, labels, accumulate: bool):
    """Nearest centre of every sample; optionally the per-cluster sums and counts.

    Writes ``labels`` in place and returns ``(center_sums, counts, inertia)`` where
    ``inertia = sum_i ||x_i - c_{label_i}||^2`` evaluated through the expansion.
    """
    with kernel_threads(X.size * centers.shape[0], max_threads=LLOYD_THREADS) as n_threads:
        return _assign_and_accumulate(
            kernel_array(X),
            kernel_array(x_squared_norms),
            kernel_array(centers),
            labels,
            accumulate,
            n_threads,
        )


def kernel_array(array: np.ndarray) -> np.ndarray:
    """The array itself if C-contiguous, writeable float64, else such a copy.

    numba compiles each array type (layout, read-only flag) separately; one type per argument
    keeps every kernel at one compiled signature, compiled once and cached.
    """
    return np.require(array, dtype=np.float64, requirements=["C", "W"])


@njit(cache=True, parallel=True)
def _assign_and_accumulate(X, x_squared_norms, centers, labels, accumulate, n_threads):
    n_samples, n_features = X.shape
    n_clusters = centers.shape[0]
    centers_t = np.ascontiguousarray(centers.T)
    center_squared_norms = np.empty(n_clusters)
    for k in range(n_clusters):
        center_squared_norms[k] = np.dot(centers[k], centers[k])

    n_chunks = (n_samples + CHUNK_SIZE - 1) // CHUNK_SIZE
    n_workers = max(1, min(n_threads, n_chunks))
    partial_sums = np.zeros((n_workers, n_clusters, n_features))
    partial_counts = np.zeros((n_workers, n_clusters))
    partial_inertia = np.zeros(n_workers)
    for worker in prange(n_workers):
        for chunk in range(worker, n_chunks, n_workers):
            start = chunk * CHUNK_SIZE
            stop = min(start + CHUNK_SIZE, n_samples)
            dots = np.dot(X[start:stop], centers_t)
            for row in range(stop - start):
                best = 0
                best_distance = center_squared_norms[0] - 2.0 * dots[row, 0]
                for k in range(1, n_clusters):
                    distance = center_squared_norms[k] - 2.0 * dots[row, k]
                    if distance < best_distance:
                        best_distance = distance
                        best = k
                sample = start + row
                labels[sample] = best
                partial_inertia[worker] += max(best_distance + x_squared_norms[sample], 0.0)
                if accumulate:
                    partial_counts[worker, best] += 1.0
                    for feature in range(n_features):
                        partial_sums[worker, best, feature] += X[sample, feature]
    return partial_sums.sum(axis=0), partial_counts.sum(axis=0), partial_inertia.sum()


def squared_distances_to_assigned(X, centers, labels):
    """||x_i - c_{label_i}||^2 by direct differences (no expansion, so no cancellation)."""
    with kernel_threads(X.size):
        return _squared_distances_to_assigned(kernel_array(X), kernel_array(centers), labels)


@njit(cache=True, parallel=True)
def _squared_distances_to_assigned(X, centers, labels):
    n_samples, n_features = X.shape
    distances = np.empty(n_samples)
    for sample in prange(n_samples):
        center = centers[labels[sample]]
        total = 0.0
        for feature in range(n_features):
            difference = X[sample, feature] - center[feature]
            total += difference * difference
        distances[sample] = total
    return distances
