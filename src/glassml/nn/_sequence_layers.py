"""Layers over time for sequences (N, T, C), channels last: 1-D convolution and average
pooling over time."""

from __future__ import annotations

from typing import Any

import numpy as np

import glassml.autodiff as ad
from glassml._validation import check_bool, check_count
from glassml.nn._initializers import get_initializer
from glassml.nn._module import Module, register_layer


def _zeros(shape, rng, dtype):
    return np.zeros(shape, dtype=dtype)


@register_layer
class Conv1D(Module):
    """1-D cross-correlation over time, channels last:
    ``y[n, t, f] = b[f] + Σ_{k, c} W[k, c, f] x[n, s·t + k, c]`` over the zero-padded input,
    weight of shape (K, C, F).

    Forward by im2col over time and one matrix product; backward written out like Conv2D's:
    ``dL/dW = cols^T G``, ``dL/dx = col2im(G W^T)`` (``glassml.autodiff.conv1d``).
    LeCun et al. (1998); Waibel et al. (1989), "Phoneme recognition using time-delay neural
    networks".

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import Conv1D
    >>> Conv1D(16, kernel_size=5, padding=2)(np.zeros((8, 30, 14))).shape  # "same" length
    (8, 30, 16)
    >>> Conv1D(4, kernel_size=3, stride=2)(np.zeros((8, 30, 14))).shape
    (8, 14, 4)
    """

    layer_type = "conv1d"

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
        self.out_channels = check_count(out_channels, "out_channels")
        self.kernel_size = check_count(kernel_size, "kernel_size")
        self.stride = check_count(stride, "stride")
        self.padding = check_count(padding, "padding", minimum=0)
        self.in_channels = None if in_channels is None else check_count(in_channels, "in_channels")
        self.bias = check_bool(bias, "bias")
        get_initializer(init)
        self.init = init

    def get_config(self) -> dict[str, Any]:
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
        if len(input_shape) != 2:
            raise self._shape_error(input_shape, "sequences (length, channels)")
        length, channels = input_shape
        if self.in_channels is not None and channels != self.in_channels:
            raise self._shape_error(input_shape, f"{self.in_channels} channels")
        padded = length + 2 * self.padding
        if padded < self.kernel_size:
            raise self._shape_error(
                input_shape,
                f"length + 2*padding >= kernel_size = {self.kernel_size} (padded length {padded})",
            )
        self.in_channels = channels
        shape = (self.kernel_size, channels, self.out_channels)
        self._parameter("weight", shape, get_initializer(self.init))
        if self.bias:
            self._parameter("bias", (self.out_channels,), _zeros)
        return ((padded - self.kernel_size) // self.stride + 1, self.out_channels)

    def forward(self, x):
        bias = self.param("bias") if self.bias else None
        return ad.conv1d(x, self.param("weight"), bias, stride=self.stride, padding=self.padding)


@register_layer
class GlobalAveragePool1D(Module):
    """Mean over time: (N, T, C) -> (N, C); backward spreads ``g / T`` over the steps.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import GlobalAveragePool1D
    >>> GlobalAveragePool1D()(np.arange(12.0).reshape(1, 4, 3)).numpy()
    array([[4.5, 5.5, 6.5]])
    """

    layer_type = "global_average_pool1d"

    def _declare(self, input_shape):
        if len(input_shape) != 2:
            raise self._shape_error(input_shape, "sequences (length, channels)")
        return (input_shape[1],)

    def forward(self, x):
        return ad.mean(x, axis=1)
