"""Resampling inference: permutation tests and bootstrap confidence intervals.

Permutation test. Under H0 (the samples come from one distribution) every reassignment of the
pooled observations to groups of the original sizes is equally likely, so the statistic's null
distribution is its value over those reassignments. With T_obs observed and T_1..T_R resampled,
    p_greater = (#{T_r >= T_obs} + 1) / (R + 1)        (random reassignments; the +1 counts
                                                       the observed one, keeping p valid)
    p_greater = #{T_r >= T_obs} / R                    (exact: all R reassignments enumerated)
and the two-sided p-value is twice the smaller tail, capped at 1 (as in scipy).

Bootstrap. Resample each sample with replacement, recompute the statistic B times:
    percentile:  [q_{a/2}, q_{1-a/2}] of the bootstrap values T*
    basic:       [2 T - q_{1-a/2}, 2 T - q_{a/2}]
    BCa:         percentiles a1 = Phi(z0 + (z0 + z_{a/2}) / (1 - acc (z0 + z_{a/2}))) (and a2 with
                 z_{1-a/2}), with bias z0 = Phi^-1((#{T* < T} + #{T* <= T}) / 2B) and acceleration
                 acc = sum U^3 / (6 (sum U^2)^{3/2}), U = mean(T_jack) - T_jack (jackknife; with
                 several samples, each sample's influence values are scaled by (n - 1)/n and
                 the sums are added over samples).
Efron (1987), "Better bootstrap confidence intervals"; Efron & Tibshirani (1993), ch. 14.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numba
import numpy as np
from scipy import special
from scipy import stats as scipy_stats

from glassml._validation import (
    check_bool,
    check_callable,
    check_count,
    check_option,
    check_probability,
)
from glassml.stats._validation import (
    as_sample,
    check_alternative,
    check_generator,
    data_scale,
    real_array,
)

# Resamples are built in batches of about this many numbers (~32 MB of float64).
_BATCH_ELEMENTS = 4_000_000
# The resampled statistics are kept: 10^8 of them take 800 MB.
_MAX_RESAMPLES = 100_000_000


def _as_samples(data, name: str = "data") -> list[np.ndarray]:
    if isinstance(data, np.ndarray) and data.ndim == 2:
        data = list(data)  # rows of a 2-D array are samples of equal length
    if not isinstance(data, Sequence) or isinstance(data, str) or len(data) == 0:
        raise ValueError(
            f"{name}: expected a sequence of 1-D samples such as (x,) or (x, y), got "
            f"{type(data).__name__}"
        )
    return [as_sample(sample, f"{name}[{i}]") for i, sample in enumerate(data)]


def _check_resamples(n_resamples, minimum: int) -> int:
    n_resamples = check_count(n_resamples, "n_resamples", minimum=minimum)
    if n_resamples > _MAX_RESAMPLES:
        raise ValueError(
            f"n_resamples: expected at most {_MAX_RESAMPLES:,} resamples, got {n_resamples}"
        )
    return n_resamples


def _vectorised(statistic: Callable, vectorized: bool | None) -> Callable:
    """A statistic that takes batches (samples along the last axis) and returns one per row."""
    check_callable(statistic, "statistic")
    if vectorized is None:
        try:
            import inspect

            vectorized = "axis" in inspect.signature(statistic).parameters
        except (TypeError, ValueError):
            vectorized = False
    vectorized = check_bool(vectorized, "vectorized")

    def checked(values, n_rows: int) -> np.ndarray:
        values = real_array(values, "statistic(*samples)")
        if values.shape != (n_rows,):
            raise ValueError(
                f"statistic: expected one number per resample, {n_rows} in all, got shape "
                f"{values.shape}"
            )
        return values

    if vectorized:
        return lambda *samples: checked(statistic(*samples, axis=-1), samples[0].shape[0])

    def row_by_row(*samples):
        values = [statistic(*row) for row in zip(*samples, strict=True)]
        return checked(np.array(values, dtype=object).reshape(-1), samples[0].shape[0])

    return row_by_row


def _observed(evaluate: Callable, samples: list[np.ndarray]) -> float:
    """The statistic on the data themselves: it must be a finite number."""
    observed = float(evaluate(*[sample[np.newaxis, :] for sample in samples])[0])
    if not np.isfinite(observed):
        raise ValueError(f"statistic: expected a finite value on data, got {observed}")
    return observed


# ----------------------------------------------------------------------------------------------
# Permutation test
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermutationResult:
    """A permutation test's observed ``statistic``, its ``pvalue``, the statistic over the
    reassignments (``null_distribution``) and whether they were all enumerated (``exact``)."""

    statistic: float
    pvalue: float
    null_distribution: np.ndarray
    exact: bool
    n_resamples: int


@numba.njit(cache=True)
def _permuted_rows(pooled, n_rows, n_moved, rng):  # pragma: no cover - compiled
    """Rows of ``pooled`` whose first ``n_moved`` places hold a uniformly random ordered subset.

    A partial Fisher–Yates shuffle of k places draws a uniformly random ordered k-subset for the
    front from *any* arrangement of the pool, so one working array is shuffled on from row to row
    without being reset; the rest of each row is the complement. Group statistics are symmetric
    in their members, so this is all an independent-samples test needs, at k draws per row
    instead of n. ``position + floor(u * (n - position))`` with u ~ U[0, 1) picks the swap
    partner (bias below n / 2^53) and is several times faster than bounded integer draws here.
    """
    n_total = pooled.size
    rows = np.empty((n_rows, n_total))
    work = pooled.copy()
    for row in range(n_rows):
        for position in range(n_moved):
            other = position + int(rng.random() * (n_total - position))
            held = work[position]
            work[position] = work[other]
            work[other] = held
        rows[row, :] = work
    return rows


def _split(rows: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    return np.split(rows, np.cumsum(sizes)[:-1], axis=-1)


def _all_partitions(sizes: Sequence[int]):
    """Every assignment of range(sum(sizes)) to groups of the given sizes, as index arrays."""
    n_total = sum(sizes)

    def assign(remaining: tuple[int, ...], group_sizes: Sequence[int]):
        if len(group_sizes) == 1:
            yield [remaining]
            return
        for chosen in itertools.combinations(remaining, group_sizes[0]):
            rest = tuple(index for index in remaining if index not in set(chosen))
            for tail in assign(rest, group_sizes[1:]):
                yield [chosen, *tail]

    for groups in assign(tuple(range(n_total)), list(sizes)):
        yield np.concatenate([np.asarray(group, dtype=np.intp) for group in groups])


def permutation_test(
    data,
    statistic: Callable,
    *,
    permutation_type: str = "independent",
    n_resamples: int = 9999,
    alternative: str = "two-sided",
    vectorized: bool | None = None,
    random_state=None,
) -> PermutationResult:
    """Permutation test of H0 "no difference between samples" for any statistic.

    ``permutation_type="independent"`` reassigns pooled observations to groups;
    ``"paired"`` swaps the two values within each pair (two samples of equal length). When the
    number of distinct reassignments is at most ``n_resamples`` they are all enumerated (an
    exact test). ``statistic(*samples, axis=-1)`` should work on batches (rows of resamples);
    otherwise pass ``vectorized=False``.

    Examples
    --------
    >>> import numpy as np
    >>> def mean_difference(x, y, axis=-1):
    ...     return np.mean(x, axis=axis) - np.mean(y, axis=axis)
    >>> result = permutation_test(([4.1, 5.2, 6.3, 5.9], [3.0, 3.8, 4.4]), mean_difference)
    >>> result.exact, result.n_resamples, round(result.pvalue, 4)  # all C(7, 3) = 35 splits
    (True, 35, 0.1143)
    """
    samples = _as_samples(data)
    alternative = check_alternative(alternative)
    permutation_type = check_option(permutation_type, "permutation_type", ("independent", "paired"))
    n_resamples = _check_resamples(n_resamples, minimum=1)
    evaluate = _vectorised(statistic, vectorized)
    rng = check_generator(random_state)
    observed = _observed(evaluate, samples)

    if permutation_type == "paired":
        null, exact = _paired_null(samples, evaluate, n_resamples, rng)
    else:
        null, exact = _independent_null(samples, evaluate, n_resamples, rng)

    # Numerically distinct but theoretically equal statistics count as ties (as scipy does).
    tolerance = abs(observed) * np.finfo(np.float64).eps * 100
    adjustment = 0 if exact else 1
    count_less = np.count_nonzero(null <= observed + tolerance)
    count_greater = np.count_nonzero(null >= observed - tolerance)
    p_less = (count_less + adjustment) / (null.size + adjustment)
    p_greater = (count_greater + adjustment) / (null.size + adjustment)
    pvalue = {"less": p_less, "greater": p_greater, "two-sided": 2 * min(p_less, p_greater)}[
        alternative
    ]
    return PermutationResult(
        statistic=observed,
        pvalue=float(min(pvalue, 1.0)),
        null_distribution=null,
        exact=exact,
        n_resamples=int(null.size),
    )


def _independent_null(samples, evaluate, n_resamples, rng):
    sizes = [sample.size for sample in samples]
    pooled = np.concatenate(samples)
    n_total = pooled.size
    n_distinct = math.factorial(n_total) // math.prod(math.factorial(size) for size in sizes)
    if n_distinct <= n_resamples:
        null = []
        batch = []
        for order in _all_partitions(sizes):
            batch.append(pooled[order])
            if len(batch) * n_total >= _BATCH_ELEMENTS:
                null.append(evaluate(*_split(np.stack(batch), sizes)))
                batch = []
        if batch:
            null.append(evaluate(*_split(np.stack(batch), sizes)))
        return np.concatenate(null), True

    rows_per_batch = max(1, _BATCH_ELEMENTS // n_total)
    n_moved = n_total - sizes[-1]
    null = np.empty(n_resamples)
    for start in range(0, n_resamples, rows_per_batch):
        n_rows = min(rows_per_batch, n_resamples - start)
        rows = _permuted_rows(pooled, n_rows, n_moved, rng)
        null[start : start + n_rows] = evaluate(*_split(rows, sizes))
    return null, False


def _paired_null(samples, evaluate, n_resamples, rng):
    if len(samples) != 2 or samples[0].size != samples[1].size:
        raise ValueError(
            "data: expected (x, y) with x and y of equal length for permutation_type='paired', "
            f"got {len(samples)} sample(s) of length(s) {[sample.size for sample in samples]}"
        )
    first, second = samples
    n_pairs = first.size
    if 2**n_pairs <= n_resamples:
        swaps = ((np.arange(2**n_pairs)[:, None] >> np.arange(n_pairs)) & 1).astype(bool)
        exact = True
    else:
        swaps = rng.random((n_resamples, n_pairs)) < 0.5
        exact = False
    null = np.empty(swaps.shape[0])
    rows_per_batch = max(1, _BATCH_ELEMENTS // n_pairs)
    for start in range(0, swaps.shape[0], rows_per_batch):
        swap = swaps[start : start + rows_per_batch]
        null[start : start + swap.shape[0]] = evaluate(
            np.where(swap, second, first), np.where(swap, first, second)
        )
    return null, exact


# ----------------------------------------------------------------------------------------------
# Bootstrap
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap interval for ``statistic`` at ``confidence_level`` by ``method``, the
    standard error (sd of the ``bootstrap_distribution``) and the statistic on the data."""

    confidence_interval: tuple[float, float]
    standard_error: float
    bootstrap_distribution: np.ndarray
    statistic: float
    method: str
    confidence_level: float


