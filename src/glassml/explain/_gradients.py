"""Gradient attributions for differentiable models, through glassml.autodiff.

For a model f written with autodiff operations (or a fitted glassml.nn estimator, whose
``network_`` is one) and the output being explained (a class's logit, a regression output):

* saliency:            |d f / d x|                       (Simonyan et al. 2014)
* gradient x input:    x * d f / d x                     (Shrikumar et al. 2016)
* integrated gradients (Sundararajan et al. 2017):
      IG_i(x) = (x_i - x'_i) int_0^1 d f / d x_i (x' + a (x - x')) da,
  by the trapezoidal rule on ``n_steps`` intervals (error O(1/n_steps^2)). Completeness:
  sum_i IG_i = f(x) - f(x') exactly for the integral, up to the quadrature error here.
* SmoothGrad: the gradient averaged over x + N(0, sigma^2), sigma = noise_level * (max x -
  min x) per row (Smilkov et al. 2017).

Every gradient is one reverse pass of ``glassml.autodiff`` over a batch: the rows of a batch are
independent, so the gradient of the summed selected outputs is each row's own gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassml import autodiff as ad
from glassml._validation import check_callable, check_count, check_named_array, check_scalar, fail
from glassml.explain._common import check_seed
from glassml.explain._explanation import Explanation

BATCH = 512


def _is_module(obj: Any) -> bool:
    """A glassml.nn ``Module`` (read by its public interface: call, ``modules``, ``train``)."""
    return callable(obj) and all(
        callable(getattr(obj, name, None)) for name in ("modules", "train", "eval")
    )


def _network(model: Any) -> tuple[Callable, Callable[[], None]]:
    """A forward function on Tensors and a function restoring the model afterwards.

    A glassml.nn ``Module``, given directly or as a fitted estimator's documented ``network_``,
    is explained in evaluation mode (dropout off, batch-norm running statistics): an
    attribution is a property of the trained function, not of one random dropout mask, and
    batch statistics would make one row's attribution depend on the other rows (and update
    the running statistics). Each submodule's own mode is restored afterwards, so a module
    in mid-training (or with some layers frozen in evaluation mode) is left as it was.
    """
    network = getattr(model, "network_", None)
    if not _is_module(network):
        network = model if _is_module(model) else None
    if network is None:
        return check_callable(model, "model", "f(Tensor) -> Tensor of shape (n,) or (n, K)"), (
            lambda: None
        )
    modes = [(module, module.training) for module in network.modules()]
    network.eval()
    if hasattr(network, "stop_tracking"):
        network.stop_tracking()

    def restore() -> None:
        for module, training in modes:
            module.training = training

    return network, restore


def _inputs(X: Any) -> np.ndarray:
    rows = check_named_array(X, "X", dtype=np.float64, ensure_2d=False, allow_nd=True)
    if rows.ndim < 2 or rows.shape[0] == 0 or rows.size == 0:
        raise fail("X", "a non-empty batch of inputs of shape (n, ...)", rows)
    return rows


def _select(out: Any, target: np.ndarray | None, n: int) -> tuple[Any, np.ndarray]:
    """The explained output of each row (a Tensor) and the targets used."""
    shape = out.shape
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        if len(shape) == 2:
            out = ad.reshape(out, (n,))
        return out, np.zeros(n, dtype=np.int64)
    if len(shape) != 2 or shape[0] != n:
        raise fail("model", f"an output of shape ({n},) or ({n}, K)", f"shape {shape}")
    chosen = np.argmax(out.data, axis=1) if target is None else target
    if np.any(chosen >= shape[1]):
        raise fail("target", f"output indices below {shape[1]}", target)
    onehot = np.eye(shape[1])[chosen]
    return ad.sum(out * onehot, axis=1), chosen


def _gradients(
    forward: Callable, X: np.ndarray, target: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outputs (n,), gradients (n, ...) and the targets used, in batches."""
    outputs, grads, targets = [], [], []
    for start in range(0, X.shape[0], BATCH):
        chunk = X[start : start + BATCH]
        part = None if target is None else target[start : start + BATCH]
        kept: dict[str, Any] = {"n": len(chunk)}

        def total(inputs, part=part, kept=kept):
            selected, used = _select(forward(inputs), part, kept["n"])
            kept["value"], kept["target"] = np.array(selected.data, dtype=np.float64), used
            return ad.sum(selected)

        grads.append(np.asarray(ad.grad(total)(chunk), dtype=np.float64))
        outputs.append(kept["value"])
        targets.append(kept["target"])
    value, gradient = np.concatenate(outputs), np.concatenate(grads)
    if not (np.all(np.isfinite(value)) and np.all(np.isfinite(gradient))):
        raise ValueError("model: expected finite outputs and gradients, got NaN or inf")
    return value, gradient, np.concatenate(targets)


def _targets(target: Any, n: int) -> np.ndarray | None:
    if target is None:
        return None
    if isinstance(target, int | np.integer) and not isinstance(target, bool):
        return np.full(n, check_count(target, "target", minimum=0))
    chosen = np.asarray(target)
    if chosen.shape != (n,) or chosen.dtype.kind not in "iu" or np.any(chosen < 0):
        raise fail("target", f"an output index or {n} non-negative output indices", target)
    return chosen.astype(np.int64)


