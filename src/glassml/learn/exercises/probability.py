"""Probability and statistics: estimation, likelihood, tests, regression analysis, A/B testing
and power, Bayesian networks, Monte Carlo and MCMC. References are glassml.stats' (and
scipy.stats' distributions, which glassml borrows)."""

from __future__ import annotations

import numpy as np
import scipy.stats

from glassml import autodiff as ad
from glassml import stats
from glassml.learn._authoring import (
    Exercise,
    agrees,
    assume,
    described,
    grid,
    holds,
    matrices,
    near,
    register,
    st,
    vectors,
)
from glassml.linear import LinearRegression
from glassml.stats.bayesnet import CPD, BayesianNetwork

# ----------------------------------------------------------------------------- strategies


def samples(min_size: int = 2, max_size: int = 10, low: float = -5, high: float = 5):
    """A sample that is not constant (so that variances and t statistics exist)."""
    return vectors(st.integers(min_size, max_size), grid(low, high)).filter(lambda x: np.ptp(x) > 0)


def _population(e, o, x) -> bool:
    n = len(x)
    return near(np.asarray(o[1]) * n / (n - 1), e[1])


# ----------------------------------------------------------------------------- estimation


def _mean_var_reference(x):
    return float(ad.mean(x).data), float(ad.var(x, ddof=1).data)


mean_and_variance = Exercise(
    "probability/sample-variance",
    "The sample mean and the unbiased variance",
    "mean_and_variance(x)",
    lesson="probability/distributions",
    returns=("mean", "variance"),
    summary="x-bar and s^2 = sum (x_i - x-bar)^2 / (n - 1).",
    checks=[
        agrees(
            "agrees with glassml.autodiff.mean and var(ddof=1)",
            samples().map(lambda x: (x,)),
            _mean_var_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="s^2 divides by n - 1: one degree of freedom went into estimating the mean, "
            "which makes E[s^2] = sigma^2 (Bessel's correction).",
            diagnoses=[
                (
                    _population,
                    "population variance (divided by n) instead of the unbiased "
                    "sample variance (n - 1)",
                ),
                (
                    lambda e, o, x: near(o[1], np.sum(x**2) / (len(x) - 1)),
                    "the squares were not centred at the mean",
                ),
            ],
        ),
    ],
)


def _gaussian_ll_reference(x, mu, sigma):
    return float(np.sum(scipy.stats.norm.logpdf(x, loc=mu, scale=sigma)))


gaussian_log_likelihood = Exercise(
    "probability/gaussian-log-likelihood",
    "The Gaussian log-likelihood",
    "gaussian_log_likelihood(x, mu, sigma)",
    lesson="probability/estimation-and-mle",
    summary="sum_i log N(x_i; mu, sigma^2).",
    checks=[
        agrees(
            "agrees with scipy.stats.norm.logpdf summed",
            st.tuples(samples(1, 8), grid(-3, 3), st.sampled_from([0.5, 1.0, 2.0, 3.0])),
            _gaussian_ll_reference,
            rtol=1e-9,
            atol=1e-9,
            hint="log N(x; mu, sigma^2) = -1/2 log(2 pi) - log sigma - (x - mu)^2 / (2 sigma^2), "
            "summed over the sample.",
            diagnoses=[
                (
                    lambda e, o, x, mu, s: near(o, e + 0.5 * len(x) * np.log(2 * np.pi)),
                    "the constant -1/2 log(2 pi) per observation is missing",
                ),
                (
                    lambda e, o, x, mu, s: near(o, e - len(x) * np.log(s)),
                    "log sigma^2 was used where log sigma belongs",
                ),
            ],
        ),
    ],
)


def _exponential_reference(x):
    result = stats.fit_mle(
        lambda theta: ad.log(theta[0]) * len(x) - theta[0] * float(np.sum(x)),
        np.array([1.0 / np.mean(x)]),
    )
    return float(result.params[0]), float(result.standard_errors[0])


