"""Trees and boosting: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("trees/gini-impurity")
def gini_impurity(y):
    counts = np.bincount(y)
    p = counts / len(y)
    return 1.0 - np.sum(p**2)


@mutant("trees/gini-impurity", fails="tree nodes", cause="purity")
def gini_purity(y):
    p = np.bincount(y) / len(y)
    return np.sum(p**2)


@mutant("trees/gini-impurity", fails="tree nodes", cause="entropy")
def gini_entropy(y):
    p = np.bincount(y) / len(y)
    p = p[p > 0]
    return -np.sum(p * np.log(p))


@mutant("trees/gini-impurity", fails="tree nodes")
def gini_counts(y):
    counts = np.bincount(y)
    return 1.0 - np.sum(counts**2) / len(y)


def _sse(part):
    return np.sum((part - part.mean()) ** 2) if part.size else 0.0


@solution("trees/best-split")
def best_split(x, y):
    values = np.unique(x)
    if len(values) < 2:
        return None
    best, best_cost = None, np.inf
    for t in (values[:-1] + values[1:]) / 2:
        cost = _sse(y[x <= t]) + _sse(y[x > t])
        if cost < best_cost:
            best, best_cost = t, cost
    return best


@mutant("trees/best-split", fails="least squared error")
def best_split_unweighted_variance(x, y):
    values = np.unique(x)
    if len(values) < 2:
        return None
    candidates = (values[:-1] + values[1:]) / 2
    costs = [np.var(y[x <= t]) + np.var(y[x > t]) for t in candidates]
    return candidates[int(np.argmin(costs))]


@mutant("trees/best-split", fails="least squared error")
def best_split_skips_last(x, y):
    values = np.unique(x)
    if len(values) < 2:
        return None
    candidates = (values[:-1] + values[1:]) / 2
    if len(candidates) > 1:
        candidates = candidates[:-1]
    costs = [_sse(y[x <= t]) + _sse(y[x > t]) for t in candidates]
    return candidates[int(np.argmin(costs))]


@mutant("trees/best-split", fails="least squared error")
def best_split_at_values(x, y):
    values = np.unique(x)
    if len(values) < 2:
        return None
    costs = [_sse(y[x <= t]) + _sse(y[x > t]) for t in values[:-1]]
    return values[int(np.argmin(costs))]


@mutant("trees/best-split", fails="constant feature")
def best_split_never_none(x, y):
    values = np.unique(x)
    if len(values) < 2:
        return float(values[0])
    return best_split(x, y)


@solution("trees/newton-leaf-value")
def newton_leaf_value(g, h, lam):
    return -g.sum() / (h.sum() + lam)


@mutant("trees/newton-leaf-value", fails="second-order", cause="sign")
def leaf_sign(g, h, lam):
    return g.sum() / (h.sum() + lam)


@mutant("trees/newton-leaf-value", fails="second-order", cause="penalty")
def leaf_without_lambda(g, h, lam):
    return -g.sum() / h.sum()


@mutant("trees/newton-leaf-value", fails="second-order")
def leaf_mean_of_steps(g, h, lam):
    return -np.mean(g / h)
