"""Line searches along a descent direction ``d`` from ``x``: ``phi(a) = f(x + a d)``.

* Armijo backtracking (Armijo, 1966; Nocedal & Wright, Algorithm 3.1): shrink ``a`` until the
  sufficient-decrease condition ``phi(a) <= phi(0) + c1 a phi'(0)`` holds.
* Strong Wolfe (Nocedal & Wright, Algorithms 3.5 and 3.6, "zoom"): sufficient decrease plus the
  curvature condition ``|phi'(a)| <= c2 |phi'(0)|``, which keeps ``s^T y > 0`` so the L-BFGS
  update stays positive definite.

Near the minimiser the decrease ``f(x) - f(x + a d)`` drops below the rounding error of ``f``
and sufficient decrease can no longer be verified from values. Both searches then also accept
a step meeting Hager & Zhang's approximate Wolfe conditions (2005, SIAM J. Optim. 16(1),
eq. 4.1), which rely on the derivative instead::

    (2 delta - 1) phi'(0) >= phi'(a) >= sigma phi'(0)   and   phi(a) <= phi(0) + eps |phi(0)|

with ``delta = 0.1``, ``sigma = 0.9`` and ``eps = 1e-12`` (a rounding-level allowance).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import (
    check_callable,
    check_count,
    check_named_array,
    check_positive,
    check_scalar,
    fail,
)


class LineSearchError(RuntimeError):
    """No step satisfying the line-search conditions was found within the budget.

    Invalid arguments are not this error: they raise a ``ValueError`` naming the argument.

    Examples
    --------
    >>> from glassml.optim import LineSearchError, armijo_backtracking
    >>> try:  # phi rises in every direction a step can take: no sufficient decrease exists
    ...     armijo_backtracking(lambda a: 1.0 + a, 1.0, slope=-1.0, max_steps=5)
    ... except LineSearchError as error:
    ...     print(error)
    no sufficient decrease after 5 backtracking steps
    """


def _check_constants(c1: Any, c2: Any | None = None) -> tuple[float, float | None]:
    c1 = check_scalar(c1, "c1", low=0.0, high=1.0, closed="neither")
    if c2 is None:
        return c1, None
    c2 = check_scalar(c2, "c2", low=0.0, high=1.0, closed="neither")
    if not c1 < c2:
        raise ValueError(f"c1, c2: expected 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    return c1, c2


def approximately_wolfe(
    phi0: float, dphi0: float, phi: float, dphi: float, delta: float = 0.1, sigma: float = 0.9
) -> bool:
    """Hager & Zhang's approximate Wolfe conditions at a trial step (see the module doc)."""
    return phi <= phi0 + 1e-12 * abs(phi0) and (2 * delta - 1) * dphi0 >= dphi >= sigma * dphi0


def armijo_backtracking(
    phi: Callable[[float], float],
    phi0: float,
    slope: float,
    initial_step: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_steps: int = 60,
    derivative: Callable[[float], float] | None = None,
) -> tuple[float, float]:
    """Largest ``a = initial_step * shrink**k`` with ``phi(a) <= phi0 + c1 * a * slope``.

    ``slope = phi'(0) = grad^T d`` must be negative (a descent direction). ``derivative(a) ->
    phi'(a)``, if given, is called after ``phi(a)`` and lets the approximate Wolfe conditions
    accept a step whose decrease is below rounding. Returns ``(a, phi(a))``.

    Raises ``ValueError`` naming the argument for invalid input (``slope >= 0``, ``c1``
    outside (0, 1), ``max_steps < 1``) and :class:`LineSearchError` when no step of the
    ``max_steps`` tried decreases ``phi`` enough.

    Examples
    --------
    >>> phi = lambda a: (a - 1.0) ** 2  # phi(0) = 1, phi'(0) = -2: steps 8, 4, 2 fail, 1 passes
    >>> armijo_backtracking(phi, 1.0, -2.0, initial_step=8.0, c1=0.1)
    (1.0, 0.0)
    """
    check_callable(phi, "phi", "a -> phi(a)")
    phi0 = check_scalar(phi0, "phi0")
    slope = check_scalar(slope, "slope")
    if not slope < 0:
        raise fail("slope", "phi'(0) < 0 (a descent direction)", slope)
    c1, _ = _check_constants(c1)
    shrink = check_scalar(shrink, "shrink", low=0.0, high=1.0, closed="neither")
    if derivative is not None:
        check_callable(derivative, "derivative", "a -> phi'(a)")
    return armijo_steps(
        phi,
        phi0,
        slope,
        check_positive(initial_step, "initial_step"),
        c1,
        shrink,
        check_count(max_steps, "max_steps"),
        derivative,
    )


