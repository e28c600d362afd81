"""Isolation forest (Liu, Ting & Zhou 2008): anomalies are isolated by few random cuts.

An isolation tree splits a subsample of psi rows at random: a feature drawn uniformly among
those not constant in the node, a threshold uniform between the node's minimum and maximum,
until a node holds one row or the depth reaches ceil(log2 psi). The path length of x is

    h(x) = depth of x's leaf + c(n_leaf),

where c(n) corrects for the unbuilt subtree below a leaf of n > 1 rows: the average path
length of an unsuccessful search in a binary search tree of n keys,

    c(n) = 2 H(n - 1) - 2 (n - 1) / n,  H(i) = ln i + Euler's gamma;  c(2) = 1, c(1) = c(0) = 0.

The anomaly score is s(x) = 2^(-E[h(x)] / c(psi)) (E over the trees): near 1 for anomalies,
below 0.5 for normal points; ``score_samples`` returns -s(x) (higher = more normal, as
scikit-learn) and ``contamination="auto"`` puts ``offset_`` at -0.5.

Trees are grown by a compiled builder into glassml.tree's node arrays (``Tree``), whose
``value`` holds the path length h at every node (depth + c(n_node_samples)), so
``glassml.explain.TreeExplainer`` explains E[h(x)]. Scoring walks all trees for each row in
one compiled loop, parallel over rows.
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit, prange
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.random import sample_without_replacement
from sklearn.utils.validation import check_is_fitted

from glassml._threads import kernel_threads
from glassml._validation import check_fit_X, check_predict_data
from glassml.anomaly._base import CONTAMINATION, BaseDetector
from glassml.tree._nodes import LEAF, Tree, add_node, new_nodes, set_split

EULER_GAMMA = 0.5772156649015329


def average_path_length(n):
    """c(n) for an array of node sizes (see the module docstring)."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + EULER_GAMMA) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def sample_rows(n: int, k: int, rng: np.random.RandomState) -> np.ndarray:
    """``sample_without_replacement(n, k, random_state=rng)``: the same rows, and ``rng`` left
    in the same state, without its one-at-a-time draws when k <= n / 100.

    There scikit-learn draws ``rng.randint(n)`` until it holds k distinct values and keeps
    them in order of first appearance (about 4 microseconds a draw: 0.1 s for 100 trees of
    256 rows). Drawing exactly the number still missing, in bulk, reads the same stream
    (``randint(n, size=m)`` yields m successive ``randint(n)``) and never past the draw that
    completes the set. Other ratios use scikit-learn's own bulk methods.
    """
    if k / n > 0.01:  # scikit-learn's own test
        return sample_without_replacement(n, k, random_state=rng).astype(np.int64)
    draws = np.empty(0, dtype=np.int64)
    n_distinct = 0
    while n_distinct < k:
        draws = np.concatenate([draws, rng.randint(n, size=k - n_distinct)])
        values, first = np.unique(draws, return_index=True)
        n_distinct = values.size
    return draws[np.sort(first)]


@njit(cache=True, nogil=True)
def _uniform(state):
    """xorshift64* draw in [0, 1) (state: one uint64, never 0)."""
    s = state[0]
    s ^= s >> np.uint64(12)
    s ^= s << np.uint64(25)
    s ^= s >> np.uint64(27)
    state[0] = s
    return float((s * np.uint64(2685821657736338717)) >> np.uint64(11)) / 9007199254740992.0


