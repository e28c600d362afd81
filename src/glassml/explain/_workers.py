"""The model-agnostic explainers' model calls, split across worker processes.

An explainer's cost is its model calls: a fixed sequence of batches (synthetic rows for the
Shapley explainers, perturbed samples for LIME) whose boundaries depend only on the data and
``batch_rows``. ``run_calls`` hands each of ``n_workers`` processes one contiguous range of
those calls, so every model call sees exactly the rows it would see in one process, and the
results are bit-identical for any ``n_jobs`` (for any deterministic model, even one whose
output for a row depends on the rest of its batch). Every random draw stays in the parent.

Processes, not threads: scikit-learn's tree ensembles hold the GIL while they predict (two
threads run a GradientBoostingClassifier's ``predict_proba`` at 1.00x the speed of one).
Each worker receives the model function once per explainer call, pickled once in the parent;
the workers are joblib's reusable loky processes, so their start-up (interpreter, imports of
scikit-learn and Numba, Numba's cache) is paid by the first call only (docs/explain.md).
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from itertools import pairwise
from typing import Any


class ModelNotLoaded(RuntimeError):
    """A worker could not unpickle the model function (for example, it refers to a module
    that the worker cannot import)."""


def n_workers(n_jobs: int | None, n_calls: int) -> int:
    """Worker processes for ``n_calls`` model calls: joblib's count for ``n_jobs`` (None = 1,
    -1 = all cores, or what a ``joblib.parallel_config`` context sets), at most one per call."""
    if n_jobs == 1 or n_calls <= 1:
        return 1
    from joblib import effective_n_jobs

    return max(1, min(effective_n_jobs(n_jobs), n_calls))


def _in_worker(task: Callable, blob: bytes, arguments: tuple) -> Any:
    try:
        model = pickle.loads(blob)
    except Exception as error:  # any failure to rebuild the function means the same thing
        raise ModelNotLoaded(f"{type(error).__name__}: {error}") from None
    return task(model, *arguments)


def _fall_back(reason: str) -> None:
    warnings.warn(
        f"model_fn: cannot be sent to worker processes ({reason}); evaluating it in this "
        "process instead (the values are the same as with n_jobs=1). Define it at module "
        "level or as a bound method of a picklable model to use n_jobs.",
        UserWarning,
        stacklevel=4,
    )


def run_calls(
    task: Callable,
    model: Any,
    n_calls: int,
    n_jobs: int | None,
    arguments: Callable[[int, int], tuple],
) -> list:
    """``[task(model, *arguments(start, stop)), ...]`` over contiguous ranges of the
    ``n_calls`` model calls, in order: one range in this process for one worker, else one
    range per worker process.

    ``task`` must be a module-level function (workers import it by name). A model function
    that cannot be pickled (in the parent) or unpickled (in a worker) gives a ``UserWarning``
    and the serial computation, which returns the same values.
    """
    workers = n_workers(n_jobs, n_calls)
    if workers == 1:
        return [task(model, *arguments(0, n_calls))]
    import cloudpickle
    from joblib import Parallel, delayed

    try:
        # cloudpickle, as joblib's workers use: lambdas and closures travel by value.
        blob = cloudpickle.dumps(model)
    except Exception as error:  # pickling fails with many exception types (TypeError, ...)
        _fall_back(f"{type(error).__name__}: {error}")
        return [task(model, *arguments(0, n_calls))]
    bounds = [n_calls * i // workers for i in range(workers + 1)]
    try:
        # max_nbytes=None: no read-only memmaps, whose Numba type would miss the kernel cache.
        return Parallel(n_jobs=workers, prefer="processes", max_nbytes=None)(
            delayed(_in_worker)(task, blob, arguments(start, stop))
            for start, stop in pairwise(bounds)
        )
    except ModelNotLoaded as error:
        _fall_back(f"in a worker, {error}")
        return [task(model, *arguments(0, n_calls))]
