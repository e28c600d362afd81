"""Markov chain Monte Carlo: random-walk Metropolis–Hastings and Hamiltonian Monte Carlo.

Both sample a density known up to a constant, pi(x) ∝ exp(log_density(x)), and both accept a
proposal x' with probability min(1, exp(log r)), which keeps pi invariant (detailed balance).

Random-walk Metropolis–Hastings. x' = x + s (m^{1/2} ⊙ z), z ~ N(0, I): a symmetric proposal,
so log r = log pi(x') - log pi(x). During warm-up the scale s follows the Robbins–Monro
recursion on its logarithm,
    log s_{t+1} = log s_t + t^{-0.6} (alpha_t - 0.234),
alpha_t the acceptance probability of step t (t counted again from 1 when the metric changes);
0.234 is the optimal acceptance rate of a random walk in many dimensions (Roberts, Gelman &
Gilks 1997; Andrieu & Thoms 2008). The scale kept for sampling is the Polyak-Ruppert average of
log s over the second half of the last tuning phase: the last iterate alone wanders by
O(sqrt(gain)) (the adapted acceptance varied by +-0.022 between seeds; averaged, +-0.013).

Hamiltonian Monte Carlo. Augment x with a momentum p ~ N(0, M), M = diag(m)^-1, and simulate
H(x, p) = -log pi(x) + p^T M^-1 p / 2 with L leapfrog steps of size eps:
    p <- p + (eps/2) grad log pi(x);   x <- x + eps M^-1 p;   p <- p + (eps/2) grad log pi(x)
(the inner half-steps merge into full steps). Leapfrog is volume-preserving and reversible, so
    log r = H(x, p) - H(x', p')
is the whole acceptance test. The gradient comes from glassml.autodiff.value_and_grad.
During warm-up eps is tuned by dual averaging towards an acceptance of delta = 0.8
(Hoffman & Gelman 2014, section 3.2):
    H_bar_t = (1 - 1/(t + t0)) H_bar_{t-1} + (delta - alpha_t)/(t + t0)
    log eps_t = mu - sqrt(t)/gamma H_bar_t,      mu = log(10 eps_0)
    log eps_bar_t = t^-kappa log eps_t + (1 - t^-kappa) log eps_bar_{t-1}
with gamma = 0.05, t0 = 10, kappa = 0.75; sampling then uses eps_bar. The trajectory has a
fixed number of steps L or a fixed length lambda (L = max(1, round(lambda / eps))).

Both samplers can adapt a diagonal metric m (the posterior variances) in one warm-up window,
after Stan: the first 15 % of warm-up tunes the step only, the draws from 15 % to 60 % of
warm-up (the window) give the regularised variance that becomes m, and the last 40 % re-tune
the step for the new metric (Stan's buffers are 15 % and 10 % around a series of doubling
windows; one window and a longer final buffer suit the short warm-ups used here).
Neal (2011), "MCMC using Hamiltonian dynamics", Handbook of MCMC, ch. 5.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from glassml._validation import (
    check_bool,
    check_callable,
    check_count,
    check_positive,
    check_probability,
)
from glassml.autodiff import Tensor, no_grad, value_and_grad
from glassml.stats._diagnostics import effective_sample_size, mcse_mean, split_rhat
from glassml.stats._validation import check_finite, check_generator, real_array

_DUAL_AVERAGING_GAMMA, _DUAL_AVERAGING_T0, _DUAL_AVERAGING_KAPPA = 0.05, 10.0, 0.75
_ROBBINS_MONRO_EXPONENT = 0.6
# The metric window, as fractions of warm-up (module docstring; tests/stats/test_mcmc.py ties
# the two together).
METRIC_WINDOW = (0.15, 0.60)


@dataclass
class MCMCResult:
    """Draws of an MCMC run and their diagnostics.

    Attributes
    ----------
    samples : ndarray, shape (n_chains, n_draws, n_params)
    log_density : ndarray, shape (n_chains, n_draws) — log density at each draw
    acceptance_rate : ndarray, shape (n_chains,) — mean acceptance probability after warm-up
    step_size : ndarray, shape (n_chains,) — the adapted step (MH: the proposal scale s)
    inverse_metric : ndarray, shape (n_chains, n_params) — the diagonal m used after warm-up
    ess_bulk, ess_tail, rhat, mcse : ndarray, shape (n_params,) — per-parameter diagnostics
    n_divergent : ndarray, shape (n_chains,) — HMC trajectories whose energy blew up
    """

    method: str
    samples: np.ndarray
    log_density: np.ndarray
    acceptance_rate: np.ndarray
    step_size: np.ndarray
    inverse_metric: np.ndarray
    n_leapfrog: int | None
    n_divergent: np.ndarray
    ess_bulk: np.ndarray = field(init=False)
    ess_tail: np.ndarray = field(init=False)
    rhat: np.ndarray = field(init=False)
    mcse: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        diagnostics = np.array(
            [_diagnostics(self.samples[:, :, j], j) for j in range(self.samples.shape[2])]
        ).reshape(-1, 4)
        self.ess_bulk, self.ess_tail, self.rhat, self.mcse = diagnostics.T

    @property
    def draws(self) -> np.ndarray:
        """All chains' draws stacked: shape (n_chains * n_draws, n_params)."""
        return self.samples.reshape(-1, self.samples.shape[2])

    def mean(self) -> np.ndarray:
        """Posterior mean of each parameter over all chains' draws.

        Examples
        --------
        >>> import numpy as np
        >>> result = metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(2),
        ...                              n_samples=400, n_warmup=400, random_state=0)
        >>> result.mean().shape
        (2,)
        """
        return self.draws.mean(axis=0)

    def cov(self) -> np.ndarray:
        """Posterior covariance of the parameters, shape (n_params, n_params).

        Examples
        --------
        >>> import numpy as np
        >>> result = metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(2),
        ...                              n_samples=400, n_warmup=400, random_state=0)
        >>> result.cov().shape
        (2, 2)
        """
        return np.atleast_2d(np.cov(self.draws, rowvar=False))

    def summary(self, names=None):
        """A pandas DataFrame: mean, sd, MCSE, bulk/tail ESS and R-hat per parameter.

        Examples
        --------
        >>> import numpy as np
        >>> result = metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(2),
        ...                              n_samples=400, n_warmup=400, random_state=0)
        >>> list(result.summary(["a", "b"]).columns)
        ['mean', 'sd', 'mcse_mean', 'ess_bulk', 'ess_tail', 'r_hat']
        """
        import pandas as pd

        n_params = self.samples.shape[2]
        if names is not None:
            if isinstance(names, str) or not hasattr(names, "__len__") or len(names) != n_params:
                raise ValueError(f"names: expected {n_params} names, got {names!r:.60}")
            names = list(names)
        return pd.DataFrame(
            {
                "mean": self.mean(),
                "sd": self.draws.std(axis=0, ddof=1),
                "mcse_mean": self.mcse,
                "ess_bulk": self.ess_bulk,
                "ess_tail": self.ess_tail,
                "r_hat": self.rhat,
            },
            index=names if names is not None else [f"x[{j}]" for j in range(self.samples.shape[2])],
        )


