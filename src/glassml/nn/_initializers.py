"""Weight initialisers: He (Kaiming) and Glorot (Xavier), uniform and normal.

For a weight of fan-in ``n_in`` and fan-out ``n_out`` the target variance is

    He:      Var[w] = 2 / n_in                 (He et al., 2015, keeps ReLU activations' scale)
    Glorot:  Var[w] = 2 / (n_in + n_out)       (Glorot & Bengio, 2010, balances both passes)

A uniform law U(-a, a) has variance a² / 3, hence a = sqrt(3 Var); a normal law is N(0, Var).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassml._validation import check_option, fail


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Fan-in and fan-out of a weight: Dense (n_in, n_out), Conv1D (K, C, F) or Conv2D
    (F, C, kh, kw)."""
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) == 3:  # Conv1D, channels last: each output sees K C inputs
        return int(shape[0] * shape[1]), int(shape[0] * shape[2])
    if len(shape) == 4:
        receptive_field = int(shape[2] * shape[3])
        return int(shape[1]) * receptive_field, int(shape[0]) * receptive_field
    raise fail("shape", "(n_in, n_out), (K, C, F) or (F, C, kh, kw)", shape)


def _check_arguments(shape: Any, rng: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    from glassml.nn._module import check_dtype, check_shape

    shape = check_shape(shape, "shape")
    fans(shape)
    if not isinstance(rng, np.random.Generator):
        raise fail("rng", "a numpy.random.Generator", rng)
    return shape, check_dtype(dtype)


def _he_variance(shape: tuple[int, ...]) -> float:
    fan_in, _ = fans(shape)
    return 2.0 / fan_in


def _glorot_variance(shape: tuple[int, ...]) -> float:
    fan_in, fan_out = fans(shape)
    return 2.0 / (fan_in + fan_out)


def _uniform(variance: Callable[[tuple[int, ...]], float], name: str, law: str):
    def initialise(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        shape, dtype = _check_arguments(shape, rng, dtype)
        limit = np.sqrt(3.0 * variance(shape))
        return rng.uniform(-limit, limit, size=shape).astype(dtype)

    return _named(initialise, name, law)


def _normal(variance: Callable[[tuple[int, ...]], float], name: str, law: str):
    def initialise(shape, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        shape, dtype = _check_arguments(shape, rng, dtype)
        return (rng.standard_normal(size=shape) * np.sqrt(variance(shape))).astype(dtype)

    return _named(initialise, name, law)


def _named(initialise: Callable[..., np.ndarray], name: str, law: str):
    initialise.__name__ = initialise.__qualname__ = name
    initialise.__doc__ = f"""Weights drawn from {law}.

    ``{name}(shape, rng, dtype=np.float32)``: ``shape`` is a Dense weight ``(n_in, n_out)``,
    a Conv1D weight ``(K, C, F)`` (fans ``K C`` and ``K F``) or a Conv2D weight
    ``(F, C, kh, kw)`` (fans ``C kh kw`` and ``F kh kw``).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.nn import {name}
    >>> weights = {name}((400, 300), np.random.default_rng(0))
    >>> weights.shape, weights.dtype
    ((400, 300), dtype('float32'))
    """
    return initialise


he_uniform = _uniform(_he_variance, "he_uniform", "U(-a, a), a = sqrt(6 / n_in) (He et al., 2015)")
he_normal = _normal(_he_variance, "he_normal", "N(0, 2 / n_in) (He et al., 2015)")
glorot_uniform = _uniform(
    _glorot_variance,
    "glorot_uniform",
    "U(-a, a), a = sqrt(6 / (n_in + n_out)) (Glorot & Bengio, 2010)",
)
glorot_normal = _normal(
    _glorot_variance, "glorot_normal", "N(0, 2 / (n_in + n_out)) (Glorot & Bengio, 2010)"
)

INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
}


def get_initializer(name: str) -> Callable[..., np.ndarray]:
    return INITIALIZERS[check_option(name, "init", INITIALIZERS)]
