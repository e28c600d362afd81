"""Decision trees (CART): the estimators around the builder in ``_cart.py``."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import (
    check_predict_data,
    fail,
)
from glassml.tree._cart import CLASSIFICATION_CRITERIA, REGRESSION_CRITERIA
from glassml.tree._fitting import (
    apply_class_weight,
    check_finite_features,
    check_training_data,
    grow,
    regression_targets,
    resolve_settings,
    sort_features,
    splitter_seed,
)
from glassml.tree._pruning import pruning_path


def check_tree_input(estimator: Any, X: Any) -> np.ndarray:
    """X at predict time: float64, C order, the fitted number of features, no NaN or inf."""
    X = check_predict_data(estimator, X, dtype=np.float64, order="C", ensure_all_finite=False)
    return check_finite_features(estimator, X)


def check_prunable_scale(criterion: str, y: np.ndarray) -> None:
    """Pruning compares squared errors: they must be representable in float64."""
    top = float(np.max(np.abs(y), initial=0.0))
    if criterion == "squared_error" and top > 0 and not 1e-150 <= top <= 1e150:
        raise fail(
            "y",
            "magnitudes between 1e-150 and 1e150 for cost-complexity pruning, whose "
            "impurities are squared errors",
            f"values of magnitude {top:.3g}",
        )


class BaseDecisionTree(BaseEstimator):
    """What the classifier and the regressor share: validation, growth, the tree's queries."""

    _parameter_constraints: ClassVar[dict] = {
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_split": [
            Interval(Integral, 2, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
        ],
        "min_samples_leaf": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
        "min_weight_fraction_leaf": [Interval(Real, 0.0, 0.5, closed="both")],
        "max_features": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            StrOptions({"sqrt", "log2"}),
            None,
        ],
        "random_state": ["random_state"],
        "min_impurity_decrease": [Interval(Real, 0.0, None, closed="left")],
        "ccp_alpha": [Interval(Real, 0.0, None, closed="left")],
    }

    def _fit_tree(self, X: Any, y: Any, sample_weight: Any) -> BaseDecisionTree:
        self._validate_params()
        data = check_training_data(self, X, y, sample_weight)
        weight = data.weight
        is_classifier = data.y_class is not None
        if is_classifier:
            if self.class_weight is not None:
                weight = apply_class_weight(weight, self.class_weight, data.y, self.classes_)
        elif self.ccp_alpha > 0:
            check_prunable_scale(self.criterion, data.y_value)
        if not weight[weight > 0].size:
            raise ValueError("sample_weight: expected at least one positive weight, got all zero")
        self.n_outputs_ = 1
        settings = resolve_settings(
            self, data.criterion, self.n_classes_ if is_classifier else 1, *data.X.shape
        )
        self.max_features_ = settings.max_features
        seed = splitter_seed(check_random_state(self.random_state))
        self.tree_ = grow(sort_features(data.X), data.y_class, data.y_value, weight, settings, seed)
        return self

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "tree_")
        return check_tree_input(self, X)

    def apply(self, X: Any) -> np.ndarray:
        """Index of the leaf each sample ends in."""
        X = self._validated(X)
        return self.tree_.apply(X)

    def decision_path(self, X: Any) -> csr_matrix:
        """Sparse indicator: (i, j) is 1 iff sample i passes through node j."""
        X = self._validated(X)
        return self.tree_.decision_path(X)

    def get_depth(self) -> int:
        """Depth of the tree (a lone root has depth 0)."""
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        """Number of leaves."""
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def feature_importances_(self) -> np.ndarray:
        """Mean decrease in impurity per feature, normalised to sum to one."""
        check_is_fitted(self, "tree_")
        return self.tree_.compute_feature_importances()

    def cost_complexity_pruning_path(self, X: Any, y: Any, sample_weight: Any = None) -> Bunch:
        """Effective alphas of minimal cost-complexity pruning and the impurity of each subtree.

        Grows the unpruned tree (``ccp_alpha=0``) on ``X, y`` and returns
        ``Bunch(ccp_alphas, impurities)``: pruning with ``ccp_alpha`` in
        ``[ccp_alphas[i], ccp_alphas[i + 1])`` gives the i-th subtree, whose total leaf
        impurity is ``impurities[i]``.
        """
        full = clone(self).set_params(ccp_alpha=0.0).fit(X, y, sample_weight)
        if not isinstance(self, ClassifierMixin):
            check_prunable_scale(self.criterion, regression_targets(y))
        alphas, impurities = pruning_path(full.tree_)
        return Bunch(ccp_alphas=alphas, impurities=impurities)