exponential_mle = Exercise(
    "probability/exponential-mle",
    "Maximum likelihood for an exponential rate, with its standard error",
    "exponential_mle(x)",
    lesson="probability/estimation-and-mle",
    returns=("rate", "standard_error"),
    summary="lambda-hat maximising n log lambda - lambda sum x, and 1 / sqrt(observed "
    "information).",
    checks=[
        agrees(
            "agrees with glassml.stats.fit_mle",
            vectors(st.integers(1, 10), grid(0.5, 6)).map(lambda x: (x,)),
            _exponential_reference,
            rtol=1e-6,
            atol=1e-9,
            hint="d/dlambda (n log lambda - lambda sum x) = n / lambda - sum x = 0; the observed "
            "information is n / lambda^2, and the standard error is its inverse square root.",
            diagnoses=[
                (
                    lambda e, o, x: not near(np.mean(x), 1.0) and near(o[0], np.mean(x)),
                    "the rate is 1 / mean, not the mean",
                ),
                (
                    lambda e, o, x: len(x) > 1 and near(o[1], e[1] / np.sqrt(len(x))),
                    "divided by n instead of sqrt(n)",
                ),
            ],
        ),
    ],
)


# ----------------------------------------------------------------------------- tests


def _t_reference(x, mu0):
    result = stats.ttest_1samp(x, mu0)
    return result.statistic, result.pvalue


one_sample_t = Exercise(
    "probability/one-sample-t",
    "The one-sample t-test",
    "one_sample_t(x, mu0)",
    lesson="probability/hypothesis-tests",
    returns=("t", "p_value"),
    summary="t = (x-bar - mu0) / (s / sqrt(n)) and its two-sided p-value on n - 1 df.",
    checks=[
        agrees(
            "agrees with glassml.stats.ttest_1samp",
            st.tuples(samples(2, 10), grid(-3, 3)),
            _t_reference,
            rtol=1e-6,
            atol=1e-10,
            hint="Use the sample standard deviation (n - 1), the t distribution with n - 1 "
            "degrees of freedom, and both tails: p = 2 P(T > |t|).",
            diagnoses=[
                (lambda e, o, x, m: near(o[1], e[1] / 2), "a one-sided p-value: double it"),
                (
                    lambda e, o, x, m: near(o[0], e[0] * np.sqrt(len(x) / (len(x) - 1))),
                    "the population standard deviation (n) instead of the sample one (n - 1)",
                ),
            ],
        ),
    ],
)


def _welch_reference(a, b):
    result = stats.ttest_ind(a, b, equal_var=False)
    return result.statistic, result.df, result.pvalue


welch_t = Exercise(
    "probability/welch-t",
    "Welch's two-sample t-test",
    "welch_t(a, b)",
    lesson="probability/hypothesis-tests",
    returns=("t", "df", "p_value"),
    summary="t = (a-bar - b-bar) / sqrt(s_a^2/n_a + s_b^2/n_b), Welch-Satterthwaite df, "
    "two-sided p.",
    checks=[
        agrees(
            "agrees with glassml.stats.ttest_ind(equal_var=False)",
            st.tuples(samples(2, 8), samples(2, 8)),
            _welch_reference,
            rtol=1e-6,
            atol=1e-10,
            hint="df = (v_a + v_b)^2 / (v_a^2/(n_a - 1) + v_b^2/(n_b - 1)) with v = s^2/n; the "
            "variances are not pooled.",
            diagnoses=[
                (
                    lambda e, o, a, b: near(o[1], len(a) + len(b) - 2),
                    "the pooled (Student) degrees of freedom n_a + n_b - 2",
                ),
            ],
        ),
    ],
)


@st.composite
def contingency_tables(draw):
    r, c = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    table = draw(matrices(r, c, st.integers(1, 30).map(float)))
    return (table.astype(np.int64),)


def _chi2_reference(table):
    result = stats.chi2_independence(table, correction=False)
    return result.statistic, result.df, result.pvalue


