"""scikit-learn estimators on top of the layers and the training loop.

    MLPClassifier   softmax cross-entropy (optional label smoothing ε) + (α/2|B|) Σ ||W||²
    MLPRegressor    mean squared error + (α/2|B|) Σ ||W||²
    CNNClassifier   softmax cross-entropy on images (n, H, W) or (n, C, H, W), or flat rows

Each is trained by ``glassml.nn.fit`` with a ``glassml.optim`` optimiser (``optimizer="adam"``
or an instance), and stops like scikit-learn's MLP: when the monitored loss (training loss, or
validation loss with ``early_stopping=True``) has not improved by ``tol`` for
``n_iter_no_change`` epochs. Each estimator owns what it saves (``_saved_state``,
``_saved_layout``, ``_from_saved``) and registers itself with ``glassml.nn.load``.
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

import glassml.optim as optim
from glassml._validation import (
    check_classes,
    check_fit_data,
    check_named_array,
    check_predict_data,
    fail,
)
from glassml.nn._layers import ACTIVATIONS, Dense, Flatten
from glassml.nn._losses import mean_squared_error, softmax_cross_entropy
from glassml.nn._module import Module, Sequential, check_shape, layer_from_config
from glassml.nn._serialization import register_estimator, save
from glassml.nn._training import (
    EarlyStopping,
    TrainingProgress,
    _predict,
    check_representable,
    fit,
)

OPTIMIZERS = {
    "sgd": "GradientDescent",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
}
DTYPES = ("float32", "float64")
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "samples_per_s")

# Hyper-parameters every network estimator shares, in scikit-learn's declarative form (checked
# by ``_validate_params`` at fit; messages name the parameter).
_COMMON_CONSTRAINTS: dict[str, list] = {
    "optimizer": [StrOptions(set(OPTIMIZERS)), HasMethods(["step"])],
    "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
    "alpha": [Interval(numbers.Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "dtype": [StrOptions(set(DTYPES))],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}
_ACTIVATION_NAMES = {*ACTIVATIONS, "identity"}


def _seed(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(2**31 - 1)
    return np.random.default_rng(random_state)


def architecture_layers(architecture: Any) -> list[Module]:
    """Fresh, unbuilt layers from a Sequential or a list of layer specs.

    A spec is a layer instance, a layer type name (``"relu"``) or a config dict
    (``{"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1}``).
    """
    if isinstance(architecture, Sequential):
        architecture = architecture.layers
    if isinstance(architecture, np.ndarray) or not isinstance(architecture, list | tuple):
        raise fail("architecture", "a Sequential or a list of layer specs", architecture)
    layers = []
    for index, spec in enumerate(architecture):
        where = f"architecture[{index}]"
        if isinstance(spec, Module):
            spec = spec.config()
        elif isinstance(spec, str):
            spec = {"type": spec}
        layers.append(layer_from_config(copy.deepcopy(spec), where))
    return layers


class _NetworkEstimator(BaseEstimator):
    """Shared fitting and saving machinery; subclasses define the network, loss and targets."""

    _metric: str | None = None
    # Axes of the sample shape ``input_shape_`` (images (C, H, W); sequences (T, F)).
    _INPUT_RANK: ClassVar[int] = 3
    # Fitted attributes written to config.json: name -> required. Anything else in a file's
    # "fitted" entry is refused on loading.
    _SAVED_FITTED: ClassVar[dict[str, bool]] = {
        "n_iter_": True,
        "n_features_in_": True,
        "feature_names_in_": False,
    }

    def _check_X(self, X) -> np.ndarray:
        """Validated input for predict/score of a fitted network (tabular; CNN overrides)."""
        check_is_fitted(self)
        return check_predict_data(self, X, dtype=[np.float64, np.float32])

    # -------------------------------------------------------------- shaped samples
    # For networks on samples of shape ``input_shape_`` (images, sequences): how a sample is
    # named in messages, and the options ``check_fit_data`` takes for flat rows of them. Such a
    # subclass says how to read them: ``_row_shape(d)`` (a flat row's sample shape),
    # ``_as_samples(X)`` (an array of samples, checked) and ``_check_sample_targets(y, n)``.
    _SAMPLE: ClassVar[str] = "samples"
    _FIT_OPTIONS: ClassVar[dict[str, Any]] = {}

    def _samples(self, X, y=None, *, reset: bool) -> tuple[np.ndarray, Any]:
        """Validated samples (n, *input_shape_) (and, at fit, targets) from an array of samples
        or from flat rows (n, d), which are read row by row into ``self._row_shape(d)``."""
        dtypes = [np.float64, np.float32]
        if _ndim(X) == 2:
            if reset:
                X, y = check_fit_data(self, X, y, dtype=dtypes, **self._FIT_OPTIONS)
                shape = self._row_shape(X.shape[1])
            else:
                X = check_predict_data(self, X, dtype=dtypes)
                shape = self.input_shape_
            return _rows_to_samples(X, shape), y
        X = self._as_samples(check_named_array(X, "X", allow_nd=True, dtype=dtypes))
        if reset:
            if y is None:
                raise ValueError("y: requires y to be passed, but the target y is None")
            y = self._check_sample_targets(y, X.shape[0])
            self.n_features_in_ = math.prod(X.shape[1:])
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X: has {self._SAMPLE} = {X.shape[1:]}, the model was fitted on "
                f"{self.input_shape_}"
            )
        return X, y

    def _make_optimizer(self) -> Any:
        if isinstance(self.optimizer, str):
            return getattr(optim, OPTIMIZERS[self.optimizer])(lr=self.learning_rate_init)
        optimizer = copy.deepcopy(self.optimizer)
        if callable(getattr(optimizer, "reset", None)):
            optimizer.reset()
        return optimizer

    # -------------------------------------------------------------- training
    def _batch_size(self, n_samples: int) -> int:
        size = min(200, n_samples) if self.batch_size == "auto" else int(self.batch_size)
        return min(size, n_samples)

    def _train(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        loss,
        epochs: int,
        stop: bool,
        progress: Callable[[TrainingProgress], None] | None,
    ) -> None:
        early_stopping, validation_split = None, 0.0
        if stop and self.early_stopping:
            validation_split = float(self.validation_fraction)
            if max(1, round(validation_split * X.shape[0])) >= X.shape[0]:
                raise ValueError(
                    f"validation_fraction: {self.validation_fraction} of {X.shape[0]} samples "
                    "leaves none to train on (or set early_stopping=False)"
                )
            early_stopping = EarlyStopping(int(self.n_iter_no_change), self.tol, True, "val_loss")
        elif stop:
            early_stopping = EarlyStopping(int(self.n_iter_no_change), self.tol, False, "loss")
        history = fit(
            self.network_,
            X,
            targets,
            loss=loss,
            optimizer=self.optimizer_,
            epochs=epochs,
            batch_size=self._batch_size(X.shape[0]),
            validation_split=validation_split,
            early_stopping=early_stopping,
            metric=self._metric,
            alpha=float(self.alpha),
            random_state=self._rng,
            verbose=int(self.verbose),
            progress=progress,
        )
        previous = getattr(self, "history_", None) if not stop else None
        if previous:
            history = {
                key: np.concatenate([previous[key], values])
                for key, values in history.items()
                if key in previous
            }
        self._set_history(history)
        if stop and len(history["loss"]) == epochs:
            warnings.warn(
                f"{type(self).__name__}: max_iter={epochs} epochs reached and the loss is "
                "still improving; increase max_iter",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _set_history(self, history: dict[str, np.ndarray]) -> None:
        self.history_ = history
        self.loss_curve_ = list(history["loss"])
        self.n_iter_ = len(history["loss"])
        self.best_loss_ = float(np.min(history.get("val_loss", history["loss"])))

    def _start(self, input_shape: tuple[int, ...], layers: list[Module]) -> None:
        self._rng = _seed(self.random_state)
        self.network_ = Sequential(layers)
        self.network_.build(input_shape, self._rng, self.dtype)
        self.optimizer_ = self._make_optimizer()

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return _predict(self.network_, X, 1024, np.float64)

    # -------------------------------------------------------------- saving
    def save(self, path) -> Any:
        """Save weights (.npz) and JSON architecture, hyper-parameters and fitted attributes;
        see ``glassml.nn.save`` and ``glassml.nn.load``. Returns the path written."""
        check_is_fitted(self)
        return save(self, path)

    def _saved_state(self) -> tuple[Module, dict[str, Any], dict[str, np.ndarray]]:
        """The network, the fitted attributes for config.json, and the extra arrays."""
        fitted = {name: getattr(self, name) for name in self._SAVED_FITTED if hasattr(self, name)}
        arrays = {f"history/{key}": value for key, value in self.history_.items()}
        if hasattr(self, "classes_"):
            # Object arrays would need pickle: such labels are stored as strings.
            classes = self.classes_
            arrays["fitted/classes_"] = (
                classes.astype(str) if classes.dtype.kind == "O" else classes
            )
        return self.network_, fitted, arrays

    @classmethod
    def _saved_layout(
        cls, fitted: dict[str, Any], network: Module
    ) -> tuple[dict[str, Any], dict[str, tuple[tuple[int, ...], str, bool]]]:
        """Check a file's fitted attributes; return them and the arrays the file may hold."""
        unknown = sorted(set(fitted) - set(cls._SAVED_FITTED))
        missing = {name for name, needed in cls._SAVED_FITTED.items() if needed} - fitted.keys()
        if unknown or missing:
            raise ValueError(f"fitted: unknown attributes {unknown}, missing {sorted(missing)}")
        checked = {
            name: _check_fitted(name, value, fitted, cls._INPUT_RANK)
            for name, value in fitted.items()
        }
        layout = {
            f"history/{key}": ((checked["n_iter_"],), "f", key == "loss") for key in HISTORY_KEYS
        }
        if issubclass(cls, ClassifierMixin):
            layout["fitted/classes_"] = ((network.output_shape[0],), "iufUb", True)
        return checked, layout

    @classmethod
    def _from_saved(
        cls,
        params: dict[str, Any],
        fitted: dict[str, Any],
        arrays: dict[str, np.ndarray],
        network: Module,
    ) -> _NetworkEstimator:
        """The estimator a file describes, checked against the network it holds."""
        estimator = cls(**params)
        estimator._validate_params()
        for name, value in fitted.items():
            setattr(estimator, name, value)
        expected = Sequential(estimator._layers_for(fitted, arrays))
        expected.declare(network.input_shape, network.dtype)
        if expected.config() != network.config():
            raise ValueError(
                "architecture: the stored network is not the one the hyper-parameters and "
                "fitted attributes describe"
            )
        if "fitted/classes_" in arrays:
            classes = arrays["fitted/classes_"]
            if classes.size < 2 or not np.array_equal(np.unique(classes), classes):
                raise ValueError("fitted/classes_: expected at least 2 sorted, distinct labels")
            estimator.classes_ = classes
        estimator._set_history(
            {
                name[len("history/") :]: value
                for name, value in arrays.items()
                if name.startswith("history/")
            }
        )
        estimator.network_ = network
        estimator.optimizer_ = estimator._make_optimizer()
        estimator._rng = _seed(estimator.random_state)
        return estimator


def _ndim(X: Any) -> int:
    """Number of axes of array-like ``X`` (a DataFrame has 2) without NumPy dispatch."""
    shape = getattr(X, "shape", None)
    return len(shape) if isinstance(shape, tuple) else np.asarray(X).ndim


def _rows_to_samples(X: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Flat rows (n, d) as samples of ``shape``; rows shorter than the shape (the square image
    layout's trailing pixels) are padded with zeros."""
    size = math.prod(shape)
    if X.shape[1] < size:
        X = np.pad(X, ((0, 0), (0, size - X.shape[1])))
    return X.reshape(X.shape[0], *shape)


def _check_fitted(name: str, value: Any, fitted: dict[str, Any], input_rank: int = 3) -> Any:
    """One fitted attribute from a file, of the type and range it must have."""

    def whole(v: Any, low: int) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= low

    if name in ("n_iter_", "n_features_in_", "n_outputs_"):
        ok = whole(value, 1)
    elif name == "_y_ndim":
        ok = value in (1, 2) and whole(value, 1)
    elif name == "input_shape_":
        ok = (
            isinstance(value, list) and len(value) == input_rank and all(whole(v, 1) for v in value)
        )
        value = tuple(value) if ok else value
    elif name == "feature_names_in_":
        ok = (
            isinstance(value, list)
            and len(value) == fitted.get("n_features_in_")
            and all(isinstance(v, str) for v in value)
        )
        value = np.asarray(value, dtype=object) if ok else value
    else:  # pragma: no cover - every saved name is listed above
        ok = False
    if not ok:
        raise ValueError(f"fitted: {name} has an invalid value {value!r:.80}")
    return value


def _hidden_layers(hidden_layer_sizes: Any, activation: str) -> list[Module]:
    sizes = (
        [hidden_layer_sizes]
        if isinstance(hidden_layer_sizes, numbers.Integral)
        else list(np.ravel(np.asarray(hidden_layer_sizes, dtype=object)))
    )
    for size in sizes:
        if isinstance(size, bool | np.bool_) or not isinstance(size, numbers.Integral) or size < 1:
            raise fail("hidden_layer_sizes", "positive integers", hidden_layer_sizes)
    layers: list[Module] = []
    for size in sizes:
        layers.append(Dense(int(size)))
        if activation != "identity":
            layers.append(ACTIVATIONS[activation]())
    return layers


class _ClassifierMixin:
    """Label encoding, probabilities and the unseen-label check shared by the classifiers."""

    _metric = "accuracy"

    def _encode(self, y: np.ndarray) -> np.ndarray:
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y: contains labels not seen in training: {unseen.tolist()}; "
                f"known classes: {self.classes_.tolist()}"
            )
        return np.searchsorted(self.classes_, y)

    def _loss(self, logits, labels):
        return softmax_cross_entropy(logits, labels, self.label_smoothing)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities softmax(z), computed in float64 from the network's logits."""
        logits = self._forward(self._check_X(X)).astype(np.float64)
        return softmax(logits, axis=1)

    def predict_log_proba(self, X) -> np.ndarray:
        """log softmax(z), computed directly (finite where a probability underflows to 0)."""
        logits = self._forward(self._check_X(X)).astype(np.float64)
        return log_softmax(logits, axis=1)

    def predict(self, X) -> np.ndarray:
        """The class of largest logit."""
        logits = self._forward(self._check_X(X))
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy on (X, y); labels unseen in training raise a ValueError."""
        check_is_fitted(self)
        predicted = self.predict(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != predicted.shape[0]:
            raise ValueError(
                f"X, y: expected one label per sample of X ({predicted.shape[0]}), got y of "
                f"shape {y.shape}"
            )
        self._encode(y)
        return accuracy_score(y, predicted, sample_weight=sample_weight)


@register_estimator
class MLPClassifier(_ClassifierMixin, ClassifierMixin, _NetworkEstimator):
    """Multi-layer perceptron classifier trained by mini-batch gradient descent.

    Objective over a batch B, with logits z = f_θ(x) and K classes::

        L(θ) = -(1/|B|) Σ_n Σ_k q_nk log softmax(z_n)_k + (α / 2|B|) Σ_layers ||W||²
        q = (1 - ε) onehot(y) + ε / K                          (label smoothing ε)

    Gradient by reverse-mode automatic differentiation (backpropagation, Rumelhart, Hinton &
    Williams, 1986); update by the chosen ``glassml.optim`` optimiser, e.g. Adam (Kingma & Ba,
    2015): m ← β1 m + (1-β1) g, v ← β2 v + (1-β2) g², θ ← θ - lr m̂ / (sqrt(v̂) + eps).

    Parameters mirror ``sklearn.neural_network.MLPClassifier``; ``optimizer`` is a name
    ("adam", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adamw") or a
    ``glassml.optim`` instance, ``dtype`` is "float32" (default) or "float64". Standardise
    the features: their largest magnitude must be one the dtype can train on.

    Attributes
    ----------
    classes_, n_features_in_, network_ (the ``Sequential``), optimizer_, n_iter_ (epochs run),
    history_ (dict of 1-D arrays: "loss", "accuracy", "val_loss", ...), loss_curve_, best_loss_.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from glassml.nn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = MLPClassifier((16,), learning_rate_init=0.01, batch_size=32, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **_COMMON_CONSTRAINTS,
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(_ACTIVATION_NAMES)],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="adam",
        learning_rate_init=0.001,
        alpha=0.0001,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        label_smoothing=0.0,
        dtype="float32",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.label_smoothing = label_smoothing
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    def _layers_for(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[Module]:
        n_classes = arrays["fitted/classes_"].shape[0]
        return [*_hidden_layers(self.hidden_layer_sizes, self.activation), Dense(n_classes)]

    def _setup(self, X, y, classes=None) -> tuple[np.ndarray, np.ndarray]:
        self._validate_params()
        X, y = check_fit_data(self, X, y, dtype=[np.float64, np.float32])
        check_representable(X, self.dtype, "X")
        if classes is None:
            self.classes_, _ = check_classes(y)
        else:
            self.classes_, _ = check_classes(np.asarray(classes))
        layers = _hidden_layers(self.hidden_layer_sizes, self.activation)
        self._start((X.shape[1],), [*layers, Dense(self.classes_.size)])
        return X, self._encode(y)

    def fit(self, X, y, *, progress=None):
        """Train on (X, y) until the loss stops improving (or ``max_iter`` epochs).

        ``progress(event)``, if given, receives a ``glassml.nn.TrainingProgress`` after every
        batch and epoch (e.g. ``glassml.tour.rich_progress(console)``).
        """
        X, labels = self._setup(X, y)
        self._train(X, labels, self._loss, self.max_iter, stop=True, progress=progress)
        return self

    def partial_fit(self, X, y, classes=None, *, progress=None):
        """One epoch over (X, y); ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "network_"):
            if classes is None:
                raise ValueError("classes: must be passed on the first call to partial_fit")
            X, labels = self._setup(X, y, classes)
        else:
            X, y = check_fit_data(self, X, y, reset=False, dtype=[np.float64, np.float32])
            check_representable(X, self.dtype, "X")
            labels = self._encode(y)
        self._train(X, labels, self._loss, 1, stop=False, progress=progress)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class _RegressorMixin:
    """Real targets of one or several outputs: checked, shaped (n, K), and predictions back in
    the targets' shape. Shared by the MLP and the sequence regressors."""

    _metric = None
    _SAVED_FITTED: ClassVar[dict[str, bool]] = {
        **_NetworkEstimator._SAVED_FITTED,
        "n_outputs_": True,
        "_y_ndim": True,
    }

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if y.dtype.kind not in "fiub":
            raise fail("y", "real numbers (regression targets)", y)
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        check_representable(targets, self.dtype, "y")
        return targets.astype(self.dtype)

    def _shape_predictions(self, predictions: np.ndarray) -> np.ndarray:
        return predictions.ravel() if self._y_ndim == 1 else predictions

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@register_estimator
class MLPRegressor(_RegressorMixin, RegressorMixin, _NetworkEstimator):
    """Multi-layer perceptron regressor (single or multiple outputs).

    Objective over a batch B with predictions ŷ = f_θ(x) of K outputs::

        L(θ) = (1 / (|B| K)) Σ_n Σ_k (ŷ_nk - y_nk)² + (α / 2|B|) Σ_layers ||W||²

    Gradient by backpropagation (``glassml.autodiff``); update by the chosen ``glassml.optim``
    optimiser (default Adam, Kingma & Ba, 2015). Parameters and attributes as in
    ``MLPClassifier`` (no classes); ``predict`` returns (n,) for 1-D targets, (n, K) otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, (200, 2)); y = X[:, 0] - 0.5 * X[:, 1]
    >>> model = MLPRegressor((32,), learning_rate_init=0.01, tol=1e-3, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **_COMMON_CONSTRAINTS,
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(_ACTIVATION_NAMES)],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="adam",
        learning_rate_init=0.001,
        alpha=0.0001,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        dtype="float32",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
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

    def _layers_for(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[Module]:
        if fitted["_y_ndim"] == 1 and fitted["n_outputs_"] != 1:
            raise ValueError("fitted: 1-D targets with more than one output")
        hidden = _hidden_layers(self.hidden_layer_sizes, self.activation)
        return [*hidden, Dense(fitted["n_outputs_"])]

    def _setup(self, X, y):
        self._validate_params()
        X, y = check_fit_data(
            self, X, y, multi_output=True, y_numeric=True, dtype=[np.float64, np.float32]
        )
        check_representable(X, self.dtype, "X")
        targets = self._targets(y)
        self.n_outputs_ = targets.shape[1]
        self._y_ndim = y.ndim
        layers = _hidden_layers(self.hidden_layer_sizes, self.activation)
        self._start((X.shape[1],), [*layers, Dense(self.n_outputs_)])
        return X, targets

    def fit(self, X, y, *, progress=None):
        """Train on (X, y) until the loss stops improving (or ``max_iter`` epochs); see
        ``MLPClassifier.fit`` for ``progress``."""
        X, targets = self._setup(X, y)
        self._train(X, targets, mean_squared_error, self.max_iter, stop=True, progress=progress)
        return self

    def partial_fit(self, X, y, *, progress=None):
        """One epoch over (X, y), continuing from the current weights and optimiser state."""
        if not hasattr(self, "network_"):
            X, targets = self._setup(X, y)
        else:
            X, y = check_fit_data(
                self,
                X,
                y,
                reset=False,
                multi_output=True,
                y_numeric=True,
                dtype=[np.float64, np.float32],
            )
            check_representable(X, self.dtype, "X")
            targets = self._targets(y)
            if targets.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y: has {targets.shape[1]} outputs, the model was fitted with "
                    f"{self.n_outputs_}"
                )
        self._train(X, targets, mean_squared_error, 1, stop=False, progress=progress)
        return self

    def predict(self, X) -> np.ndarray:
        """The network's output: (n,) for 1-D training targets, (n, K) otherwise."""
        return self._shape_predictions(self._forward(self._check_X(X)).astype(np.float64))


DEFAULT_CNN = (
    {"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2},
)


@register_estimator
class CNNClassifier(_ClassifierMixin, ClassifierMixin, _NetworkEstimator):
    """Convolutional network classifier for images of shape (n, H, W) or (n, C, H, W).

    The network is ``architecture`` (the feature extractor) followed by a head
    ``Flatten -> Dense(n_classes)``; the objective is the MLPClassifier's (softmax
    cross-entropy with optional label smoothing + L2), trained by backpropagation through
    convolutions and pooling (LeCun et al., 1998) with a ``glassml.optim`` optimiser.

    ``architecture`` is a ``Sequential`` or a list of layer specs: layer instances, type names
    ("relu", "flatten") or config dicts (``{"type": "conv2d", "out_channels": 16,
    "kernel_size": 3, "padding": 1}``). Default: conv 16 3x3 pad 1, ReLU, max-pool 2.
    A spec that cannot fit the image size raises a ``ValueError`` naming the layer and shape.

    By default training runs to convergence: ``early_stopping=True`` holds out
    ``validation_fraction`` of the images and stops when their loss has not improved by ``tol``
    for ``n_iter_no_change`` epochs (restoring the best weights), within ``max_iter=200``
    epochs, as Keras's ``EarlyStopping`` and scikit-learn's ``early_stopping`` do.

    Flat rows: a 2-D ``X`` of shape (n, d), as scikit-learn pipelines pass, is read row by row
    into images of ``input_shape`` ((C, H, W) or (H, W), with C H W = d); without it, into one
    channel of an s x s image, s = ceil(sqrt(d)), the s² - d trailing pixels zero (so d = 64
    gives the 8x8 image the row was flattened from).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from glassml.nn import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> images = (X / 16.0).reshape(-1, 8, 8)[:600]
    >>> model = CNNClassifier(learning_rate_init=0.01, random_state=0).fit(images, y[:600])
    >>> model.score(images, y[:600]) > 0.95
    True
    """

    _SAVED_FITTED: ClassVar[dict[str, bool]] = {
        **_NetworkEstimator._SAVED_FITTED,
        "input_shape_": True,
    }
    _SAMPLE = "images of shape (C, H, W)"
    _parameter_constraints: ClassVar[dict] = {
        **_COMMON_CONSTRAINTS,
        "architecture": [None, list, tuple, Sequential],
        "input_shape": [None, tuple, list],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        architecture=None,
        *,
        input_shape=None,
        optimizer="adam",
        learning_rate_init=0.001,
        alpha=0.0,
        batch_size=64,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=True,
        validation_fraction=0.1,
        label_smoothing=0.0,
        dtype="float32",
        random_state=None,
        verbose=0,
    ):
        self.architecture = architecture
        self.input_shape = input_shape
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.label_smoothing = label_smoothing
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # -------------------------------------------------------------- images
    def _row_shape(self, n_features: int) -> tuple[int, int, int]:
        """The image a flat row of ``n_features`` values is read into."""
        if self.input_shape is None:
            side = math.isqrt(n_features - 1) + 1 if n_features else 0
            return (1, side, side)
        shape = check_shape(self.input_shape, "input_shape")
        if len(shape) == 2:
            shape = (1, *shape)
        if len(shape) != 3 or math.prod(shape) != n_features:
            raise ValueError(
                f"input_shape: expected (C, H, W) or (H, W) with C H W = {n_features} (the "
                f"number of features in X), got {self.input_shape!r}"
            )
        return shape

    @staticmethod
    def _as_samples(X: np.ndarray) -> np.ndarray:
        """Images (n, C, H, W); one channel added to (n, H, W)."""
        if X.ndim == 3:
            X = X[:, None, :, :]
        if X.ndim != 4:
            raise ValueError(
                f"X: expected images of shape (n, H, W) or (n, C, H, W), or flat rows (n, d); "
                f"got shape {X.shape}"
            )
        return X

    @staticmethod
    def _check_sample_targets(y: Any, n_samples: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n_samples:
            raise ValueError(f"y: expected one label per image ({n_samples}), got shape {y.shape}")
        return y

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._samples(X, reset=False)[0]

    def _body(self) -> list[Module]:
        return architecture_layers(DEFAULT_CNN if self.architecture is None else self.architecture)

    def _head(self, body: list[Module], input_shape: tuple[int, ...], n_classes: int):
        # Dry forward of shapes through the body alone: which layer fails, on which shape.
        feature_shape = Sequential(architecture_layers(body)).declare(input_shape)
        return ([Flatten()] if len(feature_shape) > 1 else []) + [Dense(n_classes)]

    def _layers_for(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[Module]:
        body = self._body()
        n_classes = arrays["fitted/classes_"].shape[0]
        return body + self._head(body, fitted["input_shape_"], n_classes)

    def fit(self, X, y, *, progress=None):
        """Train on images (or flat rows) until the validation loss stops improving; see
        ``MLPClassifier.fit`` for ``progress``."""
        self._validate_params()
        images, y = self._samples(X, y, reset=True)
        check_representable(images, self.dtype, "X")
        self.classes_, labels = check_classes(y)
        self.input_shape_ = tuple(int(size) for size in images.shape[1:])
        body = self._body()
        try:
            head = self._head(body, self.input_shape_, self.classes_.size)
        except ValueError as error:
            read = (
                f"rows of {self.n_features_in_} feature(s) read as images of shape "
                if _ndim(X) == 2
                else "images of shape "
            )
            raise ValueError(
                f"X, architecture: the architecture does not fit {read}{self.input_shape_}: {error}"
            ) from None
        self._start(self.input_shape_, body + head)
        self._train(images, labels, self._loss, self.max_iter, stop=True, progress=progress)
        return self
