"""2-D convolution and pooling: im2col in a batch-major layout, per-sample GEMMs, Numba pooling.

Shapes: ``x`` is (N, C, H, W), ``weight`` (F, C, kh, kw); with stride ``s`` and zero padding
``p`` the output is (N, F, OH, OW), ``OH = (H + 2 p - kh) // s + 1`` (same for W).

Convolution (cross-correlation, as in deep-learning libraries)::

    out[n, f, i, j] = b[f] + sum_{c, u, v} w[f, c, u, v] x_pad[n, c, s i + u, s j + v]

im2col writes it as matrix products. ``_im2col`` gathers every window into
``cols[n, (c, u, v), (i, j)] = x_pad[n, c, s i + u, s j + v]``, shape (N, C kh kw, OH OW), in
one Numba pass that reads zeros outside the image instead of padding a copy. With ``W`` the
(F, C kh kw) weight matrix, ``out[n] = W cols[n]``: one GEMM per sample (``_filter_apply``),
whose (F, OH OW) result is already image ``n`` in NCHW order, so no transpose copy follows.

Backward. With ``G[n]`` the (F, OH OW) cotangent of ``out[n]``:
``dW = sum_n G[n] cols[n]^T`` (``_filter_correlate``), ``dcols[n] = W^T G[n]`` (``_filter_apply``
with ``W^T``), ``db = sum of G`` over (n, i, j), and ``dx = col2im(dcols)``: the adjoint of
``_im2col`` scatter-adds each window back to its pixels in one Numba pass (no ``np.add.at``;
3x faster than adding one strided NumPy slice per kernel offset, whose inner runs are only OW
long). ``cols`` is an argument of the GEMM node, so the weight gradient reuses the matrix built
by the forward pass. The four primitives come in adjoint pairs (``_im2col`` <-> ``_col2im``;
``_filter_apply`` and ``_filter_correlate`` are each other's partial VJPs), so the backward pass
is differentiable again and ``hvp`` through convolutions is exact.

The per-sample GEMMs are small (a few hundred thousand multiply-adds): they run on one BLAS
thread (``_blas``), where waking a second thread for each costs more than it saves -- on a
loaded machine up to ten times more.

Pooling uses the same windows: ``avg_pool2d`` is their mean (each input gets ``g / (kh kw)``
from every window containing it); ``max_pool2d`` takes each window's maximum and routes the
gradient to one element: the first maximiser in row-major window order, so ties never
duplicate the gradient. The maximum is one vectorised ``np.maximum`` per kernel offset over
strided views; finding each window's first maximiser, routing the gradient there and its
adjoint (gathering) are single-pass Numba loops over the windows
(``_pool_route`` and ``_pool_gather`` are each other's VJPs, so second derivatives through max
pooling are exact too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from glassml._threads import one_blas_thread
from glassml.autodiff._array_ops import reshape, transpose
from glassml.autodiff._reductions import mean
from glassml.autodiff._tensor import Tensor, _as_float_array, _data, defvjp_arrays, primitive


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    def whole(v: Any) -> bool:
        return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)

    pair = (value, value) if whole(value) else value
    if (
        not isinstance(pair, tuple | list)
        or len(pair) != 2
        or not all(whole(v) and v >= minimum for v in pair)
    ):
        raise ValueError(f"{name}: expected an int >= {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _output_size(size: int, kernel: int, stride: int, padding: int, axis: str) -> int:
    padded = size + 2 * padding
    if kernel > padded:
        raise ValueError(
            f"kernel_size: {kernel} exceeds the padded input {axis} {padded} (input {size}, "
            f"padding {padding})"
        )
    return (padded - kernel) // stride + 1


# -- windows (im2col) and their adjoint (col2im) ------------------------------------------------


# Each kernel below visits the windows in row-major order; element (u, v) of window (i, j) is
# x_pad[n, c, s_h i + u, s_w j + v], and the padding is never materialised: a position outside
# the image reads as 0 (im2col) or is skipped (col2im).


@njit(cache=True)
def _im2col_kernel(x, sh, sw, ph, pw, cols):
    height, width = x.shape[2], x.shape[3]
    for n in range(cols.shape[0]):
        for c in range(cols.shape[1]):
            for u in range(cols.shape[2]):
                for v in range(cols.shape[3]):
                    for i in range(cols.shape[4]):
                        row = sh * i + u - ph
                        inside_rows = 0 <= row < height
                        for j in range(cols.shape[5]):
                            col = sw * j + v - pw
                            if inside_rows and 0 <= col < width:
                                cols[n, c, u, v, i, j] = x[n, c, row, col]
                            else:
                                cols[n, c, u, v, i, j] = 0


@njit(cache=True)
def _col2im_kernel(cols, sh, sw, ph, pw, image):
    height, width = image.shape[2], image.shape[3]
    for n in range(cols.shape[0]):
        for c in range(cols.shape[1]):
            for u in range(cols.shape[2]):
                for v in range(cols.shape[3]):
                    for i in range(cols.shape[4]):
                        row = sh * i + u - ph
                        if not 0 <= row < height:
                            continue
                        for j in range(cols.shape[5]):
                            col = sw * j + v - pw
                            if 0 <= col < width:
                                image[n, c, row, col] += cols[n, c, u, v, i, j]


def _kernel_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a Numba loop runs in: float32 and float64 as they are; other floats (float16,
    long double), which Numba does not compile, in float64 and cast back."""
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


