"""Shapley values by enumerating every coalition (the definition, vectorised)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln

from glassml.explain._common import (
    BATCH_ROWS,
    BackgroundExplainer,
    check_background,
    check_rows,
)
from glassml.explain._explanation import Explanation

MAX_EXACT_FEATURES = 16


def all_coalitions(n_features: int) -> np.ndarray:
    """Every subset of ``range(n_features)`` as a boolean mask; row ``c`` is the bits of ``c``."""
    codes = np.arange(1 << n_features, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n_features)) & 1).astype(bool)


def shapley_weight(size: np.ndarray | int, n_features: int) -> np.ndarray:
    """|S|! (M - |S| - 1)! / M!: the weight of v(S + i) - v(S) in phi_i."""
    size = np.asarray(size, dtype=np.float64)
    return np.exp(gammaln(size + 1) + gammaln(n_features - size) - gammaln(n_features + 1))


def shapley_matrix(masks: np.ndarray) -> np.ndarray:
    """C with phi = C^T v over the coalitions in ``masks`` (all 2^M of them).

    phi_i = sum_{S not containing i} w(|S|) (v(S + i) - v(S)); collecting the terms of each
    v(S): C[S, i] = w(|S| - 1) if i in S, else -w(|S|).
    """
    n_features = masks.shape[1]
    size = masks.sum(axis=1)
    inside = shapley_weight(np.maximum(size - 1, 0), n_features)[:, None]
    outside = shapley_weight(np.minimum(size, n_features - 1), n_features)[:, None]
    return np.where(masks, inside, -outside)


class ExactExplainer(BackgroundExplainer):
    """Shapley values of a model's output by enumerating all 2^M coalitions.

    The game is the interventional one: v_x(S) = E_b f(x_S, b_{not S}), with b drawn from the
    background (weighted if ``background_weights`` is given). The Shapley value of feature i is

        phi_i = sum over S not containing i of |S|! (M - |S| - 1)! / M! (v(S + i) - v(S)),

    computed as phi = C^T v with C of shape (2^M, M); the model is called on every
    (coalition, background row) pair in batches. Efficiency holds exactly:
    sum_i phi_i = f(x) - E_b f(b). Limited to 16 features (2^16 coalitions); use
    :class:`KernelExplainer` beyond.

    Parameters
    ----------
    model_fn : callable
        ``f(X) -> (n,)`` or ``(n, n_outputs)`` (e.g. ``model.predict_proba``).
    background : array-like of shape (n_background, n_features)
    background_weights : array-like of shape (n_background,), optional
    feature_names : list of str, optional
    output_names : list of str, optional
    batch_rows : int, default=32768
        Synthetic rows per model call.
    n_jobs : int or None, default=None
        Worker processes that share the model calls (joblib's convention: None means 1
        unless inside a ``joblib.parallel_config`` context, -1 means all cores). The values
        are bit-identical for any ``n_jobs``; ``model_fn`` must be picklable (with
        cloudpickle: lambdas and closures are), else a warning and one process.

    References
    ----------
    Shapley, L. S. (1953). A value for n-person games. Strumbelj, E. & Kononenko, I. (2014).
    Explaining prediction models and individual predictions with feature contributions.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda X: X[:, 0] * X[:, 1]
    >>> explainer = ExactExplainer(f, np.zeros((1, 2)))
    >>> explainer(np.array([[2.0, 3.0]])).values
    array([[3., 3.]])
    """

    def __init__(
        self,
        model_fn: Any,
        background: Any,
        *,
        background_weights: Any = None,
        feature_names: Any = None,
        output_names: Any = None,
        batch_rows: int = BATCH_ROWS,
        n_jobs: int | None = None,
    ) -> None:
        data, weights, names = check_background(background, background_weights)
        n_features = data.shape[1]
        if n_features > MAX_EXACT_FEATURES:
            raise ValueError(
                f"background: expected at most {MAX_EXACT_FEATURES} features for exact "
                f"enumeration (2^M coalitions), got {n_features}; use KernelExplainer"
            )
        self._setup(model_fn, data, weights, names, feature_names, output_names, batch_rows, n_jobs)
        self._masks = all_coalitions(n_features)
        self._C = shapley_matrix(self._masks)

    def __call__(self, X: Any) -> Explanation:
        """Shapley values of each row of ``X``."""
        rows = check_rows(X, "X", self.background.shape[1])
        v = self._values(rows, self._masks)
        return self._package(np.einsum("sm,nsk->nmk", self._C, v), rows)
