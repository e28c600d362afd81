"""Reverse-mode automatic differentiation over NumPy arrays.

``Tensor`` records the primitives applied to it; each primitive's vector-Jacobian product
(VJP) sits next to its forward code (``_math_ops``, ``_array_ops``, ``_reductions``,
``_softmax``, ``_conv``, ``_conv1d``, ...) and is registered with :func:`defvjp`. The
transforms ``grad``, ``value_and_grad``, ``jacobian`` and ``hvp`` turn a function written with
these ops into its derivatives; ``check_grad`` compares a gradient with central finite
differences.

>>> import numpy as np
>>> from glassml.autodiff import grad, softplus, mean
>>> X = np.array([[1.0, 2.0], [3.0, -1.0]]); y = np.array([1.0, 0.0])
>>> loss = lambda w: mean(softplus(X @ w) - y * (X @ w))
>>> grad(loss)(np.zeros(2))
array([ 0.5 , -0.75])
"""

from glassml.autodiff import _ops  # noqa: F401 - wires Tensor's operators to the ops
from glassml.autodiff._array_ops import (
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    reshape,
    squeeze,
    stack,
    sum,
    swapaxes,
    transpose,
    unbroadcast,
)
from glassml.autodiff._check import check_grad, numerical_grad
from glassml.autodiff._conv import avg_pool2d, conv2d, max_pool2d
from glassml.autodiff._conv1d import conv1d
from glassml.autodiff._losses import binary_cross_entropy_with_logits, softmax_cross_entropy
from glassml.autodiff._math_ops import (
    abs,
    add,
    clip,
    divide,
    exp,
    log,
    log1p,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    relu,
    sigmoid,
    softplus,
    sqrt,
    subtract,
    tanh,
    where,
)
from glassml.autodiff._reductions import max, mean, min, var
from glassml.autodiff._softmax import log_softmax, logsumexp, softmax
from glassml.autodiff._tensor import (
    Primitive,
    Tensor,
    as_tensor,
    backward,
    defvjp,
    defvjp_variadic,
    enable_grad,
    is_grad_enabled,
    no_grad,
    primitive,
)
from glassml.autodiff._transforms import grad, hvp, jacobian, value_and_grad

__all__ = [
    "Primitive",
    "Tensor",
    "abs",
    "add",
    "as_tensor",
    "avg_pool2d",
    "backward",
    "binary_cross_entropy_with_logits",
    "broadcast_to",
    "check_grad",
    "clip",
    "concatenate",
    "conv1d",
    "conv2d",
    "defvjp",
    "defvjp_variadic",
    "divide",
    "enable_grad",
    "exp",
    "expand_dims",
    "getitem",
    "grad",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "max_pool2d",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "no_grad",
    "numerical_grad",
    "power",
    "primitive",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "squeeze",
    "stack",
    "subtract",
    "sum",
    "swapaxes",
    "tanh",
    "transpose",
    "unbroadcast",
    "value_and_grad",
    "var",
    "where",
]
