# %% [markdown]
# # Conditioning
#
# The **condition number** $\kappa(A) = \sigma_{\max}/\sigma_{\min}$ (ratio of the largest to the
# smallest singular value) measures how unevenly $A$ stretches space. It bounds how much
# relative errors in $b$ can grow in the solution of $Ax = b$: $\frac{\|\delta x\|}{\|x\|} \le
# \kappa(A)\frac{\|\delta b\|}{\|b\|}$; with $\kappa \approx 10^{k}$ one loses about $k$ of the 16
# digits of double precision. A singular matrix has $\kappa = \infty$.
#
# Conditioning also sets the speed of gradient descent. On $f(x) = \tfrac12 x^\top A x - b^\top
# x$ with $A$ symmetric positive definite, the error evolves as $e \leftarrow (I - \alpha A)e$
# and shrinks per step by $\max_i |1 - \alpha\lambda_i|$. The best fixed step balances the
# extreme eigenvalues, $1 - \alpha\lambda_{\min} = \alpha\lambda_{\max} - 1$:
#
# $$\alpha^\ast = \frac{2}{\lambda_{\min} + \lambda_{\max}}, \qquad \text{rate} =
# \frac{\kappa - 1}{\kappa + 1}.$$
#
# With $\kappa = 100$ that is 0.98 per step: about 115 steps per digit. Standardising features,
# preconditioning and second-order methods all attack $\kappa$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml.learn import check
from glassml.linalg import conditioning_report

# %% [markdown]
# ## Worked example: standardising the diabetes features
#
# The raw design matrix with an intercept column is badly conditioned; standardising the
# features brings $\kappa(X^\top X)$ down and gradient descent's rate with it.

# %%
X = load_diabetes().data * 100 + np.array([50, 1, 30, 90, 200, 100, 50, 4, 5, 90])
designs = {
    "raw": np.column_stack([np.ones(len(X)), X]),
    "standardised": np.column_stack([np.ones(len(X)), (X - X.mean(0)) / X.std(0)]),
}
fig, ax = plt.subplots(figsize=(5, 3.4))
for name, design in designs.items():
    report = conditioning_report(design.T @ design)
    kappa = report.condition_number
    steps = np.arange(200)
    ax.semilogy(steps, ((kappa - 1) / (kappa + 1)) ** steps, label=f"{name}: κ = {kappa:.3g}")
ax.set_xlabel("gradient-descent step")
ax.set_ylabel("error bound (best fixed step)")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: the condition number
#
# Return $\kappa(A)$ for any square matrix, `inf` for a singular one.


# %% exercise="optimisation/condition-number"
def condition_number(A):
    """sigma_max / sigma_min (2-norm)."""
    raise NotImplementedError  # your code here


check("optimisation/condition-number", condition_number)

# %% [markdown]
# ## Exercise 2: the best step and its rate
#
# For a symmetric positive-definite `A`, return `(step, rate)` as derived above.


# %% exercise="optimisation/conditioning"
def gd_rate(A):
    """Optimal fixed step 2 / (lambda_min + lambda_max) and rate (kappa - 1) / (kappa + 1)."""
    raise NotImplementedError  # your code here


check("optimisation/conditioning", gd_rate)
