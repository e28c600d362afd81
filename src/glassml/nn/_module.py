"""Module: a differentiable function of its input and its named parameters.

Parameters are plain NumPy arrays (``module.parameters()``) so that any ``glassml.optim`` step
optimiser can update them in place. For one training step the trainer calls
``module.track_gradients()``, which wraps every parameter in a fresh leaf
``glassml.autodiff.Tensor(requires_grad=True)``; the forward pass then builds the graph through
those leaves and, after ``loss.backward()``, ``module.gradients()`` reads their ``.grad``.

Layers are built lazily from the input shape (without the batch axis), in two steps:

* ``declare(input_shape)`` is the *dry forward of shapes*: each layer checks that it can accept
  the shape, records the shapes of the parameters and buffers it will need and returns its
  output shape, so a layer that cannot fit raises a ``ValueError`` naming the layer and the
  shape before any data flows, and nothing is allocated;
* ``build(input_shape)`` declares, then creates the arrays (initialisers drawing from one
  generator in layer order).

Loading a saved network declares it, compares every declared shape with the stored arrays and
only then allocates them, so a file declaring a layer of 10^12 units is refused before any
memory is asked for. A module called before it is built builds itself from the input's shape
on that first call (as Keras layers do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

import glassml.autodiff as ad
from glassml._validation import check_bool, fail

LAYER_TYPES: dict[str, type[Module]] = {}
DTYPES = ("float16", "float32", "float64")
# Nesting of Sequentials inside Sequentials accepted from a config: deep enough for any real
# architecture, shallow enough that no recursion (building, the module tree) can overflow.
MAX_NESTING = 32

Initializer = Callable[[tuple[int, ...], np.random.Generator, Any], np.ndarray]


def register_layer(cls: type[Module]) -> type[Module]:
    """Make a layer class loadable from its JSON config under ``cls.layer_type``."""
    LAYER_TYPES[cls.layer_type] = cls
    return cls


def as_tensor(x: Any, argument: str = "x") -> ad.Tensor:
    """``x`` as a Tensor; real numbers only (complex, object and string arrays are refused)."""
    if isinstance(x, ad.Tensor):
        return x
    from glassml.autodiff._tensor import _as_float_array

    return ad.Tensor(_as_float_array(x, argument))


def check_shape(shape: Any, argument: str = "input_shape") -> tuple[int, ...]:
    """A sample shape (no batch axis): a tuple of positive integers."""
    expected = "a tuple of positive integers (the sample shape, without the batch axis)"
    if isinstance(shape, str | bytes) or not isinstance(shape, tuple | list | np.ndarray):
        raise fail(argument, expected, shape)
    sizes = []
    for size in shape:
        if isinstance(size, bool | np.bool_) or not isinstance(size, int | np.integer) or size < 1:
            raise fail(argument, expected, shape)
        sizes.append(int(size))
    return tuple(sizes)


def check_dtype(dtype: Any) -> np.dtype:
    """A floating dtype the layers compute in (float16, float32 or float64)."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise fail("dtype", f"one of {DTYPES}", dtype) from None
    if resolved.name not in DTYPES:
        raise fail("dtype", f"one of {DTYPES}", dtype)
    return resolved


