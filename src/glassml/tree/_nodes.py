"""A fitted tree as flat node arrays, and the compiled helpers that grow and walk them.

Every tree glassml builds (CART, the trees of a random forest, the trees of gradient boosting,
isolation trees) ends as one :class:`Tree`: parallel arrays indexed by node id, with
scikit-learn's names and meaning, so that one reader (``glassml.explain.TreeExplainer``, a
plot, a test) serves every family and scikit-learn's own trees alike:

    children_left[i], children_right[i]   child ids, -1 at a leaf
    feature[i], threshold[i]              the split: x goes LEFT iff x[feature] <= threshold
                                          (-2 at a leaf)
    value[i, output, class]               the node's prediction (class fractions, a mean, or a
                                          boosting leaf's contribution)
    impurity[i]                           the node's impurity (0 where undefined)
    n_node_samples[i]                     training samples in the node
    weighted_n_node_samples[i]            their total weight (the "cover" TreeSHAP weights by)
    missing_go_to_left[i]                 (optional) where NaN goes; absent: NaN not accepted

Growing is done inside compiled builders: a builder holds a :data:`NodeArrays` tuple, asks
:func:`add_node` for each new node (the arrays double when full, so a builder never needs to
know the final size), marks internal nodes with :func:`set_split`, and hands the tuple and the
node count to :meth:`Tree.from_nodes`. Another family's builder (an isolation forest, say)
grows its trees the same way::

    nodes = new_nodes(np.int64(15), np.int64(1))
    nodes, root = add_node(nodes, np.int64(0), np.int64(-1), np.bool_(False), 0.0, n, float(n))
    node_count = np.int64(1)
    set_split(nodes, root, feature, threshold, np.bool_(False))
    nodes, left = add_node(nodes, node_count, root, np.bool_(True), ...)
    ...
    tree = Tree.from_nodes(nodes, node_count, n_features=d)

Pass typed values (``np.int64(0)``, ``np.bool_(True)``) rather than bare constants to these
helpers, and start counters such as ``node_count`` at a typed value: Numba compiles a separate
specialisation of a jitted callee for every integer or boolean literal it sees at a call
(including a loop counter's initial value, met while its type is still being inferred), and
each costs seconds on a cold cache.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.sparse import csr_matrix

from glassml._growth import grown

LEAF = -1  # children_left / children_right of a leaf (scikit-learn's TREE_LEAF)
UNDEFINED = -2  # feature / threshold of a leaf (scikit-learn's TREE_UNDEFINED)

# (children_left, children_right, feature, threshold, impurity, n_node_samples,
#  weighted_n_node_samples, missing_go_to_left, value): the growing arrays, all of one capacity.
NodeArrays = tuple


@njit(cache=True, nogil=True)
def new_nodes(capacity, n_values):
    """Empty node arrays with room for ``capacity`` nodes of ``n_values`` values each."""
    capacity = max(capacity, 1)
    return (
        np.full(capacity, LEAF, dtype=np.int64),
        np.full(capacity, LEAF, dtype=np.int64),
        np.full(capacity, UNDEFINED, dtype=np.int64),
        np.full(capacity, float(UNDEFINED)),
        np.zeros(capacity),
        np.zeros(capacity, dtype=np.int64),
        np.zeros(capacity),
        np.zeros(capacity, dtype=np.uint8),
        np.zeros((capacity, n_values)),
    )


@njit(cache=True, nogil=True)
def add_node(nodes, node_count, parent, is_left, impurity, n_samples, weighted_n_samples):
    """Append a leaf as node ``node_count`` below ``parent`` (-1 for the root).

    Returns ``(nodes, node_id)``; ``nodes`` is a new, larger tuple when the old one was full.
    """
    left, right, feature, threshold, imp, n_node, w_node, missing, value = nodes
    if node_count == left.shape[0]:
        capacity = 2 * node_count
        # Typed fills (np.int64, not a bare constant): Numba compiles a separate grown() for
        # every distinct literal argument, which costs seconds of cold-start compilation.
        left = grown(left, capacity, np.int64(LEAF))
        right = grown(right, capacity, np.int64(LEAF))
        feature = grown(feature, capacity, np.int64(UNDEFINED))
        threshold = grown(threshold, capacity, float(UNDEFINED))
        imp = grown(imp, capacity, 0.0)
        n_node = grown(n_node, capacity, np.int64(0))
        w_node = grown(w_node, capacity, 0.0)
        missing = grown(missing, capacity, np.int64(0))
        value = grown(value, capacity, 0.0)
        nodes = (left, right, feature, threshold, imp, n_node, w_node, missing, value)
    imp[node_count] = impurity
    n_node[node_count] = n_samples
    w_node[node_count] = weighted_n_samples
    if parent >= 0:
        if is_left:
            left[parent] = node_count
        else:
            right[parent] = node_count
    return nodes, node_count


@njit(cache=True, nogil=True)
def set_split(nodes, node, feature, threshold, missing_go_to_left):
    """Make ``node`` an internal node: x goes left iff ``x[feature] <= threshold``."""
    nodes[2][node] = feature
    nodes[3][node] = threshold
    nodes[7][node] = 1 if missing_go_to_left else 0


# ------------------------------------------------------------------------ walking the tree


@njit(cache=True, nogil=True)
def _leaf_of(x, left, right, feature, threshold, missing_left):
    node = 0
    while left[node] != LEAF:
        value = x[feature[node]]
        if value <= threshold[node]:
            node = left[node]
        elif np.isnan(value) and missing_left[node]:
            node = left[node]
        else:
            node = right[node]
    return node


@njit(cache=True, nogil=True)
def apply_kernel(X, left, right, feature, threshold, missing_left):
    """The leaf each row of ``X`` reaches (NaN follows ``missing_left``)."""
    out = np.empty(X.shape[0], dtype=np.int64)
    for i in range(X.shape[0]):
        out[i] = _leaf_of(X[i], left, right, feature, threshold, missing_left)
    return out


@njit(cache=True, nogil=True)
def _path_kernel(X, left, right, feature, threshold, missing_left, depth):
    """CSR pieces of the node-indicator matrix: row i lists the nodes on its root-leaf path."""
    n_samples = X.shape[0]
    indptr = np.zeros(n_samples + 1, dtype=np.int64)
    for i in range(n_samples):
        indptr[i + 1] = (
            indptr[i] + depth[_leaf_of(X[i], left, right, feature, threshold, missing_left)] + 1
        )
    indices = np.empty(indptr[-1], dtype=np.int64)
    for i in range(n_samples):
        k = indptr[i]
        node = 0
        indices[k] = 0
        while left[node] != LEAF:
            value = X[i, feature[node]]
            if value <= threshold[node] or (np.isnan(value) and missing_left[node]):
                node = left[node]
            else:
                node = right[node]
            k += 1
            indices[k] = node
    return indptr, indices


@njit(cache=True, nogil=True)
def node_depths(left, right):
    """Depth of every node (the root has depth 0), by a walk from the root."""
    depth = np.zeros(left.shape[0], dtype=np.int64)
    stack = [0]
    while len(stack) > 0:
        node = stack.pop()
        if left[node] != LEAF:
            depth[left[node]] = depth[node] + 1
            depth[right[node]] = depth[node] + 1
            stack.append(left[node])
            stack.append(right[node])
    return depth


class Tree:
    """The node arrays of one fitted tree, with scikit-learn's attribute names and semantics.

    A sample goes to the left child iff ``x[feature] <= threshold``; NaN follows
    ``missing_go_to_left`` when the tree has it (a tree without it does not accept NaN).
    ``value`` has shape ``(node_count, n_outputs, max_n_classes)``.
    """

    def __init__(
        self,
        children_left: np.ndarray,
        children_right: np.ndarray,
        feature: np.ndarray,
        threshold: np.ndarray,
        value: np.ndarray,
        impurity: np.ndarray,
        n_node_samples: np.ndarray,
        weighted_n_node_samples: np.ndarray,
        n_features: int,
        missing_go_to_left: np.ndarray | None = None,
    ) -> None:
        self.children_left = np.ascontiguousarray(children_left, dtype=np.int64)
        self.children_right = np.ascontiguousarray(children_right, dtype=np.int64)
        self.feature = np.ascontiguousarray(feature, dtype=np.int64)
        self.threshold = np.ascontiguousarray(threshold, dtype=np.float64)
        self.value = np.ascontiguousarray(value, dtype=np.float64)
        self.impurity = np.ascontiguousarray(impurity, dtype=np.float64)
        self.n_node_samples = np.ascontiguousarray(n_node_samples, dtype=np.int64)
        self.weighted_n_node_samples = np.ascontiguousarray(
            weighted_n_node_samples, dtype=np.float64
        )
        if missing_go_to_left is not None:
            self.missing_go_to_left = np.ascontiguousarray(missing_go_to_left, dtype=np.uint8)
        self.node_count = int(self.children_left.shape[0])
        self.n_features = int(n_features)
        self.n_outputs = int(self.value.shape[1])
        self.max_n_classes = int(self.value.shape[2])
        self.n_classes = np.full(self.n_outputs, self.max_n_classes, dtype=np.int64)
        self._depth = node_depths(self.children_left, self.children_right)
        self.max_depth = int(self._depth.max())
        self.n_leaves = int(np.sum(self.children_left == LEAF))

    @classmethod
    def from_nodes(
        cls,
        nodes: NodeArrays,
        node_count: int,
        *,
        n_features: int,
        n_outputs: int = 1,
        accepts_missing: bool = False,
    ) -> Tree:
        """The :class:`Tree` of the first ``node_count`` nodes a compiled builder grew."""
        left, right, feature, threshold, impurity, n_node, w_node, missing, value = nodes
        m = node_count
        return cls(
            left[:m].copy(),
            right[:m].copy(),
            feature[:m].copy(),
            threshold[:m].copy(),
            value[:m].reshape(m, n_outputs, -1).copy(),
            impurity[:m].copy(),
            n_node[:m].copy(),
            w_node[:m].copy(),
            n_features,
            missing[:m].copy() if accepts_missing else None,
        )

    def _missing(self) -> np.ndarray:
        missing = getattr(self, "missing_go_to_left", None)
        return missing if missing is not None else np.zeros(self.node_count, dtype=np.uint8)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Leaf id reached by each row of a validated 2-D float array ``X``."""
        return apply_kernel(
            X,
            self.children_left,
            self.children_right,
            self.feature,
            self.threshold,
            self._missing(),
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``value`` at each row's leaf, shape ``(n_samples, n_outputs, max_n_classes)``."""
        return self.value[self.apply(X)]

    def decision_path(self, X: np.ndarray) -> csr_matrix:
        """Node indicator matrix: entry (i, j) is 1 iff row i passes through node j."""
        indptr, indices = _path_kernel(
            X,
            self.children_left,
            self.children_right,
            self.feature,
            self.threshold,
            self._missing(),
            self._depth,
        )
        data = np.ones(indices.shape[0], dtype=np.int64)
        return csr_matrix((data, indices, indptr), shape=(X.shape[0], self.node_count))

    def compute_feature_importances(self, normalize: bool = True) -> np.ndarray:
        """Mean decrease in impurity: sum over a feature's splits of
        w_node * impurity - w_left * impurity_left - w_right * impurity_right, divided by the
        root's weight (and normalised to sum to one when ``normalize`` and not all zero)."""
        internal = np.flatnonzero(self.children_left != LEAF)
        left, right = self.children_left[internal], self.children_right[internal]
        weighted = self.weighted_n_node_samples * self.impurity
        decrease = weighted[internal] - weighted[left] - weighted[right]
        importances = np.bincount(
            self.feature[internal], weights=decrease, minlength=self.n_features
        ).astype(np.float64)
        importances /= self.weighted_n_node_samples[0]
        total = importances.sum()
        if normalize and total > 0.0:
            importances /= total
        return importances
