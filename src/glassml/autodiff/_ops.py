"""Every differentiable op in one namespace (what ``Tensor``'s operators and methods call)."""

import sys

from glassml.autodiff import _tensor
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

__all__ = [
    "abs",
    "add",
    "broadcast_to",
    "clip",
    "concatenate",
    "divide",
    "exp",
    "expand_dims",
    "getitem",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "power",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
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
    "var",
    "where",
]

# Hand this namespace to Tensor's operators (see the end of ``_tensor``).
_tensor._ops = sys.modules[__name__]