class Module:
    """Base class: parameters, buffers, train/eval mode, state dict, JSON config.

    A layer declares its parameters in ``_declare(input_shape) -> output_shape`` with
    :meth:`_parameter` and :meth:`_buffer`, and computes ``forward(x)`` with
    ``glassml.autodiff`` operations (so its backward pass is the primitives' VJPs).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense, Sequential, ReLU
    >>> model = Sequential([Dense(4), ReLU(), Dense(2)])
    >>> model.build((3,), np.random.default_rng(0))
    (2,)
    >>> sorted(model.state_dict())
    ['0.bias', '0.weight', '2.bias', '2.weight']
    >>> model(np.ones((5, 3))).shape
    (5, 2)
    """

    layer_type: ClassVar[str] = ""

    def __init__(self) -> None:
        self.training = True
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.dtype = np.dtype(np.float32)
        self._params: dict[str, np.ndarray] = {}
        self._buffers: dict[str, np.ndarray] = {}
        self._specs: dict[str, tuple[str, tuple[int, ...], Initializer | float]] = {}
        self._built = False
        self._leaves: dict[str, ad.Tensor] | None = None
        self._compute_dtype: np.dtype | None = None

    # ----------------------------------------------------------------- configuration
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON-serialisable); ``layer_from_config`` inverts it."""
        return {}

    def config(self) -> dict[str, Any]:
        """``{"type": layer_type, **get_config()}``: what ``layer_from_config`` rebuilds from."""
        return {"type": self.layer_type, **self.get_config()}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"

    # ----------------------------------------------------------------- building
    def declare(self, input_shape: Any, dtype: Any = np.float32) -> tuple[int, ...]:
        """The dry forward of shapes: check ``input_shape`` (no batch axis), record the shapes
        of the parameters and buffers, return the output shape. Nothing is allocated."""
        input_shape = check_shape(input_shape)
        self.dtype = check_dtype(dtype)
        self._specs = {}
        self._params, self._buffers, self._built = {}, {}, False
        output_shape = tuple(self._declare(input_shape))
        self.input_shape, self.output_shape = input_shape, output_shape
        return output_shape

    def _declare(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return input_shape

    def _parameter(self, name: str, shape: tuple[int, ...], initializer: Initializer) -> None:
        """Declare a trainable parameter, created by ``initializer(shape, rng, dtype)``."""
        self._specs[name] = ("param", tuple(int(size) for size in shape), initializer)

    def _buffer(self, name: str, shape: tuple[int, ...], fill: float) -> None:
        """Declare a non-trainable state array (running statistics), created full of ``fill``."""
        self._specs[name] = ("buffer", tuple(int(size) for size in shape), fill)

    def build(
        self,
        input_shape: Any,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> tuple[int, ...]:
        """Declare on ``input_shape`` (no batch axis), then create every parameter; return the
        output shape. ``rng`` (default: a fresh generator) draws the initial weights in layer
        order."""
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise fail("rng", "a numpy.random.Generator or None", rng)
        output_shape = self.declare(input_shape, dtype)
        rng = np.random.default_rng() if rng is None else rng
        for module in self.modules():
            module._allocate(rng)
        return output_shape

    def _allocate(self, rng: np.random.Generator) -> None:
        for name, (kind, shape, make) in self._specs.items():
            if kind == "param":
                self._params[name] = make(shape, rng, self.dtype)
            else:
                self._buffers[name] = np.full(shape, make, dtype=self.dtype)
        self._built = True

    def _declared_state(self) -> dict[str, tuple[int, ...]]:
        """Shape of every parameter and buffer, keyed as in ``state_dict``, once declared."""
        return {
            prefix + name: shape
            for prefix, module in self._named_modules()
            for name, (_, shape, _) in module._specs.items()
        }

    def _allocate_from(self, state: Mapping[str, np.ndarray]) -> None:
        """Create the declared arrays as copies of ``state`` (checked like ``load_state_dict``),
        instead of drawing initial values: how a saved network is restored."""
        _check_state(self._declared_state(), state)
        for prefix, module in self._named_modules():
            for name, (kind, _, _) in module._specs.items():
                array = np.array(state[prefix + name], dtype=module.dtype)
                (module._params if kind == "param" else module._buffers)[name] = array
            module._built = True

    @property
    def built(self) -> bool:
        return self._built

    def _shape_error(self, input_shape: tuple[int, ...], expected: str) -> ValueError:
        return ValueError(f"input_shape: {self!r} expects {expected}; got {input_shape}")

    # ----------------------------------------------------------------- forward
    def forward(self, x: ad.Tensor) -> ad.Tensor:
        """The computation on a batch (first axis) of inputs of the built shape, unchecked:
        call the module (``module(x)``) to check the input and build on first use."""
        raise NotImplementedError

    def __call__(self, x: Any) -> ad.Tensor:
        x = as_tensor(x)
        if x.ndim < 1:
            raise fail("x", "a batch of samples (the first axis indexes them)", x.data)
        if not self.built:
            # Keras's convention: the first call builds the module for its input's shape, in
            # its floating dtype.
            try:
                self.build(x.shape[1:], dtype=x.dtype)
            except ValueError as error:
                raise ValueError(f"x: {error}") from None
        elif x.shape[1:] != self.input_shape:
            raise ValueError(
                f"x: expected samples of shape {self.input_shape} (built), got a batch of "
                f"shape {x.shape}"
            )
        return self.forward(x)

    def param(self, name: str) -> ad.Tensor | np.ndarray:
        """The parameter as a graph leaf while tracking gradients, else as a constant array."""
        if self._leaves is not None:
            return self._leaves[name]
        if name not in self._params:
            raise fail("name", f"one of this module's parameters {sorted(self._params)}", name)
        value = self._params[name]
        if self._compute_dtype is not None:
            return value.astype(self._compute_dtype, copy=False)
        return value

    # ----------------------------------------------------------------- tree of modules
    def children(self) -> list[Module]:
        """The modules directly inside this one (a Sequential's layers)."""
        return []

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first, in layer order."""
        yield self
        for child in self.children():
            yield from child.modules()

    def _named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for index, child in enumerate(self.children()):
            yield from child._named_modules(f"{prefix}{index}.")

    def _named(self, kind: str) -> dict[str, np.ndarray]:
        return {
            prefix + name: value
            for prefix, module in self._named_modules()
            for name, value in getattr(module, kind).items()
        }

    def named_parameters(self) -> dict[str, np.ndarray]:
        """The trainable arrays keyed by dotted name (``"0.weight"``), not copies."""
        return self._named("_params")

    def named_buffers(self) -> dict[str, np.ndarray]:
        """The non-trainable state arrays (running statistics) keyed by dotted name."""
        return self._named("_buffers")

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
        """Use the parameters as constant arrays again (no graph is recorded through them)."""
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
        """Training mode (dropout active, batch statistics) or, with ``mode=False``, evaluation."""
        mode = check_bool(mode, "mode")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, running statistics in batch normalisation."""
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers (running statistics), keyed by dotted name."""
        state = {name: value.copy() for name, value in self.named_parameters().items()}
        state.update({name: value.copy() for name, value in self.named_buffers().items()})
        return state

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Copy ``state`` into the parameters and buffers in place, checking names, shapes and
        values (real and finite)."""
        targets = {**self.named_parameters(), **self.named_buffers()}
        _check_state({name: target.shape for name, target in targets.items()}, state)
        for name, target in targets.items():
            # In place, so optimisers holding these arrays keep seeing the live parameters.
            target[...] = state[name]


def _check_state(expected: Mapping[str, tuple[int, ...]], state: Any) -> None:
    """``state`` maps exactly the expected names to finite real arrays of the expected shapes."""
    if not isinstance(state, Mapping):
        raise fail("state", "a mapping of parameter names to arrays", state)
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"state_dict does not match the model: missing {missing}, unexpected {unexpected}"
        )
    for name, shape in expected.items():
        value = np.asarray(state[name])
        if value.shape != tuple(shape):
            raise ValueError(
                f"state_dict[{name!r}] has shape {value.shape}, the model expects {tuple(shape)}"
            )
        if value.dtype.kind not in "fiu":
            raise fail(f"state_dict[{name!r}]", "real numbers", value)
        if not np.all(np.isfinite(value)):
            raise fail(f"state_dict[{name!r}]", "finite values (no NaN or inf)", value)


