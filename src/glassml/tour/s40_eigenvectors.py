"""Tour section: PCA (the top eigenvectors of the covariance) and t-SNE (a Barnes–Hut descent
on KL(P || Q)) map scikit-learn's 8x8 digits to the plane; one figure puts the maps side by
side, and a table shows how much variance the leading eigenvectors explain."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from rich.table import Table

TITLE = "Eigenvectors at work"


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_digits
    from sklearn.manifold import trustworthiness

    from glassml._io import save_figure
    from glassml.decomposition import PCA, TSNE

    X, y = load_digits(return_X_y=True)
    pca = PCA(random_state=0).fit(X)
    table = Table(title=f"PCA of the digits ({X.shape[0]} images, {X.shape[1]} pixels)")
    for column in ("component", "eigenvalue λ", "explained", "cumulated"):
        table.add_column(column, justify="right")
    cumulated = np.cumsum(pca.explained_variance_ratio_)
    for index in (0, 1, 2, 4, 9, 19):
        table.add_row(
            str(index + 1),
            f"{pca.explained_variance_[index]:.1f}",
            f"{pca.explained_variance_ratio_[index]:.1%}",
            f"{cumulated[index]:.1%}",
        )
    console.print(table)
    needed = int(np.searchsorted(cumulated, 0.9) + 1)
    console.print(f"{needed} of 64 eigenvectors keep 90 % of the pixel variance.")

    pca_map = pca.transform(X)[:, :2]
    start = time.perf_counter()
    tsne = TSNE(random_state=0)
    tsne_map = tsne.fit_transform(X)
    seconds = time.perf_counter() - start
    trust = [trustworthiness(X, Z, n_neighbors=10) for Z in (pca_map, tsne_map)]
    console.print(
        f"t-SNE (Barnes–Hut, perplexity 30, {tsne.n_iter_} iterations) in {seconds:.1f} s: "
        f"KL(P || Q) = {tsne.kl_divergence_:.3f}. Trustworthiness (k = 10): "
        f"PCA {trust[0]:.3f}, t-SNE {trust[1]:.3f}."
    )

    figure, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    titles = (
        f"PCA: two top eigenvectors ({cumulated[1]:.0%} of variance)",
        f"t-SNE: KL = {tsne.kl_divergence_:.2f}, trustworthiness {trust[1]:.3f}",
    )
    for axis, embedding, title in zip(axes, (pca_map, tsne_map), titles, strict=True):
        points = axis.scatter(embedding[:, 0], embedding[:, 1], c=y, cmap="tab10", s=6)
        for digit in range(10):
            centre = np.median(embedding[y == digit], axis=0)
            axis.annotate(str(digit), centre, fontsize=13, weight="bold", ha="center")
        axis.set_title(title)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.colorbar(points, ax=axes, ticks=range(10), label="digit")
    paths = save_figure(figure, out_dir / "eigenvectors_digits_maps")
    plt.close(figure)
    console.print(f"Figure {paths[0].name}: linear (PCA) versus neighbour-preserving (t-SNE) map.")