def armijo_steps(
    phi: Callable[[float], float],
    phi0: float,
    slope: float,
    initial_step: float,
    c1: float,
    shrink: float = 0.5,
    max_steps: int = 60,
    derivative: Callable[[float], float] | None = None,
) -> tuple[float, float]:
    """:func:`armijo_backtracking` on arguments the caller has already validated."""
    step = initial_step
    for _ in range(max_steps):
        value = phi(step)
        if value <= phi0 + c1 * step * slope:
            return step, value
        if derivative is not None and approximately_wolfe(phi0, slope, value, derivative(step)):
            return step, value
        step *= shrink
    raise LineSearchError(f"no sufficient decrease after {max_steps} backtracking steps")


def _cubic_minimiser(
    a: float, phi_a: float, dphi_a: float, b: float, phi_b: float, dphi_b: float
) -> float:
    """Minimiser of the cubic matching phi and phi' at a and b (Nocedal & Wright, eq. 3.59)."""
    d1 = dphi_a + dphi_b - 3 * (phi_a - phi_b) / (a - b)
    radicand = d1 * d1 - dphi_a * dphi_b
    if not (math.isfinite(radicand) and radicand >= 0):
        return math.nan
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = dphi_b - dphi_a + 2 * d2
    if denominator == 0:
        return math.nan
    return b - (b - a) * (dphi_b + d2 - d1) / denominator


def strong_wolfe(
    objective: Callable[[NDArray], tuple[float, NDArray]],
    x: NDArray,
    value: float,
    grad: NDArray,
    direction: NDArray,
    initial_step: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 30,
) -> tuple[float, float, NDArray]:
    """Step ``a`` meeting the strong Wolfe conditions; returns ``(a, f(x + a d), grad there)``.

    Each trial evaluates value and gradient together (one call of ``objective``); with the
    usual quasi-Newton scaling the first trial ``a = 1`` is accepted and costs one evaluation.

    Raises ``ValueError`` naming the argument for invalid input (an ascent ``direction``,
    ``c1 >= c2``, ``max_evals < 1``) and :class:`LineSearchError` when the search finds no
    strong-Wolfe step within ``max_evals`` evaluations.

    Examples
    --------
    >>> import numpy as np
    >>> quadratic = lambda x: (float(x @ x), 2 * x)  # f(x - a x) is minimised at a = 1
    >>> x = np.array([1.0, -2.0])
    >>> step, value, grad = strong_wolfe(quadratic, x, *quadratic(x), direction=-x)
    >>> float(step), float(value)
    (1.0, 0.0)
    """
    check_callable(objective, "objective", "x -> (value, grad)")
    x = check_named_array(x, "x", ensure_2d=False, dtype=np.float64)
    grad = check_named_array(grad, "grad", ensure_2d=False, dtype=np.float64)
    direction = check_named_array(direction, "direction", ensure_2d=False, dtype=np.float64)
    for name, array in (("grad", grad), ("direction", direction)):
        if array.shape != x.shape:
            raise fail(name, f"an array of x's shape {x.shape}", array)
    value = check_scalar(value, "value")
    slope = float(grad @ direction)
    if not slope < 0:
        raise fail("direction", "a descent direction (grad @ direction < 0)", slope)
    c1, c2 = _check_constants(c1, c2)
    return wolfe_steps(
        objective,
        x,
        value,
        grad,
        direction,
        check_positive(initial_step, "initial_step"),
        c1,
        c2,
        check_count(max_evals, "max_evals"),
    )


