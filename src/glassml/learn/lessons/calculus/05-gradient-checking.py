# %% [markdown]
# # Gradient checking
#
# A hand-written gradient is the most common silent bug in machine learning: training still
# runs, only worse. The cure is to compare it with central differences at a few points. The
# comparison must be **relative** (a gradient of size $10^{-6}$ that is 100 % wrong has a tiny
# absolute error) and must not divide by zero where the gradient vanishes. glassml's
# `check_grad` uses, for analytic $a$ and numerical $n$,
#
# $$\text{error} = \max_i \frac{|a_i - n_i|}{\max(|a_i|, |n_i|, \text{floor})}, \qquad
# \text{floor} = 10^{-3}\max_j |a_j|.$$
#
# With central differences and $h \approx 10^{-5}$ a correct gradient scores about
# $10^{-9}$-$10^{-7}$; a wrong one scores $10^{-2}$ or more. Check **every** coordinate: an error
# in one weight of one layer is still an error.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml import autodiff as ad
from glassml.learn import check

# %% [markdown]
# ## Worked example: catching a missing factor
#
# We check a correct gradient of $f(w) = \sum_i \log(1 + e^{x_i^\top w})$ and one that forgot
# the sigmoid's chain-rule factor, with glassml's checker, over many random points.

# %%
rng = np.random.default_rng(1)
X = rng.normal(size=(30, 4))


def f(w):
    return ad.sum(ad.softplus(ad.matmul(X, w)))


def correct(w):
    return X.T @ (1 / (1 + np.exp(-(X @ w))))


def wrong(w):
    return X.T @ np.ones(len(X))  # forgot sigma(x^T w)


def relative_error(analytic, w):
    numeric = ad.numerical_grad(f, w)
    floor = 1e-3 * np.abs(analytic).max()
    return np.max(
        np.abs(analytic - numeric)
        / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    )


points = rng.normal(size=(40, 4))
good = [relative_error(correct(w), w) for w in points]
bad = [relative_error(wrong(w), w) for w in points]
print("glassml check_grad on the autodiff gradient:", ad.check_grad(f, points[0]))
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.hist(np.log10(good), bins=15, label="correct gradient")
ax.hist(np.log10(bad), bins=15, label="missing sigma factor")
ax.set_xlabel("log10 relative error")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: a gradient checker
#
# `gradient_check(f, grad_f, x, h)` returns the relative error above (central differences with
# step `h`).


# %% exercise="calculus/gradient-check"
def gradient_check(f, grad_f, x, h):
    """max_i |a_i - n_i| / max(|a_i|, |n_i|, 1e-3 max_j |a_j|)."""
    raise NotImplementedError  # your code here


check("calculus/gradient-check", gradient_check)
