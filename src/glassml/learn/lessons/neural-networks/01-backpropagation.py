# %% [markdown]
# # Neural networks and backpropagation
#
# A two-layer network computes $Z_1 = XW_1 + b_1$, $H = \operatorname{relu}(Z_1)$, $Z_2 = HW_2 +
# b_2$ and class probabilities $P = \operatorname{softmax}(Z_2)$, trained by minimising the mean
# cross-entropy $L = -\frac1n\sum_i \log P_{i, y_i}$. **Backpropagation** is reverse-mode
# differentiation applied layer by layer, from the loss back:
#
# $$\bar Z_2 = \tfrac1n(P - Y),\quad \bar W_2 = H^\top \bar Z_2,\quad \bar b_2 = \textstyle\sum_i
# \bar Z_2,\quad \bar H = \bar Z_2 W_2^\top,\quad \bar Z_1 = \bar H \odot [Z_1 > 0],\quad \bar W_1
# = X^\top\bar Z_1,$$
#
# with $Y$ the one-hot labels. Softmax and cross-entropy together have the famously simple
# gradient $P - Y$. Each layer needs only its input and the upstream gradient, so the cost is
# about twice the forward pass.
#
# **Batch normalisation** (Ioffe & Szegedy, 2015) standardises each feature over the batch,
# $\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$ with the batch's own (biased) variance,
# then rescales, $y = \gamma\hat x + \beta$: it keeps activations in a range where gradients
# flow.

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from glassml.learn import check
from glassml.nn import MLPClassifier

# %% [markdown]
# ## Worked example: a small network reads digits
#
# glassml's `MLPClassifier` (trained by its own backpropagation) on the 8 x 8 digits; its
# training loss falls and its test accuracy is high.

# %%
digits = load_digits()
X, y = digits.data / 16.0, digits.target
model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=40, random_state=0)
with warnings.catch_warnings():  # 40 epochs are enough for the picture; more would still help
    warnings.simplefilter("ignore")
    model.fit(X[:1400], y[:1400])
print(f"test accuracy: {model.score(X[1400:], y[1400:]):.3f}")
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(model.history_["loss"], marker=".")
ax.set_xlabel("epoch")
ax.set_ylabel("training cross-entropy")
plt.show()

# %% [markdown]
# ## Exercise 1: backpropagation
#
# `y` holds integer labels; return `(dW1, db1, dW2, db2)`.


# %% exercise="neural-networks/backpropagation"
def mlp_gradients(X, y, W1, b1, W2, b2):
    """Gradients of the mean cross-entropy of a relu network with one hidden layer."""
    raise NotImplementedError  # your code here


check("neural-networks/backpropagation", mlp_gradients)

# %% [markdown]
# ## Exercise 2: batch normalisation, forward


# %% exercise="neural-networks/batchnorm-forward"
def batchnorm_forward(x, gamma, beta, eps):
    """gamma (x - mean) / sqrt(var + eps) + beta, statistics over the batch axis."""
    raise NotImplementedError  # your code here


check("neural-networks/batchnorm-forward", batchnorm_forward)
