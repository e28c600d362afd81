# %% [markdown]
# # Anomaly detection: isolation and distance
#
# An **isolation forest** (Liu, Ting and Zhou, 2008) isolates points by random splits: pick
# a feature and a threshold uniformly at random, recurse until each point is alone. Anomalies
# are few and different, so they are isolated close to the root. The path length $h(x)$ is
# compared with its average for $n$ points, the mean depth of an unsuccessful search in a
# binary search tree,
#
# $$c(n) = 2H(n-1) - \frac{2(n-1)}{n}, \qquad H(i) \approx \ln i + 0.5772156649,$$
#
# with $c(1) = 0$, $c(2) = 1$. Each tree is grown on a subsample of $\psi$ points, so the
# score of $x$ compares its path length averaged over the trees with $c(\psi)$:
#
# $$s(x) = 2^{-\mathbb{E}\,h(x) / c(\psi)},$$
#
# near 1 for anomalies, near 0.5 or below for normal points.
#
# For roughly Gaussian data the **Mahalanobis distance**
#
# $$d(x) = \sqrt{(x - \mu)^\top \Sigma^{-1} (x - \mu)}$$
#
# measures how far $x$ lies from the mean in units of the spread along each direction: for
# $x \sim N(\mu, \Sigma)$ in $p$ dimensions, $d^2 \sim \chi^2_p$, which gives a threshold.

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import chi2
from sklearn.datasets import load_wine

from glassml.learn import check

# %% [markdown]
# ## Worked example: correlated features hide an outlier from Euclidean distance
#
# Two correlated wine measurements (flavanoids and total phenols) of the first cultivar. The
# ellipse is where $d^2$ equals the 97.5 % quantile of $\chi^2_2$; a point can be close in
# Euclidean terms and still far outside it.

# %%
wine = load_wine()
X = wine.data[wine.target == 0][:, [6, 5]]
mu, cov = X.mean(0), np.cov(X, rowvar=False)
diff = X - mu
d2 = np.einsum("ij,ij->i", diff, np.linalg.solve(cov, diff.T).T)
limit = chi2.ppf(0.975, df=2)
angle = np.linspace(0, 2 * np.pi, 200)
ellipse = (
    mu
    + np.sqrt(limit) * np.column_stack([np.cos(angle), np.sin(angle)]) @ np.linalg.cholesky(cov).T
)
fig, ax = plt.subplots(figsize=(5, 3.8))
ax.scatter(*X.T, c=d2 > limit, cmap="coolwarm", s=14)
ax.plot(*ellipse.T, color="k", lw=1)
ax.set_xlabel("flavanoids")
ax.set_ylabel("total phenols")
ax.set_title(f"{np.sum(d2 > limit)} points beyond the 97.5 % Mahalanobis contour")
plt.show()

# %% [markdown]
# ## Exercise 1: the normaliser c(n)


# %% exercise="anomaly/average-path-length"
def average_path_length(n):
    """c(n) = 2 H(n-1) - 2 (n-1) / n; c(1) = 0, c(2) = 1."""
    raise NotImplementedError  # your code here


check("anomaly/average-path-length", average_path_length)

# %% [markdown]
# ## Exercise 2: the anomaly score
#
# `path_lengths[i, t]` is the depth at which tree `t` isolated point `i`; each tree was grown
# on `psi` points.


# %% exercise="anomaly/isolation-score"
def isolation_score(path_lengths, psi):
    """s = 2 ** (-mean path length / c(psi)) for each point."""
    raise NotImplementedError  # your code here


check("anomaly/isolation-score", isolation_score)

# %% [markdown]
# ## Exercise 3: the Mahalanobis distance of each row of X


# %% exercise="anomaly/mahalanobis"
def mahalanobis(X, mean, cov):
    """sqrt((x - mean)^T cov^-1 (x - mean)) for each row x."""
    raise NotImplementedError  # your code here


check("anomaly/mahalanobis", mahalanobis)
