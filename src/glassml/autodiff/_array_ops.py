"""Structural primitives: summation, broadcasting, shape changes, indexing, concatenation.

All of these are linear maps, so each VJP is the adjoint map applied to the cotangent ``g``:

- ``sum`` over axes  <->  ``broadcast_to`` back over those axes (each input element feeds one
  output element with weight 1);
- ``reshape``/``expand_dims``/``squeeze``  <->  reshape back; ``transpose`` <-> the inverse
  permutation; ``swapaxes`` <-> the same swap;
- ``x[index]`` (gather)  <->  scatter-add of ``g`` into zeros of ``x``'s shape, with repeated
  indices summed (``np.add.at``);
- ``concatenate``  <->  slicing ``g`` back into the pieces.

Each adjoint is itself one of these primitives, so the backward pass can be recorded for
higher-order derivatives.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassml.autodiff._tensor import (
    Tensor,
    _data,
    defvjp_arrays,
    defvjp_variadic,
    primitive,
)


def normalize_axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Reduced axes as a sorted tuple of non-negative ints (None: all axes)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    return tuple(sorted(operator.index(a) % ndim if ndim else 0 for a in axes))


def keepdims_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """``shape`` with the reduced axes kept as size 1."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def expand_reduced(g: Tensor, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Tensor:
    """Cotangent of a reduction reshaped so it broadcasts against the input (keepdims form).

    A reduction over all axes (``axis=None``) has a scalar cotangent, which broadcasts as is.
    """
    return g if keepdims or axis is None else reshape(g, keepdims_shape(shape, axis))


# -- broadcasting --------------------------------------------------------------------------------


def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``g`` over the axes along which an operand of ``shape`` was broadcast.

    If ``a`` of shape ``shape`` was broadcast to ``g.shape`` then every element of ``a`` fed
    every output element along the new leading axes and along its size-1 axes, so its
    gradient is the sum of the cotangent over those axes. One helper serves every binary op.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import Tensor, unbroadcast
    >>> unbroadcast(Tensor(np.ones((4, 3))), (3,)).data.tolist()
    [4.0, 4.0, 4.0]
    """
    if type(shape) is not tuple:  # the VJPs pass tuples; a user may pass any sequence
        try:
            shape = tuple(operator.index(size) for size in shape)
        except TypeError:
            raise ValueError(f"shape: expected a sequence of integers, got {shape!r}") from None
    if g.shape == shape:
        return g
    leading = g.ndim - len(shape)
    if leading < 0 or any(n != 1 and n != m for n, m in zip(shape, g.shape[leading:], strict=True)):
        raise ValueError(f"shape: {shape} does not broadcast to g's shape {g.shape}")
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and g.shape[leading + i] != 1
    )
    return reshape(sum(g, axis=axes), shape)


@primitive
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a read-only view, no copy)."""
    return np.broadcast_to(x, shape)


defvjp_arrays(broadcast_to, lambda g, ans, x, shape: unbroadcast(g, x.shape))


# -- summation -----------------------------------------------------------------------------------


_SMALL_SPREAD = 4096  # elements: below this, writing the copy is cheaper than making a view


@primitive
def _spread(x, shape):
    """``x`` broadcast to ``shape``: the cotangent of a sum.

    Small results are written out: one short pass costs less than ``np.broadcast_to``'s
    microseconds of Python, which are the whole arithmetic of a small problem. Large ones stay a
    read-only view: a fresh large array costs an allocation and its page faults.
    """
    if math.prod(shape) > _SMALL_SPREAD:
        return np.broadcast_to(x, shape)
    out = np.empty(shape, dtype=np.asarray(x).dtype)
    out[...] = x
    return out


defvjp_arrays(_spread, lambda g, ans, x, shape: unbroadcast(g, x.shape))


def check_keepdims(keepdims: Any) -> None:
    """``keepdims`` is a flag: True or False, never a truthy string."""
    if keepdims is not True and keepdims is not False and not isinstance(keepdims, np.bool_):
        raise ValueError(f"keepdims: expected True or False, got {keepdims!r}")


@primitive
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes if None); an empty axis sums to 0."""
    check_keepdims(keepdims)
    if type(x) is np.ndarray and x.dtype.kind == "f":
        # For floating arrays ``np.sum`` is exactly this ufunc reduction, minus two Python layers.
        return np.add.reduce(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


defvjp_arrays(
    sum,
    lambda g, ans, x, axis=None, keepdims=False: _spread(
        expand_reduced(g, x.shape, axis, keepdims), x.shape
    ),
)


# -- shape changes -------------------------------------------------------------------------------


@primitive
def reshape(x, shape):
    """``x`` with a new shape (same elements, C order)."""
    if type(x) is np.ndarray:  # the method skips np.reshape's dispatch layers (same result)
        return x.reshape(shape)
    return np.reshape(x, shape)


defvjp_arrays(reshape, lambda g, ans, x, shape: reshape(g, x.shape))


@primitive
def transpose(x, axes=None):
    """Permute the axes (reverse them if ``axes`` is None)."""
    return np.transpose(x, axes)


def _inverse_permutation(axes, ndim):
    return None if axes is None else tuple(np.argsort([a % ndim for a in axes]))


defvjp_arrays(
    transpose, lambda g, ans, x, axes=None: transpose(g, _inverse_permutation(axes, x.ndim))
)


@primitive
def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    return np.swapaxes(x, axis1, axis2)


defvjp_arrays(swapaxes, lambda g, ans, x, axis1, axis2: swapaxes(g, axis1, axis2))


@primitive
def expand_dims(x, axis):
    """Insert size-1 axes at ``axis``."""
    return np.expand_dims(x, axis)


defvjp_arrays(expand_dims, lambda g, ans, x, axis: reshape(g, x.shape))


@primitive
def squeeze(x, axis=None):
    """Remove size-1 axes (all of them if ``axis`` is None)."""
    return np.squeeze(x, axis)


defvjp_arrays(squeeze, lambda g, ans, x, axis=None: reshape(g, x.shape))


# -- indexing ------------------------------------------------------------------------------------


def _is_basic(index: Any) -> bool:
    """Basic indexing (ints, slices, None, Ellipsis) selects each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        part is None or part is Ellipsis or isinstance(part, slice | int | np.integer)
        for part in parts
    )


