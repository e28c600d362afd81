"""Empirical privacy auditing: a statistical lower bound on ε from a mechanism's outputs.

Run the mechanism many times on neighbouring datasets D and D' (one record changed). For any
event S, (ε, δ)-DP promises P[M(D) ∈ S] <= e^ε P[M(D') ∈ S] + δ, hence

    ε >= log((P[M(D) ∈ S] - δ) / P[M(D') ∈ S]).

A membership-inference test guesses "D" when the output lands in S; its true and false
positive rates are those two probabilities. With n runs on each side, Clopper-Pearson bounds
(a lower one on the first probability, an upper one on the second, each at level α / (2m) for
m events: Bonferroni) turn every event into a lower bound on ε that holds with probability at
least 1 - α together. A correct mechanism therefore exceeds its ε here with probability at
most α; a mechanism adding too little noise is caught once n is large enough (Jagielski, Ullman
& Oprea 2020, "Auditing differentially private machine learning"; Nasr et al. 2021).

Events: {output > t} and {output < t} for thresholds t at the quantiles of the pooled outputs,
in both directions (D against D' and D' against D).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from glassml._validation import check_count, check_named_array, check_probability
from glassml.privacy._mechanisms import check_delta


@dataclass(frozen=True)
class AuditResult:
    """``epsilon_lower``: the largest lower confidence bound on ε over the events tried (0 when
    no event gives a positive one); ``event`` describes the event that gave it;
    ``tpr``, ``fpr``: its observed rates; ``confidence``: 1 - α for all events together."""

    epsilon_lower: float
    event: str
    tpr: float
    fpr: float
    n_events: int
    confidence: float


def _outputs(values: Any, argument: str) -> np.ndarray:
    array = check_named_array(values, argument, ensure_2d=False, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{argument}: expected one released number per run (a 1-D array)")
    if array.size < 2:
        raise ValueError(f"{argument}: expected at least 2 runs, got {array.size}")
    return array


def audit_epsilon(
    outputs: Any,
    outputs_neighbour: Any,
    *,
    delta: float = 0.0,
    alpha: float = 0.05,
    n_thresholds: int = 50,
) -> AuditResult:
    """Lower confidence bound on ε from runs of a mechanism on D (``outputs``) and on a
    neighbouring D' (``outputs_neighbour``), valid with probability >= 1 - ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.privacy import audit_epsilon, laplace_mechanism
    >>> rng = np.random.default_rng(0)
    >>> on_d = laplace_mechanism(np.zeros(20_000), sensitivity=1.0, epsilon=1.0, random_state=rng)
    >>> on_d2 = laplace_mechanism(np.ones(20_000), sensitivity=1.0, epsilon=1.0, random_state=rng)
    >>> result = audit_epsilon(on_d, on_d2)
    >>> bool(0.5 < result.epsilon_lower <= 1.0)
    True
    """
    first = _outputs(outputs, "outputs")
    second = _outputs(outputs_neighbour, "outputs_neighbour")
    delta = check_delta(delta)
    alpha = check_probability(alpha, "alpha")
    n_thresholds = check_count(n_thresholds, "n_thresholds")
    pooled = np.concatenate([first, second])
    thresholds = np.unique(np.quantile(pooled, np.linspace(0, 1, n_thresholds + 2)[1:-1]))
    # Counts of each event on each side, for both event shapes.
    sorted_first, sorted_second = np.sort(first), np.sort(second)
    events = []
    for t in thresholds:
        above = (
            first.size - np.searchsorted(sorted_first, t, side="right"),
            second.size - np.searchsorted(sorted_second, t, side="right"),
        )
        below = (
            np.searchsorted(sorted_first, t, side="left"),
            np.searchsorted(sorted_second, t, side="left"),
        )
        events.append((f"output > {t:.6g}", *above))
        events.append((f"output < {t:.6g}", *below))
    m = 2 * len(events)  # each event read in both directions
    level = alpha / (2 * m)  # two one-sided bounds per event and direction
    # ε >= 0 always: an audit that finds no event separating the two sides certifies 0.
    best = AuditResult(0.0, "none", 0.0, 0.0, m, 1 - alpha)
    for name, hits_first, hits_second in events:
        for (hits, n), (other_hits, other_n), direction in (
            ((hits_first, first.size), (hits_second, second.size), "D vs D'"),
            ((hits_second, second.size), (hits_first, first.size), "D' vs D"),
        ):
            lower = stats.beta.ppf(level, hits, n - hits + 1) if hits > 0 else 0.0
            upper = (
                stats.beta.ppf(1 - level, other_hits + 1, other_n - other_hits)
                if other_hits < other_n
                else 1.0
            )
            if lower - delta <= 0 or upper <= 0:
                continue
            bound = math.log((lower - delta) / upper)
            if bound > best.epsilon_lower:
                best = AuditResult(
                    bound,
                    f"{name} ({direction})",
                    float(hits / n),
                    float(other_hits / other_n),
                    m,
                    1 - alpha,
                )
    return best
