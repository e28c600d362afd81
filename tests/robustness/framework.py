"""The robustness suite's machinery: entry points, families of bad input, and the verdict.

Every public entry point of glassml is registered once, in ``tests/robustness/entries_<family>.py``,
as an :class:`Entry`: a minimal valid call plus what its arguments are. The families below turn
that one valid call into bad ones, and :func:`verdict` says whether glassml answered well:

* a ``ValueError`` or ``TypeError`` (``FileNotFoundError`` for paths) whose message names the
  argument at fault: a **named error**;
* or a result that is finite and, where the mathematics says how it must transform (a
  :class:`Scale` declaration), equal to that transform of the valid call's result: a
  **correct result**. Without a declaration a result must at least be finite and must not
  collapse to a constant where the valid call's result varied.

Anything else fails the test: a crash, a deep ``IndexError``, an unnamed message, a NaN, a
silently constant answer.

Families (:data:`ARRAY_FAMILIES`, :data:`LABEL_FAMILIES`, :data:`OPTION_FAMILIES`):

=============  ==========================================================================
``nan``        one element of a data argument set to NaN (unless NaN is legal there)
``inf``        one element set to +inf or -inf
``empty``      zero rows
``ndim``       one axis more, or one fewer (a 2-D X given as 1-D)
``object``     an object array holding a string among the numbers
``complex``    a complex array with a non-zero imaginary part
``string``     an array of words
``huge``       the argument (or a declared group) multiplied by 1e300
``tiny``       multiplied by 1e-300
``length``     one row dropped, so it no longer matches the other data arguments
``one_class``  every label equal
``option``     each option given values of the wrong kind or outside its range
``numpy``      each numeric or boolean option given as a NumPy scalar (must behave the same)
=============  ==========================================================================
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

HUGE, TINY = 1e300, 1e-300
NAMED_ERRORS = (ValueError, TypeError, FileNotFoundError)


@dataclass(frozen=True)
class Scale:
    """How an entry's result must transform when ``args`` are all multiplied by ``s``.

    ``check(base, scaled, s)`` raises ``AssertionError`` when ``scaled`` (the result at the
    scaled arguments) is not what the mathematics says, given ``base`` (the result of the
    valid call). Use :func:`invariant`, :func:`equivariant` or write one.
    """

    args: tuple[str, ...]
    check: Callable[[Any, Any, float], None]
    # Some problems are scale-equivariant only up to a limit (a penalty that does not scale):
    # ``families`` restricts the declaration to "huge" or "tiny".
    families: tuple[str, ...] = ("huge", "tiny")


def _leaves(result: Any) -> list[np.ndarray]:
    """Every numeric array or number inside a result (tuples, dicts, dataclasses, objects)."""
    if result is None or isinstance(result, str | bytes):
        return []
    if isinstance(result, bool | np.bool_):
        return []
    if isinstance(result, numbers.Number | np.ndarray | np.generic):
        array = np.asarray(result)
        return [array] if array.dtype.kind in "fciu" else []
    if isinstance(result, Mapping):
        return [leaf for value in result.values() for leaf in _leaves(value)]
    if isinstance(result, Sequence):
        return [leaf for value in result for leaf in _leaves(value)]
    if dataclasses.is_dataclass(result):
        return [
            leaf
            for item in dataclasses.fields(result)
            for leaf in _leaves(getattr(result, item.name))
        ]
    if hasattr(result, "toarray"):  # scipy.sparse
        return _leaves(result.toarray())
    if hasattr(result, "__array__"):
        # Array-likes (an autodiff Tensor, a DataFrame) are judged as the arrays they hold;
        # without this their NaNs and constants would pass every check unseen.
        return _leaves(np.asarray(result))
    return []


def assert_finite(result: Any, what: str = "result") -> None:
    for leaf in _leaves(result):
        if leaf.dtype.kind == "c":
            raise AssertionError(f"{what}: complex output {leaf!r:.80}")
        if not np.all(np.isfinite(leaf)):
            raise AssertionError(f"{what}: non-finite output {leaf!r:.200}")


def _flat(result: Any) -> np.ndarray:
    leaves = _leaves(result)
    if not leaves:
        return np.zeros(0)
    return np.concatenate([np.ravel(leaf).astype(np.float64) for leaf in leaves])


def invariant(rtol: float = 1e-7, atol: float = 0.0) -> Callable[[Any, Any, float], None]:
    """The result does not change (class labels, cluster labels, p-values of a scale-free test)."""

    def check(base: Any, scaled: Any, s: float) -> None:
        a, b = _flat(base), _flat(scaled)
        if a.shape != b.shape or not np.allclose(b, a, rtol=rtol, atol=atol):
            raise AssertionError(
                f"expected the result unchanged at scale {s:g}; got {b[:8]} vs {a[:8]}"
            )

    return check


def equivariant(power: float = 1.0, rtol: float = 1e-7) -> Callable[[Any, Any, float], None]:
    """The result scales as ``s ** power`` (predictions of a regression when X and y scale).

    Where ``s ** power`` is beyond float64 (``1e300 ** 2``) the transformed result is not
    representable: a result whose true value overflows must be refused (a named error), and
    one whose true value underflows must be what float64 rounds it to (zero or subnormal).
    """

    def check(base: Any, scaled: Any, s: float) -> None:
        a, b = _flat(base), _flat(scaled)
        with np.errstate(over="ignore", under="ignore"):
            factor = np.float64(s) ** power
            if np.isfinite(factor) and factor != 0:
                # Compare b / factor with a, so the comparison itself does not overflow.
                rescaled = b / factor
                agrees = a.shape == b.shape and np.allclose(
                    rescaled, a, rtol=rtol, atol=rtol * np.max(np.abs(a), initial=0)
                )
            else:
                # a s^p in two half steps: the float64 value the exact product rounds to.
                half = np.float64(s) ** (power / 2)
                rescaled = (a * half) * half
                agrees = a.shape == b.shape and np.allclose(
                    b, rescaled, rtol=rtol, atol=np.finfo(np.float64).tiny
                )
        if not agrees:
            raise AssertionError(
                f"expected the result times {s:g}**{power}; got {b[:8]} vs {a[:8]} (rescaled "
                f"{rescaled[:8]})"
            )

    return check


def per_output(*checks: Callable[[Any, Any, float], None]) -> Callable[[Any, Any, float], None]:
    """One check per output of a result tuple: ``per_output(equivariant(), invariant())`` for
    ``(x, n_iter)`` when ``x`` scales and the iteration count does not."""

    def check(base: Any, scaled: Any, s: float) -> None:
        if len(base) != len(checks) or len(scaled) != len(checks):
            raise AssertionError(f"expected {len(checks)} outputs, got {len(scaled)}")
        for position, (one, a, b) in enumerate(zip(checks, base, scaled, strict=True)):
            try:
                one(a, b, s)
            except AssertionError as error:
                raise AssertionError(f"output {position}: {error}") from None

    return check


def equals(
    expected: Any, rtol: float = 1e-7, atol: float = 0.0, power: float = 0.0
) -> Callable[[Any, Any, float], None]:
    """The result at the scale is a known value (a limit: ``exp(-gamma s^2 d) -> 0``), or with
    ``power`` that value times ``s ** power`` (ridge at ``(X, y) * s`` -> least squares * s)."""
    if power != 0.0:
        scaled_check = equivariant(power, rtol)
        return lambda base, scaled, s: scaled_check(expected, scaled, s)

    def check(base: Any, scaled: Any, s: float) -> None:
        a, b = _flat(expected), _flat(scaled)
        if a.shape != b.shape or not np.allclose(b, a, rtol=rtol, atol=atol):
            raise AssertionError(f"expected {a[:8]} at scale {s:g}; got {b[:8]}")

    return check


def affine(offset: Any, rtol: float = 1e-7) -> Callable[[Any, Any, float], None]:
    """The result is ``offset + s (base - offset)``: a fitted linear model's output at ``X * s``
    (the intercept stays, the rest scales)."""

    def check(base: Any, scaled: Any, s: float) -> None:
        a, b = _flat(base), _flat(scaled)
        # The offset broadcasts against the result (one intercept per output column).
        c = np.broadcast_to(np.asarray(offset, dtype=np.float64), np.shape(base)).ravel()
        with np.errstate(over="ignore", under="ignore"):
            expected = c + s * (a - c)
        scale = np.max(np.abs(expected), initial=0)
        if a.shape != b.shape or not np.allclose(b, expected, rtol=rtol, atol=rtol * scale):
            raise AssertionError(
                f"expected offset + {s:g} (result - offset): {expected[:8]}; got {b[:8]}"
            )

    return check


def not_constant(base: Any, scaled: Any, s: float) -> None:
    """The weakest claim: where the valid result varied, the scaled one must vary too."""
    a, b = _flat(base), _flat(scaled)
    if a.size > 1 and np.ptp(a) > 0 and b.size > 1 and np.ptp(b) == 0:
        raise AssertionError(f"the result collapsed to a constant ({b[0]!r}) at scale {s:g}")


@dataclass
class Entry:
    """One public entry point and a minimal valid call of it.

    ``call(**arguments)`` performs the call and returns what should be judged (for an
    estimator's ``fit``, typically its predictions on the training data). ``arrays`` name the
    numeric data arguments, ``labels`` the class-label ones, ``options`` maps each option to
    extra bad values to try (the automatic ones come from the valid value's type; give
    ``auto=False`` in :func:`opt` to switch them off). ``compare(base, other)`` decides whether
    two results are the same (default: equal within 1e-9 relative).
    """

    name: str
    call: Callable[..., Any]
    arguments: dict[str, Any]
    arrays: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    options: dict[str, Option] = field(default_factory=dict)
    scale: tuple[Scale, ...] = ()
    allow_nan: tuple[str, ...] = ()
    # Families that do not apply, each with the reason (for example ``{"empty": "a 1-row
    # sample is the minimum and is checked in the family's own tests"}``): stated, never silent.
    skip: dict[str, str] = field(default_factory=dict)
    compare: Callable[[Any, Any], None] | None = None
    # Arguments an error may name instead of the one mutated (``"X, y"`` names both).
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [
            name
            for name in (*self.arrays, *self.labels, *self.options, *self.allow_nan)
            if name not in self.arguments
        ]
        if missing:
            raise ValueError(f"{self.name}: {missing} are not among the arguments")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Option:
    bad: tuple[Any, ...] = ()
    auto: bool = True


def opt(*bad: Any, auto: bool = True) -> Option:
    """Extra bad values for an option (besides the automatic ones for its type)."""
    return Option(bad=bad, auto=auto)


def automatic_bad_values(valid: Any) -> list[Any]:
    """Values of the wrong kind for an option whose valid value is ``valid``."""
    if isinstance(valid, bool | np.bool_):
        return ["yes", 2]
    if isinstance(valid, str):
        return ["no-such-option", 3]
    if isinstance(valid, numbers.Integral):
        return ["3", 2.5, math.nan]
    if isinstance(valid, numbers.Real):
        return ["0.1", math.nan, math.inf, 1j]
    return []


def as_numpy_scalar(valid: Any) -> Any:
    """The NumPy counterpart of a Python scalar (or list of numbers), or ``None``."""
    if isinstance(valid, bool):
        return np.bool_(valid)
    if isinstance(valid, numbers.Integral) and not isinstance(valid, np.generic):
        return np.int64(valid)
    if isinstance(valid, float):
        return np.float64(valid)
    if (
        isinstance(valid, tuple | list)
        and valid
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in valid)
    ):
        return np.array(valid)
    return None


# ---------------------------------------------------------------------- mutations of data


def _numeric(value: Any) -> np.ndarray:
    return np.array(value, dtype=np.float64, copy=True)


def mutate(family: str, value: Any, position: int, sign: int = 1) -> Any:
    """The bad version of a data argument for one family (``position`` picks the element)."""
    array = np.asarray(value)
    flat_index = position % max(array.size, 1)
    if family in ("nan", "inf"):
        out = _numeric(array)
        out.flat[flat_index] = np.nan if family == "nan" else sign * np.inf
        return out
    if family == "empty":
        return _numeric(array)[:0]
    if family == "ndim":
        out = _numeric(array)
        return out[..., None] if sign > 0 or out.ndim < 2 else out[:, 0]
    if family == "object":
        out = np.array(array, dtype=object)
        out.flat[flat_index] = "a"
        return out
    if family == "complex":
        out = _numeric(array).astype(np.complex128)
        out.flat[flat_index] += 1j
        return out
    if family == "string":
        return np.full(array.shape, "word", dtype=object).astype(str)
    if family == "length":
        return np.asarray(value)[:-1]
    if family == "one_class":
        return np.full_like(array, array.flat[0])
    raise ValueError(f"unknown family {family!r}")


def scaled(value: Any, factor: float) -> np.ndarray:
    with np.errstate(over="ignore", under="ignore"):
        return _numeric(value) * factor


# ---------------------------------------------------------------------- the verdict


def names_argument(error: BaseException, names: Sequence[str]) -> bool:
    message = str(error)
    return any(
        re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) for name in names
    )


@dataclass
class Outcome:
    kind: str  # "named error" | "correct result"
    detail: str = ""


def verdict(
    entry: Entry,
    family: str,
    argument: str,
    run: Callable[[], Any],
    check_result: Callable[[Any], None] | None,
) -> Outcome:
    """Run one probe; return its outcome or raise ``AssertionError`` saying what went wrong."""
    names = (argument, *entry.aliases.get(argument, ()))
    try:
        result = run()
    except NAMED_ERRORS as error:
        if not names_argument(error, names):
            raise AssertionError(
                f"{entry.name} [{family} in {argument!r}]: {type(error).__name__} does not name "
                f"the argument: {error}"
            ) from error
        return Outcome("named error", f"{type(error).__name__}: {error}")
    except Exception as error:
        raise AssertionError(
            f"{entry.name} [{family} in {argument!r}]: {type(error).__name__} instead of a named "
            f"ValueError/TypeError: {error}"
        ) from error
    if check_result is None:
        raise AssertionError(
            f"{entry.name} [{family} in {argument!r}]: accepted bad input and returned "
            f"{result!r:.200}"
        )
    try:
        assert_finite(result, f"{entry.name} [{family} in {argument!r}]")
        check_result(result)
    except AssertionError as error:
        raise AssertionError(f"{entry.name} [{family} in {argument!r}]: {error}") from None
    return Outcome("correct result")


def default_compare(base: Any, other: Any) -> None:
    a, b = _flat(base), _flat(other)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
        raise AssertionError(f"result differs from the valid call's: {b[:8]} vs {a[:8]}")


ARRAY_FAMILIES = (
    "nan",
    "inf",
    "empty",
    "ndim",
    "object",
    "complex",
    "string",
    "huge",
    "tiny",
    "length",
)
LABEL_FAMILIES = ("one_class",)
OPTION_FAMILIES = ("option", "numpy")
FAMILIES = ARRAY_FAMILIES + LABEL_FAMILIES + OPTION_FAMILIES