def wolfe_steps(
    objective: Callable[[NDArray], tuple[float, NDArray]],
    x: NDArray,
    value: float,
    grad: NDArray,
    direction: NDArray,
    initial_step: float,
    c1: float,
    c2: float,
    max_evals: int = 30,
    max_step: float = math.inf,
) -> tuple[float, float, NDArray]:
    """:func:`strong_wolfe` on arguments the caller has already validated.

    ``max_step`` caps the step (a bound of a box-constrained problem is hit there): a step
    still descending at the cap is accepted with sufficient decrease alone, as L-BFGS-B does.
    """
    phi0, dphi0 = value, float(grad @ direction)
    evals = 0

    def evaluate(step: float) -> tuple[float, NDArray, float]:
        nonlocal evals
        evals += 1
        trial_value, trial_grad = objective(x + step * direction)
        return trial_value, trial_grad, float(trial_grad @ direction)

    def sufficient_decrease(step: float, phi: float) -> bool:
        return phi <= phi0 + c1 * step * dphi0

    noise = 1e-12 * abs(phi0)  # values this close to phi0 are rounding, not decrease
    g_lo = grad  # the gradient at lo, the best step so far

    def zoom(lo, phi_lo, dphi_lo, hi, phi_hi, dphi_hi):
        # Invariants: lo satisfies sufficient decrease with the lowest phi so far, and
        # dphi_lo * (hi - lo) < 0, so [lo, hi] brackets a strong-Wolfe step.
        nonlocal g_lo
        while evals < max_evals:
            width = hi - lo
            if abs(phi_lo - phi0) <= noise and abs(phi_hi - phi0) <= noise:
                # Values are rounding noise: the secant root of phi' instead of the cubic.
                slope_change = dphi_hi - dphi_lo
                step = lo - dphi_lo * width / slope_change if slope_change else math.nan
            else:
                step = _cubic_minimiser(lo, phi_lo, dphi_lo, hi, phi_hi, dphi_hi)
            # Safeguard: stay inside the bracket, away from its ends; else bisect.
            if not (math.isfinite(step) and abs(step - lo) > 0.1 * abs(width)) or not (
                abs(hi - step) > 0.1 * abs(width)
            ):
                step = lo + 0.5 * width
            phi, g, dphi = evaluate(step)
            decreased = sufficient_decrease(step, phi)
            if not decreased and approximately_wolfe(phi0, dphi0, phi, dphi):
                return step, phi, g
            if abs(phi - phi0) <= noise and not decreased:
                # Undecidable from values: keep the bracket by the sign of phi' alone.
                if dphi * (hi - lo) >= 0:
                    hi, phi_hi, dphi_hi = step, phi, dphi
                else:
                    lo, phi_lo, dphi_lo, g_lo = step, phi, dphi, g
            elif not decreased or phi >= phi_lo:
                hi, phi_hi, dphi_hi = step, phi, dphi
            else:
                if abs(dphi) <= -c2 * dphi0:
                    return step, phi, g
                if dphi * (hi - lo) >= 0:
                    hi, phi_hi, dphi_hi = lo, phi_lo, dphi_lo
                lo, phi_lo, dphi_lo, g_lo = step, phi, dphi, g
        if lo > 0 and phi_lo < phi0:
            # Out of evaluations with a sufficient decrease in hand (the curvature condition
            # unmet, as when phi is at rounding level): take it, as L-BFGS-B's search does.
            return lo, phi_lo, g_lo
        raise LineSearchError(f"zoom found no strong-Wolfe step in {max_evals} evaluations")

    previous, phi_previous, dphi_previous = 0.0, phi0, dphi0
    step = min(initial_step, max_step)
    while evals < max_evals:
        phi, g, dphi = evaluate(step)
        if not sufficient_decrease(step, phi) and approximately_wolfe(phi0, dphi0, phi, dphi):
            return step, phi, g
        if not sufficient_decrease(step, phi) or (evals > 1 and phi >= phi_previous):
            return zoom(previous, phi_previous, dphi_previous, step, phi, dphi)
        if abs(dphi) <= -c2 * dphi0:
            return step, phi, g
        if dphi >= 0:
            g_lo = g
            return zoom(step, phi, dphi, previous, phi_previous, dphi_previous)
        if step >= max_step:
            return step, phi, g  # at the bound, still descending: the bound is the step
        previous, phi_previous, dphi_previous, g_lo = step, phi, dphi, g
        step = min(2.0 * step, max_step)  # still descending steeply: extrapolate
    raise LineSearchError(f"no strong-Wolfe step in {max_evals} evaluations")
