"""Thread counts for BLAS and for our Numba kernels, shared by every family.

Two oversubscription traps on small machines: BLAS threads started inside Numba's parallel
loops (both split the same cores), and thread pools woken for work too small to repay them,
which on a loaded machine costs far more than the work itself. ``one_blas_thread`` and
``kernel_threads`` avoid both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numba

# Below about a million multiply-adds a kernel finishes in well under a millisecond.
PARALLEL_WORK_THRESHOLD = 1_000_000

_blas_controller: Any = None


def one_blas_thread():
    """Context in which BLAS runs on one thread (threadpoolctl; restored on exit).

    The thread count is a process-wide BLAS setting: a concurrent BLAS call in another thread
    meanwhile also runs on one thread (slower, never wrong).
    """
    global _blas_controller
    if _blas_controller is None:  # inspecting the loaded libraries is slow: do it once
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController().select(user_api="blas")
    return _blas_controller.limit(limits=1)


@contextmanager
def kernel_threads(work: int, max_threads: int | None = None) -> Iterator[int]:
    """Run the enclosed Numba kernel on all threads (at most ``max_threads``) if ``work`` is
    large, else on one."""
    previous = numba.get_num_threads()
    n_threads = previous if work >= PARALLEL_WORK_THRESHOLD else 1
    if max_threads is not None:
        n_threads = min(n_threads, max_threads)
    numba.set_num_threads(n_threads)
    try:
        yield n_threads
    finally:
        numba.set_num_threads(previous)
