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

from dataclasses import dataclass

import numpy as np

from glassml.stats._validation import check_positive, check_probability


def msprt_log_likelihood_ratio(sum_difference, n, variance: float, tau: float):
    """log Lambda_n from the running sum of differences (vectorised over any shape).

    With ``S_n = n zbar_n``: ``log Lambda_n = 1/2 log(V / (V + n tau^2))
    + tau^2 S_n^2 / (2 V (V + n tau^2))``.
    """
    variance, tau = check_positive(variance, "variance"), check_positive(tau, "tau")
    sums = np.asarray(sum_difference, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if not np.all(np.isfinite(sums)):
        raise ValueError("sum_difference contains NaN or infinite values")
    if not np.all(np.isfinite(n) & (n >= 0)):
        raise ValueError("n must hold finite, non-negative sample sizes")
    spread = variance + n * tau**2
    return 0.5 * np.log(variance / spread) + (tau**2 * sums**2) / (2 * variance * spread)


def always_valid_pvalues(sum_difference, n, variance: float, tau: float, axis: int = -1):
    """p_n = min_{m <= n} min(1, 1 / Lambda_m) along ``axis`` (the monitoring times)."""
    log_ratio = msprt_log_likelihood_ratio(sum_difference, n, variance, tau)
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
    """

    alpha: float = 0.05
    tau: float = 0.1
    variance: float | None = None

    def __post_init__(self) -> None:
        check_probability(self.alpha, "alpha")
        check_positive(self.tau, "tau")
        if self.variance is not None:
            check_positive(self.variance, "variance")
        self.n_ = 0
        self.sum_ = 0.0
        self.sum_squares_ = 0.0
        self.pvalue_ = 1.0
        self.history_: dict[str, list[float]] = {"n": [], "pvalue": []}

    def update(self, metric_a, metric_b) -> float:
        """Add paired observations; return the always-valid p-value so far."""
        a = np.asarray(metric_a, dtype=np.float64).ravel()
        b = np.asarray(metric_b, dtype=np.float64).ravel()
        if a.shape != b.shape or a.size == 0:
            raise ValueError("metric_a and metric_b must be non-empty batches of equal length")
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise ValueError("metric_a and metric_b must be finite")
        difference = b - a
        self.n_ += difference.size
        self.sum_ += float(difference.sum())
        self.sum_squares_ += float(np.sum(difference**2))
        variance = self.variance
        if variance is None:
            mean = self.sum_ / self.n_
            variance = max(self.sum_squares_ / self.n_ - mean**2, np.finfo(float).tiny)
        log_ratio = msprt_log_likelihood_ratio(self.sum_, self.n_, variance, self.tau)
        self.pvalue_ = float(min(self.pvalue_, 1.0, np.exp(-log_ratio)))
        self.history_["n"].append(self.n_)
        self.history_["pvalue"].append(self.pvalue_)
        return self.pvalue_

    @property
    def reject(self) -> bool:
        return self.pvalue_ <= self.alpha
