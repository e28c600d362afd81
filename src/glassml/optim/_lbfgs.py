"""Limited-memory BFGS with the two-loop recursion and a strong-Wolfe line search."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_count
from glassml.optim._base import OptimizationStop, Optimizer
from glassml.optim._line_search import LineSearchError, _check_constants, wolfe_steps
from glassml.optim._objective import Objective


class LBFGS(Optimizer):
    """L-BFGS (Liu & Nocedal, 1989; Nocedal & Wright, Algorithms 7.4 and 7.5).

    Keeps the last ``memory`` pairs ``s_k = x_{k+1} - x_k``, ``y_k = g_{k+1} - g_k`` and applies
    the inverse-Hessian approximation ``H_k`` to ``g`` by the two-loop recursion::

        q = g
        for i = k-1, ..., k-m:   alpha_i = rho_i s_i^T q;  q = q - alpha_i y_i
        r = gamma q,   gamma = s_{k-1}^T y_{k-1} / y_{k-1}^T y_{k-1}    # H_0 = gamma I
        for i = k-m, ..., k-1:   beta = rho_i y_i^T r;     r = r + (alpha_i - beta) s_i
        p = -r                     (rho_i = 1 / y_i^T s_i)

    then ``x = x + a p`` with ``a`` satisfying the strong Wolfe conditions (Algorithms 3.5, 3.6),
    first trial ``a = 1`` (``1 / ||g||`` on the very first iteration, as L-BFGS-B does).

    Parameters
    ----------
    memory : int
        Number of curvature pairs kept (a ring buffer).
    c1, c2 : float
        Strong-Wolfe constants, ``0 < c1 < c2 < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import rosen, rosen_der
    >>> from glassml.optim import LBFGS, minimize
    >>> result = minimize(lambda x: (rosen(x), rosen_der(x)), np.array([-1.2, 1.0]),
    ...                   method=LBFGS(memory=5), jac=True, tol=1e-8)
    >>> result.success, np.round(result.x, 6).tolist()
    (True, [1.0, 1.0])
    """

    def __init__(self, memory: int = 10, c1: float = 1e-4, c2: float = 0.9) -> None:
        self.memory = check_count(memory, "memory")
        self.c1, self.c2 = _check_constants(c1, c2)
        self.reset()

    def reset(self) -> None:
        self._S: NDArray | None = None  # (memory, n) ring buffer of steps s
        self._Y: NDArray | None = None  # (memory, n) ring buffer of gradient changes y
        self._rho = np.zeros(self.memory)
        self._n_pairs = 0
        self._newest = -1
        self._restart_step: float | None = None

    def _two_loop(self, grad: NDArray) -> NDArray:
        """``H_k g`` by the two-loop recursion over the stored pairs, newest first."""
        S, Y, rho = self._S, self._Y, self._rho
        newest_first = [(self._newest - k) % self.memory for k in range(self._n_pairs)]
        alpha = np.empty(self._n_pairs)
        q = grad.copy()
        for k, i in enumerate(newest_first):
            alpha[k] = rho[i] * (S[i] @ q)
            q -= alpha[k] * Y[i]
        newest = self._newest
        gamma = 1.0 / (rho[newest] * (Y[newest] @ Y[newest]))  # s^T y / y^T y
        r = gamma * q
        for k in range(self._n_pairs - 1, -1, -1):
            i = newest_first[k]
            beta = rho[i] * (Y[i] @ r)
            r += (alpha[k] - beta) * S[i]
        return r

    def _store(self, s: NDArray, y: NDArray) -> None:
        curvature = float(s @ y)
        # Wolfe guarantees s^T y > 0; skip a pair that round-off made non-positive.
        if not curvature > 1e-10 * float(y @ y):
            return
        if self._S is None:
            self._S = np.empty((self.memory, s.size))
            self._Y = np.empty((self.memory, s.size))
        self._newest = (self._newest + 1) % self.memory
        self._S[self._newest] = s
        self._Y[self._newest] = y
        self._rho[self._newest] = 1.0 / curvature
        self._n_pairs = min(self._n_pairs + 1, self.memory)

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        if self._n_pairs:
            direction = -self._two_loop(grad)
            initial_step = 1.0
        else:
            direction = -grad
            initial_step = self._restart_step or 1.0 / float(np.linalg.norm(grad))
        try:
            if not float(grad @ direction) < 0:  # round-off in H_k g: treat as a failed search
                raise LineSearchError("the quasi-Newton direction is not a descent direction")
            step, new_value, new_grad = wolfe_steps(
                objective, x, value, grad, direction, initial_step, self.c1, self.c2
            )
        except LineSearchError as error:
            if not self._n_pairs:
                raise OptimizationStop(f"line search failed: {error}") from error
            # Stale curvature pairs: retry once along steepest descent, scaled by H_0.
            newest = self._newest
            restart_step = 1.0 / (self._rho[newest] * (self._Y[newest] @ self._Y[newest]))
            self.reset()
            self._restart_step = restart_step
            return self.iterate(objective, x, value, grad)
        s = step * direction
        x += s
        self._store(s, new_grad - grad)
        return new_value, new_grad

    def __repr__(self) -> str:
        return f"LBFGS(memory={self.memory!r}, c1={self.c1!r}, c2={self.c2!r})"
