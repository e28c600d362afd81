"""Neural networks from their mathematics: layers, losses, initialisers, a training loop, and
scikit-learn estimators (``MLPClassifier``, ``MLPRegressor``, ``CNNClassifier``).

Every forward pass is written with ``glassml.autodiff`` operations, so backpropagation is the
engine's reverse mode; parameters are NumPy arrays updated in place by ``glassml.optim``.
"""

from glassml.nn._estimators import CNNClassifier, MLPClassifier, MLPRegressor
from glassml.nn._initializers import (
    INITIALIZERS,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
)
from glassml.nn._layers import (
    GELU,
    AvgPool2D,
    BatchNorm1d,
    BatchNorm2d,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)
from glassml.nn._losses import (
    binary_cross_entropy_with_logits,
    mean_squared_error,
    softmax_cross_entropy,
)
from glassml.nn._module import LAYER_TYPES, Module, Sequential, layer_from_config
from glassml.nn._per_example import per_example_gradients
from glassml.nn._serialization import load, save
from glassml.nn._training import (
    EarlyStopping,
    TrainingProgress,
    accuracy,
    fit,
    predict_batches,
    train_step,
)

__all__ = [
    "GELU",
    "INITIALIZERS",
    "LAYER_TYPES",
    "AvgPool2D",
    "BatchNorm1d",
    "BatchNorm2d",
    "CNNClassifier",
    "Conv2D",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Flatten",
    "LeakyReLU",
    "MLPClassifier",
    "MLPRegressor",
    "MaxPool2D",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "TrainingProgress",
    "accuracy",
    "binary_cross_entropy_with_logits",
    "fit",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "layer_from_config",
    "load",
    "mean_squared_error",
    "per_example_gradients",
    "predict_batches",
    "save",
    "softmax_cross_entropy",
    "train_step",
]
