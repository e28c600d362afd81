"""Sequence layers and the sequence regressor.

References and tolerances
-------------------------
- LSTM and GRU forward (last state and every state, float64): a hand-written NumPy loop of the
  published gate equations (Hochreiter & Schmidhuber 1997 with the forget gate of Gers et al.
  2000; Cho et al. 2014 in PyTorch's form, reset gate applied after the recurrent product),
  relative 1e-12. PyTorch with copied weights is compared benchmark-side
  (``benchmarks/bench_timeseries.py``), since torch is not a dependency.
- Conv1D forward: ``scipy.signal.correlate`` per (input channel, filter), summed, with padding
  and stride applied by hand, relative 1e-12.
- Backward passes: ``test_layers.py`` (check_grad, float64, <= 1e-6).
- SequenceRegressor: a target that depends on the order of the steps (which no pooled or
  bag-of-steps model can learn) is learned by LSTM, GRU and Conv1D bodies (R² > 0.9 on held-out
  sequences; the Bayes R² is 1); save/load reproduces predictions exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from scipy.signal import correlate

from glassml import nn

# Fits below are short on purpose: they test shapes, plumbing and a quality floor.
SHORT_FIT = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_loop(x, weight, bias):
    n, steps, features = x.shape
    units = bias.shape[0] // 4
    w_x, w_h = weight[:features], weight[features:]
    h, c = np.zeros((n, units)), np.zeros((n, units))
    states = []
    for t in range(steps):
        z = x[:, t] @ w_x + h @ w_h + bias
        i = sigmoid(z[:, :units])
        f = sigmoid(z[:, units : 2 * units])
        g = np.tanh(z[:, 2 * units : 3 * units])
        o = sigmoid(z[:, 3 * units :])
        c = f * c + i * g
        h = o * np.tanh(c)
        states.append(h)
    return np.stack(states, axis=1)


def gru_loop(x, weight_ih, weight_hh, bias_ih, bias_hh):
    n, steps, _ = x.shape
    units = bias_ih.shape[0] // 3
    h = np.zeros((n, units))
    states = []
    for t in range(steps):
        gx = x[:, t] @ weight_ih + bias_ih
        gh = h @ weight_hh + bias_hh
        r = sigmoid(gx[:, :units] + gh[:, :units])
        z = sigmoid(gx[:, units : 2 * units] + gh[:, units : 2 * units])
        candidate = np.tanh(gx[:, 2 * units :] + r * gh[:, 2 * units :])
        h = (1 - z) * candidate + z * h
        states.append(h)
    return np.stack(states, axis=1)


def _randomised(layer, input_shape, seed=0):
    """A built float64 layer with every parameter random (biases too, so they matter)."""
    layer.build(input_shape, np.random.default_rng(seed), np.float64)
    rng = np.random.default_rng(seed + 1)
    for value in layer._params.values():
        value[...] = rng.normal(scale=0.7, size=value.shape)
    return layer


@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_forward_equals_the_gate_equations(return_sequences):
    x = np.random.default_rng(2).normal(size=(4, 9, 3))
    layer = _randomised(nn.LSTM(5, return_sequences=return_sequences), (9, 3))
    expected = lstm_loop(x, layer._params["weight"], layer._params["bias"])
    got = layer(x).numpy()
    assert_close(got, expected if return_sequences else expected[:, -1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_gru_forward_equals_the_gate_equations(return_sequences):
    x = np.random.default_rng(3).normal(size=(4, 9, 3))
    layer = _randomised(nn.GRU(5, return_sequences=return_sequences), (9, 3))
    p = layer._params
    expected = gru_loop(x, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    got = layer(x).numpy()
    assert_close(got, expected if return_sequences else expected[:, -1], rtol=1e-12, atol=1e-14)


def test_recurrent_layers_run_in_float32_by_default():
    x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)
    for layer in (nn.LSTM(4), nn.GRU(4)):
        assert layer(x).numpy().dtype == np.float32


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (3, 2)])
def test_conv1d_forward_equals_scipy_correlate(stride, padding):
    x = np.random.default_rng(4).normal(size=(2, 11, 3))
    layer = _randomised(nn.Conv1D(4, 3, stride=stride, padding=padding), (11, 3))
    weight, bias = layer._params["weight"], layer._params["bias"]
    padded = np.pad(x, ((0, 0), (padding, padding), (0, 0)))
    expected = np.empty((2, (11 + 2 * padding - 3) // stride + 1, 4))
    for n in range(2):
        for f in range(4):
            full = sum(correlate(padded[n, :, c], weight[:, c, f], mode="valid") for c in range(3))
            expected[n, :, f] = full[::stride] + bias[f]
    assert_close(layer(x).numpy(), expected, rtol=1e-12, atol=1e-13)


def test_global_average_pool1d_is_the_mean_over_time():
    x = np.random.default_rng(5).normal(size=(3, 7, 2))
    assert_close(nn.GlobalAveragePool1D()(x).numpy(), x.mean(axis=1), rtol=1e-15)


def _order_task(n, seed):
    """y depends on where values sit in the sequence: the last three steps of feature 0 minus
    the mean of feature 1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 12, 2))
    return X, X[:, -3:, 0].sum(axis=1) - X[:, :, 1].mean(axis=1)


