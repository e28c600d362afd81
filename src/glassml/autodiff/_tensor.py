"""The tape: ``Tensor``, gradient mode, the primitive -> VJP registry and the backward pass.

Reverse mode in one paragraph: every primitive ``y = f(x_1, ..., x_k)`` executed on Tensors that
require gradients records a node holding ``f`` and its arguments. For a scalar output ``L`` the
backward pass visits the nodes in reverse topological order and turns the incoming cotangent
``g = dL/dy`` into ``dL/dx_i = vjp_i(g)`` (the vector-Jacobian product ``g^T J_i``), summing the
contributions of every path into each argument.

A VJP is written with the differentiable ops themselves (not raw NumPy), so when higher-order
derivatives are requested (``create_graph=True``, used by ``hvp`` and nested ``grad``) the
backward pass is itself recorded and can be differentiated again (reverse-over-reverse). When
they are not, VJPs registered with :func:`defvjp_arrays` receive plain arrays and every op
inside them runs as its bare NumPy function: a first-order pass builds no Tensor at all, and
gives bitwise the gradient of the recorded pass (one definition serves both).

Recorded nodes carry a creation number; sorting the nodes reached from the output by it is a
reverse topological order, so the backward pass needs no separate topological sort.

Gradients of one backward pass live in a local dictionary and are never stored on interior
nodes, so a fresh call never depends on an earlier one (micrograd's accumulation flaw).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------------
# Gradient mode
# --------------------------------------------------------------------------------------------


class _GradMode(threading.local):
    # ``enabled``: primitives record the graph. ``arrays``: set only while a first-order
    # backward pass runs array-level VJPs (see ``defvjp_arrays``); primitives then act as their
    # bare NumPy forward functions.
    enabled = True
    arrays = False


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether primitives executed now record the graph.

    Examples
    --------
    >>> from glassml.autodiff import is_grad_enabled, no_grad
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return _mode.enabled


class _set_grad_enabled:
    """Context manager (and decorator) setting the recording flag, restoring it on exit.

    A class rather than ``contextlib.contextmanager``: entering it is on the path of every
    ``value_and_grad`` call, where a generator-based manager costs more than the arithmetic of
    a small problem.
    """

    __slots__ = ("enabled", "previous")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.previous: list[bool] = []  # a stack, so one instance may be entered re-entrantly

    def __enter__(self) -> None:
        self.previous.append(_mode.enabled)
        _mode.enabled = self.enabled

    def __exit__(self, *exc_info: Any) -> None:
        _mode.enabled = self.previous.pop()

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        enabled = self.enabled

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _set_grad_enabled(enabled):
                return function(*args, **kwargs)

        return wrapper


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
    """Context manager (and decorator) that turns recording back on, e.g. inside ``no_grad``.

    Examples
    --------
    >>> from glassml.autodiff import enable_grad, is_grad_enabled, no_grad
    >>> with no_grad():
    ...     with enable_grad():
    ...         is_grad_enabled()
    True
    """
    return _set_grad_enabled(True)


# --------------------------------------------------------------------------------------------
# Tensor
# --------------------------------------------------------------------------------------------


def _as_float_array(data: Any, argument: str = "data") -> np.ndarray:
    array = np.asarray(data)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "biu":
        # Python scalars, integers and booleans become float64; float32 stays float32.
        return array.astype(np.float64)
    raise _not_real(array, argument)


def _not_real(array: np.ndarray, argument: str) -> ValueError:
    return ValueError(
        f"{argument}: expected real numbers (float, int or bool), got an array of dtype "
        f"{array.dtype}"
    )


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

    __slots__ = (
        "__weakref__",
        "_args",
        "_kwargs",
        "_parents",
        "_primitive",
        "_seq",
        "_values",
        "data",
        "grad",
        "requires_grad",
    )
    # ndarray <op> Tensor must defer to Tensor's reflected operator instead of broadcasting
    # the Tensor as an object array.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = _as_float_array(data)
        if requires_grad is not True and requires_grad is not False:
            if not isinstance(requires_grad, np.bool_):
                raise ValueError(f"requires_grad: expected True or False, got {requires_grad!r}")
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self._primitive: Primitive | None = None
        self._args: tuple = ()
        self._kwargs: dict = _NO_KWARGS
        self._parents: Sequence[tuple[int, Tensor]] = ()
        self._seq = -1

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
        """The value of a single-element Tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"Tensor.item: expected a single-element Tensor, got shape {self.data.shape}"
            )
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
        seed = _seed(self, gradient, "gradient", create_graph=False)
        order, needed, leaves = _trace(self, None)
        leaf_grads = _propagate(order, needed, self, leaves, seed, False)
        for leaf, leaf_grad in zip(leaves, result_arrays(leaf_grads, leaves), strict=True):
            leaf.grad = leaf_grad


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def as_tensor(value: Any) -> Tensor:
    """``value`` itself if it is a Tensor, else a constant Tensor of it.

    Examples
    --------
    >>> from glassml.autodiff import Tensor, as_tensor
    >>> t = as_tensor([1.0, 2.0])
    >>> as_tensor(t) is t, t.shape
    (True, (2,))
    """
    return value if isinstance(value, Tensor) else Tensor(value)


