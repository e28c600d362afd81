"""Tour section: an A/B test read three ways (z-test, Bayesian, sequential), with its power
curve and what peeking does to a fixed-horizon test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "A/B testing"

CONTROL_RATE, TREATMENT_RATE, VISITORS = 0.100, 0.112, 8_000


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats as scipy_stats

    from glassml import stats
    from glassml._io import save_figure

    rng = np.random.default_rng(42)
    control = rng.random(VISITORS) < CONTROL_RATE
    treatment = rng.random(VISITORS) < TREATMENT_RATE
    conversions_a, conversions_b = int(control.sum()), int(treatment.sum())

    frequentist = stats.ABTest(alpha=0.05).conversion(
        conversions_a, VISITORS, conversions_b, VISITORS
    )
    bayesian = stats.BetaBinomialAB().evaluate(conversions_a, VISITORS, conversions_b, VISITORS)
    needed = stats.sample_size_two_proportions(CONTROL_RATE, TREATMENT_RATE, power=0.8)

    table = Table(title=f"{VISITORS:,} visitors per arm (simulated, seed 42)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("conversion A / B", f"{frequentist.mean_a:.2%} / {frequentist.mean_b:.2%}")
    low, high = frequentist.relative_lift_ci
    table.add_row(
        "relative lift (95 % CI)", f"{frequentist.relative_lift:+.1%} ({low:+.1%}, {high:+.1%})"
    )
    table.add_row("two-proportion z-test p-value", f"{frequentist.pvalue:.4f}")
    table.add_row("Bayesian P(B > A)", f"{bayesian.prob_b_better:.3f}")
    table.add_row("expected loss of shipping B", f"{bayesian.expected_loss_choose_b:.2e}")
    table.add_row("visitors per arm for 80 % power", f"{needed:,.0f}")
    console.print(table)
    console.print(str(frequentist))

    figure, (power_axes, peek_axes) = plt.subplots(1, 2, figsize=(12, 4.2))
    visitors = np.linspace(500, 30_000, 120)
    for lift in (0.05, 0.12, 0.20):
        power = [
            stats.power_two_proportions(CONTROL_RATE, CONTROL_RATE * (1 + lift), n)
            for n in visitors
        ]
        power_axes.plot(visitors, power, label=f"lift {lift:+.0%}")
    power_axes.axhline(0.8, color="grey", linestyle=":", linewidth=1)
    power_axes.axvline(needed, color="grey", linestyle="--", linewidth=1)
    power_axes.set_xlabel("visitors per arm")
    power_axes.set_ylabel("power (alpha = 0.05, two-sided)")
    power_axes.set_title(f"Power from a {CONTROL_RATE:.0%} baseline")
    power_axes.legend()

    # Peeking: 400 A/A experiments (no real difference), each checked after every 200 visitors.
    n_experiments, looks = 400, np.arange(200, 20_001, 200)
    arm_a = np.cumsum(rng.random((n_experiments, looks[-1])) < CONTROL_RATE, axis=1)[:, looks - 1]
    arm_b = np.cumsum(rng.random((n_experiments, looks[-1])) < CONTROL_RATE, axis=1)[:, looks - 1]
    pooled = (arm_a + arm_b) / (2 * looks)
    z = (arm_b - arm_a) / looks / np.sqrt(2 * pooled * (1 - pooled) / looks)
    naive_significant = 2 * scipy_stats.norm.sf(np.abs(z)) < 0.05
    variance = 2 * CONTROL_RATE * (1 - CONTROL_RATE)
    always_valid = stats.always_valid_pvalues(arm_b - arm_a, looks, variance, tau=0.02)
    peek_axes.plot(
        looks,
        np.mean(np.maximum.accumulate(naive_significant, axis=1), axis=0),
        label="z-test, stop at first p < 0.05",
    )
    peek_axes.plot(
        looks, np.mean(always_valid <= 0.05, axis=0), label="always-valid p-value (mSPRT)"
    )
    peek_axes.axhline(0.05, color="crimson", linestyle=":", linewidth=1, label="alpha = 0.05")
    peek_axes.set_xlabel("visitors per arm so far")
    peek_axes.set_ylabel("share of A/A tests declared significant")
    peek_axes.set_title(f"Peeking at {n_experiments} A/A tests")
    peek_axes.legend(fontsize=8)
    figure.tight_layout()
    paths = save_figure(figure, out_dir / "ab_testing")
    plt.close(figure)
    console.print("Power curves and peeking: " + ", ".join(str(path) for path in paths))
