"""What every recommender shares: fitting data, top-k lists, neighbours, cold users, predict.

The contract (DESIGN.md): ``fit(interactions)``, ``recommend(users, k=10, exclude_seen=True)``
-> ``(item ids, scores)`` of shape (len(users), k), best first, ``similar_items(items, k)``;
explicit-rating models also ``predict(users, items)``.

``fit`` takes an :class:`Interactions` (original ids kept) or a user x item matrix, dense or
sparse (rows are users 0..n-1, columns items 0..m-1; a dense array's zeros are "no
interaction"), which is also how scikit-learn's conformance checks exercise the models.

Padding. A user with fewer than k candidate items (after excluding the items they already have
and the items no training data describes) gets a row padded with score ``-inf`` and the
sentinel id of :func:`padding_id`: -1 for numeric item ids, ``""`` for string ids, ``None``
for other object ids. The score is the reliable marker.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from glassml._validation import (
    check_bool,
    check_count,
    check_fit_X,
    check_option,
    check_predict_data,
    fail,
)
from glassml.recommend._common import check_same_ids, continues, is_fitted
from glassml.recommend._interactions import IdIndex, Interactions, _show_ids, as_id_array
from glassml.recommend._kernels import exclude_entries, top_k_rows

# Users scored per block: the dense (users x items) score block stays near 32 MB.
_SCORE_BLOCK_ELEMENTS = 4_000_000


def padding_id(item_ids: Any) -> Any:
    """The sentinel id that pads short recommendation lists, by the kind of the item ids.

    -1 for numeric ids (the largest value for unsigned integers), ``""`` for string ids and
    ``None`` for other objects. A padded place always has score -inf, the reliable marker.

    Examples
    --------
    >>> padding_id(np.array([10, 20])), padding_id(np.array(["85123A"]))
    (-1, np.str_(''))
    """
    ids = as_id_array(item_ids, "item_ids")
    if ids.size == 0:
        raise fail("item_ids", "at least one item id", ids)
    kind = ids.dtype.kind
    if kind == "u":
        return np.iinfo(ids.dtype).max
    if kind in "if":
        return -1
    if kind in "US":
        return ids.dtype.type()
    return None


def _block_rows(n_items: int) -> int:
    return max(1, _SCORE_BLOCK_ELEMENTS // max(n_items, 1))


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and scores of each row's k best entries (-inf entries never chosen)."""
    index = np.empty((scores.shape[0], k), dtype=np.int64)
    values = np.empty((scores.shape[0], k), dtype=np.float64)
    top_k_rows(np.ascontiguousarray(scores, dtype=np.float64), k, index, values)
    return index, values


