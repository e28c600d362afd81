"""Rényi differential privacy accounting for the sampled Gaussian mechanism.

Rényi DP (Mironov 2017, "Rényi differential privacy", CSF): M is (α, ρ)-RDP when the Rényi
divergence of order α between M(D) and M(D') is at most ρ for neighbouring D, D'. It composes
by addition: k mechanisms of RDP ρ_i(α) give Σ_i ρ_i(α) at every order α.

Sampled Gaussian mechanism (one DP-SGD step: each record in the batch independently with
probability q, clipped sum plus N(0, σ² C²)); Mironov, Talwar & Zhang (2019), "Rényi
differential privacy of the sampled Gaussian mechanism": with μ0 = N(0, σ²), μ1 = N(1, σ²),
its RDP is ρ(α) = log A_α / (α - 1) with

    A_α = E_{z ~ μ0} [((1 - q) + q μ1(z) / μ0(z))^α].

For integer α the binomial expansion is finite (Sec. 3.2):

    A_α = Σ_{i=0}^{α} C(α, i) (1 - q)^{α-i} q^i exp((i² - i) / (2σ²)).

For fractional α the expectation is split at z0 = σ² log(1/q - 1) + 1/2, where q μ1/μ0
crosses 1 - q, and each side expanded in the small ratio (Sec. 3.3):

    A_α = Σ_{i>=0} |C(α, i)| [ q^i (1-q)^{α-i} e^{(i²-i)/(2σ²)} Φ((z0 - i)/σ)
                             + q^{α-i} (1-q)^i e^{((α-i)²-(α-i))/(2σ²)} Φ((α - i - z0)/σ) ].

The exact series has the signs of the generalised binomial coefficients C(α, i), which
alternate for i > α; like Google's dp-accounting (and TF Privacy, Opacus) this module sums
their absolute values, an upper bound on A_α and so a valid (conservative) RDP bound,
evaluated without cancellation. ``tests/privacy`` checks the integer orders against numerical
quadrature of the expectation and the fractional ones as bounds of it.

Conversion to (ε, δ)-DP, the improved bound of Balle, Barthe, Gaboardi, Hsu & Sato (2020,
"Hypothesis testing interpretations and Rényi differential privacy", Prop. 12; also Asoodeh
et al. 2021): at each order

    ε(α) = ρ(α) + log(1 - 1/α) - (log δ + log α) / (α - 1),

and ε = max(0, min_α ε(α)); an order whose ρ(α) certifies δ >= sqrt(1 - e^{-ρ}) (through the
KL divergence, which RDP bounds) gives ε = 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import optimize, special

from glassml._validation import check_count, check_named_array, check_positive, fail
from glassml.privacy._mechanisms import check_delta

# dp-accounting's default orders: fine steps where small orders matter, then integers.
DEFAULT_ORDERS: tuple[float, ...] = tuple(
    [1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512, 1024]
)
# Terms of the fractional series are summed until they decrease and fall below exp(-30) of
# the total, dp-accounting's rule; for orders near 1 the terms decay only polynomially, so the
# series may need thousands of terms (an order still unconverged at 2^16 is left out).
_SERIES_CUTOFF = 30.0
MAX_ORDER = 2.0**20
_MAX_SERIES_TERMS = 1 << 16


def check_sample_rate(sample_rate: Any) -> float:
    """A Poisson sampling rate q in (0, 1]."""
    from glassml._validation import check_scalar

    return check_scalar(sample_rate, "sample_rate", low=0.0, high=1.0, closed="right")


def check_noise_multiplier(noise_multiplier: Any) -> float:
    """σ: the noise's standard deviation over the clipping norm (positive)."""
    return check_positive(noise_multiplier, "noise_multiplier")


