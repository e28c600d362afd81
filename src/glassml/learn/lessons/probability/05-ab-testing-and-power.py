# %% [markdown]
# # A/B testing and power
#
# An A/B test compares conversion rates $p_a$ and $p_b$ from $x_a$ of $n_a$ and $x_b$ of
# $n_b$ users. Under $H_0: p_a = p_b$ both groups share the **pooled** rate $\hat p = (x_a +
# x_b)/(n_a + n_b)$, and
#
# $$z = \frac{\hat p_a - \hat p_b}{\sqrt{\hat p(1-\hat p)(1/n_a + 1/n_b)}} \approx N(0, 1).$$
#
# **Power** is the probability of rejecting $H_0$ when the effect is real. For proportions it
# is computed with Cohen's $h = 2\arcsin\sqrt{p_b} - 2\arcsin\sqrt{p_a}$, which stabilises the
# variance: with $n$ users per group the statistic is approximately $N(h\sqrt{n/2}, 1)$, so
# at level $\alpha$ (two-sided)
#
# $$\text{power} = P\big(Z > z_{1-\alpha/2} - h\sqrt{n/2}\big) + P\big(Z < -z_{1-\alpha/2} -
# h\sqrt{n/2}\big).$$
#
# Planning a test means choosing $n$ so that the power reaches (say) 80 % for the smallest
# effect worth detecting; stopping early when $p$ dips below $\alpha$ inflates false alarms
# (see glassml's sequential tests for a valid alternative).

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check
from glassml.stats import power_two_proportions as glassml_power
from glassml.stats import sample_size_two_proportions

# %% [markdown]
# ## Worked example: how many users does a 10 % -> 12 % lift need?
#
# Power curves from glassml for three lifts, and the sample size for 80 % power.

# %%
sizes = np.linspace(100, 10000, 100)
fig, ax = plt.subplots(figsize=(5, 3.4))
for p_b in (0.11, 0.12, 0.13):
    ax.plot(sizes, [glassml_power(0.10, p_b, n) for n in sizes], label=f"10 % → {p_b:.0%}")
ax.axhline(0.8, color="k", linestyle="--", linewidth=0.8)
ax.set_xlabel("users per group")
ax.set_ylabel("power at α = 0.05")
ax.legend()
plt.show()
print(f"n per group for 80 % power, 10 % -> 12 %: {sample_size_two_proportions(0.10, 0.12):.0f}")

# %% [markdown]
# ## Exercise 1: the two-proportion z-test
#
# Return `(z, p_value)`, two-sided, with $z$ computed as a minus b.


# %% exercise="probability/two-proportion-z"
def two_proportion_z(count_a, n_a, count_b, n_b):
    """Pooled two-proportion z statistic and its two-sided p-value."""
    raise NotImplementedError  # your code here


check("probability/two-proportion-z", two_proportion_z)

# %% [markdown]
# ## Exercise 2: power
#
# `power_two_proportions(p_a, p_b, n)` with `n` users in each group, $\alpha = 0.05$, two-sided.


# %% exercise="probability/power"
def power_two_proportions(p_a, p_b, n):
    """Power of the two-sided two-proportion test (Cohen's h)."""
    raise NotImplementedError  # your code here


check("probability/power", power_two_proportions)
