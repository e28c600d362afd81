# %% [markdown]
# # The singular value decomposition
#
# Every matrix $A \in \mathbb{R}^{m\times n}$ factors as $A = U \Sigma V^\top$ with orthonormal
# columns in $U$ and $V$ and non-negative **singular values** $\sigma_1 \ge \sigma_2 \ge \dots$
# on the diagonal of $\Sigma$: $A$ rotates ($V^\top$), stretches ($\Sigma$) and rotates again
# ($U$). Equivalently $A = \sum_i \sigma_i u_i v_i^\top$, a sum of rank-one layers ordered by
# importance. The $\sigma_i^2$ are the eigenvalues of $A^\top A$.
#
# **Eckart-Young theorem.** The best rank-$k$ approximation in the Frobenius norm keeps the
# first $k$ layers, $A_k = \sum_{i \le k} \sigma_i u_i v_i^\top$, and its error is
#
# $$\|A - A_k\|_F = \sqrt{\textstyle\sum_{i>k} \sigma_i^2}.$$
#
# Compression, denoising, PCA and matrix-factorisation recommenders are all this theorem.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from glassml.learn import check

# %% [markdown]
# ## Worked example: compressing the digits
#
# The 1,797 handwritten digits form a $1797 \times 64$ matrix. Its singular values fall fast:
# a rank-10 approximation already keeps the digits legible.

# %%
digits = load_digits().data
U, s, Vt = np.linalg.svd(digits, full_matrices=False)
fig, axes = plt.subplots(1, 4, figsize=(8, 2.4))
axes[0].semilogy(s, marker=".")
axes[0].set_title("singular values")
for ax, k in zip(axes[1:], (2, 10, 64), strict=True):
    approximation = (U[:, :k] * s[:k]) @ Vt[:k]
    ax.imshow(approximation[0].reshape(8, 8), cmap="gray_r")
    error = np.linalg.norm(digits - approximation) / np.linalg.norm(digits)
    ax.set_title(f"rank {k}: {error:.0%} error")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercise: the best rank-k approximation
#
# `low_rank_approximation(A, k)` returns the $m \times n$ matrix $A_k$.


# %% exercise="linear-algebra/low-rank-approximation"
def low_rank_approximation(A, k):
    """The rank-k matrix nearest to A (Frobenius norm)."""
    raise NotImplementedError  # your code here


check("linear-algebra/low-rank-approximation", low_rank_approximation)
