"""Recurrent layers: LSTM and GRU, with backpropagation through time by the autodiff engine.

A layer unrolls its cell over the T steps of the input (N, T, F). Each step is one
``glassml.autodiff`` primitive whose vector-Jacobian product is written out below, so the tape
holds T nodes per layer (not a dozen per step) and the engine's backward pass, visiting them
in reverse order, *is* backpropagation through time: the cotangent of h_t and c_t flows into
step t's VJP, which returns those of h_{t-1}, c_{t-1}, the input x_t and the weights (the
engine sums the weights' contributions over the steps).

LSTM (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al., 2000), gates in
PyTorch's order, z = [x_t, h_{t-1}] W + b with W = [W_x; W_h] of shape (F + H, 4H) (one fused
product for the four gates)::

    i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

    backward, given dh_t and dc_t (from step t + 1 and from the loss):
    dc = dc_t + dh_t ⊙ o ⊙ (1 - tanh²(c_t))
    dz_i = dc ⊙ g ⊙ i(1 - i)    dz_f = dc ⊙ c_{t-1} ⊙ f(1 - f)
    dz_g = dc ⊙ i ⊙ (1 - g²)    dz_o = dh_t ⊙ tanh(c_t) ⊙ o(1 - o)
    d[x_t, h_{t-1}] = dz W^T    dc_{t-1} = dc ⊙ f
    dW += [x_t, h_{t-1}]^T dz   db += sum over the batch of dz

GRU (Cho et al., 2014, in PyTorch's form, the reset gate applied after the recurrent product),
gx = x_t W_x + b_x, gh = h_{t-1} W_h + b_h (both (N, 3H), blocks [r | z | n])::

    r = σ(gx_r + gh_r)   z = σ(gx_z + gh_z)   n = tanh(gx_n + r ⊙ gh_n)
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

    backward, given dh_t:
    dn = dh_t ⊙ (1 - z) ⊙ (1 - n²)   dz = dh_t ⊙ (h_{t-1} - n) ⊙ z(1 - z)
    dr = dn ⊙ gh_n ⊙ r(1 - r)
    dgx = [dr, dz, dn]   dgh = [dr, dz, dn ⊙ r]
    dx_t = dgx W_x^T     dh_{t-1} = dh_t ⊙ z + dgh W_h^T
    dW_x += x_t^T dgx    dW_h += h_{t-1}^T dgh   (biases: the batch sums)

A step's output packs the new state with the activations its VJP needs (LSTM: [h, c, i, f, g,
o, tanh c], GRU: [h, r, z, n, gh_n]): the next step reads the state columns and the VJP reads
the rest, so nothing is recomputed. The elementwise halves run in one fused Numba pass each
(``_recurrent_kernels``), the products on BLAS. First derivatives only: the VJPs are NumPy,
not recorded ops, and a second-order request raises ``NotImplementedError``.

Copying PyTorch weights: ``weight = concat(weight_ih_l0.T, weight_hh_l0.T)`` and ``bias =
bias_ih_l0 + bias_hh_l0`` (LSTM); ``weight_ih = weight_ih_l0.T``, ``weight_hh =
weight_hh_l0.T`` and the two biases as they are (GRU).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

import glassml.autodiff as ad
from glassml._threads import one_blas_thread
from glassml._validation import check_bool, check_count
from glassml.autodiff._tensor import Tensor, defvjp_arrays, primitive
from glassml.nn._initializers import glorot_uniform
from glassml.nn._module import Module, register_layer
from glassml.nn._recurrent_kernels import (
    gru_gates,
    gru_gates_backward,
    lstm_gates,
    lstm_gates_backward,
)


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A product on one BLAS thread. A step's products are a few million multiply-adds
    ((batch, F + H) by (F + H, 4H)), just above the size ``autodiff._blas`` hands to every
    thread; thousands of them per epoch each waiting for a second thread cost 4x the work on
    the loaded 2-core machine (measured: 28.8 s wall for 6.5 s of CPU per 2,048 windows)."""
    with one_blas_thread():
        return np.matmul(a, b)


def _kernel_dtype(dtype: np.dtype) -> np.dtype:
    """Numba compiles float32 and float64; half precision computes in float32."""
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _first_order_only(g: Any) -> None:
    if isinstance(g, Tensor):
        raise NotImplementedError(
            "second derivatives through LSTM/GRU steps are not implemented (their VJPs are "
            "written in NumPy, not recorded)"
        )


