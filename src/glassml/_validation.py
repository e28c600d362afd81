"""Input validation shared across glassml: every ``ValueError`` names the argument at fault.

For estimators, scikit-learn's ``validate_data`` / ``check_array`` do the checking and these
wrappers put the argument's name (``X``, ``y``, ``sample_weight``) in front of the message, as
glassml promises. Used by the linear models, naive Bayes, nearest neighbours, and (for
``check_callable``) by ``glassml.optim`` and ``glassml.stats``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data


def _blame(message: str, argument: str) -> ValueError:
    if message.startswith(f"{argument}:"):
        return ValueError(message)
    return ValueError(f"{argument}: {message}")


def check_callable(value: Any, argument: str, signature: str = "") -> Any:
    """``value`` itself if it is callable; else a ``ValueError`` naming ``argument``."""
    if not callable(value):
        expected = f"a callable {signature}".rstrip()
        raise ValueError(f"{argument}: expected {expected}, got {type(value).__name__}")
    return value


def check_fit_data(estimator: Any, X: Any, y: Any, **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """``validate_data(estimator, X, y, **options)`` with the failing argument named."""
    try:
        return validate_data(estimator, X, y, **options)
    except ValueError as error:
        # Find out which argument failed only on the error path, so fit pays one check.
        x_options = {
            key: value
            for key, value in options.items()
            if key in {"accept_sparse", "dtype", "order", "copy", "ensure_min_samples"}
        }
        try:
            check_array(X, input_name="X", **x_options)
        except ValueError:
            raise _blame(str(error), "X") from None
        try:
            check_array(y, input_name="y", ensure_2d=False, dtype=None)
        except (ValueError, TypeError):  # y=None makes check_array raise TypeError
            raise _blame(str(error), "y") from None
        raise _blame(str(error), "X, y") from None


def check_named_array(array: Any, argument: str, **options: Any) -> np.ndarray:
    """``check_array`` for a free function's argument, named in any error."""
    try:
        return check_array(array, input_name=argument, **options)
    except ValueError as error:
        raise _blame(str(error), argument) from None


def check_predict_data(estimator: Any, X: Any, **options: Any) -> np.ndarray:
    """``validate_data(estimator, X, reset=False)`` with ``X`` named in any error."""
    try:
        return validate_data(estimator, X, reset=False, **options)
    except ValueError as error:
        raise _blame(str(error), "X") from None


def check_weights(sample_weight: Any, X: np.ndarray) -> np.ndarray:
    """Sample weights as a finite, non-negative float64 vector with a positive sum."""
    try:
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    except ValueError as error:
        raise _blame(str(error), "sample_weight") from None
    if not weights.sum() > 0:
        raise ValueError("sample_weight: expected at least one positive weight, got all zero")
    return weights


def check_classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class labels and each sample's class index: discrete targets, at least two classes."""
    try:
        check_classification_targets(y)
    except ValueError as error:  # continuous or multi-output targets
        raise _blame(str(error), "y") from None
    classes, y_index = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"y: a classifier needs at least 2 classes, got 1 class ({classes[0]!r})")
    return classes, y_index
