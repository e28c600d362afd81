"""2-D convolution and pooling by im2col, built from linear primitives and one GEMM.

Shapes: ``x`` is (N, C, H, W), ``weight`` (F, C, kh, kw); with stride ``s`` and zero padding
``p`` the output is (N, F, OH, OW), ``OH = (H + 2 p - kh) // s + 1`` (same for W).

Convolution (cross-correlation, as in deep-learning libraries)::

    out[n, f, i, j] = b[f] + sum_{c, u, v} w[f, c, u, v] x_pad[n, c, s i + u, s j + v]

im2col writes it as a matrix product. ``patches(x)`` gathers every window:
``P[n, c, i, j, u, v] = x_pad[n, c, s i + u, s j + v]``; reshaped to rows
``cols[(n, i, j), (c, u, v)]`` it gives ``out = cols @ W^T + b`` with ``W`` the (F, C kh kw)
weight matrix: a single GEMM.

Backward. ``patches`` is linear, and its adjoint ``patches^T`` (col2im) scatter-adds every
window back to the pixel it came from -- a loop over the kh*kw kernel offsets, each adding a
strided slice:: ``dx_pad[:, :, s i + u, s j + v] += dP[:, :, i, j, u, v]``. The GEMM's VJPs are
``dcols = G W`` and ``dW = G^T cols``; ``db = sum of G`` over (n, i, j). Since ``patches`` and
``patches^T`` are each other's VJP, the whole backward pass is differentiable again, so
``hvp`` through convolutions and pooling is exact.

Pooling uses the same windows: ``avg_pool2d`` is their mean (each input gets ``g / (kh kw)``
from every window containing it); ``max_pool2d`` takes each window's maximum and routes the
gradient to one element: the first maximiser in row-major window order, so ties never
duplicate the gradient. It works on strided views, one pass per kernel offset: the forward
takes ``np.maximum`` over the offsets, the backward finds each window's first maximiser and
routes the gradient there (``_pool_route``, whose adjoint ``_pool_gather`` is its VJP, so
second derivatives through max pooling are exact too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from glassml.autodiff._array_ops import reshape, transpose
from glassml.autodiff._reductions import mean
from glassml.autodiff._tensor import Tensor, as_tensor, defvjp, primitive


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int | np.integer) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int | np.integer) and v >= minimum for v in pair):
        raise ValueError(f"{name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _output_size(size: int, kernel: int, stride: int, padding: int, axis: str) -> int:
    padded = size + 2 * padding
    if kernel > padded:
        raise ValueError(
            f"kernel size {kernel} exceeds the padded input {axis} {padded} (input {size}, "
            f"padding {padding})"
        )
    return (padded - kernel) // stride + 1


# -- windows (im2col) and their adjoint (col2im) ------------------------------------------------


@primitive
def patches(x, kernel, stride, padding):
    """All (kh, kw) windows of ``x`` (N, C, H, W): shape (N, C, OH, OW, kh, kw), a strided view."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


