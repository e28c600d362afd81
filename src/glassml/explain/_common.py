"""What the model-agnostic explainers share: checking a model function and its data, the
background (with its k-means summary), and the interventional value of a coalition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from glassml._validation import (
    check_callable,
    check_count,
    check_n_jobs,
    check_named_array,
    fail,
)

# Rows handed to the model in one call: large enough to amortise a call's overhead (tens of
# microseconds in scikit-learn against ~0.5 us a row for a 100-tree boosting model), small
# enough that a batch (rows x features x 8 bytes: 5 MB for 20 features) stays in cache while
# a tree ensemble passes over it once per tree. Measured on the kernel_shap workload: 2^15
# rows per call spends 15-20% less CPU in the model than 2^17 (docs/explain.md, performance).
BATCH_ROWS = 1 << 15


def feature_names_of(data: Any, n_features: int, given: Any = None) -> list[str]:
    """Names from ``given``, else a DataFrame's columns, else ``x0, x1, ...``."""
    if given is not None:
        names = [str(name) for name in given]
        if len(names) != n_features:
            raise fail("feature_names", f"{n_features} names", given)
        return names
    columns = getattr(data, "columns", None)
    if columns is not None and len(columns) == n_features:
        return [str(name) for name in columns]
    return [f"x{j}" for j in range(n_features)]


def check_rows(X: Any, argument: str = "X", n_features: int | None = None) -> np.ndarray:
    """A finite float64 matrix of rows to explain, with ``n_features`` columns if given."""
    rows = check_named_array(X, argument, dtype=np.float64, ensure_2d=False)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if rows.ndim != 2:
        raise fail(argument, "a 2-D array of rows (or one row as a 1-D array)", rows)
    if rows.shape[0] == 0:
        raise fail(argument, "at least one row", rows)
    if n_features is not None and rows.shape[1] != n_features:
        raise fail(argument, f"{n_features} features (as the background)", rows)
    return rows


