"""MCMC convergence diagnostics: autocorrelation, effective sample size, split R-hat.

Draws come as an array of shape ``(n_chains, n_draws)`` (a 1-D array is one chain).

Autocovariance by FFT. With the chain centred and zero-padded to length >= 2n (no wrap-around),
    gamma_t = (1/n) sum_{i<n-t} (x_i - xbar)(x_{i+t} - xbar) = irfft(|rfft(x)|^2)[t] / n.

Effective sample size (Geyer 1992; Stan; Vehtari et al. 2021). Over M chains of N draws,
    W = mean_m gamma_{m,0} N/(N-1)          (within-chain variance)
    var+ = W (N-1)/N + var_m(chain means)    (marginal variance; the second term if M > 1)
    rho_t = 1 - (W - mean_m gamma_{m,t}) / var+
Geyer's initial positive sequence sums pairs P_k = rho_{2k} + rho_{2k+1} while they are
positive; the initial monotone sequence then caps each pair at the one before it. With
    tau = -1 + 2 sum_{t <= t_max} rho_t (+ the last even term),   ESS = M N / tau.

Rank normalisation (Vehtari et al. 2021): ranks r of all pooled draws (average ties) mapped to
z = Phi^-1((r - 3/8) / (S + 1/4)), S the number of draws. Then
- bulk ESS = ESS of the z-scores of the split chains;
- tail ESS = min of the ESS of the indicators I(x <= q_0.05), I(x <= q_0.95) (split chains);
- split R-hat: split each chain in halves (2M chains of N/2), R = sqrt((N-1)/N + B/(N W))
  with B/N the variance of the chain means; rank-normalised R-hat = max(R of the z-scores,
  R of the z-scores of |x - median(x)|) (the folded draws catch differing scales).

Every diagnostic here is unchanged when the draws are scaled, so the draws are first divided by
a power of two near their largest magnitude (exact: ties and ranks are kept): chains at 1e300
or 1e-300 give the same answer as at 1. Constant draws have no autocorrelation, ESS or R-hat
(0 / 0): they are refused by name rather than given a made-up value.

Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021), "Rank-normalization, folding, and
localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as scipy_fft
from scipy import special
from scipy import stats as scipy_stats

from glassml._validation import check_bool, check_option
from glassml.stats._validation import check_finite, data_scale, real_array

ESS_METHODS = ("bulk", "tail", "mean")


def _as_chains(draws, name: str = "draws") -> np.ndarray:
    """Draws as a float64 ``(n_chains, n_draws)`` array with at least 4 finite draws per chain."""
    chains = real_array(draws, name)
    if chains.ndim == 1:
        chains = chains[np.newaxis, :]
    if chains.ndim != 2 or chains.shape[0] == 0:
        raise ValueError(
            f"{name}: expected an array of shape (n_chains, n_draws) or (n_draws,), got shape "
            f"{np.shape(draws)}"
        )
    if chains.shape[1] < 4:
        raise ValueError(f"{name}: expected at least 4 draws per chain, got {chains.shape[1]}")
    return check_finite(chains, name)


def _standardised(chains: np.ndarray, name: str = "draws") -> tuple[np.ndarray, float]:
    """``chains / unit`` with ``unit`` a power of two near their largest magnitude, and ``unit``.

    Division by a power of two is exact, so ties and ranks are those of the draws themselves
    (the rank-normalised diagnostics depend on them), while squares can no longer overflow or
    underflow. Refuses constant draws: every diagnostic of them is 0 / 0.
    """
    unit = data_scale(chains)
    scaled = chains / unit
    if np.ptp(scaled) == 0:
        raise ValueError(
            f"{name}: expected draws that vary, got a constant value (autocorrelation, ESS and "
            "R-hat are 0 / 0)"
        )
    return scaled, unit


def autocovariance(chains: np.ndarray) -> np.ndarray:
    """Autocovariance of each row at every lag (biased, divided by n), via zero-padded FFT."""
    n_draws = chains.shape[-1]
    size = scipy_fft.next_fast_len(2 * n_draws)
    centred = chains - chains.mean(axis=-1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=size, axis=-1)
    return np.fft.irfft(spectrum * np.conjugate(spectrum), n=size, axis=-1)[..., :n_draws] / n_draws


def autocorrelation(draws) -> np.ndarray:
    """Autocorrelation of a chain (or of each row) at lags 0 .. n - 1.

    Examples
    --------
    >>> autocorrelation([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).round(3)
    array([ 1.   ,  0.5  ,  0.057, -0.271, -0.429, -0.357])
    """
    chains, _ = _standardised(_as_chains(draws))
    covariance = autocovariance(chains)
    constant_rows = covariance[:, 0] == 0
    if np.any(constant_rows):
        raise ValueError(
            f"draws: expected every chain to vary, got a constant chain (row "
            f"{int(np.argmax(constant_rows))}): its autocorrelation is 0 / 0"
        )
    correlation = covariance / covariance[:, :1]
    return correlation[0] if np.ndim(draws) == 1 else correlation


def _split(chains: np.ndarray) -> np.ndarray:
    """Each chain cut into its first and last halves (the middle draw dropped if n is odd)."""
    half = chains.shape[1] // 2
    return np.concatenate([chains[:, :half], chains[:, -half:]], axis=0)


def _z_scale(values: np.ndarray) -> np.ndarray:
    ranks = scipy_stats.rankdata(values, method="average").reshape(values.shape)
    return special.ndtri((ranks - 0.375) / (values.size + 0.25))


def _geyer_ess(chains: np.ndarray) -> float:
    """ESS of ``(n_chains, n_draws)`` draws: Geyer's initial monotone sequence (module doc)."""
    n_chains, n_draws = chains.shape
    covariance = autocovariance(chains)
    mean_covariance = covariance.mean(axis=0)
    within = mean_covariance[0] * n_draws / (n_draws - 1.0)
    marginal = within * (n_draws - 1.0) / n_draws
    if n_chains > 1:
        marginal += np.var(chains.mean(axis=1), ddof=1)
    rho = 1.0 - (within - mean_covariance) / marginal
    rho[0] = 1.0

    # Initial positive sequence: pairs (rho_{t+1}, rho_{t+2}) kept while their sum is positive.
    kept = np.zeros(n_draws)
    kept[:2] = rho[:2]
    t = 1
    rho_even, rho_odd = 1.0, rho[1]
    while t < n_draws - 3 and rho_even + rho_odd > 0.0:
        rho_even, rho_odd = rho[t + 1], rho[t + 2]
        if rho_even + rho_odd >= 0.0:
            kept[t + 1], kept[t + 2] = rho_even, rho_odd
        t += 2
    max_lag = t - 2
    if rho_even > 0:
        kept[max_lag + 1] = rho_even
    # Initial monotone sequence: no pair may exceed the pair before it.
    t = 1
    while t <= max_lag - 2:
        if kept[t + 1] + kept[t + 2] > kept[t - 1] + kept[t]:
            kept[t + 1] = kept[t + 2] = (kept[t - 1] + kept[t]) / 2.0
        t += 2
    tau = -1.0 + 2.0 * kept[: max_lag + 1].sum() + kept[max_lag + 1 : max_lag + 2].sum()
    # Antithetic chains can give tau near 0; Stan caps ESS at S log10(S).
    tau = max(tau, 1.0 / np.log10(chains.size))
    return float(chains.size / tau)


def effective_sample_size(draws, method: str = "bulk") -> float:
    """Effective sample size of MCMC draws of one quantity.

    Parameters
    ----------
    draws : array_like, shape (n_chains, n_draws) or (n_draws,)
    method : {"bulk", "tail", "mean"}
        ``"bulk"``: rank-normalised split chains (Vehtari et al. 2021, Stan's ``ess_bulk``);
        ``"tail"``: the smaller ESS of the 5 % and 95 % quantile indicators; ``"mean"``: split
        chains, no rank normalisation (the ESS behind the Monte Carlo error of the mean).

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))
    >>> 3000 < effective_sample_size(draws) < 5000  # independent draws: ESS ~ 4000
    True
    """
    method = check_option(method, "method", ESS_METHODS)
    chains, _ = _standardised(_as_chains(draws))
    if method == "bulk":
        return _geyer_ess(_z_scale(_split(chains)))
    if method == "mean":
        return _geyer_ess(_split(chains))
    low, high = np.quantile(chains, [0.05, 0.95])
    # An indicator that never changes (heavily tied draws) says nothing about its tail.
    indicators = [(chains <= q).astype(np.float64) for q in (low, high)]
    varying = [indicator for indicator in indicators if np.ptp(indicator) > 0]
    if not varying:
        raise ValueError(
            "draws: expected draws whose 5 % and 95 % quantiles split them, got too few "
            "distinct values for a tail ESS"
        )
    return min(_geyer_ess(_split(indicator)) for indicator in varying)


def _rhat(chains: np.ndarray) -> float:
    n_draws = chains.shape[1]
    between = n_draws * np.var(chains.mean(axis=1), ddof=1)
    within = np.mean(np.var(chains, axis=1, ddof=1))
    if within == 0:  # every (half-)chain constant, but not all at one value: no agreement
        return float(np.inf)
    return float(np.sqrt((between / within + n_draws - 1) / n_draws))


def split_rhat(draws, rank_normalized: bool = True) -> float:
    """Split R-hat; rank-normalised and folded (Vehtari et al. 2021) by default.

    Values near 1 (below 1.01) mean the chains agree with each other and with themselves
    over time. ``rank_normalized=False`` gives the classic split R-hat of Gelman et al. (2013).
    Half-chains that are each constant but differ give ``inf``: they do not agree at all.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(split_rhat(draws) < 1.01), bool(split_rhat(draws + [[0], [0], [0], [1]]) > 1.1)
    (True, True)
    """
    rank_normalized = check_bool(rank_normalized, "rank_normalized")
    chains, _ = _standardised(_as_chains(draws))
    halves = _split(chains)
    if not rank_normalized:
        return _rhat(halves)
    folded = np.abs(halves - np.median(halves))
    return max(_rhat(_z_scale(halves)), _rhat(_z_scale(folded)))


def mcse_mean(draws) -> float:
    """Monte Carlo standard error of the mean: sd / sqrt(ESS_mean).

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(0.013 < mcse_mean(draws) < 0.019)  # about 1 / sqrt(4000) = 0.0158
    True
    """
    chains, unit = _standardised(_as_chains(draws))
    ess = _geyer_ess(_split(chains))
    return float(np.std(chains, ddof=1) / np.sqrt(ess) * unit)