def _explanation(values, base, X, target, additive, method) -> Explanation:
    names = (
        [f"x{j}" for j in range(X.shape[1])]
        if X.ndim == 2
        else [f"pixel{j}" for j in range(int(np.prod(X.shape[1:3])))]
    )
    return Explanation(
        values, base, X, names, additive=additive, extras={"target": target, "method": method}
    )


def saliency(model: Any, X: Any, target: Any = None) -> Explanation:
    """|d f / d x| for each input (not additive; ``base_values`` = f(x)).

    Parameters
    ----------
    model : callable on Tensors, a glassml.nn Module, or a fitted glassml.nn estimator
        (read via ``network_``); a Module is evaluated in evaluation mode, its mode restored.
    X : array-like of shape (n, ...)
    target : int or array of int, optional
        The output explained (default: each row's largest output).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: (x * x).sum(axis=1)
    >>> saliency(f, np.array([[1.0, -2.0]])).values
    array([[2., 4.]])
    """
    rows = _inputs(X)
    forward, restore = _network(model)
    try:
        value, gradient, used = _gradients(forward, rows, _targets(target, len(rows)))
    finally:
        restore()
    return _explanation(np.abs(gradient), value, rows, used, False, "saliency")


def gradient_x_input(model: Any, X: Any, target: Any = None) -> Explanation:
    """x * d f / d x (not additive in general; exact for f linear without intercept).

    ``base_values`` = f(x). Parameters as :func:`saliency`.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: x @ np.array([2.0, 3.0])
    >>> gradient_x_input(f, np.array([[1.0, -1.0]])).values
    array([[ 2., -3.]])
    """
    rows = _inputs(X)
    forward, restore = _network(model)
    try:
        value, gradient, used = _gradients(forward, rows, _targets(target, len(rows)))
    finally:
        restore()
    return _explanation(gradient * rows, value, rows, used, False, "gradient_x_input")


def integrated_gradients(
    model: Any, X: Any, baseline: Any = None, n_steps: int = 64, target: Any = None
) -> Explanation:
    """Integrated gradients along the straight path from ``baseline`` to each input.

    Additive: ``values.sum() + base_values`` = f(x) up to the trapezoidal rule's error, with
    ``base_values`` = f(baseline). The target defaults to each row's largest output at x.

    Parameters
    ----------
    model : callable on Tensors, a glassml.nn Module, or a fitted glassml.nn estimator
        (evaluated in evaluation mode, as in :func:`saliency`)
    X : array-like of shape (n, ...)
    baseline : array-like of shape X.shape[1:] or X.shape, default zeros
    n_steps : int, default=64
        Trapezoid intervals on [0, 1].
    target : int or array of int, optional

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: (x * x).sum(axis=1)
    >>> e = integrated_gradients(f, np.array([[1.0, 2.0]]), n_steps=8)
    >>> e.values, e.base_values
    (array([[1., 4.]]), array([0.]))
    """
    rows = _inputs(X)
    steps = check_count(n_steps, "n_steps")
    reference = np.zeros_like(rows) if baseline is None else _baseline(baseline, rows)
    forward, restore = _network(model)
    try:
        _, _, used = _gradients(forward, rows, _targets(target, len(rows)))
        base, _, _ = _gradients(forward, reference, used)
        alphas = np.linspace(0.0, 1.0, steps + 1)
        weights = np.full(steps + 1, 1.0 / steps)
        weights[[0, -1]] /= 2
        total = np.zeros_like(rows)
        for alpha, w in zip(alphas, weights, strict=True):
            _, gradient, _ = _gradients(forward, reference + alpha * (rows - reference), used)
            total += w * gradient
    finally:
        restore()
    return _explanation(total * (rows - reference), base, rows, used, True, "integrated_gradients")


def _baseline(baseline: Any, rows: np.ndarray) -> np.ndarray:
    reference = check_named_array(
        baseline, "baseline", dtype=np.float64, ensure_2d=False, allow_nd=True
    )
    if reference.shape == rows.shape[1:]:
        return np.broadcast_to(reference, rows.shape).copy()
    if reference.shape != rows.shape:
        raise fail("baseline", f"shape {rows.shape[1:]} or {rows.shape}", reference)
    return reference


def smoothgrad(
    model: Any,
    X: Any,
    n_samples: int = 50,
    noise_level: float = 0.15,
    target: Any = None,
    random_state: Any = None,
) -> Explanation:
    """The gradient averaged over noisy copies x + N(0, sigma^2) of each input.

    sigma = noise_level * (max x - min x) per row; not additive (``base_values`` = f(x)).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: (x * x).sum(axis=1)
    >>> e = smoothgrad(f, np.array([[1.0, -2.0]]), n_samples=2000, random_state=0)
    >>> np.round(e.values, 1)
    array([[ 2., -4.]])
    """
    rows = _inputs(X)
    samples = check_count(n_samples, "n_samples")
    level = check_scalar(noise_level, "noise_level", low=0.0)
    rng = np.random.default_rng(check_seed(random_state))
    axes = tuple(range(1, rows.ndim))
    sigma = level * (rows.max(axis=axes) - rows.min(axis=axes))
    sigma = sigma.reshape((-1,) + (1,) * (rows.ndim - 1))
    forward, restore = _network(model)
    try:
        value, _, used = _gradients(forward, rows, _targets(target, len(rows)))
        total = np.zeros_like(rows)
        for _ in range(samples):
            noisy = rows + sigma * rng.standard_normal(rows.shape)
            total += _gradients(forward, noisy, used)[1]
    finally:
        restore()
    return _explanation(total / samples, value, rows, used, False, "smoothgrad")
