"""Issue 9's failures of glassml.autodiff, one test each (the robustness suite probes the rest).

- ``check_grad(f, x, step=0)`` is a ValueError naming ``step``, not a ZeroDivisionError.
- ``softmax_cross_entropy`` checks its class axis and its probability targets; binary
  cross-entropy targets must lie in [0, 1].
- Differentiating ``matmul`` against a raw Python list works (the list is a constant operand)
  and gives the gradient of the same product with an array, exactly.
- Complex, object and string operands are refused by name, never computed with.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassml.autodiff as ad


def test_check_grad_refuses_a_zero_step():
    for step in (0, 0.0, -1e-6, float("nan")):
        with pytest.raises(ValueError, match=r"^step:"):
            ad.check_grad(lambda x: ad.sum(x * x), np.ones(3), step=step)
    with pytest.raises(ValueError, match=r"^step:"):
        ad.numerical_grad(lambda x: ad.sum(x * x), np.ones(3), step=0)
    with pytest.raises(ValueError, match=r"^step: .* below the spacing"):
        ad.numerical_grad(lambda x: ad.sum(x * x), np.ones(3), step=1e-300)


def test_losses_check_axis_and_targets():
    logits = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"^axis: expected a class axis"):
        ad.softmax_cross_entropy(logits, np.array([0, 1]), axis=5)
    with pytest.raises(ValueError, match=r"^axis:"):
        ad.softmax_cross_entropy(logits, np.array([0, 1]), axis=1.0)
    with pytest.raises(ValueError, match=r"^labels: expected probabilities in \[0, 1\]"):
        ad.softmax_cross_entropy(logits, np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"^targets: expected probabilities in \[0, 1\]"):
        ad.binary_cross_entropy_with_logits(np.zeros(2), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match=r"^targets:"):
        ad.binary_cross_entropy_with_logits(np.zeros(2), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"^reduction:"):
        ad.binary_cross_entropy_with_logits(np.zeros(2), np.zeros(2), reduction="max")


def test_matmul_against_a_python_list():
    matrix = [[1.0, 2.0], [3.0, -1.0]]
    x = np.array([0.5, -2.0])
    on_list = ad.grad(lambda v: ad.sum(ad.tanh(ad.matmul(matrix, v))))(x)
    on_array = ad.grad(lambda v: ad.sum(ad.tanh(ad.matmul(np.array(matrix), v))))(x)
    assert np.array_equal(on_list, on_array)
    w = ad.grad(lambda a: ad.sum(ad.matmul(a, [1.0, 2.0])))(np.ones((3, 2)))
    assert np.array_equal(w, np.tile([1.0, 2.0], (3, 1)))
    rows = ad.Tensor(np.ones((2, 2)), requires_grad=True) @ [1.0, -1.0]
    assert rows.shape == (2,)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: ad.exp(np.array([1j])), "exp: x: expected real numbers"),
        (lambda: ad.add(np.ones(2), 1j), "add: b: expected real numbers"),
        (lambda: ad.sum(np.array(["a", "b"])), "sum: x: expected real numbers"),
        (lambda: ad.matmul(np.ones((2, 3)), np.ones((2, 3))), r"matmul\(a, b\):"),
        (lambda: ad.concatenate([np.ones(2), np.ones((2, 2))]), r"concatenate\(arrays\[0\]"),
        (lambda: ad.Tensor(np.array([1j])), "^data: expected real numbers"),
        (lambda: ad.Tensor([1.0], requires_grad="yes"), "^requires_grad:"),
        (lambda: ad.grad(lambda x: ad.sum(x))(np.array([1j])), r"^args\[0\]:"),
        (lambda: ad.grad(lambda x: ad.sum(x), argnums=True), "^argnums:"),
        (lambda: ad.grad(lambda x: ad.sum(x), argnums=3)(np.ones(2)), "^argnums:"),
        (lambda: ad.var(np.ones(4), ddof=4), "^ddof:"),
        (lambda: ad.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), stride=True), "^stride:"),
        (lambda: ad.hvp(lambda x: ad.sum(x * x), np.ones(2), np.ones(3)), "^v:"),
        (lambda: ad.check_grad(42, np.ones(2)), "^fun:"),
    ],
)
def test_bad_operands_are_named(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
