"""Sharpness-aware minimisation: descend the worst loss in a small ball around the weights.

Instead of L(w), SAM minimises the sharpness-aware objective

    L_SAM(w) = max_{||e||_2 <= rho} L(w + e)

so that it prefers minima whose whole neighbourhood has low loss (flat minima), which
generalise better on small or noisy data. The inner maximum has no closed form; its
first-order Taylor approximation L(w + e) ~ L(w) + e . g, g = grad L(w), is maximised over the
ball by the dual-norm solution

    e(w) = rho g / ||g||_2                                   (the steepest ascent, length rho)

and dropping the second-order term that differentiating e(w) would bring, the gradient of
L_SAM is the ordinary gradient taken at the perturbed point:

    grad L_SAM(w) ~ grad L(w) |_{w + e(w)}

One SAM step therefore costs two gradients: g at w, then g_SAM at w + e(w); the weights go back
to w and the base optimiser steps with g_SAM (Foret, Kleiner, Mobahi & Neyshabur, 2021,
"Sharpness-Aware Minimization for Efficiently Improving Generalization", ICLR). The ball is
over all parameters together, as in the paper: ||g||_2 is the norm of the concatenated
gradient, not one norm per array.

Adaptive SAM (ASAM; Kwon, Kim, Park & Choi, 2021, "ASAM: Adaptive Sharpness-Aware Minimization
for Scale-Invariant Learning of Deep Neural Networks", ICML) measures the ball in coordinates
relative to each weight's size. With the element-wise operator T_w = |w| + eta, the ball is
||T_w^-1 e||_2 <= rho, and the same first-order argument (substitute e = T_w u, maximise
u . (T_w g) over ||u|| <= rho) gives

    e(w) = rho T_w^2 g / ||T_w g||_2

A layer followed by batch norm computes the same function when its weights are scaled by
c > 0, while its gradient scales by 1/c: SAM's fixed-radius ball then means a different
neighbourhood at every scale, ASAM's (with eta = 0) the same one, scaled with w. eta keeps
weights at zero perturbable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_bool, check_non_negative, check_positive, fail
from glassml.optim._base import StepOptimizer
from glassml.optim._objective import Objective
from glassml.optim._per_example import wants_per_example


def wants_regradient(optimizer: Any) -> bool:
    """Whether ``optimizer.step`` needs ``gradient()``: the gradients re-taken at the current
    parameters (``regradient = True``, as :class:`SAM` declares).

    Examples
    --------
    >>> from glassml.optim import SAM, Adam, wants_regradient
    >>> wants_regradient(SAM(Adam())), wants_regradient(Adam())
    (True, False)
    """
    return getattr(optimizer, "regradient", False) is True


class SAM(StepOptimizer):
    """Sharpness-aware minimisation around any step optimiser (Foret et al., 2021, ICLR).

    Objective: ``min_w max_{||e|| <= rho} L(w + e)``. Update, from the gradient ``g`` at ``w``:
    ``e = rho * g / ||g||`` (the norm over all parameters together); ``g_sam = grad L(w + e)``;
    the base optimiser steps from ``w`` with ``g_sam``. A zero gradient gives ``e = 0`` and an
    ordinary base step. With ``adaptive=True`` (ASAM, Kwon et al., 2021, ICML) the ball is
    relative to each weight, ``||e / T|| <= rho``, so ``e = rho * T**2 * g / ||T g||`` with
    ``T = |w| + eta``; the rest of the step is the same.

    The training loop supplies the second gradient: ``step(params, grads, gradient=...)``
    where ``gradient()`` returns the gradients at the parameters as they are when it is called
    (SAM has moved them to ``w + e``). :func:`glassml.nn.fit`, :func:`glassml.nn.train_step`,
    :func:`minimize` and :class:`glassml.linear.LogisticRegression` pass it; in a loop of your
    own, pass a function that re-runs the forward and backward pass on the same batch.

    Parameters
    ----------
    base : StepOptimizer
        The optimiser that takes the step (``Adam()``, ``Momentum()``, ...); its learning rate
        and state are SAM's (``SAM(...).lr`` reads and sets ``base.lr``).
    rho : float
        Radius of the neighbourhood. The paper's default is 0.05 (with SGD on images); ASAM's
        ball is relative to the weights, and its paper uses radii about ten times larger
        (0.5 to 1 on CIFAR).
    adaptive : bool
        ASAM: the ball ``||e / (|w| + eta)||_2 <= rho``, so ``e = rho T^2 g / ||T g||`` with
        ``T = |w| + eta`` element-wise (over every parameter array, biases included: a step
        optimiser sees arrays, not their names).
    eta : float
        ASAM's floor on ``T`` (the paper's 0.01), so weights at zero are perturbed too.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import SAM, GradientDescent
    >>> A = np.diag([1.0, 10.0])  # L(w) = w' A w / 2, gradient A w
    >>> w = np.array([1.0, 1.0])
    >>> sam = SAM(GradientDescent(lr=0.01), rho=0.1)
    >>> sam.step([w], [A @ w], gradient=lambda: [A @ w])  # A (w + e) is read at w + e
    >>> w.round(5)  # w - 0.01 A (w + 0.1 A w / ||A w||)
    array([0.9899 , 0.89005])
    >>> v = np.array([2.0, 0.5])  # ASAM: e = 0.5 T^2 A v / ||T A v||, T = |v|
    >>> SAM(GradientDescent(lr=0.01), rho=0.5, adaptive=True, eta=0.0).step(
    ...     [v], [A @ v], gradient=lambda: [A @ v]
    ... )
    >>> v.round(5)
    array([1.97152, 0.43675])
    """

    regradient = True

    def __init__(
        self, base: StepOptimizer, rho: float = 0.05, adaptive: bool = False, eta: float = 0.01
    ) -> None:
        if not isinstance(base, StepOptimizer) or isinstance(base, SAM) or wants_per_example(base):
            raise fail(
                "base",
                "a step optimiser that takes the mean gradient (Adam(), Momentum(), ...), not "
                "SAM itself or a per-example optimiser",
                base,
            )
        self.base = base
        self.rho = check_positive(rho, "rho")
        self.adaptive = check_bool(adaptive, "adaptive")
        self.eta = check_non_negative(eta, "eta")

    # SAM has no learning rate, state or step count of its own: they are the base's.
    @property
    def lr(self) -> float | Callable[[int], float]:
        return self.base.lr

    @lr.setter
    def lr(self, value: float | Callable[[int], float]) -> None:
        self.base.lr = value

    @property
    def iteration(self) -> int:
        return self.base.iteration

    def reset(self) -> None:
        self.base.reset()

    def current_lr(self) -> float:
        return self.base.current_lr()

    def step(
        self,
        params: Sequence[NDArray],
        grads: Sequence[NDArray],
        closure: Callable[[], float] | None = None,
        gradient: Callable[[], Sequence[NDArray]] | None = None,
    ) -> None:
        """Move ``params`` to ``w + e``, take ``gradient()`` there, restore ``w`` and let the
        base optimiser step with it (``closure`` goes to the base, for its line search)."""
        if not callable(gradient):
            raise fail(
                "gradient",
                "a function returning the gradients at the current parameters (SAM takes a "
                "second gradient at w + e; glassml.nn.fit, train_step and minimize pass it)",
                gradient,
            )
        grads = self._check(params, grads)
        # SAM: e = rho g / ||g||. ASAM: with s = T g, e = rho T s / ||s|| (= rho T^2 g / ||T g||).
        sizes = [
            np.abs(param).astype(np.float64) + self.eta if self.adaptive else None
            for param in params
        ]
        with np.errstate(over="ignore"):  # an overflow is refused by name below
            directions = [g if t is None else t * g for t, g in zip(sizes, grads, strict=True)]
            norm = math.sqrt(sum(float(np.vdot(d, d)) for d in directions))
        if not math.isfinite(norm):  # only ASAM's |w| g can overflow: _check bounded g . g
            raise fail("params", "weights whose size times gradient is finite (ASAM)", "overflow")
        if norm == 0.0:  # e = 0: the perturbed point is w itself
            self.base.step(params, grads, closure)
            return
        scale = self.rho / norm
        saved = [param.copy() for param in params]
        try:
            for param, size, direction in zip(params, sizes, directions, strict=True):
                e = scale * direction if size is None else scale * size * direction
                param += e.astype(param.dtype, copy=False)  # w + e
            sharp = list(gradient())
        finally:
            # Restored from copies, not by subtracting e: w + e - e need not round back to w.
            for param, original in zip(params, saved, strict=True):
                param[...] = original
        self.base.step(params, sharp, closure)

    def iterate(
        self, objective: Objective, x: NDArray, value: float, grad: NDArray
    ) -> tuple[float, NDArray]:
        self.step(
            [x],
            [grad],
            closure=lambda: objective(x)[0],
            gradient=lambda: [objective(x)[1]],
        )
        return objective(x)

    def __repr__(self) -> str:
        if not self.adaptive:
            return f"SAM(base={self.base!r}, rho={self.rho!r})"
        return f"SAM(base={self.base!r}, rho={self.rho!r}, adaptive=True, eta={self.eta!r})"