@numba.njit(cache=True)
def _resampled_rows(sample, n_rows, rng):  # pragma: no cover - compiled
    """``n_rows`` bootstrap resamples of ``sample``: each entry a uniform draw with replacement.

    One uniform u ~ U[0, 1) (53 random bits) yields two indices: ``i = floor(u n)`` and, from the
    fractional part f = u n - i (uniform on a grid of step n / 2^53, independent of i),
    ``j = floor(f n)``; the bias of either is below n^2 / 2^53, so the split is used only for
    n < 2^16 (bias < 5e-7), and larger samples take one draw per index. Drawing and gathering in
    one loop avoids an index array: several times faster than ``np.take(sample,
    rng.integers(...))``.
    """
    n = sample.size
    rows = np.empty((n_rows, n))
    if n >= 65536:
        for row in range(n_rows):
            for k in range(n):
                rows[row, k] = sample[int(rng.random() * n)]
        return rows
    for row in range(n_rows):
        for k in range(0, n - 1, 2):
            scaled = rng.random() * n
            first = int(scaled)
            rows[row, k] = sample[first]
            rows[row, k + 1] = sample[int((scaled - first) * n)]
        if n % 2:
            rows[row, n - 1] = sample[int(rng.random() * n)]
    return rows


@numba.njit(cache=True)
def _leave_one_out_rows(sample, start, stop):  # pragma: no cover - compiled
    """Rows ``i = start..stop-1`` of the jackknife: ``sample`` without its i-th entry."""
    n = sample.size
    rows = np.empty((stop - start, n - 1))
    for row in range(stop - start):
        left_out = start + row
        rows[row, :left_out] = sample[:left_out]
        rows[row, left_out:] = sample[left_out + 1 :]
    return rows