class _SharedBackward:
    """One backward computation per step, shared by the VJPs of its arguments.

    The engine calls the VJP of each argument of a node in turn with the same cotangent and
    output objects; the first call computes what they share and the others read it. The
    objects themselves are kept, so their ids cannot be reused while cached."""

    def __init__(self) -> None:
        self.key: tuple[Any, Any] | None = None
        self.values: dict[str, np.ndarray] = {}

    def get(self, g, ans, compute) -> dict[str, np.ndarray]:
        if self.key is None or self.key[0] is not g or self.key[1] is not ans:
            self.key = (g, ans)
            self.values = compute()
        return self.values


# --------------------------------------------------------------------------- LSTM step
@primitive
def _lstm_step(x, state, weight, bias):
    """[h_t | c_t | i | f | g | o | tanh c_t] (N, 7H) from x_t (N, F), the previous packed
    state (its first 2H columns are h_{t-1}, c_{t-1}), W (F + H, 4H) and b (4H,)."""
    dtype = _kernel_dtype(x.dtype)
    h = bias.shape[0] // 4
    inputs = np.concatenate([x, state[:, :h]], axis=1).astype(dtype, copy=False)
    z = _matmul(inputs, weight.astype(dtype, copy=False))
    z += bias
    out = np.empty((x.shape[0], 7 * h), dtype=dtype)
    lstm_gates(z, state[:, h : 2 * h].astype(dtype, copy=False), out)
    return out.astype(x.dtype, copy=False)


_LSTM_SHARED = _SharedBackward()


def _lstm_backward(g, ans, x, state, weight, bias) -> dict[str, np.ndarray]:
    _first_order_only(g)

    def compute():
        h = bias.shape[0] // 4
        dz = np.empty((x.shape[0], 4 * h), dtype=ans.dtype)
        dc_previous = np.empty((x.shape[0], h), dtype=ans.dtype)
        lstm_gates_backward(g, ans, state[:, h : 2 * h], dz, dc_previous)
        return {"dz": dz, "dc_previous": dc_previous}

    return _LSTM_SHARED.get(g, ans, compute)


def _lstm_d_inputs(g, ans, x, state, weight, bias) -> np.ndarray:
    """d[x_t, h_{t-1}] = dz W^T, computed once for the x and state VJPs."""
    shared = _lstm_backward(g, ans, x, state, weight, bias)
    if "d_inputs" not in shared:
        shared["d_inputs"] = _matmul(shared["dz"], weight.T)
    return shared["d_inputs"]


def _lstm_vjp_state(g, ans, x, state, weight, bias):
    shared = _lstm_backward(g, ans, x, state, weight, bias)
    h = bias.shape[0] // 4
    grad = np.zeros_like(state)
    grad[:, :h] = _lstm_d_inputs(g, ans, x, state, weight, bias)[:, x.shape[1] :]
    grad[:, h : 2 * h] = shared["dc_previous"]
    return grad


def _lstm_vjp_weight(g, ans, x, state, weight, bias):
    dz = _lstm_backward(g, ans, x, state, weight, bias)["dz"]
    h = bias.shape[0] // 4
    inputs = np.concatenate([x, state[:, :h]], axis=1)
    return _matmul(inputs.T, dz)


defvjp_arrays(
    _lstm_step,
    lambda g, ans, x, state, weight, bias: _lstm_d_inputs(g, ans, x, state, weight, bias)[
        :, : x.shape[1]
    ],
    _lstm_vjp_state,
    _lstm_vjp_weight,
    lambda g, ans, x, state, weight, bias: _lstm_backward(g, ans, x, state, weight, bias)["dz"].sum(
        axis=0
    ),
)


