"""Histogram gradient boosting: Newton's method on the loss, one tree per step.

Boosting fits an additive model F_M(x) = F_0 + sum_{m=1}^M f_m(x) stage by stage. At stage m
the loss L(F) = sum_i w_i l(y_i, F(x_i)) is expanded to second order around the current scores
F_{m-1}(x_i), with g_i and h_i its per-sample first and second derivatives (``_losses.py``):

    L(F_{m-1} + f) ~ L(F_{m-1}) + sum_i [g_i f(x_i) + h_i f(x_i)^2 / 2] + lambda/2 sum_j w_j^2.

A tree with leaves j puts one value w_j on all its samples, so the expansion separates by leaf
and each leaf's minimiser is a Newton step, w_j = -G_j / (H_j + lambda). The tree itself is
grown greedily on the gain G_L^2/(H_L+lambda) + G_R^2/(H_R+lambda) - G^2/(H+lambda) of each
split (twice the decrease of the expansion; Chen & Guestrin 2016), from per-bin histograms of
g and h over quantile-binned features (``_binning.py``, ``_histogram.py``, ``_grower.py``;
Ke et al. 2017). The update is damped: F_m = F_{m-1} + learning_rate * f_m. This is gradient
descent in function space, with the tree as the step's direction and the Hessian as its
metric.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numba
import numpy as np
from numba import njit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import (
    check_classes,
    check_fit_data,
    check_predict_data,
    check_weights,
    fail,
)
from glassml.ensemble._binning import BinMapper
from glassml.ensemble._grower import grow_tree
from glassml.ensemble._losses import REGRESSION_LOSSES, make_loss, weighted_median
from glassml.tree._fitting import apply_class_weight, extreme_exponent, regression_targets
from glassml.tree._nodes import LEAF, Tree
from glassml.tree._packed import PackedTrees

_SCORING_SUBSAMPLE = 10_000  # training rows scored per stage when scoring is not "loss"


class BoostedTree:
    """One tree of a boosted ensemble: ``tree_`` holds its nodes, ``value`` its leaves'
    contributions to the raw score (learning rate applied); NaN follows
    ``tree_.missing_go_to_left``."""

    def __init__(self, tree: Tree) -> None:
        self.tree_ = tree

    def predict(self, X: Any) -> np.ndarray:
        """The tree's contribution to the raw score at each row of ``X``."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        return self.tree_.predict(X)[:, 0, 0]


@njit(cache=True, nogil=True)
def _add_leaf_values(raw, indices, leaf_start, leaf_stop, left, value):
    """raw[i] += value of the leaf holding training sample i."""
    for node in range(left.shape[0]):
        if left[node] == LEAF:
            v = value[node, 0, 0]
            for p in range(leaf_start[node], leaf_stop[node]):
                raw[indices[p]] += v


def _monotonic_constraints(monotonic_cst: Any, n_features: int, names: Any) -> np.ndarray:
    """An int8 vector of -1 / 0 / +1 per feature from an array or a {feature: cst} dict."""
    out = np.zeros(n_features, dtype=np.int8)
    if monotonic_cst is None:
        return out
    if isinstance(monotonic_cst, dict):
        for key, cst in monotonic_cst.items():
            if isinstance(key, str):
                if names is None or key not in list(names):
                    raise fail("monotonic_cst", "keys that are feature names of X", key)
                index = list(names).index(key)
            elif isinstance(key, Integral) and 0 <= key < n_features:
                index = int(key)
            else:
                raise fail("monotonic_cst", f"feature indices in [0, {n_features})", key)
            out[index] = cst if cst in (-1, 0, 1) else 2
    else:
        values = np.asarray(monotonic_cst)
        if values.shape != (n_features,):
            raise fail("monotonic_cst", f"one constraint per feature ({n_features})", values)
        if values.dtype.kind not in "iuf" or not np.all(np.isin(values, (-1, 0, 1))):
            raise fail("monotonic_cst", "values in {-1, 0, 1}", values)
        out[:] = values.astype(np.int8)
    if np.any(out == 2):
        raise fail("monotonic_cst", "values in {-1, 0, 1}", monotonic_cst)
    return out


