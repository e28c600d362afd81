"""Losses, as functions of the network output (a Tensor) and the targets (an array).

    mean squared error        L = (1 / (N K)) Σ_{n,k} (ŷ_nk - y_nk)²
    binary cross-entropy      L = (1 / N) Σ_n softplus(z_n) - y_n z_n      (z: logits)
    softmax cross-entropy     L = -(1 / N) Σ_n Σ_k q_nk log softmax(z_n)_k
                              with q = (1 - ε) onehot(y) + ε / K  (label smoothing ε,
                              Szegedy et al., 2016)

Their gradients with respect to the output are (ŷ - y)·2/(NK), (σ(z) - y)/N and
(softmax(z) - q)/N, obtained through ``glassml.autodiff``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import glassml.autodiff as ad
from glassml._validation import check_callable, check_option, check_scalar, fail
from glassml.nn._module import as_tensor


def _targets(targets: Any, output: ad.Tensor, argument: str) -> np.ndarray:
    """Real, finite targets of the output's shape ((n,) is read as (n, 1) for one output)."""
    targets = np.asarray(targets)
    if targets.dtype.kind not in "fiub":
        raise fail(argument, "real numbers", targets)
    if targets.ndim == 1 and output.ndim == 2 and output.shape[1] == 1:
        targets = targets[:, None]
    if targets.shape != output.shape:
        raise ValueError(
            f"{argument}: expected the output's shape {output.shape}, got {targets.shape}"
        )
    if not np.all(np.isfinite(targets)):
        raise fail(argument, "finite values (no NaN or inf)", targets)
    return targets.astype(output.dtype, copy=False)


def mean_squared_error(predictions: Any, targets: Any) -> ad.Tensor:
    """Mean of ``(ŷ - y)²`` over samples and outputs.

    Examples
    --------
    >>> import numpy as np
    >>> float(mean_squared_error(np.array([[1.0], [3.0]]), np.array([0.0, 1.0])).item())
    2.5
    """
    predictions = as_tensor(predictions, "predictions")
    difference = predictions - _targets(targets, predictions, "targets")
    return ad.mean(difference * difference)


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> ad.Tensor:
    """Mean of ``softplus(z) - t z`` over samples: the logistic loss of logits ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(binary_cross_entropy_with_logits(np.zeros((2, 1)), [0, 1]).item()), 6)
    0.693147
    """
    logits = as_tensor(logits, "logits")
    return ad.binary_cross_entropy_with_logits(
        logits, _targets(targets, logits, "targets"), reduction="mean"
    )


def smoothed_targets(
    labels: np.ndarray, n_classes: int, label_smoothing: float, dtype
) -> np.ndarray:
    """q = (1 - ε) onehot(labels) + ε / K."""
    targets = np.full((labels.shape[0], n_classes), label_smoothing / n_classes, dtype=dtype)
    targets[np.arange(labels.shape[0]), labels] += 1.0 - label_smoothing
    return targets


def _class_indices(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Integer class indices in [0, n_classes); whole floats (2.0) are accepted, 1.5 is not."""
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise fail("labels", "integer class indices", labels)
    elif labels.dtype.kind not in "iub":
        raise fail("labels", "integer class indices", labels)
    indices = labels.astype(np.intp, copy=False)
    if indices.size and (indices.min() < 0 or indices.max() >= n_classes):
        raise fail("labels", f"class indices in [0, {n_classes})", labels)
    return indices


def softmax_cross_entropy(logits: Any, labels: Any, label_smoothing: float = 0.0) -> ad.Tensor:
    """Mean cross-entropy between softmax(logits) and integer ``labels`` (or probabilities).

    ``logits`` are (N, K); ``labels`` are N class indices or an (N, K) array of target
    probabilities; ``label_smoothing`` ε in [0, 1) mixes the one-hot targets with the uniform
    distribution.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(softmax_cross_entropy(np.zeros((2, 4)), [0, 3]).item()), 6)  # log 4
    1.386294
    """
    label_smoothing = check_scalar(
        label_smoothing, "label_smoothing", low=0.0, high=1.0, closed="left"
    )
    logits = as_tensor(logits, "logits")
    if logits.ndim != 2:
        raise fail("logits", "an (N, K) array of class scores", logits.data)
    labels = np.asarray(labels)
    if labels.ndim == 1:
        if labels.shape[0] != logits.shape[0]:
            raise ValueError(
                f"labels: expected one label per row of logits ({logits.shape[0]}), "
                f"got {labels.shape[0]}"
            )
        indices = _class_indices(labels, logits.shape[1])
        if label_smoothing == 0.0:
            return ad.softmax_cross_entropy(logits, indices, axis=-1, reduction="mean")
        labels = smoothed_targets(indices, logits.shape[1], label_smoothing, logits.dtype)
    else:
        labels = _targets(labels, logits, "labels")
    return ad.softmax_cross_entropy(logits, labels, axis=-1, reduction="mean")


LOSSES: dict[str, Callable[..., ad.Tensor]] = {
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
    "binary_cross_entropy": binary_cross_entropy_with_logits,
    "bce": binary_cross_entropy_with_logits,
    "cross_entropy": softmax_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}


def get_loss(loss: str | Callable[..., ad.Tensor]) -> Callable[..., ad.Tensor]:
    if callable(loss):
        return check_callable(loss, "loss")
    return LOSSES[check_option(loss, "loss", LOSSES)]
