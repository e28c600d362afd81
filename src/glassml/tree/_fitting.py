"""From validated arrays to a grown :class:`~glassml.tree._nodes.Tree`: shared by CART and the
random forests.

The builder works on float32 feature values sorted once per feature, as scikit-learn's does,
so that thresholds (midpoints of consecutive float32 values) come out the same. Each feature is
first multiplied by a power of two that brings its largest magnitude into [1, 2): a power of
two changes no rounding, so every comparison and midpoint is the same as on the raw values,
and features of magnitude 1e300 or 1e-300 neither overflow nor vanish in float32. Targets and
weights are rescaled the same way, but only when extreme (beyond 2^±500), where sums of
squares would overflow or vanish; the rounding tolerances (scikit-learn's EPSILON) then apply
to the rescaled problem, which is where they mean "zero up to rounding".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight

from glassml._validation import check_classes, check_fit_data, check_weights
from glassml.tree._cart import (
    CLASSIFICATION_CRITERIA,
    ENTROPY,
    EPSILON,
    GINI,
    POISSON_EPSILON,
    RAND_R_MAX,
    REGRESSION_CRITERIA,
    SQUARED_ERROR,
    build_tree,
    select_samples,
)
from glassml.tree._nodes import LEAF, Tree
from glassml.tree._pruning import prune

# scikit-learn's tie tolerance between sorted float32 values (FEATURE_THRESHOLD).
FEATURE_THRESHOLD = np.float32(1e-7)
_EXTREME = 500  # rescale targets and weights only beyond 2^±500


def missing_values_error(estimator: Any) -> ValueError:
    """The error for NaN in X, pointing to the models that handle missing values."""
    return ValueError(
        f"X: expected no missing values (NaN): {type(estimator).__name__} cannot split on "
        "them; HistGradientBoostingClassifier / HistGradientBoostingRegressor "
        "(glassml.ensemble) accept NaN and learn where it goes, or impute X first"
    )


def check_finite_features(estimator: Any, X: np.ndarray) -> np.ndarray:
    """Refuse NaN (naming the models that accept it) and infinities in a validated X."""
    if not np.isfinite(X).all():
        if np.isnan(X).any():
            raise missing_values_error(estimator)
        raise ValueError("X: expected finite values, got inf")
    return X


@dataclass(frozen=True)
class TrainingData:
    """Validated training data of a tree or a forest.

    ``y`` is the checked target as given (for class weights and scores); a classifier grows on
    ``y_class`` (class indices), a regressor on ``y_value`` (float64); the other is None.
    """

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    y_class: np.ndarray | None
    y_value: np.ndarray | None
    criterion: int


def check_training_data(estimator: Any, X: Any, y: Any, sample_weight: Any) -> TrainingData:
    """X (float64, C order, finite), sample weights, and y as class indices (a classifier's
    ``classes_`` and ``n_classes_`` are set) or regression targets, with the criterion's code."""
    is_classifier = isinstance(estimator, ClassifierMixin)
    X, y = check_fit_data(
        estimator,
        X,
        y,
        dtype=np.float64,
        order="C",
        ensure_all_finite=False,
        y_numeric=not is_classifier,
    )
    check_finite_features(estimator, X)
    weight = check_weights(sample_weight, X)
    if is_classifier:
        estimator.classes_, y_class = check_classes(y)
        estimator.n_classes_ = len(estimator.classes_)
        criterion = CLASSIFICATION_CRITERIA[estimator.criterion]
        return TrainingData(X, y, weight, y_class, None, criterion)
    y_value = regression_targets(y, estimator.criterion)
    return TrainingData(X, y, weight, None, y_value, REGRESSION_CRITERIA[estimator.criterion])


def _exponent(max_abs: np.ndarray) -> np.ndarray:
    """e with max_abs * 2^-e in [1, 2) (0 where max_abs is 0)."""
    _, e = np.frexp(max_abs)
    return np.where(max_abs > 0, e.astype(np.int64) - 1, 0)


