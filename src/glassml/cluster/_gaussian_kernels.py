"""Compiled kernels of EM for Gaussian mixtures with full (or tied) covariances.

Both run over chunks of samples small enough to stay in cache, each chunk's work being GEMMs;
each worker thread takes every n_workers-th chunk and keeps its own partial results.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from glassml._threads import kernel_threads
from glassml.cluster._lloyd_kernels import kernel_array


def chunk_rows(n_columns: int) -> int:
    """Rows per chunk so that a (rows x n_columns) float64 block is about 2 MiB."""
    return int(np.clip(262_144 // max(n_columns, 1), 16, 4096))


def mahalanobis_full(X, projections, offsets, n_components: int, chunk_size: int):
    """Squared Mahalanobis distances ||(x_i - mu_k) P_k||^2 for all samples and components.

    ``projections`` is [P_1 | ... | P_K] (n_features x K n_features), the precision Cholesky
    factors side by side, and ``offsets`` is [mu_1 P_1, ..., mu_K P_K]; one GEMM per chunk
    gives x P_k for every k at once, and the distance is the squared norm of x P_k - mu_k P_k.
    """
    with kernel_threads(X.shape[0] * projections.shape[1] * X.shape[1]):
        return _mahalanobis_full(
            kernel_array(X),
            kernel_array(projections),
            kernel_array(offsets),
            n_components,
            chunk_size,
        )


@njit(cache=True, parallel=True)
def _mahalanobis_full(X, projections, offsets, n_components, chunk_size):
    n_samples, n_features = X.shape
    distances = np.empty((n_samples, n_components))
    n_chunks = (n_samples + chunk_size - 1) // chunk_size
    for chunk in prange(n_chunks):
        start = chunk * chunk_size
        stop = min(start + chunk_size, n_samples)
        projected = np.dot(X[start:stop], projections)
        for row in range(stop - start):
            for k in range(n_components):
                base = k * n_features
                total = 0.0
                for j in range(n_features):
                    residual = projected[row, base + j] - offsets[base + j]
                    total += residual * residual
                distances[start + row, k] = total
    return distances


def weighted_scatter(X, resp, means, chunk_size: int):
    """S_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T for every component k, shape (K, d, d).

    Per chunk and component, D = sqrt(r_k) * (X_chunk - mu_k) and S_k += D^T D: a GEMM on
    exactly centred differences (no E[x x^T] - mu mu^T cancellation).
    """
    with kernel_threads(X.size * X.shape[1] * means.shape[0]) as n_threads:
        return _weighted_scatter(
            kernel_array(X), kernel_array(resp), kernel_array(means), chunk_size, n_threads
        )


@njit(cache=True, parallel=True)
def _weighted_scatter(X, resp, means, chunk_size, n_threads):
    n_samples, n_features = X.shape
    n_components = means.shape[0]
    n_chunks = (n_samples + chunk_size - 1) // chunk_size
    n_workers = max(1, min(n_threads, n_chunks))
    partial = np.zeros((n_workers, n_components, n_features, n_features))
    for worker in prange(n_workers):
        centred = np.empty((chunk_size, n_features))
        for chunk in range(worker, n_chunks, n_workers):
            start = chunk * chunk_size
            stop = min(start + chunk_size, n_samples)
            rows = stop - start
            for k in range(n_components):
                for row in range(rows):
                    weight = np.sqrt(resp[start + row, k])
                    for j in range(n_features):
                        centred[row, j] = weight * (X[start + row, j] - means[k, j])
                block = centred[:rows]
                partial[worker, k] += np.dot(block.T, block)
    return partial.sum(axis=0)


def log_normalise_rows(weighted: np.ndarray) -> np.ndarray:
    """Per row, log s_i = log sum_k exp(w_ik) and w_ik - log s_i (in place).

    Shifting by the row maximum m_i, log s_i = m_i + log sum_k exp(w_ik - m_i): every
    exponent is <= 0, so nothing overflows, and the largest term is exactly 1.
    Returns log s; ``weighted`` (C-contiguous float64) then holds the log-responsibilities.
    """
    with kernel_threads(10 * weighted.size):  # an exp and a log cost ~10 multiply-adds
        return _log_normalise_rows(weighted)


@njit(cache=True, parallel=True)
def _log_normalise_rows(weighted):
    n_samples, n_components = weighted.shape
    log_sums = np.empty(n_samples)
    for i in prange(n_samples):
        row_max = weighted[i, 0]
        for k in range(1, n_components):
            row_max = max(row_max, weighted[i, k])
        if not np.isfinite(row_max):
            row_max = 0.0
        total = 0.0
        for k in range(n_components):
            total += np.exp(weighted[i, k] - row_max)
        log_sum = row_max + np.log(total)
        log_sums[i] = log_sum
        for k in range(n_components):
            weighted[i, k] -= log_sum
    return log_sums
