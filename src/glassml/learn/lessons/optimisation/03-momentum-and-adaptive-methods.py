# %% [markdown]
# # Momentum and adaptive step sizes: Adagrad, RMSprop, Adam
#
# Plain gradient descent zig-zags across narrow valleys. **Momentum** (Polyak's heavy ball)
# accumulates a velocity,
#
# $$v \leftarrow \beta v - \alpha g, \qquad x \leftarrow x + v,$$
#
# so consistent directions build up speed and oscillating ones cancel. **Adaptive methods**
# give each coordinate its own step from the history of its gradients:
#
# - **Adagrad**: $G \leftarrow G + g^2$, $x \leftarrow x - \alpha\, g/(\sqrt G + \epsilon)$: rare
#   features keep large steps; steps only shrink.
# - **RMSprop**: a moving average instead of a sum, $v \leftarrow \rho v + (1-\rho) g^2$,
#   $x \leftarrow x - \alpha\, g/(\sqrt v + \epsilon)$.
# - **Adam** (Kingma & Ba, 2015) combines a moving average of $g$ (momentum) and of $g^2$:
#
# $$m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
# \hat m = \frac{m}{1-\beta_1^t},\ \hat v = \frac{v}{1-\beta_2^t},\quad x \leftarrow x -
# \alpha\frac{\hat m}{\sqrt{\hat v} + \epsilon}.$$
#
# Because $m$ and $v$ start at zero they are biased towards zero in the first steps; dividing
# by $1 - \beta^t$ (with $t = 1$ at the first step) removes the bias.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check
from glassml.optim import Adagrad, Adam, GradientDescent, Momentum, RMSprop, minimize

# %% [markdown]
# ## Worked example: the Rosenbrock valley
#
# $f(x, y) = (1-x)^2 + 100(y - x^2)^2$ has a curved, narrow valley. Each glassml optimiser
# starts at $(-1.2, 1)$ for 2,000 steps.

# %%


def rosenbrock(z):
    x, y = z
    value = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    gradient = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    return value, gradient


fig, ax = plt.subplots(figsize=(5, 3.6))
for name, optimizer in [
    ("gradient descent", GradientDescent(lr=1e-3)),
    ("momentum", Momentum(lr=1e-3, momentum=0.9)),
    ("Adagrad", Adagrad(lr=0.5)),
    ("RMSprop", RMSprop(lr=1e-2)),
    ("Adam", Adam(lr=0.05)),
]:
    result = minimize(
        rosenbrock, np.array([-1.2, 1.0]), method=optimizer, jac=True, max_iter=2000, tol=0.0
    )
    ax.semilogy(result.history["loss"] + 1e-12, label=name)
ax.set_xlabel("iteration")
ax.set_ylabel("f")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Exercise 1: a momentum step
#
# Return `(x, velocity)` after one step, in the convention above.


# %% exercise="optimisation/momentum-step"
def momentum_step(x, velocity, grad, lr, beta):
    """v <- beta v - lr g; x <- x + v."""
    raise NotImplementedError  # your code here


check("optimisation/momentum-step", momentum_step)

# %% [markdown]
# ## Exercise 2: an Adagrad step
#
# Return `(x, G)` after one step.


# %% exercise="optimisation/adagrad-step"
def adagrad_step(x, G, grad, lr, eps):
    """G <- G + g^2; x <- x - lr g / (sqrt(G) + eps)."""
    raise NotImplementedError  # your code here


check("optimisation/adagrad-step", adagrad_step)

# %% [markdown]
# ## Exercise 3: an RMSprop step
#
# Return `(x, v)` after one step.


# %% exercise="optimisation/rmsprop-step"
def rmsprop_step(x, v, grad, lr, rho, eps):
    """v <- rho v + (1 - rho) g^2; x <- x - lr g / (sqrt(v) + eps)."""
    raise NotImplementedError  # your code here


check("optimisation/rmsprop-step", rmsprop_step)

# %% [markdown]
# ## Exercise 4: an Adam step
#
# `t` is the number of this step (1 for the first). Return `(x, m, v)`.


# %% exercise="optimisation/adam-step"
def adam_step(x, m, v, grad, t, lr, beta1, beta2, eps):
    """One Adam update with bias-corrected moments."""
    raise NotImplementedError  # your code here


check("optimisation/adam-step", adam_step)
