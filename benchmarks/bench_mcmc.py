"""MCMC efficiency: HMC (autodiff gradients) vs random-walk Metropolis–Hastings.

Workload ``hmc`` from the issue: the posterior of a Bayesian logistic regression with 10
features (N(0, 2.5^2) prior) on 1,000 rows, 2,000 draws per sampler (2 chains x 1,000 after 500
warm-up iterations each); HMC takes L = 3 leapfrog steps (about a quarter period of the
whitened, nearly Gaussian posterior at the adapted step). There is no reference library to
beat: the "reference" is our own Metropolis–Hastings, so that both are timed side by side, and
the check string reports what matters — effective samples per second (the smallest bulk ESS
over the coefficients divided by the run's wall time) for each sampler, and how far apart
their posterior means are in Monte Carlo standard errors.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import special

from benchmarks._harness import Workload, register

N_ROWS, N_FEATURES, PRIOR_SD = 1_000, 10, 2.5


def _logistic_posterior_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    beta = rng.normal(0.0, 0.5, size=N_FEATURES)
    y = (rng.random(N_ROWS) < special.expit(X @ beta)).astype(np.float64)
    return X, y


def _log_posterior(data):
    import glassml.autodiff as ad

    X, y = data

    def log_posterior(beta):
        z = X @ beta
        return y @ z - ad.softplus(z).sum() - (0.5 / PRIOR_SD**2) * (beta @ beta)

    return log_posterior


def _timed_run(sampler, data, **options):
    start = time.perf_counter()
    result = sampler(_log_posterior(data), np.zeros(N_FEATURES), n_samples=1000, n_warmup=500,
                     n_chains=2, random_state=1, **options)  # fmt: skip
    return result, time.perf_counter() - start


def _hmc(data):
    from glassml.stats import hmc

    return _timed_run(hmc, data, n_leapfrog=3)


def _metropolis_hastings(data):
    from glassml.stats import metropolis_hastings

    return _timed_run(metropolis_hastings, data)


def _rates(data, ours, reference) -> dict[str, float]:
    """The recorded figures: each sampler's smallest bulk ESS per second of wall time."""
    (hmc_result, hmc_seconds), (mh_result, mh_seconds) = ours, reference
    return {
        "ours": float(hmc_result.ess_bulk.min() / hmc_seconds),
        "reference": float(mh_result.ess_bulk.min() / mh_seconds),
    }


def _ess_per_second(data, ours, reference) -> str:
    (hmc_result, hmc_seconds), (mh_result, mh_seconds) = ours, reference
    gap = np.abs(hmc_result.mean() - mh_result.mean()) / np.hypot(hmc_result.mcse, mh_result.mcse)
    return (
        f"min bulk ESS/s HMC {hmc_result.ess_bulk.min() / hmc_seconds:.1f} "
        f"(ESS {hmc_result.ess_bulk.min():.0f}, accept {hmc_result.acceptance_rate.mean():.2f}, "
        f"L={hmc_result.n_leapfrog}) vs MH "
        f"{mh_result.ess_bulk.min() / mh_seconds:.1f} (ESS {mh_result.ess_bulk.min():.0f}, "
        f"accept {mh_result.acceptance_rate.mean():.2f}); means agree within "
        f"{gap.max():.1f} MCSE"
    )


register(
    Workload(
        name="hmc",
        description="Bayesian logistic regression posterior, 1,000 x 10, 2,000 draws: HMC vs MH",
        setup=_logistic_posterior_data,
        ours=_hmc,
        reference=_metropolis_hastings,
        reference_label="Metropolis-Hastings",
        check=_ess_per_second,
        repeats=3,
        unit="ESS/s",
        metrics=_rates,
    )
)
