"""Hyper-parameters for the models whose ``fit`` does not take ``(X, y)``.

A time-series model is fitted on one series (statsmodels' contract: ``fit(y)``), a survival
curve on durations and event indicators (lifelines' contract: ``fit(durations,
event_observed)``). scikit-learn's conformance checks, which call ``fit(X, y)`` on tabular
data, do not apply to them, so they are not ``BaseEstimator`` subclasses; they still keep
scikit-learn's conventions: hyper-parameters set only in ``__init__`` and stored unchanged,
declared in ``_parameter_constraints`` and checked at ``fit`` with the same messages
(``"The 'alpha' parameter of KaplanMeier must be ..."``), ``get_params``/``set_params``, and
fitted attributes ending in ``_``.
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import validate_parameter_constraints

from glassml._validation import fail


class Params:
    """``get_params``, ``set_params``, ``__repr__`` and ``_validate_params`` for a class whose
    constructor arguments are its hyper-parameters.

    Examples
    --------
    >>> import numbers
    >>> from sklearn.utils._param_validation import Interval
    >>> class Smoother(Params):
    ...     _parameter_constraints = {"alpha": [Interval(numbers.Real, 0, 1, closed="both")]}
    ...     def __init__(self, alpha=0.5):
    ...         self.alpha = alpha
    >>> Smoother(0.2)
    Smoother(alpha=0.2)
    >>> Smoother().set_params(alpha=0.3).get_params()
    {'alpha': 0.3}
    """

    _parameter_constraints: ClassVar[dict[str, list]] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, parameter in signature.parameters.items()
            if name != "self" and parameter.kind != parameter.VAR_KEYWORD
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, read back from the attributes of the same names."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Params:
        """Set hyper-parameters by name (unknown names are refused); return ``self``."""
        known = set(self._param_names())
        for name, value in params.items():
            if name not in known:
                raise ValueError(
                    f"{name}: not a parameter of {type(self).__name__}; known: {sorted(known)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
        }
        shown = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            same = default is value or (
                isinstance(default, str | int | float | bool | type(None))
                and type(default) is type(value)
                and default == value
            )
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def _validate_params(self) -> None:
        """scikit-learn's declared constraints (messages name the parameter), then: every real
        number finite (the declared intervals let infinity through)."""
        params = self.get_params(deep=False)
        validate_parameter_constraints(
            self._parameter_constraints, params, caller_name=type(self).__name__
        )
        for name, value in params.items():
            if (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool | np.bool_)
                and not math.isfinite(float(value))
            ):
                raise fail(name, "a finite number", value)


def check_fitted(model: Any, attribute: str) -> None:
    """A ``ValueError`` naming the model when ``fit`` has not run (``attribute`` is missing)."""
    if not hasattr(model, attribute):
        raise ValueError(
            f"{type(model).__name__}: this instance is not fitted yet; call fit(...) first"
        )
