# %% [markdown]
# # Regression analysis
#
# Least squares gives coefficients; regression analysis says how far to trust them. Assume
# $y = Xw + \varepsilon$ with independent errors of variance $\sigma^2$. Then
# $\hat w = (X^\top X)^{-1}X^\top y$ is unbiased with covariance
#
# $$\operatorname{Cov}(\hat w) = \sigma^2 (X^\top X)^{-1}.$$
#
# $\sigma^2$ is estimated from the residual sum of squares with $n - p$ degrees of freedom
# ($p$ coefficients were fitted): $\hat\sigma^2 = \mathrm{RSS}/(n-p)$. The **standard errors**
# are $\operatorname{se}(\hat w_j) = \sqrt{\hat\sigma^2 [(X^\top X)^{-1}]_{jj}}$, the $t$ values
# $\hat w_j/\operatorname{se}_j$ follow $t_{n-p}$ under $w_j = 0$, and $R^2 = 1 -
# \mathrm{RSS}/\mathrm{TSS}$ is the share of variance explained. Correlated features inflate
# $(X^\top X)^{-1}$ and hence the standard errors (multicollinearity).

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes

from glassml.learn import check
from glassml.linear import LinearRegression

# %% [markdown]
# ## Worked example: which measurements predict diabetes progression?
#
# glassml's `summary()` gives the statsmodels-style table; we plot each coefficient with its
# 95 % interval.

# %%
data = load_diabetes()
model = LinearRegression().fit(data.data, data.target)
summary = model.summary()
print(summary)
names = ["intercept", *data.feature_names]
fig, ax = plt.subplots(figsize=(5, 3.6))
ax.errorbar(summary.params[1:], range(10), xerr=1.96 * summary.bse[1:], fmt="o")
ax.axvline(0, color="k", linewidth=0.8)
ax.set_yticks(range(10), names[1:])
ax.set_xlabel("coefficient ± 1.96 se")
plt.show()

# %% [markdown]
# ## Exercise: standard errors
#
# `ols_standard_errors(X, y)` for a design matrix `X` (include its intercept column yourself,
# as given) returns one standard error per column.


# %% exercise="probability/ols-standard-errors"
def ols_standard_errors(X, y):
    """sqrt(diag(sigma^2 (X^T X)^{-1})) with sigma^2 = RSS / (n - p)."""
    raise NotImplementedError  # your code here


check("probability/ols-standard-errors", ols_standard_errors)
