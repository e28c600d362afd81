"""Survival workloads: the censored Weibull fit and the Cox model (Efron ties) vs lifelines."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _weibull_data():
    rng = np.random.default_rng(0)
    lifetimes = 120.0 * rng.weibull(2.5, 100_000)
    censoring = rng.uniform(0.0, 250.0, 100_000)
    return np.minimum(lifetimes, censoring), (lifetimes <= censoring).astype(float)


def _weibull_ours(data):
    from glassml.survival import WeibullFitter

    return WeibullFitter().fit(*data)


def _weibull_reference(data):
    from lifelines import WeibullFitter

    return WeibullFitter().fit(*data)


def _weibull_check(data, ours, reference) -> str:
    parameters = np.array([ours.lambda_, ours.rho_])
    theirs = np.array([reference.lambda_, reference.rho_])
    gap = np.max(np.abs(parameters / theirs - 1))
    se_gap = np.max(np.abs(ours.standard_errors_ / reference.summary["se(coef)"].to_numpy() - 1))
    return (
        f"(lambda, rho) max rel. diff {gap:.1e}, SEs {se_gap:.1e}, "
        f"log-lik diff {abs(ours.log_likelihood_ - reference.log_likelihood_):.1e}"
    )


register(
    Workload(
        name="weibull_fit",
        description="Weibull MLE, 100,000 right-censored durations (about 30 % censored)",
        setup=_weibull_data,
        ours=_weibull_ours,
        reference=_weibull_reference,
        reference_label="lifelines",
        target=0.5,
        requires=("lifelines",),
        check=_weibull_check,
    )
)


def _cox_data():
    import pandas as pd

    rng = np.random.default_rng(1)
    n, p = 20_000, 20
    X = rng.normal(size=(n, p))
    beta = rng.normal(scale=0.2, size=p)
    lifetimes = rng.exponential(1.0 / np.exp(X @ beta)) * 50.0
    censoring = rng.exponential(60.0, n)
    # Whole time units: many ties, so Efron's correction is exercised.
    durations = np.ceil(np.minimum(lifetimes, censoring))
    events = (lifetimes <= censoring).astype(float)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    frame["T"], frame["E"] = durations, events
    return X, durations, events, frame


def _cox_ours(data):
    from glassml.survival import CoxPH

    X, durations, events, _ = data
    return CoxPH(ties="efron").fit(X, durations, events)


def _cox_reference(data):
    from lifelines import CoxPHFitter

    return CoxPHFitter().fit(data[3], "T", "E")


def _cox_check(data, ours, reference) -> str:
    coef_gap = np.max(np.abs(ours.coef_ - reference.params_.to_numpy()))
    se_gap = np.max(np.abs(ours.standard_errors_ / reference.standard_errors_.to_numpy() - 1))
    log_gap = abs(ours.log_likelihood_ - reference.log_likelihood_)
    return (
        f"max |coef diff| {coef_gap:.1e}, SEs max rel. diff {se_gap:.1e}, "
        f"log partial lik. diff {log_gap:.1e}"
    )


register(
    Workload(
        name="coxph",
        description="Cox PH, 20,000 x 20, Efron ties (durations in whole units), Newton",
        setup=_cox_data,
        ours=_cox_ours,
        reference=_cox_reference,
        reference_label="lifelines",
        target=1.0,
        requires=("lifelines",),
        check=_cox_check,
        repeats=3,
    )
)
