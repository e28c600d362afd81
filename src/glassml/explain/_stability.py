"""How much an explanation changes with the explainer's random seed."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from glassml._validation import check_count, fail


@dataclass
class Stability:
    """Agreement of one row's explanation across seeds.

    Attributes
    ----------
    jaccard : float
        Mean over pairs of seeds of |A & B| / |A | B| for the top-k features by |value|.
    rank_correlation : float
        Mean over pairs of Spearman's correlation of the values (1 for identical vectors).
    values : ndarray of shape (n_repeats, n_features)
    top_k : int
    """

    jaccard: float
    rank_correlation: float
    values: np.ndarray
    top_k: int


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if np.array_equal(a, b):
        return 1.0
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = np.sqrt((ra @ ra) * (rb @ rb))
    return float(ra @ rb / denominator) if denominator > 0 else 0.0


def stability(
    explainer: Any, x: Any, n_repeats: int = 5, top_k: int = 5, output: int = -1
) -> Stability:
    """Explain the row ``x`` with seeds 0..n_repeats-1 and measure how the answers agree.

    The explainer is copied and its ``random_state`` set to each seed (an explainer without
    one is simply called ``n_repeats`` times). LIME's explanations move with the seed; Kernel
    SHAP's move within its Monte Carlo error; the exact explainers do not move at all.

    Parameters
    ----------
    explainer : a glassml explainer
    x : array-like of shape (n_features,) or (1, n_features)
    n_repeats : int, default=5
    top_k : int, default=5
    output : int, default=-1
        Which output to compare for a multi-output explanation.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.explain import KernelExplainer
    >>> f = lambda X: X @ np.array([1.0, -2.0, 3.0])
    >>> s = stability(KernelExplainer(f, np.zeros((1, 3))), np.ones(3), top_k=2)
    >>> s.jaccard, s.rank_correlation
    (1.0, 1.0)
    """
    if not callable(explainer):
        raise fail("explainer", "a glassml explainer (called on rows)", explainer)
    repeats = check_count(n_repeats, "n_repeats", minimum=2)
    k = check_count(top_k, "top_k")
    row = np.asarray(x)
    if row.ndim == 1:
        row = row[None, :]
    if row.ndim != 2 or row.shape[0] != 1:
        raise fail("x", "one row of shape (n_features,) or (1, n_features)", x)
    runs = []
    for seed in range(repeats):
        copy_ = copy.copy(explainer)
        if hasattr(copy_, "random_state"):
            copy_.random_state = seed
        explanation = copy_(row)
        values = explanation.values[0]
        if explanation.multi_output:
            values = values[..., output]
        runs.append(np.ravel(values))
    values = np.array(runs)
    if k > values.shape[1]:
        raise fail("top_k", f"at most {values.shape[1]} (the number of features)", top_k)
    tops = [set(np.argsort(-np.abs(v), kind="stable")[:k]) for v in values]
    pairs = [(i, j) for i in range(repeats) for j in range(i + 1, repeats)]
    jaccard = np.mean([len(tops[i] & tops[j]) / len(tops[i] | tops[j]) for i, j in pairs])
    rho = np.mean([_spearman(values[i], values[j]) for i, j in pairs])
    return Stability(float(jaccard), float(rho), values, k)
