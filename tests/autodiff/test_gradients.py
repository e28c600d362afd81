"""Every primitive's VJP against central finite differences (hypothesis property tests).

Reference: central differences (``glassml.autodiff.numerical_grad``, step eps^(1/3) scaled by
max(1, |x|)) in float64. Tolerance: largest relative error <= 1e-6 as defined by
``check_grad``. Shapes are drawn by hypothesis: scalars, vectors, matrices, rank-3, size-1
axes, broadcasting between operands and (for ``sum``) empty axes. Inputs stay off kinks and
outside singularities, where finite differences are meaningless.
"""

from __future__ import annotations

import numpy as np
import pytest
from autodiff_helpers import assert_grad_matches, away_from_zero, seeds, uniform
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import glassml.autodiff as ad

shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)

UNARY = {
    "exp": (ad.exp, (-2.0, 2.0)),
    "log": (ad.log, (0.2, 3.0)),
    "log1p": (ad.log1p, (-0.5, 3.0)),
    "sqrt": (ad.sqrt, (0.2, 3.0)),
    "tanh": (ad.tanh, (-3.0, 3.0)),
    "sigmoid": (ad.sigmoid, (-4.0, 4.0)),
    "softplus": (ad.softplus, (-4.0, 4.0)),
    "negative": (ad.negative, (-3.0, 3.0)),
    "square": (lambda x: x**2, (-3.0, 3.0)),
    "power_const": (lambda x: x**-1.5, (0.3, 3.0)),
    "rpow": (lambda x: 2.0**x, (-2.0, 2.0)),
    "reciprocal": (lambda x: 1.0 / x, (0.3, 3.0)),
}
KINKED = {"abs": ad.abs, "relu": ad.relu}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    fun, (low, high) = UNARY[name]
    assert_grad_matches(fun, uniform(np.random.default_rng(seed), shape, low, high))


@pytest.mark.parametrize("name", sorted(KINKED))
@given(shape=shapes, seed=seeds)
def test_unary_with_kink(name, shape, seed):
    assert_grad_matches(KINKED[name], away_from_zero(np.random.default_rng(seed), shape))


BINARY = {
    "add": (ad.add, False),
    "subtract": (ad.subtract, False),
    "multiply": (ad.multiply, False),
    "divide": (ad.divide, True),
    "operators": (lambda a, b: (a - b) * a / b + b, True),
    "power": (ad.power, "positive_base"),
    "maximum": (ad.maximum, False),
    "minimum": (ad.minimum, False),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=pairs, seed=seeds)
def test_binary_broadcasting(name, shapes, seed):
    fun, domain = BINARY[name]
    rng = np.random.default_rng(seed)
    shape_a, shape_b = shapes.input_shapes
    if domain == "positive_base":
        a, b = uniform(rng, shape_a, 0.5, 2.0), uniform(rng, shape_b, -2.0, 2.0)
    else:
        a, b = away_from_zero(rng, shape_a), away_from_zero(rng, shape_b)
    if name in {"maximum", "minimum"}:  # keep away from ties, where the function has a kink
        assume(np.min(np.abs(np.subtract(a, b)), initial=1.0) > 1e-2)
    assert_grad_matches(fun, a, b)


@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), seed=seeds)
def test_where(shapes, seed):
    rng = np.random.default_rng(seed)
    shape_c, shape_a, shape_b = shapes.input_shapes
    condition = rng.random(shape_c) < 0.5
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    assert_grad_matches(lambda a, b: ad.where(condition, a * a, ad.exp(b)), a, b)


@given(shape=shapes, seed=seeds)
def test_clip(shape, seed):
    x = np.random.default_rng(seed).choice([-2.0, -0.5, 0.3, 1.7], size=shape)
    assert_grad_matches(lambda x: ad.clip(x, -1.0, 1.0) * x, x)


# (a shape, b shape) pairs covering every matmul case: vectors, matrices and batches.
MATMUL_CASES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 1)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
]


@pytest.mark.parametrize(("shape_a", "shape_b"), MATMUL_CASES)
def test_matmul(shape_a, shape_b):
    rng = np.random.default_rng(0)
    assert_grad_matches(ad.matmul, rng.normal(size=shape_a), rng.normal(size=shape_b))


@st.composite
def shape_and_axis(draw, min_side=1):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=4))
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-len(shape), len(shape) - 1),
            st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple),
        )
    )
    return shape, axis, draw(st.booleans())


REDUCTIONS = {
    "sum": ad.sum,
    "mean": ad.mean,
    "max": ad.max,
    "min": ad.min,
    "logsumexp": ad.logsumexp,
    "var": ad.var,
    "var_ddof1": lambda x, axis, keepdims: ad.var(x, axis=axis, ddof=1, keepdims=keepdims),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(case=shape_and_axis(), seed=seeds)
def test_reduction(name, case, seed):
    shape, axis, keepdims = case
    if name == "var_ddof1":
        assume(np.prod([shape[a] for a in ad._array_ops.normalize_axes(axis, len(shape))]) > 1)
    # A permutation of distinct values: no ties, so max/min are differentiable.
    x = np.random.default_rng(seed).permutation(np.size(np.empty(shape))).reshape(shape) * 0.1
    reduction = REDUCTIONS[name]
    assert_grad_matches(lambda x: reduction(x, axis=axis, keepdims=keepdims) ** 2, x + 0.05)


@given(case=shape_and_axis(min_side=0), seed=seeds)
def test_sum_with_empty_axes(case, seed):
    shape, axis, keepdims = case
    x = np.random.default_rng(seed).normal(size=shape)
    assert_grad_matches(lambda x: ad.sum(x, axis=axis, keepdims=keepdims), x)
    gradient = ad.grad(lambda x: ad.sum(ad.sum(x, axis=axis, keepdims=keepdims) * 3.0))(x)
    assert gradient.shape == x.shape
    np.testing.assert_array_equal(gradient, np.full(shape, 3.0))


@given(
    shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), seed=seeds, data=st.data()
)
def test_shape_ops(shape, seed, data):
    x = np.random.default_rng(seed).normal(size=shape)
    permutation = tuple(data.draw(st.permutations(range(len(shape)))))
    axis1 = data.draw(st.integers(-len(shape), len(shape) - 1))
    axis2 = data.draw(st.integers(0, len(shape) - 1))
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1)

    def shuffle(x):
        y = ad.transpose(x, permutation) * np.arange(1.0, x.size + 1).reshape(
            tuple(shape[p] for p in permutation)
        )
        y = ad.swapaxes(ad.reshape(y, shape), axis1, axis2)
        y = ad.reshape(ad.squeeze(ad.expand_dims(y, new_axis), new_axis), shape)
        return ad.squeeze(y, ones) if ones else ad.reshape(y, (-1,))

    assert_grad_matches(shuffle, x)
    assert_grad_matches(lambda x: x.T * x.reshape(-1).reshape(shape).T, x)