_NO_KWARGS: dict = {}  # shared by every node recorded without keyword arguments; never mutated
_new_tensor = object.__new__
# Creation order of recorded nodes: an op's arguments always exist before its output, so
# sorting nodes by it (descending) is a reverse topological order of any graph.
_creation_counter = itertools.count()
_by_creation = operator.attrgetter("_seq")


def _make(data: Any, primitive: Primitive | None = None, args: tuple = (), kwargs=None) -> Tensor:
    """Fast internal constructor: the data already has the right dtype."""
    tensor = _new_tensor(Tensor)
    tensor.data = data if type(data) is np.ndarray else np.asarray(data)
    tensor.grad = None
    tensor._args = args
    tensor._kwargs = kwargs or _NO_KWARGS
    tensor._seq = -1
    if primitive is None:
        tensor.requires_grad = False
        tensor._primitive = None
        tensor._parents = ()
        return tensor
    tensor.requires_grad = True
    tensor._primitive = primitive
    tensor._values = [a.data if isinstance(a, Tensor) else a for a in args]
    tensor._parents = [
        (argnum, arg)
        for argnum, arg in enumerate(args)
        if isinstance(arg, Tensor) and arg.requires_grad
    ]
    tensor._seq = next(_creation_counter)
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

    ``array_vjps`` (set by :func:`defvjp_arrays`) declares that the VJPs are written so that
    they also accept plain arrays for ``g``, ``ans`` and the arguments and then return a plain
    array: a first-order backward pass calls them that way, with no Tensor built per step.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import Primitive, defvjp, grad
    >>> cube = Primitive(lambda x: x ** 3, name="cube")
    >>> defvjp(cube, lambda g, ans, x: g * 3 * x ** 2)
    >>> float(grad(lambda x: cube(x))(2.0))
    12.0
    """

    def __init__(self, forward: Callable[..., Any], name: str | None = None) -> None:
        self.forward = forward
        self.name = name or forward.__name__
        self.vjps: dict[int, VJP] = {}
        self.variadic_vjp: Callable[..., Any] | None = None
        self.array_vjps = False
        self.argument_names = _positional_names(forward)
        self.public_name = self.name.lstrip("_")  # _concatenate serves concatenate
        functools.update_wrapper(self, forward)

    def _argument(self, argnum: int) -> str:
        names = self.argument_names
        if names and names[-1].startswith("*") and argnum >= len(names) - 1:
            return f"{names[-1][1:]}[{argnum - len(names) + 1}]"
        return names[argnum] if argnum < len(names) else f"argument {argnum}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _mode.arrays:  # inside an array-level VJP: the arguments are plain values already
            return self.forward(*args, **kwargs)
        # One plain loop unwraps the arguments and finds those that require grad: this wrapper
        # runs once per op, and on small problems it costs as much as the NumPy call itself.
        values = []
        parents = []
        argnum = 0
        for arg in args:
            if isinstance(arg, Tensor):
                values.append(arg.data)
                if arg.requires_grad:
                    parents.append((argnum, arg))
            else:
                if type(arg) is list:
                    # An operand given as a list is an array (its VJP reads .shape); shapes and
                    # indices given as lists mean the same as arrays to NumPy.
                    arg = np.asarray(arg)
                    args = (*args[:argnum], arg, *args[argnum + 1 :])
                if (type(arg) is np.ndarray and arg.dtype.kind not in "fiub") or isinstance(
                    arg, complex | np.complexfloating
                ):
                    # Complex, object and string operands are refused by name: NumPy would
                    # compute with them (a complex result) or fail without naming them.
                    raise _not_real(
                        np.asarray(arg), f"{self.public_name}: {self._argument(argnum)}"
                    )
                values.append(arg)
            argnum += 1
        try:
            out = self.forward(*values, **kwargs)
        except (ValueError, TypeError) as error:
            # NumPy's messages (broadcasting, axes, core dimensions) do not say which operands
            # of which op they mean; the op's signature does.
            names = [self._argument(i) for i in range(len(args))]
            names += [f"{key}={value!r:.40}" for key, value in kwargs.items()]
            raise type(error)(f"{self.public_name}({', '.join(names)}): {error}") from None
        tensor = _new_tensor(Tensor)
        tensor.data = out if type(out) is np.ndarray else np.asarray(out)
        tensor.grad = None
        if parents and _mode.enabled:
            tensor.requires_grad = True
            tensor._primitive = self
            tensor._args = args
            tensor._values = values
            tensor._kwargs = kwargs
            tensor._parents = parents
            tensor._seq = next(_creation_counter)
        else:
            tensor.requires_grad = False
            tensor._primitive = None
            tensor._args = ()
            tensor._kwargs = _NO_KWARGS
            tensor._parents = ()
        return tensor

    def vjp(self, argnum: int, g: Any, ans: Any, args: Sequence, kwargs: dict) -> Any:
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


def _positional_names(forward: Callable[..., Any]) -> tuple[str, ...]:
    """Names of ``forward``'s positional parameters (``*arrays`` kept with its star)."""
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature
        return ()
    names = []
    for parameter in parameters:
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
        elif parameter.kind is parameter.VAR_POSITIONAL:
            names.append("*" + parameter.name)
    return tuple(names)


