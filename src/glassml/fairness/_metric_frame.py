"""MetricFrame: any metric by group and overall, the disparities, and their bootstrap
confidence intervals.

For a metric m and groups a, ``by_group[a] = m(y_true[A = a], y_pred[A = a])`` and
``overall = m(y_true, y_pred)``; the disparities are those of :mod:`glassml.fairness._metrics`
(max - min or max |m_a - m| for ``difference``; min / max or min min(m_a / m, m / m_a) for
``ratio``), as fairlearn's ``MetricFrame`` defines them.

Intervals (what the peers do not give): the rows of each group are resampled with replacement,
independently of the other groups (a stratified bootstrap: the group sizes are held at their
observed values, as the design of most audits fixes them), and the statistic is recomputed on
every resample by :func:`glassml.stats.bootstrap` (percentile, basic or BCa intervals; Efron &
Tibshirani 1993). A group's interval resamples its own rows; a difference or ratio resamples
every group at once, so its interval carries the uncertainty of all of them.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from glassml._validation import (
    check_callable,
    check_count,
    check_option,
    check_probability,
    fail,
)
from glassml.fairness._groups import (
    Groups,
    check_binary,
    check_groups,
    check_length,
    check_sample_weight,
)
from glassml.fairness._metrics import (
    METHODS,
    RATE_OF,
    confusion_weights,
    disparity_difference,
    disparity_differences,
    disparity_ratio,
    disparity_ratios,
    rate_parts,
)


def _too_small(name: str, where: str, why: str) -> ValueError:
    return ValueError(
        f"sensitive_features: a bootstrap resample of {where} made metrics[{name!r}] undefined "
        f"({why}); the group is too small for an interval of this metric"
    )


def _check_metrics(metrics: Any) -> tuple[dict[str, Callable], bool]:
    if callable(metrics) and not isinstance(metrics, Mapping):
        name = getattr(metrics, "__name__", "metric")
        return {name: metrics}, True
    if not isinstance(metrics, Mapping) or not metrics:
        raise fail("metrics", "a callable or a non-empty dict of name -> callable", metrics)
    checked = {}
    for name, metric in metrics.items():
        if not isinstance(name, str):
            raise fail("metrics", "names (str) as keys", name)
        checked[name] = check_callable(metric, f"metrics[{name!r}]", "(y_true, y_pred) -> float")
    return checked, False


def _check_sample_params(
    sample_params: Any, names: list[str], single: bool, n_samples: int
) -> dict[str, dict[str, np.ndarray]]:
    """Per metric, its per-row parameters (``sample_weight``...) as arrays of n entries."""
    if sample_params is None:
        return {name: {} for name in names}
    if not isinstance(sample_params, Mapping):
        raise fail("sample_params", "None or a dict", sample_params)
    per_metric = {names[0]: sample_params} if single else dict(sample_params)
    unknown = sorted(set(per_metric) - set(names))
    if unknown:
        raise fail("sample_params", f"keys among the metrics' names {names}", unknown[0])
    checked: dict[str, dict[str, np.ndarray]] = {name: {} for name in names}
    for name, params in per_metric.items():
        where = "sample_params" if single else f"sample_params[{name!r}]"
        if params is None:
            continue
        if not isinstance(params, Mapping):
            raise fail(where, "a dict of parameter name -> per-row array", params)
        for key, value in params.items():
            if value is None:
                continue
            checked[name][str(key)] = check_length(value, n_samples, f"{where}[{key!r}]")
    return checked


class MetricFrame:
    """A metric (or several) evaluated on every group of a sensitive feature and overall.

    ``by_group[a] = metric(y_true[A = a], y_pred[A = a], **params[A = a])`` for each group a
    of ``sensitive_features`` (several columns: their combinations), ``overall`` the metric
    on all rows. ``difference`` / ``ratio`` summarise the disparity, ``group_min`` /
    ``group_max`` the extremes, and ``by_group_ci``, ``difference_ci`` and ``ratio_ci`` give
    stratified bootstrap confidence intervals (glassml.stats.bootstrap) for each of them.

    Parameters
    ----------
    metrics : callable or dict of str -> callable
        ``metric(y_true, y_pred, **sample_params) -> float`` (scikit-learn's metrics or
        those of :mod:`glassml.fairness`).
    y_true, y_pred : array-like of shape (n_samples,)
    sensitive_features : array-like, Series, DataFrame or dict of columns
        One group label per row; at least two groups, no missing values, no empty
        categories.
    sample_params : dict, optional
        Per-row arguments split by group with the data: ``{"sample_weight": w}`` for one
        metric, ``{name: {"sample_weight": w}}`` for a dict of metrics (fairlearn's form).

    References
    ----------
    Weerts et al. (2023), "Fairlearn: Assessing and improving fairness of AI systems", JMLR 24.
    Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13-14.

    Examples
    --------
    >>> from glassml.fairness import MetricFrame, selection_rate
    >>> frame = MetricFrame(selection_rate, [0, 1, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0],
    ...                     sensitive_features=["a", "a", "a", "b", "b", "b"])
    >>> frame.by_group.tolist(), frame.overall, frame.difference()
    ([1.0, 0.0], 0.5, 1.0)
    >>> frame.by_group_ci(n_resamples=200, random_state=0).columns.tolist()
    ['low', 'high']
    """

    def __init__(
        self,
        metrics: Callable | Mapping[str, Callable],
        y_true: Any,
        y_pred: Any,
        sensitive_features: Any,
        sample_params: Mapping[str, Any] | None = None,
    ) -> None:
        self._metrics, self._single = _check_metrics(metrics)
        y_pred = check_length(y_pred, _length(y_pred, "y_pred"), "y_pred")
        n_samples = y_pred.shape[0]
        if n_samples == 0:
            raise fail("y_pred", "at least one row", "an empty array")
        self._y_true = check_length(y_true, n_samples, "y_true")
        self._y_pred = y_pred
        self._groups: Groups = check_groups(sensitive_features, n_samples)
        self._params = _check_sample_params(
            sample_params, list(self._metrics), self._single, n_samples
        )
        self._rows = self._groups.rows()
        self._all_rows = np.arange(n_samples)
        overall = {name: self._evaluate(name, self._all_rows, "all rows") for name in self._metrics}
        by_group = {
            name: [
                self._evaluate(name, rows, f"group {label!r}")
                for label, rows in zip(self._groups.index, self._rows, strict=True)
            ]
            for name in self._metrics
        }
        self._overall = pd.Series(overall, dtype=np.float64)
        self._by_group = pd.DataFrame(by_group, index=self._groups.index, dtype=np.float64)

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, name: str, rows: np.ndarray, where: str) -> float:
        params = {key: value[rows] for key, value in self._params[name].items()}
        try:
            value = self._metrics[name](self._y_true[rows], self._y_pred[rows], **params)
        except (ValueError, TypeError, ZeroDivisionError) as error:
            raise ValueError(f"metrics[{name!r}] on {where}: {error}") from None
        if np.ndim(value) != 0:
            raise fail(f"metrics[{name!r}]", "a scalar result", value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise fail(f"metrics[{name!r}]", "a real number", value) from None
        if not np.isfinite(number):
            raise ValueError(
                f"metrics[{name!r}] on {where}: expected a finite value, got {number} (is the "
                "metric defined on this group?)"
            )
        return number

    def _shaped(self, values: pd.Series) -> Any:
        return float(values.iloc[0]) if self._single else values

    # ------------------------------------------------------------------ results
    @property
    def overall(self) -> float | pd.Series:
        """The metric on all rows (a float for one metric, a Series for several)."""
        return self._shaped(self._overall.copy())

    @property
    def by_group(self) -> pd.Series | pd.DataFrame:
        """The metric on each group (a Series for one metric, a DataFrame groups x metrics)."""
        if self._single:
            return self._by_group.iloc[:, 0].copy()
        return self._by_group.copy()

    def group_min(self) -> float | pd.Series:
        """The smallest group value of each metric."""
        return self._shaped(self._by_group.min())

    def group_max(self) -> float | pd.Series:
        """The largest group value of each metric."""
        return self._shaped(self._by_group.max())

    def difference(self, method: str = "between_groups") -> float | pd.Series:
        """``max - min`` over groups, or the largest ``|group - overall|`` ("to_overall")."""
        method = check_option(method, "method", METHODS)
        values = {
            name: disparity_difference(
                self._by_group[name].to_numpy(), float(self._overall[name]), method
            )
            for name in self._metrics
        }
        return self._shaped(pd.Series(values, dtype=np.float64))

    def ratio(self, method: str = "between_groups") -> float | pd.Series:
        """``min / max`` over groups, or the smallest ``min(group / overall, overall / group)``."""
        method = check_option(method, "method", METHODS)
        values = {
            name: disparity_ratio(
                self._by_group[name].to_numpy(), float(self._overall[name]), method, name
            )
            for name in self._metrics
        }
        return self._shaped(pd.Series(values, dtype=np.float64))

    # ------------------------------------------------------------------ intervals
    def _rate_parts(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-row numerator and denominator weights when the metric is one of glassml's rates
        (a ratio of sums), so that a resample's value is two sums: vectorised over resamples."""
        rate = RATE_OF.get(self._metrics[name])
        params = self._params[name]
        if rate is None or not set(params) <= {"sample_weight"}:
            return None
        try:
            y_true = check_binary(self._y_true, "y_true")
            y_pred = check_binary(self._y_pred, "y_pred")
            weights = check_sample_weight(params.get("sample_weight"), y_true.shape[0])
        except ValueError:
            return None  # the metric itself will say what is wrong, row by row
        return rate_parts(rate, confusion_weights(y_true, y_pred, weights))

    def _resampled(
        self, name: str, groups: list[int], resampled: list[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The metric on each group's resample (B, len(groups)) and on their union (B,)."""
        rows = [
            self._rows[g][np.atleast_2d(r).astype(np.intp)]
            for g, r in zip(groups, resampled, strict=True)
        ]
        labels = [self._groups.index[g] for g in groups]
        parts = self._rate_parts(name)
        if parts is not None:
            top, bottom = parts
            tops = np.column_stack([top[r].sum(axis=1) for r in rows])
            bottoms = np.column_stack([bottom[r].sum(axis=1) for r in rows])
            empty = np.argwhere(~(bottoms > 0))
            if empty.size:
                raise _too_small(name, f"group {labels[int(empty[0, 1])]!r}", "no denominator")
            return tops / bottoms, tops.sum(axis=1) / bottoms.sum(axis=1)
        values = np.empty((rows[0].shape[0], len(groups)))
        overall = np.empty(rows[0].shape[0])
        for b in range(values.shape[0]):
            for k, (label, local) in enumerate(zip(labels, rows, strict=True)):
                values[b, k] = self._on_resample(name, local[b], f"group {label!r}")
            if len(groups) > 1:
                union = np.concatenate([local[b] for local in rows])
                overall[b] = self._on_resample(name, union, "all rows")
        return values, overall

    def _on_resample(self, name: str, rows: np.ndarray, where: str) -> float:
        try:
            return self._evaluate(name, rows, where)
        except ValueError as error:
            raise _too_small(name, where, str(error)) from None

    def _interval(
        self,
        name: str,
        groups: list[int],
        summary: Any,
        confidence_level: float,
        n_resamples: int,
        method: str,
        random_state: Any,
    ) -> tuple[float, float]:
        """Bootstrap interval of ``summary(values (B, G), overall (B,)) -> (B,)``."""
        from glassml.stats import bootstrap

        for group in groups:
            if self._rows[group].size < 2:
                label = self._groups.index[group]
                raise ValueError(
                    f"sensitive_features: group {label!r} has {self._rows[group].size} row; a "
                    "bootstrap interval needs at least 2"
                )

        def statistic(*resampled: np.ndarray, axis: int = -1) -> np.ndarray:
            return summary(*self._resampled(name, groups, list(resampled)))

        data = tuple(np.arange(self._rows[group].size, dtype=np.float64) for group in groups)
        result = bootstrap(
            data,
            statistic,
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            method=method,
            vectorized=True,
            random_state=random_state,
        )
        return result.confidence_interval

    def by_group_ci(
        self,
        confidence_level: float = 0.95,
        n_resamples: int = 1000,
        method: str = "percentile",
        random_state: Any = None,
    ) -> pd.DataFrame:
        """Bootstrap confidence interval of each group's value: columns ``low``, ``high``
        (one metric) or (metric, ``low``/``high``) for several; one row per group."""
        confidence_level, n_resamples = _check_bootstrap(confidence_level, n_resamples)
        method = _check_bootstrap_method(method, "method")
        random_state = _check_generator_seed(random_state)
        table = {}
        for name in self._metrics:
            bounds = [
                self._interval(
                    name,
                    [group],
                    lambda values, overall: values[:, 0],
                    confidence_level,
                    n_resamples,
                    method,
                    random_state,
                )
                for group in range(self._groups.n_groups)
            ]
            table[(name, "low")] = [low for low, _ in bounds]
            table[(name, "high")] = [high for _, high in bounds]
        frame = pd.DataFrame(table, index=self._groups.index)
        return frame.droplevel(0, axis=1) if self._single else frame

    def _disparity_ci(self, kind, method, confidence_level, n_resamples, bootstrap_method, seed):
        method = check_option(method, "method", METHODS)
        confidence_level, n_resamples = _check_bootstrap(confidence_level, n_resamples)
        bootstrap_method = _check_bootstrap_method(bootstrap_method, "bootstrap_method")
        seed = _check_generator_seed(seed)
        everyone = list(range(self._groups.n_groups))
        table = {}
        for name in self._metrics:

            def summary(values, overall, name=name):
                if kind == "difference":
                    return disparity_differences(values, overall, method)
                try:
                    return disparity_ratios(values, overall, method, name)
                except ValueError as error:
                    raise _too_small(name, "the groups", str(error)) from None

            table[name] = self._interval(
                name, everyone, summary, confidence_level, n_resamples, bootstrap_method, seed
            )
        frame = pd.DataFrame(table, index=["low", "high"]).T
        return frame.iloc[0] if self._single else frame

    def difference_ci(
        self,
        method: str = "between_groups",
        confidence_level: float = 0.95,
        n_resamples: int = 1000,
        bootstrap_method: str = "percentile",
        random_state: Any = None,
    ) -> pd.Series | pd.DataFrame:
        """Bootstrap confidence interval of :meth:`difference` (every group resampled at once)."""
        return self._disparity_ci(
            "difference", method, confidence_level, n_resamples, bootstrap_method, random_state
        )

    def ratio_ci(
        self,
        method: str = "between_groups",
        confidence_level: float = 0.95,
        n_resamples: int = 1000,
        bootstrap_method: str = "percentile",
        random_state: Any = None,
    ) -> pd.Series | pd.DataFrame:
        """Bootstrap confidence interval of :meth:`ratio` (every group resampled at once)."""
        return self._disparity_ci(
            "ratio", method, confidence_level, n_resamples, bootstrap_method, random_state
        )

    def __repr__(self) -> str:
        names = ", ".join(self._metrics)
        return f"MetricFrame({names}; {self._groups.n_groups} groups, {self._y_pred.size} rows)"


def _check_bootstrap(confidence_level: Any, n_resamples: Any) -> tuple[float, int]:
    return (
        check_probability(confidence_level, "confidence_level"),
        check_count(n_resamples, "n_resamples", minimum=2),
    )


def _check_generator_seed(random_state: Any) -> Any:
    """What ``numpy.random.default_rng`` takes (glassml.stats.bootstrap draws with it)."""
    if random_state is None or isinstance(
        random_state, np.random.Generator | np.random.SeedSequence
    ):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool | np.bool_):
        if random_state >= 0:
            return int(random_state)
    raise fail("random_state", "None, an integer >= 0 or a numpy.random.Generator", random_state)


def _check_bootstrap_method(method: Any, argument: str) -> str:
    if isinstance(method, str):
        method = method.lower()  # glassml.stats.bootstrap spells it "bca" or "BCa"
    return check_option(method, argument, ("percentile", "basic", "bca"))


def _length(values: Any, argument: str) -> int:
    if values is None or isinstance(values, str | bytes) or np.ndim(values) == 0:
        raise fail(argument, "an array of one value per row", values)
    return len(values)
