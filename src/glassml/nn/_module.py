"""Module: a differentiable function of its input and its named parameters.

Parameters are plain NumPy arrays (``module.parameters()``) so that any ``glassml.optim`` step
optimiser can update them in place. For one training step the trainer calls
``module.track_gradients()``, which wraps every parameter in a fresh leaf
``glassml.autodiff.Tensor(requires_grad=True)``; the forward pass then builds the graph through
those leaves and, after ``loss.backward()``, ``module.gradients()`` reads their ``.grad``.

Layers are built lazily from the input shape (without the batch axis): ``build(input_shape)``
is the *dry forward of shapes* — each layer checks that it can accept the shape, creates its
parameters and returns its output shape, so a layer that cannot fit raises a ``ValueError``
naming the layer and the shape before any data flows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

import glassml.autodiff as ad

LAYER_TYPES: dict[str, type[Module]] = {}


def register_layer(cls: type[Module]) -> type[Module]:
    """Make a layer class loadable from its JSON config under ``cls.layer_type``."""
    LAYER_TYPES[cls.layer_type] = cls
    return cls


def as_tensor(x: Any) -> ad.Tensor:
    return x if isinstance(x, ad.Tensor) else ad.Tensor(np.asarray(x))


class Module:
    """Base class: parameters, buffers, train/eval mode, state dict, JSON config."""

    layer_type: ClassVar[str] = ""

    def __init__(self) -> None:
        self.training = True
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.dtype = np.dtype(np.float32)
        self._params: dict[str, np.ndarray] = {}
        self._buffers: dict[str, np.ndarray] = {}
        self._leaves: dict[str, ad.Tensor] | None = None
        self._compute_dtype: np.dtype | None = None

    # ----------------------------------------------------------------- configuration
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON-serialisable); ``from_config`` inverts it."""
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": self.layer_type, **self.get_config()}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"

    # ----------------------------------------------------------------- building (dry forward)
    def build(
        self,
        input_shape: tuple[int, ...],
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> tuple[int, ...]:
        """Check ``input_shape`` (no batch axis), create parameters, return the output shape."""
        input_shape = tuple(int(size) for size in input_shape)
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng
        output_shape = self._build(input_shape, rng)
        self.input_shape, self.output_shape = input_shape, tuple(output_shape)
        return self.output_shape

    def _build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        return input_shape

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def _shape_error(self, input_shape: tuple[int, ...], expected: str) -> ValueError:
        return ValueError(f"{self!r} expects {expected}; got input shape {input_shape}")

    # ----------------------------------------------------------------- forward
    def forward(self, x: ad.Tensor) -> ad.Tensor:
        raise NotImplementedError

    def __call__(self, x: Any) -> ad.Tensor:
        if not self.built:
            raise ValueError(f"{self!r} is not built: call build(input_shape) first")
        return self.forward(as_tensor(x))

    def param(self, name: str) -> ad.Tensor | np.ndarray:
        """The parameter as a graph leaf while tracking gradients, else as a constant array."""
        if self._leaves is not None:
            return self._leaves[name]
        value = self._params[name]
        if self._compute_dtype is not None:
            return value.astype(self._compute_dtype, copy=False)
        return value

    # ----------------------------------------------------------------- tree of modules
    def children(self) -> list[Module]:
        return []

    def modules(self) -> Iterator[Module]:
        yield self
        for child in self.children():
            yield from child.modules()

    def _named(self, kind: str, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for name, value in getattr(self, kind).items():
            yield prefix + name, value
        for index, child in enumerate(self.children()):
            yield from child._named(kind, f"{prefix}{index}.")

    def named_parameters(self) -> dict[str, np.ndarray]:
        return dict(self._named("_params"))

    def named_buffers(self) -> dict[str, np.ndarray]:
        return dict(self._named("_buffers"))

    def parameters(self) -> list[np.ndarray]:
        """The parameter arrays themselves (not copies), in a fixed order."""
        return list(self.named_parameters().values())

    # ----------------------------------------------------------------- gradients
    def track_gradients(self) -> list[ad.Tensor]:
        """Wrap every parameter in a fresh leaf tensor; return the leaves in parameter order."""
        leaves = []
        for module in self.modules():
            module._leaves = {
                name: ad.Tensor(value, requires_grad=True) for name, value in module._params.items()
            }
            leaves.extend(module._leaves.values())
        return leaves

    def stop_tracking(self) -> None:
        for module in self.modules():
            module._leaves = None

    def gradients(self) -> list[np.ndarray]:
        """d loss / d parameter after ``loss.backward()``, in parameter order (zeros if unused)."""
        grads = []
        for module in self.modules():
            if module._leaves is None:
                raise RuntimeError("gradients() needs track_gradients() before the forward pass")
            for name, leaf in module._leaves.items():
                grad = leaf.grad
                if grad is None:
                    grads.append(np.zeros_like(module._params[name]))
                else:
                    grads.append(np.asarray(getattr(grad, "data", grad)))
        return grads

    # ----------------------------------------------------------------- modes and state
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers (running statistics), keyed by dotted name."""
        state = {name: value.copy() for name, value in self.named_parameters().items()}
        state.update({name: value.copy() for name, value in self.named_buffers().items()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy ``state`` into the parameters and buffers in place, checking names and shapes."""
        targets = {**self.named_parameters(), **self.named_buffers()}
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not match the model: missing {missing}, unexpected {unexpected}"
            )
        for name, target in targets.items():
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ValueError(
                    f"state_dict[{name!r}] has shape {value.shape}, the model expects "
                    f"{target.shape}"
                )
            # In place, so optimisers holding these arrays keep seeing the live parameters.
            target[...] = value


class Sequential(Module):
    """A chain of layers: ``f(x) = layer_L(... layer_2(layer_1(x)))``.

    Backpropagation through the chain is the chain rule applied right to left; each layer's
    vector-Jacobian product comes from ``glassml.autodiff``.
    """

    layer_type = "sequential"

    def __init__(self, layers: list[Module] | None = None) -> None:
        super().__init__()
        self.layers = list(layers or [])
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Module):
                raise ValueError(f"layers[{index}] must be a glassml.nn Module, got {layer!r}")

    def get_config(self) -> dict[str, Any]:
        return {"layers": [layer.config() for layer in self.layers]}

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"

    def children(self) -> list[Module]:
        return self.layers

    def _build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
        shape = input_shape
        for index, layer in enumerate(self.layers):
            try:
                shape = layer.build(shape, rng, self.dtype)
            except ValueError as error:
                raise ValueError(f"layer {index} ({type(layer).__name__}): {error}") from None
        return shape

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        for layer in self.layers:
            x = layer.forward(x)
        return x


def layer_from_config(config: dict[str, Any], where: str = "layer") -> Module:
    """Rebuild a layer (or a Sequential) from ``Module.config()``; unknown types are refused."""
    if not isinstance(config, dict) or "type" not in config:
        raise ValueError(f"{where}: a layer config must be a dict with a 'type', got {config!r}")
    arguments = {key: value for key, value in config.items() if key != "type"}
    layer_type = config["type"]
    if layer_type not in LAYER_TYPES:
        raise ValueError(
            f"{where}: unknown layer type {layer_type!r}; known types: {sorted(LAYER_TYPES)}"
        )
    if layer_type == "sequential":
        layers = [
            layer_from_config(item, f"{where}.layers[{index}]")
            for index, item in enumerate(arguments.get("layers", []))
        ]
        return Sequential(layers)
    try:
        return LAYER_TYPES[layer_type](**arguments)
    except TypeError as error:
        raise ValueError(f"{where}: bad arguments for layer type {layer_type!r}: {error}") from None


register_layer(Sequential)