def check_orders(orders: Any) -> np.ndarray:
    """Rényi orders: a 1-D array of finite numbers > 1."""
    if orders is None:
        return np.asarray(DEFAULT_ORDERS, dtype=np.float64)
    values = check_named_array(orders, "orders", ensure_2d=False, dtype=np.float64)
    if values.ndim != 1:
        raise fail("orders", "a 1-D sequence of Rényi orders > 1", values)
    if np.any(values <= 1.0):
        raise fail("orders", "Rényi orders > 1", float(values[values <= 1.0][0]))
    if np.any(values > MAX_ORDER):
        # An integer order α expands into α + 1 terms; past about a million orders say
        # nothing the default's 1024 does not (ε(α) grows like log(1/δ) / α + α ρ(1)).
        raise fail("orders", f"Rényi orders <= {MAX_ORDER:g}", float(np.max(values)))
    return values


def _logsumexp(values: np.ndarray) -> float:
    """log Σ exp(values), shifted by the largest (scipy's logsumexp costs 1 ms a call)."""
    largest = float(np.max(values))
    if not math.isfinite(largest):
        return largest
    return largest + math.log(float(np.sum(np.exp(values - largest))))


def _log_a_integer(q: float, sigma: float, alpha: int) -> float:
    i = np.arange(alpha + 1, dtype=np.float64)
    log_binomial = (
        special.gammaln(alpha + 1) - special.gammaln(i + 1) - special.gammaln(alpha - i + 1)
    )
    terms = (
        log_binomial
        + i * math.log(q)
        + (alpha - i) * math.log1p(-q)
        + (i * i - i) / (2.0 * sigma**2)
    )
    return _logsumexp(terms)


def _log_a_fractional(q: float, sigma: float, alpha: float) -> float:
    z0 = sigma**2 * math.log(1.0 / q - 1.0) + 0.5
    log_q, log_1mq = math.log(q), math.log1p(-q)
    size = 256
    while size <= _MAX_SERIES_TERMS:
        i = np.arange(size, dtype=np.float64)
        j = alpha - i
        log_binomial = special.gammaln(alpha + 1) - special.gammaln(i + 1) - special.gammaln(j + 1)
        below = (
            log_binomial
            + i * log_q
            + j * log_1mq
            + (i * i - i) / (2.0 * sigma**2)
            + special.log_ndtr((z0 - i) / sigma)
        )
        above = (
            log_binomial
            + j * log_q
            + i * log_1mq
            + (j * j - j) / (2.0 * sigma**2)
            + special.log_ndtr((j - z0) / sigma)
        )
        total = float(np.logaddexp(_logsumexp(below), _logsumexp(above)))
        tail = max(below[-8:].max(), above[-8:].max())
        decreasing = np.all(np.diff(below[-8:]) < 0) and np.all(np.diff(above[-8:]) < 0)
        if decreasing and tail < total - _SERIES_CUTOFF:
            return total
        size *= 2
    return math.inf  # not converged: this order is left out (its RDP bound is infinite)


