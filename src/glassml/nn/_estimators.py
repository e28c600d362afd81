"""scikit-learn estimators on top of the layers and the training loop.

    MLPClassifier   softmax cross-entropy (optional label smoothing ε) + (α/2|B|) Σ ||W||²
    MLPRegressor    mean squared error + (α/2|B|) Σ ||W||²
    CNNClassifier   softmax cross-entropy on images (n, H, W) or (n, C, H, W)

Each is trained by ``glassml.nn.fit`` with a ``glassml.optim`` optimiser (``optimizer="adam"``
or an instance), and stops like scikit-learn's MLP: when the monitored loss (training loss, or
validation loss with ``early_stopping=True``) has not improved by ``tol`` for
``n_iter_no_change`` epochs.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

import glassml.optim as optim
from glassml.nn._layers import ACTIVATIONS, Dense, Flatten
from glassml.nn._losses import mean_squared_error, softmax_cross_entropy
from glassml.nn._module import Module, Sequential, layer_from_config
from glassml.nn._training import EarlyStopping, fit, predict_batches

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
    if not isinstance(architecture, list | tuple):
        raise ValueError(
            f"architecture must be a Sequential or a list of layer specs, got {architecture!r}"
        )
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
    """Shared fitting machinery; subclasses define the network, loss and target encoding."""

    _metric: str | None = None

    def _check_X(self, X) -> np.ndarray:
        """Validated input for predict/score of a fitted network (tabular; CNN overrides)."""
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=[np.float64, np.float32])

    # -------------------------------------------------------------- hyper-parameter checks
    def _check_params(self) -> None:
        def positive_int(name):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")

        positive_int("max_iter")
        positive_int("n_iter_no_change")
        if self.batch_size != "auto":
            positive_int("batch_size")
        for name in ("learning_rate_init",):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("alpha", "tol"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(
                f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}"
            )
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        label_smoothing = getattr(self, "label_smoothing", 0.0)
        if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
        self._make_optimizer()

    def _make_optimizer(self) -> Any:
        if isinstance(self.optimizer, str):
            if self.optimizer not in OPTIMIZERS:
                raise ValueError(
                    f"optimizer must be one of {sorted(OPTIMIZERS)} or a glassml.optim "
                    f"optimiser instance, got {self.optimizer!r}"
                )
            return getattr(optim, OPTIMIZERS[self.optimizer])(lr=self.learning_rate_init)
        if not callable(getattr(self.optimizer, "step", None)):
            raise ValueError(
                f"optimizer must be a name or an object with step(params, grads), "
                f"got {self.optimizer!r}"
            )
        optimizer = copy.deepcopy(self.optimizer)
        if callable(getattr(optimizer, "reset", None)):
            optimizer.reset()
        return optimizer

    # -------------------------------------------------------------- training
    def _train(self, X: np.ndarray, targets: np.ndarray, loss, epochs: int, stop: bool) -> None:
        batch_size = min(200, X.shape[0]) if self.batch_size == "auto" else self.batch_size
        early_stopping, validation_split = None, 0.0
        if stop and self.early_stopping:
            validation_split = self.validation_fraction
            early_stopping = EarlyStopping(self.n_iter_no_change, self.tol, True, "val_loss")
        elif stop:
            early_stopping = EarlyStopping(self.n_iter_no_change, self.tol, False, "loss")
        history = fit(
            self.network_,
            X,
            targets,
            loss=loss,
            optimizer=self.optimizer_,
            epochs=epochs,
            batch_size=min(batch_size, X.shape[0]),
            validation_split=validation_split,
            early_stopping=early_stopping,
            metric=self._metric,
            alpha=float(self.alpha),
            random_state=self._rng,
            verbose=self.verbose,
        )
        previous = getattr(self, "history_", None) if not stop else None
        if previous:
            history = {
                key: np.concatenate([previous[key], values])
                for key, values in history.items()
                if key in previous
            }
        self.history_ = history
        self.loss_curve_ = list(history["loss"])
        self.n_iter_ = len(history["loss"])
        self.best_loss_ = float(np.min(history.get("val_loss", history["loss"])))
        if stop and len(history["loss"]) == epochs:
            warnings.warn(
                f"{type(self).__name__}: max_iter={epochs} epochs reached and the loss is "
                "still improving; increase max_iter",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _start(self, input_shape: tuple[int, ...], layers: list[Module]) -> None:
        self._rng = _seed(self.random_state)
        self.network_ = Sequential(layers)
        self.network_.dtype = np.dtype(self.dtype)
        self.network_.build(input_shape, self._rng, self.dtype)
        self.optimizer_ = self._make_optimizer()

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return predict_batches(self.network_, X, dtype=np.float64)

    def save(self, path) -> Any:
        """Save weights (.npz) and JSON architecture; see ``glassml.nn.load``."""
        from glassml.nn._serialization import save

        return save(self, path)


def _hidden_layers(hidden_layer_sizes: Any, activation: str) -> list[Module]:
    if isinstance(hidden_layer_sizes, numbers.Integral):
        hidden_layer_sizes = (hidden_layer_sizes,)
    sizes = list(hidden_layer_sizes)
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {hidden_layer_sizes!r}"
            )
    if activation != "identity" and activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted([*ACTIVATIONS, 'identity'])}, got {activation!r}"
        )
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
                f"y contains labels not seen in training: {unseen.tolist()}; "
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
        return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        logits = self._forward(self._check_X(X))
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        check_is_fitted(self)
        y = np.asarray(y)
        self._encode(y)
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


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
    ``glassml.optim`` instance, ``dtype`` is "float32" (default) or "float64".

    Attributes
    ----------
    classes_, n_features_in_, network_ (the ``Sequential``), optimizer_, n_iter_ (epochs run),
    history_ (dict of 1-D arrays: "loss", "accuracy", "val_loss", ...), loss_curve_, best_loss_.
    """

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

    def _setup(self, X, y, classes=None) -> np.ndarray:
        self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_ = np.unique(y if classes is None else np.asarray(classes))
        if self.classes_.size < 2:
            raise ValueError(
                f"y has only one class ({self.classes_.tolist()}); a classifier needs at least 2"
            )
        layers = _hidden_layers(self.hidden_layer_sizes, self.activation)
        self._start((X.shape[1],), [*layers, Dense(self.classes_.size)])
        return X, self._encode(y)

    def fit(self, X, y):
        X, labels = self._setup(X, y)
        self._train(X, labels, self._loss, self.max_iter, stop=True)
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y); ``classes`` (all labels) is required on the first call."""
        if not hasattr(self, "network_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            X, labels = self._setup(X, y, classes)
        else:
            X, y = validate_data(self, X, y, reset=False, dtype=[np.float64, np.float32])
            labels = self._encode(y)
        self._train(X, labels, self._loss, 1, stop=False)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, _NetworkEstimator):
    """Multi-layer perceptron regressor (single or multiple outputs).

    Objective over a batch B with predictions ŷ = f_θ(x) of K outputs::

        L(θ) = (1 / (|B| K)) Σ_n Σ_k (ŷ_nk - y_nk)² + (α / 2|B|) Σ_layers ||W||²

    Gradient by backpropagation (``glassml.autodiff``); update by the chosen ``glassml.optim``
    optimiser (default Adam, Kingma & Ba, 2015). Parameters and attributes as in
    ``MLPClassifier`` (no classes); ``predict`` returns (n,) for 1-D targets, (n, K) otherwise.
    """

    _metric = None

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

    def _setup(self, X, y):
        self._check_params()
        X, y = validate_data(
            self, X, y, multi_output=True, y_numeric=True, dtype=[np.float64, np.float32]
        )
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = targets.shape[1]
        self._y_ndim = y.ndim
        layers = _hidden_layers(self.hidden_layer_sizes, self.activation)
        self._start((X.shape[1],), [*layers, Dense(self.n_outputs_)])
        return X, targets.astype(self.dtype)

    def fit(self, X, y):
        X, targets = self._setup(X, y)
        self._train(X, targets, mean_squared_error, self.max_iter, stop=True)
        return self

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights and optimiser state."""
        if not hasattr(self, "network_"):
            X, targets = self._setup(X, y)
        else:
            X, y = validate_data(
                self,
                X,
                y,
                reset=False,
                multi_output=True,
                y_numeric=True,
                dtype=[np.float64, np.float32],
            )
            targets = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(self.dtype)
            if targets.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {targets.shape[1]} outputs, the model was fitted with {self.n_outputs_}"
                )
        self._train(X, targets, mean_squared_error, 1, stop=False)
        return self

    def predict(self, X) -> np.ndarray:
        predictions = self._forward(self._check_X(X)).astype(np.float64)
        return predictions.ravel() if self._y_ndim == 1 else predictions

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


