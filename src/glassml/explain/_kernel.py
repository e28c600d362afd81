"""Kernel SHAP: Shapley values as the solution of a weighted least-squares problem.

Lundberg & Lee (2017), Theorem 2: among additive models g(z) = phi_0 + sum_i phi_i z_i over
coalitions z in {0, 1}^M, the one minimising

    sum_z pi(z) (v(z) - g(z))^2,   pi(z) = (M - 1) / (C(M, |z|) |z| (M - |z|)),

with pi infinite at the empty and the full coalition (so g(0) = v(0), g(1) = v(1)), has the
Shapley values as its coefficients. The two infinite weights are constraints, solved exactly
here: phi_0 = v(0) and sum_i phi_i = v(1) - v(0) eliminate phi_M, and the rest is an ordinary
weighted least-squares solve. With every coalition enumerated the solution *is* the Shapley
value; with a budget, the sizes carrying the most kernel weight (|z| = 1 and M - 1, then 2 and
M - 2, ...) are enumerated completely from both ends while the budget allows, and the remaining
sizes are sampled without replacement in complementary pairs (z and 1 - z together: antithetic
sampling), each sampled coalition weighted by its size's total kernel weight over the number
sampled of that size (a Horvitz-Thompson weight, so the normal equations are unbiased).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import comb

from glassml._threads import one_blas_thread
from glassml._validation import check_count, fail
from glassml.explain._common import (
    BATCH_ROWS,
    BackgroundExplainer,
    check_background,
    check_rows,
    check_seed,
    summarise_background,
)
from glassml.explain._exact import all_coalitions
from glassml.explain._explanation import Explanation


def size_weight(size: int, n_features: int) -> float:
    """Total Shapley-kernel weight of all coalitions of one size: (M - 1) / (s (M - s))."""
    return (n_features - 1) / (size * (n_features - size))


def minimum_samples(n_features: int) -> int:
    """The smallest budget: every coalition of size 1 and M - 1 plus two (2 M + 2), or all."""
    return min(2 * n_features + 2, (1 << n_features) - 2)


def _combinations(n_features: int, size: int) -> np.ndarray:
    """Every coalition of one size, as boolean masks."""
    from itertools import combinations

    chosen = np.array(list(combinations(range(n_features), size)), dtype=np.int64)
    masks = np.zeros((len(chosen), n_features), dtype=bool)
    masks[np.arange(len(chosen))[:, None], chosen] = True
    return masks


def coalition_design(
    n_features: int, budget: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Coalitions (masks), their regression weights, and how many sizes were enumerated.

    Excludes the empty and the full coalition (they are the constraints).
    """
    M = n_features
    if budget >= (1 << M) - 2:
        masks = all_coalitions(M)[1:-1]
        size = masks.sum(axis=1)
        weights = (M - 1) / (comb(M, size) * size * (M - size))
        return masks, weights, M // 2
    blocks, weights = [], []
    left, s = budget, 1
    while s <= M // 2:
        count = int(comb(M, s, exact=True)) * (1 if 2 * s == M else 2)
        if count > left:
            break
        for size in {s, M - s}:
            block = _combinations(M, size)
            blocks.append(block)
            weights.append(np.full(len(block), size_weight(size, M) / len(block)))
        left -= count
        s += 1
    enumerated = s - 1
    if left >= 2 and s <= M // 2:
        masks, w = _sample_pairs(M, s, left, rng)
        blocks.append(masks)
        weights.append(w)
    return np.concatenate(blocks), np.concatenate(weights), enumerated


