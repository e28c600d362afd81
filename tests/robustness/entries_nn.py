"""Robustness entries of glassml.nn (see framework.py).

Layers are differentiable functions of a batch: like the autodiff primitives they compute on
NaN and inf as IEEE arithmetic does (NaN in, NaN out), and a batch of zero samples gives zero
outputs. Data is checked where it enters training and prediction: ``fit``, ``train_step``,
``predict_batches`` and the estimators, whose entries probe every family.

A trained network is continuous: at ``X * 1e-300`` it answers what it answers at ``X = 0``
(the estimators' predict entries declare this). Training itself refuses data whose scale the
dtype cannot carry through squared gradients (see ``nn.fit``), by name.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
from robustness.framework import Entry, Scale, _flat, equivariant, invariant, opt
from sklearn.exceptions import ConvergenceWarning

from glassml import nn
from glassml.optim import Adam

IEEE = (
    "a layer is a differentiable function of the batch: NaN in, NaN out, as IEEE arithmetic "
    "(data is checked where it enters: fit, train_step, predict_batches, the estimators)"
)
EMPTY = "a batch of zero samples is legal: the output has zero rows"
LAYER_SKIPS = {"nan": IEEE, "inf": IEEE, "empty": EMPTY}
FOLDER = Path(tempfile.mkdtemp(prefix="glassml-robustness-"))
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)

rng = np.random.default_rng(0)
ROWS = rng.standard_normal((6, 4))
IMAGES = rng.standard_normal((3, 2, 6, 6))
SEQUENCES = rng.standard_normal((3, 7, 2))  # (N, T, F)


def layer_entry(name, make, x, options=None, arguments=None, skip=None, scale=()):
    """Construct with ``options``, build on ``x``'s sample shape (seeded), call on ``x``."""

    def call(x, **values):
        layer = make(**values)
        layer.build(np.shape(x)[1:], np.random.default_rng(0), np.float64)
        return layer(x).numpy()

    return Entry(
        f"glassml.nn.{name}",
        call,
        {"x": x, **(arguments or {})},
        arrays=("x",),
        options=options or {},
        aliases={"x": ("input_shape",)},
        skip={**LAYER_SKIPS, **(skip or {})},
        scale=scale,
    )


POSITIVELY_HOMOGENEOUS = Scale(args=("x",), check=equivariant())