# --------------------------------------------------------------------------- GRU step
@primitive
def _gru_step(x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    """[h_t | r | z | n | gh_n] (N, 5H) from x_t (N, F), the previous packed state (its first
    H columns are h_{t-1}), W_x (F, 3H), W_h (H, 3H) and the two biases (3H,)."""
    dtype = _kernel_dtype(x.dtype)
    h = bias_ih.shape[0] // 3
    h_previous = np.ascontiguousarray(state[:, :h], dtype=dtype)
    gx = _matmul(x.astype(dtype, copy=False), weight_ih.astype(dtype, copy=False))
    gx += bias_ih
    gh = _matmul(h_previous, weight_hh.astype(dtype, copy=False))
    gh += bias_hh
    out = np.empty((x.shape[0], 5 * h), dtype=dtype)
    gru_gates(gx, gh, h_previous, out)
    return out.astype(x.dtype, copy=False)


_GRU_SHARED = _SharedBackward()


def _gru_backward(g, ans, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    _first_order_only(g)

    def compute():
        h = bias_ih.shape[0] // 3
        n = x.shape[0]
        dgx = np.empty((n, 3 * h), dtype=ans.dtype)
        dgh = np.empty((n, 3 * h), dtype=ans.dtype)
        direct = np.empty((n, h), dtype=ans.dtype)
        gru_gates_backward(g, ans, state[:, :h], dgx, dgh, direct)
        return {"dgx": dgx, "dgh": dgh, "direct": direct}

    return _GRU_SHARED.get(g, ans, compute)


def _gru_vjp_state(g, ans, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    shared = _gru_backward(g, ans, x, state, weight_ih, weight_hh, bias_ih, bias_hh)
    h = bias_ih.shape[0] // 3
    grad = np.zeros_like(state)
    grad[:, :h] = shared["direct"] + _matmul(shared["dgh"], weight_hh.T)
    return grad


def _gru_vjp(name, product):
    def vjp(g, ans, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
        shared = _gru_backward(g, ans, x, state, weight_ih, weight_hh, bias_ih, bias_hh)
        h = bias_ih.shape[0] // 3
        return product(shared[name], x, state[:, :h], weight_ih)

    return vjp


defvjp_arrays(
    _gru_step,
    _gru_vjp("dgx", lambda d, x, h_prev, w_ih: _matmul(d, w_ih.T)),
    _gru_vjp_state,
    _gru_vjp("dgx", lambda d, x, h_prev, w_ih: _matmul(x.T, d)),
    _gru_vjp("dgh", lambda d, x, h_prev, w_ih: _matmul(h_prev.T, d)),
    _gru_vjp("dgx", lambda d, x, h_prev, w_ih: d.sum(axis=0)),
    _gru_vjp("dgh", lambda d, x, h_prev, w_ih: d.sum(axis=0)),
)


# --------------------------------------------------------------------------- initialisers
def _orthogonal(size: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal matrix (QR of a Gaussian one, signs fixed: Haar-distributed)."""
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    return q * np.sign(np.diag(r))


# Initialisers are module-level functions (bound with functools.partial), so layers pickle.
def _recurrent_init(shape, rng, dtype, *, n_gates: int):
    """Orthogonal (H, H) blocks, one per gate (Saxe et al., 2014): the recurrent product
    neither amplifies nor shrinks the state at the start of training."""
    h = shape[1] // n_gates
    return np.concatenate([_orthogonal(h, rng) for _ in range(n_gates)], axis=1).astype(dtype)


def _fused_init(shape, rng, dtype, *, n_inputs: int, n_gates: int):
    """[W_x; W_h]: input rows Glorot-uniform, recurrent rows orthogonal per gate."""
    inputs = glorot_uniform((n_inputs, shape[1]), rng, np.float64)
    recurrent = _recurrent_init((shape[0] - n_inputs, shape[1]), rng, np.float64, n_gates=n_gates)
    return np.concatenate([inputs, recurrent]).astype(dtype)


def _input_weight(shape, rng, dtype):
    return glorot_uniform(shape, rng, dtype)


def _zeros(shape, rng, dtype):
    return np.zeros(shape, dtype=dtype)


def _forget_bias(shape, rng, dtype):
    """Zeros, but 1 for the forget gate: remember by default (Jozefowicz et al., 2015)."""
    bias = np.zeros(shape, dtype=dtype)
    h = shape[0] // 4
    bias[h : 2 * h] = 1.0
    return bias


# --------------------------------------------------------------------------- layers
class _Recurrent(Module):
    """Shared: input (T, F) sequences, the unrolled loop, the output of the last step or all."""

    n_gates = 4
    state_width = 7

    def __init__(
        self, units: int, return_sequences: bool = False, in_features: int | None = None
    ) -> None:
        super().__init__()
        self.units = check_count(units, "units")
        self.return_sequences = check_bool(return_sequences, "return_sequences")
        self.in_features = None if in_features is None else check_count(in_features, "in_features")

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "return_sequences": self.return_sequences,
            "in_features": self.in_features,
        }

    def _declare(self, input_shape):
        if len(input_shape) != 2:
            raise self._shape_error(input_shape, "sequences (length, features)")
        if self.in_features is not None and input_shape[1] != self.in_features:
            raise self._shape_error(input_shape, f"(length, {self.in_features})")
        self.in_features = input_shape[1]
        self._declare_parameters(input_shape[1], self.units)
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def forward(self, x):
        n, steps = x.shape[0], x.shape[1]
        state = Tensor(np.zeros((n, self.state_width * self.units), dtype=x.dtype))
        outputs = []
        for t in range(steps):
            state = self._step(x[:, t, :], state)
            if self.return_sequences:
                outputs.append(state[:, : self.units])
        if self.return_sequences:
            return ad.stack(outputs, axis=1)
        return state[:, : self.units]


@register_layer
class LSTM(_Recurrent):
    """Long short-term memory layer on sequences (N, T, F): the last hidden state (N, H), or
    every one (N, T, H) with ``return_sequences=True``.

    Gate equations (PyTorch's order; z = [x_t, h_{t-1}] W + b, one product for four gates)::

        i = σ(z_i),  f = σ(z_f),  g = tanh(z_g),  o = σ(z_o)
        c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t),   h_0 = c_0 = 0

    Backpropagation through time by the autodiff engine, one hand-written VJP per step
    (derived in ``glassml.nn._recurrent``). Parameters: ``weight`` (F + H, 4H), input rows
    Glorot-uniform and recurrent rows orthogonal per gate; ``bias`` (4H,), 1 for the forget
    gate. Hochreiter & Schmidhuber (1997), "Long short-term memory", Neural Computation 9;
    Gers, Schmidhuber & Cummins (2000).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import LSTM
    >>> layer = LSTM(8)
    >>> layer(np.zeros((4, 30, 14), dtype=np.float32)).shape   # 4 sequences of 30 steps
    (4, 8)
    >>> LSTM(8, return_sequences=True)(np.zeros((4, 30, 14))).shape
    (4, 30, 8)
    """

    layer_type = "lstm"
    n_gates, state_width = 4, 7

    def _declare_parameters(self, n_inputs: int, h: int) -> None:
        self._parameter(
            "weight", (n_inputs + h, 4 * h), partial(_fused_init, n_inputs=n_inputs, n_gates=4)
        )
        self._parameter("bias", (4 * h,), _forget_bias)

    def _step(self, x_t, state):
        return _lstm_step(x_t, state, self.param("weight"), self.param("bias"))


@register_layer
class GRU(_Recurrent):
    """Gated recurrent unit layer on sequences (N, T, F): the last hidden state (N, H), or
    every one (N, T, H) with ``return_sequences=True``.

    Gate equations (PyTorch's form: the reset gate scales the recurrent product)::

        gx = x_t W_x + b_x,   gh = h_{t-1} W_h + b_h          (blocks [r | z | n])
        r = σ(gx_r + gh_r),   z = σ(gx_z + gh_z),   n = tanh(gx_n + r ⊙ gh_n)
        h_t = (1 - z) ⊙ n + z ⊙ h_{t-1},   h_0 = 0

    Backpropagation through time by the autodiff engine, one hand-written VJP per step
    (derived in ``glassml.nn._recurrent``). Parameters ``weight_ih`` (F, 3H) Glorot-uniform,
    ``weight_hh`` (H, 3H) orthogonal per gate, ``bias_ih`` and ``bias_hh`` (3H,) zeros.
    Cho et al. (2014), "Learning phrase representations using RNN encoder-decoder for
    statistical machine translation", EMNLP.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import GRU
    >>> GRU(6)(np.zeros((3, 10, 2))).shape
    (3, 6)
    """

    layer_type = "gru"
    n_gates, state_width = 3, 5

    def _declare_parameters(self, n_inputs: int, h: int) -> None:
        self._parameter("weight_ih", (n_inputs, 3 * h), _input_weight)
        self._parameter("weight_hh", (h, 3 * h), partial(_recurrent_init, n_gates=3))
        self._parameter("bias_ih", (3 * h,), _zeros)
        self._parameter("bias_hh", (3 * h,), _zeros)

    def _step(self, x_t, state):
        return _gru_step(
            x_t,
            state,
            self.param("weight_ih"),
            self.param("weight_hh"),
            self.param("bias_ih"),
            self.param("bias_hh"),
        )
