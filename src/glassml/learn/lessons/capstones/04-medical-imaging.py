# %% [markdown]
# # Capstone: medical imaging
#
# The medical-imaging case study (`glassml casestudy medical`) classifies breast ultrasound
# images (BreastMNIST) with a convolutional network. A probability that supports a clinical
# decision must mean what it says: among cases given 0.8, about 80 % should be malignant.
# That is **calibration**. Sort the forecasts into $B$ bins of equal width, $[0, 1/B), \dots,
# [(B-1)/B, 1]$; in bin $k$ compare the observed frequency $o_k$ with the mean forecast $f_k$.
# The **expected calibration error** weights the gaps by the bins' shares of the $n$ samples:
#
# $$\mathrm{ECE} = \sum_{k} \frac{n_k}{n}\,\lvert o_k - f_k \rvert.$$
#
# The **reliability diagram** plots $o_k$ against $f_k$: a calibrated model lies on the
# diagonal. Networks trained with cross-entropy are often over-confident; temperature scaling
# (`glassml.model_selection.TemperatureScaling`) divides the logits by one fitted constant.

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from glassml.learn import check
from glassml.linear import LogisticRegression
from glassml.model_selection import expected_calibration_error as glassml_ece
from glassml.model_selection import reliability_curve

# %% [markdown]
# ## Worked example: calibration of a classifier on image-derived features
#
# The Wisconsin breast-cancer features are measurements of cell nuclei in digitised images of
# fine-needle aspirates. A weakly regularised logistic regression on the raw features is
# confident; its reliability diagram and ECE on held-out cases show how far to trust it.

# %%
X, y = load_breast_cancer(return_X_y=True)
X = (X - X.mean(0)) / X.std(0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
p = LogisticRegression(C=100.0).fit(X_train, y_train).predict_proba(X_test)[:, 1]
curve = reliability_curve(y_test, p, n_bins=5)
fig, ax = plt.subplots(figsize=(4.2, 4))
ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="calibrated")
ax.plot(curve.prob_pred, curve.prob_true, marker="o", label="logistic regression")
ax.set_xlabel("mean forecast f_k")
ax.set_ylabel("observed frequency o_k")
ax.set_title(f"ECE = {glassml_ece(y_test, p, n_bins=5):.3f} (5 bins)")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: the expected calibration error
#
# `n_bins` equal-width bins; a forecast on an inner edge opens the next bin, and 1.0 belongs
# to the last bin.


# %% exercise="capstones/expected-calibration-error"
def expected_calibration_error(y_true, y_prob, n_bins):
    """sum over non-empty bins of (n_k / n) |o_k - f_k|."""
    raise NotImplementedError  # your code here


check("capstones/expected-calibration-error", expected_calibration_error)