@primitive
def patches_adjoint(g, x_shape, kernel, stride, padding):
    """col2im: scatter-add windows (N, C, OH, OW, kh, kw) back into an (N, C, H, W) image."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, height, width = x_shape
    out_h, out_w = g.shape[2], g.shape[3]
    image = np.zeros((n, c, height + 2 * ph, width + 2 * pw), dtype=g.dtype)
    for u in range(kh):
        rows = slice(u, u + sh * (out_h - 1) + 1, sh)
        for v in range(kw):
            image[:, :, rows, v : v + sw * (out_w - 1) + 1 : sw] += g[:, :, :, :, u, v]
    return image[:, :, ph : ph + height, pw : pw + width]


defvjp(
    patches,
    lambda g, ans, x, kernel, stride, padding: patches_adjoint(g, x.shape, kernel, stride, padding),
)
defvjp(
    patches_adjoint,
    lambda g, ans, windows, x_shape, kernel, stride, padding: patches(g, kernel, stride, padding),
)


def _check_image(x: Tensor, name: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name} must be 4-D (N, C, H, W), got shape {x.shape}")


# -- convolution ---------------------------------------------------------------------------------


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Tensor:
    """2-D cross-correlation ``out = im2col(x) @ W^T + b``, shape (N, F, OH, OW).

    Parameters
    ----------
    x : Tensor or array_like, shape (N, C, H, W)
    weight : Tensor or array_like, shape (F, C, kh, kw)
    bias : Tensor or array_like, shape (F,), optional
    stride, padding : int or (int, int)
        Step between windows and zeros added on each side.

    Notes
    -----
    Equals ``sum_c scipy.signal.correlate(x[n, c], weight[f, c], mode="valid")`` (with padding
    and stride applied), which the tests check. Differentiable to any order.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(image, np.ones((1, 1, 2, 2)), stride=2).numpy()[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, weight = as_tensor(x), as_tensor(weight)
    _check_image(x, "x")
    if weight.ndim != 4:
        raise ValueError(f"weight must be 4-D (F, C, kh, kw), got shape {weight.shape}")
    n, channels, height, width = x.shape
    filters, weight_channels, kh, kw = weight.shape
    if weight_channels != channels:
        raise ValueError(
            f"weight has {weight_channels} input channels but x has {channels} (weight (F, C, "
            "kh, kw) must match x (N, C, H, W))"
        )
    stride, padding = _pair(stride, "stride", 1), _pair(padding, "padding", 0)
    out_h = _output_size(height, kh, stride[0], padding[0], "height")
    out_w = _output_size(width, kw, stride[1], padding[1], "width")
    if bias is not None and np.shape(getattr(bias, "data", bias)) != (filters,):
        raise ValueError(f"bias must have shape ({filters},), got {np.shape(bias)}")

    windows = patches(x, (kh, kw), stride, padding)  # (N, C, OH, OW, kh, kw)
    cols = reshape(transpose(windows, (0, 2, 3, 1, 4, 5)), (n * out_h * out_w, -1))
    out = cols @ transpose(reshape(weight, (filters, -1)))  # (N OH OW, F): one GEMM
    if bias is not None:
        out = out + bias
    return transpose(reshape(out, (n, out_h, out_w, filters)), (0, 3, 1, 2))


# -- pooling -------------------------------------------------------------------------------------


def _pool_geometry(x: Any, kernel_size: Any, stride: Any):
    x = as_tensor(x)
    _check_image(x, "x")
    kernel = _pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else _pair(stride, "stride", 1)
    out_h = _output_size(x.shape[2], kernel[0], stride[0], 0, "height")
    out_w = _output_size(x.shape[3], kernel[1], stride[1], 0, "width")
    return x, kernel, stride, (out_h, out_w)


def _offset_views(x: np.ndarray, kernel, stride, out_hw):
    """For each kernel offset (u, v), in row-major order: the strided view
    ``x[:, :, s i + u, s j + v]`` over all windows (i, j) -- no copy."""
    (kh, kw), (sh, sw), (out_h, out_w) = kernel, stride, out_hw
    for u in range(kh):
        for v in range(kw):
            yield x[:, :, u : u + sh * (out_h - 1) + 1 : sh, v : v + sw * (out_w - 1) + 1 : sw]


def _first_argmax(x: np.ndarray, kernel, stride, out_hw) -> np.ndarray:
    """Offset (row-major index in the window) of each window's first maximiser."""
    views = _offset_views(x, kernel, stride, out_hw)
    best = next(views).copy()
    index = np.zeros(best.shape, dtype=np.intp)
    for offset, view in enumerate(views, start=1):
        better = view > best  # strict: ties keep the earlier offset
        np.copyto(best, view, where=better)
        index[better] = offset
    return index


@primitive
def _max_pool(x, kernel, stride, out_hw):
    """Maximum of each window: one ``np.maximum`` pass per kernel offset."""
    views = _offset_views(x, kernel, stride, out_hw)
    out = next(views).copy()
    for view in views:
        np.maximum(out, view, out=out)
    return out


@primitive
def _pool_gather(x, index, kernel, stride, out_hw):
    """``x`` at each window's offset ``index`` (linear in x; adjoint of ``_pool_route``)."""
    out = np.zeros(index.shape, dtype=x.dtype)
    for offset, view in enumerate(_offset_views(x, kernel, stride, out_hw)):
        np.copyto(out, view, where=index == offset)
    return out


@primitive
def _pool_route(g, index, x_shape, kernel, stride, out_hw):
    """Adjoint of ``_pool_gather``: each ``g`` added to its window's chosen element."""
    image = np.zeros(x_shape, dtype=g.dtype)
    for offset, view in enumerate(_offset_views(image, kernel, stride, out_hw)):
        view += np.where(index == offset, g, 0)  # views of ``image``: overlaps accumulate
    return image


defvjp(
    _max_pool,
    lambda g, ans, x, kernel, stride, out_hw: _pool_route(
        g, _first_argmax(x.data, kernel, stride, out_hw), x.shape, kernel, stride, out_hw
    ),
)
defvjp(
    _pool_gather,
    lambda g, ans, x, index, kernel, stride, out_hw: _pool_route(
        g, index, x.shape, kernel, stride, out_hw
    ),
)
defvjp(
    _pool_route,
    lambda g, ans, cotangent, index, x_shape, kernel, stride, out_hw: _pool_gather(
        g, index, kernel, stride, out_hw
    ),
)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Tensor:
    """Maximum over each (kh, kw) window; ``stride`` defaults to ``kernel_size``.

    The gradient goes to the first maximiser of each window in row-major order (one element
    even on ties); overlapping windows add their contributions. Computed with one pass per
    kernel offset over strided views (no window copy).

    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).numpy()[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, kernel, stride, out_hw = _pool_geometry(x, kernel_size, stride)
    return _max_pool(x, kernel, stride, out_hw)


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Tensor:
    """Mean over each (kh, kw) window; ``stride`` defaults to ``kernel_size``.

    The gradient spreads evenly: ``g / (kh kw)`` to every element of each window.

    >>> import numpy as np
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, kernel, stride, _ = _pool_geometry(x, kernel_size, stride)
    return mean(patches(x, kernel, stride, (0, 0)), axis=(-2, -1))
