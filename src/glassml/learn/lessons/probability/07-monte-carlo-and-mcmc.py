# %% [markdown]
# # Monte Carlo and MCMC
#
# **Monte Carlo** estimates an expectation by an average: $E_p[f(X)] \approx \frac1n \sum_i
# f(x_i)$ with $x_i \sim p$, with standard error $s/\sqrt n$ whatever the dimension. When
# sampling $p$ is hard but a proposal $q$ is easy, **importance sampling** reweights:
#
# $$E_p[f] = E_q\Big[f\,\frac{p}{q}\Big] \approx \frac{\sum_i w_i f(x_i)}{\sum_i w_i}, \qquad w_i
# = \frac{p(x_i)}{q(x_i)},\ x_i \sim q.$$
#
# The self-normalised form needs $p$ only up to a constant, which is exactly what a Bayesian
# posterior gives; the weights are computed from log densities, $w_i \propto
# e^{\log p(x_i) - \log q(x_i) - m}$ with $m$ the largest log weight, to avoid under- and
# overflow.
#
# **Markov chain Monte Carlo** builds a chain whose stationary distribution is $p$.
# **Metropolis**: propose $x'$ symmetrically around $x$, accept with probability
# $\min(1, p(x')/p(x))$, i.e. when $\log u < \log p(x') - \log p(x)$ for $u \sim U(0,1)$;
# otherwise stay. Successive draws are correlated; the **autocorrelation** at lag $k$,
# $\rho_k = \sum_t (x_t - \bar x)(x_{t+k} - \bar x) / \sum_t (x_t - \bar x)^2$, tells how
# many draws are worth one independent draw (the effective sample size).

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check
from glassml.stats import autocorrelation as glassml_autocorrelation
from glassml.stats import metropolis_hastings

# %% [markdown]
# ## Worked example: a bimodal target
#
# glassml's Metropolis-Hastings sampler on a mixture of two Gaussians: the trace, the
# histogram against the density, and the autocorrelation that measures the chain's memory.

# %%


def log_p(x):
    x = float(np.asarray(x).ravel()[0])
    return float(np.logaddexp(-0.5 * (x + 2) ** 2, -0.5 * (x - 2) ** 2))


result = metropolis_hastings(
    log_p, np.zeros(1), n_samples=3000, n_warmup=500, n_chains=1, random_state=0
)
draws = np.asarray(result.samples).reshape(-1)
rho = glassml_autocorrelation(draws)
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
axes[0].plot(draws[:600], linewidth=0.6)
axes[0].set_title("trace")
grid = np.linspace(-5, 5, 200)
density = np.exp([log_p(g) for g in grid])
axes[1].hist(draws, bins=50, density=True, alpha=0.6)
axes[1].plot(grid, density / (density.sum() * (grid[1] - grid[0])))
axes[1].set_title("draws vs density")
axes[2].bar(range(40), rho[:40])
axes[2].set_title("autocorrelation")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercise 1: self-normalised importance sampling


# %% exercise="probability/importance-sampling"
def importance_estimate(f_values, log_p, log_q):
    """sum w f / sum w with w = p / q, from log densities, without overflow."""
    raise NotImplementedError  # your code here


check("probability/importance-sampling", importance_estimate)

# %% [markdown]
# ## Exercise 2: one Metropolis step
#
# Given the current state `x`, a `proposal`, the log density `log_p` (a function) and a
# uniform number `u`, return the next state.


# %% exercise="probability/metropolis-step"
def metropolis_step(x, proposal, log_p, u):
    """Accept the proposal when log u < log p(proposal) - log p(x)."""
    raise NotImplementedError  # your code here


check("probability/metropolis-step", metropolis_step)

# %% [markdown]
# ## Exercise 3: the autocorrelation at one lag


# %% exercise="probability/autocorrelation"
def autocorrelation(x, lag):
    """The sample autocorrelation rho_lag of the chain x."""
    raise NotImplementedError  # your code here


check("probability/autocorrelation", autocorrelation)
