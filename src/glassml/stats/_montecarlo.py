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

from glassml._validation import check_bool, check_callable, check_count, check_probability
from glassml.stats._result import STANDARD_NORMAL
from glassml.stats._validation import check_finite, check_generator, data_scale, real_array

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


_MAX_SAMPLES = 100_000_000


def _check_n(n_samples, minimum: int = 2) -> int:
    n_samples = check_count(n_samples, "n_samples", minimum=minimum)
    if n_samples > _MAX_SAMPLES:
        raise ValueError(f"n_samples: expected at most {_MAX_SAMPLES:,}, got {n_samples}")
    return n_samples


def _values(func: Callable, points: np.ndarray, name: str = "func") -> np.ndarray:
    """``func`` evaluated on a batch of points: one finite real number per point."""
    check_callable(func, name, "of a batch of points")
    values = real_array(func(points), f"{name}(points)")
    if values.shape != (points.shape[0],):
        raise ValueError(
            f"{name}: expected a function returning one value per point, shape "
            f"({points.shape[0]},), got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: expected finite values, got NaN or infinity")
    return values


def _sd(values: np.ndarray) -> float:
    """Sample standard deviation, formed on values / scale so the squares cannot overflow."""
    scale = data_scale(values)
    return float(np.std(values / scale, ddof=1) * scale)


