"""Losses and initialisers.

References and tolerances
-------------------------
- Softmax cross-entropy and binary cross-entropy with logits: ``sklearn.metrics.log_loss`` on
  the probabilities (softmax / sigmoid from ``scipy.special``), rtol 1e-12 in float64.
- Label smoothing: the identity L_ε = (1 - ε) CE(onehot) + ε · mean_k(-log softmax_k), computed
  with ``scipy.special.log_softmax``, rtol 1e-12.
- Mean squared error: ``sklearn.metrics.mean_squared_error`` (uniform average over outputs),
  rtol 1e-12. Gradients of every loss: ``check_grad`` <= 1e-6.
- Initialisers: sample variance within 5 % of 2/fan_in (He) or 2/(fan_in + fan_out) (Glorot)
  on 200k draws (the sampling error is ~0.3 %); uniform bounds sqrt(3·variance).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, assert_within_se
from scipy.special import expit, log_softmax, softmax
from sklearn.metrics import log_loss
from sklearn.metrics import mean_squared_error as sk_mse

import glassml.autodiff as ad
from glassml import nn
from glassml.nn._initializers import fans

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((12, 4))
LABELS = np.arange(12) % 4


def test_softmax_cross_entropy_equals_sklearn_log_loss():
    mine = nn.softmax_cross_entropy(ad.Tensor(LOGITS), LABELS).item()
    theirs = log_loss(LABELS, softmax(LOGITS, axis=1), labels=range(4))
    assert_close(mine, theirs, rtol=1e-12, what="cross-entropy")


@pytest.mark.parametrize("epsilon", [0.1, 0.3])
def test_label_smoothing_identity(epsilon):
    mine = nn.softmax_cross_entropy(ad.Tensor(LOGITS), LABELS, label_smoothing=epsilon).item()
    log_p = log_softmax(LOGITS, axis=1)
    plain = -log_p[np.arange(12), LABELS].mean()
    uniform = -log_p.mean(axis=1).mean()
    assert_close(mine, (1 - epsilon) * plain + epsilon * uniform, rtol=1e-12, what="smoothing")


def test_binary_cross_entropy_with_logits_equals_sklearn_log_loss():
    logits = rng.standard_normal(15) * 3
    targets = (np.arange(15) % 2).astype(float)
    mine = nn.binary_cross_entropy_with_logits(ad.Tensor(logits), targets).item()
    assert_close(mine, log_loss(targets, expit(logits)), rtol=1e-12, what="bce")


def test_mean_squared_error_equals_sklearn():
    predictions, targets = rng.standard_normal((10, 3)), rng.standard_normal((10, 3))
    mine = nn.mean_squared_error(ad.Tensor(predictions), targets).item()
    assert_close(mine, sk_mse(targets, predictions), rtol=1e-12, what="mse")
    mine_1d = nn.mean_squared_error(ad.Tensor(predictions[:, :1]), targets[:, 0]).item()
    assert_close(mine_1d, sk_mse(targets[:, 0], predictions[:, 0]), rtol=1e-12, what="mse 1-D")


@pytest.mark.parametrize(
    "loss, targets",
    [
        (lambda z, t: nn.softmax_cross_entropy(z, t, label_smoothing=0.1), LABELS),
        (nn.mean_squared_error, rng.standard_normal((12, 4))),
        (nn.binary_cross_entropy_with_logits, (rng.random((12, 4)) > 0.5).astype(float)),
    ],
)
def test_loss_gradients_match_finite_differences(loss, targets):
    assert ad.check_grad(lambda z: loss(z, targets), LOGITS) <= 1e-6


def test_label_smoothing_out_of_range_raises():
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.softmax_cross_entropy(ad.Tensor(LOGITS), LABELS, label_smoothing=1.0)


@pytest.mark.parametrize(
    "name, shape",
    [
        ("he_uniform", (400, 500)),
        ("he_normal", (400, 500)),
        ("glorot_uniform", (400, 500)),
        ("glorot_normal", (32, 16, 5, 5)),
        ("he_normal", (32, 16, 5, 5)),
    ],
)
def test_initialiser_variance_and_bounds(name, shape):
    weights = nn.INITIALIZERS[name](shape, np.random.default_rng(1), np.float64)
    fan_in, fan_out = fans(shape)
    assert (fan_in, fan_out) == (
        (shape[0], shape[1]) if len(shape) == 2 else (shape[1] * 25, shape[0] * 25)
    )
    variance = 2 / fan_in if name.startswith("he") else 2 / (fan_in + fan_out)
    # The relative SE of a variance from n draws of kurtosis k is sqrt((k - 1) / n): 0.013 for
    # the 12,800 normal weights, where the fixed 5 % was 4 SE (failure probability 1e-4).
    kurtosis = np.mean((weights - weights.mean()) ** 4) / weights.var() ** 2
    assert_within_se(weights.var() / variance, 1.0, np.sqrt((kurtosis - 1) / weights.size),
                     what="variance")  # fmt: skip
    assert abs(weights.mean()) < 5 * np.sqrt(variance / weights.size)
    if name.endswith("uniform"):
        assert np.abs(weights).max() <= np.sqrt(3 * variance)


def test_initialisers_are_float32_by_default():
    assert nn.he_uniform((3, 4), np.random.default_rng(0)).dtype == np.float32
