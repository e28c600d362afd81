"""Tour section: how long will this engine last? Kaplan–Meier and a right-censored Weibull fit
of the C-MAPSS FD001 turbofan lifetimes, the hazard rising with age, and the B10 life.

The 100 training engines ran to failure (events); the 100 test engines were stopped before
failing, so their last recorded cycle is a right-censored lifetime: each is known only to
have survived at least that long. Both enter the likelihood, as the Weibull model's
derivation says (docs/survival.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "How long will this engine last?"

AGE, HORIZON = 150.0, 30.0


def engine_lifetimes() -> tuple[np.ndarray, np.ndarray]:
    """Durations (cycles) and event indicators of FD001: training engines failed at their last
    cycle (1), test engines were censored at theirs (0)."""
    from glassml.datasets import load_cmapss

    data = load_cmapss("FD001")
    failed = data.train.groupby("unit")["cycle"].max().to_numpy(dtype=float)
    censored = data.test.groupby("unit")["cycle"].max().to_numpy(dtype=float)
    durations = np.concatenate([failed, censored])
    events = np.concatenate([np.ones(failed.size), np.zeros(censored.size)])
    return durations, events


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml._io import save_figure
    from glassml.survival import KaplanMeier, WeibullFitter

    durations, events = engine_lifetimes()
    km = KaplanMeier().fit(durations, events)
    weibull = WeibullFitter().fit(durations, events)
    b10 = weibull.b_life(10.0)
    b10_low, b10_high = weibull.b_life_interval(10.0)
    conditional = float(weibull.conditional_failure_probability(AGE, HORIZON)[0])

    table = Table(title="C-MAPSS FD001: 100 engines run to failure, 100 censored")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    (se_lambda, se_rho) = weibull.standard_errors_
    table.add_row("Weibull scale λ (cycles)", f"{weibull.lambda_:.1f} ± {se_lambda:.1f}")
    table.add_row("Weibull shape ρ", f"{weibull.rho_:.2f} ± {se_rho:.2f}")
    table.add_row("mean time to failure (cycles)", f"{weibull.mean_survival_time_:.1f}")
    table.add_row(
        "median life: Kaplan–Meier / Weibull",
        f"{km.median_survival_time_:.0f} / {weibull.median_survival_time_:.1f}",
    )
    table.add_row("B10 life (95 % CI)", f"{b10:.1f} ({b10_low:.1f}, {b10_high:.1f})")
    table.add_row(f"P(fail within {HORIZON:.0f} cycles | {AGE:.0f} survived)", f"{conditional:.1%}")
    console.print(table)
    console.print(
        f"The shape ρ = {weibull.rho_:.1f} > 1: the hazard rises with age (wear-out), so "
        "age alone already says which engines to inspect first."
    )

    figure, (survival_axes, hazard_axes) = plt.subplots(1, 2, figsize=(12, 4.4))
    km.plot(ax=survival_axes, label="Kaplan–Meier")
    weibull.plot(ax=survival_axes, ci=False, label="Weibull fit")
    survival_axes.axhline(0.9, color="grey", linestyle=":", linewidth=1)
    survival_axes.axvline(b10, color="crimson", linestyle="--", linewidth=1)
    survival_axes.annotate(
        f"B10 = {b10:.0f} cycles",
        (b10, 0.9),
        xytext=(-8, -40),
        textcoords="offset points",
        ha="right",
        color="crimson",
    )
    survival_axes.set_xlabel("cycles")
    survival_axes.set_ylabel("share of engines still running, S(t)")
    survival_axes.set_title("Engine survival: nonparametric vs Weibull")
    survival_axes.set_xlim(0, durations.max() * 1.05)
    survival_axes.legend(loc="lower left")

    ages = np.linspace(1.0, durations.max(), 300)
    hazard_axes.plot(ages, weibull.hazard(ages), color="C1")
    hazard_axes.axvline(b10, color="crimson", linestyle="--", linewidth=1, label="B10 life")
    hazard_axes.set_xlabel("age (cycles)")
    hazard_axes.set_ylabel("failures per cycle among survivors, h(t)")
    hazard_axes.set_title(f"Hazard rises with age (ρ = {weibull.rho_:.1f})")
    hazard_axes.legend(loc="upper left")
    figure.tight_layout()
    paths = save_figure(figure, out_dir / "engine_life")
    plt.close(figure)
    console.print("Survival and hazard: " + ", ".join(str(path) for path in paths))
