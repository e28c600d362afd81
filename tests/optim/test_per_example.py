"""PerExampleGradients: the factored forms give what the full per-example arrays give.

Reference: the materialised arrays (n, *shape) and NumPy on them: squared norms summed over
parameters and weighted sums over examples, to 1e-12 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close

from glassml.optim import PerExampleGradients, wants_per_example


def _example():
    rng = np.random.default_rng(0)
    n = 9
    A, G = rng.normal(size=(n, 4)), rng.normal(size=(n, 3))
    R = rng.normal(size=(n, 2, 5))
    grads = PerExampleGradients(
        [(4, 3), (3,), (2, 5), (12,)],
        [("outer", A, G), ("rows", G), ("rows", R), ("outer", A, G)],
        shared=[np.ones((4, 3)), None, None, None],
    )
    return grads, A, G


def test_norms_and_sums_equal_the_materialised_gradients():
    grads, A, G = _example()
    full = grads.materialize()
    assert [g.shape for g in full] == [(9, 4, 3), (9, 3), (9, 2, 5), (9, 12)]
    norms = sum(np.sum(g.reshape(9, -1) ** 2, axis=1) for g in full)
    assert_close(grads.squared_norms(), norms, rtol=1e-12)
    c = np.random.default_rng(1).uniform(size=9)
    for mine, g in zip(grads.weighted_sum(c), full, strict=True):
        assert_close(mine, np.tensordot(c, g, axes=1), rtol=1e-12)
    # Example i's gradient of an outer block is a_i g_iᵀ, row-major in the parameter's shape.
    assert_close(full[0][2], np.outer(A[2], G[2]), rtol=1e-15)
    assert_close(full[3][2], np.outer(A[2], G[2]).ravel(), rtol=1e-15)


def test_from_arrays_and_empty():
    factored = _example()[0]
    grads = PerExampleGradients.from_arrays(factored.materialize())
    assert_close(grads.squared_norms(), factored.squared_norms(), rtol=1e-12)
    empty = PerExampleGradients.empty([(2, 2), (3,)])
    assert empty.n_examples == 0
    assert [s.shape for s in empty.weighted_sum(np.zeros(0))] == [(2, 2), (3,)]


def test_protocol_flag():
    class Plain:
        pass

    class PerExample:
        per_example = True

    assert not wants_per_example(Plain()) and wants_per_example(PerExample())


def test_bad_blocks_are_named():
    with pytest.raises(ValueError, match="blocks\\[0\\]"):
        PerExampleGradients([(4, 3)], [("outer", np.ones((2, 4)), np.ones((2, 2)))])
    with pytest.raises(ValueError, match="blocks\\[1\\]: 3 examples"):
        PerExampleGradients([(2,), (2,)], [("rows", np.ones((2, 2))), ("rows", np.ones((3, 2)))])
    with pytest.raises(ValueError, match="coefficients"):
        _example()[0].weighted_sum(np.ones(4))
    with pytest.raises(ValueError, match="grads"):
        PerExampleGradients.from_arrays(np.ones((3, 2)))
