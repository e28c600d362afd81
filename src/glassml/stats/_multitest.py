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

from glassml._validation import check_option, check_probability
from glassml.stats._validation import as_sample

METHODS = ("bonferroni", "holm", "fdr_bh")


def multipletests(pvalues, alpha: float = 0.05, method: str = "holm"):
    """Adjust p-values; return ``(reject, adjusted_pvalues)`` in the input order.

    Examples
    --------
    >>> reject, adjusted = multipletests([0.01, 0.04, 0.03, 0.2], method="holm")
    >>> reject.tolist(), adjusted.round(4).tolist()
    ([True, False, False, False], [0.04, 0.09, 0.09, 0.2])
    """
    p = as_sample(pvalues, "pvalues", min_size=1)
    if not np.all((p >= 0) & (p <= 1)):
        bad = p[(p < 0) | (p > 1)][0]
        raise ValueError(f"pvalues: expected p-values in [0, 1], got {bad!r}")
    alpha = check_probability(alpha, "alpha")
    method = check_option(method, "method", METHODS)
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
