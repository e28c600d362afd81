"""Fused, numerically stable classification losses.

Softmax cross-entropy with target distribution ``q`` along the class axis::

    L(z, q) = -sum_k q_k log softmax(z)_k = sum(q) logsumexp(z) - sum_k q_k z_k
    dL/dz   = sum(q) softmax(z) - q          (= softmax(z) - q for a distribution q)
    dL/dq   = logsumexp(z) - z = -log softmax(z)

Binary cross-entropy with logits ``z`` and targets ``t`` in [0, 1]::

    L(z, t) = softplus(z) - t z = max(z, 0) - t z + log1p(exp(-|z|))
    dL/dz   = sigmoid(z) - t,        dL/dt = -z

Computing them in one primitive avoids ``log(softmax)``/``log(sigmoid)`` of underflowed
probabilities: both stay finite, with finite gradients, for logits of size 1e300. The VJPs are
written with differentiable ops, so Hessian-vector products through the losses are exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml._validation import check_option, fail
from glassml.autodiff._array_ops import expand_reduced, sum, unbroadcast
from glassml.autodiff._math_ops import sigmoid
from glassml.autodiff._reductions import mean
from glassml.autodiff._softmax import log_softmax, logsumexp, softmax
from glassml.autodiff._tensor import Tensor, _as_float_array, _data, defvjp_arrays, primitive

REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(losses)
    if reduction == "sum":
        return sum(losses)
    return losses


def _check_reduction(reduction: str) -> None:
    check_option(reduction, "reduction", REDUCTIONS)


def _check_probabilities(targets: Any, argument: str) -> None:
    """Targets of a cross-entropy are probabilities: finite, in [0, 1]."""
    data = np.asarray(_data(targets))
    if data.dtype.kind not in "fiub":
        raise fail(argument, "real numbers in [0, 1]", data)
    # One comparison pass; NaN fails both tests.
    if data.size and not (np.min(data) >= 0 and np.max(data) <= 1):
        raise fail(argument, "probabilities in [0, 1]", data)


@primitive
def _softmax_cross_entropy(z, q, axis):
    log_normaliser = logsumexp.forward(z, axis=axis, keepdims=True)
    return np.sum(q * (log_normaliser - z), axis=axis)


defvjp_arrays(
    _softmax_cross_entropy,
    lambda g, ans, z, q, axis: (
        expand_reduced(g, z.shape, axis, False)
        * (softmax(z, axis=axis) * sum(q, axis=axis, keepdims=True) - q)
    ),
    lambda g, ans, z, q, axis: -expand_reduced(g, z.shape, axis, False) * log_softmax(z, axis),
)


def _one_hot(labels: np.ndarray, shape: tuple[int, ...], axis: int, dtype) -> np.ndarray:
    n_classes = shape[axis]
    expected = shape[:axis] + shape[axis + 1 :]
    if labels.shape != expected:
        raise fail("labels", f"the logits' shape without the class axis {expected}", labels)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise fail("labels", f"class indices in [0, {n_classes})", labels)
    one_hot = np.zeros(shape, dtype=dtype)
    np.put_along_axis(one_hot, np.expand_dims(labels, axis), 1, axis=axis)
    return one_hot


def softmax_cross_entropy(
    logits: Any, labels: Any, axis: int = -1, reduction: str = "mean"
) -> Tensor:
    """Cross-entropy of ``softmax(logits)`` against ``labels``, fused and stable.

    Parameters
    ----------
    logits : Tensor or array_like
        Unnormalised scores, classes along ``axis``.
    labels : array_like or Tensor
        Integer class indices (the logits' shape without ``axis``), or target probabilities of
        the logits' shape (differentiable if a Tensor that requires grad).
    axis : int
        The class axis.
    reduction : {"mean", "sum", "none"}
        Mean or sum over the samples, or the per-sample losses.

    Examples
    --------
    >>> import numpy as np
    >>> float(softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3])).data)  # log 4
    1.3862943611198906
    """
    _check_reduction(reduction)
    z = logits if isinstance(logits, Tensor) else Tensor(_as_float_array(logits, "logits"))
    if isinstance(axis, bool | np.bool_) or not isinstance(axis, int | np.integer):
        raise fail("axis", "an integer (the class axis)", axis)
    if not -max(z.ndim, 1) <= axis < max(z.ndim, 1):
        raise fail("axis", f"a class axis of the {z.ndim}-D logits", axis)
    axis = int(axis) % max(z.ndim, 1)
    label_data = np.asarray(_data(labels))
    if label_data.dtype.kind in "iub" and label_data.shape != z.shape:
        targets: Any = _one_hot(label_data, z.shape, axis, z.dtype)
    elif label_data.shape == z.shape:
        _check_probabilities(label_data, "labels")
        targets = labels if isinstance(labels, Tensor) else label_data.astype(z.dtype, copy=False)
    else:
        raise fail(
            "labels",
            f"integer class indices of shape {z.shape[:axis] + z.shape[axis + 1 :]} or "
            f"probabilities of shape {z.shape}",
            label_data,
        )
    return _reduce(_softmax_cross_entropy(z, targets, axis), reduction)


@primitive
def _binary_cross_entropy_with_logits(z, t):
    return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))


defvjp_arrays(
    _binary_cross_entropy_with_logits,
    lambda g, ans, z, t: unbroadcast(g * (sigmoid(z) - t), z.shape),
    lambda g, ans, z, t: unbroadcast(-g * z, t.shape),
)


def binary_cross_entropy_with_logits(logits: Any, targets: Any, reduction: str = "mean") -> Tensor:
    """``softplus(z) - t z`` per element (``-t log s(z) - (1 - t) log(1 - s(z))``), fused.

    ``targets`` (in [0, 1]) must have the logits' shape: a silent (n,) vs (n, 1) broadcast
    would build an n x n loss.

    >>> import numpy as np
    >>> float(binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0])).data)  # log 2
    0.6931471805599453
    """
    _check_reduction(reduction)
    z = logits if isinstance(logits, Tensor) else Tensor(_as_float_array(logits, "logits"))
    t = targets if isinstance(targets, Tensor) else np.asarray(targets)
    if np.shape(_data(t)) != z.shape:
        raise ValueError(f"targets: expected the logits' shape {z.shape}, got {np.shape(_data(t))}")
    _check_probabilities(t, "targets")
    if not isinstance(t, Tensor):
        t = t.astype(z.dtype, copy=False)
    return _reduce(_binary_cross_entropy_with_logits(z, t), reduction)
