# %% [markdown]
# # Least squares
#
# With more equations than unknowns, $X w = y$ has no exact solution. **Least squares**
# chooses the $w$ that minimises the squared residual
#
# $$L(w) = \|y - Xw\|^2 = (y - Xw)^\top (y - Xw).$$
#
# Its gradient is $\nabla L = -2 X^\top (y - Xw)$; setting it to zero gives the **normal
# equations** $X^\top X\, w = X^\top y$. Geometrically, $Xw$ is the orthogonal projection of
# $y$ onto the column space of $X$: the residual $r = y - Xw$ is orthogonal to every column,
# $X^\top r = 0$. When $X$ has full column rank the solution is unique,
# $\hat w = (X^\top X)^{-1} X^\top y$. Numerically, one avoids forming $X^\top X$ (it squares
# the condition number) and uses the QR factorisation $X = QR$: then $R \hat w = Q^\top y$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml.learn import check
from glassml.linear import LinearRegression

# %% [markdown]
# ## Worked example: disease progression against body-mass index
#
# One feature (BMI) and an intercept: the fitted line, and the residuals, which are
# orthogonal to both columns of the design matrix.

# %%
data = load_diabetes()
bmi, y = data.data[:, 2], data.target
X = np.column_stack([np.ones_like(bmi), bmi])
model = LinearRegression(fit_intercept=False).fit(X, y)
residual = y - X @ model.coef_
print("coefficients:", np.round(model.coef_, 2), " X^T r =", np.round(X.T @ residual, 8))
order = np.argsort(bmi)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(bmi, y, s=8, alpha=0.5, label="patients")
ax.plot(bmi[order], (X @ model.coef_)[order], color="C3", label="least-squares line")
ax.set_xlabel("body-mass index (standardised)")
ax.set_ylabel("disease progression")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: least squares
#
# `least_squares(X, y)` returns the minimiser $w$ (no intercept is added: put a column of
# ones in $X$ if you want one).


# %% exercise="linear-algebra/least-squares"
def least_squares(X, y):
    """The w minimising |y - X w|^2."""
    raise NotImplementedError  # your code here


check("linear-algebra/least-squares", least_squares)
