"""Compiled kernels that release the GIL, run on row blocks in a pool of ordinary threads.

Used where the work splits into independent blocks of rows (binning, the loss and its
derivatives, prediction by many trees). Threads wait on the pool's queue rather than spinning
at a barrier, which matters on a shared, loaded machine; each block's result lands in its own
slot, so results never depend on the number of threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0


def _pool(n_threads: int) -> ThreadPoolExecutor:
    global _POOL, _POOL_SIZE
    if _POOL is None or _POOL_SIZE < n_threads:
        if _POOL is not None:
            _POOL.shutdown(wait=False)
        _POOL = ThreadPoolExecutor(n_threads, thread_name_prefix="glassml-trees")
        _POOL_SIZE = n_threads
    return _POOL


def row_blocks(n_rows: int, block: int) -> list[tuple[int, int]]:
    """[(0, block), (block, 2 block), ..., (., n_rows)]: fixed blocks of rows."""
    starts = list(range(0, n_rows, block))
    return [(a, min(a + block, n_rows)) for a in starts]


def map_blocks(
    function: Callable[..., Any], blocks: Sequence[tuple[int, int]], *arguments: Any
) -> list[Any]:
    """``[function(*arguments, start, stop) for (start, stop) in blocks]``, on up to
    ``numba.get_num_threads()`` threads when there is more than one block."""
    n_threads = min(numba.get_num_threads(), len(blocks))
    if n_threads <= 1:
        return [function(*arguments, start, stop) for start, stop in blocks]
    pool = _pool(n_threads)
    jobs = [pool.submit(function, *arguments, start, stop) for start, stop in blocks]
    return [job.result() for job in jobs]
