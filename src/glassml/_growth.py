"""Growing arrays inside compiled kernels, shared by every family whose builders cannot know
their final size in advance (tree nodes, boosting's histogram pool, t-SNE's space-partitioning
tree, the SMO solver's gap history).

Pass a typed ``fill`` (``np.int64(0)``, ``0.0``) rather than a bare integer constant: Numba
compiles a separate specialisation for every literal it meets at a call site, each costing
seconds on a cold cache.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def grown(array, capacity, fill):
    """A copy of ``array`` with ``capacity`` rows (axis 0), the new rows set to ``fill``."""
    out = np.full((capacity,) + array.shape[1:], fill, dtype=array.dtype)  # noqa: RUF005 (numba)
    # An element loop over the flat (C-order) arrays, not ``out[:n] = array``: Numba's slice
    # assignment compiles a formatted shape-mismatch error (seconds on a cold cache).
    flat_out, flat_in = out.reshape(-1), array.reshape(-1)
    for i in range(flat_in.shape[0]):
        flat_out[i] = flat_in[i]
    return out