def _sample_pairs(
    M: int, first: int, budget: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Coalitions of sizes first..M-first, in complementary pairs, without replacement."""
    sizes = np.arange(first, M // 2 + 1)
    # A pair (s, M - s) carries both sizes' kernel weight; s = M / 2 pairs within its size.
    mass = np.array([size_weight(s, M) * (1 if 2 * s == M else 2) for s in sizes])
    seen: set[bytes] = set()
    chosen: list[np.ndarray] = []
    n_pairs = budget // 2
    for _ in range(64):  # rounds; each draws twice what is missing, duplicates are dropped
        missing = n_pairs - len(chosen)
        if missing <= 0:
            break
        draw = rng.choice(sizes, size=2 * missing, p=mass / mass.sum())
        order = np.argsort(rng.random((len(draw), M)), axis=1)
        masks = np.zeros((len(draw), M), dtype=bool)
        np.put_along_axis(masks, order, np.arange(M)[None, :] < draw[:, None], axis=1)
        for mask in masks:
            key, complement = np.packbits(mask).tobytes(), np.packbits(~mask).tobytes()
            if key in seen or complement in seen:
                continue
            seen.update((key, complement))
            chosen.append(mask)
            if len(chosen) == n_pairs:
                break
    half = np.array(chosen)
    masks = np.concatenate([half, ~half])
    size = masks.sum(axis=1)
    counts = np.bincount(size, minlength=M + 1)
    weights = np.array([size_weight(s, M) for s in size]) / counts[size]
    return masks, weights


def constrained_solver(masks: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """P with phi_{1..M-1} = P (y - z_M Delta) for y = v(z) - v(0) stacked over coalitions.

    Substituting phi_M = Delta - sum_{j<M} phi_j into g(z) - v(0) = sum_j phi_j z_j gives the
    unconstrained weighted least squares in phi_{1..M-1} with design z_j - z_M and target
    y - z_M Delta. P = (X^T W X)^{-1} X^T W, computed from the QR factors of W^(1/2) X.
    """
    Z = masks.astype(np.float64)
    X = Z[:, :-1] - Z[:, -1:]
    root = np.sqrt(weights)
    # A few thousand by M: BLAS's thread pool costs more than the work (0.6 s instead of
    # 15 ms for 2,048 x 19 on a loaded two-core machine).
    with one_blas_thread():
        Q, R = np.linalg.qr(root[:, None] * X)
        return np.linalg.solve(R, Q.T) * root[None, :]


class KernelExplainer(BackgroundExplainer):
    """Kernel SHAP (Lundberg & Lee 2017) with the efficiency constraint solved exactly.

    For each row x, the value of a coalition z is the interventional v_x(z) = E_b f(x_z,
    b_{not z}) over the background. The Shapley values minimise the Shapley-kernel-weighted
    squared error of the additive model g(z) = phi_0 + sum_i phi_i z_i subject to g(0) = v(0)
    and g(1) = v(1):

        min  sum_z pi(z) (v(z) - v(0) - z . phi)^2   s.t.  sum_i phi_i = v(1) - v(0),
        pi(z) = (M - 1) / (C(M, |z|) |z| (M - |z|)).

    The constraint eliminates phi_M; the rest is one QR solve, shared by all rows (the same
    coalitions serve every row of one call), so a call costs one model evaluation per
    (row, coalition, background row) and one matrix product. Coalition sizes are enumerated
    completely from both ends (1 and M - 1, 2 and M - 2, ...) while the budget allows; the
    other sizes are sampled without replacement in complementary pairs. With
    ``n_samples >= 2^M - 2`` every coalition is used and the values are exact.

    Parameters
    ----------
    model_fn : callable
        ``f(X) -> (n,)`` or ``(n, n_outputs)``.
    background : array-like of shape (n_background, n_features)
        Summarised by k-means (``summary_size`` weighted centres) when it has more than
        ``max_background`` rows.
    n_samples : int or "auto", default="auto"
        Coalitions per call (besides the empty and the full one): ``min(2^M - 2, 2 M + 2048)``
        for "auto"; at least ``2 M + 2``.
    random_state : int, Generator or None
    background_weights, feature_names, output_names, batch_rows : see ExactExplainer
    n_jobs : int or None, default=None
        Worker processes that share the model calls: None means 1 (unless inside a
        ``joblib.parallel_config`` context), -1 all cores (joblib's convention). The
        coalitions are drawn in this process, so the values are bit-identical for any
        ``n_jobs``. ``model_fn`` travels to the workers by cloudpickle (lambdas and closures
        do); one that cannot gives a ``UserWarning`` and is evaluated here instead. Worth it
        when the model dominates the time (a tree ensemble's ``predict_proba`` holds the GIL,
        so processes, not threads); the first call also starts the workers.
    max_background : int, default=1000
    summary_size : int, default=100

    Attributes
    ----------
    n_coalitions_ : int, n_enumerated_sizes_ : int
        Set by each call: how many coalitions were evaluated and how many size pairs were
        enumerated completely.

    References
    ----------
    Lundberg, S. M. & Lee, S.-I. (2017). A unified approach to interpreting model predictions.
    NeurIPS. Covert, I. & Lee, S.-I. (2021). Improving KernelSHAP. AISTATS (paired sampling).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda X: X @ np.array([1.0, 2.0, 3.0])
    >>> explainer = KernelExplainer(f, np.zeros((1, 3)))
    >>> explainer(np.ones((1, 3))).values.round(12)
    array([[1., 2., 3.]])
    """

    def __init__(
        self,
        model_fn: Any,
        background: Any,
        n_samples: int | str = "auto",
        random_state: Any = None,
        *,
        background_weights: Any = None,
        feature_names: Any = None,
        output_names: Any = None,
        batch_rows: int = BATCH_ROWS,
        max_background: int = 1000,
        summary_size: int = 100,
        n_jobs: int | None = None,
    ) -> None:
        data, weights, names = check_background(background, background_weights)
        self.max_background = check_count(max_background, "max_background")
        self.summary_size = check_count(summary_size, "summary_size")
        if data.shape[0] > self.max_background:
            data, weights = summarise_background(data, weights, self.summary_size, random_state)
        self.random_state = check_seed(random_state)
        self._setup(model_fn, data, weights, names, feature_names, output_names, batch_rows, n_jobs)
        M = data.shape[1]
        full = (1 << M) - 2 if M < 63 else math.inf
        if isinstance(n_samples, str) and n_samples == "auto":
            self.n_samples = int(min(full, 2 * M + 2048))
        else:
            budget = check_count(n_samples, "n_samples", minimum=1)
            if budget < minimum_samples(M):
                raise fail(
                    "n_samples",
                    f"at least 2 M + 2 = {minimum_samples(M)} coalitions for M = {M} features",
                    n_samples,
                )
            self.n_samples = int(min(budget, full))

    def __call__(self, X: Any) -> Explanation:
        """Kernel SHAP values of each row of ``X``."""
        rows = check_rows(X, "X", self.background.shape[1])
        M = rows.shape[1]
        empty_and_full = np.array([np.zeros(M, bool), np.ones(M, bool)])
        ends = self._values(rows, empty_and_full)
        delta = ends[:, 1] - ends[:, 0]  # (n, K): v(1) - v(0)
        if M == 1:
            self.n_coalitions_, self.n_enumerated_sizes_ = 0, 0
            return self._package(delta[:, None, :], rows)
        rng = np.random.default_rng(self.random_state)
        masks, weights, enumerated = coalition_design(M, self.n_samples, rng)
        self.n_coalitions_, self.n_enumerated_sizes_ = len(masks), enumerated
        v = self._values(rows, masks)
        last = masks[:, -1].astype(np.float64)
        target = v - ends[:, :1] - last[None, :, None] * delta[:, None, :]  # (n, S, K)
        head = np.einsum("js,nsk->njk", constrained_solver(masks, weights), target)
        values = np.concatenate([head, delta[:, None, :] - head.sum(axis=1, keepdims=True)], 1)
        return self._package(values, rows)
