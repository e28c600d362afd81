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

from numpy.typing import NDArray


class LineSearchError(RuntimeError):
    """No step satisfying the line-search conditions was found."""


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

    ``slope = phi'(0) = grad^T d`` must be negative. ``derivative(a) -> phi'(a)``, if given, is
    called after ``phi(a)`` and lets the approximate Wolfe conditions accept a step whose
    decrease is below rounding. Returns ``(a, phi(a))``.
    """
    if not slope < 0:
        raise LineSearchError(f"not a descent direction (slope {slope:.3g} >= 0)")
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
    """
    phi0, dphi0 = value, float(grad @ direction)
    if not dphi0 < 0:
        raise LineSearchError(f"not a descent direction (slope {dphi0:.3g} >= 0)")
    evals = 0

    def evaluate(step: float) -> tuple[float, NDArray, float]:
        nonlocal evals
        evals += 1
        trial_value, trial_grad = objective(x + step * direction)
        return trial_value, trial_grad, float(trial_grad @ direction)

    def sufficient_decrease(step: float, phi: float) -> bool:
        return phi <= phi0 + c1 * step * dphi0

    noise = 1e-12 * abs(phi0)  # values this close to phi0 are rounding, not decrease

    def zoom(lo, phi_lo, dphi_lo, hi, phi_hi, dphi_hi):
        # Invariants: lo satisfies sufficient decrease with the lowest phi so far, and
        # dphi_lo * (hi - lo) < 0, so [lo, hi] brackets a strong-Wolfe step.
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
                    lo, phi_lo, dphi_lo = step, phi, dphi
            elif not decreased or phi >= phi_lo:
                hi, phi_hi, dphi_hi = step, phi, dphi
            else:
                if abs(dphi) <= -c2 * dphi0:
                    return step, phi, g
                if dphi * (hi - lo) >= 0:
                    hi, phi_hi, dphi_hi = lo, phi_lo, dphi_lo
                lo, phi_lo, dphi_lo = step, phi, dphi
        raise LineSearchError(f"zoom found no strong-Wolfe step in {max_evals} evaluations")

    previous, phi_previous, dphi_previous = 0.0, phi0, dphi0
    step = initial_step
    while evals < max_evals:
        phi, g, dphi = evaluate(step)
        if not sufficient_decrease(step, phi) and approximately_wolfe(phi0, dphi0, phi, dphi):
            return step, phi, g
        if not sufficient_decrease(step, phi) or (evals > 1 and phi >= phi_previous):
            return zoom(previous, phi_previous, dphi_previous, step, phi, dphi)
        if abs(dphi) <= -c2 * dphi0:
            return step, phi, g
        if dphi >= 0:
            return zoom(step, phi, dphi, previous, phi_previous, dphi_previous)
        previous, phi_previous, dphi_previous = step, phi, dphi
        step *= 2.0  # still descending steeply: extrapolate
    raise LineSearchError(f"no strong-Wolfe step in {max_evals} evaluations")