def primitive(forward: Callable[..., Any]) -> Primitive:
    """Decorator turning a NumPy function into a recorded primitive (register VJPs next).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import defvjp, grad, primitive, sigmoid
    >>> @primitive
    ... def softplus(x):
    ...     return np.logaddexp(0.0, x)
    >>> defvjp(softplus, lambda g, ans, x: g * sigmoid(x))  # tensors in, tensors out
    >>> float(grad(lambda x: softplus(x))(0.0))
    0.5
    """
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
    """Register one ``vjp(argnum, g, ans, *args, **kwargs)`` for every argument (concatenate).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import defvjp_variadic, grad, primitive
    >>> @primitive
    ... def total(*xs):
    ...     return sum(xs)
    >>> defvjp_variadic(total, lambda argnum, g, ans, *xs: g)
    >>> float(grad(lambda x: total(x, 2 * x, 3 * x))(1.0))
    6.0
    """
    prim.variadic_vjp = vjp


def defvjp_arrays(prim: Primitive, *vjps: VJP | None) -> None:
    """:func:`defvjp` for VJPs that work on plain arrays as well as on Tensors.

    Such a VJP uses only differentiable ops, operators, attributes that arrays share with
    Tensors (``shape``, ``ndim``, ``dtype``) and ``_data(x)`` instead of ``x.data``. With
    recording on it builds a differentiable graph (higher derivatives); in a first-order
    backward pass it receives the raw arrays and every op inside it runs as its bare NumPy
    forward function, so one definition serves both passes and gives bitwise the same
    gradient.
    """
    defvjp(prim, *vjps)
    prim.array_vjps = True


# --------------------------------------------------------------------------------------------
# Backward pass
# --------------------------------------------------------------------------------------------


def _trace(output: Tensor, inputs: Sequence[Tensor] | None) -> tuple[list[Tensor], set, list]:
    """Recorded nodes between ``output`` and ``inputs``, output first, in reverse creation order.

    Returns ``(order, needed, leaves)``: ``needed`` holds the nodes and inputs whose cotangent
    is wanted (those from which some input can be reached), and ``leaves`` the leaf tensors
    reached when ``inputs`` is None (meaning: every leaf that requires grad). Traversal stops at
    inputs: an input's own ancestors are not differentiated. Iterative, so long chains do not
    hit Python's recursion limit; sorting by creation replaces a topological sort (an op's
    output is always created after its arguments). Tensors hash by identity, so they key the
    sets directly.
    """
    if not output.requires_grad:
        return [], set(), []
    stop = set() if inputs is None else set(inputs)
    nodes: list[Tensor] = []
    leaves: list[Tensor] = []
    seen = {output}
    stack = [output]
    while stack:
        node = stack.pop()
        if node._primitive is None or node in stop:
            leaves.append(node)
            continue
        nodes.append(node)
        for _, parent in node._parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    nodes.sort(key=_by_creation, reverse=True)
    if inputs is None:
        # Every recorded node has a parent that requires grad, so every node leads to a leaf.
        return nodes, seen, leaves
    if stop.issuperset(leaves):
        # Every path down from every node ends at an input: all of them are needed.
        return nodes, seen, []
    needed = stop
    for node in reversed(nodes):  # creation order: parents are decided before their children
        for _, parent in node._parents:
            if parent in needed:
                needed.add(node)
                break
    return [node for node in nodes if node in needed], needed, []


