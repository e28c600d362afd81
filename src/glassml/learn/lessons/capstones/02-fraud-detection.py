# %% [markdown]
# # Capstone: fraud detection
#
# The fraud case study (`glassml casestudy fraud`) scores card transactions, of which about
# 0.17 % are fraudulent, with anomaly detectors and classifiers. A score is not a decision: an
# alarm is raised when the score passes a threshold $t$, and the right threshold depends on
# what mistakes cost. With $c_{FP}$ the cost of investigating a legitimate transaction and
# $c_{FN}$ the loss from a missed fraud, the expected cost of threshold $t$ on a labelled
# validation set is
#
# $$C(t) = c_{FP}\,\mathrm{FP}(t) + c_{FN}\,\mathrm{FN}(t),$$
#
# and the cost-optimal threshold minimises it. Between two consecutive observed scores the
# decisions do not change, so only the observed scores (and "never alarm", $t = \infty$)
# need to be tried. With calibrated probabilities the answer is known in closed form,
# $t^* = c_{FP} / (c_{FP} + c_{FN})$; with raw scores it must be searched.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from glassml.learn import check
from glassml.linear import LogisticRegression
from glassml.model_selection import cost_optimal_threshold as glassml_threshold

# %% [markdown]
# ## Worked example: the cost curve of an imbalanced classifier
#
# A synthetic problem with 3 % positives; a missed fraud costs 20 times an investigation.
# The cost-optimal threshold sits far below 0.5.

# %%
X, y = make_classification(
    n_samples=4000, n_features=8, weights=[0.97], class_sep=0.8, random_state=0
)
X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0, stratify=y)
scores = LogisticRegression().fit(X_train, y_train).predict_proba(X_val)[:, 1]
thresholds = np.linspace(0.01, 0.99, 99)
cost = [
    np.sum((scores >= t) & (y_val == 0)) + 20 * np.sum((scores < t) & (y_val == 1))
    for t in thresholds
]
best = glassml_threshold(y_val, scores, cost_fp=1, cost_fn=20)
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(thresholds, cost)
ax.axvline(best, color="C3", ls=":", label=f"cost-optimal t = {best:.3f}")
ax.axvline(0.5, color="k", lw=0.5, label="default t = 0.5")
ax.set_xlabel("threshold t")
ax.set_ylabel("cost (units of one investigation)")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: the cost-optimal threshold
#
# Alarm when `scores >= t`; return the cheapest `t` (`np.inf` if never alarming is cheapest).


# %% exercise="capstones/cost-optimal-threshold"
def cost_optimal_threshold(y_true, scores, cost_fp, cost_fn):
    """argmin over t of cost_fp FP(t) + cost_fn FN(t)."""
    raise NotImplementedError  # your code here


check("capstones/cost-optimal-threshold", cost_optimal_threshold)
