"""Thread counts for our compiled kernels and for BLAS inside them.

BLAS is kept to one thread inside our parallel loops (numba's threads split the chunks; BLAS
threads on top would oversubscribe the cores). Small kernels run on one numba thread: waking a
thread pool costs more than the work, and far more on a loaded machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numba
from threadpoolctl import ThreadpoolController

# Below about a million multiply-adds a kernel finishes in well under a millisecond.
PARALLEL_WORK_THRESHOLD = 1_000_000

_controller: ThreadpoolController | None = None


def single_threaded_blas():
    """Context manager: BLAS runs on one thread while numba's threads split the chunks."""
    global _controller
    if _controller is None:  # inspecting the loaded libraries is slow: do it once
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


@contextmanager
def kernel_threads(work: int, max_threads: int | None = None) -> Iterator[int]:
    """Run the enclosed numba kernel on all threads (at most ``max_threads``) if ``work`` is
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
