"""Weight initialisers: He (Kaiming) and Glorot (Xavier), uniform and normal.

For a weight of fan-in ``n_in`` and fan-out ``n_out`` the target variance is

    He:      Var[w] = 2 / n_in                 (He et al., 2015, keeps ReLU activations' scale)
    Glorot:  Var[w] = 2 / (n_in + n_out)       (Glorot & Bengio, 2010, balances both passes)

A uniform law U(-a, a) has variance a² / 3, hence a = sqrt(3 Var); a normal law is N(0, Var).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Fan-in and fan-out of a weight: Dense (n_in, n_out) or Conv2D (F, C, kh, kw)."""
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) == 4:
        receptive_field = int(shape[2] * shape[3])
        return int(shape[1]) * receptive_field, int(shape[0]) * receptive_field
    raise ValueError(f"shape must be (n_in, n_out) or (F, C, kh, kw), got {shape}")


def _he_variance(shape: tuple[int, ...]) -> float:
    fan_in, _ = fans(shape)
    return 2.0 / fan_in


def _glorot_variance(shape: tuple[int, ...]) -> float:
    fan_in, fan_out = fans(shape)
    return 2.0 / (fan_in + fan_out)


def _uniform(variance: Callable[[tuple[int, ...]], float]):
    def initialise(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        limit = np.sqrt(3.0 * variance(shape))
        return rng.uniform(-limit, limit, size=shape).astype(dtype)

    return initialise


def _normal(variance: Callable[[tuple[int, ...]], float]):
    def initialise(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        return (rng.standard_normal(size=shape) * np.sqrt(variance(shape))).astype(dtype)

    return initialise


he_uniform = _uniform(_he_variance)
he_normal = _normal(_he_variance)
glorot_uniform = _uniform(_glorot_variance)
glorot_normal = _normal(_glorot_variance)

INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
}


def get_initializer(name: str) -> Callable[..., np.ndarray]:
    if name not in INITIALIZERS:
        raise ValueError(f"init must be one of {sorted(INITIALIZERS)}, got {name!r}")
    return INITIALIZERS[name]
