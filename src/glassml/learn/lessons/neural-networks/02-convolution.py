# %% [markdown]
# # Convolution and pooling
#
# Images have structure a dense layer ignores: nearby pixels belong together, and a pattern
# means the same wherever it appears. A **convolution layer** slides small filters over the
# image and shares their weights across positions. With input $x$ of shape $(N, C, H, W)$ and
# filters $w$ of shape $(F, C, k_h, k_w)$ ("valid" padding, stride 1):
#
# $$\text{out}[n, f, i, j] = \sum_{c}\sum_{a<k_h}\sum_{b<k_w} x[n, c, i+a, j+b]\; w[f, c, a, b],$$
#
# giving shape $(N, F, H - k_h + 1, W - k_w + 1)$. (Deep learning's "convolution" is this
# cross-correlation; a true convolution flips the kernel.) Each output sums over every input
# channel. **Max pooling** keeps the largest value in each $k\times k$ window (stride $k$),
# making the features slightly translation-invariant and shrinking the map. glassml computes
# convolutions by im2col, turning the sum into one matrix product.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from glassml.autodiff import conv2d
from glassml.autodiff import max_pool2d as glassml_max_pool2d
from glassml.learn import check

# %% [markdown]
# ## Worked example: edge detectors on a digit
#
# Two hand-made 3 x 3 filters (vertical and horizontal edges) applied with glassml's `conv2d`,
# then max pooling.

# %%
image = load_digits().images[0][None, None] / 16.0  # shape (1, 1, 8, 8)
filters = np.array(
    [[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]], [[[1, 2, 1], [0, 0, 0], [-1, -2, -1]]]], dtype=float
)
edges = conv2d(image, filters).data
pooled = glassml_max_pool2d(np.abs(edges), 2).data
fig, axes = plt.subplots(1, 5, figsize=(10, 2.3))
panels = [image[0, 0], edges[0, 0], edges[0, 1], pooled[0, 0], pooled[0, 1]]
titles = ["digit", "vertical edges", "horizontal edges", "pooled |vertical|", "pooled |horizontal|"]
for ax, panel, title in zip(axes, panels, titles, strict=True):
    ax.imshow(panel, cmap="gray_r")
    ax.set_title(title, fontsize=8)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Exercise 1: convolution, forward


# %% exercise="neural-networks/conv2d-forward"
def conv2d_forward(x, w):
    """Valid cross-correlation of x (N, C, H, W) with filters w (F, C, kh, kw)."""
    raise NotImplementedError  # your code here


check("neural-networks/conv2d-forward", conv2d_forward)

# %% [markdown]
# ## Exercise 2: max pooling
#
# `H` and `W` are multiples of `k`.


# %% exercise="neural-networks/max-pool"
def max_pool2d(x, k):
    """Maximum over non-overlapping k x k windows."""
    raise NotImplementedError  # your code here


check("neural-networks/max-pool", max_pool2d)
