"""Per-example gradients, kept factored: what an optimiser that treats examples one by one
(differentially private SGD clips each example's gradient) receives instead of their mean.

For a dense layer y = x W + b the gradient of example i's loss is an outer product,
dL_i/dW = x_i g_iᵀ with g_i = dL_i/dy_i (Goodfellow 2015, "Efficient per-example gradient
computations"); a linear model's is r_i x̃_iᵀ with r_i its residual. Storing the factors
(x_i, g_i) instead of the n matrices x_i g_iᵀ costs n (p + q) numbers instead of n p q, and
the two things a clipping optimiser needs stay cheap:

    ||x_i g_iᵀ||_F² = ||x_i||² ||g_i||²                          (per-example norms)
    Σ_i c_i x_i g_iᵀ = Xᵀ diag(c) G                                (one matrix product)

A parameter's block is either ``outer(A, G)`` (gradient_i = A[i] ⊗ G[i], reshaped to the
parameter's shape) or ``rows(R)`` (gradient_i = R[i], any shape, stored in full: biases, or
layers without a factored form). ``shared`` holds a gradient that involves no example (a
penalty's), added once to whatever the optimiser makes of the examples' part.

An optimiser asks for these by setting the class attribute ``per_example = True``; the training
loops that support it (``glassml.nn.fit``, ``glassml.linear.LogisticRegression``) then call
``optimizer.batches(n_samples, batch_size, rng)`` for each epoch's batches (a list of index
arrays, possibly empty) and pass a :class:`PerExampleGradients` to ``optimizer.step``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import fail


@dataclass(frozen=True)
class _Block:
    kind: str  # "outer" or "rows"
    left: NDArray  # A (n, p) or R (n, size)
    right: NDArray | None  # G (n, q) for "outer"


def _real(array: Any, where: str) -> NDArray:
    """A real, finite array (a NaN gradient would pass clipping as a NaN norm)."""
    try:
        values = np.asarray(array)
    except (TypeError, ValueError):
        raise fail(where, "an array of real numbers", array) from None
    if values.dtype.kind not in "fiub":
        raise fail(where, "an array of real numbers", values)
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise fail(where, "finite numbers", "NaN or infinity")
    return values


def wants_per_example(optimizer: Any) -> bool:
    """Whether ``optimizer`` takes per-example gradients (``per_example = True``).

    Examples
    --------
    >>> from glassml.optim import Adam, wants_per_example
    >>> class Clipping:  # glassml.privacy.DPSGD declares the same
    ...     per_example = True
    >>> wants_per_example(Clipping()), wants_per_example(Adam())
    (True, False)
    """
    return getattr(optimizer, "per_example", False) is True


class PerExampleGradients:
    """The gradients of n examples' losses with respect to a list of parameters.

    Build with :meth:`outer` and :meth:`rows` blocks, one per parameter in parameter order.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import PerExampleGradients
    >>> X = np.array([[1.0, 2.0], [0.0, 1.0]]); G = np.array([[3.0], [-1.0]])
    >>> grads = PerExampleGradients([(2, 1), (1,)], [("outer", X, G), ("rows", G)])
    >>> grads.squared_norms()  # ||x_i||² ||g_i||² + ||g_i||²
    array([54.,  2.])
    >>> [g.tolist() for g in grads.weighted_sum(np.ones(2))]  # Xᵀ G and Σ g_i
    [[[3.0], [5.0]], [2.0]]
    """

    def __init__(
        self,
        shapes: Sequence[tuple[int, ...]],
        blocks: Sequence[tuple],
        shared: Sequence[NDArray | None] | None = None,
    ) -> None:
        if len(shapes) != len(blocks):
            raise fail("blocks", f"one block per parameter ({len(shapes)})", len(blocks))
        self.shapes = [tuple(int(size) for size in shape) for shape in shapes]
        self._blocks: list[_Block] = []
        n_examples = None
        for index, (shape, block) in enumerate(zip(self.shapes, blocks, strict=True)):
            size = int(np.prod(shape))
            if block[0] == "outer":
                left = _real(block[1], f"blocks[{index}]")
                right = _real(block[2], f"blocks[{index}]")
                if left.ndim != 2 or right.ndim != 2 or left.shape[0] != right.shape[0]:
                    raise fail(f"blocks[{index}]", "factors A (n, p) and G (n, q)", block[0])
                if left.shape[1] * right.shape[1] != size:
                    raise ValueError(
                        f"blocks[{index}]: factors of widths {left.shape[1]} x "
                        f"{right.shape[1]} do not fill a parameter of shape {shape}"
                    )
                stored = _Block("outer", left, right)
            elif block[0] == "rows":
                left = _real(block[1], f"blocks[{index}]")
                if left.ndim:
                    left = left.reshape(left.shape[0], -1 if left.shape[0] else size)
                if left.ndim != 2 or left.shape[1] != size:
                    raise ValueError(
                        f"blocks[{index}]: expected rows of {size} numbers for a parameter of "
                        f"shape {shape}, got {np.shape(block[1])}"
                    )
                stored = _Block("rows", left, None)
            else:
                raise fail(f"blocks[{index}]", "an 'outer' or 'rows' block", block[0])
            if n_examples is None:
                n_examples = stored.left.shape[0]
            elif stored.left.shape[0] != n_examples:
                raise ValueError(
                    f"blocks[{index}]: {stored.left.shape[0]} examples, the first block has "
                    f"{n_examples}"
                )
            self._blocks.append(stored)
        self.n_examples = int(n_examples or 0)
        if shared is None:
            shared = [None] * len(self.shapes)
        if len(shared) != len(self.shapes):
            raise fail("shared", f"one entry per parameter ({len(self.shapes)})", len(shared))
        self.shared = [
            None if item is None else np.asarray(item).reshape(shape)
            for item, shape in zip(shared, self.shapes, strict=True)
        ]

    @classmethod
    def trusted(
        cls,
        shapes: Sequence[tuple[int, ...]],
        blocks: Sequence[tuple],
        shared: Sequence[NDArray | None],
    ) -> PerExampleGradients:
        """The same object without the checks, for blocks a model computed itself from checked
        data in a training loop (the checks cost as much as a small batch's gradients). A
        clipping optimiser still refuses non-finite norms."""
        grads = cls.__new__(cls)
        grads.shapes = [tuple(shape) for shape in shapes]
        grads._blocks = [
            _Block(block[0], block[1], block[2] if block[0] == "outer" else None)
            for block in blocks
        ]
        grads.n_examples = int(blocks[0][1].shape[0]) if blocks else 0
        grads.shared = list(shared)
        return grads

    def squared_norms(self) -> NDArray:
        """||gradient_i||² summed over all parameters, for each example (shared part left out)."""
        total = np.zeros(self.n_examples)
        for block in self._blocks:
            if block.kind == "outer":
                total += np.einsum("ij,ij->i", block.left, block.left) * np.einsum(
                    "ij,ij->i", block.right, block.right
                )
            else:
                total += np.einsum("ij,ij->i", block.left, block.left)
        return total

    def weighted_sum(self, coefficients: NDArray) -> list[NDArray]:
        """Σ_i c_i gradient_i for each parameter (shared part left out)."""
        c = _real(coefficients, "coefficients").astype(np.float64, copy=False)
        if c.shape != (self.n_examples,):
            raise fail("coefficients", f"one coefficient per example ({self.n_examples})", c)
        sums = []
        for block, shape in zip(self._blocks, self.shapes, strict=True):
            if block.kind == "outer":
                value = (block.left * c[:, None]).T @ block.right
            else:
                value = c @ block.left
            sums.append(np.asarray(value).reshape(shape))
        return sums

    def materialize(self) -> list[NDArray]:
        """Every example's gradient in full: arrays of shape (n, *parameter shape)."""
        full = []
        for block, shape in zip(self._blocks, self.shapes, strict=True):
            if block.kind == "outer":
                value = block.left[:, :, None] * block.right[:, None, :]
            else:
                value = block.left
            full.append(value.reshape((self.n_examples, *shape)))
        return full

    @classmethod
    def empty(
        cls, shapes: Sequence[tuple[int, ...]], shared: Sequence[NDArray | None] | None = None
    ) -> PerExampleGradients:
        """No example at all (an empty Poisson-sampled batch): only the shared part."""
        blocks = [("rows", np.zeros((0, int(np.prod(shape))))) for shape in shapes]
        return cls(shapes, blocks, shared)

    @classmethod
    def from_arrays(
        cls, grads: Sequence[NDArray], shared: Sequence[NDArray | None] | None = None
    ) -> PerExampleGradients:
        """Explicit per-example gradients: one array (n, *parameter shape) per parameter."""
        if isinstance(grads, np.ndarray):
            raise fail("grads", "a list of arrays (one per parameter)", "a single array")
        shapes, blocks = [], []
        for index, grad in enumerate(grads):
            grad = _real(grad, f"grads[{index}]")
            if grad.ndim < 1 or grad.dtype.kind not in "fiu":
                raise fail(f"grads[{index}]", "real arrays with the examples along axis 0", grad)
            shapes.append(grad.shape[1:])
            blocks.append(("rows", grad.reshape(grad.shape[0], int(np.prod(grad.shape[1:])))))
        return cls(shapes, blocks, shared)