ENTRIES = [
    layer_entry(
        "Dense",
        nn.Dense,
        ROWS,
        options={
            "out_features": opt(0, -1),
            "bias": opt(),
            "init": opt("zeros"),
        },
        arguments={"out_features": 3, "bias": True, "init": "glorot_uniform"},
    ),
    layer_entry(
        "Conv2D",
        nn.Conv2D,
        IMAGES,
        options={
            "out_channels": opt(0),
            "kernel_size": opt(0, 9),
            "stride": opt(0),
            "padding": opt(-1),
            "bias": opt(),
        },
        arguments={"out_channels": 3, "kernel_size": 3, "stride": 1, "padding": 1, "bias": True},
    ),
    layer_entry(
        "Conv1D",
        nn.Conv1D,
        SEQUENCES,
        options={
            "out_channels": opt(0),
            "kernel_size": opt(0, 12),
            "stride": opt(0),
            "padding": opt(-1),
            "bias": opt(),
        },
        arguments={"out_channels": 3, "kernel_size": 3, "stride": 1, "padding": 1, "bias": True},
    ),
    layer_entry(
        "GlobalAveragePool1D",
        nn.GlobalAveragePool1D,
        SEQUENCES,
        scale=(POSITIVELY_HOMOGENEOUS,),
    ),
    layer_entry(
        "LSTM",
        nn.LSTM,
        SEQUENCES,
        options={"units": opt(0, -1), "return_sequences": opt()},
        arguments={"units": 3, "return_sequences": True},
    ),
    layer_entry(
        "GRU",
        nn.GRU,
        SEQUENCES,
        options={"units": opt(0, -1), "return_sequences": opt()},
        arguments={"units": 3, "return_sequences": False},
    ),
    layer_entry(
        "MaxPool2D",
        nn.MaxPool2D,
        IMAGES,
        options={"kernel_size": opt(0, 7), "stride": opt(0)},
        arguments={"kernel_size": 2, "stride": 2},
        scale=(POSITIVELY_HOMOGENEOUS,),
    ),
    layer_entry(
        "AvgPool2D",
        nn.AvgPool2D,
        IMAGES,
        options={"kernel_size": opt(0, 7), "stride": opt(0)},
        arguments={"kernel_size": 2, "stride": 2},
        scale=(POSITIVELY_HOMOGENEOUS,),
    ),
    layer_entry(
        "Flatten",
        nn.Flatten,
        IMAGES,
        skip={"ndim": "any sample shape flattens: one axis more or fewer is legal"},
        scale=(POSITIVELY_HOMOGENEOUS,),
    ),
    layer_entry(
        "Dropout",
        nn.Dropout,
        ROWS,
        options={"rate": opt(1.0, -0.1)},
        arguments={"rate": 0.5},
        skip={"ndim": "a mask of any shape: one axis more or fewer is legal"},
    ),
    layer_entry(
        "BatchNorm1d",
        nn.BatchNorm1d,
        ROWS,
        options={"num_features": opt(0, 5), "momentum": opt(1.5, -0.1), "eps": opt(0.0, -1.0)},
        # At 1e300 x the batch variance overflows: refused by name (a named error).
        arguments={"num_features": 4, "momentum": 0.1, "eps": 1e-5},
    ),
    layer_entry(
        "BatchNorm2d",
        nn.BatchNorm2d,
        IMAGES,
        options={"num_features": opt(0, 5), "momentum": opt(1.5), "eps": opt(0.0)},
        arguments={"num_features": 2, "momentum": 0.1, "eps": 1e-5},
    ),
    layer_entry(
        "ReLU",
        nn.ReLU,
        ROWS,
        skip={"ndim": "elementwise: any sample shape is legal"},
        scale=(POSITIVELY_HOMOGENEOUS,),
    ),
    layer_entry(
        "LeakyReLU",
        nn.LeakyReLU,
        ROWS,
        options={"negative_slope": opt()},
        arguments={"negative_slope": 0.1},
        skip={"ndim": "elementwise: any sample shape is legal"},
        scale=(POSITIVELY_HOMOGENEOUS,),
    ),
    layer_entry("Tanh", nn.Tanh, ROWS, skip={"ndim": "elementwise: any sample shape is legal"}),
    layer_entry(
        "Sigmoid",
        nn.Sigmoid,
        ROWS,
        skip={
            "ndim": "elementwise: any sample shape is legal",
            "tiny": "sigmoid(1e-300 x) is 1/2 to double precision: the constant is exact",
        },
    ),
    layer_entry(
        "GELU",
        nn.GELU,
        ROWS,
        skip={"ndim": "elementwise: any sample shape is legal"},
    ),
    layer_entry(
        "Sequential",
        lambda layers: nn.Sequential(
            [nn.layer_from_config(spec, "layers") for spec in layers]
            if isinstance(layers, list) and all(isinstance(spec, dict) for spec in layers)
            else layers
        ),
        ROWS,
        options={"layers": opt("dense", 3, [3], auto=False)},
        arguments={"layers": [{"type": "dense", "out_features": 3}, {"type": "relu"}]},
    ),
]


def build_call(input_shape, dtype):
    model = nn.Sequential([nn.Dense(3), nn.Tanh(), nn.Dense(2)])
    output_shape = model.build(input_shape, np.random.default_rng(0), dtype)
    return np.array(output_shape), np.concatenate([p.ravel() for p in model.parameters()])


def declare_call(input_shape):
    model = nn.Sequential([nn.Conv2D(2, 3), nn.MaxPool2D(2), nn.Flatten(), nn.Dense(3)])
    return np.array(model.declare(input_shape))


def load_state_call(weight, bias):
    model = nn.Dense(3)
    model.build((4,), np.random.default_rng(0), np.float64)
    model.load_state_dict({"weight": weight, "bias": bias})
    return model.state_dict()


def param_call(name):
    model = nn.Dense(3)
    model.build((4,), np.random.default_rng(0), np.float64)
    return model.param(name)


def train_mode_call(mode):
    model = nn.Sequential([nn.Dense(3), nn.Dropout(0.5)])
    model.train(mode)
    return np.array([module.training for module in model.modules()], dtype=float)


