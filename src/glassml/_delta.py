"""Standard errors of linear maps of estimates (the delta method for a linear map).

If theta_hat has covariance C and psi = A theta, then Var psi_k = a_k^T C a_k. Estimates are
fitted on standardised data and mapped back to the data's units by such maps, whose rows can
hold factors near 1e300 (a covariate measured in tiny units) or 1e-300: each row is divided
by its largest entry first, so the quadratic form neither overflows nor underflows.
"""

from __future__ import annotations

import numpy as np


def standard_errors_of(rows: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """sqrt(a_k^T C a_k) for each row a_k of ``rows``.

    Examples
    --------
    >>> import numpy as np
    >>> standard_errors_of(np.array([[1e300, 0.0], [1.0, 1.0]]), np.eye(2)).tolist()
    [1e+300, 1.4142135623730951]
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    scale = np.max(np.abs(rows), axis=1)
    scale[scale == 0] = 1.0
    unit = rows / scale[:, None]
    variance = np.einsum("ij,jk,ik->i", unit, covariance, unit)
    return scale * np.sqrt(np.clip(variance, 0.0, None))
