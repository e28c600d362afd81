# %% [markdown]
# # Hypothesis tests
#
# A test asks whether data are surprising under a **null hypothesis** $H_0$. It computes a
# statistic whose distribution under $H_0$ is known, and the **p-value**: the probability,
# under $H_0$, of a statistic at least as extreme as the one observed. Rejecting when
# $p < \alpha$ makes false alarms happen with probability $\alpha$.
#
# **One-sample t-test** of $H_0: \mu = \mu_0$: $t = \dfrac{\bar x - \mu_0}{s/\sqrt n}$
# follows Student's $t$ with $n - 1$ degrees of freedom (for Gaussian data); two-sided
# $p = 2P(T_{n-1} > |t|)$.
#
# **Welch's test** compares two means without assuming equal variances: with $v_a =
# s_a^2/n_a$, $v_b = s_b^2/n_b$, $t = (\bar a - \bar b)/\sqrt{v_a + v_b}$ on the
# Welch-Satterthwaite degrees of freedom $\nu = (v_a+v_b)^2 / \big(\frac{v_a^2}{n_a-1} +
# \frac{v_b^2}{n_b-1}\big)$.
#
# **Chi-square test of independence** for an $r\times c$ table of counts $O_{ij}$: under
# independence $E_{ij} = O_{i\cdot}O_{\cdot j}/n$, and $\chi^2 = \sum (O-E)^2/E$ is
# approximately $\chi^2_{(r-1)(c-1)}$.

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats as sps
from sklearn.datasets import load_breast_cancer

from glassml.learn import check
from glassml.stats import ttest_ind

# %% [markdown]
# ## Worked example: do malignant tumours have larger radii?
#
# Welch's test with glassml on the breast-cancer data, and where the statistic falls in its
# null distribution.

# %%
data = load_breast_cancer()
radius = data.data[:, 0]
malignant, benign = radius[data.target == 0], radius[data.target == 1]
result = ttest_ind(malignant, benign, equal_var=False)
print(result)
grid = np.linspace(-6, 6, 400)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(grid, sps.t.pdf(grid, result.df), label=f"t with {result.df:.0f} df (H0)")
ax.axvline(min(result.statistic, 6), color="C3", label=f"observed t = {result.statistic:.1f}")
ax.set_xlabel("t")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: the one-sample t-test
#
# Return `(t, p_value)`, two-sided.


# %% exercise="probability/one-sample-t"
def one_sample_t(x, mu0):
    """t statistic and two-sided p-value for H0: mean = mu0."""
    raise NotImplementedError  # your code here


check("probability/one-sample-t", one_sample_t)

# %% [markdown]
# ## Exercise 2: Welch's test
#
# Return `(t, df, p_value)` for $H_0$: equal means, with $t$ computed as a minus b.


# %% exercise="probability/welch-t"
def welch_t(a, b):
    """Welch's t statistic, its degrees of freedom and the two-sided p-value."""
    raise NotImplementedError  # your code here


check("probability/welch-t", welch_t)

# %% [markdown]
# ## Exercise 3: the chi-square test of independence
#
# Return `(statistic, dof, p_value)` without a continuity correction.


# %% exercise="probability/chi-square-independence"
def chi2_independence(table):
    """Pearson's chi-square statistic for independence, df and p-value."""
    raise NotImplementedError  # your code here


check("probability/chi-square-independence", chi2_independence)
