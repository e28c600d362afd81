# %% [markdown]
# # k-means and Gaussian mixtures
#
# **k-means** looks for centres $c_1, \dots, c_K$ minimising the within-cluster sum of squares
# $J = \sum_i \|x_i - c_{\ell_i}\|^2$. **Lloyd's algorithm** alternates two exact minimisations:
# *assign* each point to its nearest centre ($\ell_i = \arg\min_k\|x_i - c_k\|^2$), then *update*
# each centre to the mean of its points. Neither step can increase $J$, so it converges, to a
# local minimum that depends on the start (hence k-means++ seeding).
#
# A **Gaussian mixture** replaces hard assignments by probabilities: $p(x) = \sum_k \pi_k
# N(x; \mu_k, \Sigma_k)$. **EM** alternates:
#
# - **E-step**: responsibilities $r_{ik} = \dfrac{\pi_k N(x_i;\mu_k,\Sigma_k)}{\sum_j \pi_j
#   N(x_i;\mu_j,\Sigma_j)}$, computed with log densities and log-sum-exp;
# - **M-step**: with $n_k = \sum_i r_{ik}$, $\pi_k = n_k/n$, $\mu_k = \frac{1}{n_k}\sum_i r_{ik}
#   x_i$, $\Sigma_k = \frac{1}{n_k}\sum_i r_{ik}(x_i - \mu_k)(x_i-\mu_k)^\top$.
#
# Each EM iteration does not decrease the likelihood; k-means is its limit when every
# $\Sigma_k = \sigma^2 I$ with $\sigma \to 0$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from glassml.cluster import GaussianMixture, KMeans
from glassml.learn import check

# %% [markdown]
# ## Worked example: iris petals, hard and soft
#
# glassml's KMeans and GaussianMixture with three components on the petal measurements; the
# mixture's ellipses show each covariance (two standard deviations).

# %%
X = load_iris().data[:, 2:]
kmeans = KMeans(n_clusters=3, n_init=5, random_state=0).fit(X)
mixture = GaussianMixture(n_components=3, random_state=0).fit(X)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
axes[0].scatter(*X.T, c=kmeans.labels_, s=10)
axes[0].scatter(*kmeans.cluster_centers_.T, marker="x", s=80, color="k")
axes[0].set_title(f"k-means (inertia {kmeans.inertia_:.1f})")
axes[1].scatter(*X.T, c=mixture.predict(X), s=10)
angles = np.linspace(0, 2 * np.pi, 100)
for mean, covariance in zip(mixture.means_, mixture.covariances_, strict=True):
    values, vectors = np.linalg.eigh(covariance)
    ellipse = vectors @ (2 * np.sqrt(values)[:, None] * np.array([np.cos(angles), np.sin(angles)]))
    axes[1].plot(mean[0] + ellipse[0], mean[1] + ellipse[1], color="k", linewidth=0.8)
axes[1].set_title("Gaussian mixture")
for ax in axes:
    ax.set_xlabel("petal length (cm)")
axes[0].set_ylabel("petal width (cm)")
plt.show()

# %% [markdown]
# ## Exercise 1: one step of Lloyd's algorithm
#
# Return `(labels, new_centres)`: labels from the *given* centres, then the updated centres.
# A centre that receives no point stays where it is.


# %% exercise="clustering/kmeans-step"
def kmeans_step(X, centres):
    """Assignment step, then update step."""
    raise NotImplementedError  # your code here


check("clustering/kmeans-step", kmeans_step)

# %% [markdown]
# ## Exercise 2: the E-step
#
# Full covariances: `covariances` has shape (K, d, d). Return the (n, K) responsibilities.


# %% exercise="clustering/gmm-e-step"
def gmm_responsibilities(X, weights, means, covariances):
    """r_ik, computed with log densities."""
    raise NotImplementedError  # your code here


check("clustering/gmm-e-step", gmm_responsibilities)

# %% [markdown]
# ## Exercise 3: the M-step
#
# Return `(weights, means, covariances)` with shapes (K,), (K, d), (K, d, d).


# %% exercise="clustering/gmm-m-step"
def gmm_m_step(X, resp):
    """Weighted proportions, means and covariances from the responsibilities."""
    raise NotImplementedError  # your code here


check("clustering/gmm-m-step", gmm_m_step)
