"""Time series and survival: an AR(p) fit by least squares, the Kaplan-Meier estimator, the
censored Weibull log-likelihood and Harrell's concordance index. The graders compare with
glassml.timeseries (AutoRegression, OLS) and glassml.survival (KaplanMeier,
concordance_index); the Weibull log-likelihood is a plain definition.
``tests/learn/test_references.py`` checks them against statsmodels' AutoReg, lifelines'
KaplanMeierFitter and scipy's / lifelines' Weibull."""

from __future__ import annotations

import numpy as np

from glassml.learn._authoring import (
    Exercise,
    agrees,
    assume,
    grid,
    hnp,
    near,
    register,
    st,
    vectors,
)
from glassml.survival import KaplanMeier
from glassml.survival import concordance_index as glassml_concordance
from glassml.timeseries import AutoRegression

# --------------------------------------------------------------------------- AR(p)


def ar_fit_reference(x, p):
    """Least squares of x_t on (1, x_{t-1}, ..., x_{t-p}), t = p .. n-1 (glassml's OLS fit)."""
    model = AutoRegression(order=int(p), method="ols", trend="c").fit(x)
    return model.intercept_, model.coef_


def _design(x, p):
    n = len(x)
    return np.column_stack([np.ones(n - p)] + [x[p - lag : n - lag] for lag in range(1, p + 1)])


@st.composite
def _series(draw):
    p = draw(st.integers(1, 3))
    n = draw(st.integers(3 * p + 4, 20))
    x = draw(vectors(n, grid(-3, 3)))
    if np.linalg.matrix_rank(_design(x, p)) < p + 1:  # no unique fit: a lag is constant, say
        x = x + 0.5 * (np.arange(n) ** 2 % 7)  # not periodic with a short period
    assume(np.linalg.matrix_rank(_design(x, p)) == p + 1)
    return x, p


ar_fit = Exercise(
    "time-series/ar-fit",
    "Fitting an autoregression AR(p)",
    "ar_fit(x, p)",
    lesson="time-series/autoregression-and-survival",
    returns=("intercept", "coefficients"),
    summary="Regress x_t on 1, x_{t-1}, ..., x_{t-p} for t = p, ..., n-1 by least squares; "
    "coefficients[0] belongs to lag 1.",
    checks=[
        agrees(
            "agrees with statsmodels' AutoReg (conditional least squares, constant trend)",
            _series(),
            ar_fit_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="Row t of the design is (1, x[t-1], ..., x[t-p]) and its target x[t]; the "
            "first usable t is p. Check that lag 1 is the most recent value.",
            diagnoses=[
                (
                    lambda e, o, x, p: near(o[1], np.asarray(e[1])[::-1]),
                    "the coefficients are in reverse order: coefficients[0] is lag 1",
                ),
            ],
        ),
    ],
)

# --------------------------------------------------------------------------- Kaplan-Meier


def kaplan_meier_reference(durations, observed):
    """Event times and S(t) = prod over event times <= t of (1 - d_j / n_j) (glassml's)."""
    times = np.unique(durations[observed])
    return times, KaplanMeier().fit(durations, observed).survival_function(times)


@st.composite
def _survival(draw):
    n = draw(st.integers(1, 10))
    durations = draw(vectors(n, grid(1, 8, 1)))
    observed = draw(hnp.arrays(bool, (n,), elements=st.booleans()))
    observed[0] = True
    return durations, observed


def _km_dropped(out, durations, observed):
    return near(out, kaplan_meier_reference(durations[observed], observed[observed]))


def _km_strict(out, durations, observed):
    times = kaplan_meier_reference(durations, observed)[0]
    factors = []
    for t in times:
        at_risk = np.sum(durations > t)
        deaths = np.sum((durations == t) & observed)
        factors.append(1 - deaths / at_risk if at_risk else 0.0)
    return near(out[1], np.cumprod(factors))


kaplan_meier = Exercise(
    "time-series/kaplan-meier",
    "The Kaplan-Meier survival curve",
    "kaplan_meier(durations, observed)",
    lesson="time-series/autoregression-and-survival",
    returns=("event_times", "survival"),
    summary="At each distinct event time t_j (observed deaths only), S = prod (1 - d_j / n_j) "
    "with d_j deaths at t_j and n_j subjects still at risk (duration >= t_j).",
    checks=[
        agrees(
            "agrees with lifelines' KaplanMeierFitter at the event times",
            _survival(),
            kaplan_meier_reference,
            rtol=1e-9,
            hint="A censored subject counts in the risk set n_j of every event time up to its "
            "censoring time, then leaves without dying. Ties: all deaths at t_j enter one "
            "factor 1 - d_j / n_j, with n_j counting everyone whose duration is >= t_j.",
            diagnoses=[
                (
                    lambda e, o, d, obs: _km_dropped(o, d, obs) and not _km_strict(o, d, obs),
                    "censored subjects were dropped; they belong to the risk sets before "
                    "their censoring time",
                ),
                (
                    lambda e, o, d, obs: _km_strict(o, d, obs) and not _km_dropped(o, d, obs),
                    "the risk set excluded the subjects that die at t_j (use duration >= t_j)",
                ),
            ],
        ),
    ],
)

# --------------------------------------------------------------------------- Weibull


