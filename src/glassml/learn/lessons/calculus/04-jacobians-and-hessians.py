# %% [markdown]
# # Jacobians and Hessians
#
# For a vector function $F: \mathbb{R}^n \to \mathbb{R}^m$ the **Jacobian** $J_{ij} = \partial
# F_i/\partial x_j$ is the matrix of the best linear approximation, $F(x + s) \approx F(x) +
# J s$. Softmax's Jacobian is
#
# $$\frac{\partial s_i}{\partial z_j} = s_i(\delta_{ij} - s_j), \qquad
# J = \operatorname{diag}(s) - s s^\top,$$
#
# whose rows sum to zero because $\sum_i s_i = 1$ whatever $z$ is.
#
# The **Hessian** $H_{jk} = \partial^2 f/\partial x_j \partial x_k$ of a scalar function is the
# Jacobian of its gradient; it is symmetric, and at a minimum it is positive semi-definite. For
# the mean logistic loss with $p = \sigma(Xw)$,
#
# $$\nabla L = \tfrac1n X^\top (p - y), \qquad
# H = \tfrac1n X^\top \operatorname{diag}\big(p(1-p)\big)\, X,$$
#
# which does not depend on the labels and is positive semi-definite: the loss is convex.
# Newton's method uses $H$; `glassml.autodiff.hvp` multiplies by it without forming it.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer

from glassml import autodiff as ad
from glassml.learn import check

# %% [markdown]
# ## Worked example: curvature of the logistic loss on the breast-cancer data
#
# The eigenvalues of the Hessian at $w = 0$ (two standardised features) give the curvature
# along each axis; we draw the loss surface and its principal directions of curvature.

# %%
data = load_breast_cancer()
X = data.data[:, [0, 1]]
X = (X - X.mean(0)) / X.std(0)
y = data.target.astype(float)


def loss(w):
    return ad.binary_cross_entropy_with_logits(ad.matmul(X, w), y)


H = np.column_stack([ad.hvp(loss, np.zeros(2), e) for e in np.eye(2)])
values, vectors = np.linalg.eigh(H)
print("Hessian at 0:\n", np.round(H, 4), "\ncurvatures:", np.round(values, 4))
grid = np.linspace(-4, 4, 50)
surface = [[float(loss(np.array([a, b])).data) for a in grid] for b in grid]
fig, ax = plt.subplots(figsize=(4.6, 4))
ax.contour(grid, grid, surface, levels=25)
for vector in vectors.T:
    ax.arrow(0, 0, *(2.5 * vector), head_width=0.15, color="C3")
ax.set_xlabel("w (mean radius)")
ax.set_ylabel("w (mean texture)")
ax.set_title("Logistic loss and its Hessian's eigenvectors")
plt.show()

# %% [markdown]
# ## Exercise 1: the Jacobian of softmax
#
# `softmax_jacobian(z)` for a vector `z` of length n returns the n x n matrix $J$.


# %% exercise="calculus/softmax-jacobian"
def softmax_jacobian(z):
    """J_ij = s_i (delta_ij - s_j)."""
    raise NotImplementedError  # your code here


check("calculus/softmax-jacobian", softmax_jacobian)

# %% [markdown]
# ## Exercise 2: the Hessian of the logistic loss


# %% exercise="calculus/logistic-hessian"
def logistic_hessian(X, w):
    """X^T diag(p (1 - p)) X / n with p = sigmoid(X w)."""
    raise NotImplementedError  # your code here


check("calculus/logistic-hessian", logistic_hessian)
