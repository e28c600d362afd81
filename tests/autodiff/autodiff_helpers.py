"""Shared pieces of the autodiff tests: random arrays from a seed, and the gradient assertion."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from glassml.autodiff import check_grad

# The bar: every primitive's gradient matches central differences in float64.
GRAD_RTOL = 1e-6

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def uniform(rng: np.random.Generator, shape, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, size=shape)


def away_from_zero(rng: np.random.Generator, shape, low: float = 0.1, high: float = 2.0):
    """Values with |x| in [low, high] and random signs (keeps finite differences off kinks)."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def assert_grad_matches(fun, *args, argnums=None, tol: float = GRAD_RTOL) -> None:
    """``sum(fun(*args) * W)`` with a random fixed weight ``W``: checks ``g``-dependent VJPs."""
    from glassml.autodiff import Tensor, no_grad
    from glassml.autodiff import sum as ad_sum

    with no_grad():
        out = fun(*[Tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    weight = np.random.default_rng(len(out.shape) + out.size).uniform(0.5, 1.5, size=out.shape)

    def weighted(*xs):
        return ad_sum(fun(*xs) * weight)

    error = check_grad(weighted, *args, argnums=argnums)
    assert error <= tol, f"relative gradient error {error:.3e} > {tol:.0e}"
