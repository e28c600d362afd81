"""Harrell's concordance index: how often a model orders two subjects' lifetimes correctly.

A pair (i, j) is *comparable* when the shorter duration ended in a failure: T_i < T_j with
d_i = 1, or T_i = T_j with d_i = 1 and d_j = 0 (j was still working when i failed). Two
failures at the same instant are not comparable. Given scores that predict survival (larger
= longer life), the pair is *concordant* when score_i < score_j, and a tie in scores counts
one half::

    C = (#concordant + #tied / 2) / #comparable

C = 1/2 for random scores, 1 for a perfect ordering (Harrell et al., 1982, "Evaluating the
yield of medical tests", JAMA 247). The count takes O(n log n): subjects are visited in order
of duration, and the failures seen so far are kept in a Fenwick tree over the ranks of their
scores, which answers "how many scores below s, how many equal to s" in O(log n).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from glassml._validation import check_named_array, fail
from glassml.survival._data import check_durations, check_events


@njit(cache=True)
def _fenwick_add(tree, position):
    position += 1
    while position < tree.shape[0]:
        tree[position] += 1
        position += position & -position


@njit(cache=True)
def _fenwick_prefix(tree, position):
    """Number of inserted ranks < position."""
    total = 0
    while position > 0:
        total += tree[position]
        position -= position & -position
    return total


@njit(cache=True)
def _count_pairs(times, events, ranks, exact, n_ranks):
    """(concordant, tied, comparable) over subjects sorted by time, failures first at ties.

    ``ranks[k]`` is the number of distinct failure scores below subject k's score and
    ``exact[k]`` whether its score is one of them (always, for a failure)."""
    tree = np.zeros(n_ranks + 1, dtype=np.int64)
    inserted = 0
    concordant = 0
    tied = 0
    comparable = 0
    n = times.shape[0]
    start = 0
    while start < n:
        stop = start
        while stop < n and times[stop] == times[start]:
            stop += 1
        # Failures at this time against the failures strictly before it.
        first_censored = start
        while first_censored < stop and events[first_censored]:
            first_censored += 1
        for k in range(start, first_censored):
            below = _fenwick_prefix(tree, ranks[k])
            equal = _fenwick_prefix(tree, ranks[k] + 1) - below
            comparable += inserted
            concordant += below
            tied += equal
        for k in range(start, first_censored):
            _fenwick_add(tree, ranks[k])
            inserted += 1
        # Censored subjects at this time against every failure up to and including it.
        for k in range(first_censored, stop):
            below = _fenwick_prefix(tree, ranks[k])
            equal = _fenwick_prefix(tree, ranks[k] + 1) - below if exact[k] else 0
            comparable += inserted
            concordant += below
            tied += equal
        start = stop
    return concordant, tied, comparable


def concordance_counts(
    durations: np.ndarray, scores: np.ndarray, events: np.ndarray
) -> tuple[int, int, int]:
    """(concordant, tied, comparable) pair counts; the arrays are already checked."""
    if not events.any():
        return 0, 0, 0
    # Failures before censorings at equal times, then by time.
    order = np.lexsort((~events, durations))
    failure_scores = np.unique(scores[events])
    ordered = scores[order]
    ranks = np.searchsorted(failure_scores, ordered).astype(np.int64)
    # A censored subject's score may fall between failure scores: its rank still counts the
    # failure scores below it, and it ties with none.
    exact = failure_scores[np.minimum(ranks, failure_scores.size - 1)] == ordered
    counts = _count_pairs(durations[order], events[order], ranks, exact, failure_scores.size)
    return tuple(int(count) for count in counts)


def concordance_index(durations: Any, scores: Any, event_observed: Any = None) -> float:
    """Harrell's C of ``scores`` (larger = predicted to survive longer) against censored
    ``durations``.

    For a risk score (larger = fails sooner, such as a Cox model's partial hazard) pass its
    negative. See the module docstring for the pairs counted; it equals
    ``lifelines.utils.concordance_index``.

    Examples
    --------
    >>> from glassml.survival import concordance_index
    >>> concordance_index([1, 2, 3, 4], [1.0, 3.0, 2.0, 4.0])  # one of six pairs swapped
    0.8333333333333334
    >>> # Censored at 2, the second subject's pairs with later ones are not comparable:
    >>> concordance_index([1, 2, 3, 4], [1.0, 3.0, 2.0, 4.0], event_observed=[1, 0, 1, 1])
    1.0
    """
    durations = check_durations(durations)
    events = check_events(event_observed, durations.shape[0])
    scores = check_named_array(scores, "scores", ensure_2d=False, dtype=np.float64)
    if scores.ndim != 1 or scores.shape[0] != durations.shape[0]:
        raise ValueError(
            f"durations, scores: expected one score per duration ({durations.shape[0]}), got "
            f"shape {scores.shape}"
        )
    concordant, tied, comparable = concordance_counts(durations, scores, events)
    if comparable == 0:
        raise fail(
            "event_observed",
            "at least one failure followed by a longer duration (no pair is comparable)",
            event_observed,
        )
    return (concordant + 0.5 * tied) / comparable
