"""Pre-processing mitigations: change the data, not the learner.

Reweighing (Kamiran & Calders 2012, "Data preprocessing techniques for classification without
discrimination", KAIS 33): give every row of group a and class y the weight

    W(a, y) = P(A = a) P(Y = y) / P(A = a, Y = y)

(probabilities from the weighted counts). Under the new weights A and Y are independent —
P_W(A = a, Y = y) = Σ_{a,y rows} W = P(A = a) P(Y = y) — while the group sizes and the class
balance are unchanged, so any learner that takes ``sample_weight`` sees data in which the label
carries no information about the group.

Correlation removal (fairlearn's CorrelationRemover): with S the sensitive columns centred on
their means and Z the others, each column z_j is replaced by its residual after least squares
on S,

    W* = argmin_W ||Z - S W||_F,   Z* = Z - S W*,   output alpha Z* + (1 - alpha) Z

so every output column has zero sample covariance with every sensitive column (for alpha = 1).
Only linear correlation is removed: non-linear dependence may remain.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.linalg
from sklearn.base import BaseEstimator, MetaEstimatorMixin, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from glassml._validation import fail
from glassml.fairness._groups import check_groups, check_length, check_sample_weight, delegate


def _default_estimator() -> Any:
    from glassml.linear import LogisticRegression

    return LogisticRegression()


def _labels(y: Any, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Classes and class codes of discrete labels; continuous or missing labels refused."""
    if y is None:
        raise fail("y", "class labels", y)
    values = np.asarray(y)
    if n_samples is None:
        n_samples = values.shape[0] if values.ndim else 0
    values = check_length(values, n_samples, "y")
    if values.shape[0] == 0:
        raise fail("y", "at least one label", "an empty array")
    if values.dtype.kind == "c":
        raise fail("y", "class labels", values)
    if values.dtype.kind == "f":
        if not np.all(np.isfinite(values)):
            raise fail("y", "class labels without NaN or infinity", values)
        if not np.all(values == np.round(values)):
            raise fail("y", "discrete class labels (this is a continuous target)", values)
    elif values.dtype.kind == "O" and pd.isna(values).any():
        raise fail("y", "class labels without missing values", values)
    try:
        classes, codes = np.unique(values, return_inverse=True)
    except TypeError:
        raise fail("y", "class labels of one comparable type", values) from None
    return classes, codes


def reweighing_weights(y: Any, sensitive_features: Any, sample_weight: Any = None) -> np.ndarray:
    """Per-row weights ``s_i P(A = a_i) P(Y = y_i) / P(A = a_i, Y = y_i)`` (Kamiran & Calders).

    Probabilities come from the weighted counts (``sample_weight``, default ones) and the
    returned weights include ``sample_weight``: in the reweighted data A and Y are independent
    and the group sizes and class totals are those of the input.

    Examples
    --------
    >>> weights = reweighing_weights([1, 1, 1, 0, 0, 0, 0, 1], ["a"] * 4 + ["b"] * 4)
    >>> weights.tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0, 0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """  # noqa: E501
    classes, codes = _labels(y)
    n_samples = codes.shape[0]
    groups = check_groups(sensitive_features, n_samples)
    weights = check_sample_weight(sample_weight, n_samples)
    table = _weight_table(codes, len(classes), groups.codes, groups.n_groups, weights)
    return weights * table[groups.codes, codes]


def _weight_table(y_codes, n_classes, group_codes, n_groups, weights) -> np.ndarray:
    """W(a, y) for every group a and class y (cells without rows get weight 1, unused)."""
    joint = np.zeros((n_groups, n_classes))
    # W is unchanged by a common factor of the weights: dividing by the largest keeps the
    # products of sums finite for weights near 1e300 or 1e-300.
    np.add.at(joint, (group_codes, y_codes), weights / np.max(weights))
    total = joint.sum()
    expected = np.outer(joint.sum(axis=1), joint.sum(axis=0)) / total
    return np.divide(expected, joint, out=np.ones_like(joint), where=joint > 0)


