# %% [markdown]
# # Tuning with Gaussian processes
#
# Tuning a hyper-parameter is minimising an expensive, noisy function $f(\theta)$ (a
# validation loss) with few evaluations. **Bayesian optimisation** keeps a probabilistic model
# of $f$, a **Gaussian process** $f \sim \mathcal{GP}(0, k)$, here with the RBF kernel
# $k(x, x') = \exp(-\|x - x'\|^2 / 2\ell^2)$. After observing $y = f(X) + \varepsilon$,
# $\varepsilon \sim N(0, \sigma_n^2 I)$, the posterior at new points is Gaussian with
#
# $$\mu(x) = k(x, X)\,(K + \sigma_n^2 I)^{-1} y, \qquad
# s^2(x) = k(x, x) - k(x, X)\,(K + \sigma_n^2 I)^{-1} k(X, x),$$
#
# computed through a Cholesky factor of $K + \sigma_n^2 I$ (Rasmussen and Williams, Algorithm
# 2.1). The next point maximises an **acquisition function** that trades a low mean against
# high uncertainty. **Expected improvement** over the best value so far, $y^*$, is
#
# $$\mathrm{EI}(x) = \mathbb{E}\max(y^* - f(x), 0) = (y^* - \mu)\,\Phi(z) + s\,\varphi(z),
# \qquad z = \frac{y^* - \mu}{s}.$$

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.gaussian_process import RBF, GaussianProcessRegressor
from glassml.learn import check
from glassml.model_selection._acquisition import expected_improvement as glassml_ei

# %% [markdown]
# ## Worked example: where to evaluate next
#
# Four evaluations of a one-dimensional function; glassml's GP posterior (mean and a 95 % band)
# and the expected improvement it implies. EI is high where the mean is low *or* the
# uncertainty large.


# %%
def f(x):
    return np.sin(3 * x) + 0.3 * x**2


X = np.array([[-1.6], [-0.4], [0.9], [1.7]])
y = f(X[:, 0])
gp = GaussianProcessRegressor(RBF(0.6), alpha=1e-6, optimizer=None).fit(X, y)
grid = np.linspace(-2, 2, 300)[:, None]
mean, std = gp.predict(grid, return_std=True)
ei = glassml_ei(mean, std, y.min())[0]
fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.5, 4.5), sharex=True)
top.plot(grid, f(grid), "k--", lw=1, label="f (unknown)")
top.plot(grid, mean, label="posterior mean")
top.fill_between(grid[:, 0], mean - 1.96 * std, mean + 1.96 * std, alpha=0.25, label="95 %")
top.scatter(X, y, color="k", zorder=3, label="evaluations")
top.legend(fontsize=7)
bottom.plot(grid, ei, color="C2")
bottom.axvline(grid[np.argmax(ei), 0], color="C2", ls=":")
bottom.set_ylabel("EI")
bottom.set_xlabel("hyper-parameter x")
plt.show()

# %% [markdown]
# ## Exercise 1: the GP posterior
#
# With the RBF kernel of length scale `length_scale` and noise variance `noise`, return
# `(mean, variance)` at the rows of `X_new`.


# %% exercise="model-selection/gp-posterior"
def gp_posterior(X, y, X_new, length_scale, noise):
    """Posterior mean and variance of a zero-mean GP with the RBF kernel."""
    raise NotImplementedError  # your code here


check("model-selection/gp-posterior", gp_posterior)

# %% [markdown]
# ## Exercise 2: expected improvement
#
# For minimisation, element-wise over arrays `mu` and `sigma`; where `sigma` is 0 the value
# is known and EI is $\max(y^* - \mu, 0)$.


# %% exercise="model-selection/expected-improvement"
def expected_improvement(mu, sigma, best):
    """(best - mu) Phi(z) + sigma phi(z), z = (best - mu) / sigma."""
    raise NotImplementedError  # your code here


check("model-selection/expected-improvement", expected_improvement)
