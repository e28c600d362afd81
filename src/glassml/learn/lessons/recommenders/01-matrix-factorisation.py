# %% [markdown]
# # Matrix factorisation and ranking
#
# A ratings matrix $R$ (users by items) is mostly unknown. **Matrix factorisation** models
# rating $r_{ui} \approx u_u^\top v_i$ with $k$-dimensional user and item vectors, fitted on
# the observed entries $\Omega$ only:
#
# $$\min_{U, V} \sum_{(u, i) \in \Omega} (r_{ui} - u_u^\top v_i)^2 + \lambda\big(\textstyle
# \sum_u n_u \|u_u\|^2 + \sum_i n_i \|v_i\|^2\big),$$
#
# where $n_u$, $n_i$ count the ratings of a user or an item: the **weighted-lambda**
# penalty of Zhou et al. (2008), used by glassml's `ExplicitALS`, which regularises the
# well-observed as much as the rarely observed relative to their data. The problem is not
# convex jointly, but with $V$ fixed each user's vector is a ridge regression on the $n_u$
# items they rated, $I_u$:
#
# $$u_u = (V_{I_u}^\top V_{I_u} + \lambda n_u I)^{-1} V_{I_u}^\top r_{u, I_u},$$
#
# and symmetrically for items: **alternating least squares** (ALS) never increases the loss.
#
# With implicit feedback (clicks, purchases) there are no ratings, only preferences.
# **Bayesian personalised ranking** (Rendle et al., 2009) asks that a user score an item $i$
# they used above an item $j$ they did not: it minimises $-\ln \sigma(u^\top(v_i - v_j))$ over
# sampled triples by stochastic gradient steps. A ranking is judged by **NDCG@k**:
#
# $$\mathrm{DCG@k} = \sum_{r=1}^{k} \frac{\mathrm{rel}_{(r)}}{\log_2(r + 1)}, \qquad
# \mathrm{NDCG@k} = \frac{\mathrm{DCG@k}}{\text{DCG@k of the ideal order}}.$$

# %%
import matplotlib.pyplot as plt
import numpy as np

from glassml.learn import check

# %% [markdown]
# ## Worked example: ALS on a synthetic rank-3 ratings matrix
#
# 60 users, 40 items, ratings from a rank-3 model plus noise (standard deviation 0.3), half of
# them observed. ALS (written out below with numpy) drives the training error down in a few
# sweeps; the error on the held-out entries comes down close to the noise level: the low-rank
# structure generalises. (With far fewer ratings per user, lam must grow against overfitting.)

# %%
rng = np.random.default_rng(0)
R = rng.normal(size=(60, 3)) @ rng.normal(size=(3, 40)) + 0.3 * rng.normal(size=(60, 40))
observed = rng.random(R.shape) < 0.5
k, lam = 3, 0.05
U, V = rng.normal(size=(60, k)), rng.normal(size=(40, k))
train, test = [], []
for _ in range(10):
    for u in range(60):
        Vu = V[observed[u]]
        U[u] = np.linalg.solve(Vu.T @ Vu + lam * len(Vu) * np.eye(k), Vu.T @ R[u, observed[u]])
    for i in range(40):
        Ui = U[observed[:, i]]
        V[i] = np.linalg.solve(Ui.T @ Ui + lam * len(Ui) * np.eye(k), Ui.T @ R[observed[:, i], i])
    error = (R - U @ V.T) ** 2
    train.append(np.sqrt(error[observed].mean()))
    test.append(np.sqrt(error[~observed].mean()))
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(range(1, 11), train, marker="o", label="observed entries")
ax.plot(range(1, 11), test, marker="s", label="held-out entries")
ax.set_xlabel("ALS sweep")
ax.set_ylabel("RMSE")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercise 1: the ALS user step
#
# `observed` is a boolean matrix of the same shape as `R`; return the matrix $U$ (one row per
# user), with the weighted-lambda penalty $\lambda n_u$. A user who rated nothing gets the zero
# vector.


# %% exercise="recommenders/als-user-step"
def als_user_step(R, observed, V, lam):
    """Each user's ridge regression (penalty lam n_u) on the items they rated."""
    raise NotImplementedError  # your code here


check("recommenders/als-user-step", als_user_step)

# %% [markdown]
# ## Exercise 2: the BPR gradient
#
# Return the gradients of $-\ln\sigma(u^\top(v_i - v_j))$ in $u$, $v_i$ and $v_j$.


# %% exercise="recommenders/bpr-gradient"
def bpr_gradient(u, v_i, v_j):
    """(grad_u, grad_v_i, grad_v_j) of -ln sigma(u^T (v_i - v_j))."""
    raise NotImplementedError  # your code here


check("recommenders/bpr-gradient", bpr_gradient)

# %% [markdown]
# ## Exercise 3: NDCG at k
#
# Items are ranked by `scores` (highest first); `relevance` holds each item's graded relevance.


# %% exercise="recommenders/ndcg-at-k"
def ndcg_at_k(scores, relevance, k):
    """DCG@k of the ranking by scores / DCG@k of the ideal ranking."""
    raise NotImplementedError  # your code here


check("recommenders/ndcg-at-k", ndcg_at_k)
