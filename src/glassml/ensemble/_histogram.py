"""Gradient histograms: per feature and bin, the sums of g, of h and the sample count.

For a node with samples S, feature f and bin b:

    hist[f, b] = (sum_{i in S, bin_f(x_i) = b} g_i,  sum_{...} h_i,  #{i in S : bin_f(x_i) = b}).

Every split of the node is scored from these sums alone (``_grower.py``), so building them is
the only pass over the data per node: O(|S| n_features). Two savings make it cheap. A child's
histogram is its parent's minus its sibling's, so only the smaller child is ever built (at
most half the parent's samples), and the larger one costs O(n_features n_bins). And the node's
gradients are first gathered into contiguous "ordered" arrays, so the inner loop over samples
reads g and h sequentially and only the bin byte at random. With a constant Hessian (unweighted
squared or absolute error) the h column is the count and is not summed at all.

Large nodes are split between threads feature by feature (numba ``prange``), small ones run on
one thread: a parallel region costs more than a small histogram.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Work (samples x features) below which one thread builds the histogram.
PARALLEL_WORK = 200_000


@njit(cache=True, nogil=True)
def _features(binned, indices, start, stop, og, oh, hist, first, last, constant_hessian, root):
    """Histograms of features first..last-1 over samples indices[start:stop]; og / oh hold
    their gradients and Hessians in that order (at the root: all rows, in order)."""
    n = stop - start
    for f in range(first, last):
        out = hist[f]
        out[:] = 0.0
        column = binned[f]
        if root:
            if constant_hessian:
                for i in range(n):
                    b = column[i]
                    out[b, 0] += og[i]
                    out[b, 2] += 1.0
            else:
                for i in range(n):
                    b = column[i]
                    out[b, 0] += og[i]
                    out[b, 1] += oh[i]
                    out[b, 2] += 1.0
        elif constant_hessian:
            for k in range(n):
                b = column[indices[start + k]]
                out[b, 0] += og[k]
                out[b, 2] += 1.0
        else:
            for k in range(n):
                b = column[indices[start + k]]
                out[b, 0] += og[k]
                out[b, 1] += oh[k]
                out[b, 2] += 1.0


@njit(cache=True, nogil=True, parallel=True)
def _features_parallel(
    binned, indices, start, stop, og, oh, hist, n_chunks, constant_hessian, root
):
    n_features = binned.shape[0]
    for c in prange(n_chunks):
        first = c * n_features // n_chunks
        last = (c + 1) * n_features // n_chunks
        _features(binned, indices, start, stop, og, oh, hist, first, last, constant_hessian, root)


@njit(cache=True, nogil=True)
def _gather(indices, start, gradient, hessian, og, oh, first, last, constant_hessian):
    """og[k] = gradient[indices[start + k]] (and oh) for k in first..last-1."""
    for k in range(first, last):
        i = indices[start + k]
        og[k] = gradient[i]
        if not constant_hessian:
            oh[k] = hessian[i]


@njit(cache=True, nogil=True, parallel=True)
def _gather_parallel(indices, start, n, gradient, hessian, og, oh, n_chunks, constant_hessian):
    for c in prange(n_chunks):
        _gather(
            indices, start, gradient, hessian, og, oh, c * n // n_chunks,
            (c + 1) * n // n_chunks, constant_hessian,
        )  # fmt: skip


@njit(cache=True, nogil=True)
def build(
    binned, indices, start, stop, gradient, hessian, og, oh, hist, constant_hessian, n_threads, root
):
    """Histogram of the node holding samples indices[start:stop] into ``hist``
    (n_features, n_bins, 3). At the root the samples are all rows in order (no gather)."""
    n_features = binned.shape[0]
    n_chunks = min(n_threads, n_features)
    parallel = n_chunks > 1 and (stop - start) * n_features >= PARALLEL_WORK
    if root:
        g, h = gradient, hessian
    else:
        n = stop - start
        if parallel:
            _gather_parallel(indices, start, n, gradient, hessian, og, oh, n_chunks,
                             constant_hessian)  # fmt: skip
        else:
            _gather(indices, start, gradient, hessian, og, oh, np.int64(0), n, constant_hessian)
        g, h = og, oh
    if parallel:
        _features_parallel(
            binned, indices, start, stop, g, h, hist, n_chunks, constant_hessian, root
        )
    else:
        # np.int64(0), not 0: a literal would compile a second _features (and _gather above).
        _features(
            binned, indices, start, stop, g, h, hist, np.int64(0), n_features, constant_hessian,
            root,
        )  # fmt: skip


@njit(cache=True, nogil=True)
def subtract(parent, child):
    """parent -= child: the sibling's histogram, in the parent's storage."""
    flat_parent = parent.reshape(-1)
    flat_child = child.reshape(-1)
    for j in range(flat_parent.shape[0]):
        flat_parent[j] -= flat_child[j]


@njit(cache=True, nogil=True)
def pairwise_sum(a):
    """NumPy's pairwise summation of a strided 1-D view (the same rounding as ``a.sum()``)."""
    n = a.shape[0]
    if n < 8:
        total = 0.0
        for i in range(n):
            total += a[i]
        return total
    if n <= 128:
        r = np.empty(8)
        for j in range(8):
            r[j] = a[j]
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        total = (r[0] + r[1]) + (r[2] + r[3]) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            total += a[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(a[:half]) + pairwise_sum(a[half:])