chi_square = Exercise(
    "probability/chi-square-independence",
    "The chi-square test of independence",
    "chi2_independence(table)",
    lesson="probability/hypothesis-tests",
    returns=("statistic", "dof", "p_value"),
    summary="sum (O - E)^2 / E with E = row total x column total / n, on (r-1)(c-1) df.",
    checks=[
        agrees(
            "agrees with glassml.stats.chi2_independence(correction=False)",
            contingency_tables(),
            _chi2_reference,
            rtol=1e-6,
            atol=1e-10,
            hint="Under independence E_ij = (row i total)(column j total) / n; the degrees of "
            "freedom are (r - 1)(c - 1).",
            diagnoses=[
                (
                    lambda e, o, t: near(o[1], t.size - 1),
                    "df = rc - 1 ignores the estimated margins: it is (r - 1)(c - 1)",
                ),
            ],
        ),
    ],
)


def _ols_se_reference(X, y):
    model = LinearRegression(fit_intercept=False).fit(X, y)
    return model.summary().bse


@st.composite
def regression_data(draw):
    p = draw(st.integers(1, 3))
    n = draw(st.integers(p + 2, p + 8))
    X = (
        np.column_stack([np.ones(n), draw(matrices(n, p - 1, grid(-3, 3)))])
        if p > 1
        else (draw(matrices(n, 1, grid(-3, 3))))
    )
    assume(np.linalg.svd(X, compute_uv=False)[-1] > 0.3)
    y = draw(vectors(n))
    residual = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    assume(np.linalg.norm(residual) > 0.1)
    return X, y


ols_standard_errors = Exercise(
    "probability/ols-standard-errors",
    "Standard errors of regression coefficients",
    "ols_standard_errors(X, y)",
    lesson="probability/regression-analysis",
    summary="sqrt(diag(sigma-hat^2 (X^T X)^{-1})) with sigma-hat^2 = RSS / (n - p).",
    checks=[
        agrees(
            "agrees with glassml.linear.LinearRegression(...).summary().bse",
            regression_data(),
            _ols_se_reference,
            rtol=1e-6,
            atol=1e-10,
            hint="Cov(w-hat) = sigma^2 (X^T X)^{-1}; estimate sigma^2 by RSS / (n - p), p "
            "coefficients, and take square roots of the diagonal.",
            diagnoses=[
                (
                    lambda e, o, X, y: near(
                        np.asarray(o) * np.sqrt(X.shape[0] / (X.shape[0] - X.shape[1])), e
                    ),
                    "sigma^2 estimated by RSS / n instead of RSS / (n - p)",
                ),
                (lambda e, o, X, y: near(np.sqrt(np.asarray(o)), e), "the square root is missing"),
            ],
        ),
    ],
)


# ----------------------------------------------------------------------------- A/B tests


@st.composite
def two_groups(draw):
    n_a, n_b = draw(st.integers(5, 200)), draw(st.integers(5, 200))
    count_a, count_b = draw(st.integers(0, n_a)), draw(st.integers(0, n_b))
    assume(0 < count_a + count_b < n_a + n_b)
    return count_a, n_a, count_b, n_b


def _z_reference(count_a, n_a, count_b, n_b):
    result = stats.two_proportion_ztest(count_a, n_a, count_b, n_b)
    return result.statistic, result.pvalue


two_proportion_z = Exercise(
    "probability/two-proportion-z",
    "The two-proportion z-test",
    "two_proportion_z(count_a, n_a, count_b, n_b)",
    lesson="probability/ab-testing-and-power",
    returns=("z", "p_value"),
    summary="z = (p_a - p_b) / sqrt(p(1 - p)(1/n_a + 1/n_b)) with the pooled p; two-sided p.",
    checks=[
        agrees(
            "agrees with glassml.stats.two_proportion_ztest",
            two_groups(),
            _z_reference,
            rtol=1e-6,
            atol=1e-10,
            hint="Under H0 both groups share one rate: pool it, p = (count_a + count_b) / (n_a "
            "+ n_b), for the standard error; z compares a with b (a minus b).",
            diagnoses=[
                (lambda e, o, *args: near(o[0], -e[0]), "z has the wrong sign: it is p_a - p_b"),
                (lambda e, o, *args: near(o[1], e[1] / 2), "a one-sided p-value: double it"),
            ],
        ),
    ],
)


def _power_reference(p_a, p_b, n):
    return stats.power_two_proportions(p_a, p_b, n)