class BaseHistGradientBoosting(BaseEstimator):
    """The boosting loop shared by the classifier and the regressor."""

    _parameter_constraints: ClassVar[dict] = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "l2_regularization": [Interval(Real, 0, None, closed="left")],
        "max_bins": [Interval(Integral, 2, 255, closed="both")],
        "monotonic_cst": ["array-like", dict, None],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "scoring": [str, callable, None],
        "validation_fraction": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    # ---------------------------------------------------------------- fitting

    def _fit_boosting(self, X: Any, y: Any, sample_weight: Any):
        self._validate_params()
        is_classifier = isinstance(self, ClassifierMixin)
        X, y = check_fit_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            y_numeric=not is_classifier,
        )
        weight = check_weights(sample_weight, X)
        if is_classifier:
            self.classes_, y_fit = check_classes(y)
            self.n_classes_ = len(self.classes_)
            if self.class_weight is not None:
                weight = apply_class_weight(weight, self.class_weight, y, self.classes_)
            y_fit = y_fit.astype(np.float64)
            loss = make_loss("log_loss", self.n_classes_)
        else:
            y_fit = regression_targets(y, self.loss)
            loss = make_loss(self.loss)
        if not weight.any():
            raise ValueError("sample_weight: expected at least one positive weight, got all zero")
        # Extreme targets and weights (beyond 2^+-500) are divided by a power of two, which
        # changes no rounding, so that sums of gradients and squares neither overflow nor
        # vanish. The penalty and the Hessian threshold then apply to the rescaled problem
        # (in the original units, weights of 1e-300 would forbid every split).
        e_y = 0 if is_classifier else extreme_exponent(y_fit)
        e_w = extreme_exponent(weight)
        y_fit = np.ldexp(y_fit, -e_y) if e_y else y_fit
        weight = np.ldexp(weight, -e_w) if e_w else weight
        self._loss = loss
        self.n_trees_per_iteration_ = loss.n_trees
        n_samples, n_features = X.shape
        monotonic = _monotonic_constraints(
            self.monotonic_cst, n_features, getattr(self, "feature_names_in_", None)
        )
        if is_classifier and self.n_classes_ > 2 and monotonic.any():
            raise fail("monotonic_cst", "no constraint for a multiclass problem", "a constraint")
        unit_weight = sample_weight is None and getattr(self, "class_weight", None) is None
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.uint32).max, dtype="u8"))

        early_stopping = (
            n_samples > 10_000 if self.early_stopping == "auto" else self.early_stopping
        )
        validation = early_stopping and self.validation_fraction is not None
        if validation:
            stratify = y_fit if is_classifier else None
            X, X_val, y_fit, y_val, weight, w_val = train_test_split(
                X,
                y_fit,
                weight,
                test_size=self.validation_fraction,
                stratify=stratify,
                random_state=seed,
            )
            if X.shape[0] == 0 or X_val.shape[0] == 0:
                raise fail(
                    "validation_fraction",
                    "a split leaving training and validation samples",
                    self.validation_fraction,
                )
        binner = BinMapper(self.max_bins, np.random.RandomState(seed)).fit(
            X, None if unit_weight else weight
        )
        binned = binner.transform(X)
        n_train = X.shape[0]
        constant_hessian = loss.constant_hessian and unit_weight
        w = np.ascontiguousarray(weight, dtype=np.float64)
        self.baseline_ = loss.baseline(y_fit, w)
        K = loss.n_trees
        raw = np.repeat(self.baseline_[:, None], n_train, axis=1)  # (K, n): rows contiguous
        gradient = np.empty((K, n_train), dtype=np.float32)
        hessian = np.empty((K, n_train), dtype=np.float32)
        indices = np.empty(n_train, dtype=np.int32)
        og = np.empty(n_train, dtype=np.float32)
        oh = np.empty(n_train, dtype=np.float32)
        buffer = np.empty(n_train, dtype=np.int32)
        max_leaves = (
            self.max_leaf_nodes
            if self.max_leaf_nodes is not None
            else max(2, n_train // self.min_samples_leaf + 1)
        )
        pool = np.empty((min(max_leaves, 64) + 2, n_features, binner.max_bins + 1, 3))
        max_depth = np.iinfo(np.int32).max if self.max_depth is None else self.max_depth

        scorer = None if self.scoring == "loss" else check_scoring(self, self.scoring)
        if early_stopping and scorer is not None:
            small = rng.choice(n_train, min(n_train, _SCORING_SUBSAMPLE), replace=False)
            X_small, y_small, w_small = X[np.sort(small)], y_fit[np.sort(small)], w[np.sort(small)]
        raw_val = np.repeat(self.baseline_[None, :], X_val.shape[0], axis=0) if validation else None

        self.estimators_ = np.empty((0, K), dtype=object)
        self._packed = None
        losses: list[float] = []
        validation_losses: list[float] = []
        self.train_score_: list[float] = []
        self.validation_score_: list[float] = []
        trees: list[BoostedTree] = []
        n_threads = numba.get_num_threads()
        for _ in range(self.max_iter):
            losses.append(loss.gradient_hessian(y_fit, raw, w, gradient, hessian) / w.sum())
            if early_stopping:
                if scorer is None:
                    self.train_score_.append(-losses[-1])
                    if validation:
                        validation_losses.append(loss.loss(y_val, raw_val.T.copy(), w_val))
                        self.validation_score_.append(-validation_losses[-1])
                else:
                    self._record_scores(
                        scorer,
                        X_small,
                        y_small,
                        w_small,
                        X_val if validation else None,
                        y_val if validation else None,
                        w_val if validation else None,
                    )
                scores = self.validation_score_ if validation else self.train_score_
                if self._should_stop(scores):
                    break
            stage = []
            for k in range(K):
                nodes, count, leaf_start, leaf_stop, pool = grow_tree(
                    binned,
                    gradient[k],
                    hessian[k],
                    w,
                    constant_hessian,
                    indices,
                    og,
                    oh,
                    buffer,
                    pool,
                    binner.n_bins_non_missing,
                    binner.has_missing,
                    binner.missing_bin,
                    monotonic,
                    binner.edges,
                    binner.n_edges,
                    max_leaves,
                    max_depth,
                    self.min_samples_leaf,
                    1e-3,
                    self.l2_regularization,
                    self.learning_rate,
                    n_threads,
                )
                tree = Tree.from_nodes(nodes, count, n_features=n_features, accepts_missing=True)
                if loss.name == "absolute_error":
                    self._median_leaves(
                        tree, y_fit, raw[k], w, unit_weight, indices, leaf_start, leaf_stop
                    )
                _add_leaf_values(
                    raw[k], indices, leaf_start, leaf_stop, tree.children_left, tree.value
                )
                stage.append(BoostedTree(tree))
            trees.extend(stage)
            self.estimators_ = np.array(trees, dtype=object).reshape(-1, K)
            self._packed = None
            if validation:
                PackedTrees([t.tree_ for t in stage], np.arange(K)).accumulate(X_val, raw_val)
        else:
            if early_stopping and scorer is None:
                self.train_score_.append(-loss.loss(y_fit, raw, w))
                if validation:
                    validation_losses.append(loss.loss(y_val, raw_val.T.copy(), w_val))
                    self.validation_score_.append(-validation_losses[-1])
            elif early_stopping:
                self._record_scores(
                    scorer,
                    X_small,
                    y_small,
                    w_small,
                    X_val if validation else None,
                    y_val if validation else None,
                    w_val if validation else None,
                )
        self.n_iter_ = self.estimators_.shape[0]
        if len(losses) == self.n_iter_:
            losses.append(loss.loss(y_fit, raw, w))
        self.history_ = {"loss": np.array(losses[: self.n_iter_ + 1])}
        if validation and scorer is None:
            self.history_["validation_loss"] = np.array(validation_losses[: self.n_iter_ + 1])
        self.train_score_ = np.asarray(self.train_score_)
        self.validation_score_ = np.asarray(self.validation_score_)
        if e_y:
            self._restore_target_scale(e_y, np.average(y_fit, weights=w),
                                       np.average(y_val, weights=w_val) if validation else 0.0,
                                       scorer is None)  # fmt: skip
        self.do_early_stopping_ = bool(early_stopping)
        self._packed = None
        self._packed_trees()  # built now: predicting never changes the fitted estimator
        return self

    def _restore_target_scale(self, e, mean_y, mean_y_val, loss_scores):
        """Back from targets y 2^-e to y: scores and trees in the original units.

        Squared and absolute error are equivariant: raw scores scale by 2^e (losses by 4^e and
        2^e). Poisson's log link shifts the raw score by e log 2 instead, and its loss
        exp(F) - y F becomes 2^e (l - e log 2 ybar).
        """
        name = self._loss.name
        if name == "poisson":
            self.baseline_ = self.baseline_ + e * np.log(2.0)
            convert = {"loss": mean_y, "validation_loss": mean_y_val}
            for key, mean in convert.items():
                if key in self.history_:
                    self.history_[key] = np.ldexp(self.history_[key] - e * np.log(2.0) * mean, e)
        else:
            power = 2 * e if name == "squared_error" else e
            self.baseline_ = np.ldexp(self.baseline_, e)
            for tree in self.estimators_.ravel():
                tree.tree_.value[...] = np.ldexp(tree.tree_.value, e)
            with np.errstate(over="ignore"):  # a loss of 1e600 is infinite in float64
                for key in self.history_:
                    self.history_[key] = np.ldexp(self.history_[key], power)
        if loss_scores:
            self.train_score_ = -self.history_["loss"][: len(self.train_score_)]
            if "validation_loss" in self.history_:
                self.validation_score_ = -self.history_["validation_loss"]

    def _median_leaves(self, tree, y, raw, w, unit_weight, indices, leaf_start, leaf_stop):
        """Absolute error: a leaf's value becomes the (weighted) median of its residuals."""
        for node in np.flatnonzero(tree.children_left == LEAF):
            members = indices[leaf_start[node] : leaf_stop[node]]
            residual = y[members] - raw[members]
            median = weighted_median(residual, None if unit_weight else w[members])
            tree.value[node, 0, 0] = self.learning_rate * median

    def _record_scores(self, scorer, X_small, y_small, w_small, X_val, y_val, w_val):
        def score(X, y, w):
            labels = self.classes_[y.astype(int)] if hasattr(self, "classes_") else y
            with warnings.catch_warnings():  # fitted on a frame, scored on its array
                warnings.simplefilter("ignore", UserWarning)
                return scorer(self, X, labels, sample_weight=w)

        self.train_score_.append(score(X_small, y_small, w_small))
        if X_val is not None:
            self.validation_score_.append(score(X_val, y_val, w_val))

    def _should_stop(self, scores: list[float]) -> bool:
        """True when none of the last n_iter_no_change scores beats the one before them by
        more than ``tol`` (scikit-learn's rule)."""
        reference = self.n_iter_no_change + 1
        if len(scores) < reference:
            return False
        return not any(score > scores[-reference] + self.tol for score in scores[-reference + 1 :])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values have their own bin
        return tags

    # ---------------------------------------------------------------- predictions

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        return check_predict_data(
            self, X, dtype=[np.float64, np.float32], order="C", ensure_all_finite="allow-nan"
        )

    def _packed_trees(self) -> PackedTrees:
        if getattr(self, "_packed", None) is None:
            K = self.n_trees_per_iteration_
            trees = [tree.tree_ for tree in self.estimators_.ravel()]
            self._packed = PackedTrees(trees, np.tile(np.arange(K), self.estimators_.shape[0]))
        return self._packed

    def _raw_predict(self, X: np.ndarray, n_iter: int | None = None) -> np.ndarray:
        """baseline_ + sum of the trees of the first ``n_iter`` stages, shape (n, K)."""
        raw = np.repeat(self.baseline_[None, :], X.shape[0], axis=0)
        if self.estimators_.size:
            stop = self.estimators_.size if n_iter is None else n_iter * raw.shape[1]
            self._packed_trees().accumulate(X, raw, 0, stop)
        return raw

    def _staged_raw_predict(self, X: Any):
        X = self._validated(X)
        K = self.n_trees_per_iteration_
        raw = np.repeat(self.baseline_[None, :], X.shape[0], axis=0)
        packed = self._packed_trees()
        for stage in range(self.estimators_.shape[0]):
            packed.accumulate(X, raw, stage * K, (stage + 1) * K)
            yield raw.copy()


class HistGradientBoostingRegressor(RegressorMixin, BaseHistGradientBoosting):
    """Histogram gradient boosting regressor (Friedman, 2001; Chen & Guestrin, 2016; Ke et al.,
    2017).

    Minimises sum_i w_i l(y_i, F(x_i)) over additive models F = F_0 + sum_m f_m of trees by
    Newton steps in function space. At stage m, with g_i, h_i the derivatives of l at the
    current scores, the loss is expanded to second order,

        L(F + f) ~ L(F) + sum_i [g_i f(x_i) + h_i f(x_i)^2 / 2] + (lambda / 2) sum_j w_j^2,

    a tree is grown leaf-wise on the split gain
    G_L^2/(H_L + lambda) + G_R^2/(H_R + lambda) - G^2/(H + lambda) (G, H: sums of g, h in a
    node), and its leaves take the Newton steps w_j = -G_j / (H_j + lambda); then
    F <- F + learning_rate * f. Features are binned into at most ``max_bins`` quantile bins
    (NaN has its own bin, and each split learns which side it goes to).

    Losses: "squared_error" (l = (F - y)^2 / 2), "absolute_error" (|F - y|; leaves are set
    to the median residual), "poisson" (exp(F) - y F, prediction exp(F)).

    Parameters
    ----------
    loss : {"squared_error", "absolute_error", "poisson"}, default="squared_error"
    learning_rate : float, default=0.1
    max_iter : int, default=100
        Number of boosting stages (at most, with early stopping).
    max_leaf_nodes : int or None, default=31
    max_depth : int or None, default=None
    min_samples_leaf : int, default=20
    l2_regularization : float, default=0.0
        lambda above.
    max_bins : int, default=255
        Bins for non-missing values, at most 255 (one byte per value, plus the NaN bin).
    monotonic_cst : array-like of {-1, 0, 1}, dict or None, default=None
        Per-feature constraint: the prediction must increase (1) or decrease (-1) with the
        feature. Children values are bounded by the mid-point of their parent's split.
    early_stopping : "auto" or bool, default="auto"
        "auto": on when there are more than 10,000 samples.
    scoring : str, callable or None, default="loss"
        What early stopping watches: the loss, or a scikit-learn scorer.
    validation_fraction : int, float or None, default=0.1
        Held-out part of the training data early stopping scores (None: the training data).
    n_iter_no_change : int, default=10
    tol : float, default=1e-7
        Stop when none of the last ``n_iter_no_change`` scores beats the score before them
        by more than ``tol``.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : ndarray of BoostedTree, shape (n_iter_, 1)
        Each tree's ``tree_`` holds its nodes; leaf values include the learning rate and
        thresholds are real feature values.
    baseline_ : ndarray of shape (1,)
        The initial raw score F_0.
    n_iter_, n_trees_per_iteration_, n_features_in_
    history_ : dict
        "loss": the training loss before each stage and after the last (n_iter_ + 1 values);
        "validation_loss" likewise when early stopping uses held-out data.
    train_score_, validation_score_ : scores early stopping watched (negative loss).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.ensemble import HistGradientBoostingRegressor
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(500, 3))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=500)
    >>> model = HistGradientBoostingRegressor(max_iter=50).fit(X, y)
    >>> bool(np.all(np.diff(model.history_["loss"]) <= 0)), model.n_iter_
    (True, 50)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseHistGradientBoosting._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
    }

    def __init__(
        self,
        loss: str = "squared_error",
        *,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        max_leaf_nodes: int | None = 31,
        max_depth: int | None = None,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_bins: int = 255,
        monotonic_cst: Any = None,
        early_stopping: str | bool = "auto",
        scoring: Any = "loss",
        validation_fraction: int | float | None = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-7,
        random_state: Any = None,
    ) -> None:
        self.loss = loss
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_bins = max_bins
        self.monotonic_cst = monotonic_cst
        self.early_stopping = early_stopping
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> HistGradientBoostingRegressor:
        """Boost trees on ``X`` (NaN allowed) and real targets ``y``."""
        return self._fit_boosting(X, y, sample_weight)

    def predict(self, X: Any) -> np.ndarray:
        """F(x) through the inverse link: the raw score, or exp(F) for the poisson loss."""
        X = self._validated(X)
        return self._loss.inverse_link(self._raw_predict(X))

    def staged_predict(self, X: Any):
        """Predictions after each stage (a generator of n_iter_ arrays)."""
        for raw in self._staged_raw_predict(X):
            yield self._loss.inverse_link(raw)


class HistGradientBoostingClassifier(ClassifierMixin, BaseHistGradientBoosting):
    """Histogram gradient boosting classifier: Newton boosting of the log-loss.

    Binary: one tree per stage on the log-odds F, p = 1 / (1 + exp(-F)), with
    l = log(1 + exp(F)) - y F, g = p - y, h = p (1 - p). K classes: K trees per stage, one per
    class logit F_k, p = softmax(F), l = log sum_k exp(F_k) - F_y, g_k = p_k - [y = k],
    h_k = p_k (1 - p_k) (the Hessian's diagonal). Each stage expands the loss to second order,
    grows each tree leaf-wise on the gain G_L^2/(H_L + lambda) + G_R^2/(H_R + lambda)
    - G^2/(H + lambda) and sets its leaves to the Newton steps -G_j / (H_j + lambda), scaled by
    the learning rate (Friedman, 2001; Chen & Guestrin, 2016; Ke et al., 2017). See
    :class:`HistGradientBoostingRegressor` for binning, missing values and early stopping.

    Parameters
    ----------
    learning_rate, max_iter, max_leaf_nodes, max_depth, min_samples_leaf, l2_regularization,
    max_bins, monotonic_cst, early_stopping, scoring, validation_fraction, n_iter_no_change,
    tol, random_state
        As in :class:`HistGradientBoostingRegressor` (monotonic constraints: binary only, on
        the positive class's log-odds).
    loss : {"log_loss"}, default="log_loss"
    class_weight : dict, "balanced" or None, default=None

    Attributes
    ----------
    estimators_ : ndarray of BoostedTree, shape (n_iter_, n_trees_per_iteration_)
        One tree per stage (binary) or per stage and class; leaf values are contributions to
        the raw scores, learning rate applied.
    baseline_ : ndarray of shape (n_trees_per_iteration_,)
        Initial log-odds (binary) or centred log class frequencies.
    classes_, n_classes_, n_iter_, history_, train_score_, validation_score_

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from glassml.ensemble import HistGradientBoostingClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    >>> model.estimators_.shape, round(float(model.score(X, y)), 2)
    ((30, 1), 0.99)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseHistGradientBoosting._parameter_constraints,
        "loss": [StrOptions({"log_loss"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        loss: str = "log_loss",
        *,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        max_leaf_nodes: int | None = 31,
        max_depth: int | None = None,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_bins: int = 255,
        monotonic_cst: Any = None,
        early_stopping: str | bool = "auto",
        scoring: Any = "loss",
        validation_fraction: int | float | None = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-7,
        random_state: Any = None,
        class_weight: Any = None,
    ) -> None:
        self.loss = loss
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_bins = max_bins
        self.monotonic_cst = monotonic_cst
        self.early_stopping = early_stopping
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> HistGradientBoostingClassifier:
        """Boost trees on ``X`` (NaN allowed) and class labels ``y``."""
        return self._fit_boosting(X, y, sample_weight)

    def decision_function(self, X: Any) -> np.ndarray:
        """Raw scores: log-odds of the second class (binary, shape (n,)) or class logits."""
        raw = self._raw_predict(self._validated(X))
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes)."""
        X = self._validated(X)
        return self._loss.inverse_link(self._raw_predict(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_decision_function(self, X: Any):
        """Raw scores after each stage."""
        for raw in self._staged_raw_predict(X):
            yield raw[:, 0] if raw.shape[1] == 1 else raw

    def staged_predict_proba(self, X: Any):
        """Class probabilities after each stage."""
        for raw in self._staged_raw_predict(X):
            yield self._loss.inverse_link(raw)

    def staged_predict(self, X: Any):
        """Predicted classes after each stage."""
        for raw in self._staged_raw_predict(X):
            yield self.classes_[np.argmax(self._loss.inverse_link(raw), axis=1)]
