"""Multiple-testing corrections for m p-values p_(1) <= ... <= p_(m) (sorted).

- Bonferroni (family-wise error): p_adj_i = min(1, m p_i).
- Holm (step-down, family-wise error, uniformly more powerful than Bonferroni):
  p_adj_(k) = max_{j <= k} min(1, (m - j + 1) p_(j)).
- Benjamini–Hochberg (false discovery rate, independent or positively dependent tests):
  p_adj_(k) = min_{j >= k} min(1, m p_(j) / j).
Holm (1979), Scand. J. Statist. 6; Benjamini & Hochberg (1995), JRSS B 57.
"""

from __future__ import annotations

import numpy as np

from glassml.stats._validation import check_probability

METHODS = ("bonferroni", "holm", "fdr_bh")


def multipletests(pvalues, alpha: float = 0.05, method: str = "holm"):
    """Adjust p-values; return ``(reject, adjusted_pvalues)`` in the input order."""
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"pvalues must be a non-empty 1-D array; got shape {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("pvalues must all lie in [0, 1] (and not be NaN)")
    check_probability(alpha, "alpha")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    m = p.size
    if method == "bonferroni":
        adjusted = np.minimum(1.0, m * p)
    else:
        order = np.argsort(p, kind="stable")
        ranked = p[order]
        rank = np.arange(1, m + 1)
        if method == "holm":
            ranked_adjusted = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
        else:
            ranked_adjusted = np.minimum.accumulate((m * ranked / rank)[::-1])[::-1]
            ranked_adjusted = np.minimum(1.0, ranked_adjusted)
        adjusted = np.empty(m)
        adjusted[order] = ranked_adjusted
    return adjusted <= alpha, adjusted