DENSE = nn.Dense(3)
DENSE.build((4,), np.random.default_rng(0), np.float64)

ENTRIES += [
    Entry(
        "glassml.nn.Module.build",
        build_call,
        {"input_shape": (4,), "dtype": "float64"},
        options={"input_shape": opt((0,), (-1,), "4", (2.5,), (4, 2)), "dtype": opt("int64")},
    ),
    Entry(
        "glassml.nn.Module.declare",
        declare_call,
        {"input_shape": (1, 8, 8)},
        options={"input_shape": opt((1, 2, 2), (1, 8), (0, 8, 8), "8")},
    ),
    Entry(
        "glassml.nn.Module.load_state_dict",
        load_state_call,
        {"weight": DENSE._params["weight"], "bias": DENSE._params["bias"]},
        arrays=("weight", "bias"),
        scale=(Scale(args=("weight", "bias"), check=equivariant()),),
        aliases={"weight": ("bias",), "bias": ("weight",)},
    ),
    Entry(
        "glassml.nn.Module.param",
        param_call,
        {"name": "weight"},
        options={"name": opt("gamma")},
    ),
    Entry(
        "glassml.nn.Module.train",
        train_mode_call,
        {"mode": True},
        options={"mode": opt()},
    ),
]


# ------------------------------------------------------------------ functions
def initializer_entry(name):
    function = getattr(nn, name)
    return Entry(
        f"glassml.nn.{name}",
        lambda shape, dtype: function(shape, np.random.default_rng(0), dtype),
        {"shape": (4, 3), "dtype": "float64"},
        options={"shape": opt((0, 3), (4,), (4, -3), "4", (4.5, 3)), "dtype": opt("int64")},
    )


LABELS = np.array([0, 1, 2, 1, 0, 2])


def loss_entry(name, targets, options=None, arguments=None, labels=False, skip=None):
    function = getattr(nn, name)
    target_name = "labels" if name == "softmax_cross_entropy" else "targets"

    def call(output, targets, **values):
        value = function(output, targets, **values)
        return float(value.item())

    return Entry(
        f"glassml.nn.{name}",
        call,
        {"output": ROWS[:, :3], "targets": targets, **(arguments or {})},
        arrays=("output",) if labels else ("output", "targets"),
        labels=("targets",) if labels else (),
        options=options or {},
        aliases={
            "output": ("logits", "predictions", target_name),
            "targets": (target_name, "logits", "predictions"),
        },
        skip={
            "nan": "the output side is the network's: NaN there means training diverged, which "
            "fit diagnoses (data scale, learning rate); NaN targets are refused (see targets)",
            "inf": "as for nan: the output side is the network's, the targets' are checked",
            **(
                {"one_class": "a loss over samples all of one class is well defined"}
                if labels
                else {}
            ),
            **(skip or {}),
        },
    )


def accuracy_call(y_true, output):
    return nn.accuracy(y_true, output)


ENTRIES += [
    initializer_entry(name)
    for name in ("he_uniform", "he_normal", "glorot_uniform", "glorot_normal")
]
ENTRIES += [
    loss_entry(
        "mean_squared_error",
        ROWS[::-1, :3],
        skip={
            "huge": "the squared error of values near 1e300 is near 1e600: inf, its IEEE value "
            "(fit and the estimators refuse data of that scale by name)",
        },
    ),
    loss_entry("binary_cross_entropy_with_logits", (ROWS[:, :3] > 0.3).astype(float)),
    loss_entry(
        "softmax_cross_entropy",
        LABELS,
        options={"label_smoothing": opt(1.0, -0.1)},
        arguments={"label_smoothing": 0.1},
        labels=True,
    ),
    Entry(
        "glassml.nn.accuracy",
        accuracy_call,
        {"y_true": LABELS, "output": ROWS[:, :3]},
        arrays=("output",),
        labels=("y_true",),
        aliases={"output": ("y_true",), "y_true": ("output",)},
        scale=(Scale(args=("output",), check=invariant()),),  # argmax ignores the scale
        skip={
            "one_class": "the accuracy on labels all of one class is well defined",
            "ndim": "a 1-D output is one logit per sample (binary: z > 0), a legal and "
            "different question from the (n, K) logits; a 3-D output is refused by name",
        },
    ),
    Entry(
        "glassml.nn.layer_from_config",
        lambda config: nn.layer_from_config(config, "config").config(),
        {"config": {"type": "dense", "out_features": 3}},
        options={
            "config": opt(
                {"type": "capsule"},
                {"type": "dense"},
                {"type": "dense", "out_features": 0},
                {"out_features": 3},
                "dense",
                auto=False,
            )
        },
    ),
]


