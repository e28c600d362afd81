"""conv2d, max_pool2d and avg_pool2d: values, gradients and second derivatives.

References: ``scipy.signal.correlate(x[n, c], w[f, c], mode="valid")`` summed over input
channels (after zero padding, then subsampled by the stride), rtol 1e-12; pooling against
naive Python loops over windows (exact); gradients against central differences (relative error
<= 1e-6); ``hvp`` against central differences of gradients (rtol 1e-6); float16 (run in float64
inside the Numba kernels) against the float64 computation (rtol 1e-2 for the value, 2e-2 of the
largest gradient entry for the gradients).
"""

from __future__ import annotations

import numpy as np
import pytest
from autodiff_helpers import assert_grad_matches
from parity import assert_close, check_grad
from scipy import signal

import glassml.autodiff as ad

rng = np.random.default_rng(3)

CONV_CASES = [  # (x shape, weight shape, stride, padding)
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0),
    ((1, 2, 6, 6), (3, 2, 3, 3), 2, 1),
    ((2, 1, 5, 7), (2, 1, 2, 3), (2, 1), (0, 2)),
    ((1, 2, 4, 4), (1, 2, 4, 4), 1, 0),
    ((1, 1, 3, 3), (2, 1, 1, 1), 3, 1),
]


def _reference_conv(x, weight, bias, stride, padding):
    (sh, sw), (ph, pw) = np.broadcast_to(stride, 2), np.broadcast_to(padding, 2)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.stack(
        [
            np.stack(
                [
                    sum(
                        signal.correlate(padded[n, c], weight[f, c], mode="valid")
                        for c in range(x.shape[1])
                    )
                    + bias[f]
                    for f in range(weight.shape[0])
                ]
            )
            for n in range(x.shape[0])
        ]
    )
    return out[:, :, ::sh, ::sw]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CONV_CASES)
def test_conv2d_matches_scipy_correlate(x_shape, w_shape, stride, padding):
    x, weight, bias = (
        rng.normal(size=x_shape),
        rng.normal(size=w_shape),
        rng.normal(size=w_shape[0]),
    )
    with ad.no_grad():
        out = ad.conv2d(x, weight, bias, stride=stride, padding=padding).numpy()
    assert_close(out, _reference_conv(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CONV_CASES)
def test_conv2d_gradients(x_shape, w_shape, stride, padding):
    x, weight, bias = (
        rng.normal(size=x_shape),
        rng.normal(size=w_shape),
        rng.normal(size=w_shape[0]),
    )
    assert_grad_matches(
        lambda x, w, b: ad.conv2d(x, w, b, stride=stride, padding=padding), x, weight, bias
    )
    assert_grad_matches(lambda x, w: ad.conv2d(x, w, stride=stride, padding=padding), x, weight)


def _naive_pool(x, kernel, stride, reduce):
    (kh, kw), (sh, sw) = kernel, stride
    out_h, out_w = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = np.empty((*x.shape[:2], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[:, :, i, j] = reduce(x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw], (2, 3))
    return out


POOL_CASES = [  # (kernel_size, stride): non-overlapping, overlapping, uneven, rectangular
    (2, None),
    (3, 1),
    (3, 2),
    ((2, 3), (1, 2)),
]


@pytest.mark.parametrize(("kernel", "stride"), POOL_CASES)
def test_pooling_values_and_gradients(kernel, stride):
    # Distinct values (a permutation) so every window has one maximiser.
    x = rng.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) * 0.1
    kernel_pair = np.broadcast_to(kernel, 2)
    stride_pair = kernel_pair if stride is None else np.broadcast_to(stride, 2)
    with ad.no_grad():
        max_out = ad.max_pool2d(x, kernel, stride).numpy()
        avg_out = ad.avg_pool2d(x, kernel, stride).numpy()
    np.testing.assert_array_equal(max_out, _naive_pool(x, kernel_pair, stride_pair, np.max))
    assert_close(avg_out, _naive_pool(x, kernel_pair, stride_pair, np.mean), rtol=1e-14)
    assert_grad_matches(lambda x: ad.max_pool2d(x, kernel, stride), x)
    assert_grad_matches(lambda x: ad.avg_pool2d(x, kernel, stride), x)


def test_max_pool_ties_route_to_the_first_maximiser():
    x = np.array([[[[1.0, 1.0], [1.0, 0.0]]]])
    gradient = ad.grad(lambda x: ad.max_pool2d(x, 2).sum())(x)
    assert gradient[0, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]
    relu_zeros = ad.grad(lambda x: ad.max_pool2d(ad.relu(x), 2).sum())(-np.ones((1, 1, 2, 2)))
    assert relu_zeros.sum() == 0.0  # one element gets g, and relu' = 0 there


def test_avg_pool_spreads_evenly_and_overlaps_add():
    gradient = ad.grad(lambda x: ad.avg_pool2d(x, 2, stride=1).sum())(np.zeros((1, 1, 3, 3)))
    assert_close(gradient[0, 0], np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4, rtol=0)


def test_hvp_through_conv_and_pooling_is_exact():
    x, weight = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 3, 3))
    head = rng.normal(size=(2 * 3 * 2 * 2, 2))

    def loss(w):
        hidden = ad.max_pool2d(ad.tanh(ad.conv2d(x, w, stride=1, padding=1)), 3)
        pooled = ad.avg_pool2d(hidden, 1)
        return ad.softmax_cross_entropy(ad.reshape(pooled, (1, -1)) @ head, np.array([1]))

    direction = rng.normal(size=weight.shape)
    gradient = ad.grad(loss)
    # H v is the derivative of the gradient along v: t -> grad(w + t v) at t = 0.
    check_grad(
        lambda t: gradient(weight + t[0] * direction),
        np.zeros(1),
        jac=lambda t: ad.hvp(loss, weight + t[0] * direction, direction)[..., None],
        tol=1e-6,
    )