power_two_proportions = Exercise(
    "probability/power",
    "The power of a two-proportion test",
    "power_two_proportions(p_a, p_b, n)",
    lesson="probability/ab-testing-and-power",
    summary="P(reject H0) with n per group at alpha = 0.05, two-sided, effect = Cohen's h.",
    checks=[
        agrees(
            "agrees with glassml.stats.power_two_proportions",
            st.tuples(
                st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.5]),
                st.sampled_from([0.06, 0.12, 0.15, 0.25, 0.4, 0.5]),
                st.integers(10, 3000),
            ),
            _power_reference,
            rtol=1e-6,
            atol=1e-10,
            hint="h = 2 arcsin sqrt(p_b) - 2 arcsin sqrt(p_a); the test statistic is then "
            "N(h sqrt(n / 2), 1): power = P(Z > z_{0.975} - shift) + P(Z < -z_{0.975} - shift).",
            diagnoses=[
                (
                    lambda e, o, pa, pb, n: (
                        o < e
                        and near(
                            o,
                            scipy.stats.norm.sf(
                                1.959963984540054 - abs(ad_h(pa, pb)) * np.sqrt(n / 2)
                            ),
                        )
                    ),
                    "only one tail of the rejection region is counted",
                ),
            ],
        ),
    ],
)


def ad_h(p_a, p_b):
    return stats.cohens_h(p_a, p_b)


# ----------------------------------------------------------------------------- Bayesian networks


def _chain_reference(p_a, p_b_given_a, p_c_given_b, c):
    network = BayesianNetwork(
        [("A", "B"), ("B", "C")],
        [
            CPD("A", [1 - p_a, p_a]),
            CPD("B", [1 - np.asarray(p_b_given_a), np.asarray(p_b_given_a)], ["A"]),
            CPD("C", [1 - np.asarray(p_c_given_b), np.asarray(p_c_given_b)], ["B"]),
        ],
    )
    return network.query("A", evidence={"C": int(c)}).probability(A=1)


_probability = st.integers(1, 19).map(lambda k: k / 20)

chain_posterior = Exercise(
    "probability/bayesnet-posterior",
    "Inference in a chain A -> B -> C",
    "chain_posterior(p_a, p_b_given_a, p_c_given_b, c)",
    lesson="probability/bayesian-networks",
    summary="P(A = 1 | C = c) by summing out B and normalising.",
    checks=[
        agrees(
            "agrees with glassml.stats.bayesnet (variable elimination)",
            st.tuples(
                _probability,
                st.tuples(_probability, _probability).map(np.array),
                st.tuples(_probability, _probability).map(np.array),
                st.sampled_from([0, 1]),
            ),
            _chain_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="P(A=a, C=c) = P(a) sum_b P(b | a) P(c | b); then divide by P(C=c) = "
            "sum_a P(A=a, C=c). p_b_given_a[a] is P(B = 1 | A = a), so P(B = 0 | a) = 1 - it.",
        ),
        holds(
            "returns a probability",
            st.tuples(
                _probability,
                st.tuples(_probability, _probability).map(np.array),
                st.tuples(_probability, _probability).map(np.array),
                st.sampled_from([0, 1]),
            ),
            lambda out, *args: None if 0 <= float(out) <= 1 else f"{float(out)} is not in [0, 1]",
            hint="A conditional probability is a joint probability divided by the probability "
            "of the evidence.",
        ),
    ],
)


# ----------------------------------------------------------------------------- Monte Carlo, MCMC


def _importance_reference(f_values, log_p, log_q):
    log_w = np.asarray(log_p) - np.asarray(log_q)
    w = np.exp(log_w - log_w.max())
    return float(np.sum(w * f_values) / np.sum(w))


@st.composite
def importance_inputs(draw, shift: float = 0.0):
    n = draw(st.integers(1, 10))
    return (
        draw(vectors(n, grid(-3, 3))),
        draw(vectors(n, grid(-4, 0))) + shift,
        draw(vectors(n, grid(-4, 0))),
    )