def rdp_sampled_gaussian(
    noise_multiplier: float, sample_rate: float, orders: Any = None
) -> np.ndarray:
    """RDP ρ(α) of one step of the sampled Gaussian mechanism at each order.

    Examples
    --------
    >>> rdp_sampled_gaussian(2.0, 1.0, [2, 4]).tolist()  # q = 1: the Gaussian, α / (2σ²)
    [0.25, 0.5]
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    orders = check_orders(orders)
    if q == 1.0:
        return orders / (2.0 * sigma**2)
    rdp = np.empty(orders.size)
    for k, alpha in enumerate(orders):
        if float(alpha).is_integer():
            log_a = _log_a_integer(q, sigma, int(alpha))
        else:
            log_a = _log_a_fractional(q, sigma, float(alpha))
        rdp[k] = log_a / (alpha - 1.0)
    return rdp


def _check_rdp(orders: np.ndarray, rdp: Any) -> np.ndarray:
    values = check_named_array(
        rdp,
        "rdp",
        ensure_2d=False,
        ensure_min_samples=0,
        dtype=np.float64,
        ensure_all_finite=False,
    )
    if values.shape != orders.shape:
        raise fail("rdp", f"one value per order ({orders.size})", values)
    if np.any(np.isnan(values)) or np.any(values < 0):
        raise fail("rdp", "non-negative RDP values", values)
    return values


def rdp_to_epsilon(orders: Any, rdp: Any, delta: float) -> tuple[float, float]:
    """(ε, optimal order) for (ε, δ)-DP from RDP values, by the improved conversion.

    Examples
    --------
    >>> eps, order = rdp_to_epsilon([2.0, 8.0, 32.0], [0.1, 0.4, 1.6], 1e-5)
    >>> round(eps, 4), order
    (1.6141, 8.0)
    """
    orders = check_orders(orders)
    rdp = _check_rdp(orders, rdp)
    delta = check_delta(delta, positive=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        epsilon = rdp + np.log1p(-1.0 / orders) - (math.log(delta) + np.log(orders)) / (orders - 1)
    epsilon = np.where(orders > 1.01, epsilon, np.inf)
    # δ >= sqrt(1 - exp(-KL)) certifies (0, δ): the RDP value bounds the KL divergence.
    epsilon = np.where(delta**2 + np.expm1(-rdp) > 0, 0.0, epsilon)
    best = int(np.argmin(epsilon))
    return max(0.0, float(epsilon[best])), float(orders[best])


def rdp_to_delta(orders: Any, rdp: Any, epsilon: float) -> tuple[float, float]:
    """(δ, optimal order) for (ε, δ)-DP from RDP values (the same improved bound, solved
    for δ, and the KL bound sqrt(1 - e^{-ρ})).

    Examples
    --------
    >>> delta, order = rdp_to_delta([2.0, 8.0, 32.0], [0.1, 0.4, 1.6], 2.0)
    >>> f"{delta:.2e}", order
    ('4.81e-08', 32.0)
    """
    orders = check_orders(orders)
    rdp = _check_rdp(orders, rdp)
    epsilon = check_scalar_nonnegative(epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(rdp > 0, 0.5 * np.log1p(-np.exp(-rdp)), -np.inf)
        bound = (orders - 1) * (rdp - epsilon + np.log1p(-1.0 / orders)) - np.log(orders)
    log_delta = np.where(orders > 1.01, np.minimum(kl, bound), kl)
    best = int(np.argmin(log_delta))
    return min(1.0, math.exp(float(log_delta[best]))), float(orders[best])


def check_scalar_nonnegative(epsilon: Any) -> float:
    from glassml._validation import check_non_negative

    return check_non_negative(epsilon, "epsilon")


class RDPAccountant:
    """Privacy spent by a sequence of sampled Gaussian steps, in Rényi DP and in (ε, δ).

    Each ``step(noise_multiplier, sample_rate, steps)`` adds ``steps`` times the RDP of the
    sampled Gaussian mechanism (Mironov, Talwar & Zhang 2019) at every order; ``get_epsilon``
    converts the total with the improved bound of Balle et al. (2020) and takes the best
    order.

    Parameters
    ----------
    orders : sequence of float > 1, optional
        Rényi orders; default :data:`DEFAULT_ORDERS` (1.1, 1.2, ..., 10.9, 11, 12, ..., 63,
        128, 256, 512, 1024: dp-accounting's).

    Attributes
    ----------
    orders : ndarray
    rdp : ndarray
        The composed RDP at each order.
    steps : int

    Examples
    --------
    >>> accountant = RDPAccountant()
    >>> accountant.step(noise_multiplier=1.1, sample_rate=0.01, steps=1000)
    RDPAccountant(steps=1000)
    >>> round(accountant.get_epsilon(delta=1e-5), 3)
    1.712
    """

    def __init__(self, orders: Sequence[float] | None = None) -> None:
        self.orders = check_orders(orders)
        self.rdp = np.zeros(self.orders.size)
        self.steps = 0
        self._cache: dict[tuple[float, float], np.ndarray] = {}

    def step(self, noise_multiplier: float, sample_rate: float, steps: int = 1) -> RDPAccountant:
        """Compose ``steps`` sampled Gaussian steps (noise σ, sampling rate q)."""
        return self._compose(
            check_noise_multiplier(noise_multiplier),
            check_sample_rate(sample_rate),
            check_count(steps, "steps"),
        )

    def _compose(self, sigma: float, q: float, steps: int) -> RDPAccountant:
        """``step`` for values already checked (DP-SGD records one step per update)."""
        key = (sigma, q)
        if key not in self._cache:
            self._cache[key] = rdp_sampled_gaussian(sigma, q, self.orders)
        self.rdp = self.rdp + steps * self._cache[key]
        self.steps += steps
        return self

    def get_epsilon(self, delta: float) -> float:
        """The smallest ε with (ε, δ)-DP over the orders."""
        return self.get_epsilon_and_order(delta)[0]

    def get_epsilon_and_order(self, delta: float) -> tuple[float, float]:
        """(ε, the order that gives it)."""
        return rdp_to_epsilon(self.orders, self.rdp, delta)

    def get_delta(self, epsilon: float) -> float:
        """The smallest δ with (ε, δ)-DP over the orders."""
        return rdp_to_delta(self.orders, self.rdp, epsilon)[0]

    def __repr__(self) -> str:
        return f"RDPAccountant(steps={self.steps})"


def compute_epsilon(
    noise_multiplier: float,
    sample_rate: float,
    steps: int,
    delta: float,
    orders: Sequence[float] | None = None,
) -> float:
    """ε of ``steps`` sampled Gaussian steps (DP-SGD) at δ.

    Examples
    --------
    >>> round(compute_epsilon(1.1, 256 / 60_000, 60 * 235, 1e-5), 3)  # lot 256 of 60,000, 60 epochs
    2.6
    """
    accountant = RDPAccountant(orders)
    return accountant.step(noise_multiplier, sample_rate, steps).get_epsilon(delta)


def calibrate_noise_multiplier(
    target_epsilon: float,
    sample_rate: float,
    steps: int,
    delta: float,
    orders: Sequence[float] | None = None,
    rtol: float = 1e-10,
) -> float:
    """The smallest noise multiplier σ (to relative ``rtol``) whose ε is at most the target.

    ε decreases as σ grows; a bisection on log σ keeps ε(upper end) <= target throughout, so
    the returned σ always meets the target.

    Examples
    --------
    >>> sigma = calibrate_noise_multiplier(1.0, 0.01, 1000, 1e-5)
    >>> bool(compute_epsilon(sigma, 0.01, 1000, 1e-5) <= 1.0), round(sigma, 3)
    (True, 1.513)
    """
    target = check_positive(target_epsilon, "target_epsilon")
    q = check_sample_rate(sample_rate)
    steps = check_count(steps, "steps")
    delta = check_delta(delta, positive=True)
    orders = check_orders(orders)
    rtol = check_positive(rtol, "rtol")

    def epsilon(sigma: float) -> float:
        return rdp_to_epsilon(orders, steps * rdp_sampled_gaussian(sigma, q, orders), delta)[0]

    low, high = 0.05, 1.0
    while epsilon(high) > target:
        low, high = high, high * 2.0
        if high > 1e8:
            raise fail("target_epsilon", "a budget reachable with σ <= 1e8", target)
    while epsilon(low) <= target and low > 1e-6:
        high, low = low, low / 2.0
    # Brent's method on log σ (ε is continuous and decreasing in σ), then the bracket's upper
    # end is kept wherever the root's neighbourhood still exceeds the target, so that the
    # answer always meets it.
    root = math.exp(
        optimize.brentq(
            lambda t: epsilon(math.exp(t)) - target,
            math.log(low),
            math.log(high),
            xtol=rtol / 4,
        )
    )
    for candidate in (root * (1 + rtol / 2), root * (1 + rtol), high):
        if epsilon(candidate) <= target:
            return candidate
    return high  # pragma: no cover - epsilon(high) <= target by the bracket
