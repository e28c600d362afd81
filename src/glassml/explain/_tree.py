"""TreeExplainer: exact path-dependent TreeSHAP over the documented tree array layout.

The model is read only through attributes (duck typing; no model family is imported):

* a single tree: ``tree_`` with scikit-learn's arrays (``children_left``, ``children_right``,
  ``feature``, ``threshold``, ``value``, ``weighted_n_node_samples`` as the cover, optional
  ``missing_go_to_left``);
* a forest: ``estimators_``, a list of such trees, output = their mean (optional
  ``estimators_features_``: each tree's feature subset);
* glassml's gradient boosting: ``estimators_`` of shape (n_iter, K) and ``baseline_`` (K,),
  raw score = baseline + sum of the trees (learning rate already in the leaves);
* scikit-learn's GradientBoosting: ``estimators_`` (n_estimators, K), ``learning_rate`` and
  ``init_``, raw score = init + learning_rate * sum of the trees; the initial raw score is read
  from the model's public raw output (``decision_function`` or ``predict``) minus the trees.

The layout is written down in the project's tree contract (docs/explain.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassml._validation import check_named_array, fail
from glassml.explain import _treeshap
from glassml.explain._common import feature_names_of, package
from glassml.explain._explanation import Explanation


@dataclass
class FlatEnsemble:
    """Every tree of an ensemble in one set of node arrays (see ``_treeshap``)."""

    roots: np.ndarray
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    cover: np.ndarray
    missing_left: np.ndarray
    max_depth: int
    accepts_nan: bool
    offset: np.ndarray
    n_features: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.offset + _treeshap.predict(
            X, self.roots, self.left, self.right, self.feature, self.threshold, self.value,
            self.missing_left,
        )  # fmt: skip


def _tree_arrays(tree: Any, where: str) -> dict[str, np.ndarray]:
    structure = getattr(tree, "tree_", None)
    if structure is None:
        raise fail("model", f"trees exposing tree_ (the documented layout) at {where}", tree)
    try:
        arrays = {
            "left": np.asarray(structure.children_left, dtype=np.int64),
            "right": np.asarray(structure.children_right, dtype=np.int64),
            "feature": np.asarray(structure.feature, dtype=np.int64),
            "threshold": np.asarray(structure.threshold, dtype=np.float64),
            "value": np.asarray(structure.value, dtype=np.float64),
            "cover": np.asarray(structure.weighted_n_node_samples, dtype=np.float64),
        }
    except AttributeError as error:
        raise ValueError(f"model: the tree at {where} lacks a documented array ({error})") from None
    missing = getattr(structure, "missing_go_to_left", None)
    arrays["missing"] = (
        np.full(len(arrays["left"]), 2, np.uint8)
        if missing is None
        else np.asarray(missing, dtype=np.uint8)
    )
    n = len(arrays["left"])
    value = arrays["value"]
    arrays["value"] = value.reshape(value.shape[0], -1) if value.ndim >= 2 else value[:, None]
    if any(len(a) != n for a in arrays.values()) or not np.all(arrays["cover"] > 0):
        raise fail("model", f"consistent node arrays with positive cover at {where}", tree)
    return arrays


def _members(model: Any) -> tuple[list[tuple[Any, float, int, Any]], np.ndarray | None, int]:
    """(tree, weight, output column, feature map) per tree; the offset; the number of outputs.

    The offset is None when it must be read from the model's output (scikit-learn boosting).
    """
    if hasattr(model, "tree_"):
        return [(model, 1.0, -1, None)], np.zeros(1), 1
    estimators = getattr(model, "estimators_", None)
    if estimators is None:
        raise fail("model", "a fitted tree model (tree_ or estimators_)", model)
    grid = np.asarray(estimators, dtype=object)
    if grid.ndim == 2 and hasattr(model, "baseline_"):
        baseline = np.atleast_1d(np.asarray(model.baseline_, dtype=np.float64))
        members = [
            (grid[i, k], 1.0, k, None) for i in range(grid.shape[0]) for k in range(grid.shape[1])
        ]
        return members, baseline, grid.shape[1]
    if grid.ndim == 2 and hasattr(model, "learning_rate") and hasattr(model, "init_"):
        rate = float(model.learning_rate)
        members = [
            (grid[i, k], rate, k, None) for i in range(grid.shape[0]) for k in range(grid.shape[1])
        ]
        return members, None, grid.shape[1]
    if grid.ndim == 1 and len(grid) > 0:
        subsets = getattr(model, "estimators_features_", None)
        members = [
            (tree, 1.0 / len(grid), -1, None if subsets is None else np.asarray(subsets[t]))
            for t, tree in enumerate(grid)
        ]
        return members, np.zeros(1), 1
    raise fail("model", "estimators_ as a list of trees or an (n_iter, K) array of trees", model)


def flatten(model: Any, n_features: int) -> FlatEnsemble:
    """Concatenate a model's trees into one :class:`FlatEnsemble`."""
    members, offset, n_columns = _members(model)
    per_tree = [_tree_arrays(tree, f"estimator {t}") for t, (tree, *_rest) in enumerate(members)]
    width = max(a["value"].shape[1] for a in per_tree) if members[0][2] == -1 else n_columns
    blocks: dict[str, list[np.ndarray]] = {key: [] for key in per_tree[0]}
    roots, total, max_depth = [], 0, 0
    for (_tree, weight, column, subset), arrays in zip(members, per_tree, strict=True):
        n = len(arrays["left"])
        value = np.zeros((n, width))
        if column >= 0:
            value[:, column] = arrays["value"][:, 0] * weight
        else:
            value[:, : arrays["value"].shape[1]] = arrays["value"] * weight
        feature = arrays["feature"].copy()
        internal = arrays["left"] >= 0
        if subset is not None:
            feature[internal] = subset[feature[internal]]
        if np.any(feature[internal] < 0) or np.any(feature[internal] >= n_features):
            raise fail("model", f"split features in [0, {n_features})", feature[internal])
        for key, array in (
            ("left", np.where(internal, arrays["left"] + total, -1)),
            ("right", np.where(internal, arrays["right"] + total, -1)),
            ("feature", feature),
            ("threshold", arrays["threshold"]),
            ("value", value),
            ("cover", arrays["cover"]),
            ("missing", arrays["missing"]),
        ):
            blocks[key].append(array)
        roots.append(total)
        total += n
        max_depth = max(max_depth, _depth(arrays["left"], arrays["right"]))
    cat = {key: np.ascontiguousarray(np.concatenate(parts)) for key, parts in blocks.items()}
    return FlatEnsemble(
        roots=np.array(roots, dtype=np.int64),
        left=cat["left"],
        right=cat["right"],
        feature=cat["feature"],
        threshold=cat["threshold"],
        value=cat["value"],
        cover=cat["cover"],
        missing_left=cat["missing"],
        max_depth=max_depth,
        accepts_nan=bool(np.all(cat["missing"] < 2)),
        offset=np.zeros(width) if offset is None else offset.astype(np.float64),
        n_features=n_features,
    )


