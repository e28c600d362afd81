"""Minimal cost-complexity pruning (Breiman et al., 1984, ch. 3).

For a subtree T with leaves L(T), the cost-complexity is R_alpha(T) = R(T) + alpha |L(T)|,
where R(T) = sum_{leaves l} (W_l / W) i(l) is the weighted impurity of its leaves. Collapsing
the branch T_t below an internal node t into a leaf changes R by R(t) - R(T_t) >= 0 and saves
|L(T_t)| - 1 leaves, so it pays once alpha reaches the node's effective alpha

    alpha_eff(t) = (R(t) - R(T_t)) / (|L(T_t)| - 1).

Weakest-link pruning collapses the internal node of smallest alpha_eff, updates the branches
above it, and repeats until only the root is left. The sequence of alpha_eff values (the
"pruning path") is increasing, and the tree pruned at ``ccp_alpha`` is the last one on the
path whose alpha_eff does not exceed ``ccp_alpha``. The loop is scikit-learn's, so the path
and the pruned tree are the same.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.tree._nodes import LEAF, Tree


@njit(cache=True, nogil=True)
def _weakest_link(left, right, weighted, impurity, ccp_alpha, record_path):
    """Run weakest-link pruning; returns (leaves of the pruned subtree, path alphas, path
    impurities). With ``record_path`` it prunes to the root; otherwise it stops before the
    first alpha_eff above ``ccp_alpha``."""
    n_nodes = left.shape[0]
    total = weighted[0]
    r_node = weighted * impurity / total
    parent = np.full(n_nodes, -1, dtype=np.int64)
    leaves = np.zeros(n_nodes, dtype=np.uint8)
    n_leaves = np.zeros(n_nodes, dtype=np.int64)
    r_branch = np.zeros(n_nodes)
    in_subtree = np.ones(n_nodes, dtype=np.uint8)
    alphas = np.zeros(n_nodes)
    impurities = np.zeros(n_nodes)
    count = 0

    stack = [0]
    while len(stack) > 0:
        node = stack.pop()
        if left[node] == LEAF:
            leaves[node] = 1
        else:
            parent[left[node]] = node
            parent[right[node]] = node
            stack.append(left[node])
            stack.append(right[node])
    for leaf in range(n_nodes):
        if not leaves[leaf]:
            continue
        r_branch[leaf] = r_node[leaf]
        node = leaf
        while node != 0:
            node = parent[node]
            r_branch[node] += r_node[leaf]
            n_leaves[node] += 1
    candidate = np.zeros(n_nodes, dtype=np.uint8)
    for i in range(n_nodes):
        candidate[i] = 1 - leaves[i]

    alphas[count] = 0.0
    impurities[count] = r_branch[0]
    count += 1
    while candidate[0]:
        effective_alpha = np.finfo(np.float64).max
        weakest = -1
        for i in range(n_nodes):
            if not candidate[i]:
                continue
            alpha = (r_node[i] - r_branch[i]) / (n_leaves[i] - 1)
            if alpha < effective_alpha:
                effective_alpha = alpha
                weakest = i
        if not record_path and ccp_alpha < effective_alpha:
            break
        # The branch below the weakest link leaves the subtree; the link becomes a leaf.
        below = [weakest]
        while len(below) > 0:
            node = below.pop()
            if not in_subtree[node]:
                continue
            candidate[node] = 0
            leaves[node] = 0
            in_subtree[node] = 0
            if left[node] != LEAF:
                below.append(left[node])
                below.append(right[node])
        leaves[weakest] = 1
        in_subtree[weakest] = 1
        n_pruned = n_leaves[weakest] - 1
        n_leaves[weakest] = 0
        r_diff = r_node[weakest] - r_branch[weakest]
        r_branch[weakest] = r_node[weakest]
        node = parent[weakest]
        while node != -1:
            n_leaves[node] -= n_pruned
            r_branch[node] += r_diff
            node = parent[node]
        alphas[count] = effective_alpha
        impurities[count] = r_branch[0]
        count += 1
    return leaves, alphas[:count], impurities[:count]


@njit(cache=True, nogil=True)
def _kept_nodes(left, right, leaves):
    """Old ids of the pruned tree's nodes in depth-first (pre-)order, and their new
    children."""
    n_nodes = left.shape[0]
    old_ids = np.empty(n_nodes, dtype=np.int64)
    new_left = np.full(n_nodes, LEAF, dtype=np.int64)
    new_right = np.full(n_nodes, LEAF, dtype=np.int64)
    count = 0
    # (old node, new parent, is_left)
    stack = [(0, -1, 0)]
    while len(stack) > 0:
        node, new_parent, is_left = stack.pop()
        new_id = count
        old_ids[new_id] = node
        count += 1
        if new_parent >= 0:
            if is_left:
                new_left[new_parent] = new_id
            else:
                new_right[new_parent] = new_id
        if not leaves[node]:
            stack.append((right[node], new_id, 0))
            stack.append((left[node], new_id, 1))
    return old_ids[:count], new_left[:count], new_right[:count]


def pruning_path(tree: Tree) -> tuple[np.ndarray, np.ndarray]:
    """The effective alphas of weakest-link pruning and the subtree impurities R(T)."""
    _, alphas, impurities = _weakest_link(
        tree.children_left,
        tree.children_right,
        tree.weighted_n_node_samples,
        tree.impurity,
        0.0,
        True,
    )
    return alphas, impurities


def prune(tree: Tree, ccp_alpha: float) -> Tree:
    """The subtree of minimal cost-complexity R(T) + ccp_alpha |L(T)|."""
    leaves, _, _ = _weakest_link(
        tree.children_left,
        tree.children_right,
        tree.weighted_n_node_samples,
        tree.impurity,
        float(ccp_alpha),
        False,
    )
    old, new_left, new_right = _kept_nodes(tree.children_left, tree.children_right, leaves)
    is_leaf = new_left == LEAF
    feature = np.where(is_leaf, -2, tree.feature[old])
    threshold = np.where(is_leaf, -2.0, tree.threshold[old])
    missing = getattr(tree, "missing_go_to_left", None)
    return Tree(
        new_left,
        new_right,
        feature,
        threshold,
        tree.value[old],
        tree.impurity[old],
        tree.n_node_samples[old],
        tree.weighted_n_node_samples[old],
        tree.n_features,
        None if missing is None else np.where(is_leaf, 0, missing[old]),
    )
