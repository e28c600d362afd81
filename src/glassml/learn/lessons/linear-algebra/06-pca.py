# %% [markdown]
# # Principal component analysis
#
# PCA looks for the directions along which centred data vary most. With $X_c = X -
# \mathbf{1}\bar x^\top$ and the sample covariance $S = X_c^\top X_c/(n-1)$, the variance of the
# data projected on a unit vector $w$ is $w^\top S w$; maximising it under $\|w\| = 1$
# (Lagrange multiplier $\lambda$) gives $S w = \lambda w$. So the **principal axes** are the
# eigenvectors of $S$, the variance along axis $i$ is its eigenvalue $\lambda_i$, and they add
# up to the total variance, $\sum_i \lambda_i = \operatorname{tr} S$.
#
# In practice one takes the SVD of the centred data, $X_c = U\Sigma V^\top$: the axes are the
# columns of $V$, the variances are $\lambda_i = \sigma_i^2/(n-1)$ and the **scores** (the
# coordinates of the samples on the first $k$ axes) are $Z = X_c V_k = U_k \Sigma_k$.
# Each axis is defined up to sign.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from glassml.decomposition import PCA
from glassml.learn import check

# %% [markdown]
# ## Worked example: iris in two dimensions
#
# glassml's PCA projects the four measurements onto two axes that keep most of the variance;
# the species separate along the first.

# %%
iris = load_iris()
pca = PCA(n_components=2).fit(iris.data)
scores = pca.transform(iris.data)
print("explained variance ratio:", np.round(pca.explained_variance_ratio_, 3))
fig, ax = plt.subplots(figsize=(5, 3.8))
for label, name in enumerate(iris.target_names):
    ax.scatter(*scores[iris.target == label].T, s=10, label=name)
ax.set_xlabel(f"PC1 ({pca.explained_variance_ratio_[0]:.0%} of the variance)")
ax.set_ylabel(f"PC2 ({pca.explained_variance_ratio_[1]:.0%})")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: principal component scores
#
# `pca_transform(X, k)` returns the $n \times k$ scores on the first $k$ principal axes.


# %% exercise="linear-algebra/pca"
def pca_transform(X, k):
    """Scores of the centred data on the k directions of largest variance."""
    raise NotImplementedError  # your code here


check("linear-algebra/pca", pca_transform)

# %% [markdown]
# ## Exercise 2: variance along the axes
#
# `explained_variance(X)` returns all the variances $\lambda_i$ (sample variances, largest
# first), one per singular value of $X_c$.


# %% exercise="linear-algebra/explained-variance"
def explained_variance(X):
    """Sample variances of the principal components, largest first."""
    raise NotImplementedError  # your code here


check("linear-algebra/explained-variance", explained_variance)
