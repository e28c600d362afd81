"""The training loop: mini-batch gradient steps with any ``glassml.optim`` step optimiser.

One epoch visits the shuffled training set in batches B; for each batch

    L_B(θ) = loss(model_θ(X_B), y_B) + (λ / 2|B|) Σ ||W||²      (L2 on weights, optional)
    g = ∇_θ L_B(θ)                                              (reverse mode, glassml.autodiff)
    θ ← optimizer.step(θ, g)                                    (in place)

The history records the epoch's mean training loss (and metric), the validation loss (and
metric) with the model in evaluation mode, the learning rate and the throughput.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

import glassml.autodiff as ad
from glassml.nn._losses import get_loss
from glassml.nn._module import Module


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs;
    with ``restore_best`` the weights of the best epoch are put back at the end."""

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True
    monitor: str | None = None  # default: "val_loss" when there is validation data, else "loss"

    def __post_init__(self) -> None:
        if (
            isinstance(self.patience, bool)
            or not isinstance(self.patience, int)
            or self.patience < 1
        ):
            raise ValueError(
                f"EarlyStopping: patience must be an integer >= 1, got {self.patience!r}"
            )
        if not self.min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {self.min_delta!r}")


def accuracy(y_true: np.ndarray, output: np.ndarray) -> float:
    """Accuracy of logits: argmax over classes, or ``z > 0`` for a single logit."""
    if output.ndim == 2 and output.shape[1] > 1:
        predicted = np.argmax(output, axis=1)
    else:
        predicted = (output.reshape(-1) > 0).astype(np.asarray(y_true).dtype)
    return float(np.mean(predicted == np.asarray(y_true).reshape(-1)))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"accuracy": accuracy}


