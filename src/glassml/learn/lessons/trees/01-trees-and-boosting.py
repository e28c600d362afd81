# %% [markdown]
# # Trees and boosting
#
# A decision tree splits the data recursively by rules $x_j \le t$, each split chosen
# greedily to make the children purer. For classification, a node whose labels have class
# shares $p_k$ has **Gini impurity**
#
# $$G = 1 - \sum_k p_k^2,$$
#
# the chance that two labels drawn from it differ. For regression the impurity is the squared
# error around the node's mean, and the best split of a feature minimises
#
# $$\mathrm{SSE}(t) = \sum_{x_i \le t} (y_i - \bar y_L)^2 + \sum_{x_i > t} (y_i - \bar y_R)^2$$
#
# over thresholds $t$ halfway between consecutive distinct values.
#
# **Gradient boosting** adds trees one at a time, each fitted to improve the current
# predictions $F$. Second-order boosting (XGBoost) expands the loss around $F$ with gradients
# $g_i$ and Hessians $h_i$ of each sample's loss; a leaf adding $w$ to its samples changes the
# objective by $\sum_i (g_i w + \tfrac12 h_i w^2) + \tfrac12 \lambda w^2$, minimised by the
# **Newton leaf value**
#
# $$w^* = -\frac{\sum_i g_i}{\sum_i h_i + \lambda}.$$
#
# For squared error $g_i = F_i - y_i$, $h_i = 1$: the leaf moves towards the mean residual,
# shrunk by $\lambda$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml.learn import check

# %% [markdown]
# ## Worked example: the first split of a regression tree
#
# Disease progression against body-mass index (diabetes data): the children's squared error for
# every candidate threshold. The minimum is the split a regression stump makes.

# %%
data = load_diabetes()
x, y = data.data[:, 2], data.target
values = np.unique(x)
thresholds = (values[:-1] + values[1:]) / 2


def children_sse(t):
    left, right = y[x <= t], y[x > t]
    return np.sum((left - left.mean()) ** 2) + np.sum((right - right.mean()) ** 2)


sse = np.array([children_sse(t) for t in thresholds])
best = thresholds[np.argmin(sse)]
fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
a.scatter(x, y, s=6, alpha=0.6)
a.axvline(best, color="C3")
a.set_xlabel("BMI (standardised)")
a.set_ylabel("progression")
b.plot(thresholds, sse / 1e6)
b.axvline(best, color="C3", ls=":")
b.set_xlabel("threshold t")
b.set_ylabel("SSE(t) (millions)")
b.set_title(f"best split: BMI <= {best:.4f}")
plt.show()

# %% [markdown]
# ## Exercise 1: Gini impurity
#
# `y` holds integer class labels.


# %% exercise="trees/gini-impurity"
def gini_impurity(y):
    """1 - sum_k p_k^2."""
    raise NotImplementedError  # your code here


check("trees/gini-impurity", gini_impurity)

# %% [markdown]
# ## Exercise 2: the best split
#
# Return the threshold $t$ (a midpoint between consecutive distinct values of `x`) minimising
# the children's squared error, or `None` when `x` is constant.


# %% exercise="trees/best-split"
def best_split(x, y):
    """The threshold t of the best rule x <= t."""
    raise NotImplementedError  # your code here


check("trees/best-split", best_split)

# %% [markdown]
# ## Exercise 3: the Newton leaf value
#
# `g` and `h` are the gradients and Hessians of the leaf's samples, `lam` the L2 penalty.


# %% exercise="trees/newton-leaf-value"
def newton_leaf_value(g, h, lam):
    """-sum g / (sum h + lam)."""
    raise NotImplementedError  # your code here


check("trees/newton-leaf-value", newton_leaf_value)
