# %% [markdown]
# # Derivatives and finite differences
#
# The derivative $f'(x) = \lim_{h\to 0} \frac{f(x+h) - f(x)}{h}$ is the slope of the best
# linear approximation $f(x+h) \approx f(x) + f'(x)\,h$. With a small but finite $h$, Taylor's
# theorem tells how good the difference quotients are:
#
# $$\frac{f(x+h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + O(h^2), \qquad
# \frac{f(x+h) - f(x-h)}{2h} = f'(x) + \tfrac{h^2}{6} f'''(x) + O(h^4).$$
#
# The **central difference** is one order more accurate: the even terms cancel, and it is
# exact for quadratics. Smaller $h$ is not always better: in floating point each evaluation
# carries a relative error near $\epsilon \approx 10^{-16}$, which the division amplifies to
# $\epsilon |f| / h$; balancing it against $h^2 |f'''|$ gives $h \approx \epsilon^{1/3} \approx
# 6\times 10^{-6}$.
#
# The logistic **sigmoid** $\sigma(z) = 1/(1+e^{-z})$ turns a score into a probability. Its
# derivative has a famous closed form, $\sigma'(z) = \sigma(z)(1 - \sigma(z))$, which is also
# the numerically safe way to compute it.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.autodiff import numerical_grad, tanh
from glassml.learn import check

# %% [markdown]
# ## Worked example: the error of a difference quotient against h
#
# For $f = \sin$ at $x = 1$ the forward difference's error falls like $h$, the central one's
# like $h^2$, until rounding takes over for tiny $h$ (glassml's `numerical_grad` picks $h$
# near the optimum for you; it differentiates functions written with `glassml.autodiff`
# operations such as `tanh`).

# %%
x, exact = 1.0, np.cos(1.0)
hs = np.logspace(-14, -1, 60)
forward = np.abs((np.sin(x + hs) - np.sin(x)) / hs - exact)
central = np.abs((np.sin(x + hs) - np.sin(x - hs)) / (2 * hs) - exact)
tanh_slope = numerical_grad(tanh, np.array(x))  # glassml picks h near eps^(1/3) itself
print("glassml numerical_grad error for tanh:", abs(tanh_slope - (1 - np.tanh(x) ** 2)))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(hs, forward, label="forward difference")
ax.loglog(hs, central, label="central difference")
ax.set_xlabel("step h")
ax.set_ylabel("|error| of d/dx sin at 1")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: the central difference
#
# `central_difference(f, x, h)` for a function of one number.


# %% exercise="calculus/central-difference"
def central_difference(f, x, h):
    """(f(x + h) - f(x - h)) / 2h."""
    raise NotImplementedError  # your code here


check("calculus/central-difference", central_difference)

# %% [markdown]
# ## Exercise 2: the derivative of the sigmoid
#
# `sigmoid_grad(z)` for an array `z`, elementwise, finite even for $|z| = 800$.


# %% exercise="calculus/sigmoid-grad"
def sigmoid_grad(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), without overflow."""
    raise NotImplementedError  # your code here


check("calculus/sigmoid-grad", sigmoid_grad)
