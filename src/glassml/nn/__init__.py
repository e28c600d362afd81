"""Neural networks from their mathematics: layers (dense, convolutional, recurrent), losses,
initialisers, a training loop, and scikit-learn estimators (``MLPClassifier``,
``MLPRegressor``, ``CNNClassifier``, ``SequenceRegressor``).

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
from glassml.nn._recurrent import GRU, LSTM
from glassml.nn._sequence_estimator import SequenceRegressor
from glassml.nn._sequence_layers import Conv1D, GlobalAveragePool1D
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
    "GRU",
    "INITIALIZERS",
    "LAYER_TYPES",
    "LSTM",
    "AvgPool2D",
    "BatchNorm1d",
    "BatchNorm2d",
    "CNNClassifier",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Flatten",
    "GlobalAveragePool1D",
    "LeakyReLU",
    "MLPClassifier",
    "MLPRegressor",
    "MaxPool2D",
    "Module",
    "ReLU",
    "SequenceRegressor",
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