def _propagate(
    order: list[Tensor],
    needed: set,
    output: Tensor,
    inputs: Sequence[Tensor],
    seed: Any,
    create_graph: bool,
) -> list[Any]:
    """Push the cotangent ``seed`` of ``output`` back to ``inputs`` (None where unreachable).

    With ``create_graph`` the cotangents are recorded Tensors (the backward pass is itself a
    graph). Without it they are plain arrays: primitives whose VJPs accept arrays
    (:func:`defvjp_arrays`) are pulled back with no Tensor built at all, the others through a
    Tensor wrapper under ``no_grad``.
    """
    pending: dict[Tensor, Any] = {output: seed}
    previous_mode = _mode.enabled
    _mode.enabled = create_graph
    # Array VJPs run with the ``arrays`` flag up: the ops inside them are bare NumPy calls. It
    # is raised once for the whole pass and lowered only around the (rare) Tensor-level VJPs.
    _mode.arrays = not create_graph
    try:
        for node in order:
            g = pending.pop(node, None)
            if g is None:
                continue
            prim = node._primitive
            if create_graph:
                ans, args = node, node._args
            elif prim.array_vjps:
                ans, args = node.data, node._values
            else:
                ans, args = node, node._args
                g = _make(g)
                _mode.arrays = False
            kwargs, vjps = node._kwargs, prim.vjps
            for argnum, parent in node._parents:
                if parent not in needed:
                    continue
                vjp = vjps.get(argnum)
                if vjp is not None:
                    contribution = vjp(g, ans, *args, **kwargs)
                else:
                    contribution = prim.vjp(argnum, g, ans, args, kwargs)
                if create_graph:
                    if not isinstance(contribution, Tensor):
                        contribution = _make(np.asarray(contribution))
                elif type(contribution) is not np.ndarray:
                    contribution = (
                        contribution.data
                        if isinstance(contribution, Tensor)
                        else np.asarray(contribution)
                    )
                if contribution.shape != parent.data.shape:
                    raise RuntimeError(
                        f"VJP of {prim.name} (argument {argnum}) returned shape "
                        f"{contribution.shape}, expected {parent.data.shape}"
                    )
                previous = pending.get(parent)
                pending[parent] = contribution if previous is None else previous + contribution
            if not create_graph:
                _mode.arrays = True
    finally:
        _mode.arrays = False
        _mode.enabled = previous_mode
    return [pending.get(t) for t in inputs]


def _backward(
    output: Tensor, inputs: Sequence[Tensor], seed: Any = None, create_graph: bool = False
) -> list[Any]:
    """:func:`backward` returning plain arrays (or None) when ``create_graph`` is False."""
    seed_value = _seed(output, seed, "seed", create_graph)
    order, needed, _ = _trace(output, inputs)
    return _propagate(order, needed, output, inputs, seed_value, create_graph)


def backward(
    output: Tensor, inputs: Sequence[Tensor], seed: Any = None, create_graph: bool = False
) -> list[Tensor | None]:
    """Cotangents ``seed^T d output / d input`` for each input (None when unconnected).

    With ``create_graph=True`` the returned Tensors are themselves recorded (differentiable).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import Tensor, backward
    >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    >>> (g,) = backward((x * x).sum(), [x])
    >>> g.data.tolist()
    [2.0, 4.0]
    """
    cotangents = _backward(output, inputs, seed, create_graph)
    if create_graph:
        return cotangents
    return [None if g is None else _make(g) for g in cotangents]


def _seed(output: Tensor, seed: Any, name: str, create_graph: bool) -> Any:
    """The cotangent seed: a Tensor when the backward pass is recorded, else an array."""
    if seed is None:
        if output.data.size != 1:
            raise ValueError(
                f"{name}: must be given for a non-scalar output of shape {output.shape}"
            )
        seed_array = _unit_seed(output.data.shape, output.data.dtype)
        return _make(seed_array) if create_graph else seed_array
    seed_tensor = seed if isinstance(seed, Tensor) else Tensor(_as_float_array(seed, name))
    if seed_tensor.shape != output.shape:
        raise ValueError(
            f"{name}: expected the output's shape {output.shape}, got {seed_tensor.shape}"
        )
    return seed_tensor if create_graph else seed_tensor.data


@functools.lru_cache(maxsize=64)
def _unit_seed(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of ones: the seed of every scalar output of this shape and dtype."""
    seed = np.ones(shape, dtype=dtype)
    seed.flags.writeable = False
    return seed


def result_arrays(gradients: Sequence[Any], likes: Sequence[Tensor]) -> list:
    """Independent writable arrays of each ``like``'s shape and dtype (zeros if unconnected).

    The VJP of ``a + b`` hands the same cotangent to both operands; copies keep the returned
    gradients from aliasing each other or a read-only broadcast view.
    """
    arrays, seen = [], set()
    for gradient, like in zip(gradients, likes, strict=True):
        if gradient is None:
            arrays.append(np.zeros(like.shape, dtype=like.dtype))
            continue
        array = gradient.data if isinstance(gradient, Tensor) else gradient
        array = array.astype(like.data.dtype, copy=False)
        if not array.flags.writeable or id(array) in seen:
            array = array.copy()
        seen.add(id(array))
        arrays.append(array)
    return arrays


# Tensor's operators and methods call the ops, which are defined on top of this module; the
# ``_ops`` namespace registers itself here when it is imported (by the package ``__init__``).
_ops: Any = None
