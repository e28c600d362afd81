"""The tape: ``Tensor``, gradient mode, the primitive -> VJP registry and the backward pass.

Reverse mode in one paragraph: every primitive ``y = f(x_1, ..., x_k)`` executed on Tensors that
require gradients records a node holding ``f`` and its arguments. For a scalar output ``L`` the
backward pass visits the nodes in reverse topological order and turns the incoming cotangent
``g = dL/dy`` into ``dL/dx_i = vjp_i(g)`` (the vector-Jacobian product ``g^T J_i``), summing the
contributions of every path into each argument.

A VJP is written with the differentiable ops themselves (not raw NumPy), so when higher-order
derivatives are requested (``create_graph=True``, used by ``hvp`` and nested ``grad``) the
backward pass is itself recorded and can be differentiated again (reverse-over-reverse). When
they are not, the backward pass runs under ``no_grad`` and the ops cost no more than NumPy
calls plus a small wrapper.

Gradients of one backward pass live in a local dictionary and are never stored on interior
nodes, so a fresh call never depends on an earlier one (micrograd's accumulation flaw).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# Gradient mode
# --------------------------------------------------------------------------------------------


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether primitives executed now record the graph."""
    return _mode.enabled


@contextmanager
def _set_grad_enabled(enabled: bool) -> Iterator[None]:
    previous = _mode.enabled
    _mode.enabled = enabled
    try:
        yield
    finally:
        _mode.enabled = previous


def no_grad():
    """Context manager (and decorator) in which no graph is recorded.

    Inside it every op returns a constant Tensor: use it for evaluation, parameter updates and
    finite differences. ``grad``/``value_and_grad``/``hvp`` re-enable recording for the function
    they differentiate, so they work even when called inside ``no_grad``.

    >>> from glassml.autodiff import Tensor, no_grad
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = (x * x).sum()
    >>> y.requires_grad
    False
    """
    return _set_grad_enabled(False)


def enable_grad():
    """Context manager (and decorator) that turns recording back on, e.g. inside ``no_grad``."""
    return _set_grad_enabled(True)


# --------------------------------------------------------------------------------------------
# Tensor
# --------------------------------------------------------------------------------------------


def _as_float_array(data: Any) -> np.ndarray:
    array = np.asarray(data)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "biu":
        # Python scalars, integers and booleans become float64; float32 stays float32.
        return array.astype(np.float64)
    raise ValueError(f"Tensor data must be real numbers, got dtype {array.dtype}")


