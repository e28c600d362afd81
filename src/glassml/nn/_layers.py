"""Layers. Each forward pass is written with ``glassml.autodiff`` operations, so its backward
pass (the vector-Jacobian product) is the composition of the primitives' VJPs; ``docs/nn.md``
derives each one and ``tests/nn/test_layers.py`` checks it against finite differences.

Shapes exclude the batch axis in ``build`` and include it (first) in ``forward``:
dense input (N, features), image input (N, C, H, W).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import glassml.autodiff as ad
from glassml._validation import check_bool, check_count, check_scalar
from glassml.nn._initializers import get_initializer
from glassml.nn._module import Module, register_layer


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    return check_count(value, name, minimum=minimum)


def _optional_int(value: Any, name: str) -> int | None:
    return None if value is None else check_count(value, name)


def _zeros(shape, rng, dtype):
    return np.zeros(shape, dtype=dtype)


def _ones(shape, rng, dtype):
    return np.ones(shape, dtype=dtype)


# --------------------------------------------------------------------------- dense
@register_layer
class Dense(Module):
    """Affine map ``y = x W + b`` with ``W`` of shape (in_features, out_features).

    Backward: ``dL/dx = g Wᵀ``, ``dL/dW = xᵀ g``, ``dL/db = Σ_n g_n`` for upstream ``g``
    (Rumelhart, Hinton & Williams, 1986, "Learning representations by back-propagating
    errors", Nature 323).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dense
    >>> layer = Dense(3)
    >>> layer(np.ones((2, 4), dtype=np.float32)).shape  # built on this first call
    (2, 3)
    >>> layer.state_dict()["weight"].shape, layer.in_features
    ((4, 3), 4)
    """

    layer_type = "dense"

    def __init__(
        self,
        out_features: int,
        in_features: int | None = None,
        bias: bool = True,
        init: str = "glorot_uniform",
    ) -> None:
        super().__init__()
        self.out_features = _positive_int(out_features, "out_features")
        self.in_features = _optional_int(in_features, "in_features")
        self.bias = check_bool(bias, "bias")
        get_initializer(init)
        self.init = init

    def get_config(self) -> dict[str, Any]:
        return {
            "out_features": self.out_features,
            "in_features": self.in_features,
            "bias": self.bias,
            "init": self.init,
        }

    def _declare(self, input_shape):
        if len(input_shape) != 1:
            raise self._shape_error(input_shape, "a flat input (features,); add Flatten() first")
        if self.in_features is not None and input_shape[0] != self.in_features:
            raise self._shape_error(input_shape, f"({self.in_features},)")
        self.in_features = input_shape[0]
        self._parameter("weight", (self.in_features, self.out_features), get_initializer(self.init))
        if self.bias:
            self._parameter("bias", (self.out_features,), _zeros)
        return (self.out_features,)

    def forward(self, x):
        out = ad.matmul(x, self.param("weight"))
        return out + self.param("bias") if self.bias else out


# --------------------------------------------------------------------------- convolution
def _conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


@register_layer
class Conv2D(Module):
    """2-D cross-correlation ``y[n,f,i,j] = b[f] + Σ_{c,u,v} W[f,c,u,v] x[n,c,s·i+u,s·j+v]``
    over the zero-padded input, weight of shape (F, C, kh, kw).

    Backward: ``dL/dW`` correlates the input with the upstream gradient; ``dL/dx`` is the full
    convolution of the (dilated) upstream gradient with the kernel, i.e. a correlation with the
    flipped kernel (``glassml.autodiff.conv2d``). LeCun, Bottou, Bengio & Haffner (1998),
    "Gradient-based learning applied to document recognition", Proc. IEEE 86.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Conv2D
    >>> conv = Conv2D(8, kernel_size=3, padding=1)
    >>> conv(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape  # "same" padding
    (2, 8, 28, 28)
    >>> Conv2D(8, kernel_size=3, stride=2)(np.zeros((2, 1, 28, 28))).shape
    (2, 8, 13, 13)
    """

    layer_type = "conv2d"

    def __init__(
        self,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        in_channels: int | None = None,
        bias: bool = True,
        init: str = "he_uniform",
    ) -> None:
        super().__init__()
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = _positive_int(kernel_size, "kernel_size")
        self.stride = _positive_int(stride, "stride")
        self.padding = _positive_int(padding, "padding", minimum=0)
        self.in_channels = _optional_int(in_channels, "in_channels")
        self.bias = check_bool(bias, "bias")
        get_initializer(init)
        self.init = init

    def get_config(self):
        return {
            "out_channels": self.out_channels,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "in_channels": self.in_channels,
            "bias": self.bias,
            "init": self.init,
        }

    def _declare(self, input_shape):
        if len(input_shape) != 3:
            raise self._shape_error(input_shape, "images (C, H, W)")
        channels, height, width = input_shape
        if self.in_channels is not None and channels != self.in_channels:
            raise self._shape_error(input_shape, f"{self.in_channels} input channels")
        out_h = _conv_output_size(height, self.kernel_size, self.stride, self.padding)
        out_w = _conv_output_size(width, self.kernel_size, self.stride, self.padding)
        if out_h < 1 or out_w < 1:
            raise self._shape_error(
                input_shape,
                f"H, W + 2*padding >= kernel_size = {self.kernel_size} "
                f"(padded size {height + 2 * self.padding}x{width + 2 * self.padding})",
            )
        self.in_channels = channels
        shape = (self.out_channels, channels, self.kernel_size, self.kernel_size)
        self._parameter("weight", shape, get_initializer(self.init))
        if self.bias:
            self._parameter("bias", (self.out_channels,), _zeros)
        return (self.out_channels, out_h, out_w)

    def forward(self, x):
        bias = self.param("bias") if self.bias else None
        return ad.conv2d(x, self.param("weight"), bias, stride=self.stride, padding=self.padding)


# --------------------------------------------------------------------------- pooling
class _Pool2D(Module):
    def __init__(self, kernel_size: int, stride: int | None = None) -> None:
        super().__init__()
        self.kernel_size = _positive_int(kernel_size, "kernel_size")
        self.stride = _optional_int(stride, "stride")

    def get_config(self):
        return {"kernel_size": self.kernel_size, "stride": self.stride}

    def _declare(self, input_shape):
        if len(input_shape) != 3:
            raise self._shape_error(input_shape, "images (C, H, W)")
        channels, height, width = input_shape
        stride = self.stride or self.kernel_size
        if height < self.kernel_size or width < self.kernel_size:
            raise self._shape_error(input_shape, f"H, W >= kernel_size = {self.kernel_size}")
        return (
            channels,
            _conv_output_size(height, self.kernel_size, stride, 0),
            _conv_output_size(width, self.kernel_size, stride, 0),
        )


@register_layer
class MaxPool2D(_Pool2D):
    """``y[n,c,i,j] = max over the window`` ; backward routes ``g`` to the window's maximum.

    ``stride`` defaults to ``kernel_size`` (non-overlapping windows).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import MaxPool2D
    >>> MaxPool2D(2)(np.arange(16.0).reshape(1, 1, 4, 4)).numpy()[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    layer_type = "maxpool2d"

    def forward(self, x):
        return ad.max_pool2d(x, self.kernel_size, self.stride)


@register_layer
class AvgPool2D(_Pool2D):
    """``y = mean over the window``; backward spreads ``g / (k·k)`` over the window.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import AvgPool2D
    >>> AvgPool2D(2)(np.arange(16.0).reshape(1, 1, 4, 4)).numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """

    layer_type = "avgpool2d"

    def forward(self, x):
        return ad.avg_pool2d(x, self.kernel_size, self.stride)


@register_layer
class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1·d2·...); backward reshapes ``g`` back.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Flatten
    >>> Flatten()(np.zeros((5, 8, 3, 3))).shape
    (5, 72)
    """

    layer_type = "flatten"

    def _declare(self, input_shape):
        return (int(np.prod(input_shape, dtype=np.int64)),)

    def forward(self, x):
        return ad.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))


# --------------------------------------------------------------------------- regularisation
@register_layer
class Dropout(Module):
    """Inverted dropout: in training ``y = x · m / (1 - rate)`` with ``m ~ Bernoulli(1 - rate)``,
    so ``E[y] = x`` and evaluation is the identity. Backward: ``g · m / (1 - rate)``.
    (Srivastava et al., 2014.)

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Dropout
    >>> layer = Dropout(0.25)
    >>> out = layer(np.ones((1, 10_000))).numpy()  # training mode
    >>> sorted(set(out.ravel().round(4).tolist()))  # dropped, or scaled by 1 / (1 - rate)
    [0.0, 1.3333]
    >>> bool(np.all(layer.eval()(np.ones((1, 10_000))).numpy() == 1.0))  # evaluation: identity
    True
    """

    layer_type = "dropout"

    def __init__(self, rate: float = 0.5) -> None:
        super().__init__()
        self.rate = check_scalar(rate, "rate", low=0.0, high=1.0, closed="left")
        self._rng = np.random.default_rng()

    def get_config(self):
        return {"rate": self.rate}

    def _allocate(self, rng):
        # Its own stream, seeded from the network's, so masks are reproducible from the seed.
        self._rng = np.random.default_rng(rng.integers(2**63))
        super()._allocate(rng)

    def forward(self, x):
        if not self.training or self.rate == 0.0:
            return x
        keep = self._rng.random(x.shape) >= self.rate
        return x * (keep / (1.0 - self.rate)).astype(x.dtype)


class _BatchNorm(Module):
    """Batch normalisation (Ioffe & Szegedy, 2015), over the batch axis (and H, W for images):

        μ = mean(x),  σ² = mean((x - μ)²),  x̂ = (x - μ) / sqrt(σ² + eps),  y = γ x̂ + β.

    Training uses the batch statistics and updates the running ones,
    ``running = (1 - momentum) · running + momentum · batch`` (the variance unbiased, as in
    PyTorch); evaluation uses the running statistics.
    """

    _feature_rank = 1  # rank of the per-sample input shape

    def __init__(self, num_features: int | None = None, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.num_features = _optional_int(num_features, "num_features")
        self.momentum = check_scalar(momentum, "momentum", low=0.0, high=1.0)
        self.eps = check_scalar(eps, "eps", low=0.0, closed="neither")

    def get_config(self):
        return {"num_features": self.num_features, "momentum": self.momentum, "eps": self.eps}

    def _declare(self, input_shape):
        expected = "(features,)" if self._feature_rank == 1 else "images (C, H, W)"
        if len(input_shape) != self._feature_rank:
            raise self._shape_error(input_shape, expected)
        if self.num_features is not None and input_shape[0] != self.num_features:
            raise self._shape_error(input_shape, f"{self.num_features} features/channels")
        self.num_features = input_shape[0]
        self._parameter("gamma", (self.num_features,), _ones)
        self._parameter("beta", (self.num_features,), _zeros)
        self._buffer("running_mean", (self.num_features,), 0.0)
        self._buffer("running_var", (self.num_features,), 1.0)
        return input_shape

    def forward(self, x):
        axes = (0,) if x.ndim == 2 else (0, 2, 3)
        broadcast = (1, self.num_features) + (1,) * (x.ndim - 2)
        gamma = ad.reshape(self.param("gamma"), broadcast)
        beta = ad.reshape(self.param("beta"), broadcast)
        if self.training:
            mean = ad.mean(x, axis=axes, keepdims=True)
            centred = x - mean
            variance = ad.mean(centred * centred, axis=axes, keepdims=True)
            if not np.all(np.isfinite(variance.data)):  # one number per feature: cheap
                raise ValueError(
                    "x: the batch variance overflows (inputs near 1e154 or beyond, or not "
                    "finite); standardise the inputs"
                )
            count = x.data.size // self.num_features
            running_mean, running_var = self._buffers["running_mean"], self._buffers["running_var"]
            unbiased = variance.data.reshape(-1) * (count / max(count - 1, 1))
            running_mean *= 1.0 - self.momentum
            running_mean += self.momentum * mean.data.reshape(-1)
            running_var *= 1.0 - self.momentum
            running_var += self.momentum * unbiased
        else:
            centred = x - self._buffers["running_mean"].reshape(broadcast)
            variance = self._buffers["running_var"].reshape(broadcast)
        return centred / ad.sqrt(variance + self.eps) * gamma + beta


@register_layer
class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features (N, F), each over the batch; see ``_BatchNorm``::

        y = γ (x - μ) / sqrt(σ² + eps) + β       (μ, σ² of the batch in training, running
                                                   estimates in evaluation; Ioffe & Szegedy)

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import BatchNorm1d
    >>> x = np.random.default_rng(0).normal(5.0, 3.0, (256, 2))
    >>> y = BatchNorm1d()(x).numpy()  # training mode: the batch's statistics
    >>> bool(np.abs(y.mean(axis=0)).max() < 1e-6), np.round(y.std(axis=0), 3).tolist()
    (True, [1.0, 1.0])
    """

    layer_type = "batchnorm1d"
    _feature_rank = 1


@register_layer
class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W), each channel over the batch and H, W; the
    same formula as ``BatchNorm1d`` (Ioffe & Szegedy, 2015).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import BatchNorm2d
    >>> x = np.random.default_rng(0).normal(-2.0, 4.0, (8, 3, 5, 5))
    >>> y = BatchNorm2d()(x).numpy()
    >>> bool(np.abs(y.mean(axis=(0, 2, 3))).max() < 1e-6), y.shape
    (True, (8, 3, 5, 5))
    """

    layer_type = "batchnorm2d"
    _feature_rank = 3


# --------------------------------------------------------------------------- activations
@register_layer
class ReLU(Module):
    """``y = max(x, 0)``; backward ``g · 1[x > 0]``.

    Examples
    --------
    >>> from glassml.nn import ReLU
    >>> ReLU()([[-1.0, 0.0, 2.0]]).numpy()
    array([[0., 0., 2.]])
    """

    layer_type = "relu"

    def forward(self, x):
        return ad.relu(x)


@register_layer
class LeakyReLU(Module):
    """``y = x if x > 0 else slope · x``; backward ``g · (1 if x > 0 else slope)``.

    Examples
    --------
    >>> from glassml.nn import LeakyReLU
    >>> LeakyReLU(0.1)([[-2.0, 3.0]]).numpy()
    array([[-0.2,  3. ]])
    """

    layer_type = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_scalar(negative_slope, "negative_slope")

    def get_config(self):
        return {"negative_slope": self.negative_slope}

    def forward(self, x):
        return ad.where(x.data > 0, x, x * self.negative_slope)


@register_layer
class Tanh(Module):
    """``y = tanh(x)``; backward ``g · (1 - y²)``.

    Examples
    --------
    >>> from glassml.nn import Tanh
    >>> Tanh()([[0.0, 1.0]]).numpy().round(4)
    array([[0.    , 0.7616]])
    """

    layer_type = "tanh"

    def forward(self, x):
        return ad.tanh(x)


@register_layer
class Sigmoid(Module):
    """``y = 1 / (1 + exp(-x))``; backward ``g · y (1 - y)``.

    Examples
    --------
    >>> from glassml.nn import Sigmoid
    >>> Sigmoid()([[0.0, 2.0]]).numpy().round(4)
    array([[0.5   , 0.8808]])
    """

    layer_type = "sigmoid"

    def forward(self, x):
        return ad.sigmoid(x)


_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))


@register_layer
class GELU(Module):
    """Gaussian error linear unit, tanh approximation (Hendrycks & Gimpel, 2016):

    ``y = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))``.

    Examples
    --------
    >>> from glassml.nn import GELU
    >>> GELU()([[-1.0, 0.0, 1.0]]).numpy().round(4)
    array([[-0.1588,  0.    ,  0.8412]])
    """

    layer_type = "gelu"

    def forward(self, x):
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return x * 0.5 * (ad.tanh(inner) + 1.0)


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "gelu": GELU,
}