@SHORT_FIT  # 60 epochs reach R² > 0.9; the loss is still creeping down
@pytest.mark.parametrize("architecture", ["lstm", "gru", "conv1d"])
def test_sequence_regressor_learns_an_order_dependent_target(architecture, tmp_path):
    X, y = _order_task(400, 0)
    X_test, y_test = _order_task(200, 1)
    model = nn.SequenceRegressor(
        architecture, hidden_size=16, learning_rate_init=0.01, max_iter=60, random_state=0
    ).fit(X, y)
    assert model.score(X_test, y_test) > 0.9
    assert model.predict(X_test).shape == (200,)
    loaded = nn.load(model.save(tmp_path / architecture))
    assert isinstance(loaded, nn.SequenceRegressor)
    assert np.array_equal(loaded.predict(X_test), model.predict(X_test))


@SHORT_FIT
def test_sequence_regressor_reads_flat_rows_with_input_shape_and_multi_output():
    X, y = _order_task(200, 2)
    Y = np.column_stack([y, 2 * y])
    flat = nn.SequenceRegressor(
        "gru", hidden_size=4, input_shape=(12, 2), max_iter=3, random_state=0
    ).fit(X.reshape(200, 24), Y)
    assert flat.input_shape_ == (12, 2)
    assert flat.predict(X.reshape(200, 24)).shape == (200, 2)
    same = nn.SequenceRegressor("gru", hidden_size=4, max_iter=3, random_state=0).fit(X, Y)
    assert_close(flat.predict(X.reshape(200, 24)), same.predict(X), rtol=1e-6)


@SHORT_FIT
def test_sequence_regressor_takes_a_layer_list_and_pools_a_sequence_output():
    X, y = _order_task(100, 3)
    model = nn.SequenceRegressor(
        [nn.Conv1D(4, 3, padding=1), nn.ReLU(), nn.LSTM(4, return_sequences=True)],
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    types = [layer.layer_type for layer in model.network_.layers]
    assert types[-2:] == ["global_average_pool1d", "dense"]


@SHORT_FIT
def test_sequence_regressor_bad_input_names_the_problem():
    X, y = _order_task(50, 4)
    model = nn.SequenceRegressor("lstm", hidden_size=2, max_iter=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X: has sequences of shape"):
        model.predict(X[:, :5])
    with pytest.raises(ValueError, match="input_shape"):
        nn.SequenceRegressor(input_shape=(5, 5)).fit(X.reshape(50, 24), y)
    with pytest.raises(ValueError, match="X, y"):
        nn.SequenceRegressor().fit(X, y[:10])
    with pytest.raises(ValueError, match="architecture"):
        nn.SequenceRegressor([nn.Conv1D(2, 30)]).fit(X, y)
