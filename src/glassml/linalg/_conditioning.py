"""Condition diagnostics: how much a linear solve with A can amplify errors.

The 2-norm condition number κ(A) = σ_max / σ_min bounds the relative error of x in A x = b:
||δx|| / ||x|| <= κ(A) ||δb|| / ||b||; roughly log10 κ(A) decimal digits are lost. The numerical
rank counts singular values above tol = σ_max · max(m, n) · ε (the LAPACK/NumPy default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg


def _checked_matrix(A) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.size == 0:
        raise ValueError(f"A must be a non-empty 2-D array; got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A contains NaN or infinity")
    return A


def _rank_tolerance(singular_values: np.ndarray, shape: tuple[int, int]) -> float:
    return float(singular_values[0] * max(shape) * np.finfo(np.float64).eps)


def condition_number(A) -> float:
    """κ₂(A) = σ_max / σ_min (inf for a singular matrix). Matches ``numpy.linalg.cond(A)``."""
    A = _checked_matrix(A)
    singular_values = linalg.svdvals(A, check_finite=False)
    smallest = singular_values[-1]  # svdvals sorts in decreasing order
    return float(np.inf) if smallest == 0 else float(singular_values[0] / smallest)


def numerical_rank(A, tol: float | None = None) -> int:
    """Number of singular values above ``tol`` (default σ_max · max(m, n) · ε)."""
    A = _checked_matrix(A)
    singular_values = linalg.svdvals(A, check_finite=False)
    if tol is None:
        tol = _rank_tolerance(singular_values, A.shape)
    return int(np.sum(singular_values > tol))


@dataclass(frozen=True)
class ConditioningReport:
    """Diagnostics of a matrix before solving with it."""

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
    """
    A = _checked_matrix(A)
    singular_values = linalg.svdvals(A, check_finite=False)
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
