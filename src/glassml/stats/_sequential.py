"""A sequential test that stays valid under continuous monitoring: the mixture SPRT.

Why peeking breaks a fixed-horizon test: checking a t-test after every batch and stopping at
the first p < alpha gives the null many chances to cross the line; the false-positive rate grows
towards 1 with the number of looks.

The mixture sequential probability ratio test (mSPRT) for the mean difference theta of paired
observations z_i = y_i - x_i ~ N(theta, V) mixes the likelihood ratio over theta ~ N(0, tau^2):
    Lambda_n = sqrt(V / (V + n tau^2)) exp( n^2 tau^2 zbar_n^2 / (2 V (V + n tau^2)) ).
Under H0 (theta = 0) Lambda_n is a nonnegative martingale with mean 1, so by Ville's inequality
P(sup_n Lambda_n >= 1 / alpha) <= alpha: rejecting the first time Lambda_n >= 1/alpha keeps the
false-positive rate at most alpha however often one looks. The always-valid p-value is
p_n = min(p_{n-1}, 1 / Lambda_n).
Johari, Koomen, Pekelis & Walsh (2017), "Peeking at A/B tests", KDD; Robbins (1970).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassml._validation import check_positive, check_probability, check_scalar
from glassml.stats._validation import as_sample, check_finite, data_scale, real_array


def _log_ratio(z_sum, n, tau_ratio):
    """log Lambda_n from dimensionless quantities: z = S_n / sqrt(V), r = tau / sqrt(V).

    With a = n r^2: log Lambda_n = -1/2 log(1 + a) + z^2 r^2 / (2 (1 + a)) — the formula in
    the module docstring divided through by V, so that no V^2 is ever formed (V may be 1e300).
    """
    spread = n * tau_ratio**2
    return -0.5 * np.log1p(spread) + 0.5 * (z_sum * tau_ratio) ** 2 / (1.0 + spread)


def msprt_log_likelihood_ratio(sum_difference, n, variance: float, tau: float):
    """log Lambda_n from the running sum of differences (vectorised over any shape).

    ``n`` holds the number of pairs behind each sum: a scalar, or an array broadcasting to the
    shape of ``sum_difference`` (e.g. sums of shape (experiments, looks), n of shape (looks,)).

    With ``S_n = n zbar_n``: ``log Lambda_n = 1/2 log(V / (V + n tau^2))
    + tau^2 S_n^2 / (2 V (V + n tau^2))``.

    Examples
    --------
    >>> round(float(msprt_log_likelihood_ratio(9.0, 40, variance=2.0, tau=0.3)), 6)
    -0.189363
    """
    variance, tau = check_positive(variance, "variance"), check_positive(tau, "tau")
    sums = check_finite(real_array(sum_difference, "sum_difference"), "sum_difference")
    n = check_finite(real_array(n, "n"), "n")
    if np.any(n < 0):
        raise ValueError(f"n: expected non-negative sample sizes, got {float(n[n < 0].flat[0])!r}")
    # n gives the sample size behind each sum: it broadcasts to the sums' shape, never beyond.
    try:
        shape = np.broadcast_shapes(sums.shape, n.shape)
    except ValueError:
        shape = None
    if shape != sums.shape:
        raise ValueError(
            f"sum_difference, n: expected n to broadcast to the sums' shape {sums.shape}, got "
            f"shape {n.shape}"
        )
    sd = np.sqrt(variance)
    return _log_ratio(sums / sd, n, tau / sd)


def always_valid_pvalues(sum_difference, n, variance: float, tau: float, axis: int = -1):
    """p_n = min_{m <= n} min(1, 1 / Lambda_m) along ``axis`` (the monitoring times).

    Examples
    --------
    >>> always_valid_pvalues([4.0, 16.0, 40.0], [10, 40, 90], variance=2.0, tau=0.3).round(4)
    array([1.    , 0.5982, 0.0636])
    """
    log_ratio = msprt_log_likelihood_ratio(sum_difference, n, variance, tau)
    if log_ratio.ndim == 0:
        return np.minimum(1.0, np.exp(-log_ratio))
    axis = check_scalar(axis, "axis", integer=True, low=-log_ratio.ndim, high=log_ratio.ndim - 1)
    with np.errstate(over="ignore"):  # exp(-log Lambda) of a huge Lambda is 0, not an error
        return np.minimum.accumulate(np.minimum(1.0, np.exp(-log_ratio)), axis=axis)


@dataclass
class SequentialABTest:
    """Mixture SPRT for B - A on paired observations, updated batch by batch.

    After ``n`` pairs with differences summing to ``S_n`` (``z_i = b_i - a_i``)::

        log Lambda_n = 1/2 log(V / (V + n tau^2)) + tau^2 S_n^2 / (2 V (V + n tau^2))
        p_n = min(p_{n-1}, 1 / Lambda_n)             reject H0: theta = 0 once p_n <= alpha

    which keeps the false-positive rate at most ``alpha`` under continuous monitoring
    (Ville's inequality). Johari, Koomen, Pekelis & Walsh (2017), "Peeking at A/B tests:
    why it matters, and what to do about it", KDD.

    ``variance`` is Var(y - x) (2 sigma^2 for independent arms of variance sigma^2); if None it
    is estimated from the data seen so far (a plug-in that is valid asymptotically).
    ``tau`` is the standard deviation of the mixing prior on the effect; effects near tau are
    detected fastest.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> test = SequentialABTest(alpha=0.05, tau=0.2, variance=2.0)
    >>> for _ in range(20):
    ...     p = test.update(rng.normal(0.0, 1, 50), rng.normal(0.5, 1, 50))
    >>> test.reject, test.n_
    (True, 1000)
    """

    alpha: float = 0.05
    tau: float = 0.1
    variance: float | None = None
    # Running mean and sum of squared deviations of the differences (Chan et al.'s pairwise
    # update), the latter stored as m2_scaled * m2_scale^2 so it cannot overflow.
    _mean: float = field(default=0.0, init=False, repr=False)
    _m2_scaled: float = field(default=0.0, init=False, repr=False)
    _m2_scale: float = field(default=1.0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.alpha = check_probability(self.alpha, "alpha")
        self.tau = check_positive(self.tau, "tau")
        if self.variance is not None:
            self.variance = check_positive(self.variance, "variance")
        self.n_ = 0
        self.sum_ = 0.0
        self.pvalue_ = 1.0
        self.history_: dict[str, list[float]] = {"n": [], "pvalue": []}

    def _add(self, scaled: np.ndarray, unit: float) -> None:
        """Fold in differences ``scaled * unit`` (Chan, Golub & LeVeque's pairwise update)."""
        if self.n_ == 0 or unit > self._m2_scale:  # the running moments in the larger unit
            self._m2_scaled *= (self._m2_scale / unit) ** 2 if self.n_ else 0.0
            self._m2_scale = unit
        else:
            scaled = scaled * (unit / self._m2_scale)
        unit = self._m2_scale
        batch_mean = float(np.mean(scaled))
        batch_m2 = float(np.sum((scaled - batch_mean) ** 2))
        n_old, n_batch = self.n_, scaled.size
        total = n_old + n_batch
        delta = batch_mean - self._mean / unit
        self._m2_scaled += batch_m2 + delta**2 * n_old * n_batch / total
        self._mean += delta * unit * (n_batch / total)
        self.sum_ += float(np.sum(scaled)) * unit
        self.n_ = total

    def update(self, metric_a, metric_b) -> float:
        """Add paired observations; return the always-valid p-value so far.

        Examples
        --------
        >>> test = SequentialABTest(tau=0.5, variance=2.0)
        >>> round(test.update([1.0, 0.2, 0.7, 1.1], [2.1, 1.9, 2.4, 2.0]), 4)
        0.6671
        """
        a = as_sample(metric_a, "metric_a", min_size=1)
        b = as_sample(metric_b, "metric_b", min_size=1)
        if a.shape != b.shape:
            raise ValueError(
                f"metric_a, metric_b: expected paired batches of equal length, got {a.size} and "
                f"{b.size}"
            )
        # Differences of numbers near the float64 limit can overflow: subtract scaled values.
        unit = data_scale(a, b)
        self._add(b / unit - a / unit, unit)
        if self.variance is not None:
            sd = np.sqrt(self.variance)
        else:
            # Plug-in sd of the differences (a floor of the smallest normal number: a batch of
            # identical differences has no spread yet).
            sd = max(np.sqrt(self._m2_scaled / self.n_) * self._m2_scale, np.finfo(float).tiny)
        log_ratio = _log_ratio(self.sum_ / sd, self.n_, self.tau / sd)
        with np.errstate(over="ignore"):
            self.pvalue_ = float(min(self.pvalue_, 1.0, np.exp(-log_ratio)))
        self.history_["n"].append(self.n_)
        self.history_["pvalue"].append(self.pvalue_)
        return self.pvalue_

    @property
    def reject(self) -> bool:
        return self.pvalue_ <= self.alpha