def _diagnostics(draws: np.ndarray, index: int) -> tuple[float, float, float, float]:
    """Bulk ESS, tail ESS, R-hat and MCSE of one parameter's ``(n_chains, n_draws)`` draws.

    A parameter that never moved (every proposal rejected) has no ESS or R-hat: NaN, and a
    warning that says why, rather than an error that would throw the run away.
    """
    try:
        return (
            effective_sample_size(draws, "bulk"),
            effective_sample_size(draws, "tail"),
            split_rhat(draws),
            mcse_mean(draws),
        )
    except ValueError as error:
        warnings.warn(
            f"parameter {index}: its draws are constant or nearly so ({error}); ESS and R-hat "
            "are undefined (NaN): the sampler did not move",
            RuntimeWarning,
            stacklevel=4,
        )
        return (np.nan, np.nan, np.nan, np.nan)


# ----------------------------------------------------------------------------------------------
# Shared set-up: arguments, chains' starting points, random streams, the warm-up schedule
# ----------------------------------------------------------------------------------------------


def _check_settings(n_samples, n_warmup, n_chains, target_accept, adapt_metric):
    return (
        check_count(n_samples, "n_samples", minimum=4),
        check_count(n_warmup, "n_warmup", minimum=0),
        check_count(n_chains, "n_chains", minimum=1),
        check_probability(target_accept, "target_accept"),
        check_bool(adapt_metric, "adapt_metric"),
    )


