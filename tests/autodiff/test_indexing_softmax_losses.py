"""Indexing, concatenate/stack, the softmax family and the fused losses.

References: central finite differences (``check_grad``, relative error <= 1e-6 in float64);
scipy.special.softmax / log_softmax / expit and sklearn.metrics.log_loss for values
(rtol 1e-12); ``np.add.at`` semantics (repeated indices accumulate) written out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from autodiff_helpers import assert_grad_matches, seeds
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes
from parity import assert_close
from scipy import special
from sklearn.metrics import log_loss

import glassml.autodiff as ad

rng = np.random.default_rng(7)


INDEXES = {
    "int": 1,
    "slice": slice(1, None, 2),
    "tuple": (slice(None), 0),
    "negative_step": (slice(None, None, -1), slice(1, 3)),
    "newaxis_ellipsis": (None, Ellipsis, 1),
    "fancy_repeated": [0, 2, 0, 0],
    "fancy_2d": (np.array([[0, 1], [2, 2]]), np.array([1, 1])),
    "mixed": (slice(None), [3, 0, 3]),
    "boolean": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_gradient(name):
    x = rng.normal(size=(3, 4))
    assert_grad_matches(lambda x: x[INDEXES[name]], x)


def test_repeated_fancy_indices_accumulate():
    gradient = ad.grad(lambda x: (x[[0, 2, 0, 0]] * np.array([1.0, 2.0, 3.0, 4.0])).sum())(
        np.zeros(3)
    )
    assert gradient.tolist() == [1.0 + 3.0 + 4.0, 0.0, 2.0]
    mask_gradient = ad.grad(lambda x: x[x > 0].sum())(np.array([-1.0, 2.0, 3.0]))
    assert mask_gradient.tolist() == [0.0, 1.0, 1.0]


@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), seed=seeds, data=st.data())
def test_concatenate_and_stack(shape, seed, data):
    generator = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    widths = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    pieces = []
    for width in widths:
        piece_shape = list(shape)
        piece_shape[axis] = width
        pieces.append(generator.normal(size=piece_shape))
    assert_grad_matches(lambda *xs: ad.concatenate(list(xs), axis=axis), *pieces)
    same = [generator.normal(size=shape) for _ in widths]
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_grad_matches(lambda *xs: ad.stack(list(xs), axis=new_axis), *same)
    with ad.no_grad():
        stacked = ad.stack(same, axis=new_axis).numpy()
    np.testing.assert_array_equal(stacked, np.stack(same, axis=new_axis))


@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=seeds, data=st.data())
def test_softmax_family_gradients(shape, seed, data):
    x = np.random.default_rng(seed).normal(size=shape) * 2
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_grad_matches(lambda x: ad.softmax(x, axis=axis), x)
    assert_grad_matches(lambda x: ad.log_softmax(x, axis=axis), x)
    with ad.no_grad():
        assert_close(ad.softmax(x, axis).numpy(), special.softmax(x, axis), rtol=1e-12)
        assert_close(ad.log_softmax(x, axis).numpy(), special.log_softmax(x, axis), rtol=1e-12)
        assert_close(ad.logsumexp(x, axis).numpy(), special.logsumexp(x, axis), rtol=1e-12)


def test_logsumexp_of_all_minus_infinity_rows():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
    value, gradient = ad.value_and_grad(lambda x: ad.logsumexp(x, axis=1)[1])(x)
    assert value == 0.0
    assert gradient.tolist() == [[0.0, 0.0], [1.0, 0.0]]
    with ad.no_grad():
        assert ad.logsumexp(x, axis=1).numpy()[0] == -np.inf


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_values_and_gradients(reduction):
    logits = rng.normal(size=(6, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2, 0])
    one_hot = np.eye(4)[labels]
    per_sample = -special.log_softmax(logits, axis=1)[np.arange(6), labels]
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}
    value = ad.softmax_cross_entropy(logits, labels, reduction=reduction).numpy()
    assert_close(value, expected[reduction], rtol=1e-12, what="CE")
    as_probabilities = ad.softmax_cross_entropy(logits, one_hot, reduction=reduction).numpy()
    assert_close(as_probabilities, expected[reduction], rtol=1e-12, what="CE, one-hot")
    if reduction == "mean":
        assert_close(value, log_loss(labels, special.softmax(logits, 1)), rtol=1e-12)
        gradient = ad.grad(lambda z: ad.softmax_cross_entropy(z, labels))(logits)
        assert_close(gradient, (special.softmax(logits, 1) - one_hot) / 6, rtol=1e-12)
    assert_grad_matches(lambda z: ad.softmax_cross_entropy(z, labels, reduction=reduction), logits)
    soft = special.softmax(rng.normal(size=(6, 4)), axis=1)
    assert_grad_matches(
        lambda z, q: ad.softmax_cross_entropy(z, q, reduction=reduction), logits, soft
    )


def test_softmax_cross_entropy_along_another_axis():
    logits = rng.normal(size=(3, 5, 2))
    labels = rng.integers(0, 3, size=(5, 2))
    moved = np.moveaxis(logits, 0, -1)
    with ad.no_grad():
        along_0 = ad.softmax_cross_entropy(logits, labels, axis=0).numpy()
        along_last = ad.softmax_cross_entropy(moved, labels, axis=-1).numpy()
    assert_close(along_0, along_last, rtol=1e-14)
    assert_grad_matches(lambda z: ad.softmax_cross_entropy(z, labels, axis=0), logits)


def test_softmax_cross_entropy_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\)"):
        ad.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="labels: expected"):
        ad.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction: expected one of"):
        ad.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1]), reduction="avg")


def test_binary_cross_entropy_with_logits():
    logits = rng.normal(size=8) * 3
    targets = (rng.random(8) < 0.5).astype(float)
    value = ad.binary_cross_entropy_with_logits(logits, targets).numpy()
    assert_close(value, log_loss(targets, special.expit(logits)), rtol=1e-12)
    gradient = ad.grad(lambda z: ad.binary_cross_entropy_with_logits(z, targets))(logits)
    assert_close(gradient, (special.expit(logits) - targets) / 8, rtol=1e-12)
    soft = rng.random(8)
    assert_grad_matches(
        lambda z, t: ad.binary_cross_entropy_with_logits(z, t, reduction="none"), logits, soft
    )
    with pytest.raises(ValueError, match="targets: expected the logits' shape"):
        ad.binary_cross_entropy_with_logits(np.zeros((4, 1)), np.zeros(4))
