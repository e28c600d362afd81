"""Function transforms: ``grad``, ``value_and_grad``, ``jacobian``, ``hvp``.

Each one wraps the differentiated arguments in fresh leaf Tensors, runs ``fun`` with recording
on, and pulls cotangents back with :func:`glassml.autodiff._tensor.backward`:

- ``grad f (x) = vjp(1)``: one backward pass from the scalar output, seed 1;
- ``jacobian f (x)``: one backward pass per output element ``k`` with seed ``e_k`` (the graph is
  traced once and reused), giving row ``k`` of ``J``;
- ``hvp f (x, v) = d/dx <grad f(x), v> = H(x) v``: the first backward pass is recorded
  (``create_graph=True``), then the scalar ``<grad f(x), v>`` is differentiated again
  (reverse-over-reverse). Exact, at the cost of about two gradient evaluations.

Called with Tensors that already require grad inside a recording function, ``grad`` and
``value_and_grad`` return recorded Tensors, so they nest: ``grad(lambda x: grad(f)(x).sum())``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassml._validation import check_callable, fail
from glassml.autodiff._array_ops import sum
from glassml.autodiff._tensor import (
    Tensor,
    _as_float_array,
    _backward,
    _mode,
    _propagate,
    _seed,
    _trace,
    as_tensor,
    defvjp_arrays,
    enable_grad,
    is_grad_enabled,
    primitive,
    result_arrays,
)


@primitive
def _identity(x):
    return x


defvjp_arrays(_identity, lambda g, ans, x: g)


def _argnums_tuple(
    argnums: Any, n_args: int | None = None, argument: str = "argnums"
) -> tuple[int, ...]:
    """``argnums`` as a tuple of ints (bools, strings and floats refused), in range if known."""
    single = isinstance(argnums, int | np.integer) and not isinstance(argnums, bool | np.bool_)
    items = (argnums,) if single else argnums
    expected = "an int or a non-empty sequence of ints"
    if isinstance(items, str | bytes) or not isinstance(items, Sequence | np.ndarray):
        raise fail(argument, expected, argnums)
    if len(items) == 0 or not all(
        isinstance(n, int | np.integer) and not isinstance(n, bool | np.bool_) for n in items
    ):
        raise fail(argument, expected, argnums)
    nums = tuple(int(n) for n in items)
    if n_args is not None and any(not -n_args <= n < n_args for n in nums):
        raise fail(argument, f"argument positions in [-{n_args}, {n_args})", argnums)
    return tuple(n % n_args for n in nums) if n_args else nums


def _lift(args: tuple, argnums: tuple[int, ...], name: str) -> tuple[list, list[Tensor], bool]:
    """Replace the differentiated arguments by leaf Tensors; detect nesting in an outer trace."""
    args = list(args)
    inputs, nested = [], False
    for argnum in argnums:
        if not -len(args) <= argnum < len(args):
            raise fail("argnums", f"positions of the {len(args)} arguments given", argnum)
        value = args[argnum]
        if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
            # Inside an outer differentiation: a fresh node that still depends on ``value``.
            lifted, nested = _identity(value), True
        else:
            data = value.data if isinstance(value, Tensor) else value
            lifted = Tensor(_as_float_array(data, f"args[{argnum}]"), True)
        args[argnum] = lifted
        inputs.append(lifted)
    return args, inputs, nested


def _scalar_output(output: Any, name: str) -> Tensor:
    if not isinstance(output, Tensor):
        output = Tensor(output)
    if output.data.size != 1:
        raise ValueError(
            f"{name}: fun must return a scalar (one element), got shape {output.shape}; "
            "use jacobian for vector-valued functions"
        )
    return output


def value_and_grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing ``(fun(*args), gradient)`` in one forward + one backward pass.

    Parameters
    ----------
    fun : callable
        Written with ``glassml.autodiff`` ops; receives Tensors at ``argnums`` (other arguments
        are passed through unchanged) and returns a scalar Tensor.
    argnums : int or tuple of int
        Which positional arguments to differentiate; a tuple gives a tuple of gradients.

    Returns
    -------
    callable
        ``(*args, **kwargs) -> (value, grad)``: value a NumPy scalar, gradients ndarrays of the
        arguments' shapes and dtypes (float32 stays float32).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.autodiff import value_and_grad
    >>> value_and_grad(lambda x: (x**2).sum())(np.array([1.0, 2.0]))
    (np.float64(5.0), array([2., 4.]))
    """
    check_callable(fun, "fun", "(*args) -> scalar")
    nums = _argnums_tuple(argnums)
    single = isinstance(argnums, int | np.integer)

    @functools.wraps(fun)
    def value_and_grad_fun(*args: Any, **kwargs: Any):
        lifted, inputs, nested = _lift(args, nums, "value_and_grad")
        # Recording on for ``fun`` (as ``enable_grad()``, without a context object per call:
        # this wrapper runs once per gradient, thousands of times in HMC).
        previous_mode, _mode.enabled = _mode.enabled, True
        try:
            output = fun(*lifted, **kwargs)
        finally:
            _mode.enabled = previous_mode
        output = _scalar_output(output, "value_and_grad")
        order, needed, _ = _trace(output, inputs)
        seed = _seed(output, None, "seed", nested)
        grads = _propagate(order, needed, output, inputs, seed, nested)
        if nested:
            grads = [
                g if g is not None else Tensor(np.zeros(t.shape, t.dtype))
                for g, t in zip(grads, inputs, strict=True)
            ]
            value = output
        else:
            grads = result_arrays(grads, inputs)
            value = output.data.reshape(())[()]
        return value, (grads[0] if single else tuple(grads))

    return value_and_grad_fun


def grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing the gradient of scalar ``fun`` w.r.t. ``argnums``.

    See :func:`value_and_grad`; this drops the value.

    >>> import numpy as np
    >>> from glassml.autodiff import grad, sigmoid
    >>> float(grad(lambda x: sigmoid(x))(0.0))  # s(0) (1 - s(0))
    0.25
    """
    value_and_grad_fun = value_and_grad(fun, argnums)

    @functools.wraps(fun)
    def grad_fun(*args: Any, **kwargs: Any):
        return value_and_grad_fun(*args, **kwargs)[1]

    return grad_fun


def jacobian(fun: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable:
    """Return a function computing ``d fun / d args[argnums]`` of shape ``out.shape + in.shape``.

    One backward pass per output element over a graph traced once.

    >>> import numpy as np
    >>> from glassml.autodiff import jacobian
    >>> jacobian(lambda x: x * x)(np.array([1.0, 3.0]))
    array([[2., 0.],
           [0., 6.]])
    """
    check_callable(fun, "fun", "(*args) -> array")
    nums = _argnums_tuple(argnums)
    single = isinstance(argnums, int | np.integer)

    @functools.wraps(fun)
    def jacobian_fun(*args: Any, **kwargs: Any):
        args = [a.data if isinstance(a, Tensor) else a for a in args]
        lifted, inputs, _ = _lift(tuple(args), nums, "jacobian")
        with enable_grad():
            output = as_tensor(fun(*lifted, **kwargs))
        jacobians = [np.zeros((output.size, t.size), dtype=t.dtype) for t in inputs]
        order, needed, _ = _trace(output, inputs)
        seed = np.zeros(output.size, dtype=output.dtype)
        for k in range(output.size if output.requires_grad else 0):
            seed[k] = 1.0
            rows = _propagate(order, needed, output, inputs, seed.reshape(output.shape), False)
            for jac, row in zip(jacobians, result_arrays(rows, inputs), strict=True):
                jac[k] = row.ravel()
            seed[k] = 0.0  # after the rows are stored: a row may be the seed itself (f(x) = x)
        shaped = [
            jac.reshape(output.shape + t.shape) for jac, t in zip(jacobians, inputs, strict=True)
        ]
        return shaped[0] if single else tuple(shaped)

    return jacobian_fun


def hvp(fun: Callable[[Tensor], Any], x: Any, v: Any) -> np.ndarray:
    """Hessian-vector product ``H(x) v`` of scalar ``fun`` at ``x``, exactly (no differences).

    ``H v = d/dx <grad fun(x), v>``: the gradient is computed with its backward pass recorded,
    then differentiated once more. Cost: about two gradient evaluations, no ``n x n`` matrix.

    >>> import numpy as np
    >>> from glassml.autodiff import hvp
    >>> hvp(lambda x: (x**3).sum(), np.array([1.0, 2.0]), np.array([1.0, 1.0]))  # 6 x * v
    array([ 6., 12.])
    """
    check_callable(fun, "fun", "x -> scalar")
    point = Tensor(_as_float_array(x.data if isinstance(x, Tensor) else x, "x"), True)
    direction = _as_float_array(v.data if isinstance(v, Tensor) else v, "v")
    if direction.shape != point.shape:
        raise ValueError(f"v: expected x's shape {point.shape}, got {direction.shape}")
    direction = direction.astype(point.dtype, copy=False)
    with enable_grad():
        output = _scalar_output(fun(point), "hvp")
        (gradient,) = _backward(output, [point], create_graph=True)
        if gradient is None or not gradient.requires_grad:  # fun is at most linear in x
            return np.zeros(point.shape, dtype=point.dtype)
        directional = sum(gradient * direction)
    (product,) = _backward(directional, [point], create_graph=False)
    return result_arrays([product], [point])[0]