def _starting_points(initial, n_chains: int) -> np.ndarray:
    start = real_array(initial, "initial")
    if start.ndim == 0:
        start = start.reshape(1)
    if start.ndim == 1:
        start = np.tile(start, (n_chains, 1))
    if start.ndim != 2 or start.shape[0] != n_chains or start.shape[1] == 0:
        raise ValueError(
            f"initial: expected shape (n_params,) or (n_chains={n_chains}, n_params), got "
            f"shape {np.shape(initial)}"
        )
    return check_finite(start, "initial")


def _scalar(value) -> float:
    array = real_array(value.data if isinstance(value, Tensor) else value, "log_density(x)")
    if array.size != 1:
        raise ValueError(
            f"log_density: expected a function returning one number, got shape {array.shape}"
        )
    return float(array.reshape(()))


@dataclass(frozen=True)
class _Warmup:
    """Warm-up schedule: which iterations collect draws for the diagonal metric."""

    n_warmup: int
    adapt_metric: bool

    @property
    def window(self) -> tuple[int, int]:
        if not self.adapt_metric or self.n_warmup < 20:
            return (self.n_warmup, self.n_warmup)  # empty: no metric adaptation
        start, end = METRIC_WINDOW
        return (int(start * self.n_warmup), int(end * self.n_warmup))


def _regularised_variance(window_draws: np.ndarray) -> np.ndarray:
    """Stan's shrinkage of the windowed variance towards 1e-3: stable for short windows."""
    n = window_draws.shape[0]
    variance = window_draws.var(axis=0, ddof=1)
    return (n / (n + 5.0)) * variance + 1e-3 * (5.0 / (n + 5.0))


def _run_chains(run_chain: Callable, initial, n_chains: int, random_state) -> list:
    """Run the chains one after another, each on its own independent random stream."""
    starts = _starting_points(initial, n_chains)
    if isinstance(random_state, np.random.Generator):
        streams = random_state.spawn(n_chains)
    else:
        check_generator(random_state)  # a valid seed, or a named error
        seeds = (
            random_state
            if isinstance(random_state, np.random.SeedSequence)
            else np.random.SeedSequence(random_state)
        )
        streams = [np.random.default_rng(s) for s in seeds.spawn(n_chains)]
    return [run_chain(start, rng) for start, rng in zip(starts, streams, strict=True)]


