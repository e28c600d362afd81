"""Condition diagnostics: how much a linear solve with A can amplify errors.

The 2-norm condition number κ(A) = σ_max / σ_min bounds the relative error of x in A x = b:
||δx|| / ||x|| <= κ(A) ||δb|| / ||b||; roughly log10 κ(A) decimal digits are lost. The numerical
rank counts singular values above tol = σ_max · max(m, n) · ε (the LAPACK/NumPy default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from glassml._scaling import scale_of
from glassml._validation import check_named_array, check_non_negative, check_positive


def _singular_values(A) -> tuple[np.ndarray, np.ndarray]:
    """The validated matrix and its singular values (decreasing).

    σ(A) = c σ(A / c): the SVD runs on A divided by a power of two near its largest entry, so
    entries at 1e300 or 1e-300 neither overflow nor lose their digits to subnormals.
    """
    A = check_named_array(A, "A", dtype=np.float64)
    scale = scale_of(A)
    singular_values = linalg.svdvals(A / scale if scale != 1.0 else A, check_finite=False)
    return A, singular_values * scale


def _rank_tolerance(singular_values: np.ndarray, shape: tuple[int, int]) -> float:
    return float(singular_values[0] * max(shape) * np.finfo(np.float64).eps)


def condition_number(A) -> float:
    """κ₂(A) = σ_max / σ_min (inf for a singular matrix). Matches ``numpy.linalg.cond(A)``.

    Examples
    --------
    >>> import numpy as np
    >>> condition_number(np.diag([4.0, 2.0, 0.5]))
    8.0
    """
    _, singular_values = _singular_values(A)
    smallest = singular_values[-1]  # svdvals sorts in decreasing order
    return float(np.inf) if smallest == 0 else float(singular_values[0] / smallest)


def numerical_rank(A, tol: float | None = None) -> int:
    """Number of singular values above ``tol`` (default σ_max · max(m, n) · ε).

    Examples
    --------
    >>> import numpy as np
    >>> numerical_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
    1
    """
    A, singular_values = _singular_values(A)
    if tol is None:
        tol = _rank_tolerance(singular_values, A.shape)
    else:
        tol = check_non_negative(tol, "tol")
    return int(np.sum(singular_values > tol))


@dataclass(frozen=True)
class ConditioningReport:
    """Diagnostics of a matrix before solving with it (returned by :func:`conditioning_report`).

    Examples
    --------
    >>> import numpy as np
    >>> print(conditioning_report(np.diag([10.0, 1.0])))
    shape (2, 2), rank 2, κ₂ = 1.000e+01 (~1.0 digits lost)
    """

    shape: tuple[int, int]
    singular_values: np.ndarray
    condition_number: float
    rank: int
    digits_lost: float
    ill_conditioned: bool

    def __str__(self) -> str:
        return (
            f"shape {self.shape}, rank {self.rank}, κ₂ = {self.condition_number:.3e} "
            f"(~{self.digits_lost:.1f} digits lost)"
            + (": ill-conditioned" if self.ill_conditioned else "")
        )


def conditioning_report(A, threshold: float = 1e10) -> ConditioningReport:
    """All diagnostics from one SVD.

    ``ill_conditioned`` is set when κ₂ > ``threshold`` or A is numerically rank-deficient.

    Examples
    --------
    >>> import numpy as np
    >>> report = conditioning_report(np.diag([1.0, 1e-12]))
    >>> report.rank, report.ill_conditioned
    (2, True)
    """
    threshold = check_positive(threshold, "threshold")
    A, singular_values = _singular_values(A)
    smallest = singular_values[-1]
    kappa = float(np.inf) if smallest == 0 else float(singular_values[0] / smallest)
    rank = int(np.sum(singular_values > _rank_tolerance(singular_values, A.shape)))
    return ConditioningReport(
        shape=A.shape,
        singular_values=singular_values,
        condition_number=kappa,
        rank=rank,
        digits_lost=float(np.log10(kappa)) if np.isfinite(kappa) else float("inf"),
        ill_conditioned=bool(kappa > threshold or rank < min(A.shape)),
    )
