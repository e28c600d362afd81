# %% [markdown]
# # Distributions, expectation and variance
#
# A random variable is described by its distribution: a density $p(x)$ with $\int p = 1$ (or
# probabilities summing to 1). Its **mean** $\mu = E[X]$ and **variance**
# $\sigma^2 = E[(X-\mu)^2]$ summarise location and spread; the Gaussian
# $N(\mu, \sigma^2)$ with density $\frac{1}{\sqrt{2\pi}\sigma} e^{-(x-\mu)^2/2\sigma^2}$ is
# fixed by exactly these two.
#
# From a sample $x_1, \dots, x_n$ we estimate them by $\bar x = \frac1n\sum x_i$ and
#
# $$s^2 = \frac{1}{n-1}\sum_i (x_i - \bar x)^2.$$
#
# Why $n - 1$? Because $\sum (x_i - \bar x)^2 = \sum (x_i - \mu)^2 - n(\bar x - \mu)^2$, and
# taking expectations gives $n\sigma^2 - \sigma^2$: measuring spread around the sample's own
# mean loses one degree of freedom. Dividing by $n$ underestimates $\sigma^2$ by the factor
# $(n-1)/n$ (Bessel's correction fixes it). The **central limit theorem** says $\bar x$ is
# approximately $N(\mu, \sigma^2/n)$ for large $n$, whatever the distribution of $X$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer

from glassml.learn import check

# %% [markdown]
# ## Worked example: the bias of the divided-by-n variance
#
# Treat the 569 tumour radii of the breast-cancer data as a population, draw many samples of
# size 5, and average the two variance estimates.

# %%
radius = load_breast_cancer().data[:, 0]
sigma2 = radius.var()
rng = np.random.default_rng(0)
draws = rng.choice(radius, size=(20000, 5))
biased = draws.var(axis=1, ddof=0)
unbiased = draws.var(axis=1, ddof=1)
print(
    f"population variance {sigma2:.3f}; mean of /n: {biased.mean():.3f}; "
    f"mean of /(n-1): {unbiased.mean():.3f}"
)
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.hist(unbiased, bins=80, alpha=0.6, density=True, label="s² with n − 1")
ax.hist(biased, bins=80, alpha=0.6, density=True, label="divided by n")
ax.axvline(sigma2, color="k", linestyle="--", label="population σ²")
ax.set_xlim(0, 40)
ax.set_xlabel("variance estimate from 5 tumours")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: the sample mean and variance
#
# `mean_and_variance(x)` returns `(mean, variance)` with the unbiased variance.


# %% exercise="probability/sample-variance"
def mean_and_variance(x):
    """(x-bar, s^2) with s^2 divided by n - 1."""
    raise NotImplementedError  # your code here


check("probability/sample-variance", mean_and_variance)
