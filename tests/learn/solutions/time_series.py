"""Time series and survival: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


def _lagged(x, p):
    n = len(x)
    rows = [[1.0] + [x[t - lag] for lag in range(1, p + 1)] for t in range(p, n)]
    return np.array(rows), x[p:]


@solution("time-series/ar-fit")
def ar_fit(x, p):
    design, target = _lagged(x, p)
    beta = np.linalg.solve(design.T @ design, design.T @ target)
    return beta[0], beta[1:]


@mutant("time-series/ar-fit", fails="AutoReg", cause="reverse order")
def ar_reversed(x, p):
    intercept, coefficients = ar_fit(x, p)
    return intercept, coefficients[::-1]


@mutant("time-series/ar-fit", fails="AutoReg")
def ar_without_intercept(x, p):
    design, target = _lagged(x, p)
    beta = np.linalg.lstsq(design[:, 1:], target, rcond=None)[0]
    return 0.0, beta


@mutant("time-series/ar-fit", fails="AutoReg")
def ar_lag_off_by_one(x, p):
    """Lags 2 .. p + 1: the design starts one step too far back."""
    n = len(x)
    design = np.array([[1.0] + [x[t - lag] for lag in range(2, p + 2)] for t in range(p + 1, n)])
    beta = np.linalg.lstsq(design, x[p + 1 :], rcond=None)[0]
    return beta[0], beta[1:]


@solution("time-series/kaplan-meier")
def kaplan_meier(durations, observed):
    times = np.unique(durations[observed])
    survival, s = [], 1.0
    for t in times:
        at_risk = np.sum(durations >= t)
        deaths = np.sum((durations == t) & observed)
        s *= 1 - deaths / at_risk
        survival.append(s)
    return times, np.array(survival)


@mutant("time-series/kaplan-meier", fails="KaplanMeierFitter")
def km_drops_censored(durations, observed):
    return kaplan_meier(durations[observed], observed[observed])


@mutant("time-series/kaplan-meier", fails="KaplanMeierFitter")
def km_strict_risk_set(durations, observed):
    times = np.unique(durations[observed])
    survival, s = [], 1.0
    for t in times:
        at_risk = np.sum(durations > t)
        deaths = np.sum((durations == t) & observed)
        s = s * (1 - deaths / at_risk) if at_risk else 0.0
        survival.append(s)
    return times, np.array(survival)


@mutant("time-series/kaplan-meier", fails="KaplanMeierFitter")
def km_censoring_as_events(durations, observed):
    return kaplan_meier(durations, np.ones_like(observed))


@solution("time-series/weibull-log-likelihood")
def weibull_log_likelihood(durations, observed, shape, scale):
    z = durations / scale
    log_density = np.log(shape / scale) + (shape - 1) * np.log(z) - z**shape
    log_survival = -(z**shape)
    return np.sum(np.where(observed, log_density, log_survival))


@mutant("time-series/weibull-log-likelihood", fails="WeibullFitter", cause="counted as deaths")
def weibull_no_censoring(durations, observed, shape, scale):
    return weibull_log_likelihood(durations, np.ones_like(observed), shape, scale)


@mutant("time-series/weibull-log-likelihood", fails="WeibullFitter", cause="swapped")
def weibull_swapped(durations, observed, shape, scale):
    return weibull_log_likelihood(durations, observed, scale, shape)


@mutant("time-series/weibull-log-likelihood", fails="WeibullFitter")
def weibull_censored_density(durations, observed, shape, scale):
    """Censored subjects given the density too (and deaths only the hazard)."""
    z = durations / scale
    log_hazard = np.log(shape / scale) + (shape - 1) * np.log(z)
    return np.sum(np.where(observed, log_hazard, log_hazard - z**shape))


@solution("time-series/concordance-index")
def concordance_index(durations, scores, observed):
    concordant = comparable = 0.0
    n = len(durations)
    for i in range(n):
        if not observed[i]:
            continue
        for j in range(n):
            if durations[i] < durations[j] or (durations[i] == durations[j] and not observed[j]):
                comparable += 1
                if scores[i] < scores[j]:
                    concordant += 1
                elif scores[i] == scores[j]:
                    concordant += 0.5
    return concordant / comparable


@mutant("time-series/concordance-index", fails="glassml.survival", cause="treated as failures")
def concordance_ignores_censoring(durations, scores, observed):
    return concordance_index(durations, scores, np.ones(len(durations), dtype=bool))


@mutant("time-series/concordance-index", fails="glassml.survival", cause="counted 0")
def concordance_ties_count_zero(durations, scores, observed):
    concordant = comparable = 0
    for i in range(len(durations)):
        for j in range(len(durations)):
            if observed[i] and (
                durations[i] < durations[j] or (durations[i] == durations[j] and not observed[j])
            ):
                comparable += 1
                concordant += scores[i] < scores[j]
    return concordant / comparable


@mutant("time-series/concordance-index", fails="glassml.survival", cause="reversed")
def concordance_as_risk(durations, scores, observed):
    return concordance_index(durations, -np.asarray(scores), observed)