class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    """CART classification tree (Breiman, Friedman, Olshen & Stone, 1984).

    Each node holding weighted class proportions p_k is split on the feature and threshold
    x_j <= t that maximise the weighted impurity decrease

        Delta = (W_node / W) (i(node) - (W_L / W_node) i(L) - (W_R / W_node) i(R)),

    with i = gini 1 - sum_k p_k^2 or entropy -sum_k p_k log2 p_k, found by one sweep over
    each feature's sorted values. Growth stops at pure, small or deep nodes or when
    Delta < ``min_impurity_decrease``; ``ccp_alpha > 0`` then prunes the subtree of minimal
    R(T) + ccp_alpha |leaves(T)| (weakest-link pruning). Leaves predict their class fractions.

    With ``max_features=None`` and no ties between candidate splits the tree equals
    scikit-learn's (same splits, thresholds and leaf values); the fitted arrays are in
    ``tree_`` with scikit-learn's names (the layout ``glassml.explain`` reads).

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
    max_depth : int or None, default=None
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    min_weight_fraction_leaf : float, default=0.0
    max_features : int, float, "sqrt", "log2" or None, default=None
        Features drawn (without replacement) at each node.
    random_state : int, RandomState or None, default=None
    min_impurity_decrease : float, default=0.0
    class_weight : dict, "balanced" or None, default=None
    ccp_alpha : float, default=0.0

    Attributes
    ----------
    tree_ : Tree
        ``children_left``, ``children_right``, ``feature``, ``threshold``, ``value`` (class
        fractions, shape (node_count, 1, n_classes)), ``impurity``, ``n_node_samples``,
        ``weighted_n_node_samples``.
    classes_, n_classes_, n_features_in_, max_features_, feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from glassml.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> tree = DecisionTreeClassifier(max_depth=2).fit(X, y)
    >>> tree.get_depth(), tree.get_n_leaves()
    (2, 3)
    >>> round(float(tree.score(X, y)), 3)
    0.96
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseDecisionTree._parameter_constraints,
        "criterion": [StrOptions(set(CLASSIFICATION_CRITERIA))],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: int | float | str | None = None,
        random_state: Any = None,
        min_impurity_decrease: float = 0.0,
        class_weight: Any = None,
        ccp_alpha: float = 0.0,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> DecisionTreeClassifier:
        """Grow the tree on ``X`` (n_samples, n_features) and class labels ``y``."""
        return self._fit_tree(X, y, sample_weight)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class fractions of the leaf each sample ends in, shape (n_samples, n_classes)."""
        X = self._validated(X)
        return self.tree_.predict(X)[:, 0, :]

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (-inf for classes absent from the leaf)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most frequent (weighted) class of each sample's leaf."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """CART regression tree (Breiman, Friedman, Olshen & Stone, 1984).

    Each node is split on the feature and threshold x_j <= t that maximise the weighted
    impurity decrease (W_node / W) (i(node) - (W_L / W_node) i(L) - (W_R / W_node) i(R)), with
    i the weighted variance of y ("squared_error": the split maximises
    (sum_L y)^2 / W_L + (sum_R y)^2 / W_R) or the half Poisson deviance
    (1/W) sum_i w_i y_i log(y_i / ybar) ("poisson"). Leaves predict the weighted mean of y.
    Stopping rules and ``ccp_alpha`` pruning as in :class:`DecisionTreeClassifier`; with
    ``max_features=None`` and no ties the tree equals scikit-learn's.

    Parameters
    ----------
    criterion : {"squared_error", "poisson"}, default="squared_error"
    max_depth, min_samples_split, min_samples_leaf, min_weight_fraction_leaf, max_features,
    random_state, min_impurity_decrease, ccp_alpha
        As in :class:`DecisionTreeClassifier`.

    Attributes
    ----------
    tree_ : Tree
        Node arrays; ``value`` has shape (node_count, 1, 1) and holds the node means.
    n_features_in_, max_features_, feature_importances_

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.tree import DecisionTreeRegressor
    >>> X = np.arange(8.0).reshape(-1, 1); y = np.array([1., 1., 1., 1., 5., 5., 5., 5.])
    >>> tree = DecisionTreeRegressor(max_depth=1).fit(X, y)
    >>> float(tree.tree_.threshold[0]), tree.predict([[2.0], [6.0]]).tolist()
    (3.5, [1.0, 5.0])
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseDecisionTree._parameter_constraints,
        "criterion": [StrOptions(set(REGRESSION_CRITERIA))],
    }

    def __init__(
        self,
        *,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int | float = 2,
        min_samples_leaf: int | float = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: int | float | str | None = None,
        random_state: Any = None,
        min_impurity_decrease: float = 0.0,
        ccp_alpha: float = 0.0,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease
        self.ccp_alpha = ccp_alpha

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> DecisionTreeRegressor:
        """Grow the tree on ``X`` (n_samples, n_features) and real targets ``y``."""
        return self._fit_tree(X, y, sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """The weighted mean target of each sample's leaf."""
        X = self._validated(X)
        return self.tree_.predict(X)[:, 0, 0]