class Reweighing(MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator`` on the data reweighed so that the label is independent of the group.

    Weights (Kamiran & Calders 2012): ``W(a, y) = P(A = a) P(Y = y) / P(A = a, Y = y)`` from the
    (weighted) counts; the estimator is fitted with ``sample_weight = s_i W(a_i, y_i)``. The
    estimator never sees the sensitive feature unless it is a column of ``X``.

    Parameters
    ----------
    estimator : estimator with ``fit(X, y, sample_weight=...)``, default=None
        None: ``glassml.linear.LogisticRegression()``.

    Attributes
    ----------
    weights_ : DataFrame of shape (n_groups, n_classes)
        W(a, y) for each group (rows) and class (columns).
    sample_weight_ : ndarray of shape (n_samples,)
        The weights the estimator was fitted with.
    estimator_ : the fitted estimator
    classes_ : ndarray

    References
    ----------
    Kamiran & Calders (2012), "Data preprocessing techniques for classification without
    discrimination", Knowledge and Information Systems 33, 1-33.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.fairness import Reweighing
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); group = rng.integers(0, 2, 200)
    >>> y = (X[:, 0] + group + rng.normal(size=200) > 0.5).astype(int)
    >>> model = Reweighing().fit(X, y, sensitive_features=group)
    >>> model.weights_.shape, model.predict(X[:3]).shape
    ((2, 2), (3,))
    """

    _parameter_constraints: ClassVar[dict] = {"estimator": [HasMethods(["fit"]), None]}

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(
        self, X: Any, y: Any, *, sensitive_features: Any, sample_weight: Any = None
    ) -> Reweighing:
        """Compute the weights from (y, sensitive_features) and fit the estimator with them."""
        self._validate_params()
        classes, codes = _labels(y)
        n_samples = codes.shape[0]
        groups = check_groups(sensitive_features, n_samples)
        weights = check_sample_weight(sample_weight, n_samples)
        table = _weight_table(codes, len(classes), groups.codes, groups.n_groups, weights)
        self.classes_ = classes
        self.weights_ = pd.DataFrame(table, index=groups.index, columns=classes)
        self.sample_weight_ = weights * table[groups.codes, codes]
        estimator = _default_estimator() if self.estimator is None else clone(self.estimator)
        self.estimator_ = delegate(estimator, "fit", X, y, sample_weight=self.sample_weight_)
        return self

    def _has(name: str):
        def check(self) -> bool:
            target = self.estimator_ if hasattr(self, "estimator_") else self.estimator
            return hasattr(target if target is not None else _default_estimator(), name)

        return check

    @available_if(_has("predict"))
    def predict(self, X: Any) -> np.ndarray:
        """The fitted estimator's predictions."""
        check_is_fitted(self)
        return delegate(self.estimator_, "predict", X)

    @available_if(_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """The fitted estimator's class probabilities."""
        check_is_fitted(self)
        return delegate(self.estimator_, "predict_proba", X)

    @available_if(_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """The fitted estimator's decision function."""
        check_is_fitted(self)
        return delegate(self.estimator_, "decision_function", X)

    @available_if(_has("score"))
    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The fitted estimator's score."""
        check_is_fitted(self)
        return delegate(self.estimator_, "score", X, y, sample_weight=sample_weight)


class CorrelationRemover(TransformerMixin, BaseEstimator):
    """Remove the linear correlation of the other columns with the sensitive columns.

    With S the sensitive columns centred on their training means and Z the other columns::

        W* = argmin_W ||Z - S W||_F          (least squares, one solve for all columns)
        transform(X) = alpha (Z - S W*) + (1 - alpha) Z

    The sensitive columns are dropped from the output. For ``alpha = 1`` every output column
    has zero sample covariance with every sensitive column on the training data.

    Parameters
    ----------
    sensitive_feature_ids : sequence of int or str, default=()
        Positions of the sensitive columns, or their names when X is a DataFrame.
    alpha : float in [0, 1], default=1.0
        How much of the correlation to remove.

    Attributes
    ----------
    sensitive_mean_ : ndarray of shape (n_sensitive,)
    beta_ : ndarray of shape (n_sensitive, n_features - n_sensitive)
        W* above.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.fairness import CorrelationRemover
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 100).astype(float)
    >>> X = np.column_stack([s, 2 * s + rng.normal(size=100), rng.normal(size=100)])
    >>> Z = CorrelationRemover(sensitive_feature_ids=[0]).fit_transform(X)
    >>> Z.shape, bool(abs(np.cov(s, Z[:, 0])[0, 1]) < 1e-12)
    ((100, 2), True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "sensitive_feature_ids": ["array-like"],
        "alpha": [Interval(numbers.Real, 0, 1, closed="both")],
    }

    def __init__(self, *, sensitive_feature_ids: Any = (), alpha: float = 1.0) -> None:
        self.sensitive_feature_ids = sensitive_feature_ids
        self.alpha = alpha

    def _positions(self, n_features: int) -> np.ndarray:
        ids = self.sensitive_feature_ids
        if isinstance(ids, str | bytes):
            ids = [ids]
        names = getattr(self, "feature_names_in_", None)
        positions = []
        for item in list(ids):
            if isinstance(item, str):
                if names is None or item not in list(names):
                    raise fail(
                        "sensitive_feature_ids",
                        "column names of the DataFrame X"
                        if names is not None
                        else "column positions (X has no column names)",
                        item,
                    )
                positions.append(list(names).index(item))
            elif isinstance(item, numbers.Integral) and not isinstance(item, bool | np.bool_):
                if not -n_features <= int(item) < n_features:
                    raise fail(
                        "sensitive_feature_ids", f"positions in [0, {n_features})", int(item)
                    )
                positions.append(int(item) % n_features)
            else:
                raise fail("sensitive_feature_ids", "column positions or names", item)
        if len(set(positions)) != len(positions):
            raise fail("sensitive_feature_ids", "distinct columns", list(ids))
        if len(positions) >= n_features:
            raise ValueError(
                "sensitive_feature_ids: every column of X is sensitive; nothing would remain"
            )
        return np.asarray(positions, dtype=np.intp)

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = np.setdiff1d(np.arange(X.shape[1]), self.sensitive_positions_)
        return X[:, keep], X[:, self.sensitive_positions_]

    def fit(self, X: Any, y: Any = None) -> CorrelationRemover:
        """Least squares of the other columns on the centred sensitive columns."""
        self._validate_params()
        X = _check_X(self, X, reset=True)
        self.sensitive_positions_ = self._positions(X.shape[1])
        Z, S = self._split(X)
        self.sensitive_mean_ = S.mean(axis=0)
        centred = S - self.sensitive_mean_
        if centred.shape[1] == 0:
            self.beta_ = np.zeros((0, Z.shape[1]))
        else:
            self.beta_ = scipy.linalg.lstsq(centred, Z, lapack_driver="gelsd")[0]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """``alpha (Z - (S - mean) beta_) + (1 - alpha) Z``, sensitive columns dropped."""
        check_is_fitted(self)
        X = _check_X(self, X, reset=False)
        Z, S = self._split(X)
        filtered = Z - (S - self.sensitive_mean_) @ self.beta_
        alpha = float(self.alpha)
        return alpha * filtered + (1.0 - alpha) * Z

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The names of the non-sensitive columns, in their input order."""
        check_is_fitted(self)
        if input_features is None:
            names = getattr(self, "feature_names_in_", None)
            input_features = (
                names if names is not None else [f"x{i}" for i in range(self.n_features_in_)]
            )
        input_features = np.asarray(input_features, dtype=object)
        if input_features.shape != (self.n_features_in_,):
            raise fail("input_features", f"{self.n_features_in_} names", input_features)
        keep = np.setdiff1d(np.arange(self.n_features_in_), self.sensitive_positions_)
        return input_features[keep]


def _check_X(estimator: Any, X: Any, reset: bool) -> np.ndarray:
    try:
        return validate_data(estimator, X, reset=reset, dtype=np.float64)
    except (ValueError, TypeError) as error:
        text = str(error)
        kind = type(error) if isinstance(error, TypeError) else ValueError
        raise kind(text if text.startswith("X") else f"X: {text}") from None
