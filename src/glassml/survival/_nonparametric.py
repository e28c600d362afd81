"""Kaplan–Meier and Nelson–Aalen: the survival curve and the cumulative hazard without a model.

At the distinct times t_1 < t_2 < ... let d_j be the number of failures at t_j and n_j the
number at risk just before it, ``n_j = #{i : e_i < t_j <= T_i}`` (entered before t_j, neither
failed nor censored before it; e_i = 0 without left truncation). A subject censored at t_j is
still at risk at t_j: censoring is taken to happen just after the failures of that instant.

Kaplan–Meier (1958)::

    S(t) = prod_{t_j <= t} (1 - d_j / n_j)
    Var S(t) = S(t)^2 sum_{t_j <= t} d_j / (n_j (n_j - d_j))          (Greenwood, 1926)

and the band is Kalbfleisch and Prentice's log(-log) transform, which stays inside [0, 1]::

    v(t) = sum_{t_j <= t} d_j / (n_j (n_j - d_j)) / log(S(t))^2
    S(t)^exp(+z sqrt v),  S(t)^exp(-z sqrt v)                          (lower, upper)

Nelson–Aalen (Nelson, 1969; Aalen, 1978)::

    H(t) = sum_{t_j <= t} d_j / n_j,       Var H(t) = sum (n_j - d_j) d_j / n_j^3

or, with ``smoothing=True`` (ties broken as if the d_j failures happened one after another,
Aalen, Borgan & Gjessing 2008, p. 84), the increments ``sum_{k=0}^{d_j-1} 1 / (n_j - k)``
and variances ``sum_k 1 / (n_j - k)^2``; the band is ``H exp(+-z sqrt(Var H) / H)``.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.utils._param_validation import Interval

from glassml._params import Params, check_fitted
from glassml._validation import check_bool
from glassml.survival._data import check_times, survival_data


class EventTable:
    """Failures, censorings, entries and the risk set at each distinct time (0 included)."""

    def __init__(self, durations: np.ndarray, events: np.ndarray, entry: np.ndarray | None):
        entries = np.zeros(1) if entry is None else entry
        self.timeline = np.unique(np.concatenate([[0.0], durations, entries]))
        size = self.timeline.size
        at_time = np.searchsorted(self.timeline, durations)
        self.removed = np.bincount(at_time, minlength=size).astype(np.float64)
        self.observed = np.bincount(at_time[events], minlength=size).astype(np.float64)
        if entry is None:
            self.entrance = np.zeros(size)
            self.entrance[0] = durations.size
        else:
            self.entrance = np.bincount(
                np.searchsorted(self.timeline, entry), minlength=size
            ).astype(np.float64)
        # Entered strictly before t_j, minus left strictly before t_j.
        entered_before = np.concatenate([[0.0], np.cumsum(self.entrance)[:-1]])
        left_before = np.concatenate([[0.0], np.cumsum(self.removed)[:-1]])
        self.at_risk = entered_before - left_before

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "removed": self.removed,
                "observed": self.observed,
                "censored": self.removed - self.observed,
                "entrance": self.entrance,
                "at_risk": self.at_risk,
            },
            index=pd.Index(self.timeline, name="timeline"),
        )


def _step(timeline: np.ndarray, values: np.ndarray, times: np.ndarray, before: float) -> np.ndarray:
    """The right-continuous step function through (timeline, values) at ``times``; ``before``
    left of the first time."""
    index = np.searchsorted(timeline, times, side="right") - 1
    return np.where(index >= 0, values[np.maximum(index, 0)], before)


class _Nonparametric(Params):
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def _fit_table(self, durations: Any, event_observed: Any, entry: Any) -> EventTable:
        self._validate_params()
        durations, events, entry = survival_data(durations, event_observed, entry)
        table = EventTable(durations, events, entry)
        self.timeline_ = table.timeline
        self.event_table_ = table.frame()
        self.n_samples_ = durations.size
        self.n_events_ = int(events.sum())
        return table

    def _z(self) -> float:
        return float(norm.isf(self.alpha / 2))

    def _plot_steps(self, values, band, ax, ci, label, ylabel):
        import matplotlib.pyplot as plt

        check_fitted(self, "timeline_")
        ci = check_bool(ci, "ci")
        ax = plt.gca() if ax is None else ax
        line = ax.step(self.timeline_, values, where="post", label=label)[0]
        if ci:
            ax.fill_between(
                self.timeline_,
                band[:, 0],
                band[:, 1],
                step="post",
                alpha=0.25,
                color=line.get_color(),
                linewidth=0,
                label=f"{1 - self.alpha:.0%} band",
            )
        ax.set_xlabel("time")
        ax.set_ylabel(ylabel)
        return ax


class KaplanMeier(_Nonparametric):
    """Kaplan–Meier estimate of the survival function S(t) = P(T > t) from censored (and
    left-truncated) durations.

    Estimator, Greenwood's variance and the log(-log) band as in the module docstring::

        S(t) = prod_{t_j <= t} (1 - d_j / n_j),   Var S = S^2 sum d_j / (n_j (n_j - d_j))

    Kaplan & Meier (1958), "Nonparametric estimation from incomplete observations", JASA 53;
    Greenwood (1926); Kalbfleisch & Prentice (2002), "The Statistical Analysis of Failure Time
    Data", section 1.4.

    Parameters
    ----------
    alpha : float
        The bands are 1 - alpha pointwise confidence intervals (default 95 %).

    Attributes
    ----------
    timeline_ : ndarray (m,)
        0 and every distinct duration and entry time.
    survival_function_, variance_ : ndarray (m,)
        S(t) and its Greenwood variance at ``timeline_``.
    confidence_interval_ : ndarray (m, 2)
        Lower and upper log(-log) band.
    median_survival_time_ : float
        The first time at which S(t) <= 1/2 (inf if it never gets there).
    median_confidence_interval_ : ndarray (2,)
        The same time read off the lower and upper bands (Brookmeyer & Crowley, 1982).
    event_table_ : DataFrame
        removed, observed, censored, entrance and at_risk at each time of ``timeline_``.

    Examples
    --------
    >>> from glassml.survival import KaplanMeier
    >>> km = KaplanMeier().fit([2, 3, 3, 5, 8, 9], event_observed=[1, 1, 0, 1, 0, 1])
    >>> km.survival_function([1, 2, 3, 5, 9]).round(4).tolist()
    [1.0, 0.8333, 0.6667, 0.4444, 0.0]
    >>> float(km.median_survival_time_)
    5.0
    """

    def __init__(self, alpha: float = 0.05) -> None:
        self.alpha = alpha

    def fit(self, durations: Any, event_observed: Any = None, entry: Any = None) -> KaplanMeier:
        """Estimate S(t) from ``durations`` (> 0), ``event_observed`` (1 = failure, 0 =
        censored; default all 1) and optional left-truncation times ``entry`` (0 <= e < T)."""
        table = self._fit_table(durations, event_observed, entry)
        n, d = table.at_risk, table.observed
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(n > 0, 1.0 - d / n, 1.0)
            # Greenwood's term is infinite where everyone at risk fails (S drops to 0 and
            # stays there); it is left out, as lifelines does, so the sum stays finite.
            greenwood = np.where((n > 0) & (n > d), d / (n * (n - d)), 0.0)
        survival = np.cumprod(factor)
        cumulative = np.cumsum(greenwood)
        self.survival_function_ = survival
        self.variance_ = survival**2 * cumulative
        self.confidence_interval_ = _log_log_band(survival, cumulative, self._z())
        self.median_survival_time_ = _first_time_at_or_below(self.timeline_, survival, 0.5)
        self.median_confidence_interval_ = np.array(
            [
                _first_time_at_or_below(self.timeline_, self.confidence_interval_[:, 0], 0.5),
                _first_time_at_or_below(self.timeline_, self.confidence_interval_[:, 1], 0.5),
            ]
        )
        return self

    def survival_function(self, times: Any) -> np.ndarray:
        """S(t) at ``times`` (a right-continuous step function; 1 before the first failure)."""
        check_fitted(self, "survival_function_")
        return _step(self.timeline_, self.survival_function_, check_times(times), 1.0)

    def cumulative_density(self, times: Any) -> np.ndarray:
        """F(t) = 1 - S(t) = P(T <= t) at ``times``."""
        return 1.0 - self.survival_function(times)

    def confidence_interval(self, times: Any) -> np.ndarray:
        """The (lower, upper) band at ``times``, shape (len(times), 2)."""
        check_fitted(self, "confidence_interval_")
        times = check_times(times)
        return np.column_stack(
            [_step(self.timeline_, self.confidence_interval_[:, k], times, 1.0) for k in (0, 1)]
        )

    def plot(self, ax: Any = None, ci: bool = True, label: str = "Kaplan–Meier") -> Any:
        """Draw S(t) as a step function with its band on ``ax`` (default: the current axes)."""
        ax = self._plot_steps(
            self.survival_function_, self.confidence_interval_, ax, ci, label, "S(t)"
        )
        ax.set_ylim(0, 1.02)
        return ax


def _log_log_band(survival: np.ndarray, cumulative: np.ndarray, z: float) -> np.ndarray:
    """The log(-log) pointwise band of S; (1, 1) where S = 1 and (0, 0) where S = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(survival)
        spread = z * np.sqrt(cumulative) / log_s  # negative: log S < 0
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    band = np.column_stack([lower, upper])
    band[survival >= 1.0] = 1.0
    band[survival <= 0.0] = 0.0
    return band


