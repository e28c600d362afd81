"""Ranking metrics of top-k lists, per-user AUC, catalogue coverage, rating errors.

Ranking metrics take ``recommended``, an array of shape (n_users, L) of item ids ranked best
first (as :meth:`recommend` returns them; padding ids never count as hits), and
``relevant``, one collection of relevant item ids per row (each non-empty). With
``hit_r = 1`` when the item at rank r (1-based) is relevant, R = |relevant| and the first k
ranks considered:

    precision@k  = sum_{r<=k} hit_r / k                  denominator="k" (the usual one)
                 = sum_{r<=k} hit_r / min(k, R)           denominator="min" (``implicit``'s,
                                                          which then also averages over hits
                                                          rather than users, see below)
    recall@k     = sum_{r<=k} hit_r / R                   denominator="relevant"
                 = sum_{r<=k} hit_r / min(k, R)           denominator="min"
    nDCG@k       = DCG / IDCG, DCG = sum_{r<=k} hit_r / log2(r + 1),
                   IDCG = sum_{r<=min(k,R)} 1 / log2(r + 1) (binary gains; scikit-learn's
                   ``ndcg_score`` and ``implicit``'s nDCG)
    AP@k         = sum_{r<=k} hit_r precision@r / min(k, R)     denominator="min" (``implicit``,
                                                                Kaggle's apk)
                 = ... / R                                       denominator="relevant"
    RR@k         = 1 / (rank of the first hit within k), 0 if none
    MAP@k, MRR   = the means of AP@k and RR@k over users

Each function returns the mean over users, or with ``per_user=True`` the value of every row
(what :func:`evaluate` bootstraps). ``implicit``'s precision@k is the micro-average
sum_u hits_u / sum_u min(k, R_u); it equals the per-user mean of denominator="min" when every
user has the same min(k, R_u) (e.g. R_u >= k for all users).

Per-user AUC: the probability that a relevant item outranks an irrelevant one among the items
the user is scored on (ties count one half), the Mann–Whitney statistic
(sum of the relevant items' ranks - R (R + 1) / 2) / (R (N - R)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats as scipy_stats
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from glassml._validation import check_bool, check_count, check_named_array, check_option, fail
from glassml.recommend._interactions import as_id_array


def _ranked(recommended: Any, k: int | None) -> tuple[np.ndarray, int]:
    array = np.asarray(recommended)
    if array.ndim != 2:
        raise fail("recommended", "a 2-D array (users x ranked items)", array)
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise fail("recommended", "at least one user and one rank", array.shape)
    as_id_array(array.ravel(), "recommended")  # finite numbers or strings, one kind
    if k is None:
        return array, array.shape[1]
    k = check_count(k, "k")
    if k > array.shape[1]:
        raise fail("k", f"at most the list length {array.shape[1]}", k)
    return array[:, :k], k


def _relevant_sets(relevant: Any, n_rows: int) -> list[np.ndarray]:
    if isinstance(relevant, str | bytes) or not isinstance(relevant, Sequence | np.ndarray):
        raise fail("relevant", "one collection of item ids per user", type(relevant).__name__)
    if len(relevant) != n_rows:
        raise fail("relevant", f"{n_rows} rows (one per row of recommended)", len(relevant))
    sets = []
    for row, items in enumerate(relevant):
        if isinstance(items, str | bytes) or np.ndim(items) != 1:
            raise fail("relevant", f"a 1-D collection of item ids in row {row}", items)
        array = np.asarray(list(items) if isinstance(items, set | frozenset) else items)
        if array.size == 0:
            raise fail(
                "relevant",
                "at least one relevant item per user (users without any have no metric)",
                f"none in row {row}",
            )
        sets.append(as_id_array(array, "relevant"))
    return sets


def _kind(ids: np.ndarray) -> str:
    return "number" if ids.dtype.kind in "iuf" else "string" if ids.dtype.kind in "US" else "object"


def hits_matrix(recommended: Any, relevant: Any, k: int | None = None):
    """``(hits, n_relevant, k)``: hits[u, r] = item at rank r+1 of user u is relevant.

    All rows at once: ids are coded jointly (``pandas.factorize`` on objects, so 1 and "1"
    stay different ids) and each (row, id) pair becomes one integer key.
    """
    ranked, k = _ranked(recommended, k)
    sets = _relevant_sets(relevant, ranked.shape[0])
    n_rows = ranked.shape[0]
    flat = ranked.ravel()
    kinds = {_kind(flat)} | {_kind(items) for items in sets}
    if len(kinds) == 1:  # one kind of id throughout: NumPy concatenates without a cast
        together = np.concatenate([flat, *sets])
    else:  # numbers and strings: as objects, so that 1 and "1" stay different ids
        together = np.concatenate([flat.astype(object), *(items.astype(object) for items in sets)])
    codes, uniques = pd.factorize(together)
    n_codes = max(len(uniques), 1)
    ranked_keys = np.repeat(np.arange(n_rows, dtype=np.int64), k) * n_codes + codes[: flat.size]
    lengths = [len(items) for items in sets]
    wanted_keys = np.sort(
        np.repeat(np.arange(n_rows, dtype=np.int64), lengths) * n_codes + codes[flat.size :]
    )
    wanted_keys = wanted_keys[np.concatenate([[True], wanted_keys[1:] != wanted_keys[:-1]])]
    # Membership by binary search in the sorted keys (a sort beats hashing here).
    position = np.minimum(np.searchsorted(wanted_keys, ranked_keys), len(wanted_keys) - 1)
    hits = (wanted_keys[position] == ranked_keys).reshape(n_rows, k)
    n_relevant = np.bincount(wanted_keys // n_codes, minlength=n_rows).astype(np.float64)
    return hits, n_relevant, k


# ---------------------------------------------------------------------- per-user values
# From the hits matrix (users x ranks) and each user's number of relevant items R.


def precision_rows(hits: np.ndarray, n_relevant: np.ndarray, k: int, denominator: str = "k"):
    divisor = k if denominator == "k" else np.minimum(k, n_relevant)
    return hits.sum(axis=1) / divisor


def recall_rows(hits, n_relevant, k, denominator: str = "relevant"):
    divisor = n_relevant if denominator == "relevant" else np.minimum(k, n_relevant)
    return hits.sum(axis=1) / divisor


def ndcg_rows(hits, n_relevant, k):
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.minimum(k, n_relevant).astype(np.int64) - 1]
    return hits @ discounts / ideal


def average_precision_rows(hits, n_relevant, k, denominator: str = "min"):
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    divisor = np.minimum(k, n_relevant) if denominator == "min" else n_relevant
    return np.sum(precision_at_rank * hits, axis=1) / divisor


def reciprocal_rank_rows(hits, n_relevant, k):
    first = np.argmax(hits, axis=1)
    return np.where(hits.any(axis=1), 1.0 / (first + 1), 0.0)


PER_USER = {
    "precision": precision_rows,
    "recall": recall_rows,
    "ndcg": ndcg_rows,
    "map": average_precision_rows,
    "mrr": reciprocal_rank_rows,
}


def _mean_or_rows(values: np.ndarray, per_user: bool) -> float | np.ndarray:
    return values if check_bool(per_user, "per_user") else float(np.mean(values))


def precision_at_k(
    recommended: Any,
    relevant: Any,
    k: int | None = None,
    *,
    denominator: str = "k",
    per_user: bool = False,
) -> float | np.ndarray:
    """Fraction of the top k that is relevant: hits / k, or hits / min(k, R) ("min").

    Examples
    --------
    >>> precision_at_k([[1, 2, 3]], [[2, 9]]), precision_at_k([[1, 2, 3]], [[2]], denominator="min")
    (0.3333333333333333, 1.0)
    """
    check_option(denominator, "denominator", ("k", "min"))
    hits, n_relevant, k = hits_matrix(recommended, relevant, k)
    return _mean_or_rows(precision_rows(hits, n_relevant, k, denominator), per_user)


def recall_at_k(
    recommended: Any,
    relevant: Any,
    k: int | None = None,
    *,
    denominator: str = "relevant",
    per_user: bool = False,
) -> float | np.ndarray:
    """Fraction of the relevant items found in the top k: hits / R, or hits / min(k, R).

    Examples
    --------
    >>> recall_at_k([[1, 2, 3]], [[2, 7, 8, 9]])
    0.25
    """
    check_option(denominator, "denominator", ("relevant", "min"))
    hits, n_relevant, k = hits_matrix(recommended, relevant, k)
    return _mean_or_rows(recall_rows(hits, n_relevant, k, denominator), per_user)


def ndcg_at_k(
    recommended: Any, relevant: Any, k: int | None = None, *, per_user: bool = False
) -> float | np.ndarray:
    """Normalised discounted cumulative gain with binary gains (IDCG over min(k, R) hits).

    Examples
    --------
    >>> round(ndcg_at_k([[1, 2, 3]], [[2]]), 6)
    0.63093
    """
    hits, n_relevant, k = hits_matrix(recommended, relevant, k)
    return _mean_or_rows(ndcg_rows(hits, n_relevant, k), per_user)


def map_at_k(
    recommended: Any,
    relevant: Any,
    k: int | None = None,
    *,
    denominator: str = "min",
    per_user: bool = False,
) -> float | np.ndarray:
    """Mean average precision: sum of precision@r at each hit r <= k, over min(k, R) or R.

    Examples
    --------
    >>> round(map_at_k([[1, 2, 3]], [[1, 3]]), 6)
    0.833333
    """
    check_option(denominator, "denominator", ("min", "relevant"))
    hits, n_relevant, k = hits_matrix(recommended, relevant, k)
    return _mean_or_rows(average_precision_rows(hits, n_relevant, k, denominator), per_user)


def mrr(
    recommended: Any, relevant: Any, k: int | None = None, *, per_user: bool = False
) -> float | np.ndarray:
    """Mean reciprocal rank of the first relevant item within the top k (0 when none).

    Examples
    --------
    >>> mrr([[1, 2, 3], [4, 5, 6]], [[3], [9]])
    0.16666666666666666
    """
    hits, n_relevant, k = hits_matrix(recommended, relevant, k)
    return _mean_or_rows(reciprocal_rank_rows(hits, n_relevant, k), per_user)


def _as_mask(value: Any, shape: tuple[int, int], argument: str) -> np.ndarray:
    if sp.issparse(value):
        if value.shape != shape:
            raise fail(argument, f"shape {shape} like scores", value.shape)
        return (value != 0).toarray()
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{argument}: expected a boolean or 0/1 matrix, got complex values")
    if array.shape != shape:
        raise fail(argument, f"shape {shape} like scores", array.shape)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise fail(argument, "finite 0/1 values", "NaN or inf")
    if array.dtype.kind not in "biuf":
        raise fail(argument, "a boolean or 0/1 matrix", f"dtype {array.dtype}")
    return array != 0


def auc(
    scores: Any, relevant: Any, exclude: Any = None, *, per_user: bool = False
) -> float | np.ndarray:
    """Per-user ROC AUC of the scores, averaged over users.

    Parameters
    ----------
    scores : array of shape (n_users, n_items)
        Every item's finite score for each user.
    relevant : boolean array or sparse matrix of shape (n_users, n_items)
        The positives (e.g. the test interactions).
    exclude : boolean array or sparse matrix, optional
        Items not ranked for that user (e.g. the training interactions): neither positive nor
        negative.

    Every user needs at least one positive and one negative among the ranked items.

    Examples
    --------
    >>> import numpy as np
    >>> auc(np.array([[0.9, 0.1, 0.5, 0.3]]), np.array([[1, 0, 0, 1]]))
    0.75
    """
    values = check_named_array(scores, "scores", dtype=np.float64)
    positive = _as_mask(relevant, values.shape, "relevant")
    ranked = (
        np.ones_like(positive) if exclude is None else ~_as_mask(exclude, values.shape, "exclude")
    )
    positive &= ranked
    n_positive = positive.sum(axis=1)
    n_negative = ranked.sum(axis=1) - n_positive
    if np.any(n_positive == 0) or np.any(n_negative == 0):
        rows = np.flatnonzero((n_positive == 0) | (n_negative == 0))
        raise fail(
            "relevant",
            "at least one relevant and one irrelevant ranked item per user",
            f"rows {rows[:10].tolist()} without both",
        )
    # Ranks among the user's ranked items only (excluded ones are NaN and left out).
    masked = np.where(ranked, values, np.nan)
    ranks = scipy_stats.rankdata(masked, axis=1, nan_policy="omit")
    rank_sum = np.where(positive, ranks, 0.0).sum(axis=1)
    per_row = (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)
    return _mean_or_rows(per_row, per_user)


def coverage(recommended: Any, catalogue: Any) -> float:
    """Fraction of the catalogue recommended to at least one user.

    Denominator: the number of items in ``catalogue`` (an array of item ids, e.g. a model's
    ``item_ids_``); ids outside it (padding) are not counted.

    Examples
    --------
    >>> coverage([[1, 2], [2, 3]], [1, 2, 3, 4, 5])
    0.6
    """
    ranked, _ = _ranked(recommended, None)
    items = np.asarray(catalogue)
    if items.ndim != 1 or items.size == 0:
        raise fail("catalogue", "a non-empty 1-D array of item ids", items)
    items = as_id_array(items, "catalogue")
    try:
        shown = np.isin(items, ranked.ravel())
    except TypeError:
        listed = set(ranked.ravel().tolist())
        shown = np.array([value in listed for value in items.tolist()])
    return float(np.mean(shown))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error of rating predictions (scikit-learn's, on rescaled values).

    Examples
    --------
    >>> rmse([4.0, 2.0], [3.0, 2.0])
    0.7071067811865476
    """
    truth, predicted, scale = _pair(y_true, y_pred)
    return scale * float(root_mean_squared_error(truth, predicted))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error of rating predictions (scikit-learn's, on rescaled values).

    Examples
    --------
    >>> mae([4.0, 2.0], [3.0, 2.0])
    0.5
    """
    truth, predicted, scale = _pair(y_true, y_pred)
    return scale * float(mean_absolute_error(truth, predicted))


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """Both arrays, divided by their largest magnitude when that is extreme (errors are
    scale-equivariant, and squares of 1e300 would overflow), with the divisor."""
    truth = check_named_array(y_true, "y_true", ensure_2d=False, dtype=np.float64)
    predicted = check_named_array(y_pred, "y_pred", ensure_2d=False, dtype=np.float64)
    for argument, values in (("y_true", truth), ("y_pred", predicted)):
        if values.ndim != 1:
            raise fail(argument, "a 1-D array of ratings", values)
    if truth.shape != predicted.shape:
        raise fail("y_pred", f"one prediction per rating ({truth.shape[0]})", predicted.shape[0])
    scale = max(float(np.max(np.abs(truth))), float(np.max(np.abs(predicted))))
    if 1e-150 < scale < 1e150 or scale == 0.0:
        return truth, predicted, 1.0  # squares cannot overflow or underflow: as given
    return truth / scale, predicted / scale, scale
