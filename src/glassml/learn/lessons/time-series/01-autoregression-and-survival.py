# %% [markdown]
# # Autoregression and survival
#
# An **autoregressive** model AR($p$) predicts a series from its own past,
#
# $$x_t = c + \phi_1 x_{t-1} + \dots + \phi_p x_{t-p} + \varepsilon_t,$$
#
# and is fitted by least squares on the rows $t = p, \dots, n-1$ (conditional least squares,
# as statsmodels' `AutoReg`). It is stationary when the roots of
# $1 - \phi_1 z - \dots - \phi_p z^p$ lie outside the unit circle.
#
# **Survival analysis** models the time $T$ until an event (a failure, a death) when some
# subjects are **censored**: we only know they survived past their last observation. The
# **Kaplan-Meier** estimator multiplies, over the distinct event times $t_j$, the chance of
# surviving each:
#
# $$\hat S(t) = \prod_{t_j \le t} \Big(1 - \frac{d_j}{n_j}\Big),$$
#
# with $d_j$ events at $t_j$ and $n_j$ subjects still at risk (time $\ge t_j$). A parametric
# alternative is the **Weibull** model, $S(t) = \exp(-(t/\lambda)^k)$, hazard
# $h(t) = \frac{k}{\lambda}(t/\lambda)^{k-1}$ (rising wear-out for $k > 1$). Its likelihood
# treats the two kinds of subject differently: an event contributes the density $f = hS$, a
# censored subject only $S$,
#
# $$\log L = \sum_i \delta_i \log h(t_i) + \log S(t_i).$$
#
# A survival model is judged by how well its scores **order** the subjects, censoring
# included. **Harrell's concordance index** counts the *comparable* pairs, those whose
# shorter time ended in an event ($T_i < T_j$ with $\delta_i = 1$; also $T_i = T_j$ with
# $\delta_i = 1, \delta_j = 0$), and the share of them a survival score $s$ (larger = longer
# life) orders correctly,
#
# $$C = \frac{\#\{s_i < s_j\} + \tfrac12 \#\{s_i = s_j\}}{\#\,\text{comparable pairs}}:$$
#
# $1/2$ for random scores, $1$ for a perfect ordering.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check

# %% [markdown]
# ## Worked example: a Kaplan-Meier curve against the truth
#
# 80 simulated machines with Weibull lifetimes ($k = 1.8$, $\lambda = 10$), inspected until a
# random censoring time. The Kaplan-Meier steps follow the true survival curve; simply
# discarding the censored machines would bias it downwards (they are the ones that lasted).

# %%
rng = np.random.default_rng(1)
life = 10 * rng.weibull(1.8, size=80)
censor = rng.uniform(2, 20, size=80)
durations, observed = np.minimum(life, censor), life <= censor


def km(durations, observed):
    times = np.unique(durations[observed])
    at_risk = np.array([np.sum(durations >= t) for t in times])
    deaths = np.array([np.sum((durations == t) & observed) for t in times])
    return times, np.cumprod(1 - deaths / at_risk)


t_all, s_all = km(durations, observed)
t_bad, s_bad = km(durations[observed], observed[observed])
grid = np.linspace(0, 20, 200)
fig, ax = plt.subplots(figsize=(5.5, 3.6))
ax.plot(grid, np.exp(-((grid / 10) ** 1.8)), "k--", label="true S(t)")
ax.step(t_all, s_all, where="post", label="Kaplan-Meier")
ax.step(t_bad, s_bad, where="post", alpha=0.7, label="censored dropped (biased)")
ax.set_xlabel("time")
ax.set_ylabel("survival probability")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Exercise 1: fit an AR(p)
#
# Return `(intercept, coefficients)`, `coefficients[0]` for lag 1.


# %% exercise="time-series/ar-fit"
def ar_fit(x, p):
    """Least squares of x_t on (1, x_{t-1}, ..., x_{t-p})."""
    raise NotImplementedError  # your code here


check("time-series/ar-fit", ar_fit)

# %% [markdown]
# ## Exercise 2: the Kaplan-Meier estimator
#
# `observed[i]` is True for an event, False for a censored subject. Return the distinct event
# times and $\hat S$ just after each.


# %% exercise="time-series/kaplan-meier"
def kaplan_meier(durations, observed):
    """(event_times, survival)."""
    raise NotImplementedError  # your code here


check("time-series/kaplan-meier", kaplan_meier)

# %% [markdown]
# ## Exercise 3: the censored Weibull log-likelihood


# %% exercise="time-series/weibull-log-likelihood"
def weibull_log_likelihood(durations, observed, shape, scale):
    """sum of observed * log h(t) + log S(t)."""
    raise NotImplementedError  # your code here


check("time-series/weibull-log-likelihood", weibull_log_likelihood)

# %% [markdown]
# ## Exercise 4: Harrell's concordance index
#
# `scores` predict survival: the larger, the longer a subject is expected to last.


# %% exercise="time-series/concordance-index"
def concordance_index(durations, scores, observed):
    """Harrell's C over the comparable pairs."""
    raise NotImplementedError  # your code here


check("time-series/concordance-index", concordance_index)
