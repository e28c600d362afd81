# %% [markdown]
# # Bayesian networks
#
# A Bayesian network is a directed acyclic graph whose nodes are random variables; it states
# that the joint distribution factorises as
#
# $$P(x_1, \dots, x_n) = \prod_i P(x_i \mid \mathrm{pa}(x_i)),$$
#
# one small **conditional probability table** per node instead of one table of size
# $2^n$. Inference answers queries such as $P(A \mid C = c)$ by Bayes' rule: sum the joint over
# the unobserved variables, then normalise,
#
# $$P(A = a \mid C = c) = \frac{\sum_b P(a)\,P(b\mid a)\,P(c \mid b)}{\sum_{a'}\sum_b
# P(a')\,P(b\mid a')\,P(c\mid b)}.$$
#
# Pushing each sum inside the product, as far right as it goes, is **variable elimination**
# (what `glassml.stats.bayesnet` does, with a min-fill elimination order). In the chain $A \to
# B \to C$, evidence about $C$ flows back to $A$ through $B$.

# %%
import matplotlib.pyplot as plt

from glassml.learn import check
from glassml.stats.bayesnet import sprinkler_network

# %% [markdown]
# ## Worked example: why is the grass wet?
#
# The classic sprinkler network: observing wet grass raises the probability of rain; observing
# the sprinkler on as well "explains away" the rain.

# %%
network = sprinkler_network()
queries = {
    "no evidence": {},
    "grass wet": {"WetGrass": "yes"},
    "grass wet, sprinkler on": {"WetGrass": "yes", "Sprinkler": "yes"},
}
probabilities = {
    label: network.query("Rain", evidence=evidence).probability(Rain="yes")
    for label, evidence in queries.items()
}
print({k: round(v, 4) for k, v in probabilities.items()})
fig, ax = plt.subplots(figsize=(5, 2.6))
ax.barh(list(probabilities), list(probabilities.values()))
ax.set_xlabel("P(Rain = yes | evidence)")
ax.set_xlim(0, 1)
plt.show()

# %% [markdown]
# ## Exercise: inference in a chain
#
# Binary variables $A \to B \to C$. `p_a` is $P(A = 1)$; `p_b_given_a[a]` is $P(B = 1 \mid
# A = a)$; `p_c_given_b[b]` is $P(C = 1 \mid B = b)$. Return $P(A = 1 \mid C = c)$.


# %% exercise="probability/bayesnet-posterior"
def chain_posterior(p_a, p_b_given_a, p_c_given_b, c):
    """P(A = 1 | C = c) in the chain A -> B -> C."""
    raise NotImplementedError  # your code here


check("probability/bayesnet-posterior", chain_posterior)