@primitive
def _im2col(x, kernel, stride, padding, out_hw):
    """Windows of ``x`` (N, C, H, W) as ``cols`` (N, C kh kw, OH OW), one pass (Numba)."""
    n, channels = x.shape[:2]
    dtype = _kernel_dtype(x.dtype)
    cols = np.empty((n, channels, *kernel, *out_hw), dtype=dtype)
    _im2col_kernel(x.astype(dtype, copy=False), *stride, *padding, cols)
    cols = cols.astype(x.dtype, copy=False)
    return cols.reshape(n, channels * kernel[0] * kernel[1], out_hw[0] * out_hw[1])


@primitive
def _col2im(cols, x_shape, kernel, stride, padding, out_hw):
    """Adjoint of ``_im2col``: every window of ``cols`` added back onto an (N, C, H, W) image.

    A scatter-add in one pass over the windows (Numba); the offsets are added in the same
    row-major order as everywhere else, so the sums do not depend on the code path.
    """
    n, channels = x_shape[:2]
    dtype = _kernel_dtype(cols.dtype)
    image = np.zeros(x_shape, dtype=dtype)
    windows = cols.astype(dtype, copy=False).reshape(n, channels, *kernel, *out_hw)
    _col2im_kernel(windows, *stride, *padding, image)
    return image.astype(cols.dtype, copy=False)


defvjp_arrays(
    _im2col,
    lambda g, ans, x, kernel, stride, padding, out_hw: _col2im(
        g, x.shape, kernel, stride, padding, out_hw
    ),
)
defvjp_arrays(
    _col2im,
    lambda g, ans, cols, x_shape, kernel, stride, padding, out_hw: _im2col(
        g, kernel, stride, padding, out_hw
    ),
)


# -- the per-sample GEMMs ------------------------------------------------------------------------


@primitive
def _filter_apply(weights, cols):
    """``weights (F, K) @ cols[n] (K, P)`` for every sample n: (N, F, P)."""
    with one_blas_thread():
        return np.matmul(weights, cols)


@primitive
def _filter_correlate(g, cols):
    """``sum_n g[n] (F, P) @ cols[n]^T (P, K)``: (F, K), the weight gradient of a convolution."""
    with one_blas_thread():
        return np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0)


defvjp_arrays(
    _filter_apply,
    # out[n] = W C[n]:  dW = sum_n G[n] C[n]^T,  dC[n] = W^T G[n]
    lambda g, ans, weights, cols: _filter_correlate(g, cols),
    lambda g, ans, weights, cols: _filter_apply(transpose(weights), g),
)
defvjp_arrays(
    _filter_correlate,
    # H = sum_n G[n] C[n]^T:  dG[n] = Hbar C[n],  dC[n] = Hbar^T G[n]
    lambda h, ans, g, cols: _filter_apply(h, cols),
    lambda h, ans, g, cols: _filter_apply(transpose(h), g),
)


def _operand(value: Any, name: str) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(_as_float_array(value, name))