def test_float32_conv_stays_float32():
    x = rng.normal(size=(2, 1, 5, 5)).astype(np.float32)
    weight = rng.normal(size=(2, 1, 3, 3)).astype(np.float32)
    gradient = ad.grad(lambda w: ad.max_pool2d(ad.conv2d(x, w, padding=1), 2).sum())(weight)
    assert gradient.dtype == np.float32


def test_float16_runs_through_the_numba_kernels_and_stays_float16():
    # Numba compiles no float16 loops: those kernels run in float64 and cast back.
    local = np.random.default_rng(16)
    x = local.normal(size=(2, 2, 6, 6)).astype(np.float16)
    weight = local.normal(size=(3, 2, 3, 3)).astype(np.float16)

    def loss(x, w):
        return ad.max_pool2d(ad.conv2d(x, w, padding=1), 2).sum() + ad.avg_pool2d(x, 3).sum()

    with ad.no_grad():
        value = loss(x, weight)
        reference = loss(x.astype(np.float64), weight.astype(np.float64))
    assert value.dtype == np.float16
    assert_close(value.numpy(), reference.numpy(), rtol=1e-2)
    gradients = ad.grad(loss, argnums=(0, 1))(x, weight)
    references = ad.grad(loss, argnums=(0, 1))(x.astype(np.float64), weight.astype(np.float64))
    for gradient, reference_gradient in zip(gradients, references, strict=True):
        assert gradient.dtype == np.float16
        scale = np.abs(reference_gradient).max()
        assert_close(gradient / scale, reference_gradient / scale, rtol=0, atol=2e-2)


def test_bad_arguments_raise_value_errors():
    x, weight = np.zeros((1, 2, 4, 4)), np.zeros((3, 2, 3, 3))
    with pytest.raises(ValueError, match="x: expected a 4-D array"):
        ad.conv2d(np.zeros((2, 4, 4)), weight)
    with pytest.raises(ValueError, match="input channels"):
        ad.conv2d(x, np.zeros((3, 1, 3, 3)))
    with pytest.raises(ValueError, match="stride: expected"):
        ad.conv2d(x, weight, stride=0)
    with pytest.raises(ValueError, match="padding: expected"):
        ad.conv2d(x, weight, padding=-1)
    with pytest.raises(ValueError, match=r"bias: expected shape \(3,\)"):
        ad.conv2d(x, weight, bias=np.zeros(2))
    with pytest.raises(ValueError, match="exceeds the padded input"):
        ad.max_pool2d(x, 5)
    with pytest.raises(ValueError, match="kernel_size: expected"):
        ad.avg_pool2d(x, (2, 2, 2))