def extreme_exponent(a: np.ndarray) -> int:
    """The power of two to divide ``a`` by when its magnitude is beyond 2^±500, else 0."""
    top = float(np.max(np.abs(a), initial=0.0))
    if top == 0.0 or 2.0**-_EXTREME <= top <= 2.0**_EXTREME:
        return 0
    return int(_exponent(np.array(top)))


@dataclass(frozen=True)
class SortedFeatures:
    """Features scaled by 2^-exponents, as float32, sorted once per feature.

    ``values[f]`` are feature f's values in increasing order and ``order[f]`` the samples they
    belong to. ``tolerances[f]`` is scikit-learn's tie tolerance 1e-7 in the scaled units
    (for features whose magnitude is below 1 it stays 1e-7 of that magnitude: 1e-7 in absolute
    terms would merge every value of a feature measured in, say, 1e-9).
    """

    values: np.ndarray
    order: np.ndarray
    exponents: np.ndarray
    tolerances: np.ndarray


def sort_features(X: np.ndarray) -> SortedFeatures:
    exponents = _exponent(np.max(np.abs(X), axis=0))
    scaled = (X * np.ldexp(1.0, -exponents)).astype(np.float32)
    order = np.empty(scaled.shape[::-1], dtype=np.int32)
    values = np.empty(scaled.shape[::-1], dtype=np.float32)
    for f in range(scaled.shape[1]):
        order[f] = np.argsort(scaled[:, f], kind="stable")
        values[f] = scaled[order[f], f]
    tolerances = np.ldexp(FEATURE_THRESHOLD, -np.maximum(exponents, 0)).astype(np.float32)
    return SortedFeatures(values, order, exponents, tolerances)


@dataclass(frozen=True)
class Settings:
    """Hyper-parameters resolved to numbers (scikit-learn's rules)."""

    criterion: int
    n_classes: int
    max_depth: int
    min_samples_split: int
    min_samples_leaf: int
    min_weight_fraction_leaf: float
    min_impurity_decrease: float
    max_features: int
    ccp_alpha: float


def resolve_settings(
    estimator: Any, criterion: int, n_classes: int, n_samples: int, n_features: int
) -> Settings:
    """Integer sizes from the (validated) hyper-parameters, as scikit-learn computes them."""
    min_samples_leaf = estimator.min_samples_leaf
    if not isinstance(min_samples_leaf, int | np.integer):
        min_samples_leaf = math.ceil(min_samples_leaf * n_samples)
    min_samples_split = estimator.min_samples_split
    if not isinstance(min_samples_split, int | np.integer):
        min_samples_split = max(2, math.ceil(min_samples_split * n_samples))
    min_samples_split = max(int(min_samples_split), 2 * int(min_samples_leaf))
    max_features = estimator.max_features
    if max_features is None:
        max_features = n_features
    elif max_features == "sqrt":
        max_features = max(1, int(np.sqrt(n_features)))
    elif max_features == "log2":
        max_features = max(1, int(np.log2(n_features)))
    elif not isinstance(max_features, int | np.integer):
        max_features = max(1, int(max_features * n_features))
    max_depth = np.iinfo(np.int32).max if estimator.max_depth is None else estimator.max_depth
    return Settings(
        criterion=criterion,
        n_classes=n_classes,
        max_depth=int(max_depth),
        min_samples_split=int(min_samples_split),
        min_samples_leaf=int(min_samples_leaf),
        min_weight_fraction_leaf=float(estimator.min_weight_fraction_leaf),
        min_impurity_decrease=float(estimator.min_impurity_decrease),
        max_features=min(int(max_features), n_features),
        ccp_alpha=float(estimator.ccp_alpha),
    )


