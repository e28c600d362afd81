"""The mixture SPRT stays valid under continuous monitoring; a peeking t-test does not.

Simulation: 1,000 A/A experiments, 20 looks of 50 pairs each (unit variance). Ville's
inequality bounds the mSPRT's false-positive rate by alpha; the observed rate of 1,000
experiments must stay below the count a Binomial(1000, alpha) exceeds with probability 1e-4
(7.5 %), which a test at level alpha never fails more often than that. A two-sample t-test
checked after every look must exceed that count: its rate (about 0.25 at 20 looks) is far from
it, so the check fails with negligible probability too. Power at effect 0.3 (1.0 here) must
exceed 0.8: 0.8 is more than 20 binomial standard errors below.
"""

import numpy as np
import pytest
from parity import assert_close
from scipy import stats as scipy_stats
from scipy.stats import binom

from glassml import stats

ALPHA = 0.05
N_EXPERIMENTS, N_LOOKS, BATCH = 1000, 20, 50
# A level-alpha procedure rejects more often than this with probability below 1e-4.
VALID_RATE = binom.isf(1e-4, N_EXPERIMENTS, ALPHA) / N_EXPERIMENTS


def _simulate(effect: float, seed: int):
    rng = np.random.default_rng(seed)
    control = rng.normal(0.0, 1.0, (N_EXPERIMENTS, N_LOOKS * BATCH))
    treatment = rng.normal(effect, 1.0, (N_EXPERIMENTS, N_LOOKS * BATCH))
    return control, treatment


def _msprt_rejections(control, treatment, tau=0.2):
    looks = np.arange(1, N_LOOKS + 1) * BATCH
    sums = np.cumsum(treatment - control, axis=1)[:, looks - 1]
    pvalues = stats.always_valid_pvalues(sums, looks, variance=2.0, tau=tau)
    return np.any(pvalues <= ALPHA, axis=1)


def _peeking_t_rejections(control, treatment):
    rejected = np.zeros(N_EXPERIMENTS, dtype=bool)
    for look in range(1, N_LOOKS + 1):
        n = look * BATCH
        pvalue = scipy_stats.ttest_ind(treatment[:, :n], control[:, :n], axis=1).pvalue
        rejected |= pvalue < ALPHA
    return rejected


def test_msprt_controls_false_positives_under_peeking_and_naive_t_does_not():
    control, treatment = _simulate(effect=0.0, seed=2024)
    msprt_rate = np.mean(_msprt_rejections(control, treatment))
    naive_rate = np.mean(_peeking_t_rejections(control, treatment))
    assert msprt_rate <= VALID_RATE, msprt_rate
    assert naive_rate > VALID_RATE, naive_rate


def test_msprt_detects_a_real_effect():
    control, treatment = _simulate(effect=0.3, seed=7)
    assert np.mean(_msprt_rejections(control, treatment)) > 0.8


def test_incremental_test_equals_the_vectorised_p_values():
    rng = np.random.default_rng(0)
    control, treatment = rng.normal(0, 1, 500), rng.normal(0.2, 1, 500)
    sequential = stats.SequentialABTest(alpha=ALPHA, tau=0.2, variance=2.0)
    incremental = [
        sequential.update(control[i : i + 50], treatment[i : i + 50]) for i in range(0, 500, 50)
    ]
    looks = np.arange(50, 501, 50)
    sums = np.cumsum(treatment - control)[looks - 1]
    assert_close(incremental, stats.always_valid_pvalues(sums, looks, 2.0, 0.2), rtol=1e-12)
    assert np.all(np.diff(incremental) <= 0)  # always-valid p-values never increase


def test_likelihood_ratio_matches_the_gaussian_mixture_integral():
    # Lambda_n = integral N(zbar; theta, V/n) N(theta; 0, tau^2) dtheta / N(zbar; 0, V/n).
    n, variance, tau, total = 40, 2.0, 0.3, 9.0
    zbar = total / n
    marginal = scipy_stats.norm.pdf(zbar, 0, np.sqrt(variance / n + tau**2))
    null = scipy_stats.norm.pdf(zbar, 0, np.sqrt(variance / n))
    ours = stats.msprt_log_likelihood_ratio(total, n, variance, tau)
    assert_close(ours, np.log(marginal / null), rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"tau": 0.0}, "tau"), ({"alpha": 1.5}, "alpha"), ({"variance": -1.0}, "variance")],
)
def test_bad_settings_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        stats.SequentialABTest(**kwargs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, 2.0], [1, 2], -1.0, 0.2), "^variance: expected"),
        (([1.0, 2.0], [1, 2], 1.0, 0.0), "^tau: expected"),
        (([1.0, np.nan], [1, 2], 1.0, 0.2), "^sum_difference: expected finite numbers"),
        (([1.0, 2.0], [-1, 2], 1.0, 0.2), "^n: expected non-negative sample sizes"),
    ],
)
def test_bad_monitoring_input_names_the_argument(args, message):
    with pytest.raises(ValueError, match=message):
        stats.always_valid_pvalues(*args)
    with pytest.raises(ValueError, match=message):
        stats.msprt_log_likelihood_ratio(*args)
