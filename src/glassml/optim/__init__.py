"""Numerical optimisation: step optimisers for training loops, full-batch methods, ``minimize``.

Step optimisers update lists of arrays in place (``opt.step(params, grads)``):
:class:`GradientDescent`, :class:`Momentum`, :class:`Nesterov`, :class:`Adagrad`,
:class:`RMSprop`, :class:`Adam`, :class:`AdamW`, with ``lr`` a number or a schedule
(:class:`StepLR`, :class:`ExponentialLR`, :class:`CosineLR`). Full-batch methods need the
objective: :class:`Newton`, :class:`LBFGS`, :class:`CoordinateDescent`, :class:`ISTA`,
:class:`FISTA`. :class:`SAM` wraps a step optimiser to descend the worst loss in a ball
around the weights (sharpness-aware minimisation; the loop passes it a second gradient).
:func:`minimize` drives any of them. :class:`PerExampleGradients` carries each
example's gradient (factored) to optimisers that treat examples one by one (differentially
private SGD, ``glassml.privacy.DPSGD``).
"""

from glassml.optim._adaptive import Adagrad, Adam, AdamW, RMSprop
from glassml.optim._base import Optimizer, OptimizeResult, StepOptimizer
from glassml.optim._coordinate import CoordinateDescent
from glassml.optim._gradient_descent import GradientDescent, Momentum, Nesterov
from glassml.optim._lbfgs import LBFGS
from glassml.optim._line_search import LineSearchError, armijo_backtracking, strong_wolfe
from glassml.optim._minimize import METHODS, minimize
from glassml.optim._newton import Newton
from glassml.optim._per_example import PerExampleGradients, wants_per_example
from glassml.optim._proximal import FISTA, ISTA, soft_threshold
from glassml.optim._schedules import CosineLR, ExponentialLR, StepLR
from glassml.optim._sharpness import SAM, wants_regradient

__all__ = [
    "FISTA",
    "ISTA",
    "LBFGS",
    "METHODS",
    "SAM",
    "Adagrad",
    "Adam",
    "AdamW",
    "CoordinateDescent",
    "CosineLR",
    "ExponentialLR",
    "GradientDescent",
    "LineSearchError",
    "Momentum",
    "Nesterov",
    "Newton",
    "OptimizeResult",
    "Optimizer",
    "PerExampleGradients",
    "RMSprop",
    "StepLR",
    "StepOptimizer",
    "armijo_backtracking",
    "minimize",
    "soft_threshold",
    "strong_wolfe",
    "wants_per_example",
    "wants_regradient",
]
