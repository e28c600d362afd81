# %% [markdown]
# # Gradient descent and line search
#
# To minimise a differentiable $f$, step against the gradient:
#
# $$x_{k+1} = x_k - \alpha\, \nabla f(x_k).$$
#
# For small enough $\alpha$ each step decreases $f$, since $f(x - \alpha g) = f(x) -
# \alpha\|g\|^2 + O(\alpha^2)$. Too large a step overshoots and diverges; too small crawls.
# On a quadratic with Hessian $A$ the iteration converges when $\alpha < 2/\lambda_{\max}(A)$.
#
# A **line search** chooses $\alpha$ at every step along a descent direction $d$ (with
# $\nabla f^\top d < 0$). **Backtracking** starts from $\alpha_0$ and shrinks $\alpha \leftarrow
# \rho\alpha$ until the **Armijo** (sufficient decrease) condition holds,
#
# $$f(x + \alpha d) \le f(x) + c_1\,\alpha\, \nabla f(x)^\top d, \qquad 0 < c_1 < 1,$$
#
# which asks for a decrease at least a fraction $c_1$ of what the linear model promises
# (Nocedal & Wright, Algorithm 3.1).

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning

from glassml.learn import check
from glassml.linear import LogisticRegression
from glassml.optim import GradientDescent

# %% [markdown]
# ## Worked example: step sizes on a logistic regression
#
# glassml's `LogisticRegression` takes its optimiser as a parameter and keeps the loss history:
# fixed steps of two sizes against an Armijo line search, on the standardised breast-cancer
# data.

# %%
data = load_breast_cancer()
X = (data.data - data.data.mean(0)) / data.data.std(0)
fig, ax = plt.subplots(figsize=(5, 3.4))
# 150 iterations is a budget chosen to compare the curves, not to converge: no warning about it.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for label, optimizer in [
        ("fixed lr = 0.05", GradientDescent(lr=0.05)),
        ("fixed lr = 1", GradientDescent(lr=1.0)),
        ("Armijo line search", GradientDescent(lr=4.0, line_search="armijo")),
    ]:
        model = LogisticRegression(optimizer=optimizer, max_iter=150, tol=1e-12)
        ax.semilogy(model.fit(X, data.target).history_["loss"] - 0.04, label=label)
ax.set_xlabel("iteration")
ax.set_ylabel("loss − 0.04")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: gradient descent
#
# `gradient_descent(grad, x0, lr, n_steps)`: `grad` is a function returning the gradient; do
# exactly `n_steps` steps from `x0` and return the final point.


# %% exercise="optimisation/gradient-descent"
def gradient_descent(grad, x0, lr, n_steps):
    """n_steps of x <- x - lr grad(x)."""
    raise NotImplementedError  # your code here


check("optimisation/gradient-descent", gradient_descent)

# %% [markdown]
# ## Exercise 2: backtracking with the Armijo condition
#
# Return the first step $\alpha = \alpha_0\rho^k$, $k = 0, 1, \dots$, that satisfies the
# condition.


# %% exercise="optimisation/armijo"
def armijo_step(f, grad, x, d, alpha0, c1, shrink):
    """Backtracking line search along the descent direction d."""
    raise NotImplementedError  # your code here


check("optimisation/armijo", armijo_step)
