"""Tour section: reasoning with a Bayesian network — the "asia" chest clinic, queried exactly
(variable elimination) and by sampling (likelihood weighting, Gibbs), plus the most probable
explanation of the evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "Reasoning with a Bayesian network"


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml._io import save_figure
    from glassml.stats.bayesnet import asia_network

    network = asia_network()
    evidence = {"xray": "yes", "dysp": "yes", "smoke": "yes"}
    console.print(
        "The chest-clinic network (Lauritzen & Spiegelhalter 1988): a smoker with shortness of "
        "breath (dysp) and an abnormal X-ray. Which disease explains it?"
    )
    diseases = ("tub", "lung", "bronc")
    table = Table(title=f"P(disease = yes | {', '.join(f'{k}={v}' for k, v in evidence.items())})")
    for column in ("disease", "prior", "exact (VE)", "likelihood weighting", "Gibbs"):
        table.add_column(column, justify="right")
    rows = []
    for disease in diseases:
        prior = network.query(disease).probability(**{disease: "yes"})
        exact = network.query(disease, evidence).probability(**{disease: "yes"})
        weighted = network.query(disease, evidence, method="likelihood_weighting",
                                 n_samples=20_000, random_state=0)  # fmt: skip
        gibbs = network.query(disease, evidence, method="gibbs", n_samples=20_000,
                              random_state=0)  # fmt: skip
        row = (prior, exact, weighted.probability(**{disease: "yes"}),
               gibbs.probability(**{disease: "yes"}))  # fmt: skip
        rows.append(row)
        table.add_row(disease, *(f"{value:.4f}" for value in row))
    console.print(table)
    console.print(
        "Gibbs sampling is wrong here, and the network says why: 'either' is a logical OR (a "
        "deterministic CPD). A chain that starts with either=no must keep tub=no and lung=no, "
        "and either cannot switch on while both are no — the chain is not ergodic. Likelihood "
        "weighting has no such problem."
    )
    explanation = network.map_query(evidence=evidence)
    console.print(
        "Most probable explanation: "
        + ", ".join(f"{k}={v}" for k, v in explanation.assignment.items())
        + f" (probability {explanation.probability:.3f} given the evidence)"
    )
    console.print(
        f"d-separation: asia ⊥ smoke? {network.d_separated('asia', 'smoke')}; "
        f"given dysp? {network.d_separated('asia', 'smoke', 'dysp')} (explaining away)."
    )

    figure, axis = plt.subplots(figsize=(7, 3.5))
    positions = np.arange(len(diseases))
    labels = ("prior", "exact (VE)", "likelihood weighting", "Gibbs")
    for offset, label in enumerate(labels):
        axis.bar(positions + (offset - 1.5) * 0.2, [row[offset] for row in rows], width=0.2,
                 label=label)  # fmt: skip
    axis.set_xticks(positions, diseases)
    axis.set_ylabel("P(disease = yes)")
    axis.set_title("Asia network: exact and sampled posteriors")
    axis.legend(fontsize=8)
    paths = save_figure(figure, Path(out_dir) / "bayesnet_asia")
    plt.close(figure)
    console.print(f"Figure: {paths[0]}")
