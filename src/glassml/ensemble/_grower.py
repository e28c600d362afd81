"""One boosting tree, grown leaf by leaf from gradient histograms (Newton's step per leaf).

Expanding the loss around the current scores F to second order, adding a tree f costs

    L(F + f) ~ L(F) + sum_i [g_i f(x_i) + h_i f(x_i)^2 / 2] + lambda/2 sum_leaves w_j^2.

For a leaf j holding samples with gradient sum G_j and Hessian sum H_j the bracket is
G_j w_j + (H_j + lambda) w_j^2 / 2, minimised by the Newton step w_j = -G_j / (H_j + lambda),
where it equals -G_j^2 / (2 (H_j + lambda)). Splitting a leaf into L and R therefore lowers
the approximate loss by

    gain / 2,   gain = G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda) - G^2 / (H + lambda)

(Chen & Guestrin, 2016, eq. 7). Written through the leaf values, gain = G v - G_L v_L - G_R v_R,
which stays the right comparison when monotonic constraints clip the values into bounds.

The tree grows leaf-wise (best-first, Ke et al., 2017): the leaf whose best split has the
largest gain is split next, until ``max_leaf_nodes`` leaves, ``max_depth``, or no split gains.
A split candidate is "bin <= b goes left" for every feature and bin, with the missing-value
bin sent right (scan from the left) and, when the feature had missing values, also sent left
(scan from the right): the direction is learned. Candidates leaving a child fewer than
``min_samples_leaf`` samples or a Hessian sum below ``min_hessian`` are skipped. A leaf's value
is the learning rate times its Newton step.

The sample indices of a node are a contiguous range of one array, partitioned in place (stably)
at each split; the leaf ranges say which training samples each leaf's value is added to. The
rules and the order of every floating-point sum follow scikit-learn's grower.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from glassml._growth import grown
from glassml.ensemble._histogram import build, pairwise_sum, subtract
from glassml.tree._nodes import add_node, new_nodes, set_split

NO_CONSTRAINT, INCREASING, DECREASING = 0, 1, -1


@njit(cache=True, nogil=True)
def node_value(g, h, lower, upper, l2):
    """Newton step -G / (H + lambda), clipped into [lower, upper] (monotonic bounds)."""
    v = -g / (h + l2 + 1e-15)
    if v < lower:
        return lower
    if v > upper:
        return upper
    return v


@njit(cache=True, nogil=True)
def _gain(gl, hl, gr, hr, parent_loss, constraint, lower, upper, l2):
    vl = node_value(gl, hl, lower, upper, l2)
    vr = node_value(gr, hr, lower, upper, l2)
    if (constraint == INCREASING and vl > vr) or (constraint == DECREASING and vl < vr):
        return -1.0
    return parent_loss - gl * vl - gr * vr


@njit(cache=True, nogil=True)
def best_split(
    hist,
    n,
    g,
    h,
    value,
    lower,
    upper,
    n_bins_non_missing,
    has_missing,
    monotonic_cst,
    constant_hessian,
    min_samples_leaf,
    min_hessian,
    l2,
    out,
):
    """Best (feature, bin, missing_go_to_left) of a node from its histogram.

    ``out`` = [gain, feature, bin, missing_left, G_left, H_left, n_left]; gain -1: no split.
    """
    out[0] = -1.0
    parent_loss = g * value
    for f in range(hist.shape[0]):
        hf = hist[f]
        constraint = monotonic_cst[f]
        # Missing values (the last bin) go right: left = bins 0..b.
        gl = 0.0
        hl = 0.0
        nl = 0.0
        for b in range(n_bins_non_missing[f] - 1 + has_missing[f]):
            if hf[b, 2] == 0.0:
                continue  # an empty bin splits the node as the bin before it did
            nl += hf[b, 2]
            hl += hf[b, 2] if constant_hessian else hf[b, 1]
            gl += hf[b, 0]
            nr = n - nl
            hr = h - hl
            if nl < min_samples_leaf:
                continue
            if nr < min_samples_leaf:
                break
            if hl < min_hessian:
                continue
            if hr < min_hessian:
                break
            gain = _gain(gl, hl, g - gl, hr, parent_loss, constraint, lower, upper, l2)
            if gain > out[0] and gain > 0.0:
                out[0], out[1], out[2], out[3] = gain, f, b, 0.0
                out[4], out[5], out[6] = gl, hl, nl
        if not has_missing[f]:
            continue
        # Missing values go left: right = bins b+1..last non-missing.
        gr = 0.0
        hr = 0.0
        nr = 0.0
        for b in range(n_bins_non_missing[f] - 2, -1, -1):
            if hf[b + 1, 2] == 0.0:
                continue
            nr += hf[b + 1, 2]
            hr += hf[b + 1, 2] if constant_hessian else hf[b + 1, 1]
            gr += hf[b + 1, 0]
            nl = n - nr
            hl = h - hr
            if nr < min_samples_leaf:
                continue
            if nl < min_samples_leaf:
                break
            if hr < min_hessian:
                continue
            if hl < min_hessian:
                break
            gl = g - gr
            gain = _gain(gl, hl, gr, hr, parent_loss, constraint, lower, upper, l2)
            if gain > out[0] and gain > 0.0:
                out[0], out[1], out[2], out[3] = gain, f, b, 1.0
                out[4], out[5], out[6] = gl, hl, nl


@njit(cache=True, nogil=True)
def _partition(binned_f, indices, start, stop, threshold_bin, missing_bin, missing_left, buffer):
    """Stable in-place partition of indices[start:stop]; returns the first right position."""
    k = start
    r = 0
    for p in range(start, stop):
        i = indices[p]
        b = binned_f[i]
        if b <= threshold_bin or (missing_left and b == missing_bin):
            indices[k] = i
            k += 1
        else:
            buffer[r] = i
            r += 1
    for j in range(r):  # a loop, not a slice assignment (see glassml._growth.grown)
        indices[k + j] = buffer[j]
    return k


@njit(cache=True, nogil=True)
def _take_slot(pool, free):
    """A free histogram slot (the pool doubles when none is left)."""
    if len(free) == 0:
        old = pool.shape[0]
        pool = grown(pool, 2 * old, 0.0)
        for s in range(2 * old - 1, old - 1, -1):
            free.append(s)
    return pool, free.pop()


@njit(cache=True, nogil=True)
def grow_tree(
    binned,
    gradient,
    hessian,
    weight,
    constant_hessian,
    indices,
    og,
    oh,
    buffer,
    pool,
    n_bins_non_missing,
    has_missing,
    missing_bin,
    monotonic_cst,
    edges,
    n_edges,
    max_leaf_nodes,
    max_depth,
    min_samples_leaf,
    min_hessian,
    l2,
    shrinkage,
    n_threads,
):
    """Grow one tree on the gradients and Hessians of one output.

    Returns ``(nodes, node_count, leaf_start, leaf_stop, pool)``: the node arrays (values are
    already multiplied by ``shrinkage``), each node's range in ``indices`` (partitioned in
    place), and the histogram pool for reuse.
    """
    n_samples = binned.shape[1]
    capacity = 2 * max_leaf_nodes + 1
    start = np.zeros(capacity, dtype=np.int64)
    stop = np.zeros(capacity, dtype=np.int64)
    depth = np.zeros(capacity, dtype=np.int64)
    sum_g = np.zeros(capacity)
    sum_h = np.zeros(capacity)
    value = np.zeros(capacity)
    lower = np.full(capacity, -np.inf)  # bounds on the values of the node's children
    upper = np.full(capacity, np.inf)
    slot = np.full(capacity, -1, dtype=np.int64)
    split = np.zeros((capacity, 7))
    nodes = new_nodes(capacity, np.int64(1))
    free = [np.int64(s) for s in range(pool.shape[0] - 1, -1, -1)]

    for i in range(n_samples):
        indices[i] = i
    pool, slot[0] = _take_slot(pool, free)
    # Typed arguments (np.int64, np.bool_) rather than literals here and below: Numba would
    # otherwise compile build() and add_node() once more for each constant they receive.
    build(
        binned,
        indices,
        np.int64(0),
        n_samples,
        gradient,
        hessian,
        og,
        oh,
        pool[slot[0]],
        constant_hessian,
        n_threads,
        np.bool_(True),
    )
    # The root's sums, from one feature's histogram (as scikit-learn sums them).
    sum_g[0] = pairwise_sum(pool[slot[0], 0, :, 0])
    sum_h[0] = n_samples * 1.0 if constant_hessian else pairwise_sum(pool[slot[0], 0, :, 1])
    stop[0] = n_samples
    nodes, _ = add_node(nodes, np.int64(0), np.int64(-1), np.bool_(False), 0.0, n_samples, 0.0)
    node_count = np.int64(1)

    heap = [(0.0, np.int64(0))]
    heap.pop()
    if n_samples >= 2 * min_samples_leaf and sum_h[0] >= min_hessian:
        best_split(
            pool[slot[0]],
            n_samples,
            sum_g[0],
            sum_h[0],
            0.0,
            lower[0],
            upper[0],
            n_bins_non_missing,
            has_missing,
            monotonic_cst,
            constant_hessian,
            min_samples_leaf,
            min_hessian,
            l2,
            split[0],
        )
        if split[0, 0] > 0.0:
            heapq.heappush(heap, (-split[0, 0], np.int64(0)))
    n_leaves = 1
    while len(heap) > 0:
        _, node = heapq.heappop(heap)
        feature = np.int64(split[node, 1])
        bin_ = np.int64(split[node, 2])
        missing_left = split[node, 3] > 0.0
        middle = _partition(
            binned[feature],
            indices,
            start[node],
            stop[node],
            bin_,
            missing_bin,
            missing_left,
            buffer,
        )
        n_left = middle - start[node]
        n_right = stop[node] - middle
        if not has_missing[feature]:
            # No missing value was seen: at prediction they follow the majority.
            missing_left = n_left > n_right
        threshold = edges[feature, bin_] if bin_ < n_edges[feature] else np.inf
        set_split(nodes, node, feature, threshold, missing_left)

        children = np.empty(2, dtype=np.int64)
        for side in range(2):
            nodes, child = add_node(nodes, node_count, node, side == 0, 0.0, np.int64(0), 0.0)
            node_count += 1
            children[side] = child
            depth[child] = depth[node] + 1
        left, right = children[0], children[1]
        start[left], stop[left] = start[node], middle
        start[right], stop[right] = middle, stop[node]
        sum_g[left], sum_h[left] = split[node, 4], split[node, 5]
        sum_g[right], sum_h[right] = sum_g[node] - split[node, 4], sum_h[node] - split[node, 5]
        value[left] = node_value(sum_g[left], sum_h[left], lower[node], upper[node], l2)
        value[right] = node_value(sum_g[right], sum_h[right], lower[node], upper[node], l2)
        n_leaves += 1

        if n_leaves == max_leaf_nodes:
            break
        if depth[left] == max_depth:
            free.append(slot[node])
            continue
        split_left = n_left >= 2 * min_samples_leaf
        split_right = n_right >= 2 * min_samples_leaf
        if monotonic_cst[feature] == NO_CONSTRAINT:
            lower[left] = lower[right] = lower[node]
            upper[left] = upper[right] = upper[node]
        else:
            mid = (value[left] + value[right]) / 2.0
            if monotonic_cst[feature] == INCREASING:
                lower[left], upper[left] = lower[node], mid
                lower[right], upper[right] = mid, upper[node]
            else:
                lower[left], upper[left] = mid, upper[node]
                lower[right], upper[right] = lower[node], mid
        if not (split_left or split_right):
            free.append(slot[node])
            continue
        # Build the smaller child; the larger is the parent minus it, in the parent's slot.
        small, large = (left, right) if n_left < n_right else (right, left)
        pool, slot[small] = _take_slot(pool, free)
        build(
            binned,
            indices,
            start[small],
            stop[small],
            gradient,
            hessian,
            og,
            oh,
            pool[slot[small]],
            constant_hessian,
            n_threads,
            np.bool_(False),
        )
        slot[large] = slot[node]
        subtract(pool[slot[large]], pool[slot[small]])
        for child, wanted in ((left, split_left), (right, split_right)):
            if wanted:
                best_split(
                    pool[slot[child]],
                    stop[child] - start[child],
                    sum_g[child],
                    sum_h[child],
                    value[child],
                    lower[child],
                    upper[child],
                    n_bins_non_missing,
                    has_missing,
                    monotonic_cst,
                    constant_hessian,
                    min_samples_leaf,
                    min_hessian,
                    l2,
                    split[child],
                )
            if wanted and split[child, 0] > 0.0:
                heapq.heappush(heap, (-split[child, 0], child))
            else:
                free.append(slot[child])

    # Values (shrunk), sample counts and weights of every node; children follow parents.
    leaf_start = start[:node_count].copy()
    leaf_stop = stop[:node_count].copy()
    for node in range(node_count - 1, -1, -1):
        nodes[8][node, 0] = shrinkage * value[node]
        nodes[5][node] = stop[node] - start[node]
        left = nodes[0][node]
        if left == -1:
            w = 0.0
            for p in range(start[node], stop[node]):
                w += weight[indices[p]]
            nodes[6][node] = w
        else:
            nodes[6][node] = nodes[6][left] + nodes[6][nodes[1][node]]
    return nodes, node_count, leaf_start, leaf_stop, pool
