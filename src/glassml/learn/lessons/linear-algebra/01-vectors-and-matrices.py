# %% [markdown]
# # Vectors, matrices and orthogonality
#
# A data set with $n$ samples and $d$ features is a matrix $X \in \mathbb{R}^{n \times d}$:
# each row is a sample, each column a feature. Two operations carry most of machine learning:
# the **inner product** $u^\top v = \sum_i u_i v_i$, which measures how much two vectors
# point the same way, and the **matrix-vector product** $A x$, a linear combination of the
# columns of $A$ weighted by the entries of $x$.
#
# The length of a vector is $\|v\| = \sqrt{v^\top v}$ and the angle between two vectors
# satisfies $\cos\theta = \dfrac{u^\top v}{\|u\|\,\|v\|}$. Vectors with $u^\top v = 0$ are
# **orthogonal**. The projection of $a$ onto a unit vector $q$ is $(q^\top a)\, q$; what is
# left, $a - (q^\top a) q$, is orthogonal to $q$.
#
# **Gram-Schmidt** turns the columns $a_1, \dots, a_n$ of a full-rank matrix into orthonormal
# columns $q_1, \dots, q_n$ spanning the same space:
#
# $$v_j = a_j - \sum_{i<j} (q_i^\top a_j)\, q_i, \qquad q_j = \frac{v_j}{\|v_j\|}.$$
#
# Collecting the coefficients gives the factorisation $A = QR$ with $R$ upper triangular and
# $r_{jj} = \|v_j\| > 0$: the QR factorisation that least squares and eigenvalue algorithms
# rely on.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from glassml.learn import check

# %% [markdown]
# ## Worked example: how aligned are the iris measurements?
#
# The cosine between two centred feature columns is their correlation. Petal length and petal
# width point almost the same way; sepal width is nearly orthogonal to both.

# %%
iris = load_iris()
X = iris.data - iris.data.mean(axis=0)
norms = np.linalg.norm(X, axis=0)
cosines = (X.T @ X) / np.outer(norms, norms)
fig, ax = plt.subplots(figsize=(4.5, 3.8))
image = ax.imshow(cosines, vmin=-1, vmax=1, cmap="coolwarm")
names = [name.replace(" (cm)", "") for name in iris.feature_names]
ax.set_xticks(range(4), names, rotation=45, ha="right")
ax.set_yticks(range(4), names)
fig.colorbar(image, label="cos θ between centred columns")
ax.set_title("Iris features as vectors")
plt.show()
print(np.round(cosines, 2))

# %% [markdown]
# ## Exercise: Gram-Schmidt
#
# Write `gram_schmidt(A)` returning $Q$ (same shape as $A$) with orthonormal columns, built
# column by column as above. Keep each $q_j$ on the side of $a_j$ ($q_j^\top a_j > 0$).


# %% exercise="linear-algebra/gram-schmidt"
def gram_schmidt(A):
    """Orthonormal columns spanning A's columns, q_j . a_j > 0."""
    raise NotImplementedError  # your code here


check("linear-algebra/gram-schmidt", gram_schmidt)
