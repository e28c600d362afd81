"""Differentially private SGD (Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar & Zhang 2016,
"Deep learning with differential privacy", CCS).

Each step:

    B       each of the n records independently with probability q         (Poisson sampling)
    g_i     the gradient of record i's loss, i in B                         (per example)
    ḡ_i     g_i min(1, C / ||g_i||)                                         (clip to norm C)
    g̃       (Σ_{i in B} ḡ_i + N(0, σ² C² I)) / (q n)                        (noise; the expected
                                                                            batch size divides)
    θ       θ - lr (g̃ + ∇R(θ))         (with momentum: v = m v - lr (g̃ + ∇R); θ = θ + v)

One step is the sampled Gaussian mechanism with noise multiplier σ and rate q applied to a
sum of sensitivity C, so the steps compose in the RDP accountant attached to the optimiser
(:class:`RDPAccountant`); ∇R is the gradient of a data-free penalty, added exactly (it costs no
privacy). The guarantee is record-level under add/remove neighbouring and covers the trained
parameters; quantities computed on the training data for monitoring (loss curves,
early-stopping decisions) are not covered, and choosing when to stop from them spends privacy
the accountant does not count: train a fixed number of epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from glassml._validation import check_count, check_positive, fail
from glassml.optim import PerExampleGradients, StepOptimizer
from glassml.privacy._accountant import (
    RDPAccountant,
    check_noise_multiplier,
    check_sample_rate,
)
from glassml.privacy._mechanisms import check_rng


class DPSGD(StepOptimizer):
    """Differentially private SGD: per-example clipping, Gaussian noise, Poisson batches.

    Update, for a Poisson batch B (each record with probability q)::

        g̃ = (Σ_{i in B} g_i min(1, C / ||g_i||) + N(0, σ² C² I)) / (q n)
        v = momentum v - lr (g̃ + ∇penalty);   θ = θ + v

    with C = ``max_grad_norm`` and σ = ``noise_multiplier``; every step is recorded in
    ``accountant`` (an :class:`RDPAccountant`), so ``epsilon(delta)`` is the privacy spent so
    far. Use it wherever glassml takes a step optimiser and per-example gradients:
    ``glassml.linear.LogisticRegression(optimizer=DPSGD(...))`` (closed-form per-example
    gradients), ``glassml.nn.fit(model, X, y, optimizer=DPSGD(...))`` and the MLP estimators
    (dense layers by the outer-product form; other layers one example at a time).

    Parameters
    ----------
    lr : float or schedule, default=0.1
    noise_multiplier : float, default=1.0
        σ: the noise's standard deviation in units of the clipping norm.
    max_grad_norm : float, default=1.0
        C: each example's gradient is scaled down to at most this L2 norm.
    sample_rate : float in (0, 1] or None, default=None
        q. None: ``batch_size / n_samples`` of the training loop (its expected batch size is
        then the loop's ``batch_size``). An epoch is round(1 / q) steps.
    momentum : float in [0, 1), default=0.0
    random_state : int, Generator or None, default=None
        Seeds the noise (the batches are drawn from the training loop's generator).

    Attributes
    ----------
    accountant : RDPAccountant
        The steps taken since the last ``reset``.

    References
    ----------
    Abadi et al. (2016), "Deep learning with differential privacy", CCS.
    Mironov, Talwar & Zhang (2019), "Rényi differential privacy of the sampled Gaussian
    mechanism".

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.optim import PerExampleGradients
    >>> from glassml.privacy import DPSGD
    >>> optimizer = DPSGD(lr=0.5, noise_multiplier=1.0, max_grad_norm=1.0, random_state=0)
    >>> batches = optimizer.batches(n_samples=1000, batch_size=100,
    ...                             rng=np.random.default_rng(0))
    >>> len(batches)  # one epoch: round(1 / q) steps at q = 0.1
    10
    >>> w = np.zeros(2)
    >>> optimizer.step([w], PerExampleGradients.from_arrays([np.ones((100, 2))]))
    >>> optimizer.accountant.steps, round(optimizer.epsilon(1e-5), 2)
    (1, 2.13)
    """

    per_example = True

    def __init__(
        self,
        lr: float | Callable[[int], float] = 0.1,
        noise_multiplier: float = 1.0,
        max_grad_norm: float = 1.0,
        sample_rate: float | None = None,
        momentum: float = 0.0,
        random_state: Any = None,
    ) -> None:
        from glassml.optim._base import check_unit_interval

        self.noise_multiplier = check_noise_multiplier(noise_multiplier)
        self.max_grad_norm = check_positive(max_grad_norm, "max_grad_norm")
        self.sample_rate = None if sample_rate is None else check_sample_rate(sample_rate)
        self.momentum = check_unit_interval(momentum, "momentum")
        check_rng(random_state)  # refused now, not at the first step
        self.random_state = random_state
        super().__init__(lr)

    def reset(self) -> None:
        super().reset()
        self.accountant = RDPAccountant()
        self._noise = check_rng(self.random_state)
        self._rate: float | None = self.sample_rate
        self._expected: float | None = None

    # ------------------------------------------------------------------ sampling
    def batches(self, n_samples: int, batch_size: int, rng: np.random.Generator) -> list[NDArray]:
        """One epoch of Poisson-sampled batches: round(1 / q) index arrays, each holding every
        record independently with probability q (a Binomial(n, q) count of distinct records
        drawn uniformly: the same distribution, without n draws per step)."""
        n_samples = check_count(n_samples, "n_samples")
        batch_size = check_count(batch_size, "batch_size")
        if not isinstance(rng, np.random.Generator):
            raise fail("rng", "a numpy.random.Generator", rng)
        rate = (
            self.sample_rate if self.sample_rate is not None else min(1.0, batch_size / n_samples)
        )
        self._rate = rate
        self._expected = rate * n_samples
        steps = max(1, round(1.0 / rate))
        sizes = rng.binomial(n_samples, rate, size=steps)
        return [np.sort(rng.choice(n_samples, size=int(k), replace=False)) for k in sizes]

    # ------------------------------------------------------------------ the step
    def privatize(self, grads: PerExampleGradients) -> list[NDArray]:
        """The noisy mean of the clipped per-example gradients (plus the shared part)."""
        if self._expected is None:
            raise ValueError(
                "optimizer: DPSGD needs the expected batch size: call batches(n_samples, "
                "batch_size, rng) for each epoch first (glassml.nn.fit and LogisticRegression "
                "do)"
            )
        clip = self.max_grad_norm
        norms = np.sqrt(grads.squared_norms())
        if not np.all(np.isfinite(norms)):
            # Clipping an overflowed norm would silently drop the example (C / inf = 0).
            raise fail("grads", "per-example gradients whose norms fit in float64", "overflow")
        factors = np.minimum(1.0, clip / np.maximum(norms, np.finfo(np.float64).tiny))
        summed = grads.weighted_sum(factors)
        noisy = []
        for total, shared in zip(summed, grads.shared, strict=True):
            noise = self._noise.normal(0.0, self.noise_multiplier * clip, size=total.shape)
            value = (total + noise) / self._expected
            noisy.append(value if shared is None else value + shared)
        return noisy

    def step(
        self,
        params: Sequence[NDArray],
        grads: PerExampleGradients | Sequence[NDArray],
        closure: Callable[[], float] | None = None,
    ) -> None:
        """Clip each example's gradient, add noise, update ``params`` in place, and record the
        step in ``accountant``.

        ``grads`` is a :class:`glassml.optim.PerExampleGradients` or a list of arrays of shape
        (batch, *param.shape): per-example gradients, never their mean.
        """
        if not isinstance(grads, PerExampleGradients):
            if isinstance(grads, np.ndarray) or not isinstance(grads, list | tuple):
                raise fail("grads", "per-example gradients (a PerExampleGradients)", grads)
            for index, (param, grad) in enumerate(zip(params, grads, strict=False)):
                if np.shape(grad)[1:] != np.shape(param):
                    raise ValueError(
                        f"grads[{index}]: expected per-example gradients of shape (batch, "
                        f"*{np.shape(param)}), got {np.shape(grad)} (DPSGD clips each "
                        "example's gradient, so it cannot take their mean)"
                    )
            grads = PerExampleGradients.from_arrays(grads)
        if len(params) != len(grads.shapes):
            raise ValueError(
                f"grads: expected one gradient per parameter ({len(params)}), got "
                f"{len(grads.shapes)}"
            )
        noisy = self._check(params, self.privatize(grads))
        lr = self.current_lr()
        for index, (param, grad) in enumerate(zip(params, noisy, strict=True)):
            state = self._state_for(index, param)
            state["t"] += 1
            self._update(param, grad, state, lr)
        self.iteration += 1
        self.accountant._compose(self.noise_multiplier, self._rate, 1)

    def _initial_state(self, param: NDArray) -> dict[str, Any]:
        return {"velocity": np.zeros_like(param)} if self.momentum else {}

    def _update(self, param: NDArray, grad: NDArray, state: dict[str, Any], lr: float) -> None:
        if not self.momentum:
            param -= lr * grad
            return
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= lr * grad
        param += velocity

    def epsilon(self, delta: float) -> float:
        """ε spent so far at δ (the accountant's improved RDP conversion)."""
        return self.accountant.get_epsilon(delta)

    def __repr__(self) -> str:
        return (
            f"DPSGD(lr={self.lr!r}, noise_multiplier={self.noise_multiplier!r}, "
            f"max_grad_norm={self.max_grad_norm!r}, sample_rate={self.sample_rate!r}, "
            f"momentum={self.momentum!r}, random_state={self.random_state!r})"
        )
