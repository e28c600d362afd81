"""Probability and statistics: reference solutions and typical mistakes."""

import math

import numpy as np
from scipy import stats as sps

from . import mutant, solution


@solution("probability/sample-variance")
def mean_and_variance(x):
    n = len(x)
    mean = sum(x) / n
    return mean, sum((xi - mean) ** 2 for xi in x) / (n - 1)


@mutant("probability/sample-variance", fails="agrees", cause="population variance")
def mean_and_variance_population(x):
    return np.mean(x), np.var(x)


@mutant("probability/sample-variance", fails="agrees")
def mean_and_variance_n_plus_one(x):
    return np.mean(x), np.sum((x - np.mean(x)) ** 2) / (len(x) + 1)


@mutant("probability/sample-variance", fails="agrees", cause="not centred")
def mean_and_variance_uncentred(x):
    return np.mean(x), np.sum(x**2) / (len(x) - 1)


@solution("probability/gaussian-log-likelihood")
def gaussian_log_likelihood(x, mu, sigma):
    n = len(x)
    return (
        -0.5 * n * math.log(2 * math.pi)
        - n * math.log(sigma)
        - np.sum((x - mu) ** 2) / (2 * sigma**2)
    )


@mutant("probability/gaussian-log-likelihood", fails="logpdf", cause="2 pi")
def gaussian_log_likelihood_no_constant(x, mu, sigma):
    return -len(x) * math.log(sigma) - np.sum((x - mu) ** 2) / (2 * sigma**2)


@mutant("probability/gaussian-log-likelihood", fails="logpdf", cause="log sigma^2")
def gaussian_log_likelihood_log_variance(x, mu, sigma):
    n = len(x)
    return (
        -0.5 * n * math.log(2 * math.pi)
        - n * math.log(sigma**2)
        - np.sum((x - mu) ** 2) / (2 * sigma**2)
    )


@mutant("probability/gaussian-log-likelihood", fails="logpdf")
def gaussian_log_likelihood_sign(x, mu, sigma):
    n = len(x)
    return (
        -0.5 * n * math.log(2 * math.pi)
        - n * math.log(sigma)
        + np.sum((x - mu) ** 2) / (2 * sigma**2)
    )


@solution("probability/exponential-mle")
def exponential_mle(x):
    rate = len(x) / np.sum(x)
    return rate, rate / math.sqrt(len(x))


@mutant("probability/exponential-mle", fails="fit_mle", cause="1 / mean")
def exponential_mle_mean(x):
    rate = np.mean(x)
    return rate, rate / math.sqrt(len(x))


@mutant("probability/exponential-mle", fails="fit_mle", cause="instead of sqrt(n)")
def exponential_mle_se_over_n(x):
    rate = len(x) / np.sum(x)
    return rate, rate / len(x)


@mutant("probability/exponential-mle", fails="fit_mle")
def exponential_mle_se_no_rate(x):
    rate = len(x) / np.sum(x)
    return rate, 1 / math.sqrt(len(x))


@solution("probability/one-sample-t")
def one_sample_t(x, mu0):
    n = len(x)
    t = (np.mean(x) - mu0) / (np.std(x, ddof=1) / math.sqrt(n))
    return t, 2 * sps.t.sf(abs(t), n - 1)


@mutant("probability/one-sample-t", fails="ttest_1samp", cause="one-sided")
def one_sample_t_one_tail(x, mu0):
    n = len(x)
    t = (np.mean(x) - mu0) / (np.std(x, ddof=1) / math.sqrt(n))
    return t, sps.t.sf(abs(t), n - 1)


@mutant("probability/one-sample-t", fails="ttest_1samp", cause="population standard deviation")
def one_sample_t_population_sd(x, mu0):
    n = len(x)
    t = (np.mean(x) - mu0) / (np.std(x) / math.sqrt(n))
    return t, 2 * sps.t.sf(abs(t), n - 1)


@mutant("probability/one-sample-t", fails="ttest_1samp")
def one_sample_t_df_n(x, mu0):
    n = len(x)
    t = (np.mean(x) - mu0) / (np.std(x, ddof=1) / math.sqrt(n))
    return t, 2 * sps.t.sf(abs(t), n)


@solution("probability/welch-t")
def welch_t(a, b):
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    t = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return t, df, 2 * sps.t.sf(abs(t), df)


@mutant("probability/welch-t", fails="equal_var=False", cause="pooled")
def welch_t_student_df(a, b):
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    t = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = len(a) + len(b) - 2
    return t, df, 2 * sps.t.sf(abs(t), df)


@mutant("probability/welch-t", fails="equal_var=False")
def welch_t_sd_not_variance(a, b):
    va, vb = np.std(a, ddof=1) / len(a), np.std(b, ddof=1) / len(b)
    t = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return t, df, 2 * sps.t.sf(abs(t), df)


