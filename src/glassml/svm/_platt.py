"""Probabilities from SVM decision values: Platt's sigmoid and pairwise coupling.

Platt scaling (Platt 2000, in the improved form of Lin, Lin & Weng 2007, "A note on Platt's
probabilistic outputs for support vector machines"): model
``P(y = +1 | f) = 1 / (1 + exp(A f + B))`` and choose (A, B) by minimising the regularised
cross-entropy

    F(A, B) = Σ_i  t_i (A f_i + B) + log(1 + exp(−(A f_i + B)))

with the smoothed targets ``t_i = (N₊ + 1)/(N₊ + 2)`` for positives and ``1/(N₋ + 2)`` for
negatives. Newton's method with a backtracking (Armijo) line search; the Hessian gets ``σ I``
with ``σ = 1e-12`` so it is strictly positive definite. Each term is evaluated in the form that
cannot overflow.

Pairwise coupling (Wu, Lin & Weng 2004, method 2): from pairwise ``r_ij ≈ P(i | i or j)`` find
``p`` minimising ``Σ_i Σ_{j≠i} (r_ji p_i − r_ij p_j)²`` subject to ``Σ p = 1``, by the
fixed-point iteration of the paper's section 4 (as libsvm's ``multiclass_probability``).
"""

from __future__ import annotations

import numpy as np


def _sigmoid_objective(decision: np.ndarray, targets: np.ndarray, A: float, B: float) -> float:
    fApB = decision * A + B
    # t·z + log(1 + e^{−z}) written without overflow for either sign of z
    return float(
        np.sum(
            np.where(
                fApB >= 0,
                targets * fApB + np.log1p(np.exp(-np.abs(fApB))),
                (targets - 1.0) * fApB + np.log1p(np.exp(-np.abs(fApB))),
            )
        )
    )


def platt_targets(labels: np.ndarray) -> np.ndarray:
    """Smoothed targets: (N₊+1)/(N₊+2) for labels > 0, 1/(N₋+2) otherwise."""
    positive = labels > 0
    n_positive = float(np.count_nonzero(positive))
    n_negative = float(labels.shape[0]) - n_positive
    return np.where(positive, (n_positive + 1.0) / (n_positive + 2.0), 1.0 / (n_negative + 2.0))


def fit_sigmoid(
    decision: np.ndarray, labels: np.ndarray, *, max_iter: int = 100, tol: float = 1e-5
) -> tuple[float, float]:
    """(A, B) minimising F(A, B) above for decision values ``f`` and labels ±1."""
    decision = np.asarray(decision, dtype=np.float64)
    labels = np.asarray(labels)
    targets = platt_targets(labels)
    n_positive = np.count_nonzero(labels > 0)
    n_negative = labels.shape[0] - n_positive
    sigma, min_step = 1e-12, 1e-10
    A, B = 0.0, float(np.log((n_negative + 1.0) / (n_positive + 1.0)))
    value = _sigmoid_objective(decision, targets, A, B)
    for _ in range(max_iter):
        fApB = decision * A + B
        p = sigmoid_probability(fApB)  # P(y=+1 | f) = 1/(1+e^{fApB})
        q = 1.0 - p
        weight = p * q  # second derivative of each term with respect to fApB
        # gradient: ∂F/∂A = Σ f_i (t_i − p_i), ∂F/∂B = Σ (t_i − p_i)
        residual = targets - p
        g1, g2 = float(decision @ residual), float(np.sum(residual))
        if abs(g1) < tol and abs(g2) < tol:
            break
        h11 = sigma + float(decision**2 @ weight)
        h22 = sigma + float(np.sum(weight))
        h21 = float(decision @ weight)
        det = h11 * h22 - h21 * h21
        dA = -(h22 * g1 - h21 * g2) / det  # Newton direction −H⁻¹g
        dB = -(-h21 * g1 + h11 * g2) / det
        slope = g1 * dA + g2 * dB
        step = 1.0
        while step >= min_step:
            new_A, new_B = A + step * dA, B + step * dB
            new_value = _sigmoid_objective(decision, targets, new_A, new_B)
            if new_value < value + 1e-4 * step * slope:  # sufficient decrease
                A, B, value = new_A, new_B, new_value
                break
            step /= 2.0
        if step < min_step:
            break
    return A, B


def sigmoid_probability(fApB: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(fApB)) evaluated without overflow."""
    fApB = np.asarray(fApB, dtype=np.float64)
    exp_neg = np.exp(-np.abs(fApB))
    return np.where(fApB >= 0, exp_neg / (1.0 + exp_neg), 1.0 / (1.0 + exp_neg))


def couple_pairwise(pairwise: np.ndarray, *, max_iter: int | None = None) -> np.ndarray:
    """Class probabilities (n_samples, k) from ``pairwise[s, i, j] = r_ij`` (Wu-Lin-Weng 2)."""
    n_samples, k, _ = pairwise.shape
    max_iter = max(100, k) if max_iter is None else max_iter
    eps = 0.005 / k
    # Q_tt = Σ_{j≠t} r_jt², Q_tj = −r_jt r_tj
    Q = -pairwise.transpose(0, 2, 1) * pairwise
    diagonal = (
        np.sum(pairwise.transpose(0, 2, 1) ** 2, axis=2) - np.einsum("stt->st", pairwise) ** 2
    )
    idx = np.arange(k)
    Q[:, idx, idx] = diagonal
    p = np.full((n_samples, k), 1.0 / k)
    active = np.ones(n_samples, dtype=bool)
    for _ in range(max_iter):
        Qp = np.einsum("stj,sj->st", Q, p)
        pQp = np.einsum("st,st->s", p, Qp)
        converged = np.max(np.abs(Qp - pQp[:, None]), axis=1) < eps
        active &= ~converged
        if not np.any(active):
            break
        rows = np.flatnonzero(active)
        Qa, pa, Qpa, pQpa = Q[rows], p[rows], Qp[rows], pQp[rows]
        for t in range(k):
            diff = (-Qpa[:, t] + pQpa) / Qa[:, t, t]
            pa[:, t] += diff
            pQpa = (pQpa + diff * (diff * Qa[:, t, t] + 2.0 * Qpa[:, t])) / (1 + diff) / (1 + diff)
            Qpa = (Qpa + diff[:, None] * Qa[:, t, :]) / (1 + diff[:, None])
            pa /= 1 + diff[:, None]
        p[rows] = pa
    return p
