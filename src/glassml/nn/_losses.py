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


def mean_squared_error(predictions: Any, targets: Any) -> ad.Tensor:
    targets = np.asarray(targets)
    if targets.ndim == 1 and predictions.ndim == 2:
        targets = targets[:, None]
    difference = predictions - targets.astype(predictions.dtype, copy=False)
    return ad.mean(difference * difference)


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> ad.Tensor:
    targets = np.asarray(targets)
    if targets.ndim == 1 and logits.ndim == 2:
        targets = targets[:, None]
    return ad.binary_cross_entropy_with_logits(
        logits, targets.astype(logits.dtype, copy=False), reduction="mean"
    )


def smoothed_targets(
    labels: np.ndarray, n_classes: int, label_smoothing: float, dtype
) -> np.ndarray:
    """q = (1 - ε) onehot(labels) + ε / K."""
    targets = np.full((labels.shape[0], n_classes), label_smoothing / n_classes, dtype=dtype)
    targets[np.arange(labels.shape[0]), labels] += 1.0 - label_smoothing
    return targets


def softmax_cross_entropy(logits: Any, labels: Any, label_smoothing: float = 0.0) -> ad.Tensor:
    """Mean cross-entropy between softmax(logits) and integer ``labels`` (or probabilities)."""
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    labels = np.asarray(labels)
    if labels.ndim == 1 and label_smoothing > 0.0:
        labels = smoothed_targets(
            labels.astype(np.intp), logits.shape[-1], label_smoothing, logits.dtype
        )
    elif labels.ndim == 1:
        labels = labels.astype(np.intp, copy=False)
    else:
        labels = labels.astype(logits.dtype, copy=False)
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
        return loss
    if loss not in LOSSES:
        raise ValueError(f"loss must be a callable or one of {sorted(LOSSES)}, got {loss!r}")
    return LOSSES[loss]
