# %% [markdown]
# # Capstone: recommendation
#
# The recommendation case study (`glassml casestudy recommendation`) ranks products for the
# customers of an online retailer with matrix factorisation (ALS, BPR). A recommender shows a
# short list, so it is judged on the head of its ranking. For a user with relevant items
# $\mathcal{R}$ (held-out purchases) and a ranked list $L$,
#
# $$\mathrm{precision@k} = \frac{|L_{1..k} \cap \mathcal{R}|}{k}, \qquad
# \mathrm{recall@k} = \frac{|L_{1..k} \cap \mathcal{R}|}{|\mathcal{R}|},$$
#
# averaged over users. Precision asks how much of the shown list is useful, recall how much of
# what the user wanted was shown; NDCG (see the matrix-factorisation lesson) also rewards
# putting the hits first (glassml.recommend has them all, with bootstrap intervals in
# `evaluate`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check

# %% [markdown]
# ## Worked example: popularity against a personal ranking
#
# Synthetic purchases from a rank-2 taste model. Ranking by popularity shows everyone the
# same list; ranking by each user's taste (the true factors, an upper bound for what a fitted
# factorisation can reach) does better at every k.

# %%
rng = np.random.default_rng(0)
users, items = rng.normal(size=(200, 2)), rng.normal(size=(50, 2))
relevant = [set(np.argsort(-(items @ u))[:5]) for u in users]
popularity = np.argsort(-np.bincount(np.concatenate([list(r) for r in relevant]), minlength=50))
ks = np.arange(1, 16)


def mean_precision(rankings, k):
    return np.mean([len(set(r[:k]) & rel) / k for r, rel in zip(rankings, relevant, strict=True)])


personal = [np.argsort(-(items @ u + 0.8 * rng.normal(size=50))) for u in users]
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(ks, [mean_precision([popularity] * 200, k) for k in ks], marker="o", label="popularity")
ax.plot(ks, [mean_precision(personal, k) for k in ks], marker="s", label="personal (noisy taste)")
ax.set_xlabel("k")
ax.set_ylabel("mean precision@k")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise: precision at k
#
# `recommended` is the ranked list of item ids, `relevant` the relevant ids.


# %% exercise="capstones/precision-at-k"
def precision_at_k(recommended, relevant, k):
    """|first k recommended ∩ relevant| / k."""
    raise NotImplementedError  # your code here


check("capstones/precision-at-k", precision_at_k)
