# %% [markdown]
# # Partial derivatives and gradients
#
# For $f: \mathbb{R}^n \to \mathbb{R}$, the **partial derivative** $\partial f/\partial x_i$ moves
# only $x_i$. Stacked, they form the **gradient** $\nabla f(x)$, the direction of steepest
# ascent: the first-order model is $f(x + s) \approx f(x) + \nabla f(x)^\top s$, and among unit
# steps $s$ the increase $\nabla f^\top s$ is largest for $s = \nabla f/\|\nabla f\|$.
# Level sets $\{f = c\}$ are orthogonal to the gradient.
#
# A quadratic $f(x) = \tfrac12 x^\top A x + b^\top x$ with symmetric $A$ has $\nabla f = Ax + b$;
# least squares, ridge regression and the local model behind Newton's method are all of this
# form. Numerically, the gradient is $n$ central differences, one per coordinate axis $e_i$:
#
# $$\frac{\partial f}{\partial x_i}(x) \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}.$$

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml.autodiff import grad
from glassml.autodiff import sum as ad_sum
from glassml.learn import check

# %% [markdown]
# ## Worked example: the gradient field of a least-squares loss
#
# The mean squared error of a line fitted to the diabetes data (BMI feature), as a function of
# its slope and intercept: glassml's autodiff computes the gradient, and the arrows point
# uphill, across the level sets.

# %%
data = load_diabetes()
x, y = data.data[:, 2] * 10, (data.target - data.target.mean()) / data.target.std()


def loss(theta):
    return ad_sum((theta[0] * x + theta[1] - y) ** 2) / len(y)


slopes, intercepts = np.meshgrid(np.linspace(-1, 2, 40), np.linspace(-1.5, 1.5, 40))
values = np.array(
    [
        [float(loss(np.array([a, b])).data) for a, b in zip(r1, r2, strict=True)]
        for r1, r2 in zip(slopes, intercepts, strict=True)
    ]
)
fig, ax = plt.subplots(figsize=(5, 4))
ax.contour(slopes, intercepts, values, levels=20)
for a in np.linspace(-0.8, 1.8, 6):
    for b in np.linspace(-1.2, 1.2, 5):
        g = grad(loss)(np.array([a, b]))
        ax.arrow(a, b, 0.08 * g[0], 0.08 * g[1], head_width=0.04, color="C3")
ax.set_xlabel("slope")
ax.set_ylabel("intercept")
ax.set_title("MSE level sets and its gradient")
plt.show()

# %% [markdown]
# ## Exercise: the numerical gradient
#
# `numerical_gradient(f, x, h)` returns an array of `x`'s shape with the central difference
# along each coordinate.


# %% exercise="calculus/numerical-gradient"
def numerical_gradient(f, x, h):
    """Central differences along each coordinate axis."""
    raise NotImplementedError  # your code here


check("calculus/numerical-gradient", numerical_gradient)