def _bootstrap_distribution(samples, evaluate, n_resamples, rng) -> np.ndarray:
    n_total = sum(sample.size for sample in samples)
    rows_per_batch = max(1, _BATCH_ELEMENTS // n_total)
    values = np.empty(n_resamples)
    for start in range(0, n_resamples, rows_per_batch):
        n_rows = min(rows_per_batch, n_resamples - start)
        resamples = [_resampled_rows(sample, n_rows, rng) for sample in samples]
        values[start : start + n_rows] = evaluate(*resamples)
    return values


def _jackknife(samples, evaluate) -> list[np.ndarray]:
    """Leave-one-out values of the statistic, per sample: one observation left out at a time."""
    per_sample = []
    for which, sample in enumerate(samples):
        n = sample.size
        values = []
        rows_per_batch = max(1, _BATCH_ELEMENTS // n)
        for start in range(0, n, rows_per_batch):
            stop = min(n, start + rows_per_batch)
            batch = [
                _leave_one_out_rows(sample, start, stop)
                if index == which
                else np.broadcast_to(other, (stop - start, other.size))
                for index, other in enumerate(samples)
            ]
            values.append(evaluate(*batch))
        per_sample.append(np.concatenate(values))
    return per_sample


def bootstrap(
    data,
    statistic: Callable,
    *,
    n_resamples: int = 9999,
    confidence_level: float = 0.95,
    method: str = "bca",
    vectorized: bool | None = None,
    random_state=None,
) -> BootstrapResult:
    """Bootstrap confidence interval (percentile, basic or BCa) for ``statistic(*data)``.

    ``statistic(*samples, axis=-1)`` should work on batches (rows of resamples); otherwise pass
    ``vectorized=False``. ``method`` is "percentile", "basic" or "bca" (any case).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).exponential(size=100)
    >>> result = bootstrap((x,), np.mean, n_resamples=2000, random_state=1)
    >>> low, high = result.confidence_interval
    >>> bool(low < x.mean() < high), result.method
    (True, 'bca')
    """
    samples = _as_samples(data)
    confidence_level = check_probability(confidence_level, "confidence_level")
    method = check_option(
        method.lower() if isinstance(method, str) else method,
        "method",
        ("percentile", "basic", "bca"),
    )
    n_resamples = _check_resamples(n_resamples, minimum=2)
    evaluate = _vectorised(statistic, vectorized)
    rng = check_generator(random_state)
    observed = _observed(evaluate, samples)
    values = _bootstrap_distribution(samples, evaluate, n_resamples, rng)
    if not np.all(np.isfinite(values)):
        raise ValueError("statistic: expected finite values on every resample, got NaN or infinity")

    tail = (1 - confidence_level) / 2
    if method == "bca":
        low_level, high_level = _bca_levels(samples, evaluate, values, observed, tail)
    else:
        low_level, high_level = tail, 1 - tail
    low, high = np.percentile(values, [100 * low_level, 100 * high_level])
    if method == "basic":
        low, high = 2 * observed - high, 2 * observed - low
    scale = data_scale(values)  # the squares of values near 1e300 overflow
    return BootstrapResult(
        confidence_interval=(float(low), float(high)),
        standard_error=float(np.std(values / scale, ddof=1) * scale),
        bootstrap_distribution=values,
        statistic=observed,
        method=method,
        confidence_level=confidence_level,
    )


def _bca_levels(samples, evaluate, values, observed, tail) -> tuple[float, float]:
    # Ties count half (the "mean" percentile of score), so a discrete statistic is not biased.
    below = np.count_nonzero(values < observed) + np.count_nonzero(values <= observed)
    if below == 0 or below == 2 * values.size:
        raise ValueError(
            "method: expected a statistic inside its bootstrap distribution for 'bca', got "
            "every resampled value on one side of it (the bias correction is infinite); use "
            "method='percentile'"
        )
    bias = special.ndtri(below / (2 * values.size))
    # Acceleration from the empirical influence values U = (n - 1)(mean(T_jack) - T_jack) of
    # each sample, summed over samples (Efron & Tibshirani 1993, eq. 14.15 and 15.36).
    # The acceleration is scale-free: influence values are divided by a power of two first,
    # so that their cubes neither overflow (statistics near 1e300) nor underflow.
    influences = [
        (jackknife.size - 1) * (np.mean(jackknife) - jackknife)
        for jackknife in _jackknife(samples, evaluate)
    ]
    scale = data_scale(*influences)
    third, second = 0.0, 0.0
    for influence in influences:
        n = influence.size
        third += np.sum((influence / scale) ** 3) / n**3
        second += np.sum((influence / scale) ** 2) / n**2
    # A statistic that does not change when one observation is left out has no acceleration.
    acceleration = third / (6 * second**1.5) if second > 0 else 0.0
    levels = []
    for z_alpha in (special.ndtri(tail), special.ndtri(1 - tail)):
        shifted = bias + z_alpha
        levels.append(float(scipy_stats.norm.cdf(bias + shifted / (1 - acceleration * shifted))))
    return levels[0], levels[1]
