# %% [markdown]
# # Support vector machines
#
# A linear classifier $f(x) = w^\top x + b$ with labels $y_i \in \{-1, +1\}$ is right with
# **margin** when $y_i f(x_i) \ge 1$. The soft-margin SVM minimises
#
# $$\tfrac12\|w\|^2 + C\sum_i \max\big(0,\ 1 - y_i(w^\top x_i + b)\big):$$
#
# a wide margin ($2/\|w\|$) traded against the **hinge loss** of points inside it. The hinge
# has a kink; its subgradient is $-y_i x_i$ for points with $y_i f(x_i) < 1$ and $0$ beyond the
# margin. Only points on or inside the margin, the **support vectors**, shape the solution.
#
# The dual problem depends on the data only through inner products $x_i^\top x_j$; replacing
# them by a **kernel** $K(x, x')$ fits a linear model in a feature space never computed. The
# Gaussian (RBF) kernel is $K(x, x') = \exp(-\gamma\|x - x'\|^2)$, and the decision function
# becomes
#
# $$f(x) = \sum_{i \in SV} \alpha_i y_i K(x, x_i) + b.$$

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris

from glassml.learn import check
from glassml.svm import SVC

# %% [markdown]
# ## Worked example: an RBF SVM on two iris species
#
# glassml's `SVC` separates versicolor from virginica by two sepal measurements; circled points
# are the support vectors, the lines the margin $f = \pm 1$.

# %%
iris = load_iris()
keep = iris.target > 0
X, y = iris.data[keep][:, :2], iris.target[keep]
model = SVC(C=1.0, gamma=0.7).fit(X, y)
g1, g2 = np.meshgrid(np.linspace(4.5, 8.2, 150), np.linspace(1.8, 4.0, 150))
F = model.decision_function(np.column_stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
fig, ax = plt.subplots(figsize=(5, 3.8))
ax.contourf(g1, g2, F, levels=20, cmap="RdBu", alpha=0.5)
ax.contour(g1, g2, F, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"])
ax.scatter(*X.T, c=y, cmap="RdBu", s=12, edgecolor="k", linewidth=0.3)
ax.scatter(*model.support_vectors_.T, s=60, facecolors="none", edgecolors="k", linewidth=0.6)
ax.set_xlabel("sepal length (cm)")
ax.set_ylabel("sepal width (cm)")
ax.set_title(f"{len(model.support_vectors_)} support vectors")
plt.show()

# %% [markdown]
# ## Exercise 1: the RBF kernel matrix


# %% exercise="svm/rbf-kernel"
def rbf_kernel(X, Y, gamma):
    """K[i, j] = exp(-gamma |x_i - y_j|^2)."""
    raise NotImplementedError  # your code here


check("svm/rbf-kernel", rbf_kernel)

# %% [markdown]
# ## Exercise 2: the primal objective and its subgradient
#
# Return `(value, grad_w, grad_b)` for labels in {-1, +1}.


# %% exercise="svm/hinge-subgradient"
def svm_objective_grad(w, b, X, y, C):
    """1/2 |w|^2 + C sum hinge, and a subgradient in w and b."""
    raise NotImplementedError  # your code here


check("svm/hinge-subgradient", svm_objective_grad)

# %% [markdown]
# ## Exercise 3: the kernel decision function
#
# `dual_coef[i]` is $\alpha_i y_i$ for support vector $i$.


# %% exercise="svm/decision-function"
def svc_decision_function(X, support_vectors, dual_coef, intercept, gamma):
    """f(x) = sum_i dual_coef_i K(x, s_i) + intercept for each row of X."""
    raise NotImplementedError  # your code here


check("svm/decision-function", svc_decision_function)
