"""Resampling inference against scipy.stats: permutation test and BCa bootstrap."""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from benchmarks._harness import Workload, register
from glassml import stats


def _mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def _two_samples():
    rng = np.random.default_rng(0)
    return rng.normal(0.0, 1.0, 10_000), rng.normal(0.02, 1.0, 10_000)


register(
    Workload(
        name="permutation_test",
        description="two samples of 10,000, difference in means, 10,000 resamples",
        setup=_two_samples,
        ours=lambda data: stats.permutation_test(
            data, _mean_difference, n_resamples=10_000, random_state=1
        ),
        reference=lambda data: scipy_stats.permutation_test(
            data, _mean_difference, n_resamples=10_000, vectorized=True, rng=1
        ),
        reference_label="scipy.stats.permutation_test",
        target=0.5,
        repeats=3,
        check=lambda data, ours, theirs: f"p {ours.pvalue:.4f} vs {theirs.pvalue:.4f}",
    )
)


register(
    Workload(
        name="bootstrap_bca",
        description="10,000 observations, mean, 10,000 resamples, BCa interval",
        setup=lambda: (np.random.default_rng(1).lognormal(size=10_000),),
        ours=lambda data: stats.bootstrap(data, np.mean, n_resamples=10_000, random_state=1),
        reference=lambda data: scipy_stats.bootstrap(
            data, np.mean, n_resamples=10_000, method="BCa", rng=1
        ),
        reference_label="scipy.stats.bootstrap",
        target=0.5,
        repeats=3,
        check=lambda data, ours, theirs: "CI ({:.4f}, {:.4f}) vs ({:.4f}, {:.4f})".format(
            *ours.confidence_interval, *theirs.confidence_interval
        ),
    )
)