# ------------------------------------------------------------------ training loop
REGRESSION_X = rng.standard_normal((40, 3))
REGRESSION_Y = REGRESSION_X @ np.array([1.0, -2.0, 0.5]) + 0.1


def fit_call(X, y, epochs, batch_size, validation_split, alpha, verbose, loss, random_state):
    model = nn.Sequential([nn.Dense(8), nn.Tanh(), nn.Dense(1)])  # built by fit, seeded
    events = []
    history = nn.fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=Adam(lr=0.01),
        epochs=epochs,
        batch_size=batch_size,
        validation_split=validation_split,
        alpha=alpha,
        verbose=verbose,
        random_state=random_state,
        progress=events.append,
    )
    return history["loss"], nn.predict_batches(model, np.asarray(X, dtype=np.float64))


def train_step_call(X_batch, y_batch, alpha):
    model = nn.Sequential([nn.Dense(4), nn.Tanh(), nn.Dense(1)])
    model.build((3,), np.random.default_rng(0), np.float64)
    loss, output = nn.train_step(
        model, X_batch, y_batch, nn.mean_squared_error, Adam(lr=0.01), alpha=alpha
    )
    return loss, output


MODEL = nn.Sequential([nn.Dense(4), nn.Tanh(), nn.Dense(2)])
MODEL.build((3,), np.random.default_rng(0), np.float64)


def predict_batches_call(X, batch_size):
    return nn.predict_batches(MODEL, X, batch_size=batch_size)


def at_zero(predict, X):
    """A continuous map answers at 1e-300 X what it answers at 0 (to rounding)."""

    def check(base, scaled, s):
        expected = _flat(predict(np.zeros_like(np.asarray(X, dtype=float))))
        got = _flat(scaled)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            raise AssertionError(f"expected the answer at X = 0 {expected[:6]}, got {got[:6]}")

    return Scale(args=("X",), check=check, families=("tiny",))


ENTRIES += [
    Entry(
        "glassml.nn.fit",
        fit_call,
        {
            "X": REGRESSION_X,
            "y": REGRESSION_Y,
            "epochs": 3,
            "batch_size": 8,
            "validation_split": 0.2,
            "alpha": 1e-3,
            "verbose": 0,
            "loss": "mse",
            "random_state": 0,
        },
        arrays=("X", "y"),
        options={
            "epochs": opt(0, -1),
            "batch_size": opt(0),
            "validation_split": opt(1.0, -0.1),
            "alpha": opt(-1.0),
            "verbose": opt(True),
            "loss": opt(),
            "random_state": opt(-1, True),
        },
    ),
    Entry(
        "glassml.nn.train_step",
        train_step_call,
        {"X_batch": REGRESSION_X[:8], "y_batch": REGRESSION_Y[:8], "alpha": 1e-3},
        arrays=("X_batch", "y_batch"),
        options={"alpha": opt(-1.0)},
        aliases={"y_batch": ("targets", "y")},
    ),
    Entry(
        "glassml.nn.predict_batches",
        predict_batches_call,
        {"X": REGRESSION_X, "batch_size": 16},
        arrays=("X",),
        options={"batch_size": opt(0, -1)},
        scale=(at_zero(lambda X: nn.predict_batches(MODEL, X), REGRESSION_X),),
    ),
    Entry(
        "glassml.nn.EarlyStopping",
        lambda patience, min_delta, restore_best, monitor: np.array(
            [
                (stop := nn.EarlyStopping(patience, min_delta, restore_best, monitor)).patience,
                stop.min_delta,
                float(stop.restore_best),
            ]
        ),
        {"patience": 3, "min_delta": 0.01, "restore_best": True, "monitor": "val_loss"},
        options={
            "patience": opt(0, -1),
            "min_delta": opt(-0.1),
            "restore_best": opt(),
            "monitor": opt(3, auto=False),
        },
    ),
]


