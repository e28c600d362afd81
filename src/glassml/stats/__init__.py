"""Probability and statistics: hypothesis tests, resampling, A/B testing, Monte Carlo, MCMC.

Distributions themselves come from ``scipy.stats``; this package writes the procedures built on
them, each checked against scipy or statsmodels.
"""

from glassml.stats._abtest import ABTest, ABTestResult
from glassml.stats._bayes_ab import (
    BayesianABResult,
    BetaBinomialAB,
    NormalAB,
    prob_beta_greater,
    prob_beta_greater_closed_form,
)
from glassml.stats._chisquare import chi2_independence, chisquare_gof
from glassml.stats._diagnostics import (
    autocorrelation,
    effective_sample_size,
    mcse_mean,
    split_rhat,
)
from glassml.stats._mcmc import MCMCResult, hmc, metropolis_hastings
from glassml.stats._mle import MLEResult, fit_mle, observed_information
from glassml.stats._montecarlo import (
    MonteCarloResult,
    antithetic_integrate,
    control_variate_integrate,
    importance_sampling,
    mc_integrate,
)
from glassml.stats._multitest import multipletests
from glassml.stats._power import (
    cohens_h,
    mde_two_means,
    mde_two_proportions,
    power_two_means,
    power_two_proportions,
    sample_size_two_means,
    sample_size_two_proportions,
)
from glassml.stats._proportions import proportion_ztest, two_proportion_ztest
from glassml.stats._resampling import (
    BootstrapResult,
    PermutationResult,
    bootstrap,
    permutation_test,
)
from glassml.stats._result import TestResult
from glassml.stats._sequential import (
    SequentialABTest,
    always_valid_pvalues,
    msprt_log_likelihood_ratio,
)
from glassml.stats._ttest import ttest_1samp, ttest_ind, ttest_rel

__all__ = [
    "ABTest",
    "ABTestResult",
    "BayesianABResult",
    "BetaBinomialAB",
    "BootstrapResult",
    "MCMCResult",
    "MLEResult",
    "MonteCarloResult",
    "NormalAB",
    "PermutationResult",
    "SequentialABTest",
    "TestResult",
    "always_valid_pvalues",
    "antithetic_integrate",
    "autocorrelation",
    "bootstrap",
    "chi2_independence",
    "chisquare_gof",
    "cohens_h",
    "control_variate_integrate",
    "effective_sample_size",
    "fit_mle",
    "hmc",
    "importance_sampling",
    "mc_integrate",
    "mcse_mean",
    "mde_two_means",
    "mde_two_proportions",
    "metropolis_hastings",
    "msprt_log_likelihood_ratio",
    "multipletests",
    "observed_information",
    "permutation_test",
    "power_two_means",
    "power_two_proportions",
    "prob_beta_greater",
    "prob_beta_greater_closed_form",
    "proportion_ztest",
    "sample_size_two_means",
    "sample_size_two_proportions",
    "split_rhat",
    "ttest_1samp",
    "ttest_ind",
    "ttest_rel",
    "two_proportion_ztest",
]
