"""Limited-memory BFGS with the two-loop recursion and a strong-Wolfe line search."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from glassml._validation import check_count, fail
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

    With ``bounds`` (box constraints lo <= x <= hi) the method is a projected, active-set
    L-BFGS in the manner of L-BFGS-B (Byrd, Lu, Nocedal & Zhu, 1995): a variable at a bound
    whose gradient pushes it outward is held there (its gradient and step components are
    zero), the two-loop direction moves the free ones, and the line search stops at the first
    bound the step reaches (where sufficient decrease alone accepts it); that variable joins
    the held ones on the next iteration. Stationarity is then the infinity norm of the
    projected gradient ``P(x - g) - x``, as in L-BFGS-B, so an optimum on a bound is reached
    exactly and recognised, not approached geometrically.

    Parameters
    ----------
    memory : int
        Number of curvature pairs kept (a ring buffer).
    c1, c2 : float
        Strong-Wolfe constants, ``0 < c1 < c2 < 1``.
    max_line_search : int
        Objective evaluations per line search (L-BFGS-B's ``maxls`` is 20).
    bounds : array of shape (n, 2) or None
        ``(low, high)`` per variable of the flattened ``x`` (``-inf``/``inf`` for none); ``x0``
        must lie inside.

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

    def __init__(
        self,
        memory: int = 10,
        c1: float = 1e-4,
        c2: float = 0.9,
        bounds: ArrayLike | None = None,
        max_line_search: int = 30,
    ) -> None:
        self.memory = check_count(memory, "memory")
        self.max_line_search = check_count(max_line_search, "max_line_search")
        self.c1, self.c2 = _check_constants(c1, c2)
        self.bounds = None if bounds is None else _check_box(bounds)
        self.reset()

    def start(self, objective: Objective, x: NDArray) -> None:
        super().start(objective, x)
        if self.bounds is None:
            return
        if self.bounds.shape[0] != x.size:
            raise fail("bounds", f"{x.size} (low, high) pairs, one per variable of x0", self.bounds)
        if np.any(x < self.bounds[:, 0]) or np.any(x > self.bounds[:, 1]):
            raise fail("x0", "a point inside the bounds", x)

    def _held(self, x: NDArray, grad: NDArray) -> NDArray:
        """Variables at a bound whose gradient pushes them out of the box."""
        low, high = self.bounds[:, 0], self.bounds[:, 1]
        return ((x <= low) & (grad > 0)) | ((x >= high) & (grad < 0))

    def measure(self, x: NDArray, value: float, grad: NDArray) -> tuple[float, float]:
        if self.bounds is None:
            return super().measure(x, value, grad)
        projected = np.clip(x - grad, self.bounds[:, 0], self.bounds[:, 1]) - x
        return value, float(np.max(np.abs(projected))) if x.size else 0.0

    def reset(self) -> None:
        self._S: NDArray | None = None  # (memory, n) ring buffer of steps s
        self._Y: NDArray | None = None  # (memory, n) ring buffer of gradient changes y
        self._rho = np.zeros(self.memory)
        self._n_pairs = 0
        self._newest = -1
        self._restart_step: float | None = None

    def _two_loop(self, grad: NDArray, free: NDArray | None = None) -> NDArray:
        """``H_k g`` by the two-loop recursion over the stored pairs, newest first.

        With ``free`` (a mask), the recursion runs on the free variables' components of the
        pairs (each pair's curvature recomputed there; a pair without any is skipped): held
        variables neither move nor let their curvature shape the free ones' step.
        """
        S, Y, rho = self._S, self._Y, self._rho
        newest_first = [(self._newest - k) % self.memory for k in range(self._n_pairs)]
        if free is not None:
            S, Y = S[:, free], Y[:, free]
            curvature = np.einsum("ij,ij->i", S, Y)
            scale = np.einsum("ij,ij->i", Y, Y)
            usable = curvature > 1e-10 * scale
            rho = np.where(usable, 1.0 / np.where(usable, curvature, 1.0), 0.0)
            newest_first = [i for i in newest_first if usable[i]]
            if not newest_first:
                return grad[free] / float(np.linalg.norm(grad[free]))
        alpha = np.empty(len(newest_first))
        q = (grad if free is None else grad[free]).copy()
        for k, i in enumerate(newest_first):
            alpha[k] = rho[i] * (S[i] @ q)
            q -= alpha[k] * Y[i]
        newest = newest_first[0]
        gamma = 1.0 / (rho[newest] * (Y[newest] @ Y[newest]))  # s^T y / y^T y
        r = gamma * q
        for k in range(len(newest_first) - 1, -1, -1):
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
        held = None if self.bounds is None else self._held(x, grad)
        free_grad = grad if held is None else np.where(held, 0.0, grad)
        if self._n_pairs and held is not None and held.any():
            direction = np.zeros_like(grad)
            direction[~held] = -self._two_loop(grad, ~held)
            initial_step = 1.0
        elif self._n_pairs:
            direction = -self._two_loop(free_grad)
            initial_step = 1.0
        else:
            direction = -free_grad
            initial_step = self._restart_step or 1.0 / float(np.linalg.norm(free_grad))
        max_step, hit = np.inf, None
        if held is not None:
            # Held variables stay; so does one at a bound that the direction points out of.
            low, high = self.bounds[:, 0], self.bounds[:, 1]
            direction[held | ((x <= low) & (direction < 0)) | ((x >= high) & (direction > 0))] = 0
            max_step, hit = self._step_to_box(x, direction)
        try:
            if not float(grad @ direction) < 0:  # round-off in H_k g: treat as a failed search
                raise LineSearchError("the quasi-Newton direction is not a descent direction")
            step, new_value, new_grad = wolfe_steps(
                objective, x, value, grad, direction, initial_step, self.c1, self.c2,
                self.max_line_search, max_step,
            )  # fmt: skip
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
        if hit is not None:
            # Round-off must not leave x a hair outside (or short of) the bound it reached.
            np.clip(x, self.bounds[:, 0], self.bounds[:, 1], out=x)
            if step >= max_step:
                x[hit] = np.where(direction[hit] > 0, self.bounds[hit, 1], self.bounds[hit, 0])
        self._store(s, new_grad - grad)
        return new_value, new_grad

    def _step_to_box(self, x: NDArray, direction: NDArray) -> tuple[float, NDArray]:
        """Largest a with x + a d inside the box, and the variables that reach a bound there."""
        low, high = self.bounds[:, 0], self.bounds[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(
                direction > 0,
                (high - x) / direction,
                np.where(direction < 0, (low - x) / direction, np.inf),
            )
        max_step = float(room.min()) if room.size else np.inf
        return max_step, np.flatnonzero(room <= max_step)

    def __repr__(self) -> str:
        box = "" if self.bounds is None else f", bounds=<{self.bounds.shape[0]} pairs>"
        return (
            f"LBFGS(memory={self.memory!r}, c1={self.c1!r}, c2={self.c2!r}, "
            f"max_line_search={self.max_line_search!r}{box})"
        )


def _check_box(bounds: ArrayLike) -> NDArray:
    """(n, 2) float array of (low, high) with low <= high; infinite ends allowed, NaN not."""
    try:
        box = np.array(bounds, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail("bounds", "(low, high) pairs of numbers", bounds) from None
    if box.ndim != 2 or box.shape[1] != 2:
        raise fail("bounds", "an array of shape (n, 2): (low, high) per variable", box)
    if np.any(np.isnan(box)) or np.any(box[:, 0] > box[:, 1]):
        raise fail("bounds", "(low, high) pairs with low <= high, no NaN", bounds)
    return box
