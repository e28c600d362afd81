"""Numerical stability at extreme inputs: +-1e3 and +-1e300.

Reference: the limits of the exact functions (sigmoid -> 0/1, softplus(x) -> max(x, 0),
logsumexp -> max, fused losses -> 0 or |z|), asserted to rtol 1e-12; every value and every
gradient must be finite (no overflow to inf, no 0 * inf = NaN).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close

import glassml.autodiff as ad

EXTREMES = [1e3, 1e300]


def _finite_value_and_gradient(fun, x):
    value, gradient = ad.value_and_grad(fun)(x)
    assert np.all(np.isfinite(value)), value
    assert np.all(np.isfinite(gradient)), gradient
    return value, gradient


@pytest.mark.parametrize("big", EXTREMES)
def test_sigmoid_and_softplus(big):
    x = np.array([-big, -1.0, 0.0, 1.0, big])
    _, gradient = _finite_value_and_gradient(lambda x: ad.sigmoid(x).sum(), x)
    assert gradient[0] == 0.0 and gradient[-1] == 0.0
    value, gradient = _finite_value_and_gradient(lambda x: ad.softplus(x).sum(), x)
    assert value == pytest.approx(big + np.logaddexp(0, [-1.0, 0.0, 1.0]).sum(), rel=1e-12)
    assert gradient.tolist()[0] == 0.0 and gradient[-1] == 1.0
    with ad.no_grad():
        assert ad.sigmoid(x).numpy().tolist()[::4] == [0.0, 1.0]


@pytest.mark.parametrize("big", EXTREMES)
def test_logsumexp(big):
    x = np.array([[big, -big, 0.0], [-big, -big, -big]])
    value, gradient = _finite_value_and_gradient(lambda x: ad.logsumexp(x, axis=1).sum(), x)
    assert value == pytest.approx(big + (-big + np.log(3.0)), rel=1e-12, abs=1e-9)
    assert gradient[0].tolist() == [1.0, 0.0, 0.0]
    assert_close(gradient[1], np.full(gradient[1].shape, 1 / 3), rtol=1e-12, what="softmax")


@pytest.mark.parametrize("big", EXTREMES)
def test_fused_losses(big):
    logits = np.array([[big, -big, 0.0], [-big, big, 0.0], [0.0, 0.0, 0.0]])
    labels = np.array([0, 0, 2])
    value, gradient = _finite_value_and_gradient(
        lambda z: ad.softmax_cross_entropy(z, labels, reduction="sum"), logits
    )
    assert value == pytest.approx(2 * big + np.log(3.0), rel=1e-12)
    assert gradient[0].tolist() == [0.0, 0.0, 0.0]
    assert gradient[1].tolist() == [-1.0, 1.0, 0.0]
    z = np.array([-big, big, -big, big])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    value, gradient = _finite_value_and_gradient(
        lambda z: ad.binary_cross_entropy_with_logits(z, t, reduction="sum"), z
    )
    assert value == pytest.approx(2 * big, rel=1e-12)
    assert gradient.tolist() == [0.0, 0.0, -1.0, 1.0]
    # log_softmax stays finite where log(softmax) would give log(0) = -inf.
    _finite_value_and_gradient(lambda z: ad.log_softmax(z, axis=1).sum(), logits)
