# %% [markdown]
# # Eigenvalues and power iteration
#
# An **eigenvector** of a square matrix is a direction that $A$ only stretches:
# $A v = \lambda v$. A symmetric matrix has $n$ real eigenvalues and orthonormal eigenvectors,
# $A = \sum_i \lambda_i v_i v_i^\top$. Write any start vector as $x_0 = \sum_i c_i v_i$; then
#
# $$A^k x_0 = \sum_i c_i \lambda_i^k v_i = \lambda_1^k \Big(c_1 v_1 + \sum_{i>1} c_i
# (\lambda_i/\lambda_1)^k v_i\Big),$$
#
# so repeated multiplication aligns $x$ with $v_1$, the eigenvector of the largest $|\lambda|$,
# at the rate $|\lambda_2/\lambda_1|^k$ (provided $c_1 \ne 0$). **Power iteration** normalises
# after every product, $x \leftarrow Ax / \|Ax\|$, and reads the eigenvalue from the
# **Rayleigh quotient** $\lambda \approx x^\top A x$ (for unit $x$), which keeps the sign that
# $\|Ax\|$ would lose. **Deflation** then removes the pair found, $A \leftarrow A - \lambda_1
# v_1 v_1^\top$, so the next run finds $(\lambda_2, v_2)$: this is how PCA's leading
# components can be computed without a full eigendecomposition.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine

from glassml.learn import check
from glassml.linalg import power_iteration as glassml_power_iteration

# %% [markdown]
# ## Worked example: the wine data's correlation matrix
#
# Power iteration on the $13 \times 13$ correlation matrix: the Rayleigh quotient converges to
# the largest eigenvalue, at the speed set by the ratio $\lambda_2/\lambda_1$.

# %%
X = load_wine().data
C = np.corrcoef(X, rowvar=False)
exact = np.linalg.eigvalsh(C)[::-1]
x = np.ones(len(C)) / np.sqrt(len(C))
estimates = []
for _ in range(30):
    x = C @ x
    x /= np.linalg.norm(x)
    estimates.append(x @ C @ x)
value, vector, n_iter = glassml_power_iteration(C, x0=np.ones(len(C)))
print(f"glassml: lambda_1 = {value:.6f} after {n_iter} iterations; exact {exact[0]:.6f}")
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogy(np.abs(np.array(estimates) - exact[0]), marker=".")
ax.set_xlabel("iteration")
ax.set_ylabel("|Rayleigh quotient − λ₁|")
ax.set_title(f"Convergence, λ₂/λ₁ = {exact[1] / exact[0]:.2f}")
plt.show()

# %% [markdown]
# ## Exercise 1: power iteration
#
# `power_iteration(A, n_iter)`: start from $x = \mathbf{1}/\sqrt{n}$, iterate `n_iter` times,
# and return `(eigenvalue, eigenvector)` with a unit eigenvector.


# %% exercise="linear-algebra/power-iteration"
def power_iteration(A, n_iter):
    """The dominant eigenpair of a symmetric A, starting from ones(n) / sqrt(n)."""
    raise NotImplementedError  # your code here


check("linear-algebra/power-iteration", power_iteration)

# %% [markdown]
# ## Exercise 2: deflation
#
# `top_eigenpairs(A, k, n_iter)` returns the $k$ largest-magnitude eigenvalues (an array) and
# the $n \times k$ matrix of their eigenvectors as columns. Reuse your `power_iteration`.


# %% exercise="linear-algebra/deflation"
def top_eigenpairs(A, k, n_iter):
    """k eigenpairs by power iteration and deflation A <- A - lambda v v^T."""
    raise NotImplementedError  # your code here


check("linear-algebra/deflation", top_eigenpairs)
