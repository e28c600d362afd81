"""Gradient descent and its momentum variants: step optimisers over lists of arrays."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_callable, check_option, fail
from glassml.optim._base import (
    OptimizationStop,
    StepOptimizer,
    check_open_unit_interval,
    check_unit_interval,
)
from glassml.optim._line_search import armijo_steps

# Accepted Armijo steps in a row that leave the loss unchanged before the search stops: a few
# such steps still move the iterate usefully while the loss is at the edge of its resolution.
FLAT_STEPS = 10


class GradientDescent(StepOptimizer):
    """Gradient descent, with a fixed step or Armijo backtracking.

    Update: ``x = x - lr * g``. With ``line_search="armijo"`` the step ``a`` is the largest of
    ``a0, a0/2, a0/4, ...`` with ``f(x - a g) <= f(x) - c1 * a * ||g||^2`` (Armijo, 1966,
    "Minimization of functions having Lipschitz continuous first partial derivatives"; Nocedal
    & Wright, Algorithm 3.1). The first trial ``a0 = min(lr, 2 * previous step)`` lets the step
    grow back after a shrink without paying a full backtrack from ``lr`` every iteration.

    Near a minimum the decrease a step can make, about ``||g||^2 / (2L)``, falls below the
    rounding of ``f`` itself, and the Armijo test ends up comparing rounding errors: it accepts
    steps that leave ``f`` unchanged, and the iterates wander in the region where ``f`` is flat
    to float precision. That is the floor of a search that compares losses, so after
    ``FLAT_STEPS`` such steps in a row the line search raises :class:`OptimizationStop` (which
    :func:`minimize` reports as its message) instead of wandering until ``max_iter``.

    Parameters
    ----------
    lr : float or schedule
        Step size (fixed), or the largest step tried (Armijo).
    line_search : None or "armijo"
    c1 : float
        Sufficient-decrease constant of the Armijo condition.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import GradientDescent
    >>> w = np.array([1.0, -2.0])
    >>> GradientDescent(lr=0.1).step([w], [np.array([0.5, -1.0])])  # in place: w -= lr g
    >>> w
    array([ 0.95, -1.9 ])
    """

    def __init__(
        self,
        lr: float | Callable[[int], float] = 0.1,
        line_search: str | None = None,
        c1: float = 1e-4,
    ) -> None:
        if line_search is not None:
            check_option(line_search, "line_search", ("armijo",))
        self.line_search = line_search
        self.c1 = check_open_unit_interval(c1, "c1")
        super().__init__(lr)

    def reset(self) -> None:
        super().reset()
        self._previous_step: float | None = None
        self._flat_steps = 0  # consecutive accepted steps that left the loss unchanged

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        param -= lr * grad

    def step(
        self,
        params: Sequence[NDArray],
        grads: Sequence[NDArray],
        closure: Callable[[], float] | None = None,
    ) -> None:
        if self.line_search is None:
            return super().step(params, grads)
        if closure is None:
            raise ValueError("closure: Armijo line search needs closure() -> loss at the params")
        check_callable(closure, "closure", "() -> loss")
        grads = self._check(params, grads)
        for index, param in enumerate(params):
            self._state_for(index, param)  # checks the parameters once, as step does
        lr = self.current_lr()
        squared_norm = sum(float(np.vdot(grad, grad)) for grad in grads)
        if squared_norm == 0.0:  # a stationary point: no direction to search along
            self.iteration += 1
            return None
        starts = [param.copy() for param in params]

        def loss_at(step: float) -> float:
            for param, start, grad in zip(params, starts, grads, strict=True):
                np.subtract(start, step * grad, out=param)
            return closure()

        initial = lr if self._previous_step is None else min(lr, 2.0 * self._previous_step)
        loss = closure()
        if not math.isfinite(loss):
            raise fail("closure", "a finite loss at the current parameters", loss)
        try:
            step, value = armijo_steps(loss_at, loss, -squared_norm, initial, self.c1)
        except Exception:
            for param, start in zip(params, starts, strict=True):
                param[...] = start
            raise
        self._flat_steps = self._flat_steps + 1 if value >= loss else 0
        if self._flat_steps >= FLAT_STEPS:
            for param, start in zip(params, starts, strict=True):
                param[...] = start  # the last iterate minimize recorded (same loss)
            raise OptimizationStop(
                f"{FLAT_STEPS} steps in a row left the loss unchanged: no step along the gradient "
                "lowers it at float precision (the gradient is at its rounding floor)"
            )
        # The accepted trial was the last one evaluated, so params already hold it.
        self._previous_step = step
        self.iteration += 1


class Momentum(StepOptimizer):
    """Gradient descent with (heavy-ball) momentum (Polyak, 1964).

    Update: ``v = momentum * v - lr * g``; ``x = x + v`` (Sutskever et al., 2013, eq. 1-2).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import Momentum
    >>> w, optimizer = np.zeros(1), Momentum(lr=0.1, momentum=0.9)
    >>> for _ in range(2):  # the same gradient twice: v = -0.1, then -0.19
    ...     optimizer.step([w], [np.ones(1)])
    >>> w.round(6)
    array([-0.29])
    """

    def __init__(self, lr: float | Callable[[int], float] = 0.01, momentum: float = 0.9) -> None:
        self.momentum = check_unit_interval(momentum, "momentum")
        super().__init__(lr)

    def _initial_state(self, param: NDArray) -> dict[str, Any]:
        return {"velocity": np.zeros_like(param)}

    def _velocity(self, grad: NDArray, state: dict[str, Any], lr: float) -> NDArray:
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= lr * grad  # v = momentum * v - lr * g
        return velocity

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        param += self._velocity(grad, state, lr)  # x = x + v


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (Nesterov, 1983; Sutskever et al., 2013, eq. 3-4).

    Update at the look-ahead point: ``v = momentum * v - lr * grad f(x + momentum * v)``;
    ``x = x + v``. Stored is the look-ahead point ``x~ = x + momentum * v`` itself (so the
    gradient the caller passes is the one needed), which turns the update into
    ``v = momentum * v - lr * g``; ``x~ = x~ + momentum * v - lr * g``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import Nesterov, minimize
    >>> quadratic = lambda x: (float(x @ x), 2 * x)
    >>> result = minimize(quadratic, np.array([3.0, -1.0]), method=Nesterov(lr=0.1), jac=True)
    >>> result.success, np.abs(result.x).max() < 1e-6
    (True, np.True_)
    """

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        velocity = self._velocity(grad, state, lr)
        param += self.momentum * velocity - lr * grad  # x~ = x~ + momentum * v - lr * g
