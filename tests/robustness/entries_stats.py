"""Robustness entries of glassml.stats and glassml.stats.bayesnet: every public entry point.

How each result transforms when its data scale by ``s`` (the ``Scale`` declarations):

- t-tests, A/B tests, the Normal Bayesian model: t, df, p, Cohen's d, P(B > A) and the relative
  lift are scale-free; estimates, intervals, standard errors and expected losses scale with s.
- chi-square tests: X^2 scales with the counts (its p-value does not stay put: counts are not
  scale-free), Cramér's V and Cohen's w do not change, nor do the degrees of freedom.
- bootstrap and permutation tests of a mean difference (same seed): the resampled values, the
  interval and the standard error scale with s; the p-value does not change.
- MCMC diagnostics: autocorrelation, ESS and R-hat are scale-free; the MCSE scales with s.
- the mSPRT: at sums of 1e300 the evidence is overwhelming (p = 0 exactly, the float64 value of
  exp(-1e600)); at 1e-300 there is none (Lambda = sqrt(V / (V + n tau^2)) < 1, p = 1); at
  n * 1e300 the mixture's penalty dominates (p = 1). log Lambda itself grows as S^2: at 1e300
  its value (~1e600) is beyond float64, so that one probe is skipped (stated below).
- a Factor scales with its table (it need not be normalised).

Result records (``TestResult``, ``MCMCResult`` ...) are returned by the procedures, which
validate everything that goes into them; their public methods have entries of their own.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml import stats
from glassml.stats.bayesnet import (
    CPD,
    BayesianNetwork,
    Factor,
    asia_network,
    random_network,
    sprinkler_network,
)

RNG = np.random.default_rng(0)
SAMPLE_A = RNG.normal(0.3, 1.0, 12)
SAMPLE_B = RNG.normal(-0.2, 1.5, 15)
POSITIVE_A = RNG.gamma(4.0, 2.5, 14)
POSITIVE_B = RNG.gamma(4.0, 2.8, 16)
TABLE = np.array([[12.0, 30.0, 9.0], [25.0, 18.0, 14.0]])
COUNTS = np.array([43.0, 52.0, 54.0, 40.0, 61.0])
PROPORTIONS = np.array([0.2, 0.2, 0.25, 0.15, 0.2])
PVALUES = np.array([0.001, 0.04, 0.03, 0.2, 0.012, 0.049])
LOOKS = np.array([10.0, 20.0, 30.0, 40.0])
SUMS = np.array([1.5, 4.0, 7.5, 9.0])


def _ar1(rho: float, n_chains: int, n_draws: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chains = np.empty((n_chains, n_draws))
    chains[:, 0] = rng.normal(size=n_chains)
    for t in range(1, n_draws):
        chains[:, t] = rho * chains[:, t - 1] + np.sqrt(1 - rho**2) * rng.normal(size=n_chains)
    return chains


DRAWS = _ar1(0.5, 2, 60, seed=1)

INDEPENDENT = "the two samples may have any sizes: dropping one observation leaves valid input"
ANY_SEED = {"random_state": opt(-1, "seed", 1.5, True)}
ALTERNATIVE = {"alternative": opt("bigger", None)}
LEVEL = {"confidence_level": opt(0.0, 1.0, 1.5)}


def fields(invariant_fields=(), equivariant_fields=(), rtol: float = 1e-9):
    """A Scale check on named fields of a result: some unchanged, some times s."""

    def check(base, scaled, s):
        for name in invariant_fields:
            invariant(rtol=rtol)(getattr(base, name), getattr(scaled, name), s)
        for name in equivariant_fields:
            equivariant(1.0, rtol=rtol)(getattr(base, name), getattr(scaled, name), s)

    return check


def all_equal(value: float):
    """A Scale check for a limit: every output equals ``value`` (its float64 value)."""

    def check(base, scaled, s):
        if not np.all(np.asarray(scaled) == value):
            raise AssertionError(
                f"expected every output equal to {value} at scale {s:g}, got "
                f"{np.asarray(scaled)[:8]}"
            )

    return check


T_TEST = fields(("statistic", "pvalue", "df", "effect_size"), ("estimate", "confidence_interval"))


def mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def standard_normal(x):
    return -0.5 * (x * x).sum()


def normal_mean_log_likelihood(theta):
    return -0.5 * ((SAMPLE_A - theta[0]) ** 2).sum()


def _small_mh(**options):
    arguments = {"n_samples": 40, "n_warmup": 40, "n_chains": 2, "random_state": 0, **options}
    return stats.metropolis_hastings(lambda x: -0.5 * float(x @ x), np.zeros(2), **arguments)


MCMC_RESULT = _small_mh()
MLE_RESULT = stats.fit_mle(normal_mean_log_likelihood, np.zeros(1))
SPRINKLER = sprinkler_network()
SPRINKLER_DATA = SPRINKLER.sample(300, random_state=0)
RAIN = SPRINKLER.query("Rain", {"WetGrass": "yes"})


def _cpd_values(network):
    return np.concatenate([network.cpds[v].values.ravel() for v in network.variables])


CALLABLE = opt("not callable", None, 3, auto=False)
MCMC_OPTIONS = {
    "log_density": CALLABLE,
    "n_samples": opt(3, -1),
    "n_warmup": opt(-1),
    "n_chains": opt(0),
    "target_accept": opt(0.0, 1.0),
    "adapt_metric": opt(),
    **ANY_SEED,
}

ENTRIES = [
    # ---------------------------------------------------------------- t-tests, z-tests, chi^2
    Entry(
        "glassml.stats.ttest_1samp",
        stats.ttest_1samp,
        {"sample": SAMPLE_A, "popmean": 0.0, "alternative": "two-sided", "confidence_level": 0.9},
        arrays=("sample",),
        options={"popmean": opt(), **ALTERNATIVE, **LEVEL},
        scale=(Scale(("sample",), T_TEST),),
    ),
    Entry(
        "glassml.stats.ttest_ind",
        stats.ttest_ind,
        {
            "sample_a": SAMPLE_A,
            "sample_b": SAMPLE_B,
            "equal_var": False,
            "alternative": "two-sided",
            "confidence_level": 0.95,
        },
        arrays=("sample_a", "sample_b"),
        options={"equal_var": opt(), **ALTERNATIVE, **LEVEL},
        scale=(Scale(("sample_a", "sample_b"), T_TEST),),
        skip={"length": INDEPENDENT},
    ),
    Entry(
        "glassml.stats.ttest_rel",
        stats.ttest_rel,
        {
            "sample_a": SAMPLE_A,
            "sample_b": SAMPLE_B[:12],
            "alternative": "two-sided",
            "confidence_level": 0.95,
        },
        arrays=("sample_a", "sample_b"),
        options={**ALTERNATIVE, **LEVEL},
        scale=(Scale(("sample_a", "sample_b"), T_TEST),),
    ),
    Entry(
        "glassml.stats.proportion_ztest",
        stats.proportion_ztest,
        {
            "count": 37,
            "nobs": 120,
            "value": 0.25,
            "variance": "null",
            "alternative": "two-sided",
            "confidence_level": 0.95,
        },
        options={
            "count": opt(-1, 121),
            "nobs": opt(0),
            "value": opt(0.0, 1.0),
            "variance": opt(),
            **ALTERNATIVE,
            **LEVEL,
        },
    ),
    Entry(
        "glassml.stats.two_proportion_ztest",
        stats.two_proportion_ztest,
        {
            "count_a": 130,
            "nobs_a": 1000,
            "count_b": 101,
            "nobs_b": 980,
            "alternative": "two-sided",
            "confidence_level": 0.95,
        },
        options={
            "count_a": opt(-1, 1001),
            "nobs_a": opt(0),
            "count_b": opt(-2),
            "nobs_b": opt(),
            **ALTERNATIVE,
            **LEVEL,
        },
    ),
    Entry(
        "glassml.stats.chi2_independence",
        stats.chi2_independence,
        {"table": TABLE, "correction": True},
        arrays=("table",),
        options={"correction": opt()},
        scale=(Scale(("table",), fields(("df", "effect_size"), ("statistic",))),),
    ),
    Entry(
        "glassml.stats.chisquare_gof",
        stats.chisquare_gof,
        {"observed": COUNTS, "expected_proportions": PROPORTIONS, "ddof": 1},
        arrays=("observed", "expected_proportions"),
        options={"ddof": opt(-1, 4)},
        scale=(Scale(("observed",), fields(("df", "effect_size"), ("statistic",))),),
    ),
    Entry(
        "glassml.stats.multipletests",
        stats.multipletests,
        {"pvalues": PVALUES, "alpha": 0.05, "method": "holm"},
        arrays=("pvalues",),
        options={"alpha": opt(0.0, 1.0), "method": opt("sidak")},
    ),
    # ---------------------------------------------------------------- power and sample size
    Entry(
        "glassml.stats.cohens_h",
        stats.cohens_h,
        {"p_a": 0.10, "p_b": 0.12},
        options={"p_a": opt(-0.1, 1.1), "p_b": opt(2.0)},
    ),
    Entry(
        "glassml.stats.power_two_means",
        stats.power_two_means,
        {
            "effect_size": 0.35,
            "nobs_a": 60.0,
            "alpha": 0.05,
            "ratio": 1.5,
            "alternative": "two-sided",
        },
        options={
            "effect_size": opt(),
            "nobs_a": opt(1.0, 0.5),
            "alpha": opt(0.0, 1.0),
            "ratio": opt(0.0, -1.0),
            **ALTERNATIVE,
        },
    ),
    Entry(
        "glassml.stats.power_two_proportions",
        stats.power_two_proportions,
        {
            "p_a": 0.10,
            "p_b": 0.12,
            "nobs_a": 1500.0,
            "alpha": 0.05,
            "ratio": 1.0,
            "alternative": "two-sided",
        },
        options={
            "p_a": opt(1.5),
            "p_b": opt(-0.5),
            "nobs_a": opt(0),
            "alpha": opt(2.0),
            "ratio": opt(-1.0),
            **ALTERNATIVE,
        },
    ),
    Entry(
        "glassml.stats.sample_size_two_means",
        stats.sample_size_two_means,
        {
            "effect_size": 0.5,
            "power": 0.8,
            "alpha": 0.05,
            "ratio": 1.0,
            "alternative": "two-sided",
        },
        options={
            "effect_size": opt(0.0),
            "power": opt(0.0, 1.0),
            "alpha": opt(1.0),
            "ratio": opt(0.0),
            **ALTERNATIVE,
        },
    ),
    Entry(
        "glassml.stats.sample_size_two_proportions",
        stats.sample_size_two_proportions,
        {
            "p_a": 0.10,
            "p_b": 0.12,
            "power": 0.8,
            "alpha": 0.05,
            "ratio": 1.0,
            "alternative": "greater",
        },
        options={
            "p_a": opt(1.5),
            "p_b": opt(0.10),
            "power": opt(1.0),
            "alpha": opt(0.0),
            "ratio": opt(-2.0),
            **ALTERNATIVE,
        },
    ),
    Entry(
        "glassml.stats.mde_two_means",
        stats.mde_two_means,
        {"nobs_a": 150.0, "power": 0.9, "alpha": 0.01, "ratio": 1.0, "alternative": "two-sided"},
        options={
            "nobs_a": opt(1),
            "power": opt(1.5),
            "alpha": opt(0.0),
            "ratio": opt(0.0),
            **ALTERNATIVE,
        },
    ),
    Entry(
        "glassml.stats.mde_two_proportions",
        stats.mde_two_proportions,
        {
            "p_a": 0.10,
            "nobs_a": 2000.0,
            "power": 0.8,
            "alpha": 0.05,
            "ratio": 1.0,
            "alternative": "two-sided",
        },
        options={
            "p_a": opt(0.0, 1.0),
            "nobs_a": opt(0),
            "power": opt(0.0),
            "alpha": opt(-1.0),
            "ratio": opt(0.0),
            **ALTERNATIVE,
        },
    ),
    # ---------------------------------------------------------------- A/B testing
    Entry(
        "glassml.stats.ABTest",
        stats.ABTest,
        {"alpha": 0.05, "alternative": "two-sided"},
        options={"alpha": opt(0.0, 1.0), **ALTERNATIVE},
    ),
    Entry(
        "glassml.stats.ABTest.conversion",
        lambda **counts: stats.ABTest().conversion(**counts),
        {"conversions_a": 480, "visitors_a": 5000, "conversions_b": 560, "visitors_b": 5000},
        options={
            "conversions_a": opt(-1, 5001),
            "visitors_a": opt(0),
            "conversions_b": opt(-1),
            "visitors_b": opt(0),
        },
    ),
    Entry(
        "glassml.stats.ABTest.continuous",
        lambda metric_a, metric_b: stats.ABTest().continuous(metric_a, metric_b),
        {"metric_a": POSITIVE_A, "metric_b": POSITIVE_B},
        arrays=("metric_a", "metric_b"),
        scale=(
            Scale(
                ("metric_a", "metric_b"),
                fields(
                    ("pvalue", "relative_lift", "relative_lift_ci"),
                    ("mean_a", "mean_b", "difference", "difference_ci"),
                ),
            ),
        ),
        skip={"length": INDEPENDENT},
    ),
    Entry(
        "glassml.stats.BetaBinomialAB",
        stats.BetaBinomialAB,
        {"prior_alpha": 1.0, "prior_beta": 2.0},
        options={"prior_alpha": opt(0.0, -1.0), "prior_beta": opt(0.0)},
    ),
    Entry(
        "glassml.stats.BetaBinomialAB.evaluate",
        lambda **kw: stats.BetaBinomialAB().evaluate(**kw),
        {
            "conversions_a": 100,
            "visitors_a": 1000,
            "conversions_b": 120,
            "visitors_b": 1000,
            "credible_level": 0.9,
            "n_draws": 2000,
            "random_state": 0,
            "method": "exact",
        },
        options={
            "conversions_a": opt(-1, 1001),
            "visitors_a": opt(0),
            "conversions_b": opt(-5),
            "visitors_b": opt(0),
            "credible_level": opt(0.0, 1.0),
            "n_draws": opt(0, 1, -3),
            "method": opt("mcmc", None),
            **ANY_SEED,
        },
    ),
    Entry(
        "glassml.stats.BetaBinomialAB.posteriors",
        lambda **kw: stats.BetaBinomialAB().posteriors(**kw),
        {"conversions_a": 3, "visitors_a": 10, "conversions_b": 5, "visitors_b": 10},
        options={
            "conversions_a": opt(11),
            "visitors_a": opt(0),
            "conversions_b": opt(-1),
            "visitors_b": opt(4),
        },
    ),
    Entry("glassml.stats.NormalAB", stats.NormalAB, {}),
    Entry(
        "glassml.stats.NormalAB.evaluate",
        lambda metric_a, metric_b, credible_level: stats.NormalAB().evaluate(
            metric_a, metric_b, credible_level=credible_level
        ),
        {"metric_a": POSITIVE_A, "metric_b": POSITIVE_B, "credible_level": 0.9},
        arrays=("metric_a", "metric_b"),
        options={"credible_level": opt(0.0, 1.0)},
        scale=(
            Scale(
                ("metric_a", "metric_b"),
                fields(
                    ("prob_b_better",),
                    (
                        "expected_loss_choose_a",
                        "expected_loss_choose_b",
                        "credible_interval_a",
                        "credible_interval_b",
                        "credible_interval_difference",
                    ),
                ),
            ),
        ),
        skip={"length": INDEPENDENT},
    ),
    Entry(
        "glassml.stats.prob_beta_greater",
        stats.prob_beta_greater,
        {"alpha_b": 121.0, "beta_b": 881.0, "alpha_a": 101.0, "beta_a": 901.0},
        options={name: opt(0.0, -1.0) for name in ("alpha_b", "beta_b", "alpha_a", "beta_a")},
    ),
    Entry(
        "glassml.stats.prob_beta_greater_closed_form",
        stats.prob_beta_greater_closed_form,
        {"alpha_b": 121, "beta_b": 881.0, "alpha_a": 101.0, "beta_a": 901.0},
        options={
            "alpha_b": opt(0, 10**9),
            "beta_b": opt(0.0),
            "alpha_a": opt(-1.0),
            "beta_a": opt(0.0),
        },
    ),
    # ---------------------------------------------------------------- sequential testing
    Entry(
        "glassml.stats.SequentialABTest",
        stats.SequentialABTest,
        {"alpha": 0.05, "tau": 0.2, "variance": 2.0},
        options={"alpha": opt(0.0, 1.0), "tau": opt(0.0), "variance": opt(-1.0)},
    ),
    Entry(
        "glassml.stats.SequentialABTest.update",
        lambda metric_a, metric_b: stats.SequentialABTest(tau=0.5).update(metric_a, metric_b),
        {"metric_a": SAMPLE_A, "metric_b": SAMPLE_B[:12] + 1.0},
        arrays=("metric_a", "metric_b"),
        scale=(Scale(("metric_a", "metric_b"), invariant()),),  # the plug-in variance scales too
    ),
    Entry(
        "glassml.stats.msprt_log_likelihood_ratio",
        stats.msprt_log_likelihood_ratio,
        {"sum_difference": SUMS, "n": LOOKS, "variance": 2.0, "tau": 0.3},
        arrays=("sum_difference", "n"),
        options={"variance": opt(0.0, -2.0), "tau": opt(0.0)},
        skip={
            "huge": "log Lambda grows as sum_difference^2: at 1e300 its value (~1e600) is "
            "beyond float64, so +inf is the correctly rounded answer"
        },
    ),
    Entry(
        "glassml.stats.always_valid_pvalues",
        stats.always_valid_pvalues,
        {"sum_difference": SUMS * 3, "n": LOOKS, "variance": 2.0, "tau": 0.3, "axis": -1},
        arrays=("sum_difference", "n"),
        options={"variance": opt(0.0), "tau": opt(-1.0), "axis": opt(1, -2)},
        scale=(
            Scale(("sum_difference",), all_equal(0.0), families=("huge",)),
            Scale(("sum_difference",), all_equal(1.0), families=("tiny",)),
            Scale(("n",), all_equal(1.0), families=("huge",)),
        ),
    ),
    # ---------------------------------------------------------------- resampling
    Entry(
        "glassml.stats.permutation_test",
        stats.permutation_test,
        {
            "data": (SAMPLE_A, SAMPLE_B[:12]),
            "statistic": mean_difference,
            "permutation_type": "independent",
            "n_resamples": 500,
            "alternative": "two-sided",
            "vectorized": True,
            "random_state": 0,
        },
        arrays=("data",),
        options={
            "statistic": CALLABLE,
            "permutation_type": opt("pairs"),
            "n_resamples": opt(0, np.inf, 10**12),
            "vectorized": opt(),
            **ALTERNATIVE,
            **ANY_SEED,
        },
        scale=(Scale(("data",), fields(("pvalue",), ("statistic", "null_distribution"))),),
    ),
    Entry(
        "glassml.stats.bootstrap",
        stats.bootstrap,
        {
            "data": (POSITIVE_A,),
            "statistic": np.mean,
            "n_resamples": 300,
            "confidence_level": 0.9,
            "method": "bca",
            "vectorized": None,
            "random_state": 0,
        },
        arrays=("data",),
        options={
            "statistic": CALLABLE,
            "n_resamples": opt(1, np.inf, 10**12),
            "method": opt("bc", None, 3, auto=False),
            "vectorized": opt("yes", 2, auto=False),
            **LEVEL,
            **ANY_SEED,
        },
        scale=(
            Scale(
                ("data",),
                fields(
                    ("confidence_level",), ("confidence_interval", "standard_error", "statistic")
                ),
            ),
        ),
    ),
    # ---------------------------------------------------------------- Monte Carlo
    Entry(
        "glassml.stats.mc_integrate",
        stats.mc_integrate,
        {
            "func": np.sin,
            "sampler": None,
            "bounds": np.array([0.0, 3.0]),
            "n_samples": 2000,
            "confidence_level": 0.95,
            "random_state": 0,
        },
        arrays=("bounds",),
        options={
            "func": CALLABLE,
            "sampler": opt("x", 3, auto=False),
            "n_samples": opt(1, -1),
            **LEVEL,
            **ANY_SEED,
        },
    ),
    Entry(
        "glassml.stats.antithetic_integrate",
        stats.antithetic_integrate,
        {
            "func": np.exp,
            "sampler": None,
            "reflect": None,
            "bounds": np.array([0.0, 1.0]),
            "n_samples": 2000,
            "confidence_level": 0.95,
            "random_state": 0,
        },
        arrays=("bounds",),
        options={"func": CALLABLE, "n_samples": opt(3), **LEVEL, **ANY_SEED},
        # exp of a box of width 1e300 is +inf: the bounds are refused or func names the
        # overflow (its values at those points).
        aliases={"bounds": ("func",)},
    ),
    Entry(
        "glassml.stats.control_variate_integrate",
        stats.control_variate_integrate,
        {
            "func": np.exp,
            "control": lambda u: u,
            "control_mean": np.array([0.5]),
            "sampler": None,
            "bounds": np.array([0.0, 1.0]),
            "n_samples": 2000,
            "confidence_level": 0.95,
            "random_state": 0,
        },
        arrays=("bounds", "control_mean"),
        options={
            "func": CALLABLE,
            "control": CALLABLE,
            "n_samples": opt(3),
            **LEVEL,
            **ANY_SEED,
        },
        aliases={"bounds": ("func",)},
    ),
    Entry(
        "glassml.stats.importance_sampling",
        stats.importance_sampling,
        {
            "func": lambda x: x,
            "log_target": lambda x: -0.5 * (x - 1.0) ** 2,
            "proposal_sampler": lambda rng, n: rng.normal(0.0, 2.0, n),
            "log_proposal": lambda x: -0.125 * x**2 - np.log(2.0 * np.sqrt(2 * np.pi)),
            "n_samples": 2000,
            "self_normalize": True,
            "confidence_level": 0.95,
            "random_state": 0,
        },
        options={
            "func": CALLABLE,
            "log_target": CALLABLE,
            "proposal_sampler": CALLABLE,
            "log_proposal": CALLABLE,
            "n_samples": opt(1),
            "self_normalize": opt(),
            **LEVEL,
            **ANY_SEED,
        },
    ),
    # ---------------------------------------------------------------- likelihood
    Entry(
        "glassml.stats.fit_mle",
        stats.fit_mle,
        {
            "log_likelihood": normal_mean_log_likelihood,
            "x0": np.zeros(1),
            "method": "newton",
            "names": ["mean"],
            "confidence_level": 0.95,
            "tol": 1e-9,
            "max_iter": 50,
        },
        arrays=("x0",),
        options={
            "log_likelihood": CALLABLE,
            "method": opt("no-such-method", 3, auto=False),
            "names": opt(["a", "b"], "mean", [3], auto=False),
            "tol": opt(0.0, -1.0),
            "max_iter": opt(0),
            **LEVEL,
        },
        compare=lambda base, other: invariant(rtol=1e-9, atol=1e-12)(base, other, 1.0),
    ),
    Entry(
        "glassml.stats.observed_information",
        stats.observed_information,
        {"log_likelihood": normal_mean_log_likelihood, "params": np.array([0.5])},
        arrays=("params",),
        options={"log_likelihood": CALLABLE},
    ),
    Entry("glassml.stats.MLEResult.summary", lambda: MLE_RESULT.summary().to_numpy(), {}),
    # ---------------------------------------------------------------- MCMC and diagnostics
    Entry(
        "glassml.stats.metropolis_hastings",
        stats.metropolis_hastings,
        {
            "log_density": lambda x: -0.5 * float(x @ x),
            "initial": np.array([0.5, -0.5]),
            "n_samples": 40,
            "n_warmup": 40,
            "n_chains": 3,  # (2, 1) cannot pass for (n_chains, n_params)
            "step_size": 0.5,
            "target_accept": 0.234,
            "adapt_metric": True,
            "random_state": 0,
        },
        arrays=("initial",),
        options={**MCMC_OPTIONS, "step_size": opt(0.0, -1.0)},
    ),
    Entry(
        "glassml.stats.hmc",
        stats.hmc,
        {
            "log_density": standard_normal,
            "initial": np.array([0.5, -0.5]),
            "n_samples": 20,
            "n_warmup": 20,
            "n_chains": 1,
            "n_leapfrog": None,
            "trajectory_length": 1.0,
            "step_size": 0.3,
            "target_accept": 0.8,
            "adapt_metric": False,
            "max_leapfrog": 20,
            "random_state": 0,
        },
        arrays=("initial",),
        options={
            **MCMC_OPTIONS,
            "n_leapfrog": opt(0, 2.5, "3", auto=False),
            "trajectory_length": opt(0.0, -1.0),
            "step_size": opt(0.0),
            "max_leapfrog": opt(0, -1),
        },
    ),
    Entry("glassml.stats.MCMCResult.mean", MCMC_RESULT.mean, {}),
    Entry("glassml.stats.MCMCResult.cov", MCMC_RESULT.cov, {}),
    Entry(
        "glassml.stats.MCMCResult.summary",
        lambda names: MCMC_RESULT.summary(names).to_numpy(),
        {"names": ["a", "b"]},
        options={"names": opt(["a"], "ab", 3, auto=False)},
    ),
    Entry(
        "glassml.stats.effective_sample_size",
        stats.effective_sample_size,
        {"draws": DRAWS, "method": "bulk"},
        arrays=("draws",),
        options={"method": opt("median")},
        scale=(Scale(("draws",), invariant(rtol=1e-12)),),
    ),
    Entry(
        "glassml.stats.split_rhat",
        stats.split_rhat,
        {"draws": DRAWS, "rank_normalized": True},
        arrays=("draws",),
        options={"rank_normalized": opt()},
        scale=(Scale(("draws",), invariant(rtol=1e-12)),),
    ),
    Entry(
        "glassml.stats.mcse_mean",
        stats.mcse_mean,
        {"draws": DRAWS},
        arrays=("draws",),
        scale=(Scale(("draws",), equivariant(1.0, rtol=1e-12)),),
    ),
    Entry(
        "glassml.stats.autocorrelation",
        stats.autocorrelation,
        {"draws": DRAWS},
        arrays=("draws",),
        scale=(Scale(("draws",), invariant(rtol=1e-9, atol=1e-12)),),
    ),
    # ---------------------------------------------------------------- Bayesian networks
    Entry(
        "glassml.stats.bayesnet.CPD",
        lambda variable, values, parents, states: CPD(variable, values, parents, states).values,
        {
            "variable": "Rain",
            "values": np.array([[0.8, 0.2], [0.2, 0.8]]),
            "parents": ["Cloudy"],
            "states": ("no", "yes"),
        },
        arrays=("values",),
        options={
            "variable": opt("", 3, None, auto=False),
            "parents": opt(["Rain"], [3], ["a", "a"], 3, auto=False),
            "states": opt(("a",), ("a", "a"), "ab", [[1], [2]], auto=False),
        },
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork",
        lambda edges, cpds, nodes: BayesianNetwork(edges, cpds, nodes).variables,
        {"edges": SPRINKLER.edges, "cpds": list(SPRINKLER.cpds.values()), "nodes": None},
        options={
            "edges": opt([("A",)], "AB", 42, [("A", "A")], [("A", 3)], auto=False),
            "cpds": opt([42], "x", 3, [CPD("Z", [0.5, 0.5])], auto=False),
            "nodes": opt("", [3], 3, auto=False),
        },
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.query",
        lambda **kw: SPRINKLER.query(**kw).values,
        {
            "variables": "Rain",
            "evidence": {"WetGrass": "yes"},
            "method": "gibbs",
            "n_samples": 400,
            "n_burn_in": 5,
            "n_chains": 20,
            "random_state": 0,
        },
        options={
            "variables": opt("Snow", [], ["Rain", "Rain"], 3, ["WetGrass"], auto=False),
            "evidence": opt({"WetGrass": "maybe"}, {"Snow": "yes"}, ["WetGrass"], 3, auto=False),
            "method": opt(),
            "n_samples": opt(0),
            "n_burn_in": opt(-1),
            "n_chains": opt(0),
            **ANY_SEED,
        },
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.map_query",
        lambda **kw: SPRINKLER.map_query(**kw).probability,
        {"variables": ["Rain", "Sprinkler"], "evidence": {"WetGrass": "yes"}},
        options={
            "variables": opt(["Snow"], ["WetGrass"], 3, auto=False),
            "evidence": opt({"WetGrass": 1}, "WetGrass", auto=False),
        },
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.d_separated",
        SPRINKLER.d_separated,
        {"x": "Sprinkler", "y": "Rain", "given": ["Cloudy"]},
        options={
            "x": opt("Snow", [], 3, auto=False),
            "y": opt("Sprinkler", None, auto=False),
            "given": opt(["Rain"], 3, auto=False),
        },
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.ancestors",
        lambda variables: sorted(SPRINKLER.ancestors(variables)),
        {"variables": ["WetGrass"]},
        options={"variables": opt(["Snow"], 3, [None], auto=False)},
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.markov_blanket",
        lambda variable: sorted(SPRINKLER.markov_blanket(variable)),
        {"variable": "Rain"},
        options={"variable": opt("Snow", 3, ["Rain"], auto=False)},
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.sample",
        lambda n_samples, random_state: SPRINKLER.sample(n_samples, random_state).shape,
        {"n_samples": 20, "random_state": 0},
        options={"n_samples": opt(0, -1), **ANY_SEED},
    ),
    Entry(
        "glassml.stats.bayesnet.BayesianNetwork.fit",
        lambda **kw: _cpd_values(BayesianNetwork(SPRINKLER.edges).fit(**kw)),
        {
            "data": SPRINKLER_DATA,
            "method": "bdeu",
            "equivalent_sample_size": 2.0,
            "pseudo_count": 1.0,
            "states": {v: ("no", "yes") for v in SPRINKLER.variables},
        },
        options={
            "data": opt(
                None,
                np.zeros((3, 4)),
                SPRINKLER_DATA.iloc[:0],
                SPRINKLER_DATA.drop(columns="Rain"),
                auto=False,
            ),
            "method": opt(),
            "equivalent_sample_size": opt(0.0),
            "pseudo_count": opt(-1.0),
            "states": opt("no", {"Rain": "ny"}, 3, auto=False),
        },
    ),
    Entry(
        "glassml.stats.bayesnet.Factor",
        lambda variables, values, states: Factor(variables, values, states).values,
        {
            "variables": ("Rain",),
            "values": np.array([0.3, 0.7]),
            "states": {"Rain": ("no", "yes")},
        },
        arrays=("values",),
        options={
            "variables": opt("Rain", ("Snow",), (3,), auto=False),
            "states": opt({"Rain": ("no",)}, ["no", "yes"], auto=False),
        },
        scale=(Scale(("values",), equivariant(1.0)),),
        # variables and states must agree: a mismatch may be reported on either
        aliases={"variables": ("states",), "states": ("values",)},
    ),
    Entry(
        "glassml.stats.bayesnet.Factor.probability",
        RAIN.probability,
        {"Rain": "yes"},
        options={"Rain": opt()},
    ),
    Entry("glassml.stats.bayesnet.Factor.to_series", lambda: RAIN.to_series().to_numpy(), {}),
    Entry("glassml.stats.bayesnet.asia_network", lambda: _cpd_values(asia_network()), {}),
    Entry("glassml.stats.bayesnet.sprinkler_network", lambda: _cpd_values(sprinkler_network()), {}),
    Entry(
        "glassml.stats.bayesnet.random_network",
        lambda **kw: _cpd_values(random_network(**kw)),
        {"n_nodes": 6, "max_parents": 2, "max_states": 3, "random_state": 0},
        options={
            "n_nodes": opt(0, -1, 10**9),
            "max_parents": opt(-1, 2.5),
            "max_states": opt(1),
            **ANY_SEED,
        },
    ),
]

_RECORD = "a result record returned by glassml.stats' procedures, which validate its contents"
EXEMPT = {
    f"glassml.stats.{name}": _RECORD
    for name in (
        "ABTestResult",
        "BayesianABResult",
        "BootstrapResult",
        "MCMCResult",
        "MLEResult",
        "MonteCarloResult",
        "PermutationResult",
        "TestResult",
    )
}
EXEMPT["glassml.stats.bayesnet.MAPResult"] = (
    "a result record returned by BayesianNetwork.map_query, which validates its contents"
)
