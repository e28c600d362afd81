# %% [markdown]
# # Newton's method
#
# Gradient descent uses a linear model of $f$; **Newton's method** uses the quadratic one,
#
# $$f(x + s) \approx f(x) + \nabla f(x)^\top s + \tfrac12 s^\top H(x)\, s,$$
#
# and jumps to its minimiser: setting the model's gradient $\nabla f + Hs$ to zero gives the
# **Newton step** $s = -H^{-1}\nabla f$, computed by solving $H s = -\nabla f$ (never by
# inverting $H$). On a quadratic the model is exact and one step lands on the minimum; near a
# minimum with $H \succ 0$ convergence is **quadratic** (the number of correct digits roughly
# doubles per step). Far away, or where $H$ is not positive definite, the step can go uphill:
# practical Newton methods add a line search and modify $H$ (glassml's `Newton` uses a
# modified Cholesky factorisation).

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning

from glassml.learn import check
from glassml.linear import LogisticRegression

# %% [markdown]
# ## Worked example: Newton against gradient descent
#
# The same logistic regression with glassml's Newton and gradient-descent optimisers: Newton
# needs a handful of iterations for full precision.

# %%
data = load_breast_cancer()
X = (data.data[:, :10] - data.data[:, :10].mean(0)) / data.data[:, :10].std(0)
newton = LogisticRegression(optimizer="newton", tol=1e-12).fit(X, data.target)
with warnings.catch_warnings():  # gradient descent is meant to stop short of Newton's precision
    warnings.simplefilter("ignore", ConvergenceWarning)
    descent = LogisticRegression(optimizer="gd", max_iter=300, tol=1e-12).fit(X, data.target)
best = min(newton.history_["loss"].min(), descent.history_["loss"].min())
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.semilogy(newton.history_["loss"] - best + 1e-16, marker="o", label="Newton")
ax.semilogy(descent.history_["loss"] - best + 1e-16, label="gradient descent")
ax.set_xlabel("iteration")
ax.set_ylabel("loss − best")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: one Newton step
#
# `newton_step(x, grad, hess)`: `grad` and `hess` are functions of `x`.


# %% exercise="optimisation/newton-step"
def newton_step(x, grad, hess):
    """x - H(x)^{-1} grad(x)."""
    raise NotImplementedError  # your code here


check("optimisation/newton-step", newton_step)