@mutant("probability/welch-t", fails="equal_var=False")
def welch_t_reversed(a, b):
    t, df, p = welch_t(a, b)
    return -t, df, p


@solution("probability/chi-square-independence")
def chi2_independence(table):
    table = np.asarray(table, dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = np.sum((table - expected) ** 2 / expected)
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return statistic, dof, sps.chi2.sf(statistic, dof)


@mutant("probability/chi-square-independence", fails="correction=False", cause="rc - 1")
def chi2_wrong_dof(table):
    statistic, _, _ = chi2_independence(table)
    dof = table.size - 1
    return statistic, dof, sps.chi2.sf(statistic, dof)


@mutant("probability/chi-square-independence", fails="correction=False")
def chi2_divides_by_observed(table):
    table = np.asarray(table, dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = np.sum((table - expected) ** 2 / table)
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return statistic, dof, sps.chi2.sf(statistic, dof)


@mutant("probability/chi-square-independence", fails="correction=False")
def chi2_uniform_expected(table):
    table = np.asarray(table, dtype=float)
    expected = np.full(table.shape, table.mean())
    statistic = np.sum((table - expected) ** 2 / expected)
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return statistic, dof, sps.chi2.sf(statistic, dof)


@solution("probability/ols-standard-errors")
def ols_standard_errors(X, y):
    n, p = X.shape
    w = np.linalg.solve(X.T @ X, X.T @ y)
    sigma2 = np.sum((y - X @ w) ** 2) / (n - p)
    return np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))


@mutant("probability/ols-standard-errors", fails="bse", cause="RSS / n")
def ols_standard_errors_mle_sigma(X, y):
    n, _p = X.shape
    w = np.linalg.solve(X.T @ X, X.T @ y)
    sigma2 = np.sum((y - X @ w) ** 2) / n
    return np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))


@mutant("probability/ols-standard-errors", fails="bse", cause="square root")
def ols_standard_errors_variances(X, y):
    n, p = X.shape
    w = np.linalg.solve(X.T @ X, X.T @ y)
    sigma2 = np.sum((y - X @ w) ** 2) / (n - p)
    return np.diag(sigma2 * np.linalg.inv(X.T @ X))


@mutant("probability/ols-standard-errors", fails="bse")
def ols_standard_errors_not_inverted(X, y):
    n, p = X.shape
    w = np.linalg.solve(X.T @ X, X.T @ y)
    sigma2 = np.sum((y - X @ w) ** 2) / (n - p)
    return np.sqrt(sigma2 / np.diag(X.T @ X))


@solution("probability/two-proportion-z")
def two_proportion_z(count_a, n_a, count_b, n_b):
    pooled = (count_a + count_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (count_a / n_a - count_b / n_b) / se
    return z, 2 * sps.norm.sf(abs(z))


@mutant("probability/two-proportion-z", fails="two_proportion_ztest")
def two_proportion_z_unpooled(count_a, n_a, count_b, n_b):
    pa, pb = count_a / n_a, count_b / n_b
    se = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b) or 1e-300
    z = (pa - pb) / se
    return z, 2 * sps.norm.sf(abs(z))


@mutant("probability/two-proportion-z", fails="two_proportion_ztest", cause="wrong sign")
def two_proportion_z_b_minus_a(count_a, n_a, count_b, n_b):
    z, p = two_proportion_z(count_a, n_a, count_b, n_b)
    return -z, p


@mutant("probability/two-proportion-z", fails="two_proportion_ztest", cause="one-sided")
def two_proportion_z_one_tail(count_a, n_a, count_b, n_b):
    z, p = two_proportion_z(count_a, n_a, count_b, n_b)
    return z, p / 2


@solution("probability/power")
def power_two_proportions(p_a, p_b, n):
    h = 2 * math.asin(math.sqrt(p_b)) - 2 * math.asin(math.sqrt(p_a))
    shift = h * math.sqrt(n / 2)
    z = sps.norm.isf(0.025)
    return sps.norm.sf(z - shift) + sps.norm.cdf(-z - shift)


@mutant("probability/power", fails="power_two_proportions", cause="one tail")
def power_one_tail(p_a, p_b, n):
    h = abs(2 * math.asin(math.sqrt(p_b)) - 2 * math.asin(math.sqrt(p_a)))
    return sps.norm.sf(sps.norm.isf(0.025) - h * math.sqrt(n / 2))


@mutant("probability/power", fails="power_two_proportions")
def power_difference_not_h(p_a, p_b, n):
    h = p_b - p_a
    shift = h * math.sqrt(n / 2)
    z = sps.norm.isf(0.025)
    return sps.norm.sf(z - shift) + sps.norm.cdf(-z - shift)