def predict_batches(
    model: Module, X: np.ndarray, batch_size: int = 1024, dtype: Any = None
) -> np.ndarray:
    """Forward pass in evaluation mode without building a graph; the mode is restored after.

    ``dtype`` (e.g. float64) computes with the parameters cast to it; the estimators predict in
    float64 so that a sample's prediction does not depend on the batch it is in (float32 BLAS
    kernels round differently for different batch sizes).
    """
    was_training = model.training
    model.eval()
    model.stop_tracking()
    if dtype is not None:
        X = X.astype(dtype, copy=False)
        for module in model.modules():
            module._compute_dtype = np.dtype(dtype)
    try:
        with ad.no_grad():
            outputs = [
                model(X[start : start + batch_size]).data
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
    """One gradient step on one batch; returns the batch loss and the network output."""
    model.train()
    model.track_gradients()
    output = model(X_batch)
    loss = loss_fn(output, y_batch)
    penalty = l2_penalty(model, alpha, X_batch.shape[0])
    total = loss if penalty is None else loss + penalty
    total.backward()
    optimizer.step(model.parameters(), model.gradients())
    model.stop_tracking()
    return float(loss.item()), output.data


class _Reporter:
    """A rich progress bar per epoch on a terminal, one plain line per epoch otherwise."""

    def __init__(self, verbose: int, epochs: int, n_samples: int) -> None:
        self.verbose, self.epochs, self.n_samples = verbose, epochs, n_samples
        self.console = Console(highlight=False)
        self.live = verbose > 0 and self.console.is_terminal
        self.progress: Progress | None = None

    def start_epoch(self, epoch: int) -> None:
        if not self.live:
            return
        self.progress = Progress(
            TextColumn(f"epoch {epoch + 1}/{self.epochs}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4f} {task.fields[metric]}"),
            TextColumn("{task.fields[speed]:,.0f} samples/s"),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("", total=self.n_samples, loss=0.0, metric="", speed=0)

    def update(self, done: int, loss: float, metric: str, speed: float) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=done, loss=loss, metric=metric, speed=speed)

    def end_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        if self.verbose <= 0:
            return
        fields = "  ".join(
            f"{key} {value:,.0f}" if key == "samples_per_s" else f"{key} {value:.4g}"
            for key, value in logs.items()
        )
        line = f"epoch {epoch + 1}/{self.epochs}  {fields}"
        if self.live:
            self.console.print(line)
        else:
            print(line, flush=True)


def _check_arrays(X: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{name}: X has {X.shape[0]} samples but y has {y.shape[0]}")
    if X.shape[0] == 0:
        raise ValueError(f"{name}: X is empty (0 samples)")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: X contains NaN or infinity")
    return X, y


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
) -> dict[str, np.ndarray]:
    """Train ``model`` on (X, y) with mini-batches; return the history (dict of 1-D arrays).

    Parameters
    ----------
    model : Module
        Built lazily from ``X.shape[1:]`` (the dry forward of shapes) if not yet built.
    loss : str or callable
        ``"mse"``, ``"binary_cross_entropy"``, ``"cross_entropy"`` or ``loss(output, y)``.
    optimizer : glassml.optim step optimiser
        Anything with ``step(params, grads)`` updating the arrays in place.
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
        0 silent; 1 a progress bar per epoch (plain text lines when not on a terminal).
    """
    X, y = _check_arrays(X, y, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
    if validation_split and validation_data is not None:
        raise ValueError("give either validation_split or validation_data, not both")
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(f"optimizer must have a step(params, grads) method, got {optimizer!r}")
    loss_fn = get_loss(loss)
    metric_name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(
                f"metric must be a callable or one of {sorted(METRICS)}, got {metric!r}"
            )
        metric = METRICS[metric]
    rng = np.random.default_rng(random_state)

    if not model.built:
        model.build(X.shape[1:], rng, model.dtype)
    elif tuple(X.shape[1:]) != model.input_shape:
        raise ValueError(f"X has sample shape {X.shape[1:]}, the model expects {model.input_shape}")
    X = X.astype(model.dtype, copy=False)

    if validation_split:
        order = rng.permutation(X.shape[0])
        n_validation = max(1, round(validation_split * X.shape[0]))
        if n_validation >= X.shape[0]:
            raise ValueError("validation_split leaves no training samples")
        validation_data = (X[order[:n_validation]], y[order[:n_validation]])
        X, y = X[order[n_validation:]], y[order[n_validation:]]
    if validation_data is not None:
        X_val, y_val = _check_arrays(*validation_data, "validation_data")
        if tuple(X_val.shape[1:]) != model.input_shape:
            raise ValueError(
                f"validation_data: X has sample shape {X_val.shape[1:]}, the model expects "
                f"{model.input_shape}"
            )
        X_val = X_val.astype(model.dtype, copy=False)

    if early_stopping is True:
        early_stopping = EarlyStopping()
    elif early_stopping is False:
        early_stopping = None
    elif isinstance(early_stopping, int):
        early_stopping = EarlyStopping(patience=early_stopping)
    elif early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise ValueError(
            f"early_stopping must be None, a bool, a patience (int) or an EarlyStopping, "
            f"got {early_stopping!r}"
        )
    monitor = None
    if early_stopping is not None:
        monitor = early_stopping.monitor or ("val_loss" if validation_data is not None else "loss")
    best_value, best_state, stale_epochs = np.inf, None, 0
    history: dict[str, list[float]] = {}
    reporter = _Reporter(verbose, epochs, X.shape[0])
    n_samples = X.shape[0]

    for epoch in range(epochs):
        if lr_schedule is not None:
            optimizer.lr = float(lr_schedule(epoch))
        reporter.start_epoch(epoch)
        order = rng.permutation(n_samples)
        loss_sum, metric_sum, done = 0.0, 0.0, 0
        start = time.perf_counter()
        for first in range(0, n_samples, batch_size):
            batch = order[first : first + batch_size]
            batch_loss, output = train_step(model, X[batch], y[batch], loss_fn, optimizer, alpha)
            loss_sum += batch_loss * batch.size
            done += batch.size
            shown = ""
            if metric is not None:
                metric_sum += metric(y[batch], output) * batch.size
                shown = f"{metric_name} {metric_sum / done:.4f}"
            reporter.update(done, loss_sum / done, shown, done / (time.perf_counter() - start))
        logs = {"loss": loss_sum / n_samples}
        if metric is not None:
            logs[metric_name] = metric_sum / n_samples
        if validation_data is not None:
            output = predict_batches(model, X_val)
            logs["val_loss"] = float(loss_fn(ad.Tensor(output), y_val).item())
            if metric is not None:
                logs[f"val_{metric_name}"] = metric(y_val, output)
        if not callable(getattr(optimizer, "lr", None)) and hasattr(optimizer, "lr"):
            logs["lr"] = float(optimizer.lr)
        logs["samples_per_s"] = n_samples / (time.perf_counter() - start)
        if not np.isfinite(logs["loss"]):
            raise FloatingPointError(
                f"training loss became {logs['loss']} at epoch {epoch + 1}; lower the learning rate"
            )
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        reporter.end_epoch(epoch, logs)

        stop = False
        if early_stopping is not None:
            if monitor not in logs:
                raise ValueError(f"early_stopping monitors {monitor!r}, not in {sorted(logs)}")
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
