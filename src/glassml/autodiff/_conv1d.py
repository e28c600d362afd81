"""1-D convolution over time, channels last: im2col over time and one matrix product.

Shapes: ``x`` is (N, L, C) (a batch of sequences of C channels), ``weight`` (K, C, F); with
stride s and zero padding p the output is (N, L', F), ``L' = (L + 2p - K) // s + 1``::

    out[n, t, f] = b[f] + sum_{k, c} w[k, c, f] x_pad[n, s t + k, c]

im2col over time gathers every window into ``cols[n, t, (k, c)] = x_pad[n, s t + k, c]``,
shape (N, L', K C) (a strided view of the padded input, copied once), so the convolution is
one GEMM ``cols (N L', K C) @ W (K C, F)``.

Backward, with G the (N L', F) cotangent: ``dW = cols^T G``, ``db = sum of G``,
``dcols = G W^T`` (the GEMM's VJPs, by ``matmul``) and ``dx = col2im(dcols)``: the adjoint of
im2col adds each window back onto the positions it was read from, one strided slice per
kernel offset k (K vectorised additions). ``_im2col1d`` and ``_col2im1d`` are each other's
VJPs, so the backward pass is differentiable again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml.autodiff._array_ops import reshape
from glassml.autodiff._math_ops import matmul
from glassml.autodiff._tensor import Tensor, _as_float_array, defvjp_arrays, primitive


@primitive
def _im2col1d(x, kernel, stride, padding, out_length):
    """Windows of ``x`` (N, L, C) as (N, L', K C), rows of a window in (k, c) order."""
    n, _, channels = x.shape
    padded = np.pad(x, ((0, 0), (padding, padding), (0, 0))) if padding else x
    windows = np.lib.stride_tricks.sliding_window_view(
        padded, kernel, axis=1
    )  # (N, L+2p-K+1, C, K)
    windows = windows[:, : stride * (out_length - 1) + 1 : stride]
    return np.ascontiguousarray(windows.transpose(0, 1, 3, 2)).reshape(
        n, out_length, kernel * channels
    )


@primitive
def _col2im1d(cols, x_shape, kernel, stride, padding, out_length):
    """Adjoint of ``_im2col1d``: each window of ``cols`` added back onto an (N, L, C) array."""
    n, length, channels = x_shape
    padded = np.zeros((n, length + 2 * padding, channels), dtype=cols.dtype)
    windows = cols.reshape(n, out_length, kernel, channels)
    stop = stride * (out_length - 1) + 1
    for k in range(kernel):
        padded[:, k : k + stop : stride] += windows[:, :, k]
    return padded[:, padding : padding + length]


defvjp_arrays(
    _im2col1d,
    lambda g, ans, x, kernel, stride, padding, out_length: _col2im1d(
        g, x.shape, kernel, stride, padding, out_length
    ),
)
defvjp_arrays(
    _col2im1d,
    lambda g, ans, cols, x_shape, kernel, stride, padding, out_length: _im2col1d(
        g, kernel, stride, padding, out_length
    ),
)


def _whole(value: Any, name: str, minimum: int) -> int:
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, int | np.integer)
        or value < minimum
    ):
        raise ValueError(f"{name}: expected an int >= {minimum}, got {value!r}")
    return int(value)


def conv1d(x: Any, weight: Any, bias: Any = None, stride: int = 1, padding: int = 0) -> Tensor:
    """1-D cross-correlation over time, channels last: ``out[n, t] = b + sum_k x_pad[n, s t + k]
    W[k]``, shape (N, L', F).

    Parameters
    ----------
    x : Tensor or array_like, shape (N, L, C)
    weight : Tensor or array_like, shape (K, C, F)
    bias : Tensor or array_like, shape (F,), optional
    stride, padding : int
        Step between windows and zeros added at both ends of the time axis.

    Notes
    -----
    Equals ``sum_c scipy.signal.correlate(x[n, :, c], weight[::, c, f], mode="valid")`` with
    padding and stride applied, which the tests check. Differentiable to any order.

    Examples
    --------
    >>> import numpy as np
    >>> sequence = np.arange(6.0).reshape(1, 6, 1)        # one channel: 0, 1, ..., 5
    >>> conv1d(sequence, np.ones((3, 1, 1))).numpy()[0, :, 0]  # moving sums of three
    array([ 3.,  6.,  9., 12.])
    """
    x = x if isinstance(x, Tensor) else Tensor(_as_float_array(x, "x"))
    weight = weight if isinstance(weight, Tensor) else Tensor(_as_float_array(weight, "weight"))
    if x.ndim != 3:
        raise ValueError(f"x: expected a 3-D array (N, L, C), got shape {x.shape}")
    if weight.ndim != 3:
        raise ValueError(f"weight: expected a 3-D array (K, C, F), got shape {weight.shape}")
    n, length, channels = x.shape
    kernel, weight_channels, filters = weight.shape
    if weight_channels != channels:
        raise ValueError(
            f"weight: expected {channels} input channels like x (N, L, C), got "
            f"{weight_channels} (weight is (K, C, F))"
        )
    stride = _whole(stride, "stride", 1)
    padding = _whole(padding, "padding", 0)
    if kernel > length + 2 * padding:
        raise ValueError(
            f"weight: kernel size {kernel} exceeds the padded length {length + 2 * padding} "
            f"(length {length}, padding {padding})"
        )
    out_length = (length + 2 * padding - kernel) // stride + 1
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(_as_float_array(bias, "bias"))
        if bias.shape != (filters,):
            raise ValueError(f"bias: expected shape ({filters},), got {bias.shape}")
    cols = _im2col1d(x, kernel, stride, padding, out_length)
    flat = reshape(cols, (n * out_length, kernel * channels))
    out = matmul(flat, reshape(weight, (kernel * channels, filters)))
    if bias is not None:
        out = out + bias
    return reshape(out, (n, out_length, filters))