@mutant("probability/power", fails="power_two_proportions")
def power_alpha_not_halved(p_a, p_b, n):
    h = 2 * math.asin(math.sqrt(p_b)) - 2 * math.asin(math.sqrt(p_a))
    shift = h * math.sqrt(n / 2)
    z = sps.norm.isf(0.05)
    return sps.norm.sf(z - shift) + sps.norm.cdf(-z - shift)


@solution("probability/bayesnet-posterior")
def chain_posterior(p_a, p_b_given_a, p_c_given_b, c):
    def p_c(b):
        return p_c_given_b[b] if c == 1 else 1 - p_c_given_b[b]

    def p_b(b, a):
        return p_b_given_a[a] if b == 1 else 1 - p_b_given_a[a]

    joint = [(p_a if a == 1 else 1 - p_a) * sum(p_b(b, a) * p_c(b) for b in (0, 1)) for a in (0, 1)]
    return joint[1] / (joint[0] + joint[1])


@mutant("probability/bayesnet-posterior", fails="variable elimination")
def chain_posterior_unnormalised(p_a, p_b_given_a, p_c_given_b, c):
    p_c = p_c_given_b if c == 1 else 1 - p_c_given_b
    return p_a * (p_b_given_a[1] * p_c[1] + (1 - p_b_given_a[1]) * p_c[0])


@mutant("probability/bayesnet-posterior", fails="variable elimination")
def chain_posterior_ignores_c(p_a, p_b_given_a, p_c_given_b, c):
    return chain_posterior(p_a, p_b_given_a, p_c_given_b, 1)


@mutant("probability/bayesnet-posterior", fails="variable elimination")
def chain_posterior_swapped_table(p_a, p_b_given_a, p_c_given_b, c):
    return chain_posterior(p_a, p_b_given_a[::-1], p_c_given_b, c)


@solution("probability/importance-sampling")
def importance_estimate(f_values, log_p, log_q):
    log_w = log_p - log_q
    w = np.exp(log_w - np.max(log_w))
    return np.sum(w * f_values) / np.sum(w)


@mutant("probability/importance-sampling", fails="self-normalised", cause="q / p")
def importance_estimate_inverted(f_values, log_p, log_q):
    return importance_estimate(f_values, log_q, log_p)


@mutant("probability/importance-sampling", fails="self-normalised")
def importance_estimate_unnormalised(f_values, log_p, log_q):
    return np.mean(np.exp(log_p - log_q) * f_values)


@mutant("probability/importance-sampling", fails="-1000")
def importance_estimate_naive(f_values, log_p, log_q):
    w = np.exp(log_p - log_q)
    return np.sum(w * f_values) / np.sum(w)


@solution("probability/metropolis-step")
def metropolis_step(x, proposal, log_p, u):
    return proposal if math.log(u) < log_p(proposal) - log_p(x) else x


@mutant("probability/metropolis-step", fails="acceptance rule")
def metropolis_step_no_log(x, proposal, log_p, u):
    return proposal if u < log_p(proposal) - log_p(x) else x


@mutant("probability/metropolis-step", fails="acceptance rule")
def metropolis_step_reversed(x, proposal, log_p, u):
    return proposal if math.log(u) < log_p(x) - log_p(proposal) else x


@mutant("probability/metropolis-step", fails="acceptance rule")
def metropolis_step_greedy(x, proposal, log_p, u):
    return proposal if log_p(proposal) > log_p(x) else x


@solution("probability/autocorrelation")
def autocorrelation(x, lag):
    d = np.asarray(x, float) - np.mean(x)
    return np.sum(d[: len(d) - lag] * d[lag:]) / np.sum(d * d)


@mutant("probability/autocorrelation", fails="glassml.stats.autocorrelation")
def autocorrelation_uncentred(x, lag):
    d = np.asarray(x, float)
    return np.sum(d[: len(d) - lag] * d[lag:]) / np.sum(d * d)


@mutant("probability/autocorrelation", fails="glassml.stats.autocorrelation")
def autocorrelation_pearson(x, lag):
    x = np.asarray(x, float)
    if lag == 0:
        return 1.0
    a, b = x[:-lag], x[lag:]
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return np.corrcoef(a, b)[0, 1]  # re-centres and re-scales each part


@mutant("probability/autocorrelation", fails="glassml.stats.autocorrelation", cause="lag k + 1")
def autocorrelation_off_by_one(x, lag):
    d = np.asarray(x, float) - np.mean(x)
    k = lag + 1
    return np.sum(d[: len(d) - k] * d[k:]) / np.sum(d * d)
