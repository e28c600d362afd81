"""Learning-rate schedules: callables ``schedule(iteration) -> lr``, iteration counted from 0.

An optimiser given a schedule as ``lr`` evaluates it at its own step count, so the first step
uses ``schedule(0)``. A schedule may decay to 0 but never below; the optimiser refuses a
negative, NaN or infinite rate from any callable, naming the iteration.
"""

from __future__ import annotations

import math

from glassml._validation import check_count, check_positive, check_scalar


class StepLR:
    """Step decay: ``lr_t = lr * gamma ** floor(t / step_size)``.

    Parameters
    ----------
    lr : float
        Learning rate for the first ``step_size`` iterations.
    step_size : int
        Iterations between decays.
    gamma : float
        Multiplicative factor applied at each decay.

    Examples
    --------
    >>> schedule = StepLR(0.1, step_size=2, gamma=0.5)
    >>> [schedule(t) for t in range(5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr = check_positive(lr, "lr")
        self.step_size = check_count(step_size, "step_size")
        self.gamma = check_positive(gamma, "gamma")

    def __call__(self, iteration: int) -> float:
        iteration = check_count(iteration, "iteration", minimum=0)
        return self.lr * self.gamma ** (iteration // self.step_size)

    def __repr__(self) -> str:
        return f"StepLR(lr={self.lr!r}, step_size={self.step_size!r}, gamma={self.gamma!r})"


class ExponentialLR:
    """Exponential decay: ``lr_t = lr * gamma ** t`` (PyTorch's ``ExponentialLR``).

    Parameters
    ----------
    lr : float
        Learning rate at iteration 0.
    gamma : float
        Multiplicative factor applied every iteration.

    Examples
    --------
    >>> schedule = ExponentialLR(2.0, gamma=0.5)
    >>> [schedule(t) for t in range(4)]
    [2.0, 1.0, 0.5, 0.25]
    """

    def __init__(self, lr: float, gamma: float) -> None:
        self.lr = check_positive(lr, "lr")
        self.gamma = check_positive(gamma, "gamma")

    def __call__(self, iteration: int) -> float:
        iteration = check_count(iteration, "iteration", minimum=0)
        try:
            rate = self.lr * self.gamma**iteration
        except OverflowError:  # float ** int raises where float * float gives inf
            rate = math.inf
        if not math.isfinite(rate):
            raise ValueError(
                f"iteration: lr * gamma ** {iteration} overflows (gamma={self.gamma} > 1)"
            )
        return rate

    def __repr__(self) -> str:
        return f"ExponentialLR(lr={self.lr!r}, gamma={self.gamma!r})"


class CosineLR:
    """Cosine annealing (Loshchilov & Hutter, SGDR, 2017), without restarts.

    ``lr_t = lr_min + (lr - lr_min) * (1 + cos(pi * min(t, n_iter) / n_iter)) / 2``: starts at
    ``lr``, reaches ``lr_min`` at ``t = n_iter`` and stays there.

    Examples
    --------
    >>> schedule = CosineLR(1.0, n_iter=4, lr_min=0.0)
    >>> [round(schedule(t), 4) for t in range(6)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """

    def __init__(self, lr: float, n_iter: int, lr_min: float = 0.0) -> None:
        self.lr = check_positive(lr, "lr")
        self.n_iter = check_count(n_iter, "n_iter")
        self.lr_min = check_scalar(lr_min, "lr_min", low=0.0, high=self.lr)

    def __call__(self, iteration: int) -> float:
        iteration = check_count(iteration, "iteration", minimum=0)
        progress = min(iteration, self.n_iter) / self.n_iter
        return self.lr_min + (self.lr - self.lr_min) * (1 + math.cos(math.pi * progress)) / 2

    def __repr__(self) -> str:
        return f"CosineLR(lr={self.lr!r}, n_iter={self.n_iter!r}, lr_min={self.lr_min!r})"
