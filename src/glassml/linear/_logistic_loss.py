"""The penalised logistic objective, its gradient and its Hessian, in closed form.

Notation (shapes stated once): ``X`` is (n, p); the parameters are a coefficient matrix ``W`` of
shape (K, p) and an intercept ``b`` of shape (K,), flattened into one vector ``theta`` as the rows
of ``[W | b]`` (shape (K, p + 1), or (K, p) without intercept). Binary problems use K = 1 (one
logit ``z = X w + b``); multinomial problems use all K classes (softmax, as scikit-learn >= 1.1).

With normalised sample weights ``a_i = s_i / S`` (``S = sum_i s_i``) the objective minimised is

    f(theta) = sum_i a_i l_i(z_i) + (lam / 2) ||W||_F^2            z_i = W x_i + b

    binary       l_i = log(1 + exp(z_i)) - y_i z_i                 y_i in {0, 1}
    multinomial  l_i = logsumexp_k(z_ik) - z_{i, y_i}

which is scikit-learn's ``C sum_i s_i l_i + ||W||^2 / 2`` divided by ``C S``: the same minimiser,
with ``lam = 1 / (C S)``; the division keeps the gradient's scale independent of n and C, so one
``tol`` means the same thing for every problem (scikit-learn's lbfgs scales it the same way).

Gradient (residual ``r_i = dl_i/dz_i``: ``sigmoid(z_i) - y_i`` or ``softmax(z_i) - onehot(y_i)``)

    grad_W f = R^T diag(a) X + lam W          grad_b f = R^T a

Hessian-vector product for a direction ``(V, c)`` (``u_i = V x_i + c``, ``q_i = softmax(z_i)``)

    t_i = diag(q_i) u_i - q_i (q_i . u_i)      (binary: t_i = q_i (1 - q_i) u_i)
    H(V, c) = (T^T diag(a) X + lam V,  T^T a)

and, for the binary case, the dense Hessian is ``X~^T D X~ + lam I_w`` with
``D = diag(a_i q_i (1 - q_i))`` and ``X~ = [X, 1]``: the weighted least-squares matrix of IRLS.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from glassml.optim import PerExampleGradients

# Bytes of X per block of rows: a block stays in the (1 MiB per core) L2 cache between the two
# products that read it (X W^T, then R^T X), so each pass reads X from memory once.
_BLOCK_BYTES = 1 << 20


def _row_blocks(X: np.ndarray, block_bytes: int = _BLOCK_BYTES) -> list[slice]:
    rows = max(64, block_bytes // (8 * max(X.shape[1], 1)))
    return [slice(start, start + rows) for start in range(0, X.shape[0], rows)]


class LogisticObjective:
    """The objective above on fixed data, with the derivatives the optimisers ask for.

    Parameters
    ----------
    X : ndarray of shape (n, p), float64, C-contiguous
    y : ndarray of shape (n,)
        Class codes 0 .. K - 1 (0/1 for the binary case).
    weights : ndarray of shape (n,)
        Normalised sample weights ``a_i`` (they sum to 1).
    n_classes : int
        Number of classes; 2 means one binary logit.
    fit_intercept : bool
    l2 : float
        ``lam``, the strength of ``(lam / 2) ||W||^2`` (the intercept is never penalised).
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        weights: np.ndarray,
        n_classes: int,
        fit_intercept: bool,
        l2: float,
    ) -> None:
        self.X = X
        self.weights = weights
        self.binary = n_classes == 2
        self.n_logits = 1 if self.binary else n_classes
        self.fit_intercept = fit_intercept
        self.l2 = float(l2)
        self.n_features = X.shape[1]
        self.n_columns = self.n_features + int(fit_intercept)
        self.n_params = self.n_logits * self.n_columns
        if self.binary:
            self.targets = y.astype(np.float64)
        else:
            self.targets = np.zeros((X.shape[0], n_classes))
            self.targets[np.arange(X.shape[0]), y] = 1.0
        # The last (theta, probabilities) evaluated: Newton asks for the Hessian at the point
        # whose value and gradient it has just computed, and X @ W would be recomputed.
        self._inputs: np.ndarray | None = None  # [X, 1], built by per_example_gradients
        self._cached_theta: np.ndarray | None = None
        self._cached_probabilities: np.ndarray | None = None

    # ----------------------------------------------------------------------------------------
    # parameter layout
    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``theta`` -> (W of shape (K, p), b of shape (K,) or None)."""
        matrix = theta.reshape(self.n_logits, self.n_columns)
        if self.fit_intercept:
            return matrix[:, :-1], matrix[:, -1]
        return matrix, None

    def join(self, coef_gradient: np.ndarray, intercept_gradient: np.ndarray | None) -> np.ndarray:
        if intercept_gradient is None:
            return coef_gradient.ravel()
        return np.hstack([coef_gradient, intercept_gradient[:, None]]).ravel()

    # ----------------------------------------------------------------------------------------
    # pointwise loss l_i(z_i), residual dl/dz and probabilities
    def pointwise(
        self, raw: np.ndarray, targets: np.ndarray, weights: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """``sum_i a_i l_i``, the weighted residuals ``a_i r_i`` and ``q_i`` for logits (n, K)."""
        if self.binary:
            weighted_residual = np.empty_like(raw)
            probabilities = np.empty_like(raw)
            data_term = _binary_pointwise(
                raw[:, 0], targets, weights, weighted_residual[:, 0], probabilities[:, 0]
            )
            return data_term, weighted_residual, probabilities
        shifted = raw - raw.max(axis=1, keepdims=True)
        log_normaliser = np.log(np.exp(shifted).sum(axis=1))
        log_probabilities = shifted - log_normaliser[:, None]
        probabilities = np.exp(log_probabilities)
        data_term = -float(weights @ np.einsum("ik,ik->i", log_probabilities, targets))
        return data_term, (probabilities - targets) * weights[:, None], probabilities

    # ----------------------------------------------------------------------------------------
    # objective and gradient
    def value_and_gradient(
        self, theta: np.ndarray, rows: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        """``f(theta)`` and ``grad f(theta)``; with ``rows`` an unbiased mini-batch estimate.

        For a mini-batch B the data term ``sum_i a_i l_i`` is estimated by
        ``(n / |B|) sum_{i in B} a_i l_i``; the penalty is exact.
        """
        if rows is None:
            X, targets, weights = self.X, self.targets, self.weights
        else:
            X, targets = self.X[rows], self.targets[rows]
            weights = self.weights[rows] * (self.X.shape[0] / len(rows))
        coef, intercept = self.split(theta)
        value = 0.5 * self.l2 * float(np.vdot(coef, coef))
        coef_gradient = self.l2 * coef
        intercept_gradient = np.zeros(self.n_logits) if intercept is not None else None
        probabilities = np.empty((X.shape[0], self.n_logits))
        # Z = X W^T + b, then R^T diag(a) X, a block of rows at a time: the block read for Z is
        # still in cache when it is read again for the gradient, so X leaves memory once.
        for block in _row_blocks(X):
            raw = X[block] @ coef.T
            if intercept is not None:
                raw += intercept
            data_term, weighted_residual, probabilities[block] = self.pointwise(
                raw, targets[block], weights[block]
            )
            value += data_term
            coef_gradient += weighted_residual.T @ X[block]
            if intercept is not None:
                intercept_gradient += weighted_residual.sum(axis=0)
        if rows is None:
            self._cached_theta = theta.copy()
            self._cached_probabilities = probabilities
        return value, self.join(coef_gradient, intercept_gradient)

    def per_example_gradients(self, theta: np.ndarray, rows: np.ndarray) -> PerExampleGradients:
        """Each row's gradient of its own data term ``n a_i l_i`` (for unit weights, l_i):

            grad_theta (n a_i l_i) = n a_i r_i ⊗ [x_i, 1]        (an outer product, per class)

        kept factored (``glassml.optim.PerExampleGradients``: residuals times rows), with the
        penalty's gradient ``lam W`` as the data-free part. Their mean over all n rows plus the
        penalty is ``grad f``; a clipping optimiser (DP-SGD) bounds each one.
        """
        from glassml.optim import PerExampleGradients

        if self._inputs is None:
            # [X, 1] once per fit: each step then reads its rows in one gather, no hstack.
            self._inputs = (
                np.hstack([self.X, np.ones((self.X.shape[0], 1))]) if self.fit_intercept else self.X
            )
        inputs = self._inputs[rows]
        matrix = theta.reshape(self.n_logits, self.n_columns)
        raw = inputs @ matrix.T
        weights = self.weights[rows] * self.X.shape[0]
        _, weighted_residual, _ = self.pointwise(raw, self.targets[rows], weights)
        coef, _ = self.split(theta)
        penalty = self.join(self.l2 * coef, np.zeros(self.n_logits) if self.fit_intercept else None)
        return PerExampleGradients.trusted(
            [(self.n_params,)], [("outer", weighted_residual, inputs)], [penalty]
        )

    def value(self, theta: np.ndarray) -> float:
        return self.value_and_gradient(theta)[0]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.value_and_gradient(theta)[1]

    # ----------------------------------------------------------------------------------------
    # second order
    def probabilities(self, theta: np.ndarray) -> np.ndarray:
        if self._cached_theta is not None and np.array_equal(theta, self._cached_theta):
            return self._cached_probabilities
        self.value_and_gradient(theta)
        return self._cached_probabilities

    def hessp(self, theta: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """``H(theta) v`` without forming H (one pass over X, block by block)."""
        probabilities = self.probabilities(theta)
        direction_coef, direction_intercept = self.split(direction)
        coef_part = self.l2 * direction_coef
        intercept_part = np.zeros(self.n_logits) if direction_intercept is not None else None
        for block in _row_blocks(self.X):
            X_block, q = self.X[block], probabilities[block]
            projected = X_block @ direction_coef.T  # u_i = V x_i + c
            if direction_intercept is not None:
                projected += direction_intercept
            if self.binary:
                curvature_times_u = q * (1.0 - q) * projected
            else:
                mean_u = np.einsum("ik,ik->i", q, projected)
                curvature_times_u = q * (projected - mean_u[:, None])
            curvature_times_u *= self.weights[block, None]
            coef_part += curvature_times_u.T @ X_block
            if direction_intercept is not None:
                intercept_part += curvature_times_u.sum(axis=0)
        return self.join(coef_part, intercept_part)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Dense Hessian, made positive definite on the softmax's redundant directions.

        Binary: ``X~^T D X~ + lam I_w`` (IRLS). Multinomial: blocks
        ``H_kl = X~^T diag(a_i q_ik (delta_kl - q_il)) X~``. The multinomial loss is unchanged
        when the same vector is added to every class (the intercepts always, the coefficients
        too when lam = 0), so H is singular along those "gauge" directions; the gradient is
        orthogonal to them, and adding the projector P onto them makes ``(H + P) d = -g``
        solvable by Cholesky with the same Newton step d (orthogonal to the gauge), the
        symmetric parametrisation scikit-learn uses.
        """
        probabilities = self.probabilities(theta)
        n_columns, n_logits = self.n_columns, self.n_logits
        hessian = np.zeros((n_logits, n_columns, n_logits, n_columns))
        for k in range(n_logits):
            for l in range(k, n_logits):
                if self.binary:
                    curvature = probabilities[:, 0] * (1.0 - probabilities[:, 0])
                else:
                    curvature = probabilities[:, k] * ((k == l) - probabilities[:, l])
                block = self._weighted_gram(self.weights * curvature)
                hessian[k, :, l, :] = block
                hessian[l, :, k, :] = block.T
        hessian = hessian.reshape(self.n_params, self.n_params)
        diagonal = np.arange(self.n_params).reshape(n_logits, n_columns)
        hessian[diagonal[:, : self.n_features], diagonal[:, : self.n_features]] += self.l2
        if not self.binary:
            gauge_columns = self._gauge_columns()
            for column in gauge_columns:
                indices = diagonal[:, column]
                hessian[np.ix_(indices, indices)] += 1.0 / n_logits
        return hessian

    def _gauge_columns(self) -> list[int]:
        """Columns of ``[W | b]`` along which a common shift of all classes is free."""
        if self.binary:
            return []
        columns = list(range(self.n_features)) if self.l2 == 0.0 else []
        if self.fit_intercept:
            columns.append(self.n_features)
        return columns

    def _weighted_gram(self, curvature: np.ndarray) -> np.ndarray:
        """``X~^T diag(curvature) X~`` for curvature >= 0 or of any sign, block by block.

        For a non-negative curvature, ``B^T B`` with ``B = sqrt(c) X`` (NumPy hands ``A^T A`` to
        BLAS's symmetric rank-k update, half the flops of a general product); the multinomial
        off-diagonal blocks use a general product. Blocks of 8 MiB bound the temporary without
        paying a threaded BLAS call per small block.
        """
        X = self.X
        n_features = self.n_features
        gram = np.zeros((n_features, n_features))
        nonnegative = bool(np.all(curvature >= 0.0))
        for rows in _row_blocks(X, block_bytes=8 << 20):
            block, block_curvature = X[rows], curvature[rows]
            if nonnegative:
                scaled = block * np.sqrt(block_curvature)[:, None]
                gram += scaled.T @ scaled
            else:
                gram += block.T @ (block * block_curvature[:, None])
        if not self.fit_intercept:
            return gram
        cross = X.T @ curvature
        full = np.empty((self.n_columns, self.n_columns))
        full[:n_features, :n_features] = gram
        full[:n_features, n_features] = cross
        full[n_features, :n_features] = cross
        full[n_features, n_features] = curvature.sum()
        return full

    def gauge_projector(self) -> np.ndarray:
        """The matrix P added in :meth:`hessian` (zero for binary problems)."""
        projector = np.zeros((self.n_params, self.n_params))
        indices_by_column = np.arange(self.n_params).reshape(self.n_logits, self.n_columns)
        for column in self._gauge_columns():
            indices = indices_by_column[:, column]
            projector[np.ix_(indices, indices)] = 1.0 / self.n_logits
        return projector


@njit(cache=True)
def _binary_pointwise(
    logits: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    weighted_residual: np.ndarray,
    probabilities: np.ndarray,
) -> float:
    """One pass over the samples: ``sum_i a_i l_i``, ``a_i (q_i - y_i)`` and ``q_i``.

    ``l = log(1 + e^z) - y z`` and ``q = sigmoid(z)`` share ``e = exp(-|z|)``:
    ``log(1 + e^z) = max(z, 0) + log1p(e)``, ``q = 1 / (1 + e)`` (z >= 0) or ``e / (1 + e)``,
    which never overflows. Fused, it reads each logit once instead of once per NumPy ufunc.
    """
    total = 0.0
    for i in range(logits.shape[0]):
        z = logits[i]
        e = math.exp(-abs(z))
        if z >= 0.0:
            softplus = z + math.log1p(e)
            q = 1.0 / (1.0 + e)
        else:
            softplus = math.log1p(e)
            q = e / (1.0 + e)
        total += weights[i] * (softplus - targets[i] * z)
        weighted_residual[i] = weights[i] * (q - targets[i])
        probabilities[i] = q
    return total