class _Recommender(BaseEstimator):
    """Base class: data handling, ``recommend`` and ``similar_items`` for every model.

    A subclass implements ``_fit(interactions)`` and ``_user_scores(rows)`` (scores of all
    items for the given user rows), and ``_item_vectors()`` or ``_item_similarities(rows)``.
    """

    # Implicit-feedback models take weights r_ui >= 0 (confidences); explicit ones any rating.
    _non_negative: ClassVar[bool] = True
    # Factor models square their values (errors, confidences): beyond this magnitude the
    # objective overflows, and their regularisation makes them not scale-equivariant, so
    # such data are refused by name rather than rescaled. None: no limit (counting models).
    _max_magnitude: ClassVar[float | None] = 1e100

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self._non_negative
        tags.target_tags.required = False
        return tags

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Interactions | Any, y: None = None) -> _Recommender:
        """Fit on interactions (or a user x item matrix); ``y`` is ignored.

        Parameters
        ----------
        X : Interactions, or sparse matrix / array of shape (n_users, n_items)
            Ratings (explicit models) or weights r_ui >= 0 (implicit models). With
            ``warm_start=True`` a fitted model continues from its parameters (the same users
            and items are then required).
        y : None
            Ignored; present for scikit-learn's API.
        """
        self._check_params()
        data = self._as_interactions(X)
        warm = continues(self, data)
        self._remember(data)
        self._fit(data, warm)
        return self

    def _check_params(self) -> None:
        """scikit-learn's declared constraints, plus: every number finite (its intervals let
        inf through)."""
        self._validate_params()
        for name, value in self.get_params(deep=False).items():
            if isinstance(value, Real) and not isinstance(value, bool | np.bool_):
                if not np.isfinite(value):
                    raise fail(name, "a finite number", value)

    def _as_interactions(self, X: Any, reset: bool = True) -> Interactions:
        """``X`` as Interactions; matrices validated (``reset=False``: against the fitted
        number of items, as scikit-learn's incremental methods do)."""
        if isinstance(X, Interactions):
            data = X
        else:
            options = {"accept_sparse": ("csr", "csc", "coo"), "dtype": np.float64}
            matrix = (
                check_fit_X(self, X, ensure_min_features=1, **options)
                if reset
                else check_predict_data(self, X, **options)
            )
            data = Interactions.from_matrix(matrix)
        if data.nnz == 0:
            raise fail("X", "at least one interaction", "a matrix with no stored entries")
        largest = float(np.max(np.abs(data.matrix.data)))
        if self._max_magnitude is not None and largest > self._max_magnitude:
            raise fail(
                "X",
                f"values of magnitude at most {self._max_magnitude:g} for "
                f"{type(self).__name__} (rescale the ratings or weights)",
                f"largest {largest:g}",
            )
        if self._non_negative and np.any(data.matrix.data < 0):
            raise ValueError(
                f"X: Negative values in data passed to {type(self).__name__}.fit "
                f"(expected non-negative confidences, got minimum {data.matrix.data.min()!r})"
            )
        return data

    def _remember(self, data: Interactions) -> None:
        self.interactions_ = data
        self.user_ids_ = data.user_ids
        self.item_ids_ = data.item_ids
        self.n_features_in_ = data.n_items
        self._users = data._users if hasattr(data, "_users") else IdIndex(data.user_ids, "user")
        self._items = data._items if hasattr(data, "_items") else IdIndex(data.item_ids, "item")
        self.user_counts_ = np.diff(data.matrix.indptr)
        self.item_popularity_ = np.bincount(data.matrix.indices, minlength=data.n_items)

    def _fit(self, data: Interactions, warm: bool) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ scoring
    def _user_scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _item_vectors(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _item_similarities(self, rows: np.ndarray) -> np.ndarray:
        """Cosine similarity of the given items' vectors to every item's, shape (n, n_items)."""
        vectors = self._item_vectors()
        norms = np.linalg.norm(vectors, axis=1)
        unit = np.divide(
            vectors, norms[:, None], out=np.zeros_like(vectors), where=norms[:, None] > 0
        )
        return unit[rows] @ unit.T

    # ------------------------------------------------------------------ recommend
    def recommend(
        self,
        users: Any,
        k: int = 10,
        exclude_seen: bool = True,
        *,
        cold_start: str = "error",
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best items for each user, best first.

        Parameters
        ----------
        users : array-like of user ids (or one id)
            Original ids, as in the training interactions.
        k : int
            Length of each list (>= 1). Rows with fewer candidates are padded.
        exclude_seen : bool
            Leave out the items each user has in the training data.
        cold_start : {"error", "popular"}
            Users unknown to the model, or without training interactions: a ``ValueError``
            listing them, or the most popular items (by number of training users).

        Returns
        -------
        items : ndarray of shape (len(users), k)
            Original item ids; padding is the sentinel of :func:`padding_id`.
        scores : ndarray of shape (len(users), k)
            The model's scores, non-increasing along each row; ``-inf`` marks padding.
            Ties are broken by item order (the lower column first).
        """
        check_is_fitted(self)
        k = check_count(k, "k")
        exclude_seen = check_bool(exclude_seen, "exclude_seen")
        check_option(cold_start, "cold_start", ("error", "popular"))
        rows, cold = self._user_rows(users, cold_start)
        n_items = len(self.item_ids_)
        index = np.empty((len(rows), k), dtype=np.int64)
        scores = np.empty((len(rows), k), dtype=np.float64)
        seen = self.interactions_.matrix
        undescribed = self.item_popularity_ == 0
        block = _block_rows(n_items)
        for start in range(0, len(rows), block):
            stop = min(start + block, len(rows))
            block_rows, block_cold = rows[start:stop], cold[start:stop]
            block_scores = np.empty((stop - start, n_items), dtype=np.float64)
            warm = ~block_cold
            if np.any(warm):
                block_scores[warm] = self._user_scores(block_rows[warm])
            if np.any(block_cold):
                block_scores[block_cold] = self.item_popularity_
            block_scores[:, undescribed] = -np.inf
            if exclude_seen:
                # Unknown users (row -1) have seen nothing.
                exclude_entries(block_scores, block_rows, seen.indptr, seen.indices)
            index[start:stop], scores[start:stop] = top_k(block_scores, k)
        return self._ids_of(index), scores

    def _user_rows(self, users: Any, cold_start: str) -> tuple[np.ndarray, np.ndarray]:
        """Row of each user (-1 if unknown) and whether the model cannot score them."""
        ids = as_id_array(users, "users")
        rows, known = self._users.lookup(ids, "users")
        cold = ~known
        cold[known] = self.user_counts_[rows[known]] == 0
        if np.any(cold) and cold_start == "error":
            unknown = ids[~known]
            empty = ids[known & cold]
            parts = []
            if len(unknown):
                parts.append(f"unknown ids {_show_ids(list(unknown))}")
            if len(empty):
                parts.append(f"ids without training interactions {_show_ids(list(empty))}")
            raise ValueError(
                "users: expected users the model was fitted on, got "
                + " and ".join(parts)
                + "; pass cold_start='popular' to recommend popular items to them"
            )
        return rows, cold

    def _ids_of(self, index: np.ndarray) -> np.ndarray:
        pad = index < 0
        ids = self.item_ids_[np.where(pad, 0, index)]
        if np.any(pad):
            sentinel = padding_id(self.item_ids_)
            if sentinel is None:
                ids = ids.astype(object)
            ids[pad] = sentinel
        return ids

    # ------------------------------------------------------------------ neighbours
    def similar_items(self, items: Any, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k items most similar to each given item (itself excluded), most similar first.

        Similarity is the model's: cosine of item factors for factor models, the item-item
        matrix for :class:`ItemKNN`; the baselines, which know no similarity, rank the other
        items by their own item score. Returns ``(item ids, similarities)`` of shape
        (len(items), k), padded like :meth:`recommend`. Items without training data are
        refused (a ``ValueError`` listing them).
        """
        check_is_fitted(self)
        k = check_count(k, "k")
        ids = as_id_array(items, "items")
        rows = self._items.index(ids, "items")
        empty = self.item_popularity_[rows] == 0
        if np.any(empty):
            raise ValueError(
                "items: expected items with training interactions, got "
                f"{_show_ids(list(ids[empty]))} without any"
            )
        n_items = len(self.item_ids_)
        index = np.empty((len(rows), k), dtype=np.int64)
        scores = np.empty((len(rows), k), dtype=np.float64)
        undescribed = self.item_popularity_ == 0
        block = _block_rows(n_items)
        for start in range(0, len(rows), block):
            stop = min(start + block, len(rows))
            block_scores = np.array(self._item_similarities(rows[start:stop]), dtype=np.float64)
            block_scores[:, undescribed] = -np.inf
            block_scores[np.arange(stop - start), rows[start:stop]] = -np.inf
            index[start:stop], scores[start:stop] = top_k(block_scores, k)
        return self._ids_of(index), scores


class _IncrementalMixin:
    """``partial_fit`` for the stochastic-gradient models: one more epoch per call.

    A subclass implements ``_initialise(data)`` and ``_run(data, n_epochs)``.
    """

    def partial_fit(self, X: Interactions | Any, y: None = None):
        """One more epoch over ``X`` (initialising first if the model is not fitted).

        ``X`` must have the users and items of the first call (the parameters keep their
        rows); the learning-rate schedule continues from the epochs already run.
        """
        self._check_params()
        fitted = is_fitted(self)
        data = self._as_interactions(X, reset=not fitted)
        if fitted:
            check_same_ids(self, data)
        self._remember(data)
        if not fitted:
            self._initialise(data)
        self._run(data, 1)
        return self


class _ExplicitMixin:
    """``predict`` for rating models r̂_ui = mu + b_u + b_i + p_u . q_i (any part may be absent).

    A subclass sets ``global_mean_``, ``user_bias_``, ``item_bias_``, ``user_factors_`` and
    ``item_factors_`` (zero-width factors for a bias-only model) and implements
    ``_fold_in(matrix)`` -> (user bias, user factors) for new rows of ratings.
    """

    _non_negative: ClassVar[bool] = False

    def predict(
        self,
        users: Any,
        items: Any = None,
        *,
        cold_start: str = "error",
        clip: bool = True,
    ) -> np.ndarray:
        """Predicted ratings: ``predict(users, items)`` pairwise, or ``predict(X)`` for new rows.

        Parameters
        ----------
        users : array-like of user ids, or a matrix X of shape (n, n_items)
            With ``items``: the user of each pair. Without: a user x item rating matrix whose
            rows are folded in as new users (each row's bias and factors are the ridge
            solution given the fitted item parameters, the model's own half-step), and the
            completed matrix of shape (n, n_items) is returned (scikit-learn's reading of
            ``predict(X)``); columns follow ``item_ids_``.
        items : array-like of item ids, optional
            The item of each pair (same length as ``users``).
        cold_start : {"error", "baseline"}
            Pairs with a user or item unknown to the model (or without training ratings): a
            ``ValueError`` listing them, or the prediction without the unknown terms
            (mu + b_i for an unknown user, mu + b_u for an unknown item, as Surprise does).
        clip : bool
            Clip predictions to the training data's ``rating_scale`` when one was declared.
        """
        check_is_fitted(self)
        check_option(cold_start, "cold_start", ("error", "baseline"))
        clip = check_bool(clip, "clip")
        if items is None:
            predictions = self._predict_rows(users)
        else:
            predictions = self._predict_pairs(users, items, cold_start)
        scale = self.interactions_.rating_scale
        if clip and scale is not None:
            np.clip(predictions, scale[0], scale[1], out=predictions)
        return predictions

    def _predict_pairs(self, users: Any, items: Any, cold_start: str) -> np.ndarray:
        user_ids = as_id_array(users, "users")
        item_ids = as_id_array(items, "items")
        if user_ids.shape != item_ids.shape:
            raise fail("items", f"one item per user ({len(user_ids)})", len(item_ids))
        rows, known_users = self._users.lookup(user_ids, "users")
        cols, known_items = self._items.lookup(item_ids, "items")
        known_users[known_users] = self.user_counts_[rows[known_users]] > 0
        known_items[known_items] = self.item_popularity_[cols[known_items]] > 0
        if cold_start == "error":
            for argument, ids, known in (
                ("users", user_ids, known_users),
                ("items", item_ids, known_items),
            ):
                if not np.all(known):
                    raise ValueError(
                        f"{argument}: expected ids with training ratings, got "
                        f"{_show_ids(list(dict.fromkeys(ids[~known].tolist())))}; pass "
                        "cold_start='baseline' to predict without the unknown terms"
                    )
        rows, cols = np.where(known_users, rows, 0), np.where(known_items, cols, 0)
        user_bias = np.where(known_users, self.user_bias_[rows], 0.0)
        item_bias = np.where(known_items, self.item_bias_[cols], 0.0)
        both = known_users & known_items
        dots = np.einsum("ij,ij->i", self.user_factors_[rows], self.item_factors_[cols])
        return self.global_mean_ + user_bias + item_bias + np.where(both, dots, 0.0)

    def _predict_rows(self, X: Any) -> np.ndarray:
        matrix = check_predict_data(self, X, accept_sparse=("csr", "csc", "coo"), dtype=np.float64)
        matrix = sp.csr_matrix(matrix)
        user_bias, user_factors = self._fold_in(matrix)
        return (
            self.global_mean_
            + user_bias[:, None]
            + self.item_bias_[None, :]
            + user_factors @ self.item_factors_.T
        )

    def _user_scores(self, rows: np.ndarray) -> np.ndarray:
        return (
            self.global_mean_
            + self.user_bias_[rows, None]
            + self.item_bias_[None, :]
            + self.user_factors_[rows] @ self.item_factors_.T
        )