def _plain_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_data(part) for part in index)
    return _data(index)


@primitive
def _getitem(x, index):
    return x[index]


@primitive
def _scatter_add(g, index, shape):
    """Adjoint of ``x[index]``: zeros of ``shape`` with ``g`` added at ``index``.

    Fancy indices may repeat (``x[[0, 0]]``); ``np.add.at`` sums the repeated contributions
    where plain assignment would keep only the last one.
    """
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


defvjp_arrays(_getitem, lambda g, ans, x, index: _scatter_add(g, index, x.shape))
defvjp_arrays(_scatter_add, lambda g, ans, cotangent, index, shape: _getitem(g, index))


def _check_index(index: Any) -> None:
    """Index parts of the kinds NumPy accepts; a float or a string is a TypeError naming
    ``index`` (as a list's ``lst[1.5]`` is). An integer out of range stays NumPy's
    IndexError, which Python's iteration protocol relies on."""
    for part in index if isinstance(index, tuple) else (index,):
        if part is None or part is Ellipsis or isinstance(part, slice):
            continue
        if isinstance(part, int | np.integer | bool | np.bool_):
            continue
        kind = np.asarray(part).dtype.kind
        if kind not in "iub":
            raise TypeError(
                f"index: expected integers, slices, None, Ellipsis or integer/boolean arrays, "
                f"got {part!r:.60}"
            )


def getitem(x, index):
    """``x[index]`` with basic or fancy (integer/boolean array) indexing.

    Backward: scatter-add of the cotangent, so repeated fancy indices accumulate.

    Examples
    --------
    >>> from glassml.autodiff import getitem, grad
    >>> grad(lambda x: getitem(x, [0, 0, 2]).sum())([1.0, 1.0, 1.0]).tolist()
    [2.0, 0.0, 1.0]
    """
    index = _plain_index(index)
    _check_index(index)
    return _getitem(x, index)


# -- concatenation -------------------------------------------------------------------------------


@primitive
def _concatenate(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def _concatenate_vjp(argnum, g, ans, *arrays, axis=0):
    axis = axis % ans.ndim
    start = int(np.sum([np.shape(a)[axis] for a in arrays[:argnum]], dtype=np.int64))
    stop = start + np.shape(arrays[argnum])[axis]
    return _getitem(g, (slice(None),) * axis + (slice(start, stop),))


defvjp_variadic(_concatenate, _concatenate_vjp)
_concatenate.array_vjps = True


def _check_arrays(arrays: Any) -> list[Any]:
    """A non-empty sequence of real arrays or Tensors (each named ``arrays[i]`` if not)."""
    if isinstance(arrays, Tensor | np.ndarray | str | bytes) or not isinstance(arrays, Sequence):
        raise ValueError(f"arrays: expected a sequence of arrays, got {type(arrays).__name__}")
    if len(arrays) == 0:
        raise ValueError("arrays: expected a non-empty sequence, got an empty one")
    checked = []
    for index, item in enumerate(arrays):
        if not isinstance(item, Tensor):
            item = np.asarray(item)
            if item.dtype.kind not in "fiub":
                raise ValueError(
                    f"arrays[{index}]: expected real numbers, got an array of dtype {item.dtype}"
                )
        checked.append(item)
    return checked


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; backward slices the cotangent back into pieces.

    Examples
    --------
    >>> from glassml.autodiff import concatenate, grad
    >>> grad(lambda x: (concatenate([x, 2 * x]) ** 2).sum())([1.0]).tolist()
    [10.0]
    """
    return _concatenate(*_check_arrays(arrays), axis=axis)


def stack(arrays: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along a new axis: ``concatenate`` of ``expand_dims`` (both differentiable).

    Examples
    --------
    >>> from glassml.autodiff import grad, stack
    >>> grad(lambda x: stack([x, x * x], axis=0).sum())([3.0]).tolist()
    [7.0]
    """
    arrays = _check_arrays(arrays)
    rank = np.ndim(_data(arrays[0])) + 1
    if isinstance(axis, bool | np.bool_) or not isinstance(axis, int | np.integer):
        raise ValueError(f"axis: expected an integer, got {axis!r}")
    if not -rank <= axis < rank:
        raise ValueError(f"axis: expected an axis in [-{rank}, {rank}) of the result, got {axis}")
    new_axis = int(axis) % rank
    return _concatenate(*[expand_dims(a, new_axis) for a in arrays], axis=new_axis)
