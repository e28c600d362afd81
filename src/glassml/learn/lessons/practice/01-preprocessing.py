# %% [markdown]
# # Preprocessing without leakage
#
# Many methods care about the scale of features: gradient descent's speed depends on the
# condition number, penalties treat all coefficients alike, distances and kernels mix units.
# **Standardisation** maps each feature to mean 0 and standard deviation 1,
#
# $$z_{ij} = \frac{x_{ij} - \bar x_j}{s_j}, \qquad s_j = \sqrt{\tfrac1n\textstyle\sum_i (x_{ij} -
# \bar x_j)^2},$$
#
# (a constant feature keeps $s_j = 1$: it carries no information, and $0/0$ must not appear).
#
# The statistics $\bar x_j$, $s_j$ are **learned from the training data** and then applied,
# unchanged, to validation and test data. Computing them on the test set, or on all data before
# splitting, lets information about the test set shape the model: **leakage**, which makes the
# reported score optimistic. In scikit-learn terms: `fit` on train, `transform` both; inside
# cross-validation, the scaler belongs in the pipeline.

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassml.learn import check
from glassml.neighbors import KNeighborsClassifier

# %% [markdown]
# ## Worked example: k-nearest neighbours on the wine data
#
# The 13 wine features span four orders of magnitude (proline is in the hundreds). Distances
# are dominated by it until the features are standardised, inside the cross-validation.

# %%
X, y = load_wine(return_X_y=True)
raw = cross_val_score(KNeighborsClassifier(n_neighbors=5), X, y, cv=5)
scaled = cross_val_score(
    make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)), X, y, cv=5
)
print(f"5-fold accuracy: raw {raw.mean():.3f}, standardised {scaled.mean():.3f}")
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].boxplot(X, orientation="horizontal")
axes[0].set_xscale("log")
axes[0].set_title("feature scales (log)")
axes[1].bar(["raw", "standardised"], [raw.mean(), scaled.mean()], yerr=[raw.std(), scaled.std()])
axes[1].set_ylim(0.5, 1.0)
axes[1].set_title("k-NN accuracy (5-fold CV)")
plt.show()

# %% [markdown]
# ## Exercise 1: standardise with the training statistics
#
# Return `(Z_train, Z_test)`.


# %% exercise="practice/standardise"
def standardise(X_train, X_test):
    """Both sets transformed with the training set's mean and standard deviation."""
    raise NotImplementedError  # your code here


check("practice/standardise", standardise)

# %% [markdown]
# ## Feature engineering: categories as numbers
#
# A categorical feature (a colour, a country) has no order, so coding it as 0, 1, 2 would
# invent one. **One-hot encoding** gives each category $c$ its own indicator column,
# $z_{ic} = [x_i = c]$. The categories are, again, learned from the training data: a test value
# never seen in training gets a row of zeros (glassml's `tabular_preprocessor` uses scikit-learn's
# `OneHotEncoder(handle_unknown="ignore")` for exactly this).
#
# ## Exercise 2: one-hot encoding
#
# `train` and `test` are 1-D arrays of category labels; return `(Z_train, Z_test)`, one column
# per training category in sorted order.


# %% exercise="practice/one-hot"
def one_hot(train, test):
    """Indicator columns for the sorted training categories; unseen test values -> zeros."""
    raise NotImplementedError  # your code here


check("practice/one-hot", one_hot)
