"""Per-example gradients of a network: each example's own gradient, not the batch mean.

Dense layers use the outer-product form (Goodfellow 2015, "Efficient per-example gradient
computations"): for z = x W + b, example i's gradients are dL_i/dW = x_i g_iᵀ and
dL_i/db = g_i with g_i = dL_i/dz_i. One backward pass of the summed loss Σ_i L_i gives every
g_i at once (examples do not interact: row i of dΣL/dz is dL_i/dz_i), so the cost is one
ordinary backward pass plus keeping each dense layer's input; the gradients stay factored in a
:class:`glassml.optim.PerExampleGradients`. To read dL/dz for every dense layer from one pass,
a zero "probe" leaf is added to each layer's output (z + p, p = 0): dL/dp = dL/dz, and a leaf
does not stop the traversal towards earlier layers as an interior input would.

Networks with other parameterised layers (convolutions) take the per-example pass: one forward
and backward pass per example. Batch normalisation is refused: in training mode it mixes the
examples of a batch, so an example's gradient depends on the others and is not its own.

The loss must be the mean over the batch of per-example losses (every ``glassml.nn`` loss is),
so that n times it is Σ_i L_i.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import glassml.autodiff as ad
from glassml.nn._layers import Dense, _BatchNorm
from glassml.nn._module import Module, Sequential
from glassml.optim import PerExampleGradients


def _check_model(model: Module) -> None:
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            raise ValueError(
                "model: batch normalisation mixes the examples of a batch, so per-example "
                "gradients (differentially private training) are undefined; remove it"
            )


def _factored_model(model: Module) -> bool:
    """True when every module holding parameters is a dense layer."""
    return all(isinstance(m, Dense) or not m._params for m in model.modules())


def _forward_with_probes(module: Module, x: ad.Tensor, records: dict) -> ad.Tensor:
    if isinstance(module, Sequential):
        for layer in module.layers:
            x = _forward_with_probes(layer, x, records)
        return x
    out = module.forward(x)
    if isinstance(module, Dense):
        probe = ad.Tensor(np.zeros(out.shape, dtype=out.dtype), requires_grad=True)
        records[id(module)] = (x.data, probe)
        out = out + probe
    return out


def penalty_gradients(model: Module, alpha: float, batch_size: int) -> list[np.ndarray | None]:
    """Gradient of (α / 2|B|) Σ ||W||² for each parameter (None where it is not a weight)."""
    shared: list[np.ndarray | None] = []
    for module in model.modules():
        for name, value in module._params.items():
            if alpha and name == "weight":
                shared.append((alpha / batch_size) * value)
            else:
                shared.append(None)
    return shared


def per_example_gradients(
    model: Module, X_batch: Any, y_batch: Any, loss: Any, alpha: float = 0.0
) -> PerExampleGradients:
    """Each example's gradient of ``loss(model(x_i), y_i)`` (training mode), factored.

    ``alpha`` adds the penalty (α / 2|B|) Σ ||W||² of ``glassml.nn.fit`` as the data-free part
    (``shared``). Dense networks take the outer-product form, others one pass per example.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense, ReLU, Sequential, per_example_gradients
    >>> model = Sequential([Dense(4), ReLU(), Dense(2)])
    >>> model.build((3,), np.random.default_rng(0), np.float64)
    (2,)
    >>> X, y = np.random.default_rng(1).normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    >>> grads = per_example_gradients(model, X, y, "cross_entropy")
    >>> [g.shape for g in grads.materialize()]
    [(5, 3, 4), (5, 4), (5, 4, 2), (5, 2)]
    """
    from glassml._validation import check_non_negative
    from glassml.nn._losses import get_loss
    from glassml.nn._training import _check_data, _check_model_and_optimizer

    _check_model_and_optimizer(model, _NoOptimizer())
    loss_fn = get_loss(loss)
    alpha = check_non_negative(alpha, "alpha")
    X_batch, y_batch = _check_data(X_batch, y_batch, "X_batch", "y_batch")
    if not model.built:
        raise ValueError("model: not built yet (fit it, call it once, or call build first)")
    if tuple(X_batch.shape[1:]) != model.input_shape:
        raise ValueError(
            f"X_batch: expected samples of shape {model.input_shape}, got {X_batch.shape[1:]}"
        )
    shared = penalty_gradients(model, alpha, max(1, X_batch.shape[0]))
    X_batch = X_batch.astype(model.dtype, copy=False)
    try:
        return batch_gradients(model, X_batch, y_batch, loss_fn, shared)[2]
    except ValueError as error:
        if str(error).startswith(("model:", "y_batch:")):
            raise
        if str(error).startswith("blocks["):
            scale = float(np.max(np.abs(X_batch), initial=0.0))
            raise ValueError(
                f"X_batch: the per-example gradients are not finite on data of scale "
                f"{scale:.3g} ({error}); standardise the data"
            ) from None
        raise ValueError(f"y_batch: {error}") from None


class _NoOptimizer:
    def step(self, params, grads):  # pragma: no cover - never called
        raise NotImplementedError


def batch_gradients(
    model: Module,
    X_batch: np.ndarray,
    y_batch: np.ndarray,
    loss_fn: Any,
    shared: list[np.ndarray | None] | None = None,
) -> tuple[float, np.ndarray, PerExampleGradients]:
    """(mean loss, network output, per-example gradients) of one checked batch."""
    _check_model(model)
    n = X_batch.shape[0]
    shapes = [value.shape for value in model.parameters()]
    if n == 0:
        return 0.0, np.zeros((0, *model.output_shape)), PerExampleGradients.empty(shapes, shared)
    if _factored_model(model):
        return _outer_product(model, X_batch, y_batch, loss_fn, shapes, shared)
    return _example_by_example(model, X_batch, y_batch, loss_fn, shapes, shared)


def _outer_product(model, X_batch, y_batch, loss_fn, shapes, shared):
    model.train()
    model.stop_tracking()  # the parameters enter as constants: only the probes are leaves
    records: dict[int, tuple[np.ndarray, ad.Tensor]] = {}
    output = _forward_with_probes(model, ad.Tensor(X_batch), records)
    loss = loss_fn(output, y_batch)
    probes = [probe for _, probe in records.values()]
    cotangents = ad.backward(loss * X_batch.shape[0], probes)
    upstream = {
        key: np.asarray(cotangent.data if cotangent is not None else np.zeros(probe.shape))
        for key, (_, probe), cotangent in zip(records, records.values(), cotangents, strict=True)
    }
    blocks = []
    for module in model.modules():
        if not module._params:
            continue
        inputs, _ = records[id(module)]
        for name in module._params:
            if name == "weight":
                blocks.append(("outer", inputs, upstream[id(module)]))
            else:
                blocks.append(("rows", upstream[id(module)]))
    return float(loss.item()), output.data, PerExampleGradients(shapes, blocks, shared)


def _example_by_example(model, X_batch, y_batch, loss_fn, shapes, shared):
    model.train()
    rows = [[] for _ in shapes]
    losses, outputs = [], []
    for i in range(X_batch.shape[0]):
        model.track_gradients()
        output = model.forward(ad.Tensor(X_batch[i : i + 1]))
        loss = loss_fn(output, y_batch[i : i + 1])
        loss.backward()
        for store, grad in zip(rows, model.gradients(), strict=True):
            store.append(grad)
        losses.append(float(loss.item()))
        outputs.append(output.data)
    model.stop_tracking()
    grads = PerExampleGradients.from_arrays([np.stack(store) for store in rows], shared)
    return float(np.mean(losses)), np.concatenate(outputs), grads
