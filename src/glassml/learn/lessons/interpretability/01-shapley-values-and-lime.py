# %% [markdown]
# # Shapley values and LIME
#
# To explain one prediction $f(x)$, treat the features as players of a cooperative game whose
# value $v(S)$ is the model's expected output when only the features in $S$ are known. The
# **Shapley value** of feature $i$ averages its marginal contribution over all orders in
# which the features could join:
#
# $$\phi_i = \sum_{S \subseteq N \setminus \{i\}} \frac{|S|!\,(M - |S| - 1)!}{M!}
# \big(v(S \cup \{i\}) - v(S)\big).$$
#
# It is the only attribution with **efficiency** ($\sum_i \phi_i = v(N) - v(\varnothing)$),
# symmetry, dummy and additivity. With $M$ features there are $2^M$ coalitions: exact for small
# $M$, estimated beyond. **Kernel SHAP** fits a weighted linear model $g(z) = \phi_0 + \sum_i
# \phi_i z_i$ to sampled coalitions $z \in \{0, 1\}^M$; with the **Shapley kernel**
#
# $$\pi(S) = \frac{M - 1}{\binom{M}{|S|}\,|S|\,(M - |S|)}$$
#
# its solution is exactly the Shapley values (Lundberg and Lee, 2017). **LIME** fits a similar
# local surrogate to perturbed samples $z_k$ weighted by proximity to $x$,
# $w_k = \sqrt{\exp(-d(z_k, x)^2 / \text{width}^2)}$: the closer, the more it counts.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from glassml.explain import ExactExplainer
from glassml.learn import check
from glassml.linear import Ridge

# %% [markdown]
# ## Worked example: exact Shapley values for one patient
#
# A ridge regression predicts disease progression from ten measurements; glassml's
# `ExactExplainer` enumerates all $2^{10}$ coalitions against 20 background patients. The
# attributions add up to the prediction minus the average prediction (efficiency).

# %%
data = load_diabetes()
model = Ridge(alpha=1.0).fit(data.data, data.target)
explainer = ExactExplainer(model.predict, data.data[:20])
explanation = explainer(data.data[100:101])
phi = explanation.values[0]
gap = model.predict(data.data[100:101])[0] - explanation.base_values[0]
print(f"sum of phi = {phi.sum():.2f}; f(x) - E f(background) = {gap:.2f}")
order = np.argsort(np.abs(phi))
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.barh(np.array(data.feature_names)[order], phi[order], color=np.where(phi[order] > 0, "C3", "C0"))
ax.set_xlabel("Shapley value (disease progression units)")
ax.set_title("Why patient 100's prediction differs from the average")
plt.show()

# %% [markdown]
# ## Exercise 1: Shapley values of a small game
#
# `values[c]` is $v$ of the coalition whose members are the bits of `c` (bit $i$ set: player
# $i$ is in), so `values[0]` is $v(\varnothing)$ and `values[-1]` is $v(N)$. Return
# $(\phi_0, \dots, \phi_{M-1})$.


# %% exercise="interpretability/shapley-values"
def shapley_values(values):
    """phi_i = sum over S without i of |S|! (M - |S| - 1)! / M! (v(S + i) - v(S))."""
    raise NotImplementedError  # your code here


check("interpretability/shapley-values", shapley_values)

# %% [markdown]
# ## Exercise 2: the Shapley kernel
#
# The weight of one coalition of `size` features out of `n_features` (`np.inf` for the empty
# and the full coalition, which kernel SHAP enforces as constraints).


# %% exercise="interpretability/kernel-shap-weight"
def kernel_shap_weight(n_features, size):
    """(M - 1) / (C(M, |S|) |S| (M - |S|))."""
    raise NotImplementedError  # your code here


check("interpretability/kernel-shap-weight", kernel_shap_weight)

# %% [markdown]
# ## Exercise 3: LIME's locality weights
#
# The weight of each perturbed sample (row of `Z`) around the explained point `x`.


# %% exercise="interpretability/lime-weights"
def lime_weights(Z, x, width):
    """sqrt(exp(-|z_k - x|^2 / width^2)) for each row z_k."""
    raise NotImplementedError  # your code here


check("interpretability/lime-weights", lime_weights)
