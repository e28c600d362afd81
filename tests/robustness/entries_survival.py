"""Robustness entries for glassml.survival (see framework.py).

Scale declarations follow the mathematics of time: the nonparametric curves and the Cox model
depend on durations only through their order, so a curve evaluated at the (equally scaled)
durations is invariant; the Weibull fit is scale-equivariant (λ scales with time, ρ does not);
Cox and AFT predictions are invariant to the scale of a covariate (its coefficient absorbs it).
Methods of a fitted model evaluated at scaled times are not scale-free (the model is fixed):
S(1e300 t) = 0 is the right constant, so those skip "huge"/"tiny" with that reason.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from robustness.framework import Entry, Scale, equivariant, invariant, opt

from glassml.survival import (
    CoxPH,
    KaplanMeier,
    NelsonAalen,
    WeibullAFT,
    WeibullFitter,
    concordance_index,
)

_rng = np.random.default_rng(0)
N = 40
X = _rng.normal(size=(N, 2))
T = np.round(10.0 * _rng.weibull(1.8, N) * np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1]), 3) + 0.1
E = (_rng.uniform(size=N) < 0.75).astype(float)
TIMES = np.array([0.5, 2.0, 5.0, 8.0, 12.0])
FIXED_MODEL = (
    "the fitted model is fixed: at times x 1e300 (x 1e-300) every unit has failed (none has), "
    "so the constant 0 (1) is the right answer"
)
CURVE_SCALE = (Scale(("durations",), invariant(rtol=1e-9)),)

_km = KaplanMeier().fit(T, E)
_na = NelsonAalen().fit(T, E)
_weibull = WeibullFitter().fit(T, E)
_cox = CoxPH().fit(X, T, E)
_aft = WeibullAFT().fit(X, T, E)


def _times_entry(name, method, **extra):
    return Entry(
        name,
        lambda times: method(times),
        {"times": TIMES},
        arrays=("times",),
        skip={"huge": FIXED_MODEL, "tiny": FIXED_MODEL, **extra},
    )


def _plot(model, ci):
    figure, ax = plt.subplots()
    try:
        return model.plot(ax=ax, ci=ci).get_lines()[0].get_ydata()
    finally:
        plt.close(figure)


def _regression_entries(cls, fitted, options, predictions, time_power):
    """``time_power``: how ``predict`` transforms when durations scale (Cox's risk score is
    invariant, power 0; the AFT's median lifetime scales with time, power 1)."""
    name = f"glassml.survival.{cls.__name__}"
    entries = [
        Entry(
            f"{name}.fit",
            lambda X, y, event_observed, **kw: cls(**kw).fit(X, y, event_observed).predict(X),
            {"X": X, "y": T, "event_observed": E, **options},
            arrays=("X", "y", "event_observed"),
            options={key: opt(0.0, 1.0, -1.0) for key in options},
            scale=(
                Scale(("X",), invariant(rtol=1e-6)),
                Scale(("y",), equivariant(time_power, rtol=1e-6)),
            ),
            aliases={"y": ("durations",), "event_observed": ("durations",)},
            compare=lambda a, b: np.testing.assert_allclose(b, a, rtol=1e-7),
        )
    ]
    for method in predictions:
        entries.append(
            Entry(
                f"{name}.{method}",
                lambda X, method=method: getattr(fitted, method)(X),
                # A median is infinite (correctly) where S(t | x) stays above 1/2.
                {"X": X[np.isfinite(fitted.predict_median(X))]},
                arrays=("X",),
                skip={
                    "huge": "the fitted coefficients are fixed: X x 1e300 is a different "
                    "covariate value, whose hazard is 0 or infinite in floating point",
                    "tiny": "X x 1e-300 is the zero covariate vector: every prediction equals "
                    "the baseline's (a correct constant)",
                },
            )
        )
    entries.append(
        Entry(
            f"{name}.score",
            lambda X, y, event_observed: fitted.score(X, y, event_observed),
            {"X": X, "y": T, "event_observed": E},
            arrays=("X", "y", "event_observed"),
            # Harrell's C compares orders: invariant to the scale of the durations. X is
            # scaled alone against fixed coefficients: the scores must not go constant.
            scale=(Scale(("y",), invariant()),),
            aliases={"y": ("durations",), "event_observed": ("durations",)},
        )
    )
    for method in ("predict_survival_function", "predict_cumulative_hazard", "predict_hazard"):
        if hasattr(fitted, method):
            entries.append(
                Entry(
                    f"{name}.{method}",
                    lambda X, times, method=method: getattr(fitted, method)(X, times),
                    {"X": X[:5], "times": TIMES},
                    arrays=("X", "times"),
                    skip={
                        "huge": FIXED_MODEL,
                        "tiny": FIXED_MODEL,
                        "length": "X (subjects) and times (evaluation grid) are independent",
                    },
                )
            )
    return entries


ENTRIES = [
    Entry(
        "glassml.survival.concordance_index",
        concordance_index,
        {"durations": T, "scores": X[:, 0], "event_observed": E},
        arrays=("durations", "scores", "event_observed"),
        scale=(
            Scale(("durations",), invariant()),
            Scale(("scores",), invariant()),
        ),
    ),
]

for cls, fitted, curve in [
    (KaplanMeier, _km, "survival_function"),
    (NelsonAalen, _na, "cumulative_hazard"),
]:
    name = f"glassml.survival.{cls.__name__}"
    ENTRIES += [
        Entry(
            name,
            lambda alpha, cls=cls, curve=curve: getattr(cls(alpha=alpha).fit(T, E), curve)(T),
            {"alpha": 0.1},
            options={"alpha": opt(0.0, 1.0, -0.5)},
        ),
        Entry(
            f"{name}.fit",
            lambda durations, event_observed, entry, cls=cls, curve=curve: getattr(
                cls().fit(durations, event_observed, entry), curve
            )(np.ravel(durations)),
            {"durations": T, "event_observed": E, "entry": 0.05 * T},
            arrays=("durations", "event_observed", "entry"),
            scale=(Scale(("durations", "entry"), invariant(rtol=1e-9)),),
            skip={
                "huge": "scaled alone, durations x 1e300 leave every entry time at the start "
                "(and entry x 1e300 exceeds its duration, refused by name): the grouped "
                "declaration covers scaling time",
                "tiny": "as for huge: time is scaled as a whole (durations with entry)",
            },
        ),
        _times_entry(f"{name}.{curve}", getattr(fitted, curve)),
        _times_entry(f"{name}.confidence_interval", fitted.confidence_interval),
        Entry(
            f"{name}.plot",
            lambda ci, fitted=fitted: _plot(fitted, ci),
            {"ci": True},
            options={"ci": opt()},
        ),
    ]
ENTRIES.append(
    _times_entry("glassml.survival.KaplanMeier.cumulative_density", _km.cumulative_density)
)

# WeibullFitter: the constructor, fit, and every method of the fitted model.
ENTRIES += [
    Entry(
        "glassml.survival.WeibullFitter",
        lambda alpha: WeibullFitter(alpha=alpha).fit(T, E).survival_interval(TIMES),
        {"alpha": 0.1},
        options={"alpha": opt(0.0, 1.0, -0.5)},
    ),
    Entry(
        "glassml.survival.WeibullFitter.fit",
        lambda durations, event_observed: (
            (model := WeibullFitter().fit(durations, event_observed)).lambda_,
            model.rho_,
        ),
        {"durations": T, "event_observed": E},
        arrays=("durations", "event_observed"),
        # λ scales with time; ρ is a shape: check (λ / s, ρ) against the valid fit.
        scale=(
            Scale(
                ("durations",),
                lambda base, scaled, s: invariant(rtol=1e-6)(base, (scaled[0] / s, scaled[1]), s),
            ),
        ),
        compare=lambda a, b: np.testing.assert_allclose(b, a, rtol=1e-8),
    ),
    Entry(
        "glassml.survival.WeibullFitter.conditional_failure_probability",
        _weibull.conditional_failure_probability,
        {"age": np.array([1.0, 5.0, 10.0]), "horizon": np.array([2.0, 2.0, 3.0])},
        arrays=("age", "horizon"),
        skip={"huge": FIXED_MODEL, "tiny": FIXED_MODEL},
    ),
    Entry(
        "glassml.survival.WeibullFitter.percentile",
        _weibull.percentile,
        {"percent": 25.0},
        options={"percent": opt(0.0, 100.0, -5.0)},
    ),
    Entry(
        "glassml.survival.WeibullFitter.b_life",
        _weibull.b_life,
        {"percent": 10.0},
        options={"percent": opt(0.0, 100.0, -5.0)},
    ),
    Entry(
        "glassml.survival.WeibullFitter.b_life_interval",
        _weibull.b_life_interval,
        {"percent": 10.0},
        options={"percent": opt(0.0, 100.0, -5.0)},
    ),
    Entry(
        "glassml.survival.WeibullFitter.plot",
        lambda ci: _plot(_weibull, ci),
        {"ci": True},
        options={"ci": opt()},
    ),
]
for method in (
    "survival_function",
    "cumulative_density",
    "cumulative_hazard",
    "hazard",
    "survival_interval",
):
    ENTRIES.append(
        _times_entry(f"glassml.survival.WeibullFitter.{method}", getattr(_weibull, method))
    )

ENTRIES += _regression_entries(
    CoxPH,
    _cox,
    {"alpha": 0.1},
    ("predict", "predict_log_partial_hazard", "predict_partial_hazard", "predict_median"),
    time_power=0.0,
)
ENTRIES += _regression_entries(
    WeibullAFT,
    _aft,
    {"alpha": 0.1},
    ("predict", "predict_median", "predict_expectation"),
    time_power=1.0,
)
ENTRIES.append(
    Entry(
        "glassml.survival.WeibullAFT.predict_percentile",
        lambda X, percent: _aft.predict_percentile(X, percent),
        {"X": X, "percent": 25.0},
        arrays=("X",),
        options={"percent": opt(0.0, 100.0)},
        skip={
            "huge": "the fitted coefficients are fixed: X x 1e300 is a different covariate "
            "value, whose percentile is 0 or infinite in floating point",
            "tiny": "X x 1e-300 is the zero covariate vector: every prediction is the "
            "baseline's (a correct constant)",
        },
    )
)
