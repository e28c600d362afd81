# %% [markdown]
# # Fairness and privacy
#
# **Group fairness** compares a classifier's behaviour across groups defined by a sensitive
# attribute $A$. **Demographic parity** asks for equal selection rates,
# $P(\hat y = 1 \mid A = a)$ the same for every group; its violation is measured by
#
# $$\mathrm{DPD} = \max_a P(\hat y = 1 \mid A = a) - \min_a P(\hat y = 1 \mid A = a).$$
#
# **Equalised odds** conditions on the true label $Y$ as well: the true-positive rates
# $P(\hat y = 1 \mid Y = 1, A = a)$ and the false-positive rates
# $P(\hat y = 1 \mid Y = 0, A = a)$ must each be equal across groups. Its violation is the
# larger of the two gaps,
#
# $$\mathrm{EOD} = \max\big(\max_a \mathrm{TPR}_a - \min_a \mathrm{TPR}_a,\;
# \max_a \mathrm{FPR}_a - \min_a \mathrm{FPR}_a\big).$$
#
# When the groups' base rates $P(Y = 1 \mid A = a)$ differ, a classifier better than chance
# cannot satisfy both criteria at once.
#
# **Differential privacy** bounds what any one person's data can change in a published
# result. A mechanism $M$ is $\varepsilon$-DP if for neighbouring datasets $D, D'$ (one record
# changed) and every outcome set $O$, $P(M(D) \in O) \le e^{\varepsilon} P(M(D') \in O)$. For a
# query $q$ of **sensitivity** $\Delta = \max |q(D) - q(D')|$, the **Laplace mechanism** adds
# noise of scale
#
# $$b = \Delta / \varepsilon,$$
#
# since moving the answer by $\Delta$ changes the Laplace log-density by at most $\Delta / b$.
# The **Gaussian mechanism** gives $(\varepsilon, \delta)$-DP with L2 sensitivity $\Delta_2$ and
#
# $$\sigma = \frac{\Delta_2 \sqrt{2 \ln(1.25 / \delta)}}{\varepsilon} \qquad (\varepsilon < 1;
# \text{ Dwork and Roth, Theorem A.1}).$$

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine

from glassml.learn import check

# %% [markdown]
# ## Worked example: the price of privacy for a mean
#
# The mean alcohol content of the 178 wines, released with the Laplace mechanism. Values are
# clipped to [11, 15] % so that one wine changes the mean by at most $\Delta = 4 / 178$. The
# error falls as $1 / \varepsilon$: stronger privacy (smaller $\varepsilon$) costs accuracy.

# %%
alcohol = np.clip(load_wine().data[:, 0], 11, 15)
sensitivity = 4 / len(alcohol)
rng = np.random.default_rng(0)
epsilons = np.logspace(-2, 1, 20)
errors = [np.mean(np.abs(rng.laplace(0, sensitivity / eps, size=2000))) for eps in epsilons]
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.loglog(epsilons, errors, marker="o", label="mean absolute error (2,000 releases)")
ax.loglog(epsilons, sensitivity / epsilons, "k--", label="b = Δ / ε")
ax.set_xlabel("privacy budget ε")
ax.set_ylabel("error of the released mean (%)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Exercise 1: the demographic parity difference
#
# `y_pred` holds 0/1 predictions, `group` each person's group label.


# %% exercise="fairness-privacy/demographic-parity-difference"
def demographic_parity_difference(y_pred, group):
    """max over groups - min over groups of the selection rate."""
    raise NotImplementedError  # your code here


check("fairness-privacy/demographic-parity-difference", demographic_parity_difference)

# %% [markdown]
# ## Exercise 2: the equalised odds difference
#
# `y_true` holds the true 0/1 labels; every group has at least one of each.


# %% exercise="fairness-privacy/equalized-odds-difference"
def equalized_odds_difference(y_true, y_pred, group):
    """The larger of the TPR gap and the FPR gap between groups."""
    raise NotImplementedError  # your code here


check("fairness-privacy/equalized-odds-difference", equalized_odds_difference)

# %% [markdown]
# ## Exercise 3: the Laplace mechanism's scale


# %% exercise="fairness-privacy/laplace-scale"
def laplace_scale(sensitivity, epsilon):
    """The scale b of Laplace noise giving epsilon-DP."""
    raise NotImplementedError  # your code here


check("fairness-privacy/laplace-scale", laplace_scale)

# %% [markdown]
# ## Exercise 4: the Gaussian mechanism's standard deviation


# %% exercise="fairness-privacy/gaussian-sigma"
def gaussian_sigma(sensitivity, epsilon, delta):
    """sigma giving (epsilon, delta)-DP."""
    raise NotImplementedError  # your code here


check("fairness-privacy/gaussian-sigma", gaussian_sigma)
