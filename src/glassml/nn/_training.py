"""The training loop: mini-batch gradient steps with any ``glassml.optim`` step optimiser.

One epoch visits the shuffled training set in batches B; for each batch

    L_B(θ) = loss(model_θ(X_B), y_B) + (λ / 2|B|) Σ ||W||²      (L2 on weights, optional)
    g = ∇_θ L_B(θ)                                              (reverse mode, glassml.autodiff)
    θ ← optimizer.step(θ, g)                                    (in place)

The history records the epoch's mean training loss (and metric), the validation loss (and
metric) with the model in evaluation mode, the learning rate and the throughput.

An optimiser that takes per-example gradients (``per_example = True``, e.g.
``glassml.privacy.DPSGD``) draws each epoch's batches itself (``optimizer.batches``) and gets,
instead of g, every example's gradient (``glassml.nn.per_example_gradients``); the penalty's
gradient (α / |B|) W, with |B| the nominal ``batch_size``, goes with them as their data-free part.
An optimiser that needs a second gradient (``regradient = True``: ``glassml.optim.SAM``) gets
``gradient()``, which re-runs the forward and backward pass on the same batch at whatever
weights the optimiser has set; dropout draws fresh masks for it, and batch-norm running
statistics are left as the first pass set them.

Progress is reported through a callback the caller passes (``progress``), called with a
:class:`TrainingProgress` after every batch and at the end of every epoch; without one,
``verbose=1`` prints one plain line per epoch. This module draws nothing on a terminal: the
command line and the tour pass a rich progress bar (``glassml.tour.rich_progress``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import glassml.autodiff as ad
from glassml._validation import (
    check_bool,
    check_callable,
    check_count,
    check_named_array,
    check_non_negative,
    check_scalar,
    fail,
)
from glassml.nn._losses import get_loss
from glassml.nn._module import Module
from glassml.nn._per_example import batch_gradients, penalty_gradients
from glassml.optim import wants_per_example, wants_regradient


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; with ``restore_best`` the weights of the best epoch are put back at the end.

    ``monitor`` defaults to ``"val_loss"`` when there is validation data, else ``"loss"``.

    Examples
    --------
    >>> EarlyStopping(patience=3)
    EarlyStopping(patience=3, min_delta=0.0, restore_best=True, monitor=None)
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True
    monitor: str | None = None

    def __post_init__(self) -> None:
        self.patience = check_count(self.patience, "patience")
        self.min_delta = check_non_negative(self.min_delta, "min_delta")
        self.restore_best = check_bool(self.restore_best, "restore_best")
        if self.monitor is not None and not isinstance(self.monitor, str):
            raise fail("monitor", "None or the name of a logged quantity", self.monitor)


@dataclass(frozen=True)
class TrainingProgress:
    """What a progress callback receives: after each batch (``end_of_epoch=False``, running
    means in ``logs``) and once at the end of each epoch (the epoch's full logs).

    ``epoch`` counts from 0; ``done`` of ``total`` training samples are seen this epoch.

    Examples
    --------
    >>> event = TrainingProgress(epoch=0, epochs=3, done=32, total=100, logs={"loss": 0.7})
    >>> f"epoch {event.epoch + 1}/{event.epochs}: {event.done}/{event.total}"
    'epoch 1/3: 32/100'
    """

    epoch: int
    epochs: int
    done: int
    total: int
    logs: Mapping[str, float] = field(default_factory=dict)
    end_of_epoch: bool = False

    def __str__(self) -> str:
        """``epoch 3/10  loss 0.2134  accuracy 0.94  ...``: the logs as one line of text."""
        fields = "  ".join(
            f"{key} {value:,.0f}" if key == "samples_per_s" else f"{key} {value:.4g}"
            for key, value in self.logs.items()
        )
        return f"epoch {self.epoch + 1}/{self.epochs}  {fields}"


def print_progress(event: TrainingProgress) -> None:
    """The default progress callback (``verbose=1``): one plain line per epoch on stdout."""
    if event.end_of_epoch:
        print(event, flush=True)


def accuracy(y_true: np.ndarray, output: np.ndarray) -> float:
    """Accuracy of logits: argmax over classes, or ``z > 0`` for a single logit.

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([0, 1, 1]), np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]))
    0.6666666666666666
    """
    y_true = np.asarray(y_true)
    output = np.asarray(output)
    for name, array in (("y_true", y_true), ("output", output)):
        if array.dtype.kind not in "fiub":
            raise fail(name, "real numbers", array)
        if not np.all(np.isfinite(array)):
            raise fail(name, "finite values (no NaN or inf)", array)
    if y_true.ndim != 1 and not (y_true.ndim == 2 and y_true.shape[1] == 1):
        raise fail("y_true", "one label per sample (a 1-D array)", y_true)
    if output.ndim not in (1, 2) or output.shape[0] != y_true.shape[0]:
        raise ValueError(
            f"output: expected one row of logits per label ({y_true.shape[0]}), "
            f"got shape {output.shape}"
        )
    if output.shape[0] == 0:
        raise ValueError("y_true: expected at least one label, got none")
    if output.ndim == 2 and output.shape[1] > 1:
        predicted = np.argmax(output, axis=1)
    else:
        predicted = (output.reshape(-1) > 0).astype(y_true.dtype)
    return float(np.mean(predicted == y_true.reshape(-1)))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"accuracy": accuracy}


def predict_batches(
    model: Module, X: np.ndarray, batch_size: int = 1024, dtype: Any = None
) -> np.ndarray:
    """Forward pass in evaluation mode without building a graph; the mode is restored after.

    ``dtype`` (e.g. float64) computes with the parameters cast to it; the estimators predict in
    float64 so that a sample's prediction does not depend on the batch it is in (float32 BLAS
    kernels round differently for different batch sizes).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense, Sequential, predict_batches
    >>> model = Sequential([Dense(2)])
    >>> model.build((3,), np.random.default_rng(0))
    (2,)
    >>> predict_batches(model, np.ones((5, 3)), batch_size=2).shape
    (5, 2)
    """
    if not isinstance(model, Module):
        raise fail("model", "a glassml.nn Module", model)
    X = check_named_array(X, "X", allow_nd=True, ensure_min_features=0, dtype=None)
    if X.dtype.kind not in "fiub":
        raise fail("X", "real numbers", X)
    batch_size = check_count(batch_size, "batch_size")
    if dtype is not None:
        from glassml.nn._module import check_dtype

        dtype = check_dtype(dtype)
    if not model.built:
        raise ValueError("model: not built yet (fit it, call it once, or call build first)")
    if tuple(X.shape[1:]) != model.input_shape:
        raise ValueError(f"X: expected samples of shape {model.input_shape}, got {X.shape[1:]}")
    return _predict(model, X, batch_size, dtype)


def _predict(model: Module, X: np.ndarray, batch_size: int, dtype: Any) -> np.ndarray:
    was_training = model.training
    model.eval()
    model.stop_tracking()
    X = X.astype(dtype if dtype is not None else model.dtype, copy=False)
    if dtype is not None:
        for module in model.modules():
            module._compute_dtype = np.dtype(dtype)
    try:
        with ad.no_grad():
            outputs = [
                model.forward(ad.Tensor(X[start : start + batch_size])).data
                for start in range(0, X.shape[0], batch_size)
            ]
    finally:
        model.train(was_training)
        for module in model.modules():
            module._compute_dtype = None
    return np.concatenate(outputs, axis=0)


def l2_penalty(model: Module, alpha: float, batch_size: int) -> ad.Tensor | None:
    """(α / 2|B|) Σ ||W||² over the tracked weights (biases and BatchNorm scales excluded)."""
    if alpha == 0.0:
        return None
    total = None
    for module in model.modules():
        if module._leaves is not None and "weight" in module._leaves:
            weight = module._leaves["weight"]
            term = ad.sum(weight * weight)
            total = term if total is None else total + term
    return None if total is None else total * (0.5 * alpha / batch_size)


def train_step(
    model: Module,
    X_batch: np.ndarray,
    y_batch: np.ndarray,
    loss_fn: Callable[..., ad.Tensor],
    optimizer: Any,
    alpha: float = 0.0,
) -> tuple[float, np.ndarray]:
    """One gradient step on one batch; returns the batch loss and the network output.

    ``loss_fn(output, y_batch) -> scalar Tensor``; ``optimizer`` has ``step(params, grads)``.
    A model not yet built is built from the batch's sample shape.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense, Sequential, mean_squared_error, train_step
    >>> from glassml.optim import GradientDescent
    >>> model = Sequential([Dense(1)])
    >>> X, y = np.ones((4, 2)), np.full(4, 3.0)
    >>> loss, output = train_step(model, X, y, mean_squared_error, GradientDescent(lr=0.1))
    >>> output.shape
    (4, 1)
    """
    _check_model_and_optimizer(model, optimizer)
    check_callable(loss_fn, "loss_fn", "(output, y) -> loss")
    alpha = check_non_negative(alpha, "alpha")
    X_batch, y_batch = _check_data(X_batch, y_batch, "X_batch", "y_batch")
    check_representable(X_batch, model.dtype, "X_batch")
    if y_batch.dtype.kind == "f":
        check_representable(y_batch, model.dtype, "y_batch")
    if not model.built:
        model.build(X_batch.shape[1:], dtype=model.dtype)
    elif X_batch.shape[1:] != model.input_shape:
        raise ValueError(
            f"X_batch: expected samples of shape {model.input_shape}, got {X_batch.shape[1:]}"
        )
    return _step(model, X_batch.astype(model.dtype, copy=False), y_batch, loss_fn, optimizer, alpha)


class _StepRefused(Exception):
    """The optimiser refused the gradients of a step inside ``fit`` (non-finite values)."""


def _step(
    model, X_batch, y_batch, loss_fn, optimizer, alpha, in_fit: bool = False, nominal=None
) -> tuple[float, np.ndarray]:
    if wants_per_example(optimizer):
        return _per_example_step(
            model, X_batch, y_batch, loss_fn, optimizer, alpha, in_fit, nominal
        )
    model.train()
    loss, output = _backward(model, X_batch, y_batch, loss_fn, alpha, in_fit)
    try:
        if wants_regradient(optimizer):
            optimizer.step(
                model.parameters(),
                model.gradients(),
                gradient=lambda: _probe_gradients(model, X_batch, y_batch, loss_fn, alpha),
            )
        else:
            optimizer.step(model.parameters(), model.gradients())
    except ValueError as error:
        if not in_fit:
            raise
        # fit built every argument itself: what the optimiser refuses is the gradients.
        raise _StepRefused(str(error)) from error
    finally:
        model.stop_tracking()
    return float(loss.item()), output.data


def _backward(model, X_batch, y_batch, loss_fn, alpha, in_fit: bool = False):
    """L_B = loss + L2 penalty at the current parameters, differentiated into fresh leaves;
    returns the loss (without the penalty) and the network output."""
    model.track_gradients()
    output = model.forward(ad.Tensor(X_batch))
    try:
        loss = loss_fn(output, y_batch)
    except ValueError as error:
        if not in_fit:
            raise
        # fit checked X and built the model on it: what the loss refuses is the targets.
        raise ValueError(f"y: {error}") from None
    penalty = l2_penalty(model, alpha, X_batch.shape[0])
    (loss if penalty is None else loss + penalty).backward()
    return loss, output


def _probe_gradients(model, X_batch, y_batch, loss_fn, alpha) -> list[np.ndarray]:
    """The batch objective's gradients at the parameters as they are now (SAM's second pass).

    The pass is a probe at perturbed weights, not a training step: the running statistics it
    would fold into batch-norm layers are put back, so one SAM step updates them once, like
    any other step.
    """
    buffers = {name: value.copy() for name, value in model.named_buffers().items()}
    try:
        _backward(model, X_batch, y_batch, loss_fn, alpha)
        return model.gradients()
    finally:
        for name, value in model.named_buffers().items():
            value[...] = buffers[name]


def _per_example_step(model, X_batch, y_batch, loss_fn, optimizer, alpha, in_fit, nominal):
    """One step of an optimiser that takes each example's gradient (see the module notes)."""
    batch_size = nominal if nominal is not None else max(1, X_batch.shape[0])
    shared = penalty_gradients(model, alpha, batch_size)
    try:
        loss, output, grads = batch_gradients(model, X_batch, y_batch, loss_fn, shared)
    except ValueError as error:
        if in_fit and str(error).startswith("blocks["):  # a gradient overflowed
            raise _StepRefused(str(error)) from error
        if not in_fit or str(error).startswith("model:"):
            raise
        raise ValueError(f"y: {error}") from None
    try:
        optimizer.step(model.parameters(), grads)
    except ValueError as error:
        if not in_fit:
            raise
        raise _StepRefused(str(error)) from error
    return loss, output