def _check_image(x: Tensor, name: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D array (N, C, H, W), got shape {x.shape}")


# -- convolution ---------------------------------------------------------------------------------


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Tensor:
    """2-D cross-correlation ``out[n] = W im2col(x)[n] + b``, shape (N, F, OH, OW).

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
    x, weight = _operand(x, "x"), _operand(weight, "weight")
    _check_image(x, "x")
    if weight.ndim != 4:
        raise ValueError(f"weight: expected a 4-D array (F, C, kh, kw), got shape {weight.shape}")
    n, channels, height, width = x.shape
    filters, weight_channels, kh, kw = weight.shape
    if weight_channels != channels:
        raise ValueError(
            f"weight: expected {channels} input channels like x (N, C, H, W), got "
            f"{weight_channels} (weight is (F, C, kh, kw))"
        )
    stride, padding = _pair(stride, "stride", 1), _pair(padding, "padding", 0)
    out_h = _output_size(height, kh, stride[0], padding[0], "height")
    out_w = _output_size(width, kw, stride[1], padding[1], "width")
    if bias is not None:
        bias = _operand(bias, "bias")
        if bias.shape != (filters,):
            raise ValueError(f"bias: expected shape ({filters},), got {bias.shape}")

    cols = _im2col(x, (kh, kw), stride, padding, (out_h, out_w))  # (N, C kh kw, OH OW)
    out = _filter_apply(reshape(weight, (filters, -1)), cols)  # (N, F, OH OW): NCHW already
    if bias is not None:
        out = out + reshape(bias, (filters, 1))
    return reshape(out, (n, filters, out_h, out_w))


# -- pooling -------------------------------------------------------------------------------------


def _pool_geometry(x: Any, kernel_size: Any, stride: Any):
    x = _operand(x, "x")
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


# The pooling kernels below visit every window (n, c, i, j) once, on one (H, W) plane at a
# time, and its (kh, kw) elements in row-major order: the element at offset k = u kw + v is
# x[n, c, s_h i + u, s_w j + v].


@njit(cache=True)
def _first_argmax_kernel(x, kh, kw, sh, sw, index):
    planes = x.reshape(-1, x.shape[2], x.shape[3])
    plane_index = index.reshape(-1, index.shape[2], index.shape[3])
    for p in range(planes.shape[0]):
        plane, offsets = planes[p], plane_index[p]
        for i in range(offsets.shape[0]):
            for j in range(offsets.shape[1]):
                best, first = plane[sh * i, sw * j], 0
                for u in range(kh):
                    for v in range(kw):
                        value = plane[sh * i + u, sw * j + v]
                        if value > best:  # strict: ties keep the earlier offset
                            best, first = value, u * kw + v
                offsets[i, j] = first


# Routing and gathering look the offset's (u, v) up in two small tables: integer division by a
# run-time kw in the inner loop cost more than the memory traffic.


@njit(cache=True)
def _route_kernel(g, index, offset_rows, offset_cols, sh, sw, image):
    for n in range(g.shape[0]):
        for c in range(g.shape[1]):
            for i in range(g.shape[2]):
                for j in range(g.shape[3]):
                    offset = index[n, c, i, j]
                    row, col = sh * i + offset_rows[offset], sw * j + offset_cols[offset]
                    image[n, c, row, col] += g[n, c, i, j]


@njit(cache=True)
def _gather_kernel(x, index, offset_rows, offset_cols, sh, sw, out):
    for n in range(out.shape[0]):
        for c in range(out.shape[1]):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    offset = index[n, c, i, j]
                    row, col = sh * i + offset_rows[offset], sw * j + offset_cols[offset]
                    out[n, c, i, j] = x[n, c, row, col]


def _offset_tables(kernel) -> tuple[np.ndarray, np.ndarray]:
    """Row and column, inside the window, of each row-major offset."""
    rows, cols = np.divmod(np.arange(kernel[0] * kernel[1], dtype=np.int64), kernel[1])
    return rows, cols


def _first_argmax(x: np.ndarray, kernel, stride, out_hw) -> np.ndarray:
    """Offset (row-major index in the window) of each window's first maximiser."""
    index = np.empty((*x.shape[:2], *out_hw), dtype=np.int32)
    x = np.ascontiguousarray(x, dtype=_kernel_dtype(x.dtype))
    _first_argmax_kernel(x, *kernel, *stride, index)
    return index


@primitive
def _max_pool(x, kernel, stride, out_hw):
    """Maximum of each window: one ``np.maximum`` pass per kernel offset over strided views
    (vectorised; twice as fast as a per-window loop)."""
    views = _offset_views(x, kernel, stride, out_hw)
    out = next(views).copy()
    for view in views:
        np.maximum(out, view, out=out)
    return out


@primitive
def _pool_gather(x, index, kernel, stride, out_hw):
    """``x`` at each window's offset ``index`` (linear in x; adjoint of ``_pool_route``)."""
    dtype = _kernel_dtype(x.dtype)
    out = np.empty(index.shape, dtype=dtype)
    _gather_kernel(x.astype(dtype, copy=False), index, *_offset_tables(kernel), *stride, out)
    return out.astype(x.dtype, copy=False)


@primitive
def _pool_route(g, index, x_shape, kernel, stride, out_hw):
    """Adjoint of ``_pool_gather``: each ``g`` added to its window's chosen element."""
    dtype = _kernel_dtype(g.dtype)
    image = np.zeros(x_shape, dtype=dtype)
    # Overlapping windows accumulate into the same pixel.
    _route_kernel(g.astype(dtype, copy=False), index, *_offset_tables(kernel), *stride, image)
    return image.astype(g.dtype, copy=False)


defvjp_arrays(
    _max_pool,
    lambda g, ans, x, kernel, stride, out_hw: _pool_route(
        g,
        _first_argmax(_data(x), kernel, stride, out_hw),
        x.shape,
        kernel,
        stride,
        out_hw,
    ),
)
defvjp_arrays(
    _pool_gather,
    lambda g, ans, x, index, kernel, stride, out_hw: _pool_route(
        g, index, x.shape, kernel, stride, out_hw
    ),
)
defvjp_arrays(
    _pool_route,
    lambda g, ans, cotangent, index, x_shape, kernel, stride, out_hw: _pool_gather(
        g, index, kernel, stride, out_hw
    ),
)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Tensor:
    """Maximum over each (kh, kw) window; ``stride`` defaults to ``kernel_size``.

    The gradient goes to the first maximiser of each window in row-major order (one element
    even on ties); overlapping windows add their contributions. Forward and backward are
    single passes over the windows (Numba).

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
    x, kernel, stride, out_hw = _pool_geometry(x, kernel_size, stride)
    n, channels = x.shape[:2]
    cols = _im2col(x, kernel, stride, (0, 0), out_hw)  # (N, C kh kw, OH OW)
    windows = reshape(cols, (n, channels, kernel[0] * kernel[1], *out_hw))
    return mean(windows, axis=2)
