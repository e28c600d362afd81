"""First-order fast paths give exactly the gradients of the differentiable backward pass.

A first-order backward pass runs the VJPs registered with ``defvjp_arrays`` on plain arrays
(no Tensor per step). The reference is the same backward pass recorded for higher order
(``backward(..., create_graph=True)``), which builds every cotangent from Tensor ops: the two
must agree bitwise (``assert_array_equal``), since they execute the same NumPy arithmetic.
The graph bookkeeping (order by creation, pruning of branches that reach no input, leaves that
are not inputs, custom Tensor-level VJPs mixed into an array pass) is checked against
closed-form gradients to rtol 1e-15.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close

import glassml.autodiff as ad

rng = np.random.default_rng(7)
X = rng.uniform(0.5, 1.5, size=(3, 4))
M = rng.normal(size=(4, 2))
LABELS = np.array([0, 3, 1])


def _every_primitive(x):
    """A scalar that passes through every primitive of the engine (and both matmul cases)."""
    y = x * 1.5 - 0.25
    terms = [
        ad.exp(x) * ad.log(x) + ad.log1p(x) * ad.sqrt(x) / (x + 1.0),
        ad.tanh(y) * ad.sigmoid(y) + ad.softplus(y) ** 2.5 + x**x,
        ad.abs(y) + ad.relu(y) + ad.clip(y, -0.2, 0.9) - (-y),
        ad.maximum(y, 0.5) * ad.minimum(y, x) + ad.where(y > 0.5, x**3, y),
        ad.logsumexp(x * x, axis=1, keepdims=True) + ad.softmax(x, axis=0) * ad.log_softmax(x),
        ad.var(x, axis=1, keepdims=True) * ad.mean(x) + ad.max(x, axis=0) - ad.min(x),
        (x @ M).sum(axis=0) + x[0] @ M + (x @ x.T)[[0, 0, 2], [1, 1, 0]].sum(),
        ad.concatenate([x, x * x], axis=1)[:, 1:4] + ad.stack([x, y]).sum(axis=0)[:, :3],
        ad.transpose(ad.reshape(x, (2, 6)))
        .swapaxes(0, 1)
        .reshape(3, 4)
        .squeeze()
        .sum(axis=0, keepdims=True),
        ad.broadcast_to(ad.expand_dims(x[:, 0], 1), (3, 4)),
        ad.softmax_cross_entropy(x, LABELS, reduction="none")
        + ad.binary_cross_entropy_with_logits(y[:, 0], ad.sigmoid(x[:, 1]), reduction="none"),
    ]
    return sum(ad.sum(t * t) for t in terms)


def _both_passes(fun, *args):
    """Gradients of ``fun`` from the array pass (``grad``) and from the recorded pass."""
    fast = ad.grad(fun, argnums=tuple(range(len(args))))(*args)
    leaves = [ad.Tensor(a, requires_grad=True) for a in args]
    recorded = ad.backward(fun(*leaves), leaves, create_graph=True)
    return fast, [r.data for r in recorded]


def test_array_pass_equals_recorded_pass_through_every_primitive():
    fast, recorded = _both_passes(_every_primitive, X)
    np.testing.assert_array_equal(fast[0], recorded[0])
    assert ad.check_grad(_every_primitive, X) < 1e-6  # and both are right


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_pass_equals_recorded_pass_through_conv_and_pooling(dtype):
    images = rng.normal(size=(2, 2, 7, 7)).astype(dtype)
    weight = rng.normal(size=(3, 2, 3, 3)).astype(dtype)
    bias = rng.normal(size=3).astype(dtype)

    def cnn(images, weight, bias):
        hidden = ad.relu(ad.conv2d(images, weight, bias, stride=1, padding=1))
        pooled = ad.max_pool2d(hidden, 2) + ad.max_pool2d(hidden, 3, stride=2)[..., :3, :3]
        strided = ad.conv2d(hidden[:, :2], weight[:, :, :2, :2] * 1.0, stride=2, padding=(0, 1))
        return (pooled * pooled).sum() + ad.avg_pool2d(strided, 2).sum() + strided.sum()

    fast, recorded = _both_passes(cnn, images, weight, bias)
    for fast_gradient, recorded_gradient in zip(fast, recorded, strict=True):
        assert fast_gradient.dtype == dtype
        np.testing.assert_array_equal(fast_gradient, recorded_gradient)


def test_branches_reaching_no_input_are_skipped_and_foreign_leaves_untouched():
    other = ad.Tensor([2.0, -1.0], requires_grad=True)  # a leaf that is not differentiated

    def f(x):
        unrelated = ad.exp(other).sum()  # a branch that reaches no input
        return (x * other).sum() + unrelated * x.sum() + (other * other).sum()

    x = np.array([0.5, 3.0])
    gradient = ad.grad(f)(x)
    assert_close(gradient, other.data + np.exp(other.data).sum(), rtol=1e-15)
    assert other.grad is None


def test_tensor_level_vjps_mix_with_array_vjps():
    cube = ad.primitive(lambda x: x**3)
    ad.defvjp(cube, lambda g, ans, x: g * 3 * x.data**2)  # uses .data: Tensor-level only
    x = np.array([1.0, -2.0, 0.5])
    gradient = ad.grad(lambda x: (ad.exp(cube(x * 2.0)) * 0.1).sum())(x)
    assert_close(gradient, 0.1 * np.exp((2 * x) ** 3) * 3 * (2 * x) ** 2 * 2, rtol=1e-15)


def test_backward_into_interior_inputs_stops_there():
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * x
    out = (hidden * 3.0).sum() + x.sum()
    d_hidden, d_x = ad.backward(out, [hidden, x])
    assert d_hidden.data.tolist() == [3.0, 3.0]
    assert d_x.data.tolist() == [1.0, 1.0]  # only the direct path: traversal stops at hidden
    (d_out,) = ad.backward(out, [out])
    assert d_out.data.tolist() == 1.0
    assert ad.jacobian(lambda x: x)(np.array([1.0, 2.0])).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_a_wrong_vjp_shape_is_reported_in_both_passes():
    bad = ad.primitive(lambda x: x * 2.0)
    ad.defvjp(bad, lambda g, ans, x: g.sum())
    for create_graph in (False, True):
        x = ad.Tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="returned shape"):
            ad.backward(bad(x).sum(), [x], create_graph=create_graph)
