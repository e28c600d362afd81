"""Layers: forward passes against independent references, backward passes by finite differences.

References and tolerances
-------------------------
- Every layer's gradient with respect to its input and to each parameter:
  ``glassml.autodiff.check_grad`` (central finite differences) in float64, relative error
  <= 1e-6; BatchNorm in training mode; Dropout with a fixed mask; Conv1D, LSTM and GRU
  (backpropagation through time, last state and whole sequence) likewise. Their forwards are
  checked in ``test_sequence.py``.
- Conv2D forward: ``scipy.signal.correlate2d`` summed over input channels (stride 1 and 2,
  padding 0 and 1), rtol 1e-12 in float64.
- Pooling forward: an explicit loop over windows, exact. Max-pooling at exact ties (where the
  function is not differentiable and finite differences are meaningless) must route each
  window's upstream gradient to the window's maxima only and conserve it exactly; near ties
  (gap 1e-3, far above the finite-difference step) pass ``check_grad``.
- BatchNorm forward: the textbook formula written with NumPy, rtol 1e-12; running statistics
  against ``np.mean``/``np.var(ddof=1)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from scipy.signal import correlate2d

import glassml.autodiff as ad
from glassml import nn

RTOL_GRAD = 1e-6


def built(layer: nn.Module, input_shape, seed: int = 0) -> nn.Module:
    layer.build(input_shape, np.random.default_rng(seed), np.float64)
    return layer


def gradient_errors(layer: nn.Module, x: np.ndarray, seed: int = 1) -> dict[str, float]:
    """check_grad of <layer(x), P> (random P) with respect to x and to every parameter."""
    projection = np.random.default_rng(seed).standard_normal((x.shape[0], *layer.output_shape))

    def reseed():
        if isinstance(layer, nn.Dropout):  # the same mask for every evaluation
            layer._rng = np.random.default_rng(7)

    def through_input(x_tensor):
        reseed()
        layer._leaves = None
        return ad.sum(layer.forward(x_tensor) * projection)

    errors = {"input": ad.check_grad(through_input, x)}
    for name in list(layer._params):

        def through_parameter(value, name=name):
            reseed()
            layer._leaves = {
                key: (value if key == name else ad.Tensor(array))
                for key, array in layer._params.items()
            }
            return ad.sum(layer.forward(ad.Tensor(x)) * projection)

        errors[name] = ad.check_grad(through_parameter, layer._params[name].copy())
    layer._leaves = None
    return errors


def away_from_kinks(shape, seed=0) -> np.ndarray:
    """Values with |x| >= 0.1, so ReLU-like kinks are far from the finite-difference step."""
    values = np.random.default_rng(seed).uniform(0.1, 1.0, size=shape)
    signs = np.random.default_rng(seed + 1).choice([-1.0, 1.0], size=shape)
    return values * signs


LAYER_CASES = {
    "dense": (lambda: nn.Dense(4), (5,)),
    "dense_no_bias": (lambda: nn.Dense(3, bias=False), (4,)),
    "conv_s1_p0": (lambda: nn.Conv2D(3, 3), (2, 6, 6)),
    "conv_s2_p1": (lambda: nn.Conv2D(2, 3, stride=2, padding=1), (2, 7, 7)),
    "maxpool": (lambda: nn.MaxPool2D(2), (2, 4, 4)),
    "maxpool_overlap": (lambda: nn.MaxPool2D(3, stride=1), (1, 5, 5)),
    "avgpool": (lambda: nn.AvgPool2D(2), (2, 4, 4)),
    "avgpool_overlap": (lambda: nn.AvgPool2D(3, stride=2), (1, 7, 7)),
    "flatten": (lambda: nn.Flatten(), (2, 3, 3)),
    "dropout": (lambda: nn.Dropout(0.3), (6,)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(), (4,)),
    "batchnorm2d": (lambda: nn.BatchNorm2d(), (3, 4, 4)),
    "relu": (lambda: nn.ReLU(), (6,)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1), (6,)),
    "tanh": (lambda: nn.Tanh(), (6,)),
    "sigmoid": (lambda: nn.Sigmoid(), (6,)),
    "gelu": (lambda: nn.GELU(), (6,)),
    "conv1d_s1_p0": (lambda: nn.Conv1D(3, 3), (6, 2)),
    "conv1d_s2_p1": (lambda: nn.Conv1D(2, 3, stride=2, padding=1), (7, 3)),
    "global_average_pool1d": (lambda: nn.GlobalAveragePool1D(), (5, 3)),
    "lstm_last": (lambda: nn.LSTM(3), (5, 2)),
    "lstm_sequences": (lambda: nn.LSTM(2, return_sequences=True), (4, 3)),
    "gru_last": (lambda: nn.GRU(3), (5, 2)),
    "gru_sequences": (lambda: nn.GRU(2, return_sequences=True), (4, 3)),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_backward_matches_finite_differences(case):
    make, input_shape = LAYER_CASES[case]
    layer = built(make(), input_shape)
    layer.train()
    if "batchnorm" in case:  # non-trivial scale and shift so their gradients are exercised
        rng = np.random.default_rng(3)
        layer._params["gamma"][:] = rng.uniform(0.5, 1.5, layer.num_features)
        layer._params["beta"][:] = rng.standard_normal(layer.num_features)
    x = away_from_kinks((3, *input_shape))
    if "maxpool" in case:  # distinct values: the maximum of each window is unique
        x = np.random.default_rng(0).permutation(x.size).reshape(x.shape) * 0.01
    errors = gradient_errors(layer, x)
    assert max(errors.values()) <= RTOL_GRAD, errors


def test_batchnorm_eval_mode_backward_matches_finite_differences():
    layer = built(nn.BatchNorm2d(), (2, 3, 3))
    layer._buffers["running_mean"][:] = [0.3, -0.2]
    layer._buffers["running_var"][:] = [1.5, 0.7]
    layer.eval()
    errors = gradient_errors(layer, away_from_kinks((2, 2, 3, 3)))
    assert max(errors.values()) <= RTOL_GRAD, errors


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", [0, 1])
def test_conv2d_forward_equals_scipy_correlate2d(stride, padding):
    layer = built(nn.Conv2D(4, 3, stride=stride, padding=padding), (3, 7, 6))
    layer._params["bias"][:] = np.random.default_rng(5).standard_normal(4)
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 6))
    mine = layer(x).data
    weight, bias = layer._params["weight"], layer._params["bias"]
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    theirs = np.stack(
        [
            np.stack(
                [
                    sum(
                        correlate2d(padded[n, c], weight[f, c], mode="valid")
                        for c in range(x.shape[1])
                    )[::stride, ::stride]
                    + bias[f]
                    for f in range(weight.shape[0])
                ]
            )
            for n in range(x.shape[0])
        ]
    )
    assert mine.shape[1:] == layer.output_shape == theirs.shape[1:]
    assert_close(mine, theirs, rtol=1e-12, atol=1e-12, what="conv2d vs correlate2d")


def windows_reference(x, kernel, stride, reduce):
    n, c, h, w = x.shape
    out_h, out_w = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    out = np.empty((n, c, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride : i * stride + kernel, j * stride : j * stride + kernel]
            out[:, :, i, j] = reduce(window, axis=(2, 3))
    return out


@pytest.mark.parametrize("layer_cls, reduce", [(nn.MaxPool2D, np.max), (nn.AvgPool2D, np.mean)])
@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 1), (3, 2)])
def test_pooling_forward_equals_window_loop(layer_cls, reduce, kernel, stride):
    layer = built(layer_cls(kernel, stride), (2, 7, 8))
    x = np.random.default_rng(0).standard_normal((2, 2, 7, 8))
    expected = windows_reference(x, kernel, stride or kernel, reduce)
    assert_close(layer(x).data, expected, rtol=1e-14, what=f"{layer_cls.__name__} forward")


def test_maxpool_with_exact_ties_routes_and_conserves_the_gradient():
    layer = built(nn.MaxPool2D(2), (1, 4, 4))
    x = np.array([[[[1, 1, 0, 2], [1, 0, 2, 2], [3, 3, 5, 5], [3, 3, 5, 5]]]], dtype=np.float64)
    upstream = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    x_tensor = ad.Tensor(x, requires_grad=True)
    ad.sum(layer.forward(x_tensor) * upstream).backward()
    grad = x_tensor.grad
    for i in range(2):
        for j in range(2):
            window = x[0, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            window_grad = grad[0, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            assert window_grad.sum() == pytest.approx(upstream[0, 0, i, j], rel=1e-15)
            assert np.all(window_grad[window < window.max()] == 0.0)
            assert np.all(window_grad >= 0.0)


def test_maxpool_overlapping_ties_conserve_the_total_gradient():
    layer = built(nn.MaxPool2D(2, stride=1), (1, 3, 3))
    x = np.ones((1, 1, 3, 3))
    upstream = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    x_tensor = ad.Tensor(x, requires_grad=True)
    ad.sum(layer.forward(x_tensor) * upstream).backward()
    assert x_tensor.grad.sum() == pytest.approx(upstream.sum(), rel=1e-15)


def test_maxpool_near_ties_pass_check_grad():
    layer = built(nn.MaxPool2D(2), (1, 4, 4))
    x = (
        np.round(np.random.default_rng(2).uniform(0, 2, (2, 1, 4, 4)))
        + np.random.default_rng(3).permutation(32).reshape(2, 1, 4, 4) * 1e-3
    )
    assert max(gradient_errors(layer, x).values()) <= RTOL_GRAD


def test_batchnorm_forward_and_running_statistics():
    layer = built(nn.BatchNorm2d(momentum=0.2, eps=1e-5), (3, 2, 2))
    x = np.random.default_rng(0).normal(2.0, 3.0, (5, 3, 2, 2))
    out = layer(x).data
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    assert_close(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12, atol=1e-12, what="BN train")
    assert_close(layer._buffers["running_mean"], 0.2 * mean.ravel(), rtol=1e-12, what="mean")
    unbiased = x.transpose(1, 0, 2, 3).reshape(3, -1).var(axis=1, ddof=1)
    assert_close(layer._buffers["running_var"], 0.8 + 0.2 * unbiased, rtol=1e-12, what="var")
    layer.eval()
    running_mean = layer._buffers["running_mean"].reshape(1, 3, 1, 1)
    running_var = layer._buffers["running_var"].reshape(1, 3, 1, 1)
    expected = (x - running_mean) / np.sqrt(running_var + 1e-5)
    assert_close(layer(x).data, expected, rtol=1e-12, atol=1e-12, what="BN eval")


def test_dropout_is_inverted_and_identity_in_eval():
    layer = built(nn.Dropout(0.25), (20_000,))
    x = np.ones((1, 20_000))
    out = layer(x).data
    kept = out != 0
    assert_close(out[kept], np.full(kept.sum(), 1 / 0.75), rtol=1e-6, what="kept inputs")
    assert abs(kept.mean() - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 20_000)
    layer.eval()
    assert np.array_equal(layer(x).data, x)


@pytest.mark.parametrize(
    "activation, reference",
    [
        (nn.ReLU(), lambda x: np.maximum(x, 0)),
        (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
        (nn.Tanh(), np.tanh),
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (
            nn.GELU(),
            lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        ),
    ],
)
def test_activation_forward(activation, reference):
    x = np.linspace(-4, 4, 41).reshape(1, -1)
    built(activation, (41,))
    assert_close(activation(x).data, reference(x), rtol=1e-12, atol=1e-15, what="activation")


def test_dense_forward_is_affine_and_float32_by_default():
    layer = nn.Dense(3)
    layer.build((4,), np.random.default_rng(0))
    assert layer._params["weight"].dtype == np.float32
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    out = layer(x).data
    assert out.dtype == np.float32
    expected = x.astype(np.float64) @ layer._params["weight"] + layer._params["bias"]
    assert_close(out, expected, rtol=1e-5, atol=1e-6, what="dense float32")


@pytest.mark.parametrize(
    "layers, input_shape, fragment",
    [
        ([nn.Conv2D(4, 5)], (1, 3, 3), "layer 0 (Conv2D)"),
        ([nn.Conv2D(4, 3), nn.MaxPool2D(2), nn.Conv2D(2, 3)], (1, 6, 6), "layer 2 (Conv2D)"),
        ([nn.Conv2D(4, 3), nn.Dense(3)], (1, 6, 6), "layer 1 (Dense)"),
        ([nn.MaxPool2D(4)], (2, 3, 3), "; got (2, 3, 3)"),
        ([nn.Dense(3)], (2, 4), "; got (2, 4)"),
        ([nn.Conv2D(2, 3, in_channels=3)], (1, 5, 5), "3 input channels"),
        ([nn.BatchNorm2d()], (5,), "layer 0 (BatchNorm2d)"),
    ],
)
def test_dry_forward_names_the_layer_and_the_shape(layers, input_shape, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        nn.Sequential(layers).build(input_shape)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Dense(0),
        lambda: nn.Conv2D(2, 0),
        lambda: nn.Conv2D(2, 3, padding=-1),
        lambda: nn.Dropout(1.0),
        lambda: nn.Dense(3, init="zeros"),
        lambda: nn.BatchNorm1d(momentum=2.0),
    ],
)
def test_bad_layer_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_state_dict_round_trip_and_shape_validation():
    model = nn.Sequential([nn.Dense(3), nn.BatchNorm1d(), nn.ReLU(), nn.Dense(2)])
    model.build((4,), np.random.default_rng(0))
    state = model.state_dict()
    assert set(state) == {
        "0.weight", "0.bias", "1.gamma", "1.beta", "1.running_mean", "1.running_var",
        "3.weight", "3.bias",
    }  # fmt: skip
    other = nn.Sequential([nn.Dense(3), nn.BatchNorm1d(), nn.ReLU(), nn.Dense(2)])
    other.build((4,), np.random.default_rng(1))
    other.load_state_dict(state)
    for name, value in other.state_dict().items():
        assert np.array_equal(value, state[name])
    state["3.weight"] = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"3\.weight.*\(4, 2\).*\(3, 2\)"):
        other.load_state_dict(state)
    del state["3.weight"]
    with pytest.raises(ValueError, match="missing"):
        other.load_state_dict(state)


def test_train_eval_modes_propagate():
    model = nn.Sequential([nn.Dense(2), nn.Dropout(0.5)])
    model.build((3,))
    model.eval()
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())