def _check_model_and_optimizer(model: Any, optimizer: Any) -> None:
    if not isinstance(model, Module):
        raise fail("model", "a glassml.nn Module", model)
    if not callable(getattr(optimizer, "step", None)):
        raise fail("optimizer", "an optimiser with a step(params, grads) method", optimizer)


def _check_data(X: Any, y: Any, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Real, finite arrays with one target per sample (X at least 2-D: samples first)."""
    X = check_named_array(X, x_name, allow_nd=True, dtype=[np.float64, np.float32])
    if y is None:
        raise fail(y_name, "targets (one per sample)", y)
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        raise fail(y_name, "numbers (class indices or real targets)", y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{x_name}, {y_name}: {x_name} has {X.shape[0]} samples but {y_name} has "
            f"{y.shape[0] if y.ndim else 'no axis of'} samples"
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise fail(y_name, "finite values (no NaN or inf)", y)
    return X, y


def check_representable(X: np.ndarray, dtype: Any, argument: str) -> None:
    """The data's scale must be one the training dtype can carry through the network.

    Gradients of the first layer are proportional to the inputs, and Adam's second moment and
    the L2 penalty square them, so the largest |value| must lie in [sqrt(tiny), sqrt(max)] of
    the dtype (float32: about [1e-19, 1.8e19]; float64: [1.5e-154, 1.3e154]). Outside, training
    overflows to NaN or cannot tell samples apart; the remedy is to standardise the data.
    """
    info = np.finfo(dtype)
    # Two reductions instead of np.abs: no temporary the size of X.
    largest = max(float(np.max(X, initial=0.0)), -float(np.min(X, initial=0.0)))
    low, high = math.sqrt(float(info.tiny)), math.sqrt(float(info.max))
    if largest and not low <= largest <= high:
        raise ValueError(
            f"{argument}: the largest |value| is {largest:.3g}, outside [{low:.2g}, "
            f"{high:.2g}] where {np.dtype(dtype).name} training can represent squared "
            "gradients; standardise the data (e.g. sklearn.preprocessing.StandardScaler)"
        )


def _non_finite_loss(what: str, epoch: int, X: np.ndarray, y: np.ndarray) -> Exception:
    """Why training went non-finite, data first: unscaled inputs are the usual cause."""
    scales = {"X": float(np.max(np.abs(X), initial=0.0))}
    if y.dtype.kind == "f":
        scales["y"] = float(np.max(np.abs(y), initial=0.0))
    large = {name: scale for name, scale in scales.items() if scale > 1e4}
    if large:
        name, scale = max(large.items(), key=lambda item: item[1])
        return ValueError(
            f"{name}: {what} at epoch {epoch + 1}; {name} has values up to {scale:.3g}, which "
            "make activations and gradients overflow: standardise the data "
            "(e.g. sklearn.preprocessing.StandardScaler)"
        )
    return FloatingPointError(
        f"{what} at epoch {epoch + 1} on data of scale {scales['X']:.3g}; lower the learning rate"
    )


def _early_stopping(early_stopping: Any) -> EarlyStopping | None:
    if early_stopping is None or early_stopping is False:
        return None
    if early_stopping is True:
        return EarlyStopping()
    if isinstance(early_stopping, EarlyStopping):
        return early_stopping
    if isinstance(early_stopping, int | np.integer) and not isinstance(early_stopping, np.bool_):
        return EarlyStopping(patience=early_stopping)
    raise fail(
        "early_stopping", "None, a bool, a patience (int) or an EarlyStopping", early_stopping
    )


def _metric(metric: Any) -> tuple[str, Callable[[np.ndarray, np.ndarray], float] | None]:
    if metric is None:
        return "metric", None
    if isinstance(metric, str):
        if metric not in METRICS:
            raise fail("metric", f"a callable or one of {sorted(METRICS)}", metric)
        return metric, METRICS[metric]
    check_callable(metric, "metric", "(y_true, output) -> float")
    return getattr(metric, "__name__", "metric"), metric


def fit(
    model: Module,
    X: Any,
    y: Any,
    *,
    loss: str | Callable[..., ad.Tensor],
    optimizer: Any,
    epochs: int = 10,
    batch_size: int = 32,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    early_stopping: EarlyStopping | int | bool | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    callbacks: Sequence[Callable[[int, dict[str, float]], bool | None]] = (),
    metric: str | Callable[[np.ndarray, np.ndarray], float] | None = None,
    alpha: float = 0.0,
    random_state: int | np.random.Generator | None = None,
    verbose: int = 1,
    progress: Callable[[TrainingProgress], None] | None = None,
) -> dict[str, np.ndarray]:
    """Train ``model`` on (X, y) with mini-batches; return the history (dict of 1-D arrays).

    Parameters
    ----------
    model : Module
        Built lazily from ``X.shape[1:]`` (the dry forward of shapes) if not yet built.
    X, y : array_like
        Samples along the first axis; real, finite values whose largest magnitude the model's
        dtype can train on (see ``check_representable``: standardise unscaled data).
    loss : str or callable
        ``"mse"``, ``"binary_cross_entropy"``, ``"cross_entropy"`` or ``loss(output, y)``.
    optimizer : glassml.optim step optimiser
        Anything with ``step(params, grads)`` updating the arrays in place. An optimiser with
        ``per_example = True`` (``glassml.privacy.DPSGD``) draws the batches
        (``batches(n_samples, batch_size, rng)``) and receives per-example gradients.
    validation_split, validation_data :
        A held-out fraction of (X, y) (drawn at random once), or an explicit (X_val, y_val).
    early_stopping : EarlyStopping, int or bool, optional
        Patience, minimum improvement, monitored quantity and whether to restore the best
        weights; an int is a patience, True the defaults (patience 5, restore best).
    lr_schedule : callable, optional
        ``lr_schedule(epoch) -> lr`` assigned to ``optimizer.lr`` before each epoch.
    callbacks : sequence of callables
        ``callback(epoch, logs)`` after each epoch; returning True stops training.
    metric : "accuracy" or callable ``metric(y_true, output) -> float``, optional
    alpha : float
        L2 penalty on the weights, ``(alpha / 2|B|) Σ ||W||²`` per batch.
    verbose : int
        Without ``progress``: 0 silent, 1 one plain line per epoch on stdout.
    progress : callable, optional
        ``progress(event)`` with a :class:`TrainingProgress` after every batch and at the end
        of every epoch (e.g. ``glassml.tour.rich_progress(console)``); replaces ``verbose``.

    Raises
    ------
    ValueError
        For invalid arguments (naming them), and when the loss becomes NaN or infinite
        because the data are unscaled (naming ``X`` or ``y``); ``FloatingPointError`` when it
        does so on data of ordinary scale (lower the learning rate).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense, ReLU, Sequential, fit
    >>> from glassml.optim import Adam
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((64, 2)); y = (X[:, 0] > 0).astype(int)
    >>> model = Sequential([Dense(8), ReLU(), Dense(2)])
    >>> history = fit(model, X, y, loss="cross_entropy", optimizer=Adam(lr=0.05), epochs=5,
    ...               random_state=0, verbose=0)
    >>> len(history["loss"]), bool(history["loss"][-1] < history["loss"][0])
    (5, True)
    """
    _check_model_and_optimizer(model, optimizer)
    X, y = _check_data(X, y, "X", "y")
    epochs = check_count(epochs, "epochs")
    batch_size = check_count(batch_size, "batch_size")
    validation_split = check_scalar(
        validation_split, "validation_split", low=0.0, high=1.0, closed="left"
    )
    if validation_split and validation_data is not None:
        raise ValueError(
            "validation_split, validation_data: give either a split or the data, not both"
        )
    loss_fn = get_loss(loss)
    metric_name, metric = _metric(metric)
    early_stopping = _early_stopping(early_stopping)
    if lr_schedule is not None:
        check_callable(lr_schedule, "lr_schedule", "epoch -> lr")
    if isinstance(callbacks, str | bytes) or not isinstance(callbacks, Sequence):
        raise fail("callbacks", "a sequence of callables", callbacks)
    for index, callback in enumerate(callbacks):
        check_callable(callback, f"callbacks[{index}]", "(epoch, logs) -> bool or None")
    alpha = check_non_negative(alpha, "alpha")
    if isinstance(verbose, bool | np.bool_) or not isinstance(verbose, int | np.integer):
        raise fail("verbose", "an integer (0 silent, 1 a line per epoch)", verbose)
    if progress is None:
        progress = print_progress if verbose > 0 else None
    else:
        check_callable(progress, "progress", "(TrainingProgress) -> None")
    if isinstance(random_state, bool | np.bool_):
        raise fail("random_state", "None, an integer or a numpy.random.Generator", random_state)
    try:
        rng = np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise fail(
            "random_state", "None, an integer >= 0 or a numpy.random.Generator", random_state
        ) from None

    if not model.built:
        try:
            model.build(X.shape[1:], rng, model.dtype)
        except ValueError as error:
            raise ValueError(f"X: {error}") from None
    elif tuple(X.shape[1:]) != model.input_shape:
        raise ValueError(
            f"X: has sample shape {X.shape[1:]}, the model expects {model.input_shape}"
        )
    check_representable(X, model.dtype, "X")
    if y.dtype.kind == "f":
        check_representable(y, model.dtype, "y")
    X = X.astype(model.dtype, copy=False)

    if validation_split:
        order = rng.permutation(X.shape[0])
        n_validation = max(1, round(validation_split * X.shape[0]))
        if n_validation >= X.shape[0]:
            raise ValueError(
                f"validation_split: {validation_split} of {X.shape[0]} samples leaves none "
                "to train on"
            )
        validation_data = (X[order[:n_validation]], y[order[:n_validation]])
        X, y = X[order[n_validation:]], y[order[n_validation:]]
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            raise fail("validation_data", "a pair (X_val, y_val)", validation_data)
        X_val, y_val = _check_data(*validation_data, "validation_data[0]", "validation_data[1]")
        if tuple(X_val.shape[1:]) != model.input_shape:
            raise ValueError(
                f"validation_data: X has sample shape {X_val.shape[1:]}, the model expects "
                f"{model.input_shape}"
            )
        X_val = X_val.astype(model.dtype, copy=False)

    monitor = None
    if early_stopping is not None:
        monitor = early_stopping.monitor or ("val_loss" if validation_data is not None else "loss")
    best_value, best_state, stale_epochs = np.inf, None, 0
    history: dict[str, list[float]] = {}
    n_samples = X.shape[0]
    per_example = wants_per_example(optimizer)

    for epoch in range(epochs):
        if lr_schedule is not None:
            rate = lr_schedule(epoch)
            try:
                optimizer.lr = check_scalar(rate, "lr_schedule", low=0.0)
            except ValueError:
                raise fail("lr_schedule", f"a finite rate >= 0 at epoch {epoch}", rate) from None
        if per_example:
            batches = optimizer.batches(n_samples, batch_size, rng)
        else:
            order = rng.permutation(n_samples)
            batches = [
                order[first : first + batch_size] for first in range(0, n_samples, batch_size)
            ]
        loss_sum, metric_sum, done = 0.0, 0.0, 0
        start = time.perf_counter()
        for batch in batches:
            try:
                batch_loss, output = _step(
                    model, X[batch], y[batch], loss_fn, optimizer, alpha, True, batch_size
                )
            except _StepRefused as refused:
                raise _non_finite_loss(
                    f"the gradients became non-finite ({refused})", epoch, X, y
                ) from None
            loss_sum += batch_loss * batch.size
            done += batch.size
            if metric is not None and batch.size:
                metric_sum += metric(y[batch], output) * batch.size
            if progress is not None:
                running = {"loss": loss_sum / max(done, 1)}
                if metric is not None:
                    running[metric_name] = metric_sum / max(done, 1)
                running["samples_per_s"] = done / max(time.perf_counter() - start, 1e-9)
                progress(TrainingProgress(epoch, epochs, done, n_samples, running))
        # Poisson-sampled batches (per-example optimisers) visit about, not exactly, n rows.
        logs = {"loss": loss_sum / max(done, 1)}
        if metric is not None:
            logs[metric_name] = metric_sum / max(done, 1)
        if validation_data is not None:
            output = _predict(model, X_val, 1024, None)
            logs["val_loss"] = float(loss_fn(ad.Tensor(output), y_val).item())
            if metric is not None:
                logs[f"val_{metric_name}"] = metric(y_val, output)
        if not callable(getattr(optimizer, "lr", None)) and hasattr(optimizer, "lr"):
            logs["lr"] = float(optimizer.lr)
        logs["samples_per_s"] = n_samples / max(time.perf_counter() - start, 1e-9)
        if not np.isfinite(logs["loss"]):
            raise _non_finite_loss(f"training loss became {logs['loss']}", epoch, X, y)
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        if progress is not None:
            progress(TrainingProgress(epoch, epochs, n_samples, n_samples, dict(logs), True))

        stop = False
        if early_stopping is not None:
            if monitor not in logs:
                raise ValueError(
                    f"early_stopping: monitors {monitor!r}, which is not among the logged "
                    f"{sorted(logs)}"
                )
            if logs[monitor] < best_value - early_stopping.min_delta:
                best_value, stale_epochs = logs[monitor], 0
                if early_stopping.restore_best:
                    best_state = model.state_dict()
            else:
                stale_epochs += 1
                stop = stale_epochs >= early_stopping.patience
        for callback in callbacks:
            stop = bool(callback(epoch, dict(logs))) or stop
        if stop:
            break

    if early_stopping is not None and early_stopping.restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {key: np.asarray(values, dtype=np.float64) for key, values in history.items()}