def _collect(method: str, chains: list, n_leapfrog: int | None) -> MCMCResult:
    samples, log_density, accept, step, metric, divergent = zip(*chains, strict=True)
    return MCMCResult(
        method=method, samples=np.stack(samples), log_density=np.stack(log_density),
        acceptance_rate=np.array(accept), step_size=np.array(step), inverse_metric=np.stack(metric),
        n_leapfrog=n_leapfrog, n_divergent=np.array(divergent),
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Random-walk Metropolis–Hastings
# ----------------------------------------------------------------------------------------------


def metropolis_hastings(
    log_density: Callable,
    initial,
    *,
    n_samples: int = 1000,
    n_warmup: int = 1000,
    n_chains: int = 4,
    step_size: float = 0.5,
    target_accept: float = 0.234,
    adapt_metric: bool = True,
    random_state=None,
) -> MCMCResult:
    """Gaussian random-walk Metropolis–Hastings with Robbins–Monro scale adaptation.

    Parameters
    ----------
    log_density : callable
        ``log_density(x) -> float`` for ``x`` of shape ``(n_params,)``, up to a constant; may be
        written with NumPy or with glassml.autodiff ops (evaluated without recording).
    initial : array_like, shape (n_params,) or (n_chains, n_params)
    n_samples, n_warmup : int
        Draws kept per chain, and warm-up iterations (adapting, then discarded) before them.
    step_size : float
        Initial proposal scale s; adapted during warm-up towards ``target_accept``.
    adapt_metric : bool
        Scale the proposal per coordinate by the warm-up variance estimate (module doc).

    Examples
    --------
    >>> import numpy as np
    >>> result = metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(2), n_samples=500,
    ...                              n_warmup=500, n_chains=2, random_state=0)
    >>> result.samples.shape
    (2, 500, 2)
    """
    check_callable(log_density, "log_density")
    n_samples, n_warmup, n_chains, target, adapt_metric = _check_settings(
        n_samples, n_warmup, n_chains, target_accept, adapt_metric
    )
    step_size = check_positive(step_size, "step_size")
    schedule = _Warmup(n_warmup, adapt_metric)

    def evaluate(x: np.ndarray) -> float:
        with no_grad():
            value = _scalar(log_density(x))
        return value if not np.isnan(value) else -np.inf

    def run_chain(x: np.ndarray, rng: np.random.Generator):
        n_params, n_total = x.size, n_warmup + n_samples
        noise = rng.standard_normal((n_total, n_params))
        log_uniform = np.log(rng.random(n_total))
        samples = np.empty((n_samples, n_params))
        log_densities = np.empty(n_samples)
        log_scale, scale_sd = np.log(step_size), np.ones(n_params)
        window_start, window_end = schedule.window
        window = np.empty((max(window_end - window_start, 0), n_params))
        log_p = evaluate(x)
        if not np.isfinite(log_p):
            raise ValueError(f"initial: expected a point where log_density is finite, got {log_p}")
        accepted_sum, restart = 0.0, 0
        log_scale_sum, n_averaged = 0.0, 0
        for t in range(n_total):
            proposal = x + np.exp(log_scale) * scale_sd * noise[t]
            log_p_new = evaluate(proposal)
            log_ratio = log_p_new - log_p
            accept_prob = np.exp(min(0.0, log_ratio))
            if log_uniform[t] < log_ratio:
                x, log_p = proposal, log_p_new
            if t < n_warmup:
                gain = (t - restart + 1.0) ** -_ROBBINS_MONRO_EXPONENT
                log_scale += gain * (accept_prob - target)
                if t >= (restart + n_warmup) // 2:  # Polyak-Ruppert: average the last half
                    log_scale_sum, n_averaged = log_scale_sum + log_scale, n_averaged + 1
                if window_start <= t < window_end:
                    window[t - window_start] = x
                    if t == window_end - 1:
                        # New metric: restart the recursion with large gains to re-tune s.
                        scale_sd, restart = np.sqrt(_regularised_variance(window)), t + 1
                if t == n_warmup - 1 and n_averaged:
                    log_scale = log_scale_sum / n_averaged
            else:
                samples[t - n_warmup] = x
                log_densities[t - n_warmup] = log_p
                accepted_sum += accept_prob
        return (samples, log_densities, accepted_sum / n_samples, np.exp(log_scale),
                scale_sd**2, 0)  # fmt: skip

    return _collect("Metropolis-Hastings", _run_chains(run_chain, initial, n_chains, random_state),
                    None)  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Hamiltonian Monte Carlo
# ----------------------------------------------------------------------------------------------


def _leapfrog(value_and_gradient, x, momentum, gradient, step, n_steps, inverse_metric):
    """L leapfrog steps; returns (x, momentum, log density, gradient), log density -inf if the
    trajectory left the region where the density is finite (a divergence)."""
    momentum = momentum + 0.5 * step * gradient
    for leap in range(n_steps):
        x = x + step * inverse_metric * momentum
        log_p, gradient = value_and_gradient(x)
        if not np.isfinite(log_p):
            return x, momentum, -np.inf, gradient
        # Consecutive half-steps of momentum merge into one full step.
        momentum = momentum + (step if leap < n_steps - 1 else 0.5 * step) * gradient
    return x, momentum, log_p, gradient


def _hamiltonian(log_p: float, momentum: np.ndarray, inverse_metric: np.ndarray) -> float:
    return -log_p + 0.5 * float(momentum @ (inverse_metric * momentum))


def _initial_step_size(value_and_gradient, x, log_p, gradient, inverse_metric, rng) -> float:
    """Hoffman & Gelman (2014), Algorithm 4: double or halve eps until one leapfrog step's
    acceptance ratio crosses 1/2."""
    step = 1.0
    momentum = rng.standard_normal(x.size) / np.sqrt(inverse_metric)
    energy = _hamiltonian(log_p, momentum, inverse_metric)

    def log_ratio(step: float) -> float:
        _, new_momentum, new_log_p, _ = _leapfrog(
            value_and_gradient, x, momentum, gradient, step, 1, inverse_metric
        )
        value = energy - _hamiltonian(new_log_p, new_momentum, inverse_metric)
        return value if np.isfinite(value) else -np.inf

    direction = 1.0 if log_ratio(step) > np.log(0.5) else -1.0
    for _ in range(60):
        if direction * log_ratio(step) <= -direction * np.log(2.0):
            break
        step *= 2.0**direction
    return step


class _DualAveraging:
    """Hoffman & Gelman (2014), eqs. (5)-(6): step-size adaptation towards ``target``."""

    def __init__(self, initial_step: float, target: float) -> None:
        self.mu, self.target = np.log(10.0 * initial_step), target
        self.iteration, self.error_mean, self.log_step_mean = 0, 0.0, 0.0

    def update(self, accept_prob: float) -> float:
        self.iteration += 1
        t = self.iteration
        weight = 1.0 / (t + _DUAL_AVERAGING_T0)
        self.error_mean = (1.0 - weight) * self.error_mean + weight * (self.target - accept_prob)
        log_step = self.mu - np.sqrt(t) / _DUAL_AVERAGING_GAMMA * self.error_mean
        decay = t**-_DUAL_AVERAGING_KAPPA
        self.log_step_mean = decay * log_step + (1.0 - decay) * self.log_step_mean
        return float(np.exp(log_step))

    @property
    def final_step(self) -> float:
        return float(np.exp(self.log_step_mean))


def hmc(
    log_density: Callable,
    initial,
    *,
    n_samples: int = 1000,
    n_warmup: int = 1000,
    n_chains: int = 4,
    n_leapfrog: int | None = 10,
    trajectory_length: float | None = None,
    step_size: float | None = None,
    target_accept: float = 0.8,
    adapt_metric: bool = True,
    max_leapfrog: int = 1000,
    random_state=None,
) -> MCMCResult:
    """Hamiltonian Monte Carlo with leapfrog integration and dual-averaging step size.

    Parameters
    ----------
    log_density : callable
        ``log_density(x)`` written with glassml.autodiff ops; receives a Tensor of shape
        ``(n_params,)`` and returns a scalar. Its gradient comes from ``value_and_grad``.
    initial : array_like, shape (n_params,) or (n_chains, n_params)
    n_leapfrog : int or None
        Leapfrog steps per trajectory (fixed). Set ``None`` and give ``trajectory_length``
        instead for L = max(1, round(trajectory_length / eps)), capped at ``max_leapfrog``.
    step_size : float or None
        Initial eps; ``None`` finds one by Hoffman & Gelman's Algorithm 4. Adapted in warm-up.
    target_accept : float
        Dual averaging's target acceptance probability (0.8 as in Stan).
    max_leapfrog : int
        Cap on the steps of a ``trajectory_length`` trajectory (a tiny adapted step would
        otherwise make one trajectory arbitrarily long).

    Examples
    --------
    >>> import numpy as np
    >>> result = hmc(lambda x: -0.5 * (x * x).sum(), np.zeros(2), n_samples=300, n_warmup=300,
    ...              n_chains=2, random_state=0)
    >>> bool(np.all(np.abs(result.mean()) < 5 * result.mcse))
    True
    """
    check_callable(log_density, "log_density")
    n_samples, n_warmup, n_chains, target, adapt_metric = _check_settings(
        n_samples, n_warmup, n_chains, target_accept, adapt_metric
    )
    if (n_leapfrog is None) == (trajectory_length is None):
        raise ValueError(
            "n_leapfrog, trajectory_length: expected exactly one of them, got "
            f"{'both' if n_leapfrog is not None else 'neither'}"
        )
    if n_leapfrog is not None:
        n_leapfrog = check_count(n_leapfrog, "n_leapfrog", minimum=1)
    else:
        trajectory_length = check_positive(trajectory_length, "trajectory_length")
    max_leapfrog = check_count(max_leapfrog, "max_leapfrog", minimum=1)
    if step_size is not None:
        step_size = check_positive(step_size, "step_size")
    schedule = _Warmup(n_warmup, adapt_metric)
    autodiff_value_and_grad = value_and_grad(log_density)

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = autodiff_value_and_grad(x)
        return _scalar(value), real_array(gradient, "log_density's gradient")

    def steps(step: float) -> int:
        if n_leapfrog is not None:
            return n_leapfrog
        return int(min(max_leapfrog, max(1, round(trajectory_length / step))))

    def run_chain(x: np.ndarray, rng: np.random.Generator):
        n_params, n_total = x.size, n_warmup + n_samples
        samples = np.empty((n_samples, n_params))
        log_densities = np.empty(n_samples)
        inverse_metric = np.ones(n_params)
        log_p, gradient = value_and_gradient(x)
        if not (np.isfinite(log_p) and np.all(np.isfinite(gradient))):
            raise ValueError(
                f"initial: expected a point where log_density and its gradient are finite, got "
                f"log density {log_p}"
            )
        step = step_size or _initial_step_size(
            value_and_gradient, x, log_p, gradient, inverse_metric, rng
        )
        adaptation = _DualAveraging(step, target)
        window_start, window_end = schedule.window
        window = np.empty((max(window_end - window_start, 0), n_params))
        accepted_sum, n_divergent = 0.0, 0
        normal = rng.standard_normal((n_total, n_params))
        log_uniform = np.log(rng.random(n_total))
        for t in range(n_total):
            momentum = normal[t] / np.sqrt(inverse_metric)
            new_x, new_momentum, new_log_p, new_gradient = _leapfrog(
                value_and_gradient, x, momentum, gradient, step, steps(step), inverse_metric
            )
            log_ratio = _hamiltonian(log_p, momentum, inverse_metric) - _hamiltonian(
                new_log_p, new_momentum, inverse_metric
            )
            if np.isnan(log_ratio) or log_ratio < -1000.0:  # Stan's divergence threshold
                log_ratio = -np.inf
                n_divergent += t >= n_warmup
            accept_prob = np.exp(min(0.0, log_ratio))
            if log_uniform[t] < log_ratio:
                x, log_p, gradient = new_x, new_log_p, new_gradient
            if t < n_warmup:
                step = adaptation.update(accept_prob)
                if window_start <= t < window_end:
                    window[t - window_start] = x
                    if t == window_end - 1:
                        # New metric: restart the step search and dual averaging for it.
                        inverse_metric = _regularised_variance(window)
                        step = _initial_step_size(
                            value_and_gradient, x, log_p, gradient, inverse_metric, rng
                        )
                        adaptation = _DualAveraging(step, target)
                if t == n_warmup - 1:
                    step = adaptation.final_step
            else:
                samples[t - n_warmup] = x
                log_densities[t - n_warmup] = log_p
                accepted_sum += accept_prob
        return (samples, log_densities, accepted_sum / n_samples, step, inverse_metric,
                n_divergent)  # fmt: skip

    chains = _run_chains(run_chain, initial, n_chains, random_state)
    return _collect("Hamiltonian Monte Carlo", chains, n_leapfrog)
