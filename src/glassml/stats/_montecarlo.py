"""Monte Carlo integration and three ways to reduce its variance.

Plain Monte Carlo. For I = E_p[f(X)] and X_1..X_n iid from p,
    I_hat = (1/n) sum f(X_i),     SE = s_f / sqrt(n),     CI = I_hat ± z_{1-a/2} SE,
with s_f the sample standard deviation of the f(X_i). An integral over a box B is
vol(B) E[f(U)], U uniform on B.

Antithetic variates. Pair each draw X with a reflection X' of the same distribution
(U -> 1 - U, Z -> -Z) and average Y = (f(X) + f(X'))/2 over n/2 pairs:
    Var(Y) = (Var f + Cov(f(X), f(X')))/2,
smaller than the Var f / 2 of two independent draws whenever f(X) and f(X') are negatively
correlated (f monotone).

Control variates. With g of known mean mu_g, estimate E f by the mean of
    f(X) - beta^T (g(X) - mu_g),   beta = Cov(g)^-1 Cov(g, f)   (least squares of f on g),
whose variance is Var f (1 - R^2), R^2 that regression's coefficient of determination.

Importance sampling. Draw X_i from a proposal q, weight w_i = p~(X_i)/q(X_i) (p~ the target
density, possibly unnormalised). Self-normalised,
    I_hat = sum w_i f(X_i) / sum w_i,
    SE^2 = sum w_i^2 (f(X_i) - I_hat)^2 / (sum w_i)^2       (delta method),
    ESS = (sum w_i)^2 / sum w_i^2,
and log Z_hat = log mean w_i estimates the target's normalising constant. When p~ is normalised,
the plain importance estimate mean(w_i f(X_i)) with SE = sd(w f)/sqrt(n) is also available; it
is the better one for rare events, where the target's bulk lies where q puts few draws and the
self-normalising denominator sum w_i is itself badly estimated.
Owen (2013), "Monte Carlo theory, methods and examples", chapters 2, 8 and 9.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from glassml._validation import check_callable
from glassml.stats._result import STANDARD_NORMAL
from glassml.stats._validation import check_probability

Sampler = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class MonteCarloResult:
    """A Monte Carlo estimate with its standard error and normal-theory confidence interval.

    ``effective_sample_size`` is ``n_samples`` for plain, antithetic (counted in draws) and
    control-variate estimates, and Kish's ``(sum w)^2 / sum w^2`` for importance sampling.
    ``log_normalizer`` is importance sampling's estimate of log of the target's integral.
    """

    method: str
    estimate: float
    standard_error: float
    confidence_interval: tuple[float, float]
    confidence_level: float
    n_samples: int
    effective_sample_size: float
    log_normalizer: float | None = None
    control_coefficients: np.ndarray | None = None

    def __str__(self) -> str:
        low, high = self.confidence_interval
        return (
            f"{self.method}: {self.estimate:.6g} ± {self.standard_error:.2g} (SE), "
            f"{self.confidence_level:.0%} CI [{low:.6g}, {high:.6g}], n = {self.n_samples}"
        )


def _check_n(n_samples: int, name: str = "n_samples", minimum: int = 2) -> int:
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {n_samples!r}")
    return int(n_samples)


def _values(func: Callable, points: np.ndarray, name: str = "func") -> np.ndarray:
    """``func`` evaluated on a batch of points: one finite number per point."""
    check_callable(func, name, "of a batch of points")
    values = np.asarray(func(points), dtype=np.float64)
    if values.shape != (points.shape[0],):
        raise ValueError(
            f"{name} must return one value per sample, shape ({points.shape[0]},); "
            f"got {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} returned NaN or infinite values")
    return values


def _draw(sampler: Sampler, rng: np.random.Generator, n_samples: int) -> np.ndarray:
    points = np.asarray(sampler(rng, n_samples), dtype=np.float64)
    if points.ndim == 0 or points.shape[0] != n_samples:
        raise ValueError(
            f"sampler(rng, n) must return n = {n_samples} points along axis 0; "
            f"got shape {points.shape}"
        )
    return points


def _summary(
    method: str, estimate: float, standard_error: float, level: float, n_samples: int,
    effective_sample_size: float, **extra,
) -> MonteCarloResult:  # fmt: skip
    quantile = STANDARD_NORMAL.ppf(0.5 + level / 2)
    interval = (estimate - quantile * standard_error, estimate + quantile * standard_error)
    return MonteCarloResult(
        method, float(estimate), float(standard_error), interval, level, n_samples,
        float(effective_sample_size), **extra,
    )  # fmt: skip


def _box_sampler(bounds) -> tuple[Sampler, float]:
    box = np.asarray(bounds, dtype=np.float64)
    if box.ndim == 1:
        box = box[np.newaxis, :]
    if box.ndim != 2 or box.shape[1] != 2 or not np.all(np.isfinite(box)):
        raise ValueError(f"bounds must be finite (low, high) pairs, shape (d, 2); got {box.shape}")
    if np.any(box[:, 1] <= box[:, 0]):
        raise ValueError("bounds: every high must exceed its low")
    low, width = box[:, 0], box[:, 1] - box[:, 0]
    volume = float(np.prod(width))
    if np.ndim(bounds) == 1:
        return (lambda rng, n: low[0] + width[0] * rng.random(n)), volume
    return (lambda rng, n: low + width * rng.random((n, low.size))), volume


def _resolve_sampler(sampler, bounds) -> tuple[Sampler, float]:
    if (sampler is None) == (bounds is None):
        raise ValueError("give exactly one of sampler (draws from p) and bounds (a box)")
    if bounds is not None:
        return _box_sampler(bounds)
    if not callable(sampler):
        raise ValueError("sampler must be a callable sampler(rng, n) -> n points")
    return sampler, 1.0


def mc_integrate(
    func: Callable[[np.ndarray], np.ndarray],
    sampler: Sampler | None = None,
    *,
    bounds=None,
    n_samples: int = 10_000,
    confidence_level: float = 0.95,
    random_state=None,
) -> MonteCarloResult:
    """Plain Monte Carlo: ``E_p[func(X)]`` from ``sampler``, or the integral over ``bounds``.

    Parameters
    ----------
    func : callable
        Vectorised: ``func(points)`` with points of shape ``(n,)`` or ``(n, d)`` returns ``(n,)``.
    sampler : callable, optional
        ``sampler(rng, n)`` returns ``n`` draws from p (a ``numpy.random.Generator`` is passed).
    bounds : (low, high) or sequence of them, optional
        Integrate over this box instead: ``volume * mean(func(U))``, U uniform on it.

    Examples
    --------
    >>> result = mc_integrate(lambda x: x**2, bounds=(0.0, 3.0), n_samples=100_000,
    ...                       random_state=0)
    >>> abs(result.estimate - 9.0) < 4 * result.standard_error
    True
    """
    n_samples = _check_n(n_samples)
    level = check_probability(confidence_level, "confidence_level")
    sampler, volume = _resolve_sampler(sampler, bounds)
    values = volume * _values(func, _draw(sampler, np.random.default_rng(random_state), n_samples))
    return _summary(
        "Monte Carlo", values.mean(), values.std(ddof=1) / np.sqrt(n_samples), level, n_samples,
        n_samples,
    )  # fmt: skip


def antithetic_integrate(
    func: Callable[[np.ndarray], np.ndarray],
    sampler: Sampler | None = None,
    reflect: Callable[[np.ndarray], np.ndarray] | None = None,
    *,
    bounds=None,
    n_samples: int = 10_000,
    confidence_level: float = 0.95,
    random_state=None,
) -> MonteCarloResult:
    """Antithetic variates: ``n_samples / 2`` pairs ``(X, reflect(X))``, each pair averaged.

    With ``bounds`` the reflection is ``low + high - U`` (that is, U -> 1 - U on [0, 1]); with a
    ``sampler`` give ``reflect`` (for example ``lambda z: -z`` for a symmetric p), which must
    map p to itself.
    """
    n_samples = _check_n(n_samples, minimum=4)
    level = check_probability(confidence_level, "confidence_level")
    if bounds is not None:
        box = np.asarray(bounds, dtype=np.float64)
        reflect = lambda points: box.T[0] + box.T[1] - points  # noqa: E731
    elif not callable(reflect):
        raise ValueError("reflect must be a callable mapping draws of p to draws of p")
    sampler, volume = _resolve_sampler(sampler, bounds)
    n_pairs = n_samples // 2
    points = _draw(sampler, np.random.default_rng(random_state), n_pairs)
    pair_means = 0.5 * volume * (_values(func, points) + _values(func, reflect(points)))
    return _summary(
        "antithetic Monte Carlo", pair_means.mean(), pair_means.std(ddof=1) / np.sqrt(n_pairs),
        level, 2 * n_pairs, 2 * n_pairs,
    )  # fmt: skip


def control_variate_integrate(
    func: Callable[[np.ndarray], np.ndarray],
    control: Callable[[np.ndarray], np.ndarray],
    control_mean,
    sampler: Sampler | None = None,
    *,
    bounds=None,
    n_samples: int = 10_000,
    confidence_level: float = 0.95,
    random_state=None,
) -> MonteCarloResult:
    """Control variates: ``mean(f - beta^T (g - mu_g))`` with beta fitted by least squares.

    ``control(points)`` returns ``(n,)`` or ``(n, k)`` values of k controls whose expectations
    under p are ``control_mean``. The standard error accounts for the k fitted coefficients
    (residual variance with ``n - k - 1`` degrees of freedom).
    """
    n_samples = _check_n(n_samples, minimum=4)
    level = check_probability(confidence_level, "confidence_level")
    sampler, volume = _resolve_sampler(sampler, bounds)
    points = _draw(sampler, np.random.default_rng(random_state), n_samples)
    values = volume * _values(func, points)
    controls = np.asarray(control(points), dtype=np.float64)
    controls = controls.reshape(n_samples, -1) if controls.ndim <= 2 else controls
    known_mean = np.atleast_1d(np.asarray(control_mean, dtype=np.float64))
    if controls.ndim != 2 or controls.shape[0] != n_samples:
        raise ValueError(f"control must return (n,) or (n, k) values; got {controls.shape}")
    if known_mean.shape != (controls.shape[1],) or not np.all(np.isfinite(known_mean)):
        raise ValueError(
            f"control_mean must hold {controls.shape[1]} finite value(s); got {control_mean!r}"
        )
    if not np.all(np.isfinite(controls)):
        raise ValueError("control returned NaN or infinite values")
    n_controls = controls.shape[1]
    if n_samples <= n_controls + 1:
        raise ValueError(f"n_samples must exceed the number of controls + 1 = {n_controls + 1}")
    centred = controls - controls.mean(axis=0)
    beta, *_ = np.linalg.lstsq(centred, values - values.mean(), rcond=None)
    adjusted = values - (controls - known_mean) @ beta
    residual = values - values.mean() - centred @ beta
    variance = residual @ residual / (n_samples - n_controls - 1)
    return _summary(
        "control-variate Monte Carlo", adjusted.mean(), np.sqrt(variance / n_samples), level,
        n_samples, n_samples, control_coefficients=beta,
    )  # fmt: skip


def importance_sampling(
    func: Callable[[np.ndarray], np.ndarray],
    log_target: Callable[[np.ndarray], np.ndarray],
    proposal_sampler: Sampler,
    log_proposal: Callable[[np.ndarray], np.ndarray],
    *,
    n_samples: int = 10_000,
    self_normalize: bool = True,
    confidence_level: float = 0.95,
    random_state=None,
) -> MonteCarloResult:
    """Self-normalised importance sampling of ``E_p[func(X)]`` with draws from a proposal q.

    Parameters
    ----------
    log_target : callable
        ``log p~(points)``, the target's log density up to an additive constant.
    proposal_sampler, log_proposal : callable
        ``proposal_sampler(rng, n)`` draws from q; ``log_proposal(points)`` is its normalised
        log density (so that ``log_normalizer`` estimates ``log integral of p~``).

    self_normalize : bool
        ``False`` (``log_target`` then normalised) gives the unbiased mean(w f) instead.

    The result's ``effective_sample_size`` is Kish's ESS of the weights; far below
    ``n_samples`` means the proposal fits the target badly and the estimate is unreliable.
    """
    n_samples = _check_n(n_samples)
    level = check_probability(confidence_level, "confidence_level")
    points = _draw(proposal_sampler, np.random.default_rng(random_state), n_samples)
    log_weights = _values(log_target, points, "log_target") - _values(
        log_proposal, points, "log_proposal"
    )
    values = _values(func, points)
    # Weights relative to the largest one: exp cannot overflow; the ratios are unchanged.
    log_total = special.logsumexp(log_weights)
    weights = np.exp(log_weights - log_total)  # normalised: sum to 1
    ess = 1.0 / np.sum(weights**2)
    log_normalizer = float(log_total - np.log(n_samples))
    if self_normalize:
        estimate = weights @ values
        standard_error = np.sqrt(np.sum(weights**2 * (values - estimate) ** 2))
        method = "self-normalised importance sampling"
    else:
        weighted = np.exp(log_weights) * values
        estimate, standard_error = weighted.mean(), weighted.std(ddof=1) / np.sqrt(n_samples)
        method = "importance sampling"
    return _summary(
        method, estimate, standard_error, level, n_samples, ess, log_normalizer=log_normalizer
    )
