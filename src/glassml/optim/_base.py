"""What every optimiser shares: per-parameter state, the learning rate, and one ``iterate``.

Two kinds of optimiser, one interface for :func:`glassml.optim.minimize`:

* step optimisers (gradient descent and its momentum/adaptive variants) update a list of
  parameter arrays in place from their gradients, ``opt.step(params, grads)``, inside anybody's
  training loop. ``minimize`` drives that same ``step`` on the single array ``x``.
* full-batch methods (Newton, L-BFGS, coordinate descent, ISTA/FISTA) need the objective
  itself (line searches, Hessians), so they implement ``iterate`` directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_positive, check_scalar, fail
from glassml.optim._objective import Objective


class OptimizationStop(Exception):
    """Raised inside ``iterate`` when the method cannot continue (e.g. a failed line search)."""


@dataclass
class OptimizeResult:
    """Outcome of :func:`minimize`.

    ``history`` maps ``"loss"`` and ``"grad_norm"`` (infinity norm of the gradient, or of the
    minimum-norm subgradient for proximal methods) to 1-D arrays with one entry per iterate,
    starting with ``x0``: ``len(history["loss"]) == nit + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import minimize
    >>> result = minimize(lambda x: (float(x @ x), 2 * x), np.ones(2), method="gd", jac=True,
    ...                   lr=0.5)  # x - 0.5 (2 x) = 0: one step
    >>> result.nit, len(result.history["loss"]), result.success
    (1, 2, True)
    """

    x: NDArray
    fun: float
    nit: int
    success: bool
    message: str
    history: dict[str, NDArray] = field(default_factory=dict)
    nfev: int = 0

    def __repr__(self) -> str:
        return (
            f"OptimizeResult(fun={self.fun:.10g}, nit={self.nit}, nfev={self.nfev}, "
            f"success={self.success}, message={self.message!r})"
        )


def check_unit_interval(value: Any, argument: str) -> float:
    """``value`` in [0, 1): decay rates and momentum coefficients."""
    return check_scalar(value, argument, low=0.0, high=1.0, closed="left")


def check_open_unit_interval(value: Any, argument: str) -> float:
    """``value`` in (0, 1): line-search constants (Armijo's c1, Wolfe's c2, shrink factors)."""
    return check_scalar(value, argument, low=0.0, high=1.0, closed="neither")


def check_learning_rate(lr: Any) -> float | Callable[[int], float]:
    """A positive finite number, or a schedule ``lr(iteration) -> rate`` (checked when used)."""
    if callable(lr):
        return lr
    return check_positive(lr, "lr")


class Optimizer:
    """Base class: ``reset()`` and the hooks ``minimize`` calls.

    A full-batch method implements ``iterate(objective, x, value, grad)``: update ``x`` in
    place and return the new ``(value, grad)``; ``objective(x)`` gives both at any point.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import Optimizer, minimize
    >>> class HalfStep(Optimizer):  # x <- x - g / 2: exact on f = ||x||^2
    ...     def iterate(self, objective, x, value, grad):
    ...         x -= 0.5 * grad
    ...         return objective(x)
    >>> minimize(lambda x: (float(x @ x), 2 * x), np.ones(3), method=HalfStep(), jac=True).nit
    1
    """

    def reset(self) -> None:
        """Forget all state (moments, curvature pairs, step counts)."""

    def start(self, objective: Objective, x: NDArray) -> None:
        """Called by ``minimize`` once before the first ``iterate``."""
        self.reset()

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        """One iteration from ``x`` (updated in place); returns ``(f, grad f)`` at the new x."""
        raise NotImplementedError

    def measure(self, x: NDArray, value: float, grad: NDArray) -> tuple[float, float]:
        """``(loss, stationarity)`` recorded in the history; stationarity is ``||grad||_inf``."""
        return value, float(np.max(np.abs(grad))) if grad.size else 0.0


class StepOptimizer(Optimizer):
    """An optimiser that updates parameter arrays in place from their gradients.

    Subclasses write ``_update(param, grad, state, lr)`` for one array; ``state`` is a dict
    kept per position in the parameter list (the moments of that array).

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import StepOptimizer
    >>> class SignDescent(StepOptimizer):  # x <- x - lr sign(g)
    ...     def _update(self, param, grad, state, lr):
    ...         param -= lr * np.sign(grad)
    >>> w = np.zeros(2)
    >>> SignDescent(lr=0.1).step([w], [np.array([3.0, -0.2])])
    >>> w
    array([-0.1,  0.1])
    """

    def __init__(self, lr: float | Callable[[int], float]) -> None:
        self.lr = check_learning_rate(lr)
        self.reset()

    def reset(self) -> None:
        self.iteration = 0
        self.state: dict[int, dict[str, Any]] = {}

    def current_lr(self) -> float:
        """The learning rate for the next step: ``lr`` or ``lr(iteration)`` for a schedule.

        A schedule may decay to zero (``CosineLR`` ends at ``lr_min = 0``) but never below, and
        never to NaN or infinity: such a rate is refused, naming the iteration.
        """
        if not callable(self.lr):
            return float(self.lr)
        rate = self.lr(self.iteration)
        try:
            return check_scalar(rate, "lr", low=0.0)
        except ValueError:
            raise fail(
                "lr",
                f"the schedule to return a finite rate >= 0 at iteration {self.iteration}",
                rate,
            ) from None

    def _check(self, params: Sequence[NDArray], grads: Sequence[Any]) -> list[NDArray]:
        """Parameters: floating arrays (updated in place). Gradients: real, finite, same shape.

        The finiteness test is one BLAS dot product per gradient (``g . g`` is finite exactly
        when no entry is NaN or infinite and the squared norm does not overflow), a small
        fraction of an update's cost; a NaN gradient would otherwise spread silently into
        every parameter.
        """
        if isinstance(params, np.ndarray) or isinstance(grads, np.ndarray):
            which = "params" if isinstance(params, np.ndarray) else "grads"
            raise fail(which, "a list of arrays (one per parameter)", "a single array")
        if len(params) != len(grads):
            raise ValueError(
                f"grads: expected one gradient per parameter ({len(params)}), got {len(grads)}"
            )
        checked = []
        for index, (param, grad) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
                raise fail(f"params[{index}]", "a floating numpy array (updated in place)", param)
            grad = np.asarray(grad)
            if grad.dtype.kind not in "fiu":
                raise fail(f"grads[{index}]", "real numbers", grad)
            if grad.shape != param.shape:
                raise ValueError(
                    f"grads[{index}]: expected shape {param.shape} like params[{index}], "
                    f"got {grad.shape}"
                )
            if not math.isfinite(np.vdot(grad, grad)):
                if not np.all(np.isfinite(grad)):
                    raise fail(f"grads[{index}]", "finite values (no NaN or inf)", grad)
                largest = float(np.max(np.abs(grad)))
                raise ValueError(
                    f"grads[{index}]: expected a squared norm within floating range, got "
                    f"entries up to {largest:.3g} (rescale the objective)"
                )
            checked.append(grad)
        return checked

    def _state_for(self, index: int, param: NDArray) -> dict[str, Any]:
        state = self.state.get(index)
        if state is None:
            # Checked once, when first seen: from then on only finite steps are added to it.
            if not np.all(np.isfinite(param)):
                raise fail(f"params[{index}]", "finite values (no NaN or inf)", param)
            state = self.state[index] = {"t": 0, **self._initial_state(param)}
        elif state.get("shape", param.shape) != param.shape:
            raise ValueError(f"params[{index}]: shape changed since the last step; call reset()")
        state["shape"] = param.shape
        return state

    def _initial_state(self, param: NDArray) -> dict[str, Any]:
        return {}

    def step(
        self,
        params: Sequence[NDArray],
        grads: Sequence[NDArray],
        closure: Callable[[], float] | None = None,
    ) -> None:
        """Update each array of ``params`` in place from its gradient in ``grads``.

        ``closure() -> loss`` re-evaluates the loss at the current parameters; only line-search
        methods use it.
        """
        grads = self._check(params, grads)
        lr = self.current_lr()
        for index, (param, grad) in enumerate(zip(params, grads, strict=True)):
            state = self._state_for(index, param)
            state["t"] += 1
            self._update(param, grad, state, lr)
        self.iteration += 1

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        raise NotImplementedError

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        # minimize drives the same step a training loop calls; the objective's cache makes
        # the evaluation after an accepted line-search trial free.
        self.step([x], [grad], closure=lambda: objective(x)[0])
        return objective(x)

    def __repr__(self) -> str:
        names = self.__init__.__code__.co_varnames[1 : self.__init__.__code__.co_argcount]
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"
