"""Path-dependent TreeSHAP (Lundberg et al. 2020, Algorithm 2), compiled with Numba.

The trees of an ensemble are concatenated into flat node arrays (``children_left``,
``children_right``, ``feature``, ``threshold``, ``value``, ``cover``, ``missing_left``) with
the root of tree t at ``roots[t]``. ``value`` already carries each tree's weight in the
ensemble (1/T for a forest's mean, the learning rate for boosting) and has one column per
output.

The recursion follows the paper. Walking from the root, the algorithm keeps the *path* of
unique features split on so far; element i of the path holds the feature d_i, the fraction z_i
of "zero" paths (the feature not in the coalition: the share of training cover that flows that
way) and o_i of "one" paths (the feature in the coalition: 1 if x goes that way, else 0), and
the weights w of all subset sizes, extended one feature at a time (EXTEND) so that at a leaf

    phi_{d_i} += (o_i - z_i) v_leaf * sum of UNWIND(path, i).w,

the Shapley weight of the leaf's value summed over every coalition size in O(D) per element.
A feature met twice on a path is first unwound, then re-extended with the product of its
fractions. Cost O(T L D^2) per row for T trees of L leaves and depth D.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _extend(feature, zero, one, weight, start, depth, zero_fraction, one_fraction, index):
    """EXTEND: append (index, zero_fraction, one_fraction) to the path at offset ``start``."""
    p = start + depth
    feature[p] = index
    zero[p] = zero_fraction
    one[p] = one_fraction
    weight[p] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        weight[start + i + 1] += one_fraction * weight[start + i] * (i + 1) / (depth + 1)
        weight[start + i] = zero_fraction * weight[start + i] * (depth - i) / (depth + 1)


@numba.njit(cache=True)
def _unwind(feature, zero, one, weight, start, depth, path_index):
    """UNWIND: remove element ``path_index``, undoing its EXTEND (the path shrinks by one)."""
    one_fraction = one[start + path_index]
    zero_fraction = zero[start + path_index]
    next_one = weight[start + depth]
    for i in range(depth - 1, -1, -1):
        if one_fraction != 0.0:
            tmp = weight[start + i]
            weight[start + i] = next_one * (depth + 1) / ((i + 1) * one_fraction)
            next_one = tmp - weight[start + i] * zero_fraction * (depth - i) / (depth + 1)
        else:
            weight[start + i] = weight[start + i] * (depth + 1) / (zero_fraction * (depth - i))
    for i in range(path_index, depth):
        feature[start + i] = feature[start + i + 1]
        zero[start + i] = zero[start + i + 1]
        one[start + i] = one[start + i + 1]


@numba.njit(cache=True)
def _unwound_sum(zero, one, weight, start, depth, path_index):
    """Sum of UNWIND(path, path_index).w without modifying the path."""
    one_fraction = one[start + path_index]
    zero_fraction = zero[start + path_index]
    next_one = weight[start + depth]
    total = 0.0
    if one_fraction != 0.0:
        for i in range(depth - 1, -1, -1):
            tmp = next_one / ((i + 1) * one_fraction)
            total += tmp
            next_one = weight[start + i] - tmp * zero_fraction * (depth - i)
    else:
        for i in range(depth - 1, -1, -1):
            total += weight[start + i] / (zero_fraction * (depth - i))
    return total * (depth + 1)


@numba.njit(cache=True)
def _goes_left(x, node, feature, threshold, missing_left):
    value = x[feature[node]]
    if np.isnan(value):
        return missing_left[node] == 1
    return value <= threshold[node]


@numba.njit(cache=True)
def _tree(
    x, phi, root, feature_path, zero, one, weight, frames, fractions,
    left, right, feature, threshold, value, cover, missing_left,
):  # fmt: skip
    """RECURSE of Algorithm 2 for one tree, with an explicit stack of calls.

    (Numba's cache cannot reload self-recursive functions, so the recursion is a loop.) A call
    is (node, depth, parent's path offset, feature index) in ``frames`` and its (zero, one)
    fractions in ``fractions``. Its own path lives just above its parent's, so a child's
    subtree never overwrites the path its sibling will copy.
    """
    frames[0, 0], frames[0, 1], frames[0, 2], frames[0, 3] = root, 0, 0, -1
    fractions[0, 0], fractions[0, 1] = 1.0, 1.0
    top = 1
    n_outputs = value.shape[1]
    while top > 0:
        top -= 1
        node, depth, start, index = frames[top, 0], frames[top, 1], frames[top, 2], frames[top, 3]
        zero_fraction, one_fraction = fractions[top, 0], fractions[top, 1]
        # Copy the parent's path to this level, then extend it by the edge that led here.
        new_start = start + depth + 1 if depth > 0 else start
        for i in range(depth):
            feature_path[new_start + i] = feature_path[start + i]
            zero[new_start + i] = zero[start + i]
            one[new_start + i] = one[start + i]
            weight[new_start + i] = weight[start + i]
        _extend(
            feature_path, zero, one, weight, new_start, depth, zero_fraction, one_fraction, index
        )
        if left[node] < 0:
            for i in range(1, depth + 1):
                w = _unwound_sum(zero, one, weight, new_start, depth, i)
                scale = w * (one[new_start + i] - zero[new_start + i])
                for k in range(n_outputs):
                    phi[feature_path[new_start + i], k] += scale * value[node, k]
            continue
        if _goes_left(x, node, feature, threshold, missing_left):
            hot, cold = left[node], right[node]
        else:
            hot, cold = right[node], left[node]
        split = feature[node]
        incoming_zero, incoming_one = 1.0, 1.0
        # A feature already on the path is unwound first and re-entered with both fractions.
        path_index = 0
        while path_index <= depth and feature_path[new_start + path_index] != split:
            path_index += 1
        if path_index <= depth:
            incoming_zero = zero[new_start + path_index]
            incoming_one = one[new_start + path_index]
            _unwind(feature_path, zero, one, weight, new_start, depth, path_index)
            depth -= 1
        # Push the cold child first so the hot one (and its whole subtree) runs before it.
        for child, one_in in ((cold, 0.0), (hot, incoming_one)):
            frames[top, 0], frames[top, 1], frames[top, 2], frames[top, 3] = (
                child,
                depth + 1,
                new_start,
                split,
            )
            fractions[top, 0] = cover[child] / cover[node] * incoming_zero
            fractions[top, 1] = one_in
            top += 1


@numba.njit(cache=True, parallel=True)
def tree_shap(X, roots, max_depth, left, right, feature, threshold, value, cover, missing_left):
    """phi of shape (n_rows, n_features, n_outputs), summed over the trees."""
    n_rows, n_features = X.shape
    n_outputs = value.shape[1]
    phi = np.zeros((n_rows, n_features, n_outputs))
    size = (max_depth + 2) * (max_depth + 3) // 2 + max_depth + 2
    for r in numba.prange(n_rows):
        feature_path = np.full(size, -1, dtype=np.int64)
        zero = np.zeros(size)
        one = np.zeros(size)
        weight = np.zeros(size)
        frames = np.empty((2 * max_depth + 4, 4), dtype=np.int64)
        fractions = np.empty((2 * max_depth + 4, 2))
        x = X[r]
        for t in range(roots.shape[0]):
            _tree(
                x, phi[r], roots[t], feature_path, zero, one, weight, frames, fractions,
                left, right, feature, threshold, value, cover, missing_left,
            )  # fmt: skip
    return phi


@numba.njit(cache=True)
def expected_value(roots, left, right, value, cover):
    """Sum over trees of each tree's expected output, shape (n_outputs,): the leaves' values
    weighted by the product of cover ratios on their paths (what Algorithm 2 treats as E f)."""
    total = np.zeros(value.shape[1])
    nodes = np.empty(left.shape[0], dtype=np.int64)
    probability = np.empty(left.shape[0])
    for t in range(roots.shape[0]):
        nodes[0], probability[0], top = roots[t], 1.0, 1
        while top > 0:
            top -= 1
            node, p = nodes[top], probability[top]
            if left[node] < 0:
                total += p * value[node]
                continue
            both = cover[left[node]] + cover[right[node]]
            for child in (left[node], right[node]):
                nodes[top], probability[top] = child, p * cover[child] / both
                top += 1
    return total


@numba.njit(cache=True, parallel=True)
def predict(X, roots, left, right, feature, threshold, value, missing_left):
    """Sum over trees of the leaf value each row reaches, shape (n_rows, n_outputs)."""
    out = np.zeros((X.shape[0], value.shape[1]))
    for r in numba.prange(X.shape[0]):
        for t in range(roots.shape[0]):
            node = roots[t]
            while left[node] >= 0:
                if _goes_left(X[r], node, feature, threshold, missing_left):
                    node = left[node]
                else:
                    node = right[node]
            out[r] += value[node]
    return out