def _draw(sampler: Sampler, rng: np.random.Generator, n_samples: int, name: str) -> np.ndarray:
    points = real_array(sampler(rng, n_samples), f"{name}(rng, n)")
    if points.ndim == 0 or points.shape[0] != n_samples:
        raise ValueError(
            f"{name}: expected sampler(rng, n) to return n = {n_samples} points along axis 0, "
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


def _check_box(bounds) -> np.ndarray:
    """``bounds`` as a ``(d, 2)`` array of finite (low, high) pairs with high > low."""
    box = real_array(bounds, "bounds")
    one_dimensional = box.ndim == 1
    if one_dimensional:
        box = box[np.newaxis, :]
    if box.ndim != 2 or box.shape[1] != 2 or box.shape[0] == 0:
        raise ValueError(
            f"bounds: expected a (low, high) pair or a sequence of them, got shape {box.shape}"
        )
    check_finite(box, "bounds")
    if np.any(box[:, 1] <= box[:, 0]):
        raise ValueError("bounds: expected every high to exceed its low, got high <= low")
    # The volume is a product of widths: it must be a finite positive number.
    with np.errstate(over="ignore", under="ignore"):
        volume = np.prod(box[:, 1] - box[:, 0])
    if not (np.isfinite(volume) and volume > 0):
        raise ValueError(f"bounds: expected a box of finite positive volume, got {volume}")
    return box[0] if one_dimensional else box


def _box_sampler(bounds) -> tuple[Sampler, float]:
    box = _check_box(bounds)
    if box.ndim == 1:
        low, width = box[0], box[1] - box[0]
        return (lambda rng, n: low + width * rng.random(n)), float(width)
    low, width = box[:, 0], box[:, 1] - box[:, 0]
    return (lambda rng, n: low + width * rng.random((n, low.size))), float(np.prod(width))


def _resolve_sampler(sampler, bounds) -> tuple[Sampler, float]:
    if (sampler is None) == (bounds is None):
        raise ValueError(
            "sampler, bounds: expected exactly one of sampler (draws from p) and bounds (a box),"
            f" got {'both' if sampler is not None else 'neither'}"
        )
    if bounds is not None:
        return _box_sampler(bounds)
    return check_callable(sampler, "sampler", "sampler(rng, n) returning n points"), 1.0


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
    check_callable(func, "func", "of a batch of points")
    n_samples = _check_n(n_samples)
    level = check_probability(confidence_level, "confidence_level")
    sampler, volume = _resolve_sampler(sampler, bounds)
    rng = check_generator(random_state)
    values = volume * _values(func, _draw(sampler, rng, n_samples, "sampler"))
    return _summary(
        "Monte Carlo", values.mean(), _sd(values) / np.sqrt(n_samples), level, n_samples,
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

    Examples
    --------
    >>> import numpy as np
    >>> result = antithetic_integrate(np.exp, bounds=(0.0, 1.0), n_samples=10_000,
    ...                               random_state=0)
    >>> bool(abs(result.estimate - (np.e - 1)) < 4 * result.standard_error)
    True
    """
    check_callable(func, "func", "of a batch of points")
    n_samples = _check_n(n_samples, minimum=4)
    level = check_probability(confidence_level, "confidence_level")
    sampler, volume = _resolve_sampler(sampler, bounds)
    if bounds is not None:
        box = _check_box(bounds)
        reflect = lambda points: box.T[0] + box.T[1] - points  # noqa: E731
    else:
        check_callable(reflect, "reflect", "mapping draws of p to draws of p")
    n_pairs = n_samples // 2
    points = _draw(sampler, check_generator(random_state), n_pairs, "sampler")
    reflected = real_array(reflect(points), "reflect(points)")
    if reflected.shape != points.shape:
        raise ValueError(
            f"reflect: expected points of the shape it was given, {points.shape}, got "
            f"{reflected.shape}"
        )
    pair_means = 0.5 * volume * (_values(func, points) + _values(func, reflected))
    return _summary(
        "antithetic Monte Carlo", pair_means.mean(), _sd(pair_means) / np.sqrt(n_pairs),
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

    Examples
    --------
    >>> import numpy as np
    >>> result = control_variate_integrate(np.exp, lambda u: u, 0.5, bounds=(0.0, 1.0),
    ...                                    n_samples=10_000, random_state=0)
    >>> bool(abs(result.estimate - (np.e - 1)) < 4 * result.standard_error)
    True
    """
    check_callable(func, "func", "of a batch of points")
    check_callable(control, "control", "of a batch of points")
    n_samples = _check_n(n_samples, minimum=4)
    level = check_probability(confidence_level, "confidence_level")
    known_mean = np.atleast_1d(check_finite(real_array(control_mean, "control_mean"),
                                            "control_mean"))  # fmt: skip
    sampler, volume = _resolve_sampler(sampler, bounds)
    points = _draw(sampler, check_generator(random_state), n_samples, "sampler")
    values = volume * _values(func, points)
    controls = real_array(control(points), "control(points)")
    controls = controls.reshape(n_samples, -1) if 0 < controls.ndim <= 2 else controls
    if controls.ndim != 2 or controls.shape[0] != n_samples:
        raise ValueError(
            f"control: expected (n,) or (n, k) values for n = {n_samples} points, got shape "
            f"{controls.shape}"
        )
    if known_mean.shape != (controls.shape[1],):
        raise ValueError(
            f"control_mean: expected {controls.shape[1]} value(s), one per control, got "
            f"{known_mean.size}"
        )
    if not np.all(np.isfinite(controls)):
        raise ValueError("control: expected finite values, got NaN or infinity")
    n_controls = controls.shape[1]
    if n_samples <= n_controls + 1:
        raise ValueError(
            f"n_samples: expected more than the number of controls + 1 = {n_controls + 1}, got "
            f"{n_samples}"
        )
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

    The result's ``effective_sample_size`` is Kish's ESS of the weights; far below
    ``n_samples`` means the proposal fits the target badly and the estimate is unreliable.

    Parameters
    ----------
    log_target : callable
        ``log p~(points)``, the target's log density up to an additive constant.
    proposal_sampler, log_proposal : callable
        ``proposal_sampler(rng, n)`` draws from q; ``log_proposal(points)`` is its normalised
        log density (so that ``log_normalizer`` estimates ``log integral of p~``).
    self_normalize : bool
        ``False`` (``log_target`` then normalised) gives the unbiased mean(w f) instead.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> result = importance_sampling(  # E[X] under N(1, 1), drawing from N(0, 2^2)
    ...     lambda x: x, lambda x: -0.5 * (x - 1.0) ** 2, lambda rng, n: rng.normal(0, 2, n),
    ...     lambda x: stats.norm.logpdf(x, 0, 2), n_samples=20_000, random_state=0)
    >>> bool(abs(result.estimate - 1.0) < 4 * result.standard_error)
    True
    """
    for name, function in (("func", func), ("log_target", log_target),
                           ("proposal_sampler", proposal_sampler),
                           ("log_proposal", log_proposal)):  # fmt: skip
        check_callable(function, name)
    n_samples = _check_n(n_samples)
    level = check_probability(confidence_level, "confidence_level")
    self_normalize = check_bool(self_normalize, "self_normalize")
    points = _draw(proposal_sampler, check_generator(random_state), n_samples, "proposal_sampler")
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
        scale = data_scale(values)  # so that the squares cannot overflow
        standard_error = np.sqrt(np.sum((weights * (values - estimate) / scale) ** 2)) * scale
        method = "self-normalised importance sampling"
    else:
        weighted = np.exp(log_weights) * values
        estimate, standard_error = weighted.mean(), _sd(weighted) / np.sqrt(n_samples)
        method = "importance sampling"
    return _summary(
        method, estimate, standard_error, level, n_samples, ess, log_normalizer=log_normalizer
    )
