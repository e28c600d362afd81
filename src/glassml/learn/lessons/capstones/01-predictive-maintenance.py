# %% [markdown]
# # Capstone: predictive maintenance
#
# The maintenance case study predicts the **remaining useful life** (RUL) of turbofan engines
# from sensor histories (NASA's C-MAPSS data, `glassml casestudy maintenance`). Its models draw
# on regression, time series and survival analysis (the Weibull wear-out model); this capstone
# is about how the predictions are judged.
#
# Errors are not symmetric. Predicting failure too early wastes some life of a part; predicting
# it too late risks a failure in service. The PHM08 challenge (Saxena et al., 2008) scores a
# prediction with error $d = \widehat{\mathrm{RUL}} - \mathrm{RUL}$ by
#
# $$s(d) = \begin{cases} e^{-d/13} - 1, & d < 0 \text{ (early)},\\ e^{d/10} - 1, & d \ge 0
# \text{ (late)},\end{cases}$$
#
# summed over the engines: lower is better, and a late prediction costs more than an early
# one of the same size. A model tuned for squared error is therefore often shifted to predict
# a little early.

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check

# %% [markdown]
# ## Worked example: the asymmetric penalty
#
# The score of one engine against its error, with the squared error (scaled to meet it at
# $d = \pm 20$) for comparison.

# %%
d = np.linspace(-40, 40, 400)
score = np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(d, score, label="PHM08 score")
ax.plot(d, d**2 * (np.exp(2) - 1) / 400, "--", label="squared error (scaled)")
ax.axvline(0, color="k", lw=0.5)
ax.set_xlabel("d = predicted RUL - true RUL (cycles)")
ax.set_ylabel("penalty")
ax.set_ylim(0, 40)
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: the NASA score of a set of predictions


# %% exercise="capstones/nasa-score"
def nasa_score(rul_true, rul_pred):
    """Sum over engines of exp(-d/13) - 1 (d < 0) or exp(d/10) - 1 (d >= 0)."""
    raise NotImplementedError  # your code here


check("capstones/nasa-score", nasa_score)