def _depth(left: np.ndarray, right: np.ndarray) -> int:
    depth = np.zeros(len(left), dtype=np.int64)
    deepest = 0
    stack = [0]
    while stack:
        node = stack.pop()
        deepest = max(deepest, int(depth[node]))
        if left[node] >= 0:
            for child in (left[node], right[node]):
                depth[child] = depth[node] + 1
                stack.append(int(child))
    return deepest


def _raw_output(model: Any, X: np.ndarray) -> np.ndarray:
    raw = model.decision_function(X) if hasattr(model, "decision_function") else model.predict(X)
    raw = np.asarray(raw, dtype=np.float64)
    return raw.reshape(len(X), -1)


class TreeExplainer:
    """Exact Shapley values of a tree ensemble by path-dependent TreeSHAP.

    The game is the one the tree itself defines: v_x(S) = E[f(x) | x_S], where a feature
    outside S is integrated out by following both children of its splits in proportion to the
    training cover. Algorithm 2 of Lundberg et al. (2020) computes its Shapley values exactly
    in O(T L D^2) per row (T trees, L leaves, depth D) by carrying, along each root-to-leaf
    path, the weights of every coalition size (see ``_treeshap``). Efficiency:
    sum_i phi_i = f(x) - E f, with E f the cover-weighted mean of the leaves.

    Outputs explained: a forest's mean of ``tree_.value`` (class probabilities for
    classifiers, one output per class), boosting's raw score (log-odds / logits).

    Parameters
    ----------
    model : fitted tree model following the documented layout (see module docstring)
    feature_names : list of str, optional
    output_names : list of str, optional

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H. et al. (2020). From local explanations to global
    understanding with explainable AI for trees. Nature Machine Intelligence 2, 56-67.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> tree = DecisionTreeRegressor().fit(X, X[:, 0] + 2 * X[:, 1])
    >>> e = TreeExplainer(tree)(np.array([[1.0, 1.0]]))
    >>> e.values.round(6), e.base_values
    (array([[0.5, 1. ]]), array([1.5]))
    """

    def __init__(self, model: Any, *, feature_names: Any = None, output_names: Any = None) -> None:
        n_features = getattr(model, "n_features_in_", None)
        if n_features is None:
            raise fail("model", "a fitted tree model with n_features_in_", model)
        self.n_features = int(n_features)
        self.ensemble = flatten(model, self.n_features)
        # scikit-learn compares float32 features with its thresholds: do the same.
        self.float32 = type(model).__module__.startswith("sklearn.")
        if (
            not hasattr(model, "baseline_")
            and self.ensemble.roots.size
            and _is_sklearn_boosting(model)
        ):
            self.ensemble.offset = self._read_offset(model)
        self.feature_names = feature_names_of(
            None, self.n_features, feature_names or getattr(model, "feature_names_in_", None)
        )
        self.output_names = (
            output_names if output_names is not None else getattr(model, "classes_", None)
        )
        e = self.ensemble
        self.expected_value = e.offset + _treeshap.expected_value(
            e.roots, e.left, e.right, e.value, e.cover
        )

    def _read_offset(self, model: Any) -> np.ndarray:
        probe = np.array([np.zeros(self.n_features), np.linspace(-1.0, 1.0, self.n_features)])
        trees = self.ensemble.predict(self._cast(probe))
        offset = _raw_output(model, probe) - trees
        if not np.allclose(offset[0], offset[1], rtol=1e-9, atol=1e-9):
            raise fail("model", "a boosting model whose initial raw score is constant", model)
        return offset[0]

    def _cast(self, rows: np.ndarray) -> np.ndarray:
        return rows.astype(np.float32).astype(np.float64) if self.float32 else rows

    def __call__(self, X: Any) -> Explanation:
        """TreeSHAP values of each row of ``X`` (NaN allowed where the trees route it)."""
        e = self.ensemble
        rows = check_named_array(
            X, "X", dtype=np.float64, ensure_2d=False,
            ensure_all_finite="allow-nan" if e.accepts_nan else True,
        )  # fmt: skip
        if rows.ndim == 1:
            rows = rows.reshape(1, -1)
        if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] != self.n_features:
            raise fail("X", f"a non-empty 2-D array with {self.n_features} features", rows)
        if np.any(np.isinf(rows)):
            raise fail("X", "finite values (NaN only where the trees route missing values)", X)
        cast = np.ascontiguousarray(self._cast(rows))
        phi = _treeshap.tree_shap(
            cast, e.roots, e.max_depth, e.left, e.right, e.feature, e.threshold, e.value,
            e.cover, e.missing_left,
        )  # fmt: skip
        base = np.broadcast_to(self.expected_value, (rows.shape[0], e.value.shape[1])).copy()
        return package(
            phi, base, rows, self.feature_names, e.value.shape[1] == 1, self.output_names
        )

    def predict(self, X: Any) -> np.ndarray:
        """The output TreeSHAP decomposes, from the tree arrays: shape (n,) or (n, K)."""
        rows = check_named_array(X, "X", dtype=np.float64, ensure_all_finite="allow-nan")
        if rows.shape[1] != self.n_features:
            raise fail("X", f"{self.n_features} features", rows)
        out = self.ensemble.predict(np.ascontiguousarray(self._cast(rows)))
        return out[:, 0] if out.shape[1] == 1 else out


def _is_sklearn_boosting(model: Any) -> bool:
    grid = np.asarray(getattr(model, "estimators_", []), dtype=object)
    return grid.ndim == 2 and hasattr(model, "learning_rate") and hasattr(model, "init_")