importance_estimate = Exercise(
    "probability/importance-sampling",
    "Self-normalised importance sampling",
    "importance_estimate(f_values, log_p, log_q)",
    lesson="probability/monte-carlo-and-mcmc",
    summary="sum w_i f_i / sum w_i with w_i = p(x_i) / q(x_i), computed from log densities.",
    checks=[
        agrees(
            "agrees with the self-normalised estimator",
            importance_inputs(),
            _importance_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Draws from q stand in for draws from p when each is weighted by w = p / q; "
            "normalising by sum w cancels p's unknown constant.",
            diagnoses=[
                (
                    lambda e, o, f, lp, lq: near(o, _importance_reference(f, lq, lp)),
                    "the weights are q / p: they must be p / q",
                ),
            ],
        ),
        agrees(
            "edge case: log densities near -1000 (unnormalised p)",
            [
                (
                    np.array([1.0, 2.0, 3.0]),
                    np.array([-1000.0, -1001.0, -999.0]),
                    np.array([-1.0, -1.0, -2.0]),
                ),
            ],
            _importance_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="e^{-1000} underflows to 0 and 0/0 is nan: subtract the largest log weight "
            "before exponentiating (it cancels in the ratio).",
        ),
    ],
)


def _metropolis_reference(x, proposal, log_p, u):
    return proposal if np.log(u) < log_p(proposal) - log_p(x) else x


_log_densities = st.sampled_from(
    [
        described(lambda x: -0.5 * x**2, "x ↦ -x²/2 (standard normal)"),
        described(lambda x: -abs(x), "x ↦ -|x| (Laplace)"),
        described(lambda x: -0.5 * (x - 2) ** 2 / 0.25, "x ↦ -(x-2)²/(2·0.25)"),
    ]
)

metropolis_step = Exercise(
    "probability/metropolis-step",
    "One Metropolis step",
    "metropolis_step(x, proposal, log_p, u)",
    lesson="probability/monte-carlo-and-mcmc",
    summary="Move to the proposal when log u < log p(proposal) - log p(x), else stay.",
    checks=[
        agrees(
            "agrees with the Metropolis acceptance rule",
            st.tuples(
                grid(-3, 3),
                grid(-3, 3),
                _log_densities,
                st.sampled_from([0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99]),
            ),
            _metropolis_reference,
            rtol=0,
            atol=0,
            hint="Accept with probability min(1, p(proposal) / p(x)): compare u with that ratio, "
            "or log u with the difference of log densities; downhill moves are sometimes "
            "accepted.",
        ),
    ],
)


def _acf_reference(x, lag):
    return float(stats.autocorrelation(x)[lag])


@st.composite
def series_and_lag(draw):
    x = draw(samples(4, 12))
    return x, draw(st.integers(0, len(x) - 2))


autocorrelation = Exercise(
    "probability/autocorrelation",
    "The sample autocorrelation of a chain",
    "autocorrelation(x, lag)",
    lesson="probability/monte-carlo-and-mcmc",
    summary="rho_k = sum_t (x_t - x-bar)(x_{t+k} - x-bar) / sum_t (x_t - x-bar)^2.",
    checks=[
        agrees(
            "agrees with glassml.stats.autocorrelation",
            series_and_lag(),
            _acf_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Centre at the mean of the whole chain; sum the n - k products of values k "
            "apart and divide by the full sum of squares (the same denominator for every lag).",
            diagnoses=[
                (
                    lambda e, o, x, k: k + 1 < len(x) - 1 and near(o, _acf_reference(x, k + 1)),
                    "this is the autocorrelation at lag k + 1",
                ),
            ],
        ),
        holds(
            "lag 0 gives 1",
            samples(4, 12).map(lambda x: (x, 0)),
            lambda out, x, k: None if near(out, 1.0) else f"rho_0 = {out}, expected 1",
            hint="Every series is perfectly correlated with itself.",
        ),
    ],
)


register(
    mean_and_variance,
    gaussian_log_likelihood,
    exponential_mle,
    one_sample_t,
    welch_t,
    chi_square,
    ols_standard_errors,
    two_proportion_z,
    power_two_proportions,
    chain_posterior,
    importance_estimate,
    metropolis_step,
    autocorrelation,
)