# ------------------------------------------------------------------ saving and loading
def fitted_classifier():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return nn.MLPClassifier((5,), max_iter=20, random_state=0).fit(CLASS_X, CLASS_Y)


CLASS_X = rng.standard_normal((45, 3))
CLASS_Y = (CLASS_X[:, 0] > 0).astype(int) + (CLASS_X[:, 1] > 0.5)
CLASSIFIER = fitted_classifier()


def save_call(path):
    written = nn.save(CLASSIFIER, path)
    return nn.load(written).predict_proba(CLASS_X)


def load_call(path):
    return nn.load(path).predict_proba(CLASS_X)


SAVED = nn.save(CLASSIFIER, FOLDER / "classifier")

ENTRIES += [
    Entry(
        "glassml.nn.save",
        save_call,
        {"path": str(FOLDER / "saved")},
        options={"path": opt(3, None, auto=False)},
    ),
    Entry(
        "glassml.nn.load",
        load_call,
        {"path": str(SAVED)},
        options={"path": opt(3, None, str(FOLDER / "missing.npz"), str(FOLDER), auto=False)},
    ),
]


# ------------------------------------------------------------------ estimators
def quietly(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call()


MLP_OPTIONS = {
    "hidden_layer_sizes": opt((0,), (2.5,), "5"),
    "activation": opt(),
    "optimizer": opt(),
    "learning_rate_init": opt(0.0, -0.1),
    "alpha": opt(-1.0),
    "batch_size": opt(0),
    "max_iter": opt(0),
    "tol": opt(-1.0),
    "n_iter_no_change": opt(0),
    "early_stopping": opt(),
    "validation_fraction": opt(0.0, 1.0),
    "dtype": opt(),
    "verbose": opt(-1),
}
MLP_VALID = {
    "hidden_layer_sizes": (5,),
    "activation": "relu",
    "optimizer": "adam",
    "learning_rate_init": 0.01,
    "alpha": 1e-4,
    "batch_size": 16,
    "max_iter": 5,
    "tol": 1e-4,
    "n_iter_no_change": 3,
    "early_stopping": False,
    "validation_fraction": 0.2,
    "dtype": "float32",
    "verbose": 0,
}


def classifier_fit(X, y, **params):
    model = nn.MLPClassifier(random_state=0, **params)
    return quietly(lambda: model.fit(X, y)).predict_proba(X)


def regressor_fit(X, y, **params):
    model = nn.MLPRegressor(random_state=0, **params)
    return quietly(lambda: model.fit(X, y)).predict(X)


def classifier_partial_fit(X, y, classes):
    model = nn.MLPClassifier((5,), random_state=0)
    return model.partial_fit(X, y, classes=classes).predict_proba(X)


def regressor_partial_fit(X, y):
    model = nn.MLPRegressor((5,), random_state=0)
    return model.partial_fit(X, y).predict(X)


REGRESSOR = quietly(
    lambda: nn.MLPRegressor((5,), max_iter=20, random_state=0).fit(REGRESSION_X, REGRESSION_Y)
)
CNN_X = rng.standard_normal((40, 1, 4, 4))
CNN_Y = (CNN_X[:, 0, :2].mean(axis=(1, 2)) > 0).astype(int)
CNN = quietly(
    lambda: nn.CNNClassifier(max_iter=5, early_stopping=False, random_state=0).fit(CNN_X, CNN_Y)
)


def cnn_fit(X, y, **params):
    model = nn.CNNClassifier(random_state=0, **params)
    return quietly(lambda: model.fit(X, y)).predict_proba(X)


def method_entries(prefix, model, X, methods, y=None):
    """predict-side entries of a fitted estimator: X probed, continuity at 0 declared."""
    entries = []
    for method in methods:
        entries.append(
            Entry(
                f"{prefix}.{method}",
                lambda X, method=method: getattr(model, method)(X),
                {"X": X},
                arrays=("X",),
                scale=(at_zero(getattr(model, method), X),),
            )
        )
    if y is not None:
        entries.append(
            Entry(
                f"{prefix}.score",
                lambda X, y: model.score(X, y),
                {"X": X, "y": y},
                arrays=("X",),
                labels=("y",),
                skip={"one_class": "the score on labels all of one class is well defined"},
            )
        )
    entries.append(
        Entry(
            f"{prefix}.save",
            lambda path: nn.load(model.save(path)).predict(X),
            {"path": str(FOLDER / prefix.rsplit(".", 1)[1])},
            options={"path": opt(3, None, auto=False)},
        )
    )
    return entries


ENTRIES += [
    Entry(
        "glassml.nn.MLPClassifier.fit",
        classifier_fit,
        {"X": CLASS_X, "y": CLASS_Y, **MLP_VALID, "label_smoothing": 0.0},
        arrays=("X",),
        labels=("y",),
        options={**MLP_OPTIONS, "label_smoothing": opt(1.0, -0.1)},
    ),
    Entry(
        "glassml.nn.MLPClassifier.partial_fit",
        classifier_partial_fit,
        {"X": CLASS_X, "y": CLASS_Y, "classes": [0, 1, 2]},
        arrays=("X",),
        labels=("y",),
        options={"classes": opt(None, [0], auto=False)},
        aliases={"y": ("classes",)},
        skip={
            "one_class": "one batch of a single class is normal in incremental learning: the "
            "classes are declared by the classes argument"
        },
    ),
    *method_entries(
        "glassml.nn.MLPClassifier",
        CLASSIFIER,
        CLASS_X,
        ("predict", "predict_proba", "predict_log_proba"),
        y=CLASS_Y,
    ),
    Entry(
        "glassml.nn.MLPRegressor.fit",
        regressor_fit,
        {"X": REGRESSION_X, "y": REGRESSION_Y, **MLP_VALID},
        arrays=("X", "y"),
        options=MLP_OPTIONS,
    ),
    Entry(
        "glassml.nn.MLPRegressor.partial_fit",
        regressor_partial_fit,
        {"X": REGRESSION_X, "y": REGRESSION_Y},
        arrays=("X", "y"),
    ),
    *method_entries("glassml.nn.MLPRegressor", REGRESSOR, REGRESSION_X, ("predict",)),
    Entry(
        "glassml.nn.CNNClassifier.fit",
        cnn_fit,
        {
            "X": CNN_X,
            "y": CNN_Y,
            "max_iter": 3,
            "batch_size": 16,
            "early_stopping": False,
            "learning_rate_init": 0.01,
            "label_smoothing": 0.0,
            "architecture": [{"type": "conv2d", "out_channels": 2, "kernel_size": 3}, "relu"],
        },
        arrays=("X",),
        labels=("y",),
        options={
            "max_iter": opt(0),
            "batch_size": opt(0),
            "early_stopping": opt(),
            "learning_rate_init": opt(0.0),
            "label_smoothing": opt(1.0),
            "architecture": opt(
                [{"type": "capsule"}],
                [{"type": "conv2d", "out_channels": 2, "kernel_size": 9}],
                "conv",
                auto=False,
            ),
        },
    ),
    Entry(
        "glassml.nn.CNNClassifier.fit [input_shape]",
        lambda X, y, input_shape: cnn_fit(
            X, y, input_shape=input_shape, max_iter=2, early_stopping=False
        ),
        {"X": CNN_X.reshape(40, 16), "y": CNN_Y, "input_shape": (1, 4, 4)},
        arrays=("X",),
        labels=("y",),
        options={"input_shape": opt((2, 4, 4), (4, 5), "16", (0, 4, 4), auto=False)},
    ),
    *method_entries(
        "glassml.nn.CNNClassifier",
        CNN,
        CNN_X,
        ("predict", "predict_proba", "predict_log_proba"),
        y=CNN_Y,
    ),
]

SEQ_X = rng.standard_normal((40, 6, 2))
SEQ_Y = SEQ_X[:, -2:, 0].sum(axis=1) - SEQ_X[:, :, 1].mean(axis=1)
SEQUENCE_REGRESSOR = quietly(
    lambda: nn.SequenceRegressor("gru", hidden_size=4, max_iter=5, random_state=0).fit(SEQ_X, SEQ_Y)
)


RANKS = (
    "both ranks are legal inputs: 3-D X is sequences (n, length, features), 2-D X flat rows "
    "(n, d) read as d steps of one feature (or by input_shape): one axis more or fewer is a "
    "different legal problem"
)


def sequence_fit(X, y, **params):
    model = nn.SequenceRegressor(random_state=0, **params)
    return quietly(lambda: model.fit(X, y)).predict(X)


ENTRIES += [
    Entry(
        "glassml.nn.SequenceRegressor.fit",
        sequence_fit,
        {
            "X": SEQ_X,
            "y": SEQ_Y,
            "architecture": "lstm",
            "hidden_size": 3,
            "standardize": True,
            "max_iter": 3,
            "batch_size": 16,
            "early_stopping": False,
            "learning_rate_init": 0.01,
        },
        arrays=("X", "y"),
        options={
            "architecture": opt("transformer", [{"type": "capsule"}], auto=False),
            "hidden_size": opt(0, -1),
            "standardize": opt(),
            "max_iter": opt(0),
            "batch_size": opt(0),
            "early_stopping": opt(),
            "learning_rate_init": opt(0.0),
        },
        # Standardised inputs and targets: predictions scale with y and ignore X's scale.
        scale=(
            Scale(("X",), invariant(rtol=1e-5)),
            Scale(("y",), equivariant(1.0, rtol=1e-5)),
        ),
        skip={"ndim": RANKS},
    ),
    Entry(
        "glassml.nn.SequenceRegressor.fit [input_shape]",
        lambda X, y, input_shape: sequence_fit(
            X, y, architecture="gru", hidden_size=2, input_shape=input_shape, max_iter=2
        ),
        {"X": SEQ_X.reshape(40, 12), "y": SEQ_Y, "input_shape": (6, 2)},
        arrays=("X", "y"),
        options={"input_shape": opt((5, 2), (12,), "12", (0, 12), auto=False)},
        scale=(
            Scale(("X",), invariant(rtol=1e-5)),
            Scale(("y",), equivariant(1.0, rtol=1e-5)),
        ),
        skip={"ndim": RANKS},
    ),
    *method_entries("glassml.nn.SequenceRegressor", SEQUENCE_REGRESSOR, SEQ_X, ("predict",)),
]

EXEMPT = {
    "glassml.nn.*.forward": "the computation a module's call runs after checking x and "
    "building on first use; each layer's constructor entry calls it (Sequential's forward "
    "calls its layers' with shapes its build has checked)",
    "glassml.nn.*.get_config": "returns the constructor arguments; every layer type is rebuilt "
    "from it by the glassml.nn.layer_from_config and glassml.nn.save/load entries",
    "glassml.nn.Module.config": "get_config with the layer type: see get_config",
    "glassml.nn.Module": "abstract base without arguments (forward raises "
    "NotImplementedError); every layer's constructor entry constructs it",
    "glassml.nn.*.children": "takes no argument: the modules inside (a Sequential's layers)",
    "glassml.nn.Module.modules": "takes no argument: walks children; the Module.train entry "
    "reads every module it yields",
    "glassml.nn.Module.named_parameters": "takes no argument: the arrays; judged by the "
    "Module.build entry",
    "glassml.nn.Module.named_buffers": "takes no argument: the running statistics; saved and "
    "loaded in the BatchNorm round trip of tests/nn/test_estimators.py",
    "glassml.nn.Module.parameters": "takes no argument: the arrays in order; judged by the "
    "Module.build entry",
    "glassml.nn.Module.state_dict": "takes no argument: copies of the arrays; judged by the "
    "Module.load_state_dict entry",
    "glassml.nn.Module.track_gradients": "takes no argument; run at every step of the "
    "glassml.nn.train_step and glassml.nn.fit entries",
    "glassml.nn.Module.stop_tracking": "takes no argument; run at every step of the "
    "glassml.nn.train_step and glassml.nn.fit entries",
    "glassml.nn.Module.gradients": "takes no argument: reads the leaves after backward; run at "
    "every step of the glassml.nn.train_step entry",
    "glassml.nn.Module.eval": "train(False) (its entry probes the flag)",
    "glassml.nn.TrainingProgress": "a plain record fit fills in for progress callbacks (no "
    "computation); the glassml.nn.fit entry passes one to a callback at every batch",
}
