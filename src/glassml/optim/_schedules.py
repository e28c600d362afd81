"""Learning-rate schedules: callables ``schedule(iteration) -> lr``, iteration counted from 0.

An optimiser given a schedule as ``lr`` evaluates it at its own step count, so the first step
uses ``schedule(0)``.
"""

from __future__ import annotations

import math
import numbers

from glassml.optim._base import check_positive


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
    """

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        check_positive("lr", lr)
        if not (isinstance(step_size, int) and step_size >= 1):
            raise ValueError(f"step_size: expected a positive integer, got {step_size!r}")
        check_positive("gamma", gamma)
        self.lr, self.step_size, self.gamma = lr, step_size, gamma

    def __call__(self, iteration: int) -> float:
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
    """

    def __init__(self, lr: float, gamma: float) -> None:
        check_positive("lr", lr)
        check_positive("gamma", gamma)
        self.lr, self.gamma = lr, gamma

    def __call__(self, iteration: int) -> float:
        return self.lr * self.gamma**iteration

    def __repr__(self) -> str:
        return f"ExponentialLR(lr={self.lr!r}, gamma={self.gamma!r})"


class CosineLR:
    """Cosine annealing (Loshchilov & Hutter, SGDR, 2017), without restarts.

    ``lr_t = lr_min + (lr - lr_min) * (1 + cos(pi * min(t, n_iter) / n_iter)) / 2``: starts at
    ``lr``, reaches ``lr_min`` at ``t = n_iter`` and stays there.
    """

    def __init__(self, lr: float, n_iter: int, lr_min: float = 0.0) -> None:
        check_positive("lr", lr)
        if not (isinstance(n_iter, int) and n_iter >= 1):
            raise ValueError(f"n_iter: expected a positive integer, got {n_iter!r}")
        if not (isinstance(lr_min, numbers.Real) and 0 <= lr_min <= lr):
            raise ValueError(f"lr_min: expected a number in [0, lr={lr}], got {lr_min!r}")
        self.lr, self.n_iter, self.lr_min = lr, n_iter, lr_min

    def __call__(self, iteration: int) -> float:
        progress = min(iteration, self.n_iter) / self.n_iter
        return self.lr_min + (self.lr - self.lr_min) * (1 + math.cos(math.pi * progress)) / 2

    def __repr__(self) -> str:
        return f"CosineLR(lr={self.lr!r}, n_iter={self.n_iter!r}, lr_min={self.lr_min!r})"