class Tensor:
    """An ndarray that remembers how it was computed.

    Parameters
    ----------
    data : array_like
        Floating arrays keep their dtype (float32 stays float32); Python scalars, integers and
        booleans become float64.
    requires_grad : bool
        Whether gradients with respect to this tensor are wanted; ops on it are recorded.

    Attributes
    ----------
    data : ndarray
        The value.
    grad : ndarray or None
        Set by :meth:`backward` on leaf tensors (those created by the user). Each call to
        ``backward`` overwrites it with the gradient of that call's output: it never
        accumulates across calls, and interior nodes never hold gradients.

    Examples
    --------
    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> loss = (x**2).sum()
    >>> loss.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = ("__weakref__", "_args", "_kwargs", "_primitive", "data", "grad", "requires_grad")
    # ndarray <op> Tensor must defer to Tensor's reflected operator instead of broadcasting
    # the Tensor as an object array.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = _as_float_array(data)
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self._primitive: Primitive | None = None
        self._args: tuple = ()
        self._kwargs: dict = {}

    # -- array-like properties ---------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def T(self) -> Tensor:
        return _ops.transpose(self)

    @property
    def is_leaf(self) -> bool:
        return self._primitive is None

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def detach(self) -> Tensor:
        """A constant Tensor sharing this one's data."""
        return Tensor(self.data)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        suffix = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, separator=', ')}{suffix})"

    # -- operators ---------------------------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.subtract(self, other)

    def __rsub__(self, other):
        return _ops.subtract(other, self)

    def __mul__(self, other):
        return _ops.multiply(self, other)

    def __rmul__(self, other):
        return _ops.multiply(other, self)

    def __truediv__(self, other):
        return _ops.divide(self, other)

    def __rtruediv__(self, other):
        return _ops.divide(other, self)

    def __pow__(self, other):
        return _ops.power(self, other)

    def __rpow__(self, other):
        return _ops.power(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    # Comparisons give plain boolean arrays (masks are not differentiable). ``==`` keeps its
    # identity meaning so tensors can live in sets and dict keys.
    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    __hash__ = object.__hash__

    # -- methods -----------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops.min(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False):
        return _ops.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def logsumexp(self, axis=None, keepdims=False):
        return _ops.logsumexp(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes or None)

    def swapaxes(self, axis1, axis2):
        return _ops.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _ops.squeeze(self, axis)

    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def abs(self):
        return _ops.abs(self)

    def clip(self, lo=None, hi=None):
        return _ops.clip(self, lo, hi)

    def backward(self, gradient: Any = None) -> None:
        """Set ``.grad`` of every leaf tensor this one depends on to ``d self / d leaf``.

        ``gradient`` is the cotangent seed; it may be omitted for a single-element tensor.
        Calling ``backward`` twice gives the same gradients (no accumulation).
        """
        if not self.requires_grad:
            raise ValueError("backward: this tensor does not require grad (no leaf needs it)")
        seed = _seed(self, gradient, "gradient")
        order, relevant = _trace(self, None)
        leaves = [node for node in order if node._primitive is None]
        leaf_grads = _propagate(order, relevant, self, leaves, seed, False)
        for leaf, leaf_grad in zip(leaves, result_arrays(leaf_grads, leaves), strict=True):
            leaf.grad = leaf_grad


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def as_tensor(value: Any) -> Tensor:
    """``value`` itself if it is a Tensor, else a constant Tensor of it."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _make(data: Any, primitive: Primitive | None = None, args: tuple = (), kwargs=None) -> Tensor:
    """Fast internal constructor: the data already has the right dtype."""
    tensor = Tensor.__new__(Tensor)
    tensor.data = data if type(data) is np.ndarray else np.asarray(data)
    tensor.requires_grad = primitive is not None
    tensor.grad = None
    tensor._primitive = primitive
    tensor._args = args
    tensor._kwargs = kwargs if kwargs is not None else {}
    return tensor


# --------------------------------------------------------------------------------------------
# Primitive registry
# --------------------------------------------------------------------------------------------

VJP = Callable[..., Any]


class Primitive:
    """A NumPy function plus the vector-Jacobian product of each of its arguments.

    Calling the primitive unwraps Tensor arguments, runs the NumPy ``forward`` and, when
    recording and some argument requires grad, returns a node remembering its arguments.
    ``vjps[i](g, ans, *args, **kwargs)`` returns ``g^T d ans / d args[i]`` with the shape of
    ``args[i]``; ``ans`` is the output node and ``args`` are the original (Tensor or constant)
    arguments. A VJP is called only for arguments that need a gradient.
    """

    def __init__(self, forward: Callable[..., Any], name: str | None = None) -> None:
        self.forward = forward
        self.name = name or forward.__name__
        self.vjps: dict[int, VJP] = {}
        self.variadic_vjp: Callable[..., Any] | None = None
        functools.update_wrapper(self, forward)

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        out = self.forward(*[a.data if isinstance(a, Tensor) else a for a in args], **kwargs)
        if _mode.enabled:
            for arg in args:
                if isinstance(arg, Tensor) and arg.requires_grad:
                    return _make(out, self, args, kwargs)
        return _make(out)

    def vjp(self, argnum: int, g: Tensor, ans: Tensor, args: tuple, kwargs: dict) -> Any:
        vjp = self.vjps.get(argnum)
        if vjp is not None:
            return vjp(g, ans, *args, **kwargs)
        if self.variadic_vjp is not None:
            return self.variadic_vjp(argnum, g, ans, *args, **kwargs)
        raise NotImplementedError(
            f"{self.name} is not differentiable with respect to its argument {argnum}"
        )

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def primitive(forward: Callable[..., Any]) -> Primitive:
    """Decorator turning a NumPy function into a recorded primitive (register VJPs next)."""
    return Primitive(forward)


def defvjp(prim: Primitive, *vjps: VJP | None) -> None:
    """Register ``vjps[i](g, ans, *args, **kwargs)`` for argument ``i`` (None: not differentiable).

    >>> import numpy as np
    >>> from glassml.autodiff import Tensor, grad
    >>> cube = primitive(lambda x: x**3)
    >>> defvjp(cube, lambda g, ans, x: g * 3 * x**2)
    >>> grad(lambda x: cube(x).sum())(np.array([1.0, 2.0]))
    array([ 3., 12.])
    """
    for argnum, vjp in enumerate(vjps):
        if vjp is not None:
            prim.vjps[argnum] = vjp


def defvjp_variadic(prim: Primitive, vjp: Callable[..., Any]) -> None:
    """Register one ``vjp(argnum, g, ans, *args, **kwargs)`` for every argument (concatenate)."""
    prim.variadic_vjp = vjp


# --------------------------------------------------------------------------------------------
# Backward pass
# --------------------------------------------------------------------------------------------


def _parents(node: Tensor) -> Iterator[tuple[int, Tensor]]:
    for argnum, arg in enumerate(node._args):
        if isinstance(arg, Tensor) and arg.requires_grad:
            yield argnum, arg


def _trace(output: Tensor, inputs: Sequence[Tensor] | None) -> tuple[list[Tensor], dict]:
    """Nodes between ``output`` and ``inputs`` in reverse topological order (output first).

    A node is *relevant* when some input can be reached from it; only relevant nodes are
    visited by the backward pass. ``inputs=None`` means every leaf that requires grad.
    Traversal stops at inputs: an input's own ancestors are not differentiated.
    Iterative depth-first search, so long chains do not hit Python's recursion limit.
    """
    input_ids = None if inputs is None else {id(t) for t in inputs}
    relevant: dict[int, bool] = {}
    post_order: list[Tensor] = []
    if not output.requires_grad:
        return [], relevant
    stack = [output]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in relevant:
            stack.pop()
            continue
        is_input = node._primitive is None if input_ids is None else key in input_ids
        if is_input or node._primitive is None:
            stack.pop()
            relevant[key] = is_input
            if is_input:
                post_order.append(node)
            continue
        pending = [parent for _, parent in _parents(node) if id(parent) not in relevant]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        relevant[key] = any(relevant[id(parent)] for _, parent in _parents(node))
        if relevant[key]:
            post_order.append(node)
    post_order.reverse()
    return post_order, relevant


def _propagate(
    order: list[Tensor],
    relevant: dict,
    output: Tensor,
    inputs: Sequence[Tensor],
    seed: Tensor,
    create_graph: bool,
) -> list[Tensor | None]:
    """Push the cotangent ``seed`` of ``output`` back to ``inputs`` (None where unreachable)."""
    input_ids = {id(t) for t in inputs}
    found: dict[int, Tensor] = {}
    with _set_grad_enabled(create_graph):
        pending = {id(output): seed}
        for node in order:
            g = pending.pop(id(node), None)
            if g is None:
                continue
            if id(node) in input_ids:
                found[id(node)] = g
                continue
            args, kwargs = node._args, node._kwargs
            for argnum, parent in _parents(node):
                key = id(parent)
                if not relevant.get(key, False):
                    continue
                contribution = node._primitive.vjp(argnum, g, node, args, kwargs)
                if not isinstance(contribution, Tensor):
                    contribution = _make(np.asarray(contribution))
                if contribution.shape != parent.shape:
                    raise RuntimeError(
                        f"VJP of {node._primitive.name} (argument {argnum}) returned shape "
                        f"{contribution.shape}, expected {parent.shape}"
                    )
                previous = pending.get(key)
                pending[key] = contribution if previous is None else previous + contribution
    return [found.get(id(t)) for t in inputs]


def backward(
    output: Tensor, inputs: Sequence[Tensor], seed: Any = None, create_graph: bool = False
) -> list[Tensor | None]:
    """Cotangents ``seed^T d output / d input`` for each input (None when unconnected).

    With ``create_graph=True`` the returned Tensors are themselves recorded (differentiable).
    """
    seed_tensor = _seed(output, seed, "seed")
    order, relevant = _trace(output, inputs)
    return _propagate(order, relevant, output, inputs, seed_tensor, create_graph)


def _seed(output: Tensor, seed: Any, name: str) -> Tensor:
    if seed is None:
        if output.size != 1:
            raise ValueError(
                f"{name} must be given for a non-scalar output of shape {output.shape}"
            )
        return _make(np.ones(output.shape, dtype=output.dtype))
    seed_tensor = as_tensor(seed)
    if seed_tensor.shape != output.shape:
        raise ValueError(f"{name} must have the output's shape {output.shape}, got {seed.shape}")
    return seed_tensor


def result_arrays(gradients: Sequence[Tensor | None], likes: Sequence[Tensor]) -> list:
    """Independent writable arrays of each ``like``'s shape and dtype (zeros if unconnected).

    The VJP of ``a + b`` hands the same cotangent to both operands; copies keep the returned
    gradients from aliasing each other or a read-only broadcast view.
    """
    arrays, seen = [], set()
    for gradient, like in zip(gradients, likes, strict=True):
        if gradient is None:
            arrays.append(np.zeros(like.shape, dtype=like.dtype))
            continue
        array = gradient.data.astype(like.dtype, copy=False)
        if not array.flags.writeable or id(array) in seen:
            array = array.copy()
        seen.add(id(array))
        arrays.append(array)
    return arrays


# Tensor's operators and methods call the ops, which are defined on top of this module; the
# ``_ops`` namespace registers itself here when it is imported (by the package ``__init__``).
_ops: Any = None
