# %% [markdown]
# # Solving linear systems
#
# Many estimators end in a square linear system $A x = b$. When $A$ is **upper triangular**
# the last equation has one unknown, the one above it two, and so on: **back substitution**
#
# $$x_i = \frac{1}{u_{ii}}\Big(b_i - \sum_{j>i} u_{ij} x_j\Big), \qquad i = n-1, \dots, 0,$$
#
# costs $O(n^2)$. **Gaussian elimination** brings any invertible $A$ to that form with row
# operations: for each column $k$, subtract $a_{ik}/a_{kk}$ times row $k$ from every row
# $i > k$ (and do the same to $b$). A zero or tiny pivot $a_{kk}$ breaks this (division by
# zero, or huge rounding errors), so **partial pivoting** first swaps in the row with the
# largest $|a_{ik}|$, $i \ge k$. If even that is zero, the columns are linearly dependent:
# $A$ is singular and the system has no unique solution. Elimination is the LU
# factorisation $PA = LU$; numpy's `solve` calls LAPACK's version of it.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml.learn import check

# %% [markdown]
# ## Worked example: the normal equations of the diabetes data
#
# Fitting a linear model to the 442 diabetes patients leads to the $11 \times 11$ system
# $X^\top X w = X^\top y$ (10 features and an intercept). We solve it and look at the
# matrix: symmetric, and far from triangular.

# %%
data = load_diabetes()
X = np.column_stack([np.ones(len(data.target)), data.data])
A, b = X.T @ X, X.T @ data.target
w = np.linalg.solve(A, b)
print("residual of the solve:", np.linalg.norm(A @ w - b))
fig, ax = plt.subplots(figsize=(4.5, 3.8))
image = ax.imshow(A, cmap="viridis")
fig.colorbar(image, label="entry of XᵀX")
ax.set_title("The system XᵀX w = Xᵀy (diabetes)")
plt.show()

# %% [markdown]
# ## Exercise 1: back substitution
#
# `back_substitution(U, b)` solves $U x = b$ for an upper-triangular $U$ with a non-zero
# diagonal.


# %% exercise="linear-algebra/back-substitution"
def back_substitution(U, b):
    """Solve U x = b, U upper triangular; last row first."""
    raise NotImplementedError  # your code here


check("linear-algebra/back-substitution", back_substitution)

# %% [markdown]
# ## Exercise 2: Gaussian elimination with partial pivoting
#
# `solve_linear_system(A, b)` returns $x$ with $Ax = b$, and raises `ValueError` when $A$ is
# singular (no usable pivot in some column).


# %% exercise="linear-algebra/gaussian-elimination"
def solve_linear_system(A, b):
    """Gaussian elimination with row swaps, then back substitution."""
    raise NotImplementedError  # your code here


check("linear-algebra/gaussian-elimination", solve_linear_system)
