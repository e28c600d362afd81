# %% [markdown]
# # Linear and logistic regression
#
# **Linear regression** models a number, $\hat y = x^\top w + b$, and fits by least squares (see
# the linear-algebra lessons). **Logistic regression** models a probability: $P(y = 1 \mid x) =
# \sigma(z)$ with $z = x^\top w$ and $\sigma(z) = 1/(1 + e^{-z})$. Maximum likelihood for
# Bernoulli labels $y_i \in \{0, 1\}$ means minimising the mean **logistic loss** (cross-entropy)
#
# $$L(w) = \frac1n\sum_i \Big[\log\big(1 + e^{z_i}\big) - y_i z_i\Big], \qquad z = Xw.$$
#
# Its gradient has the same shape as least squares' with the residual replaced by
# "probability minus label":
#
# $$\nabla L(w) = \frac1n X^\top\big(\sigma(Xw) - y\big).$$
#
# $L$ is convex (its Hessian is $\frac1n X^\top \operatorname{diag}(p(1-p)) X$), so any
# descent method finds the global minimum. Numerically, $\log(1 + e^{z})$ overflows for
# $z \gtrsim 710$: write it as $\max(z, 0) + \log(1 + e^{-|z|})$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer

from glassml.learn import check
from glassml.linear import LogisticRegression

# %% [markdown]
# ## Worked example: a probability of malignancy from two measurements
#
# glassml's `LogisticRegression` on two standardised features of the breast-cancer data; the
# contours are the predicted probability, the line the 50 % boundary $x^\top w + b = 0$.

# %%
data = load_breast_cancer()
X = data.data[:, [0, 27]]  # mean radius, worst concave points
X = (X - X.mean(0)) / X.std(0)
model = LogisticRegression(C=10.0).fit(X, data.target)
print("coefficients:", np.round(model.coef_, 3), "intercept:", np.round(model.intercept_, 3))
g = np.linspace(-3, 4, 120)
G1, G2 = np.meshgrid(g, g)
P = model.predict_proba(np.column_stack([G1.ravel(), G2.ravel()]))[:, 1].reshape(G1.shape)
fig, ax = plt.subplots(figsize=(5, 4))
contours = ax.contourf(G1, G2, P, levels=10, cmap="RdBu", alpha=0.6)
ax.contour(G1, G2, P, levels=[0.5], colors="k")
ax.scatter(*X.T, c=data.target, cmap="RdBu", s=8, edgecolor="k", linewidth=0.2)
fig.colorbar(contours, label="P(benign)")
ax.set_xlabel("mean radius (standardised)")
ax.set_ylabel("worst concave points (standardised)")
plt.show()

# %% [markdown]
# ## Exercise: the logistic loss and its gradient
#
# `logistic_loss_grad(w, X, y)` returns `(loss, grad)` for labels `y` in {0, 1} (no intercept:
# it would be a column of ones in `X`). Keep it finite for large margins.


# %% exercise="regression/logistic-loss"
def logistic_loss_grad(w, X, y):
    """Mean logistic loss at w and its gradient X^T (sigma(X w) - y) / n."""
    raise NotImplementedError  # your code here


check("regression/logistic-loss", logistic_loss_grad)