@njit(cache=True, nogil=True)
def _grow(X, rows, max_depth, seed):
    """One isolation tree on X[rows] (rows: int64); returns (nodes, node_count, depths)."""
    state = np.array([np.uint64(seed) | np.uint64(1)])
    n, d = rows.shape[0], X.shape[1]
    order = rows.copy()
    nodes = new_nodes(2 * n, np.int64(1))
    # Typed arguments, not literals: one compiled add_node serves every call (see _nodes).
    nodes, root = add_node(nodes, np.int64(0), np.int64(-1), np.bool_(False), 0.0, n, float(n))
    node_count = np.int64(1)
    depth = np.zeros(2 * n, dtype=np.int64)
    candidates = np.arange(d)
    # stack of (node, start, end)
    stack = [(root, 0, n)]
    while len(stack) > 0:
        node, start, end = stack.pop()
        if end - start <= 1 or depth[node] >= max_depth:
            continue
        # draw features without replacement until one is not constant in the node
        feature, low, high = -1, 0.0, 0.0
        for k in range(d):
            pick = k + int(_uniform(state) * (d - k))
            candidates[k], candidates[pick] = candidates[pick], candidates[k]
            f = candidates[k]
            low, high = X[order[start], f], X[order[start], f]
            for i in range(start + 1, end):
                value = X[order[i], f]
                low = min(low, value)
                high = max(high, value)
            if high > low:
                feature = f
                break
        if feature == -1:
            continue  # every feature constant: the node is a leaf
        threshold = low + _uniform(state) * (high - low)
        if threshold >= high:  # rounding: keep both children non-empty
            threshold = low
        middle = start
        for i in range(start, end):  # partition: x <= threshold first
            if X[order[i], feature] <= threshold:
                order[i], order[middle] = order[middle], order[i]
                middle += 1
        set_split(nodes, node, feature, threshold, np.bool_(False))
        nodes, left = add_node(nodes, node_count, node, np.bool_(True), 0.0, middle - start, 0.0)
        node_count += 1
        nodes, right = add_node(nodes, node_count, node, np.bool_(False), 0.0, end - middle, 0.0)
        node_count += 1
        depth[left] = depth[node] + 1
        depth[right] = depth[node] + 1
        stack.append((right, middle, end))
        stack.append((left, start, middle))
    return nodes, node_count, depth[:node_count].copy()


# Rows scored together per tree: their walks are independent, so the CPU overlaps their memory
# loads, and the block's rows and the tree's nodes stay in the first-level cache meanwhile.
ROW_BLOCK = 64


@njit(cache=True, parallel=True)
def _mean_path_length(X, roots, depths, child, feature, threshold, value):
    """E over trees of h(x) for each row: walk each tree to a leaf and read its h.

    Packed layout (``IsolationForest._pack``): the right child is ``child + 1`` and a leaf is
    its own child behind an infinite threshold, so ``depths[t]`` steps of
    ``node = child[node] + (x[feature[node]] > threshold[node])`` take x to its leaf in tree
    t without a data-dependent branch. Node ids and features are unsigned (Numba then skips
    its negative-index handling). Trees are summed in order: the total of a tree-by-tree walk.
    """
    n_rows, n_trees, d = X.shape[0], roots.shape[0], X.shape[1]
    flat = X.ravel()  # C-contiguous: row r of a block starts at r * d
    out = np.empty(n_rows)
    n_blocks = (n_rows + ROW_BLOCK - 1) // ROW_BLOCK
    for b in prange(n_blocks):
        start = b * ROW_BLOCK
        m = min(ROW_BLOCK, n_rows - start)
        rows = flat[start * d : (start + m) * d]
        total = np.zeros(m)
        node = np.empty(m, dtype=np.uint64)
        for t in range(n_trees):
            node[:] = roots[t]
            for _ in range(depths[t]):
                offset = np.uint64(0)
                for r in range(m):
                    k = node[r]
                    node[r] = child[k] + np.uint64(rows[offset + feature[k]] > threshold[k])
                    offset += np.uint64(d)
            for r in range(m):
                total[r] += value[node[r]]
        for r in range(m):
            out[start + r] = total[r] / n_trees
    return out


class IsolationTree:
    """One fitted isolation tree: ``tree_`` in glassml.tree's (scikit-learn's) node layout,
    ``value`` = path length h at each node (depth + c(n_node_samples))."""

    def __init__(self, tree: Tree) -> None:
        self.tree_ = tree

    def __repr__(self) -> str:
        return f"IsolationTree(node_count={self.tree_.node_count})"


