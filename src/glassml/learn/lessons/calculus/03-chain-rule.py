# %% [markdown]
# # The chain rule and reverse-mode differentiation
#
# A model is a composition of simple functions. For $y = g(u)$, $u = h(x)$ the **chain rule**
# multiplies their derivatives: $\frac{dy}{dx} = \frac{dy}{du}\frac{du}{dx}$; with vectors the
# factors are Jacobians, $J_{g\circ h}(x) = J_g(h(x))\, J_h(x)$.
#
# For a scalar loss $L$ at the end of a long chain, **reverse mode** evaluates the product from
# the loss backwards: given the *upstream gradient* $\bar y = \partial L/\partial y$ of an
# operation $y = F(x)$, it returns $\bar x = J_F(x)^\top \bar y$, a **vector-Jacobian
# product**, without ever forming $J_F$. One backward pass costs about as much as the forward
# pass and gives the gradient with respect to every input: that is backpropagation, and it is
# how `glassml.autodiff` works (each primitive's VJP sits next to its forward code).
#
# Two functions appear in nearly every classifier. **Softmax** turns scores into probabilities,
# $s_i = e^{z_i}/\sum_j e^{z_j}$, and **log-sum-exp** $\log\sum_j e^{z_j}$ is its log-normaliser.
# Both overflow for large $z$ unless one uses the identity $\operatorname{softmax}(z) =
# \operatorname{softmax}(z - c)$, with $c = \max_j z_j$.
#
# For a dense layer $y = \tanh(xW + b)$: $\bar u = \bar y \odot (1 - y^2)$, then
# $\bar x = \bar u W^\top$, $\bar W = x^\top \bar u$, $\bar b = \sum_{\text{rows}} \bar u$.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml import autodiff as ad
from glassml.learn import check

# %% [markdown]
# ## Worked example: the cost of forward vs reverse mode
#
# glassml's `grad` of $L(w) = \sum \tanh(Xw)$ needs one backward pass whatever the number of
# weights; finite differences need two evaluations per weight. We compare them and check the
# answers agree.

# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 50))
w = rng.normal(size=50) / 10


def loss(w):
    return ad.sum(ad.tanh(ad.matmul(X, w)))


exact = ad.grad(loss)(w)
numeric = ad.numerical_grad(loss, w)
print("max |autodiff - finite differences|:", np.abs(exact - numeric).max())
fig, ax = plt.subplots(figsize=(5, 3.2))
sizes = np.array([10, 100, 1000, 10000])
ax.loglog(sizes, 2 * sizes, marker="o", label="finite differences: 2n evaluations")
ax.loglog(sizes, np.full(len(sizes), 2.0), marker="o", label="reverse mode: ~2 passes")
ax.set_xlabel("number of parameters n")
ax.set_ylabel("function evaluations")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: softmax


# %% exercise="calculus/softmax"
def softmax(z):
    """Row-wise softmax (along the last axis), stable for large logits."""
    raise NotImplementedError  # your code here


check("calculus/softmax", softmax)

# %% [markdown]
# ## Exercise 2: log-sum-exp
#
# One value per row: the result has shape `z.shape[:-1]`.


# %% exercise="calculus/logsumexp"
def logsumexp(z):
    """log sum_j exp(z_j) along the last axis."""
    raise NotImplementedError  # your code here


check("calculus/logsumexp", logsumexp)

# %% [markdown]
# ## Exercise 3: reverse mode through a layer
#
# `dense_tanh_vjp(x, W, b, g)` with `x` of shape (n, d), `W` (d, k), `b` (k,), and the upstream
# gradient `g` = dL/dy of shape (n, k); return `(dx, dW, db)`.


# %% exercise="calculus/reverse-mode"
def dense_tanh_vjp(x, W, b, g):
    """Vector-Jacobian products of y = tanh(x W + b)."""
    raise NotImplementedError  # your code here


check("calculus/reverse-mode", dense_tanh_vjp)
