# %% [markdown]
# # Regularisation: ridge (L2) and lasso (L1)
#
# With many features, least squares fits noise. A penalty on the size of $w$ trades a little
# bias for much less variance.
#
# **Ridge** minimises $\|y - Xw - b\|^2 + \alpha\|w\|^2$. The intercept is not penalised (it
# only shifts the predictions), so centre the data first: with $X_c$, $y_c$ centred,
#
# $$\hat w = (X_c^\top X_c + \alpha I)^{-1} X_c^\top y_c, \qquad \hat b = \bar y - \bar x^\top \hat
# w.$$
#
# Adding $\alpha I$ also makes the system well conditioned. **Lasso** minimises
# $\frac{1}{2n}\|y - Xw\|^2 + \alpha\|w\|_1$; the $\ell_1$ norm's corner at zero sets
# coefficients exactly to zero (feature selection). Its building block is the proximal map of
# $t|x|$, the **soft threshold**
#
# $$S(v, t) = \operatorname{sign}(v)\max(|v| - t, 0).$$
#
# **Coordinate descent** minimises over one $w_j$ at a time: with the partial residual $r = y -
# Xw + x_j w_j$ (everything but $w_j$'s own contribution),
#
# $$w_j \leftarrow \frac{S\big(x_j^\top r / n,\ \alpha\big)}{x_j^\top x_j / n}.$$

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes

from glassml.learn import check
from glassml.linear import lasso_path

# %% [markdown]
# ## Worked example: the lasso path on the diabetes data
#
# As $\alpha$ decreases, glassml's `lasso_path` lets the coefficients in one at a time.

# %%
data = load_diabetes()
X = (data.data - data.data.mean(0)) / data.data.std(0)
y = data.target - data.target.mean()
alphas, coefs, _ = lasso_path(X, y, n_alphas=60)
fig, ax = plt.subplots(figsize=(5.5, 3.6))
for name, path in zip(data.feature_names, coefs, strict=True):
    ax.plot(alphas, path, label=name)
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_xlabel("α (penalty)")
ax.set_ylabel("coefficient")
ax.legend(fontsize=7, ncol=2)
plt.show()

# %% [markdown]
# ## Exercise 1: ridge with an unpenalised intercept
#
# Return `(coef, intercept)`.


# %% exercise="regression/ridge"
def ridge_fit(X, y, alpha):
    """Minimise |y - X w - b|^2 + alpha |w|^2 over w and b."""
    raise NotImplementedError  # your code here


check("regression/ridge", ridge_fit)

# %% [markdown]
# ## Exercise 2: the soft threshold


# %% exercise="regression/soft-threshold"
def soft_threshold(v, t):
    """sign(v) max(|v| - t, 0), elementwise."""
    raise NotImplementedError  # your code here


check("regression/soft-threshold", soft_threshold)

# %% [markdown]
# ## Exercise 3: a lasso coordinate update
#
# Return a new `w` in which only `w[j]` has changed.


# %% exercise="regression/lasso-coordinate"
def lasso_coordinate_update(X, y, w, j, alpha):
    """Exact minimisation of the lasso objective over w_j."""
    raise NotImplementedError  # your code here


check("regression/lasso-coordinate", lasso_coordinate_update)