class IsolationForest(BaseDetector):
    """Isolation forest: the anomaly score 2^(-E[h(x)] / c(psi)) of random isolation trees.

    See the module docstring for the derivation: random axis-aligned splits of a subsample of
    psi rows, path length h(x) = leaf depth + c(n_leaf), score s(x) = 2^(-E[h(x)] / c(psi)),
    ``score_samples`` = -s(x). Reference: Liu, Ting & Zhou, "Isolation forest", ICDM 2008.

    Parameters
    ----------
    n_estimators : int, default=100
    max_samples : "auto", int or float, default="auto"
        Rows per tree (psi): "auto" = min(256, n); an int (capped at n); a float = fraction of n.
    max_features : int or float, default=1.0
        Features per tree (drawn without replacement; ``estimators_features_``).
    contamination : "auto" or float in (0, 0.5], default="auto"
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of IsolationTree (each with ``tree_``)
    estimators_features_ : list of int arrays, the features of each tree
    max_samples_ : int (psi)
    offset_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import IsolationForest
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> forest = IsolationForest(random_state=0).fit(X)
    >>> forest.predict([[0.0, 0.0], [5.0, 5.0]]).tolist()
    [1, -1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_samples": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0.0, 1.0, closed="right"),
        ],
        "max_features": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0.0, 1.0, closed="right"),
        ],
        "contamination": CONTAMINATION,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_estimators=100,
        max_samples="auto",
        max_features=1.0,
        contamination="auto",
        random_state=None,
    ):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_features = max_features
        self.contamination = contamination
        self.random_state = random_state

    def fit(self, X, y=None) -> IsolationForest:
        """Grow ``n_estimators`` isolation trees on random subsamples of X."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, order="C")
        n, d = X.shape
        if self.max_samples == "auto":
            psi = min(256, n)
        elif isinstance(self.max_samples, numbers.Integral):
            psi = min(int(self.max_samples), n)
        else:
            psi = max(1, int(self.max_samples * n))
        if isinstance(self.max_features, numbers.Integral):
            if self.max_features > d:
                raise ValueError(
                    f"max_features: expected at most n_features = {d}, got {self.max_features}"
                )
            m = int(self.max_features)
        else:
            m = max(1, int(self.max_features * d))
        self.max_samples_ = psi
        max_depth = int(np.ceil(np.log2(max(psi, 2))))
        rng = check_random_state(self.random_state)
        self.estimators_, self.estimators_features_ = [], []
        for _ in range(self.n_estimators):
            # sampled without a permutation of all n rows (284,807 for the fraud data)
            rows = sample_rows(n, psi, rng)
            features = (
                np.arange(d) if m == d else sample_without_replacement(d, m, random_state=rng)
            )
            seed = rng.randint(1, np.iinfo(np.int32).max)
            columns = X if m == d else np.ascontiguousarray(X[:, features])
            nodes, count, depth = _grow(columns, rows, max_depth, seed)
            tree = Tree.from_nodes(nodes, count, n_features=m)
            tree.value[:, 0, 0] = depth + average_path_length(tree.n_node_samples)
            tree.weighted_n_node_samples[:] = tree.n_node_samples
            self.estimators_.append(IsolationTree(tree))
            self.estimators_features_.append(features)
        self._pack()
        self._set_offset(lambda: self._score(X))
        return self

    def _pack(self) -> None:
        """All trees in one set of arrays for ``_mean_path_length`` (global node ids, original
        feature indices, leaves pointing to themselves behind an infinite threshold)."""
        roots, depths, parts, total = [], [], ([], [], [], []), 0
        for estimator, features in zip(self.estimators_, self.estimators_features_, strict=True):
            tree = estimator.tree_
            internal = tree.children_left != LEAF
            # _grow appends a node's two children together, left first
            assert np.all(tree.children_right[internal] == tree.children_left[internal] + 1)
            roots.append(total)
            depths.append(tree.max_depth)
            ids = np.arange(total, total + tree.node_count)
            parts[0].append(np.where(internal, tree.children_left + total, ids))
            parts[1].append(np.where(internal, features[np.maximum(tree.feature, 0)], 0))
            parts[2].append(np.where(internal, tree.threshold, np.inf))
            parts[3].append(tree.value[:, 0, 0])
            total += tree.node_count
        child, feature, threshold, value = (np.concatenate(part) for part in parts)
        self._packed = (
            np.array(roots, dtype=np.uint64),
            np.array(depths, dtype=np.int64),
            child.astype(np.uint64),
            feature.astype(np.uint64),
            threshold,
            value,
        )

    def mean_path_length(self, X) -> np.ndarray:
        """E[h(x)]: the path length averaged over the trees (what TreeExplainer explains)."""
        check_is_fitted(self)
        return self._path_lengths(check_predict_data(self, X, dtype=np.float64, order="C"))

    def _path_lengths(self, X: np.ndarray) -> np.ndarray:
        with kernel_threads(X.shape[0] * self.n_estimators * 8):
            return _mean_path_length(np.ascontiguousarray(X), *self._packed)

    def _score(self, X: np.ndarray) -> np.ndarray:
        normaliser = float(average_path_length([self.max_samples_])[0])
        if normaliser == 0.0:  # psi = 1: every path has length 0
            return np.full(X.shape[0], -1.0)
        return -np.exp2(-self._path_lengths(X) / normaliser)

    def _auto_offset(self) -> float:
        return -0.5