def check_background(
    background: Any, weights: Any = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The background rows, their weights (normalised to sum 1) and the feature names."""
    data = check_named_array(background, "background", dtype=np.float64)
    if weights is None:
        w = np.full(data.shape[0], 1.0 / data.shape[0])
    else:
        w = check_named_array(weights, "background_weights", dtype=np.float64, ensure_2d=False)
        if w.shape != (data.shape[0],) or np.any(w < 0) or not w.sum() > 0:
            raise fail(
                "background_weights",
                f"{data.shape[0]} non-negative weights with a positive sum",
                weights,
            )
        w = w / w.sum()
    return data, w, feature_names_of(background, data.shape[1])


def summarise_background(
    background: np.ndarray, weights: np.ndarray, size: int, random_state: Any
) -> tuple[np.ndarray, np.ndarray]:
    """k-means centres weighted by the background weight each cluster holds."""
    from glassml.cluster import KMeans

    size = check_count(size, "summary_size")
    if background.shape[0] <= size:
        return background, weights
    kmeans = KMeans(n_clusters=size, n_init=1, random_state=random_state)
    # Centres from the rows; each centre then carries the background weight of its cluster.
    labels = kmeans.fit(background).labels_
    held = np.bincount(labels, weights=weights, minlength=size)
    keep = held > 0
    return kmeans.cluster_centers_[keep], held[keep] / held[keep].sum()


def evaluate(model_fn: Callable, Z: np.ndarray, argument: str = "model_fn") -> np.ndarray:
    """``model_fn(Z)`` as a float64 (rows, outputs) matrix, or a ``ValueError`` naming it."""
    try:
        out = np.asarray(model_fn(Z))
    except (ValueError, TypeError) as error:
        raise ValueError(f"{argument}: raised {type(error).__name__}: {error}") from error
    if out.dtype.kind not in "fiub":
        raise fail(argument, "a numeric output", out)
    out = out.astype(np.float64, copy=False)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != Z.shape[0]:
        raise ValueError(
            f"{argument}: expected an output of shape ({Z.shape[0]},) or ({Z.shape[0]}, "
            f"n_outputs) for {Z.shape[0]} rows, got shape {out.shape}"
        )
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{argument}: expected finite outputs, got NaN or inf")
    return out


class ModelFunction:
    """A model function checked once for its output shape, then called in batches."""

    def __init__(self, model_fn: Any, probe: np.ndarray) -> None:
        self.fn = check_callable(model_fn, "model_fn", "f(X) -> (n,) or (n, n_outputs)")
        first = np.asarray(model_fn(probe[:1]))
        self.vector = first.ndim <= 1
        self.n_outputs = evaluate(model_fn, probe[:1]).shape[1]

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        out = evaluate(self.fn, Z)
        if out.shape[1] != self.n_outputs:
            raise ValueError(
                f"model_fn: expected {self.n_outputs} outputs per row (as on the first call), "
                f"got {out.shape[1]}"
            )
        return out


@numba.njit(cache=True)
def _fill_synthetic(
    out: np.ndarray,
    X: np.ndarray,
    masks: np.ndarray,
    background: np.ndarray,
    first_pair: int,
    n_coalitions: int,
) -> None:
    """out[p, b] = background row b with row r's values on coalition c's features, where
    (r, c) = divmod(first_pair + p, n_coalitions): a plain copy of values, one pass over
    ``out`` (np.where over broadcast masks makes three passes and a fresh array per call)."""
    for p in range(out.shape[0]):
        r, c = divmod(first_pair + p, n_coalitions)
        for b in range(out.shape[1]):
            for j in range(out.shape[2]):
                out[p, b, j] = X[r, j] if masks[c, j] else background[b, j]


def coalition_values(
    model: ModelFunction,
    X: np.ndarray,
    masks: np.ndarray,
    background: np.ndarray,
    weights: np.ndarray,
    batch_rows: int = BATCH_ROWS,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Interventional value of every coalition for every row: shape (n_rows, n_coalitions, K).

    v_x(S) = sum_b w_b f(x_S, b_{not S}): the features in S are set to x's values, the others
    come from each background row b. The (row, coalition) pairs, row-major, are evaluated in
    batches of at most ``batch_rows`` synthetic rows (at least one pair), one model call per
    batch; a batch spans several explained rows when the coalitions of one row do not fill
    it. With ``n_jobs`` the batches are shared out among worker processes in contiguous
    ranges (``_workers.run_calls``): the same batches, so the same values.
    """
    n_rows, n_coalitions = X.shape[0], masks.shape[0]
    n_pairs = n_rows * n_coalitions
    pairs_per_call = min(n_pairs, max(1, batch_rows // background.shape[0]))
    n_calls = -(-n_pairs // pairs_per_call)
    X, masks = np.ascontiguousarray(X), np.ascontiguousarray(masks, dtype=np.bool_)
    background = np.ascontiguousarray(background)

    def arguments(first_call: int, last_call: int) -> tuple:
        # The pairs of calls first_call..last_call - 1, and only the rows they touch.
        first, stop = first_call * pairs_per_call, min(last_call * pairs_per_call, n_pairs)
        row, end_row = first // n_coalitions, -(-stop // n_coalitions)
        offset = row * n_coalitions
        rows = X[row:end_row]
        return rows, masks, background, weights, first - offset, stop - offset, pairs_per_call

    from glassml.explain._workers import run_calls

    parts = run_calls(_coalition_block, model, n_calls, n_jobs, arguments)
    return np.concatenate(parts).reshape(n_rows, n_coalitions, model.n_outputs)


def _coalition_block(
    model: ModelFunction,
    X: np.ndarray,
    masks: np.ndarray,
    background: np.ndarray,
    weights: np.ndarray,
    first: int,
    stop: int,
    pairs_per_call: int,
) -> np.ndarray:
    """Values of the (row, coalition) pairs first..stop - 1 of ``X`` (row-major), in model
    calls of ``pairs_per_call`` pairs; the synthetic rows are written into one buffer that
    every call reuses."""
    n_background, n_features = background.shape
    values = np.empty((stop - first, model.n_outputs))
    buffer = np.empty((min(pairs_per_call, stop - first), n_background, n_features))
    for start in range(first, stop, pairs_per_call):
        end = min(start + pairs_per_call, stop)
        synthetic = buffer[: end - start]
        _fill_synthetic(synthetic, X, masks, background, start, masks.shape[0])
        out = model(synthetic.reshape(-1, n_features))
        # Reduced before the next batch overwrites the buffer (``out`` may be a view of it).
        values[start - first : end - first] = np.einsum(
            "pbk,b->pk", out.reshape(end - start, n_background, -1), weights
        )
    return values


def model_calls(model: ModelFunction, samples: np.ndarray, batch_rows: int) -> np.ndarray:
    """``model`` over ``samples`` (rows, features) in calls of ``batch_rows`` rows."""
    return np.concatenate(
        [model(samples[i : i + batch_rows]) for i in range(0, len(samples), batch_rows)]
    )


def package(
    values: np.ndarray,
    base_values: np.ndarray,
    X: np.ndarray,
    feature_names: list[str],
    vector_output: bool,
    output_names: Any = None,
    **extra: Any,
) -> Any:
    """An Explanation, dropping the output axis when the model returns a vector."""
    from glassml.explain._explanation import Explanation

    if vector_output:
        return Explanation(values[..., 0], base_values[..., 0], X, feature_names, None, **extra)
    k = values.shape[-1]
    names = [str(name) for name in output_names] if output_names is not None else None
    if names is None or len(names) != k:
        names = [str(j) for j in range(k)]
    return Explanation(values, base_values, X, feature_names, names, **extra)


class BackgroundExplainer:
    """What the interventional explainers (exact and Kernel) share: the checked background,
    the model function, the names and E_b f(b)."""

    def _setup(
        self,
        model_fn: Any,
        background: np.ndarray,
        background_weights: np.ndarray,
        names: list[str],
        feature_names: Any,
        output_names: Any,
        batch_rows: Any,
        n_jobs: Any = None,
    ) -> None:
        self.background, self.background_weights = background, background_weights
        n_features = background.shape[1]
        self.feature_names = feature_names_of(background, n_features, feature_names or names)
        self.output_names = output_names
        self.batch_rows = check_count(batch_rows, "batch_rows")
        self.n_jobs = check_n_jobs(n_jobs)
        self.model = ModelFunction(model_fn, background)
        self.expected_value = background_weights @ self.model(background)

    def _values(self, rows: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """``coalition_values`` with this explainer's background, batches and workers."""
        return coalition_values(
            self.model,
            rows,
            masks,
            self.background,
            self.background_weights,
            self.batch_rows,
            self.n_jobs,
        )

    def _package(self, values: np.ndarray, rows: np.ndarray) -> Any:
        base = np.broadcast_to(self.expected_value, (rows.shape[0], self.model.n_outputs))
        return package(
            values, base.copy(), rows, self.feature_names, self.model.vector, self.output_names
        )


def check_seed(value: Any, argument: str = "random_state") -> Any:
    """``None``, a non-negative integer (NumPy integers too) or a ``numpy.random.Generator``."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    return check_count(value, argument, minimum=0)