DEFAULT_CNN = (
    {"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2},
)


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
    """

    def __init__(
        self,
        architecture=None,
        *,
        optimizer="adam",
        learning_rate_init=0.001,
        alpha=0.0,
        batch_size=64,
        max_iter=20,
        tol=1e-4,
        n_iter_no_change=5,
        early_stopping=False,
        validation_fraction=0.1,
        label_smoothing=0.0,
        dtype="float32",
        random_state=None,
        verbose=0,
    ):
        self.architecture = architecture
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

    @staticmethod
    def _images(X) -> np.ndarray:
        X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32], input_name="X")
        if X.ndim == 3:
            X = X[:, None, :, :]
        if X.ndim != 4:
            raise ValueError(
                f"X must hold images of shape (n, H, W) or (n, C, H, W); got shape {X.shape}"
                + (" (reshape flat images, e.g. X.reshape(-1, 8, 8))" if X.ndim == 2 else "")
            )
        return X

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = self._images(X)
        if X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X has images of shape (C, H, W) = {X.shape[1:]}, the model was fitted on "
                f"{self.input_shape_}"
            )
        return X

    def fit(self, X, y):
        self._check_params()
        X = self._images(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must be 1-D with one label per image ({X.shape[0]}), got shape {y.shape}"
            )
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(f"y has only one class ({self.classes_.tolist()})")
        self.input_shape_ = tuple(int(size) for size in X.shape[1:])
        self.n_features_in_ = int(np.prod(self.input_shape_))
        body = architecture_layers(DEFAULT_CNN if self.architecture is None else self.architecture)
        # Dry forward of shapes through the body alone: which layer fails, on which shape.
        feature_shape = Sequential(architecture_layers(body)).build(self.input_shape_)
        head = ([Flatten()] if len(feature_shape) > 1 else []) + [Dense(self.classes_.size)]
        self._start(self.input_shape_, body + head)
        self._train(X, self._encode(y), self._loss, self.max_iter, stop=True)
        return self
