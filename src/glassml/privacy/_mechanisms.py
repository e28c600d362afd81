"""Differential privacy mechanisms (Dwork & Roth 2014, "The Algorithmic Foundations of
Differential Privacy").

A randomised M is (ε, δ)-DP when P[M(D) ∈ S] <= e^ε P[M(D') ∈ S] + δ for all neighbouring
datasets D, D' (one record changed) and all events S. With Δ the sensitivity of the released
statistic f (its largest change between neighbours, L1 for Laplace, L2 for Gaussian):

    Laplace      f(D) + Lap(b),  b = Δ / ε                               (ε, 0)-DP
    Gaussian     f(D) + N(0, σ² I)
                   classic   σ = Δ sqrt(2 ln(1.25 / δ)) / ε   (ε < 1; Dwork & Roth Thm A.1)
                   analytic  the smallest σ with                          (Balle & Wang 2018)
                             Φ(Δ/(2σ) - εσ/Δ) - e^ε Φ(-Δ/(2σ) - εσ/Δ) <= δ
                             (the exact privacy profile: necessary and sufficient)
    exponential  output r with probability ∝ exp(ε u(D, r) / (2 Δu))     (ε, 0)-DP
                 (ε u / Δu when u is monotone in the data; McSherry & Talwar 2007)
    randomized   keep the true category with probability e^ε / (e^ε + k - 1), else report
    response     one of the k - 1 others uniformly                        (ε, 0)-DP per record
                 (Warner 1965; the k-ary form of Kairouz, Oh & Viswanath 2014)

Noise is drawn from NumPy's generator (PCG64), which is not a cryptographic source, and
floating-point Laplace and Gaussian samples leak through their low-order bits (Mironov 2012,
"On significance of the least significant bits for differential privacy"): these mechanisms
are for teaching, analysis and simulation, not for releasing data about real people.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, special

from glassml._validation import (
    check_bool,
    check_count,
    check_named_array,
    check_option,
    check_positive,
    check_probability,
    fail,
)

CALIBRATIONS = ("analytic", "classic")


def check_rng(random_state: Any) -> np.random.Generator:
    """None, an integer seed >= 0 or a Generator, as ``numpy.random.default_rng`` takes."""
    if isinstance(random_state, bool | np.bool_):
        raise fail(
            "random_state", "None, an integer >= 0 or a numpy.random.Generator", random_state
        )
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is not None and not isinstance(random_state, int | np.integer):
        raise fail(
            "random_state", "None, an integer >= 0 or a numpy.random.Generator", random_state
        )
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise fail(
            "random_state", "None, an integer >= 0 or a numpy.random.Generator", random_state
        ) from None


def check_epsilon(epsilon: Any) -> float:
    """A privacy budget ε > 0 (finite)."""
    return check_positive(epsilon, "epsilon")


def check_delta(delta: Any, *, positive: bool = False) -> float:
    """δ in [0, 1), or in (0, 1) where the mechanism needs a positive δ (the Gaussian)."""
    if positive:
        return check_probability(delta, "delta")
    value = check_probability(delta, "delta", open_interval=False)
    if value == 1.0:
        raise fail("delta", "a number in [0, 1)", delta)
    return value


def _values(value: Any) -> tuple[np.ndarray, bool]:
    """A real, finite statistic (a number or an array) and whether it was a number."""
    if isinstance(value, bool | np.bool_):
        raise fail("value", "a real number or an array of real numbers", value)
    scalar = np.ndim(value) == 0
    array = check_named_array(
        np.atleast_1d(value) if scalar else value,
        "value",
        ensure_2d=False,
        allow_nd=True,
        dtype=np.float64,
        ensure_min_samples=1,
    )
    return array, scalar


def _out(values: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(values[0]) if scalar else values


def laplace_mechanism(
    value: Any, *, sensitivity: float, epsilon: float, random_state: Any = None
) -> float | np.ndarray:
    """``value + Lap(sensitivity / epsilon)`` (independently per entry): (ε, 0)-DP when
    ``sensitivity`` bounds the L1 change of ``value`` between neighbouring datasets.

    Examples
    --------
    >>> noisy = laplace_mechanism(42.0, sensitivity=1.0, epsilon=0.5, random_state=0)
    >>> isinstance(noisy, float)
    True
    """
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    values, scalar = _values(value)
    rng = check_rng(random_state)
    noise = rng.laplace(0.0, sensitivity / epsilon, size=values.shape)
    return _out(values + noise, scalar)


def _log_delta(sigma_over_sensitivity: float, epsilon: float) -> float:
    """log δ(σ) of the Gaussian mechanism at unit sensitivity (Balle & Wang 2018, Thm 8).

    δ(σ) = Φ(1/(2σ) - εσ) - e^ε Φ(-1/(2σ) - εσ), evaluated in logs so that a tiny δ keeps its
    relative precision (the two terms nearly cancel).
    """
    s = sigma_over_sensitivity
    first = special.log_ndtr(1.0 / (2.0 * s) - epsilon * s)
    second = epsilon + special.log_ndtr(-1.0 / (2.0 * s) - epsilon * s)
    if second >= first:
        return -np.inf
    return float(first + math.log1p(-math.exp(second - first)))


def gaussian_noise_scale(
    sensitivity: float, epsilon: float, delta: float, *, calibration: str = "analytic"
) -> float:
    """σ of the Gaussian mechanism for (ε, δ)-DP at L2 ``sensitivity``.

    ``"analytic"`` (Balle & Wang 2018, "Improving the Gaussian mechanism for differential
    privacy: analytical calibration and optimal denoising", ICML): the smallest σ with
    δ(σ) <= δ, found by root finding on log δ(σ), which decreases with σ; valid for every ε.
    ``"classic"``: Δ sqrt(2 ln(1.25 / δ)) / ε, proven for ε < 1 only (refused above).

    Examples
    --------
    >>> round(gaussian_noise_scale(1.0, 0.5, 1e-5, calibration="classic"), 4)
    9.6896
    >>> round(gaussian_noise_scale(1.0, 0.5, 1e-5), 4)  # analytic: less noise, same guarantee
    7.0318
    """
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta, positive=True)
    calibration = check_option(calibration, "calibration", CALIBRATIONS)
    if calibration == "classic":
        if epsilon >= 1.0:
            raise fail(
                "epsilon",
                "epsilon < 1 for the classic calibration (Dwork & Roth 2014, Thm A.1); use "
                "calibration='analytic'",
                epsilon,
            )
        return sensitivity * math.sqrt(2.0 * math.log(1.25 / delta)) / epsilon
    target = math.log(delta)
    low, high = 1e-2, 1.0
    while _log_delta(low, epsilon) < target:
        low /= 10.0
    while _log_delta(high, epsilon) > target:
        high *= 10.0
    # Solve in log σ: the root's relative accuracy is what matters for the noise.
    log_sigma = optimize.brentq(
        lambda t: _log_delta(math.exp(t), epsilon) - target,
        math.log(low),
        math.log(high),
        xtol=1e-14,
        rtol=4 * np.finfo(float).eps,
    )
    return sensitivity * math.exp(log_sigma)


def gaussian_mechanism(
    value: Any,
    *,
    sensitivity: float,
    epsilon: float,
    delta: float,
    calibration: str = "analytic",
    random_state: Any = None,
) -> float | np.ndarray:
    """``value + N(0, σ² I)`` with σ from :func:`gaussian_noise_scale`: (ε, δ)-DP when
    ``sensitivity`` bounds the L2 change of ``value`` between neighbouring datasets.

    Examples
    --------
    >>> noisy = gaussian_mechanism([1.0, 2.0], sensitivity=1.0, epsilon=1.0, delta=1e-6,
    ...                            random_state=0)
    >>> noisy.shape
    (2,)
    """
    sigma = gaussian_noise_scale(sensitivity, epsilon, delta, calibration=calibration)
    values, scalar = _values(value)
    rng = check_rng(random_state)
    return _out(values + rng.normal(0.0, sigma, size=values.shape), scalar)


def exponential_mechanism_probabilities(
    utilities: Any, *, sensitivity: float, epsilon: float, monotonic: bool = False
) -> np.ndarray:
    """P(output r) ∝ exp(ε u_r / (2 Δu)) (``monotonic``: exp(ε u_r / Δu)), as an array.

    Examples
    --------
    >>> exponential_mechanism_probabilities([0.0, 1.0], sensitivity=1.0, epsilon=2.0).round(4)
    array([0.2689, 0.7311])
    """
    sensitivity = check_positive(sensitivity, "sensitivity")
    epsilon = check_epsilon(epsilon)
    monotonic = check_bool(monotonic, "monotonic")
    scores = check_named_array(utilities, "utilities", ensure_2d=False, dtype=np.float64)
    if scores.ndim != 1:
        raise fail("utilities", "one utility per candidate (a 1-D array)", scores)
    factor = epsilon / (sensitivity if monotonic else 2.0 * sensitivity)
    # The utilities' differences are what count: shift and scale by the largest before the
    # exponent so that 1e300 utilities neither overflow nor lose their order.
    spread = float(np.max(scores) - np.min(scores))
    if not math.isfinite(spread):
        raise fail("utilities", "differences within floating-point range", scores)
    logits = (scores - np.max(scores)) * factor
    return special.softmax(logits)


def exponential_mechanism(
    utilities: Any,
    *,
    sensitivity: float,
    epsilon: float,
    monotonic: bool = False,
    size: int | None = None,
    random_state: Any = None,
) -> int | np.ndarray:
    """Index of a candidate drawn with probability ∝ exp(ε u_r / (2 Δu)): (ε, 0)-DP when
    ``sensitivity`` bounds the change of any utility between neighbouring datasets.

    ``size`` draws that many independent releases (each spends ε) as an array.

    Examples
    --------
    >>> exponential_mechanism([1.0, 5.0, 2.0], sensitivity=1.0, epsilon=10.0, random_state=0)
    1
    """
    probabilities = exponential_mechanism_probabilities(
        utilities, sensitivity=sensitivity, epsilon=epsilon, monotonic=monotonic
    )
    count = None if size is None else check_count(size, "size")
    rng = check_rng(random_state)
    draws = rng.choice(probabilities.size, size=count, p=probabilities)
    return int(draws) if count is None else draws


def _categories(values: np.ndarray, categories: Any) -> np.ndarray:
    if categories is None:
        found = np.unique(values)
        if found.size <= 2 and np.all(np.isin(found, (0, 1))):
            return np.array([0, 1], dtype=values.dtype)
        return found
    listed = np.asarray(categories)
    if listed.ndim != 1 or listed.size < 2 or np.unique(listed).size != listed.size:
        raise fail("categories", "at least 2 distinct categories (a 1-D array)", categories)
    return listed


def _rr_inputs(values: Any, epsilon: Any, categories: Any, argument: str = "values"):
    epsilon = check_epsilon(epsilon)
    if values is None or isinstance(values, str | bytes) or np.ndim(values) != 1:
        raise fail(argument, "a 1-D array of categories (one per person)", values)
    array = np.asarray(values)
    if array.shape[0] == 0:
        raise fail(argument, "at least one value", "an empty array")
    if array.dtype.kind == "c":
        raise fail(argument, "categories (numbers, strings or booleans)", array)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise fail(argument, "categories without NaN or infinity", array)
    if array.dtype.kind == "O":
        try:
            np.unique(array)
        except TypeError:
            raise fail(argument, "categories of one comparable type", array) from None
    listed = _categories(array, categories)
    if listed.size < 2:
        raise fail("categories", "at least 2 categories", list(listed))
    return epsilon, array, listed


def randomized_response(
    values: Any, *, epsilon: float, categories: Any = None, random_state: Any = None
) -> np.ndarray:
    """Each value kept with probability e^ε / (e^ε + k - 1), else replaced by one of the
    other k - 1 categories uniformly: (ε, 0)-DP for each person's value.

    ``categories`` defaults to {0, 1} for binary data, else the values present (pass them
    explicitly: the list of categories must not depend on the data for the guarantee).

    Examples
    --------
    >>> randomized_response([1, 0, 1, 1], epsilon=20.0, random_state=0).tolist()
    [1, 0, 1, 1]
    """
    epsilon, array, listed = _rr_inputs(values, epsilon, categories)
    index = np.searchsorted(np.sort(listed), array)
    order = np.argsort(listed)
    sorted_listed = listed[order]
    inside = (index < listed.size) & (sorted_listed[np.minimum(index, listed.size - 1)] == array)
    if not np.all(inside):
        raise fail("values", f"values among the categories {list(listed)}", array[~inside][0])
    position = order[index]
    k = listed.size
    rng = check_rng(random_state)
    keep = rng.random(array.shape[0]) < math.exp(epsilon) / (math.exp(epsilon) + k - 1)
    # Another category uniformly: shift by 1..k-1 positions.
    other = (position + rng.integers(1, k, size=array.shape[0])) % k
    return listed[np.where(keep, position, other)]


def randomized_response_frequencies(
    responses: Any, *, epsilon: float, categories: Any = None
) -> np.ndarray:
    """Unbiased estimates of the true category frequencies from randomised responses.

    With p = e^ε / (e^ε + k - 1) and q = 1 / (e^ε + k - 1), a category of true frequency f is
    reported with frequency p f + q (1 - f); inverting, f̂ = (observed - q) / (p - q). The
    estimates sum to 1 and may fall outside [0, 1] for small samples (they are unbiased).

    Examples
    --------
    >>> randomized_response_frequencies([1, 1, 0, 1], epsilon=1.0).round(3).tolist()
    [-0.041, 1.041]
    """
    epsilon, array, listed = _rr_inputs(responses, epsilon, categories, "responses")
    k = listed.size
    p = math.exp(epsilon) / (math.exp(epsilon) + k - 1)
    q = 1.0 / (math.exp(epsilon) + k - 1)
    observed = np.array([np.mean(array == category) for category in listed])
    if not math.isclose(observed.sum(), 1.0):
        raise fail("responses", f"values among the categories {list(listed)}", array)
    return (observed - q) / (p - q)
