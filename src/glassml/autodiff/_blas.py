"""Small and medium matrix products on one BLAS thread.

OpenBLAS splits a GEMM over its threads once ``M N K`` exceeds 4 x 65,536 multiply-adds. For a
product of up to a few million multiply-adds (a fraction of a millisecond on one core) the
second thread saves little on an idle machine, while on a loaded one waiting for it to be
scheduled cost 5-40 times the product itself (measured on the shared 2-core machine: a CNN step
went from 83 to 32 ms with its dense layer's three GEMMs on one thread). Products of this
size therefore run inside :func:`one_blas_thread`; larger ones keep every thread, and smaller
ones run on one thread anyway (and would not repay the ~10 us of switching the thread count).

The thread count is a process-wide BLAS setting, restored on exit (see glassml._threads).
"""

from __future__ import annotations

import numpy as np

from glassml._threads import one_blas_thread

# Multiply-adds per product: OpenBLAS's own single-thread limit, and the upper end of the range
# where one thread is the better bet.
THREADED_FROM = 4 * 65_536
ONE_THREAD_UP_TO = 4 * 2**20


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``, on one BLAS thread when each matrix product is of medium size."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim >= 2 and b.ndim >= 2:
        multiply_adds = a.shape[-2] * a.shape[-1] * b.shape[-1]
        if THREADED_FROM < multiply_adds <= ONE_THREAD_UP_TO:
            with one_blas_thread():
                return np.matmul(a, b)
    return np.matmul(a, b)
