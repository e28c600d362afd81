# %% [markdown]
# # Cross-validation and metrics
#
# A model must be judged on data it has not seen. **k-fold cross-validation** splits the $n$
# samples into $k$ contiguous folds (sizes $\lfloor n/k\rfloor$, one more for the first $n \bmod
# k$ folds), trains on $k-1$ of them and tests on the remaining one, $k$ times; the mean and
# spread of the $k$ scores estimate performance and its variability. (Shuffle first when the
# rows are ordered; stratify for rare classes.)
#
# Accuracy misleads when classes are imbalanced. With true/false positives and negatives,
#
# $$\text{precision} = \frac{TP}{TP + FP}, \qquad \text{recall} = \frac{TP}{TP + FN}, \qquad F_1 =
# \frac{2PR}{P + R},$$
#
# (0 when a denominator is 0). A score-based classifier has a whole **ROC curve** (true- vs
# false-positive rate over thresholds); the area under it equals the probability that a random
# positive scores above a random negative,
#
# $$\text{AUC} = \frac{1}{n_+ n_-}\sum_{i\in +}\sum_{j \in -}\Big([s_i > s_j] + \tfrac12[s_i =
# s_j]\Big),$$
#
# the Mann-Whitney statistic.

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_curve
from sklearn.model_selection import KFold

from glassml.learn import check
from glassml.naive_bayes import GaussianNB

# %% [markdown]
# ## Worked example: Gaussian naive Bayes, fold by fold
#
# glassml's `GaussianNB` on the breast-cancer data, 5 shuffled folds: the ROC curve of each
# test fold.

# %%
X, y = load_breast_cancer(return_X_y=True)
fig, ax = plt.subplots(figsize=(4.6, 4))
for fold, (train, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
    scores = GaussianNB().fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    fpr, tpr, _ = roc_curve(y[test], scores)
    ax.plot(fpr, tpr, label=f"fold {fold}")
ax.plot([0, 1], [0, 1], "k--", linewidth=0.8)
ax.set_xlabel("false-positive rate")
ax.set_ylabel("true-positive rate")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: k-fold splits
#
# Return a list of `k` pairs `(train_indices, test_indices)` as above (no shuffling).


# %% exercise="practice/kfold-indices"
def kfold_indices(n, k):
    """Contiguous k-fold cross-validation splits of 0..n-1."""
    raise NotImplementedError  # your code here


check("practice/kfold-indices", kfold_indices)

# %% [markdown]
# ## Exercise 2: precision, recall and F1
#
# Labels are 0/1, the positive class is 1.


# %% exercise="practice/precision-recall-f1"
def precision_recall_f1(y_true, y_pred):
    """(precision, recall, f1), 0 where a denominator is 0."""
    raise NotImplementedError  # your code here


check("practice/precision-recall-f1", precision_recall_f1)

# %% [markdown]
# ## Exercise 3: the area under the ROC curve


# %% exercise="practice/roc-auc"
def roc_auc(y_true, scores):
    """P(positive scores above negative), ties counting 1/2."""
    raise NotImplementedError  # your code here


check("practice/roc-auc", roc_auc)