class Sequential(Module):
    """A chain of layers: ``f(x) = layer_L(... layer_2(layer_1(x)))``.

    Backpropagation through the chain is the chain rule applied right to left; each layer's
    vector-Jacobian product comes from ``glassml.autodiff``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense, Sequential, Tanh
    >>> model = Sequential([Dense(3), Tanh(), Dense(1)])
    >>> model(np.zeros((4, 2))).shape  # built on the first call, from the input's shape
    (4, 1)
    >>> model.output_shape
    (1,)

    Layers that are built already keep their weights in a new Sequential (the first call
    builds only the others), so a trained network's layers can be reused as a trunk:

    >>> x = np.ones((1, 2))
    >>> trunk = Sequential(model.layers[:2])
    >>> bool(np.array_equal(trunk(x).data, np.tanh(model.layers[0](x).data)))
    True
    """

    layer_type = "sequential"

    def __init__(self, layers: list[Module] | None = None) -> None:
        super().__init__()
        if layers is not None and (
            isinstance(layers, str | bytes | Module) or not isinstance(layers, list | tuple)
        ):
            raise fail("layers", "a list of glassml.nn modules", layers)
        self.layers = list(layers or [])
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Module):
                raise ValueError(
                    f"layers[{index}]: expected a glassml.nn Module, got {type(layer).__name__}"
                )

    def get_config(self) -> dict[str, Any]:
        return {"layers": [layer.config() for layer in self.layers]}

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"

    def children(self) -> list[Module]:
        return self.layers

    def _declare(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = input_shape
        for index, layer in enumerate(self.layers):
            try:
                shape = layer.declare(shape, self.dtype)
            except ValueError as error:
                raise ValueError(f"layer {index} ({type(layer).__name__}): {error}") from None
        return shape

    def _allocate(self, rng: np.random.Generator) -> None:
        self._built = True

    def __call__(self, x: Any) -> ad.Tensor:
        x = as_tensor(x)
        if not self._built and x.ndim >= 1 and self._holds_built_layers():
            self._build_keeping(tuple(x.shape[1:]), np.random.default_rng())
        return super().__call__(x)

    def _holds_built_layers(self) -> bool:
        return any(
            layer.built or (isinstance(layer, Sequential) and layer._holds_built_layers())
            for layer in self.layers
        )

    def _build_keeping(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> tuple:
        """The first call's build when some layers are built already (a trained network's
        layers reused): they keep their weights, which were someone's training, and only the
        others are declared and initialised, on the shapes the built ones pass along. (An
        explicit ``build`` still re-initialises every layer.)"""
        dtypes = {layer.dtype for layer in self.modules() if layer.built}
        if len(dtypes) > 1:
            raise ValueError(f"layers: the built layers mix dtypes {sorted(map(str, dtypes))}")
        self.dtype = dtypes.pop()
        shape = check_shape(input_shape)
        for index, layer in enumerate(self.layers):
            if layer.built:
                if layer.input_shape != shape:
                    raise ValueError(
                        f"x: layer {index} ({type(layer).__name__}) is built for samples of "
                        f"shape {layer.input_shape}; it receives {shape}"
                    )
                shape = layer.output_shape
            elif isinstance(layer, Sequential) and layer._holds_built_layers():
                shape = layer._build_keeping(shape, rng)
            else:
                try:
                    shape = layer.declare(shape, self.dtype)
                except ValueError as error:
                    raise ValueError(
                        f"x: layer {index} ({type(layer).__name__}): {error}"
                    ) from None
                for module in layer.modules():
                    module._allocate(rng)
        self.input_shape = check_shape(input_shape)
        self.output_shape, self._built = tuple(shape), True
        return self.output_shape

    def forward(self, x: ad.Tensor) -> ad.Tensor:
        for layer in self.layers:
            x = layer.forward(x)
        return x


def layer_from_config(config: dict[str, Any], where: str = "layer", depth: int = 0) -> Module:
    """Rebuild a layer (or a Sequential) from ``Module.config()``; unknown types are refused.

    Sequentials may nest up to ``MAX_NESTING`` levels (a deeper config is refused before any
    recursion could overflow).

    Examples
    --------
    >>> from glassml.nn import Dense, layer_from_config
    >>> layer_from_config(Dense(3, bias=False).config())
    Dense(out_features=3, in_features=None, bias=False, init='glorot_uniform')
    """
    if not isinstance(where, str):
        raise fail("where", "a string naming the config in messages", where)
    if not isinstance(config, dict) or "type" not in config:
        raise fail(where, "a layer config: a dict with a 'type'", config)
    arguments = {key: value for key, value in config.items() if key != "type"}
    layer_type = config["type"]
    if not isinstance(layer_type, str) or layer_type not in LAYER_TYPES:
        raise ValueError(
            f"{where}: unknown layer type {layer_type!r}; known types: {sorted(LAYER_TYPES)}"
        )
    if layer_type == "sequential":
        if depth >= MAX_NESTING:
            raise ValueError(f"{where}: Sequentials nested deeper than {MAX_NESTING} levels")
        items = arguments.pop("layers", [])
        if arguments or not isinstance(items, list):
            raise fail(where, "a sequential config {'type': 'sequential', 'layers': [...]}", config)
        layers = [
            layer_from_config(item, f"{where}.layers[{index}]", depth + 1)
            for index, item in enumerate(items)
        ]
        return Sequential(layers)
    try:
        return LAYER_TYPES[layer_type](**arguments)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: bad arguments for layer type {layer_type!r}: {error}") from None


register_layer(Sequential)