def regression_targets(y: Any, criterion: str | None = None) -> np.ndarray:
    """Targets as finite float64 (non-negative with a positive sum for Poisson), or a
    ValueError naming y."""
    try:
        values = np.asarray(y, dtype=np.float64)
    except (ValueError, TypeError):
        raise ValueError(
            f"y: expected numeric targets, got an array of dtype {np.asarray(y).dtype}"
        ) from None
    if not np.isfinite(values).all():
        raise ValueError("y: expected finite values, got NaN or inf")
    if criterion == "poisson" and (np.any(values < 0) or values.sum() <= 0):
        raise ValueError(
            "y: expected non-negative values with a positive sum for the poisson "
            "criterion, got negative values or a zero sum"
        )
    return values


def class_sample_weight(class_weight: Any, y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per-sample weights from ``class_weight`` ('balanced' or {label: weight})."""
    if isinstance(class_weight, dict):
        unknown = [label for label in class_weight if label not in set(classes.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight: expected labels among the classes {classes.tolist()}, got "
                f"unknown label(s) {unknown}"
            )
    return compute_sample_weight(class_weight, y)


def apply_class_weight(
    weight: np.ndarray, class_weight: Any, y: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    """``weight`` times the per-sample class weights, refusing a product that is all zero
    (a tree grown on no weight would divide by it)."""
    weighted = weight * class_sample_weight(class_weight, y, classes)
    if not weighted.any():
        raise ValueError(
            "class_weight: expected class weights that leave at least one sample with a "
            f"positive weight, got all zero ({class_weight!r})"
        )
    return weighted


def splitter_seed(random_state: np.random.RandomState) -> int:
    """The builder's generator seed, drawn as scikit-learn's splitter draws it."""
    return int(random_state.randint(0, RAND_R_MAX))


def grow(
    features: SortedFeatures,
    y_class: np.ndarray | None,
    y_value: np.ndarray | None,
    weight: np.ndarray,
    settings: Settings,
    seed: int,
) -> Tree:
    """Grow (and prune, when ``ccp_alpha > 0``) one tree on the samples of positive weight."""
    keep = weight != 0.0
    if keep.all():
        values, order = features.values.copy(), features.order.copy()
    else:
        values, order = select_samples(features.values, features.order, keep)
    is_classification = settings.criterion in (GINI, ENTROPY)
    e_w = extreme_exponent(weight)
    w = np.ldexp(weight[keep], -e_w)
    e_y = 0
    if is_classification:
        classes = np.ascontiguousarray(y_class[keep], dtype=np.int64)
        target = np.zeros(1)
        impurity_power = 0
    else:
        e_y = extreme_exponent(y_value)
        classes = np.zeros(1, dtype=np.int64)
        target = np.ldexp(np.ascontiguousarray(y_value[keep], dtype=np.float64), -e_y)
        impurity_power = 2 * e_y if settings.criterion == SQUARED_ERROR else e_y
    with np.errstate(over="ignore"):  # a decrease of 1e-3 in units of y^2 at y ~ 1e-300: inf
        min_decrease = float(np.ldexp(settings.min_impurity_decrease, -impurity_power))
    total_weight = float(w.sum())
    nodes, node_count = build_tree(
        values,
        order,
        classes,
        target,
        w,
        settings.n_classes if is_classification else 1,
        settings.criterion,
        features.tolerances,
        settings.max_depth,
        settings.min_samples_split,
        settings.min_samples_leaf,
        settings.min_weight_fraction_leaf * total_weight,
        min_decrease,
        settings.max_features,
        total_weight,
        EPSILON,  # rounding tolerances: relative to the (rescaled) problem
        POISSON_EPSILON,
        seed,
    )
    tree = Tree.from_nodes(nodes, node_count, n_features=features.values.shape[0])
    internal = tree.children_left != LEAF
    tree.threshold[internal] = np.ldexp(
        tree.threshold[internal], features.exponents[tree.feature[internal]]
    )
    if e_y:
        tree.value[...] = np.ldexp(tree.value, e_y)
    if impurity_power:
        tree.impurity[...] = np.ldexp(tree.impurity, impurity_power)
    if e_w:
        tree.weighted_n_node_samples[...] = np.ldexp(tree.weighted_n_node_samples, e_w)
    if settings.ccp_alpha > 0.0:
        tree = prune(tree, settings.ccp_alpha)
    return tree
