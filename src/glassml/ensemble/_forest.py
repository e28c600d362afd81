"""Random forests: bagged CART trees with random feature subsets (Breiman, 2001).

Each of the B trees is grown on a bootstrap sample (n draws with replacement, expressed as
integer sample weights) and chooses each split among ``max_features`` features drawn at
random; the forest averages the trees' outputs,

    f(x) = (1/B) sum_b T_b(x)        (class fractions for a classifier, means for a regressor).

Why it works: for trees with variance sigma^2 and pairwise correlation rho, the average has
variance rho sigma^2 + (1 - rho) sigma^2 / B. Bagging alone drives the second term down;
drawing features at each split lowers rho, the part bagging cannot touch, at the price of a
slightly higher bias per tree.

Each sample is out of the bootstrap of a fraction (1 - 1/n)^n ~ e^-1 of the trees: averaging
only those trees gives an out-of-bag prediction for every sample and an honest estimate of the
generalisation error without a held-out set (``oob_score=True``).

Trees are grown in threads (the compiled builder releases the GIL). Every tree's seed is drawn
up front from ``random_state``, exactly as scikit-learn draws them, so the forest is the same for
any ``n_jobs`` (and, with no ties between candidate splits, the same as scikit-learn's).
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml.tree import DecisionTreeClassifier, DecisionTreeRegressor
from glassml.tree._cart import CLASSIFICATION_CRITERIA, REGRESSION_CRITERIA
from glassml.tree._classes import BaseDecisionTree, check_tree_input
from glassml.tree._fitting import (
    SortedFeatures,
    apply_class_weight,
    check_training_data,
    grow,
    resolve_settings,
    sort_features,
    splitter_seed,
)
from glassml.tree._packed import PackedTrees

MAX_INT = np.iinfo(np.int32).max


def bootstrap_counts(seed: int, n_samples: int, n_draws: int, weight: np.ndarray | None):
    """How often each sample is drawn in tree ``seed``'s bootstrap (scikit-learn's draw:
    uniform, or proportional to the sample weights when they are given)."""
    generator = np.random.RandomState(seed)
    if weight is None:
        drawn = generator.randint(0, n_samples, n_draws)
    else:
        drawn = generator.choice(n_samples, n_draws, replace=True, p=weight / weight.sum())
    return np.bincount(drawn, minlength=n_samples)


def _n_draws(n_samples: int, max_samples: Any, weight: np.ndarray | None) -> int:
    if max_samples is None:
        return n_samples
    if isinstance(max_samples, Integral):
        if max_samples > n_samples:
            raise ValueError(
                f"max_samples: expected at most n_samples = {n_samples}, got {max_samples}"
            )
        return int(max_samples)
    total = n_samples if weight is None else float(weight.sum())
    return max(int(max_samples * total), 1)


class BaseForest(BaseEstimator):
    """Fitting, out-of-bag estimates and queries shared by both forests."""

    _parameter_constraints: ClassVar[dict] = {
        **{
            key: value
            for key, value in BaseDecisionTree._parameter_constraints.items()
            if key != "random_state"
        },
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "bootstrap": ["boolean"],
        "oob_score": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "max_samples": [
            None,
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
    }
    _tree_class: ClassVar[type]
    _tree_parameters = (
        "criterion",
        "max_depth",
        "min_samples_split",
        "min_samples_leaf",
        "min_weight_fraction_leaf",
        "max_features",
        "min_impurity_decrease",
        "ccp_alpha",
    )

    def _new_tree(self, seed: int, tree_):
        parameters = {name: getattr(self, name) for name in self._tree_parameters}
        tree = self._tree_class(**parameters, random_state=seed)
        tree.tree_ = tree_
        tree.n_features_in_ = self.n_features_in_
        tree.n_outputs_ = 1
        tree.max_features_ = self._settings.max_features
        if isinstance(self, ClassifierMixin):
            tree.classes_ = self.classes_
            tree.n_classes_ = self.n_classes_
        return tree

    def _grow_one(self, features: SortedFeatures, y_class, y_value, weight, seed: int):
        if self.bootstrap:
            counts = bootstrap_counts(seed, len(weight), self._n_draws, self._draw_weight)
            tree_weight = counts.astype(np.float64)
            if getattr(self, "class_weight", None) == "balanced_subsample":
                tree_weight *= _balanced_subsample(y_class, counts)
        else:
            tree_weight = weight
        if not tree_weight.any():
            tree_weight = weight  # a bootstrap of only zero-weight samples: grow on all
        random_state = np.random.RandomState(seed)
        tree_ = grow(
            features, y_class, y_value, tree_weight, self._settings, splitter_seed(random_state)
        )
        return self._new_tree(seed, tree_)

    def _fit_forest(self, X: Any, y: Any, sample_weight: Any):
        self._validate_params()
        data = check_training_data(self, X, y, sample_weight)
        X, y, weight, y_class, y_value = data.X, data.y, data.weight, data.y_class, data.y_value
        is_classifier = y_class is not None
        class_weight = None
        if is_classifier:
            class_weight = self.class_weight
            if class_weight == "balanced_subsample" and not self.bootstrap:
                class_weight = "balanced"  # without bootstrap the subsample is the sample
            if class_weight not in (None, "balanced_subsample"):
                weight = apply_class_weight(weight, class_weight, y, self.classes_)
        if not self.bootstrap and (self.oob_score or self.max_samples is not None):
            raise ValueError(
                "bootstrap: expected True when oob_score or max_samples is set, got False"
            )
        n_samples = X.shape[0]
        self.n_outputs_ = 1
        self._settings = resolve_settings(
            self, data.criterion, self.n_classes_ if is_classifier else 1, *X.shape
        )
        weighted = sample_weight is not None or (
            is_classifier and class_weight not in (None, "balanced_subsample")
        )
        self._draw_weight = weight if weighted else None
        self._n_draws = _n_draws(n_samples, self.max_samples, self._draw_weight)

        random_state = check_random_state(self.random_state)
        self._seeds = [int(random_state.randint(MAX_INT)) for _ in range(self.n_estimators)]
        features = sort_features(X)
        self.estimators_ = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(self._grow_one)(features, y_class, y_value, weight, seed)
            for seed in self._seeds
        )
        self._packed = PackedTrees([tree.tree_ for tree in self.estimators_])
        if self.oob_score:
            self._set_oob(X, y, y_class)
        return self

    # ---------------------------------------------------------------- predictions

    def _mean_value(self, X: np.ndarray) -> np.ndarray:
        """(1/B) sum_b of the trees' leaf values, shape (n_samples, n_values)."""
        packed = self._packed
        out = np.zeros((X.shape[0], packed.value.shape[1]))
        packed.accumulate(X, out)
        return out / len(self.estimators_)

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        return check_tree_input(self, X)

    def _oob_values(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sum of out-of-bag tree values and the number of such trees, per sample."""
        n_samples = X.shape[0]
        width = self.estimators_[0].tree_.value.shape[2]
        total = np.zeros((n_samples, width))
        n_trees = np.zeros(n_samples, dtype=np.int64)
        for seed, tree in zip(self._seeds, self.estimators_, strict=True):
            counts = bootstrap_counts(seed, n_samples, self._n_draws, self._draw_weight)
            unsampled = np.flatnonzero(counts == 0)
            total[unsampled] += tree.tree_.predict(X[unsampled])[:, 0, :]
            n_trees[unsampled] += 1
        if np.any(n_trees == 0):
            warnings.warn(
                "Some samples are in every tree's bootstrap and have no out-of-bag "
                "prediction; use more trees for a reliable out-of-bag estimate.",
                UserWarning,
                stacklevel=3,
            )
        return total, n_trees

    def apply(self, X: Any) -> np.ndarray:
        """Leaf index of every sample in every tree, shape (n_samples, n_estimators)."""
        X = self._validated(X)
        return np.column_stack([tree.tree_.apply(X) for tree in self.estimators_])

    @property
    def feature_importances_(self) -> np.ndarray:
        """Mean over trees of each tree's normalised impurity decrease, renormalised."""
        check_is_fitted(self, "estimators_")
        per_tree = [
            tree.tree_.compute_feature_importances()
            for tree in self.estimators_
            if tree.tree_.node_count > 1
        ]
        if not per_tree:
            return np.zeros(self.n_features_in_)
        mean = np.mean(per_tree, axis=0)
        return mean / mean.sum()


def _balanced_subsample(y_class: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """'balanced' class weights computed on the bootstrap sample: n / (K n_k) per class."""
    n_classes = int(y_class.max()) + 1
    per_class = np.bincount(y_class, weights=counts, minlength=n_classes)
    present = per_class > 0
    weights = np.zeros(n_classes)
    weights[present] = counts.sum() / (present.sum() * per_class[present])
    return weights[y_class]


class RandomForestClassifier(ClassifierMixin, BaseForest):
    """Random forest classifier: bagged CART trees with random feature subsets.

    Each tree b is grown on a bootstrap sample, choosing each split among ``max_features``
    features drawn at random, and the forest predicts the mean of the trees' class fractions,
    p(k | x) = (1/B) sum_b p_b(k | x) (Breiman, 2001). Averaging B trees of variance sigma^2 and
    correlation rho leaves variance rho sigma^2 + (1 - rho) sigma^2 / B; feature sampling
    lowers rho. Out-of-bag predictions average only the trees whose bootstrap missed the
    sample.

    Parameters
    ----------
    n_estimators : int, default=100
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
    max_depth, min_samples_split, min_samples_leaf, min_weight_fraction_leaf,
    min_impurity_decrease, ccp_alpha
        As in :class:`glassml.tree.DecisionTreeClassifier`.
    max_features : int, float, "sqrt", "log2" or None, default="sqrt"
    bootstrap : bool, default=True
        Grow each tree on a bootstrap sample (else on the whole sample).
    oob_score : bool, default=False
        Estimate the accuracy from out-of-bag predictions.
    n_jobs : int or None, default=None
        Threads growing trees (None: 1; -1: all cores). The forest does not depend on it.
    random_state : int, RandomState or None, default=None
    class_weight : dict, "balanced", "balanced_subsample" or None, default=None
        "balanced_subsample" recomputes the balanced weights on each bootstrap sample.
    max_samples : int, float or None, default=None
        Bootstrap size: n_samples (None), an integer, or a fraction of n_samples.

    Attributes
    ----------
    estimators_ : list of DecisionTreeClassifier
        The fitted trees (node arrays in each ``tree_``).
    classes_, n_classes_, n_features_in_, feature_importances_
    oob_score_, oob_decision_function_
        Out-of-bag accuracy and class probabilities (with ``oob_score=True``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from glassml.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> forest = RandomForestClassifier(n_estimators=50, oob_score=True, random_state=0)
    >>> forest = forest.fit(X, y)
    >>> len(forest.estimators_), round(float(forest.oob_score_), 2)
    (50, 0.96)
    """

    _tree_class = DecisionTreeClassifier
    _parameter_constraints: ClassVar[dict] = {
        **BaseForest._parameter_constraints,
        "criterion": [StrOptions(set(CLASSIFICATION_CRITERIA))],
        "class_weight": [dict, StrOptions({"balanced", "balanced_subsample"}), None],
    }

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: int | float | str | None = "sqrt",
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool = False,
        n_jobs: int | None = None,
        random_state: Any = None,
        class_weight: Any = None,
        ccp_alpha: float = 0.0,
        max_samples: int | float | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.max_samples = max_samples

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RandomForestClassifier:
        """Grow ``n_estimators`` trees on bootstrap samples of ``X, y``."""
        return self._fit_forest(X, y, sample_weight)

    def _set_oob(self, X: np.ndarray, y: np.ndarray, y_class: np.ndarray) -> None:
        total, n_trees = self._oob_values(X)
        self.oob_decision_function_ = total / np.maximum(n_trees, 1)[:, None]
        self.oob_score_ = accuracy_score(y_class, np.argmax(self.oob_decision_function_, axis=1))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean class fractions of the trees' leaves, shape (n_samples, n_classes)."""
        return self._mean_value(self._validated(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest mean probability."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class RandomForestRegressor(RegressorMixin, BaseForest):
    """Random forest regressor: the mean of bagged CART regression trees.

    f(x) = (1/B) sum_b T_b(x), each T_b grown on a bootstrap sample with ``max_features``
    features drawn at each split (Breiman, 2001); see :class:`RandomForestClassifier` for the
    variance argument. The out-of-bag score is the R^2 of the out-of-bag means.

    Parameters
    ----------
    n_estimators : int, default=100
    criterion : {"squared_error", "poisson"}, default="squared_error"
    max_depth, min_samples_split, min_samples_leaf, min_weight_fraction_leaf,
    min_impurity_decrease, ccp_alpha
        As in :class:`glassml.tree.DecisionTreeRegressor`.
    max_features : int, float, "sqrt", "log2" or None, default=1.0
    bootstrap, oob_score, n_jobs, random_state, max_samples
        As in :class:`RandomForestClassifier`.

    Attributes
    ----------
    estimators_ : list of DecisionTreeRegressor
    n_features_in_, feature_importances_
    oob_score_, oob_prediction_
        Out-of-bag R^2 and predictions (with ``oob_score=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.ensemble import RandomForestRegressor
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(300, 3))
    >>> y = X[:, 0] ** 2 + 0.1 * rng.normal(size=300)
    >>> forest = RandomForestRegressor(n_estimators=30, random_state=0).fit(X, y)
    >>> bool(forest.score(X, y) > 0.9)
    True
    """

    _tree_class = DecisionTreeRegressor
    _parameter_constraints: ClassVar[dict] = {
        **BaseForest._parameter_constraints,
        "criterion": [StrOptions(set(REGRESSION_CRITERIA))],
    }

    def __init__(
        self,
        n_estimators: int = 100,
        *,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: int | float | str | None = 1.0,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool = False,
        n_jobs: int | None = None,
        random_state: Any = None,
        ccp_alpha: float = 0.0,
        max_samples: int | float | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.ccp_alpha = ccp_alpha
        self.max_samples = max_samples

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RandomForestRegressor:
        """Grow ``n_estimators`` regression trees on bootstrap samples of ``X, y``."""
        return self._fit_forest(X, y, sample_weight)

    def _set_oob(self, X: np.ndarray, y: np.ndarray, y_class: Any) -> None:
        total, n_trees = self._oob_values(X)
        self.oob_prediction_ = total[:, 0] / np.maximum(n_trees, 1)
        self.oob_score_ = r2_score(y, self.oob_prediction_)

    def predict(self, X: Any) -> np.ndarray:
        """Mean of the trees' leaf means."""
        return self._mean_value(self._validated(X))[:, 0]
