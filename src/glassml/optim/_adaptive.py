"""Adaptive step optimisers: per-coordinate step sizes from running gradient statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_non_negative
from glassml.optim._base import StepOptimizer, check_unit_interval


class Adagrad(StepOptimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011, JMLR 12).

    Update: ``G = G + g^2`` (sum of squared gradients); ``x = x - lr * g / (sqrt(G) + eps)``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import Adagrad
    >>> w = np.zeros(2)
    >>> Adagrad(lr=0.5).step([w], [np.array([4.0, -0.01])])  # the first step: lr sign(g)
    >>> w.round(6)
    array([-0.5,  0.5])
    """

    def __init__(self, lr: float | Callable[[int], float] = 0.01, eps: float = 1e-10) -> None:
        self.eps = check_non_negative(eps, "eps")
        super().__init__(lr)

    def _initial_state(self, param: NDArray) -> dict[str, Any]:
        return {"sum_sq": np.zeros_like(param)}

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        sum_sq = state["sum_sq"]
        sum_sq += grad * grad  # G = G + g^2
        param -= lr * grad / (np.sqrt(sum_sq) + self.eps)


class RMSprop(StepOptimizer):
    """RMSprop (Tieleman & Hinton, 2012, Coursera lecture 6.5).

    Update: ``v = rho * v + (1 - rho) * g^2`` (running mean square);
    ``x = x - lr * g / (sqrt(v) + eps)``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import RMSprop
    >>> w = np.zeros(1)
    >>> RMSprop(lr=0.01, rho=0.9).step([w], [np.array([2.0])])  # g / sqrt(0.1 g^2)
    >>> w.round(5)
    array([-0.03162])
    """

    def __init__(
        self, lr: float | Callable[[int], float] = 0.001, rho: float = 0.9, eps: float = 1e-8
    ) -> None:
        self.rho = check_unit_interval(rho, "rho")
        self.eps = check_non_negative(eps, "eps")
        super().__init__(lr)

    def _initial_state(self, param: NDArray) -> dict[str, Any]:
        return {"mean_sq": np.zeros_like(param)}

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        mean_sq = state["mean_sq"]
        mean_sq *= self.rho
        mean_sq += (1 - self.rho) * grad * grad  # v = rho * v + (1 - rho) * g^2
        param -= lr * grad / (np.sqrt(mean_sq) + self.eps)


class Adam(StepOptimizer):
    """Adam (Kingma & Ba, 2015, "Adam: a method for stochastic optimization", Algorithm 1).

    Update at step ``t = 1, 2, ...``::

        m = beta1 * m + (1 - beta1) * g        # first moment
        v = beta2 * v + (1 - beta2) * g^2      # second moment
        m_hat = m / (1 - beta1^t)              # bias corrections
        v_hat = v / (1 - beta2^t)
        x = x - lr * m_hat / (sqrt(v_hat) + eps)

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import Adam
    >>> w = np.array([1.0, -2.0])
    >>> Adam(lr=0.1).step([w], [np.array([0.5, -0.5])])  # the first step: lr sign(g)
    >>> w.round(6)
    array([ 0.9, -1.9])
    """

    def __init__(
        self,
        lr: float | Callable[[int], float] = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        self.beta1 = check_unit_interval(beta1, "beta1")
        self.beta2 = check_unit_interval(beta2, "beta2")
        self.eps = check_non_negative(eps, "eps")
        super().__init__(lr)

    def _initial_state(self, param: NDArray) -> dict[str, Any]:
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def _adam_direction(self, grad: NDArray, state: dict[str, Any]) -> NDArray:
        """``m_hat / (sqrt(v_hat) + eps)`` after updating the moments with ``grad``."""
        m, v, t = state["m"], state["v"], state["t"]
        m *= self.beta1
        m += (1 - self.beta1) * grad  # m = beta1 * m + (1 - beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad  # v = beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        return m_hat / (np.sqrt(v_hat) + self.eps)

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        param -= lr * self._adam_direction(grad, state)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019, ICLR, Algorithm 2).

    The decay shrinks the weights directly instead of entering the gradient (so it is not
    rescaled by ``1 / sqrt(v_hat)``)::

        (m, v, m_hat, v_hat as in Adam, from g = grad f(x) without the decay)
        x = x - lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * x)

    ``lr`` plays the role of the paper's ``eta_t * alpha``, with the decay scaled by ``lr``
    as in PyTorch's ``AdamW``.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import AdamW
    >>> w = np.array([2.0])
    >>> AdamW(lr=0.1, weight_decay=0.5).step([w], [np.array([1.0])])  # 2 - 0.1 (1 + 0.5 * 2)
    >>> w.round(6)
    array([1.8])
    """

    def __init__(
        self,
        lr: float | Callable[[int], float] = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        self.weight_decay = check_non_negative(weight_decay, "weight_decay")
        super().__init__(lr, beta1, beta2, eps)

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        direction = self._adam_direction(grad, state)
        param -= lr * (direction + self.weight_decay * param)
