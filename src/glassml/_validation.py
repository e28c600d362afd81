"""Input validation shared across glassml: every error names the argument at fault.

One convention for the whole library. A public entry point validates its arguments here, and
every message has one shape::

    <argument>: expected <what was expected>, got <what was given>

Estimators declare their hyper-parameters in scikit-learn's ``_parameter_constraints`` (checked
by ``self._validate_params()`` at ``fit``, whose messages already name the parameter) and pass
their data through :func:`check_fit_data` / :func:`check_predict_data`. Free functions use
:func:`check_named_array` for arrays and the scalar checks below for numbers and options.

NumPy scalars are legal wherever a Python number is (``np.int64(8)`` for a count,
``np.float32(0.01)`` for a rate); booleans are not numbers here (``True`` is not a count), and
strings are never coerced to numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any, Literal

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data

Closed = Literal["both", "left", "right", "neither"]


def _show(value: Any) -> str:
    """A short representation of an offending value for a message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(argument: str, expected: str, got: Any) -> ValueError:
    """The house error: ``ValueError("<argument>: expected <expected>, got <got>")``."""
    return ValueError(f"{argument}: expected {expected}, got {_show(got)}")


def _blame(message: str | Exception, argument: str) -> Exception:
    """The same error (``TypeError`` stays ``TypeError``) with ``argument`` in front."""
    kind = type(message) if isinstance(message, TypeError) else ValueError
    text = str(message)
    return kind(text if text.startswith(f"{argument}:") else f"{argument}: {text}")


def check_callable(value: Any, argument: str, signature: str = "") -> Any:
    """``value`` itself if it is callable; else a ``ValueError`` naming ``argument``."""
    if not callable(value):
        expected = f"a callable {signature}".rstrip()
        raise ValueError(f"{argument}: expected {expected}, got {type(value).__name__}")
    return value


def check_fit_data(estimator: Any, X: Any, y: Any, **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """``validate_data(estimator, X, y, **options)`` with the failing argument named.

    With ``y_numeric=True`` a y of strings is refused too (scikit-learn converts only object
    arrays and lets an array of ``str`` through).
    """
    try:
        X, y = validate_data(estimator, X, y, **options)
        if options.get("y_numeric") and y.dtype.kind not in "biuf":
            raise TypeError(f"y: expected numeric targets, got an array of dtype {y.dtype}")
        return X, y
    except (ValueError, TypeError) as error:
        # Find out which argument failed only on the error path, so fit pays one check.
        x_options = {
            key: value
            for key, value in options.items()
            if key
            in {
                "accept_sparse",
                "dtype",
                "order",
                "copy",
                "ensure_min_samples",
                "ensure_all_finite",
            }
        }
        try:
            check_array(X, input_name="X", **x_options)
        except (ValueError, TypeError):
            raise _blame(error, "X") from None
        try:
            check_array(y, input_name="y", ensure_2d=False, dtype=None)
        except (ValueError, TypeError):  # y=None makes check_array raise TypeError
            raise _blame(error, "y") from None
        raise _blame(error, "X, y") from None


def check_fit_X(estimator: Any, X: Any, **options: Any) -> np.ndarray:
    """``validate_data(estimator, X)`` for an unsupervised ``fit``, with ``X`` named."""
    try:
        return validate_data(estimator, X, **options)
    except (ValueError, TypeError) as error:
        raise _blame(error, "X") from None


def check_named_array(array: Any, argument: str, **options: Any) -> np.ndarray:
    """``check_array`` for a free function's argument, named in any error.

    Complex input is refused (``check_array`` does so), as are object arrays holding anything
    but numbers (``dtype="numeric"`` or a float dtype).
    """
    try:
        return check_array(array, input_name=argument, **options)
    except (ValueError, TypeError) as error:
        raise _blame(error, argument) from None


def check_predict_data(estimator: Any, X: Any, **options: Any) -> np.ndarray:
    """``validate_data(estimator, X, reset=False)`` with ``X`` named in any error."""
    try:
        return validate_data(estimator, X, reset=False, **options)
    except (ValueError, TypeError) as error:
        raise _blame(error, "X") from None


def check_weights(sample_weight: Any, X: np.ndarray, *, non_negative: bool = True) -> np.ndarray:
    """Sample weights as a finite float64 vector, one per row of X (``None``: unit weights).

    The one sample-weight validator of the library. By default the weights are non-negative
    with a positive sum; ``non_negative=False`` allows any finite weights (DBSCAN, where a
    negative weight inhibits a neighbour from being a core sample).
    """
    try:
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=non_negative
        )
    except (ValueError, TypeError) as error:
        raise _blame(error, "sample_weight") from None
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight: expected finite weights, got NaN or infinity")
    if non_negative and not weights.sum() > 0:
        raise ValueError("sample_weight: expected at least one positive weight, got all zero")
    return weights


