# %% [markdown]
# # Estimation and maximum likelihood
#
# A model $p(x \mid \theta)$ turns a parameter into a distribution. Given independent data, the
# **log-likelihood** $\ell(\theta) = \sum_i \log p(x_i \mid \theta)$ says how well $\theta$
# explains them, and the **maximum-likelihood estimate** maximises it. For the Gaussian,
#
# $$\ell(\mu, \sigma) = -\frac n2 \log(2\pi) - n\log\sigma
# - \frac{1}{2\sigma^2}\sum_i (x_i-\mu)^2,$$
#
# maximised by $\hat\mu = \bar x$ and $\hat\sigma^2 = \frac1n\sum(x_i - \bar x)^2$ (the MLE is the
# biased variance). For the exponential distribution $p(x\mid\lambda) = \lambda e^{-\lambda
# x}$, $\ell(\lambda) = n\log\lambda - \lambda\sum x_i$, so $\hat\lambda = n/\sum x_i = 1/\bar x$.
#
# **Uncertainty.** Near its maximum the log-likelihood is approximately quadratic; its
# curvature, the **observed information** $I(\hat\theta) = -\ell''(\hat\theta)$, measures how
# sharply the data pin $\theta$ down, and $\operatorname{se}(\hat\theta) \approx
# 1/\sqrt{I(\hat\theta)}$. For the exponential, $I(\lambda) = n/\lambda^2$, so
# $\operatorname{se}(\hat\lambda) = \hat\lambda/\sqrt n$. `glassml.stats.fit_mle` maximises any
# log-likelihood written with `glassml.autodiff` and returns these standard errors.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml import autodiff as ad
from glassml.learn import check
from glassml.stats import fit_mle

# %% [markdown]
# ## Worked example: a Gaussian fitted by maximum likelihood
#
# Disease progression in the diabetes data, modelled as Gaussian: glassml's `fit_mle` (Newton
# on the log-likelihood, parameterised by $\log\sigma$ to keep $\sigma > 0$) agrees with the
# closed form.

# %%
y = load_diabetes().target


def log_likelihood(theta):
    mu, log_sigma = theta[0], theta[1]
    z = (y - mu) / ad.exp(log_sigma)
    return -0.5 * len(y) * np.log(2 * np.pi) - len(y) * log_sigma - 0.5 * ad.sum(z * z)


result = fit_mle(log_likelihood, np.array([100.0, 4.0]), names=["mu", "log_sigma"])
print(result.summary())
print("closed form:", y.mean(), np.log(y.std()))
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.hist(y, bins=30, density=True, alpha=0.6, label="patients")
grid = np.linspace(y.min(), y.max(), 200)
mu, sigma = result.params[0], np.exp(result.params[1])
ax.plot(
    grid,
    np.exp(-0.5 * ((grid - mu) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma),
    label=f"MLE N({mu:.0f}, {sigma:.0f}²)",
)
ax.set_xlabel("disease progression")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: the Gaussian log-likelihood


# %% exercise="probability/gaussian-log-likelihood"
def gaussian_log_likelihood(x, mu, sigma):
    """sum_i log N(x_i; mu, sigma^2)."""
    raise NotImplementedError  # your code here


check("probability/gaussian-log-likelihood", gaussian_log_likelihood)

# %% [markdown]
# ## Exercise 2: the exponential rate and its standard error


# %% exercise="probability/exponential-mle"
def exponential_mle(x):
    """(rate, standard error) by maximum likelihood and the observed information."""
    raise NotImplementedError  # your code here


check("probability/exponential-mle", exponential_mle)
