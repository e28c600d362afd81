"""A scikit-learn regressor on sequences: a recurrent or convolutional body and a linear head."""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_named_array
from glassml.nn._estimators import (
    _COMMON_CONSTRAINTS,
    _NetworkEstimator,
    _RegressorMixin,
    architecture_layers,
)
from glassml.nn._layers import Dense, ReLU
from glassml.nn._losses import mean_squared_error
from glassml.nn._module import Module, Sequential, check_shape
from glassml.nn._recurrent import GRU, LSTM
from glassml.nn._sequence_layers import Conv1D, GlobalAveragePool1D
from glassml.nn._serialization import register_estimator
from glassml.nn._training import check_representable

BODIES = ("lstm", "gru", "conv1d")


def _body(architecture: Any, hidden_size: int) -> list[Module]:
    if architecture == "lstm":
        return [LSTM(hidden_size)]
    if architecture == "gru":
        return [GRU(hidden_size)]
    if architecture == "conv1d":
        return [
            Conv1D(hidden_size, 5, padding=2),
            ReLU(),
            Conv1D(hidden_size, 5, padding=2),
            ReLU(),
            GlobalAveragePool1D(),
        ]
    return architecture_layers(architecture)


@register_estimator
class SequenceRegressor(_RegressorMixin, RegressorMixin, _NetworkEstimator):
    """Regression on sequences X of shape (n, length, features): a recurrent or 1-D
    convolutional body, then ``Dense(n_outputs)``.

    Objective over a batch B (targets standardised with ``standardize=True``)::

        L(θ) = (1 / (|B| K)) Σ_n Σ_k (f_θ(x_n)_k - y_nk)² + (α / 2|B|) Σ_layers ||W||²

    Gradient by backpropagation through time (``glassml.nn.LSTM``/``GRU``: one hand-written
    VJP per step) or through the convolutions; update by the ``glassml.optim`` optimiser
    (Adam by default), stopping like ``CNNClassifier`` (early stopping on a validation
    fraction by default).

    Parameters
    ----------
    architecture : {"lstm", "gru", "conv1d"} or list of layer specs
        "lstm"/"gru": one recurrent layer of ``hidden_size`` units, its last state to the
        head. "conv1d": two Conv1D (``hidden_size`` channels, kernel 5, "same" padding) with
        ReLU, then the mean over time. A list (layer instances, type names or config dicts,
        as ``CNNClassifier`` takes) is used as is; if its output still has a time axis, a
        ``GlobalAveragePool1D`` is added before the head.
    hidden_size : int
    input_shape : (length, features), optional
        How to read a 2-D X (n, d) (scikit-learn pipelines pass flat rows): reshaped row by
        row into (length, features) with length x features = d. Without it, a row of d values
        is a sequence of d steps of one feature.
    standardize : bool
        Centre and scale each feature (over samples and time) and the targets before
        training; predictions are mapped back. Sensor readings of very different sizes (as in
        C-MAPSS) then need no preprocessing, which pipelines could not do on 3-D input.
    optimizer, learning_rate_init, alpha, batch_size, max_iter, tol, n_iter_no_change,
    early_stopping, validation_fraction, dtype, random_state, verbose :
        As in ``MLPRegressor``. The validation fraction is drawn from the rows at random:
        right for independent sequences, wrong for overlapping windows cut from the same unit
        (an engine, a patient), whose held-out windows repeat training windows shifted by a
        step, so the validation loss keeps falling and early stopping never fires. For such
        data set ``early_stopping=False`` and choose ``max_iter`` on units held out whole
        (``sklearn.model_selection.GroupKFold`` with the unit as the group), as the
        maintenance case study does.

    Attributes
    ----------
    input_shape_ (length, features), n_outputs_, network_, history_, n_iter_,
    x_mean_, x_scale_ (features,), y_mean_, y_scale_ (n_outputs,).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import SequenceRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 12, 2))
    >>> y = X[:, -3:, 0].sum(axis=1) - X[:, :, 1].mean(axis=1)   # depends on the order
    >>> model = SequenceRegressor("gru", hidden_size=16, learning_rate_init=0.01,
    ...                           random_state=0).fit(X, y)
    >>> model.score(X, y) > 0.9
    True
    """

    _INPUT_RANK: ClassVar[int] = 2
    _SAVED_FITTED: ClassVar[dict[str, bool]] = {
        **_RegressorMixin._SAVED_FITTED,
        "input_shape_": True,
    }
    _SCALINGS = ("x_mean_", "x_scale_", "y_mean_", "y_scale_")
    _SAMPLE = "sequences of shape (length, features)"
    _FIT_OPTIONS: ClassVar[dict[str, Any]] = {"multi_output": True, "y_numeric": True}
    _parameter_constraints: ClassVar[dict] = {
        **_COMMON_CONSTRAINTS,
        "architecture": [StrOptions(set(BODIES)), list, tuple, Sequential],
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "input_shape": [None, tuple, list],
        "standardize": ["boolean"],
    }

    def __init__(
        self,
        architecture="lstm",
        hidden_size=32,
        *,
        input_shape=None,
        standardize=True,
        optimizer="adam",
        learning_rate_init=0.001,
        alpha=0.0,
        batch_size=64,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=True,
        validation_fraction=0.1,
        dtype="float32",
        random_state=None,
        verbose=0,
    ):
        self.architecture = architecture
        self.hidden_size = hidden_size
        self.input_shape = input_shape
        self.standardize = standardize
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # -------------------------------------------------------------- data
    def _row_shape(self, n_features: int) -> tuple[int, int]:
        if self.input_shape is None:
            return (n_features, 1)
        shape = check_shape(self.input_shape, "input_shape")
        if len(shape) != 2 or math.prod(shape) != n_features:
            raise ValueError(
                f"input_shape: expected (length, features) with length x features = "
                f"{n_features} (the number of features in X), got {self.input_shape!r}"
            )
        return shape

    @staticmethod
    def _as_samples(X: np.ndarray) -> np.ndarray:
        if X.ndim != 3:
            raise ValueError(
                f"X: expected sequences (n, length, features) or flat rows (n, d), got shape "
                f"{X.shape}"
            )
        return X

    @staticmethod
    def _check_sample_targets(y: Any, n_samples: int) -> np.ndarray:
        y = check_named_array(y, "y", ensure_2d=False, dtype=None)
        if y.ndim not in (1, 2) or y.shape[0] != n_samples:
            raise ValueError(
                f"X, y: expected one target (row) per sequence ({n_samples}), got y of "
                f"shape {y.shape}"
            )
        return y

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = self._samples(X, reset=False)[0]
        return (X - self.x_mean_) / self.x_scale_

    # -------------------------------------------------------------- network
    def _layers_for(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[Module]:
        body = _body(self.architecture, self.hidden_size)
        feature_shape = Sequential(architecture_layers(body)).declare(fitted["input_shape_"])
        pool = [GlobalAveragePool1D()] if len(feature_shape) == 2 else []
        if len(feature_shape) > 2:
            raise ValueError(
                f"architecture: the body's output {feature_shape} is neither features nor "
                "sequences of features"
            )
        return body + pool + [Dense(fitted["n_outputs_"])]

    # -------------------------------------------------------------- fitting
    def fit(self, X, y, *, progress=None):
        """Train on sequences X (n, length, features) (or flat rows, see ``input_shape``)
        and targets y (n,) or (n, K), until the validation loss stops improving; see
        ``MLPClassifier.fit`` for ``progress``."""
        self._validate_params()
        X, y = self._samples(X, y, reset=True)
        targets = self._targets(np.asarray(y))
        self.n_outputs_ = targets.shape[1]
        self._y_ndim = np.asarray(y).ndim
        self.input_shape_ = tuple(int(size) for size in X.shape[1:])
        if self.standardize:
            mean, scale = _moments(X.reshape(-1, X.shape[2]))
            y_mean, y_scale = _moments(np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1))
        else:
            mean, scale = np.zeros(X.shape[2]), np.ones(X.shape[2])
            y_mean, y_scale = np.zeros(self.n_outputs_), np.ones(self.n_outputs_)
        self.x_mean_, self.x_scale_ = _scaling(mean, scale)
        self.y_mean_, self.y_scale_ = _scaling(y_mean, y_scale)
        X = (X - self.x_mean_) / self.x_scale_
        targets = ((targets - self.y_mean_) / self.y_scale_).astype(self.dtype)
        check_representable(X, self.dtype, "X")
        try:
            layers = self._layers_for(
                {"input_shape_": self.input_shape_, "n_outputs_": self.n_outputs_}, {}
            )
        except ValueError as error:
            raise ValueError(
                f"X, architecture: the architecture does not fit sequences of shape "
                f"{self.input_shape_}: {error}"
            ) from None
        self._start(self.input_shape_, layers)
        self._train(X, targets, mean_squared_error, self.max_iter, stop=True, progress=progress)
        return self

    def predict(self, X) -> np.ndarray:
        """Predictions in the targets' units: (n,) for 1-D training targets, (n, K) else."""
        output = self._forward(self._check_X(X)).astype(np.float64)
        return self._shape_predictions(output * self.y_scale_ + self.y_mean_)

    # -------------------------------------------------------------- saving
    def _saved_state(self):
        network, fitted, arrays = super()._saved_state()
        arrays.update({f"fitted/{name}": getattr(self, name) for name in self._SCALINGS})
        return network, fitted, arrays

    @classmethod
    def _saved_layout(cls, fitted, network):
        checked, layout = super()._saved_layout(fitted, network)
        features = checked["input_shape_"][1]
        outputs = checked["n_outputs_"]
        for name, size in zip(cls._SCALINGS, (features, features, outputs, outputs), strict=True):
            layout[f"fitted/{name}"] = ((size,), "f", True)
        return checked, layout

    @classmethod
    def _from_saved(cls, params, fitted, arrays, network):
        estimator = super()._from_saved(params, fitted, arrays, network)
        for name in cls._SCALINGS:
            value = np.asarray(arrays[f"fitted/{name}"], dtype=np.float64)
            if name.endswith("scale_") and not np.all(value > 0):
                raise ValueError(f"fitted/{name}: expected positive scales")
            setattr(estimator, name, value)
        return estimator


def _moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations without overflow: columns are first divided by
    their largest magnitude (values near 1e300 would overflow when squared)."""
    values = values.astype(np.float64, copy=False)
    largest = np.max(np.abs(values), axis=0)
    largest = np.where(largest > 0, largest, 1.0)
    unit = values / largest
    return unit.mean(axis=0) * largest, unit.std(axis=0) * largest


def _scaling(mean: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float64 location and scale; a constant feature (scale 0) is only centred."""
    scale = np.where(scale > 0, scale, 1.0)
    return np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
