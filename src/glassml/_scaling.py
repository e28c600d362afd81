"""Rescaling by powers of two, for computations that are equivariant in the scale of their data.

Many results do not depend on the units of the data (nearest neighbours, k-means labels, the
direction of an eigenvector) or scale with them (least-squares predictions when X and y scale
together), yet their arithmetic squares the data (distances, Gram matrices, ``||b||``): at
``1e300`` it overflows, at ``1e-300`` it underflows, and the answer silently collapses. Dividing
the data by a power of two near its largest magnitude is exact (only the exponent changes), so
the rescaled problem has the same digits in a safe range; the answer is scaled back at the end.

Data already in a safe range is left alone (``scale_of`` returns 1.0), so results there are
bit for bit what they were without any rescaling.
"""

from __future__ import annotations

import numpy as np

# Magnitudes outside [SAFE_LOW, SAFE_HIGH] are rescaled: squares of these (and sums of a few
# million of them) stay far from float64's limits of about 1e308 and 2e-308.
SAFE_HIGH = 2.0**150
SAFE_LOW = 2.0**-150


def scale_of(*arrays: np.ndarray) -> float:
    """A power of two ``c`` near the typical magnitude of ``arrays``, or 1.0 in the safe range.

    Dividing by ``c`` is exact: ``(x / c) * c == x`` for every float (barring subnormals). The
    typical magnitude is the root mean square (computed on the data divided by its largest
    entry, so it cannot overflow): data at ``1e300`` times standardised values comes back as
    about those values, which is what the iterative solvers' defaults are tuned for. The range
    is safe when the largest magnitude lies in [2^-150, 2^150]. Non-finite and all-zero data
    give 1.0 (validation refuses the former elsewhere).
    """
    largest = max((_largest(a) for a in arrays), default=0.0)
    if not np.isfinite(largest) or largest == 0.0 or SAFE_LOW <= largest <= SAFE_HIGH:
        return 1.0
    squares = [np.square(_values(a) / largest).ravel() for a in arrays]
    typical = largest * float(np.sqrt(np.mean(np.concatenate(squares))))
    return float(np.ldexp(1.0, round(float(np.log2(typical)))))


def _values(array) -> np.ndarray:
    # scipy.sparse: the stored values
    return np.asarray(array.data if hasattr(array, "tocsr") else array, dtype=np.float64)


def _largest(array) -> float:
    """max |a| without an |a| temporary (the data may be large): max(max a, -min a)."""
    values = _values(array)
    if values.size == 0:
        return 0.0
    return float(max(np.max(values), -np.min(values)))


def downscale_of(*arrays: np.ndarray) -> float:
    """:func:`scale_of`, but never below 1: for penalised objectives, which are not
    scale-invariant. Shrinking huge data keeps the arithmetic in range while the penalty is
    rescaled to match (``alpha / c^2``: the exact problem); enlarging tiny data would turn the
    penalty into ``alpha / c^2 = inf`` for a problem whose answer (the penalty wins, the
    coefficients vanish) is computed correctly as it is.
    """
    return max(scale_of(*arrays), 1.0)