def weibull_log_likelihood_reference(durations, observed, shape, scale):
    """S(t) = exp(-(t / scale)^shape); events add log f(t), censored log S(t)."""
    z = durations / scale
    log_survival = -(z**shape)
    log_hazard = np.log(shape / scale) + (shape - 1.0) * np.log(z)
    return float(np.sum(observed * log_hazard + log_survival))


@st.composite
def _weibull_inputs(draw):
    n = draw(st.integers(1, 8))
    durations = draw(vectors(n, grid(0.5, 6)))
    observed = draw(hnp.arrays(bool, (n,), elements=st.booleans()))
    return (
        durations,
        observed,
        draw(st.sampled_from([0.5, 1.0, 1.5, 3.0])),
        draw(st.sampled_from([1.0, 2.0, 4.0])),
    )


def _ignores_censoring(e, o, d, obs, k, lam):
    return near(o, weibull_log_likelihood_reference(d, np.ones_like(obs), k, lam))


weibull_log_likelihood = Exercise(
    "time-series/weibull-log-likelihood",
    "The censored Weibull log-likelihood",
    "weibull_log_likelihood(durations, observed, shape, scale)",
    lesson="time-series/autoregression-and-survival",
    summary="With S(t) = exp(-(t/scale)^shape) and hazard h(t) = (shape/scale) "
    "(t/scale)^(shape-1): sum over subjects of observed * log h(t) + log S(t).",
    checks=[
        agrees(
            "agrees with lifelines' WeibullFitter log-likelihood (right censoring)",
            _weibull_inputs(),
            weibull_log_likelihood_reference,
            rtol=1e-9,
            hint="An observed death contributes the density f = h S, a censored subject only "
            "the survival S (it lived at least that long): log L = sum d_i log h(t_i) + "
            "log S(t_i).",
            diagnoses=[
                (_ignores_censoring, "censored subjects were counted as deaths"),
                (
                    lambda e, o, d, obs, k, lam: near(
                        o, weibull_log_likelihood_reference(d, obs, lam, k)
                    ),
                    "shape and scale are swapped",
                ),
            ],
        ),
    ],
)

# --------------------------------------------------------------------------- concordance


def concordance_reference(durations, scores, observed):
    return glassml_concordance(durations, scores, event_observed=observed)


@st.composite
def _ranked_survival(draw):
    """Durations and scores with ties; subject 0 fails first, so some pair is comparable."""
    n = draw(st.integers(2, 9))
    durations = draw(vectors(n, grid(2, 6, 1)))
    durations[0] = 1.0
    observed = draw(hnp.arrays(bool, (n,), elements=st.booleans()))
    observed[0] = True
    scores = draw(vectors(n, grid(0, 3, 1)))
    return durations, scores, observed


def _harrell(durations, scores, observed, *, censored_fail=False, tie=0.5, equal_times=True):
    """Harrell's C with one rule changed: the mistakes the diagnoses recognise."""
    events = np.ones_like(observed) if censored_fail else observed
    numerator = comparable = 0.0
    for i in range(len(durations)):
        for j in range(len(durations)):
            shorter = durations[i] < durations[j] or (
                equal_times and durations[i] == durations[j] and not events[j]
            )
            if i == j or not events[i] or not shorter:
                continue
            comparable += 1
            numerator += 1.0 if scores[i] < scores[j] else tie if scores[i] == scores[j] else 0.0
    return numerator / comparable


def _concordance_mistake(**rule):
    def test(expected, obtained, durations, scores, observed):
        mine = _harrell(durations, scores, observed, **rule)
        others = [
            _harrell(durations, scores, observed, **other)
            for other in ({"censored_fail": True}, {"tie": 0.0}, {"tie": 1.0})
            if other != rule
        ]
        others.append(1.0 - expected)
        return near(obtained, mine) and not any(near(obtained, o) for o in [expected, *others])

    return test


concordance_index = Exercise(
    "time-series/concordance-index",
    "Harrell's concordance index",
    "concordance_index(durations, scores, observed)",
    lesson="time-series/autoregression-and-survival",
    summary="Over comparable pairs (the shorter duration ended in an event), the share ordered "
    "correctly by scores that predict survival (larger = longer life); a tie in scores "
    "counts one half.",
    checks=[
        agrees(
            "agrees with glassml.survival.concordance_index",
            _ranked_survival(),
            concordance_reference,
            rtol=1e-12,
            atol=1e-12,
            hint="A pair (i, j) is comparable when T_i < T_j and i's event was observed (also "
            "T_i = T_j with i an event and j censored): we know i failed first. It is "
            "concordant when score_i < score_j; equal scores count 1/2. A censored subject "
            "only ever plays the longer-lived part.",
            diagnoses=[
                (
                    _concordance_mistake(censored_fail=True),
                    "censored subjects were treated as failures: a pair whose shorter duration "
                    "was censored is not comparable",
                ),
                (_concordance_mistake(tie=0.0), "tied scores counted 0; a tie counts one half"),
                (_concordance_mistake(tie=1.0), "tied scores counted 1; a tie counts one half"),
                (
                    lambda e, o, d, s, obs: (
                        near(o, 1.0 - e)
                        and not near(o, e)
                        and not near(o, _harrell(d, s, obs, censored_fail=True))
                    ),
                    "the order is reversed: these scores predict survival, so the subject that "
                    "failed first should have the smaller score",
                ),
            ],
        ),
    ],
)

register(ar_fit, kaplan_meier, weibull_log_likelihood, concordance_index)