def check_classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class labels and each sample's class index: discrete targets, at least two classes."""
    try:
        check_classification_targets(y)
    except ValueError as error:  # continuous or multi-output targets
        raise _blame(error, "y") from None
    classes, y_index = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"y: a classifier needs at least 2 classes, got 1 class ({classes[0]!r})")
    return classes, y_index


# --------------------------------------------------------------------------- scalars and options


def _interval_text(low: float | None, high: float | None, closed: Closed) -> str:
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    return f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"


def check_scalar(
    value: Any,
    argument: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    closed: Closed = "both",
) -> float | int:
    """A finite real number (or a whole number with ``integer=True``) inside an interval.

    Returns a Python ``float`` (or ``int``), so NumPy scalars are accepted and normalised.
    Booleans, strings, complex numbers, NaN and infinities are refused with a named error.
    """
    kind = "an integer" if integer else "a finite real number"
    expected = (
        kind if low is None and high is None else f"{kind} in {_interval_text(low, high, closed)}"
    )
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise fail(argument, expected, value)
    if integer:
        if not isinstance(value, numbers.Integral):
            if not (math.isfinite(value) and float(value).is_integer()):
                raise fail(argument, expected, value)
        number: float | int = int(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise fail(argument, expected, value)
    below = low is not None and (number < low or (number == low and closed in ("right", "neither")))
    above = high is not None and (
        number > high or (number == high and closed in ("left", "neither"))
    )
    if below or above:
        raise fail(argument, expected, value)
    return number


def check_positive(value: Any, argument: str) -> float:
    """A positive finite number (a scale, a rate, a variance)."""
    return check_scalar(value, argument, low=0.0, closed="neither")


def check_non_negative(value: Any, argument: str) -> float:
    """A non-negative finite number (a penalty, a tolerance that may be zero)."""
    return check_scalar(value, argument, low=0.0, closed="left")


def check_count(value: Any, argument: str, *, minimum: int = 1) -> int:
    """A whole number ``>= minimum`` (a number of iterations, samples, components)."""
    return int(check_scalar(value, argument, integer=True, low=minimum))


def check_n_jobs(value: Any, argument: str = "n_jobs") -> int | None:
    """joblib's convention for worker processes: ``None`` (one, unless a
    ``joblib.parallel_config`` context says otherwise), a positive count, or a negative one
    counted back from the number of cores (-1 = all, -2 = all but one); 0 is refused."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value == 0:
        raise fail(argument, "None or a non-zero integer (-1 = all cores)", value)
    return int(value)


def check_probability(value: Any, argument: str, *, open_interval: bool = True) -> float:
    """A probability in (0, 1), or [0, 1] with ``open_interval=False``."""
    return check_scalar(
        value, argument, low=0.0, high=1.0, closed="neither" if open_interval else "both"
    )


def check_bool(value: Any, argument: str) -> bool:
    """``True`` or ``False`` (NumPy booleans too); strings such as ``"yes"`` are refused."""
    if not isinstance(value, bool | np.bool_):
        raise fail(argument, "True or False", value)
    return bool(value)


def check_option(value: Any, argument: str, options: Collection[str]) -> str:
    """One of a fixed set of string options."""
    if not isinstance(value, str) or value not in options:
        raise fail(argument, f"one of {sorted(options)}", value)
    return value


def check_seed(value: Any, argument: str = "random_state") -> np.random.RandomState:
    """``sklearn.utils.check_random_state`` with the argument named: an int, a RandomState,
    or None (the global generator); NumPy integers are ints, booleans and strings are not."""
    if isinstance(value, bool | np.bool_):
        raise fail(argument, "an int, a RandomState or None", value)
    try:
        return check_random_state(value)
    except (ValueError, TypeError):
        raise fail(argument, "an int, a RandomState or None", value) from None