def _first_time_at_or_below(timeline: np.ndarray, curve: np.ndarray, level: float) -> float:
    below = np.flatnonzero(curve <= level)
    return float(timeline[below[0]]) if below.size else float("inf")


class NelsonAalen(_Nonparametric):
    """Nelson–Aalen estimate of the cumulative hazard H(t) = -log S(t) from censored (and
    left-truncated) durations.

    Estimator and variance (see the module docstring)::

        H(t) = sum_{t_j <= t} d_j / n_j,   Var H(t) = sum_{t_j <= t} (n_j - d_j) d_j / n_j^3

    With ``smoothing=True`` (the default, as in lifelines) tied failures are counted one after
    another: increments ``sum_{k<d_j} 1/(n_j - k)``, variances ``sum_{k<d_j} 1/(n_j - k)^2``
    (Aalen, Borgan & Gjessing, 2008, "Survival and Event History Analysis", p. 84); set it to
    False for naturally discrete times. The band is ``H exp(+-z sqrt(Var H) / H)``.

    Parameters
    ----------
    alpha : float
        The band is a 1 - alpha pointwise confidence interval.
    smoothing : bool
        Count tied failures one after another (see above).

    Attributes
    ----------
    timeline_, cumulative_hazard_, variance_, confidence_interval_ (m, 2), event_table_

    Examples
    --------
    >>> from glassml.survival import NelsonAalen
    >>> na = NelsonAalen(smoothing=False).fit([2, 3, 3, 5, 8, 9], [1, 1, 0, 1, 0, 1])
    >>> na.cumulative_hazard([2, 3, 9]).round(4).tolist()
    [0.1667, 0.3667, 1.7]
    """

    _parameter_constraints: ClassVar[dict] = {
        **_Nonparametric._parameter_constraints,
        "smoothing": ["boolean"],
    }

    def __init__(self, alpha: float = 0.05, smoothing: bool = True) -> None:
        self.alpha = alpha
        self.smoothing = smoothing

    def fit(self, durations: Any, event_observed: Any = None, entry: Any = None) -> NelsonAalen:
        """Estimate H(t); arguments as in ``KaplanMeier.fit``."""
        table = self._fit_table(durations, event_observed, entry)
        n, d = table.at_risk, table.observed
        if self.smoothing:
            # sum_{k<d} 1/(n-k)^p = C_p(n) - C_p(n-d), with C_p(m) = sum_{k=1}^m 1/k^p.
            counts = np.arange(1, int(n.max(initial=0)) + 1, dtype=np.float64)
            harmonic = np.concatenate([[0.0], np.cumsum(1.0 / counts)])
            squares = np.concatenate([[0.0], np.cumsum(1.0 / counts**2)])
            top, bottom = n.astype(np.int64), (n - d).astype(np.int64)
            increments = harmonic[top] - harmonic[bottom]
            variances = squares[top] - squares[bottom]
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                increments = np.where(n > 0, d / n, 0.0)
                variances = np.where(n > 0, (n - d) * d / n**3, 0.0)
        hazard = np.cumsum(increments)
        variance = np.cumsum(variances)
        z = self._z()
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(hazard > 0, z * np.sqrt(variance) / hazard, 0.0)
        self.cumulative_hazard_ = hazard
        self.variance_ = variance
        self.confidence_interval_ = np.column_stack(
            [hazard * np.exp(-spread), hazard * np.exp(spread)]
        )
        return self

    def cumulative_hazard(self, times: Any) -> np.ndarray:
        """H(t) at ``times`` (a right-continuous step function; 0 before the first failure)."""
        check_fitted(self, "cumulative_hazard_")
        return _step(self.timeline_, self.cumulative_hazard_, check_times(times), 0.0)

    def confidence_interval(self, times: Any) -> np.ndarray:
        """The (lower, upper) band of H at ``times``, shape (len(times), 2)."""
        check_fitted(self, "confidence_interval_")
        times = check_times(times)
        return np.column_stack(
            [_step(self.timeline_, self.confidence_interval_[:, k], times, 0.0) for k in (0, 1)]
        )

    def plot(self, ax: Any = None, ci: bool = True, label: str = "Nelson–Aalen") -> Any:
        """Draw H(t) as a step function with its band on ``ax`` (default: the current axes)."""
        return self._plot_steps(
            self.cumulative_hazard_, self.confidence_interval_, ax, ci, label, "H(t)"
        )
