"""PCA and t-SNE against scikit-learn (targets from the issue: pca_full <= 1.0,
pca_randomized <= 1.0, tsne <= 0.5 of sklearn's barnes_hut; openTSNE timed alongside)."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _pca_data():
    # A decaying spectrum (rank-100 signal plus noise), so the top components are well defined.
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(20_000, 100)) * (0.95 ** np.arange(100))
    return signal @ rng.normal(size=(100, 1_000)) + 0.1 * rng.normal(size=(20_000, 1_000))


def _components_check(data, ours, reference) -> str:
    signs = np.sign(np.sum(ours.components_ * reference.components_, axis=1, keepdims=True))
    difference = np.abs(ours.components_ * signs - reference.components_)[:10].max()
    variance = np.abs(ours.explained_variance_ / reference.explained_variance_ - 1).max()
    return f"top-10 components max diff {difference:.1e}, variance rel. diff {variance:.1e}"


def _pca_full_ours(X):
    from glassml.decomposition import PCA

    return PCA(svd_solver="full").fit(X)


def _pca_full_reference(X):
    from sklearn.decomposition import PCA

    return PCA(svd_solver="full").fit(X)


def _pca_randomized_ours(X):
    from glassml.decomposition import PCA

    return PCA(50, svd_solver="randomized", random_state=0).fit(X)


def _pca_randomized_reference(X):
    from sklearn.decomposition import PCA

    return PCA(50, svd_solver="randomized", random_state=0).fit(X)


register(
    Workload(
        name="pca_full",
        description="PCA(svd_solver='full') fit, 20,000 x 1,000 dense",
        setup=_pca_data,
        ours=_pca_full_ours,
        reference=_pca_full_reference,
        reference_label="sklearn",
        target=1.0,
        requires=("sklearn",),
        check=_components_check,
        repeats=3,
    )
)

register(
    Workload(
        name="pca_randomized",
        description="PCA(50, svd_solver='randomized') fit, 20,000 x 1,000 dense",
        setup=_pca_data,
        ours=_pca_randomized_ours,
        reference=_pca_randomized_reference,
        reference_label="sklearn",
        target=1.0,
        requires=("sklearn",),
        check=_components_check,
    )
)


def _tsne_data():
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(5_000, 50, centers=10, cluster_std=4.0, random_state=0)
    return X


def _tsne_ours(X):
    from glassml.decomposition import TSNE

    return TSNE(max_iter=1_000, random_state=0).fit(X)


def _tsne_reference(X):
    from sklearn.manifold import TSNE

    return TSNE(max_iter=1_000, method="barnes_hut", random_state=0).fit(X)


def _tsne_opentsne(X):
    from openTSNE import TSNE

    # 250 exaggerated + 750 plain iterations = sklearn's 1,000; openTSNE picks its own
    # negative-gradient method (Barnes–Hut below 10,000 points, FFT interpolation above).
    return TSNE(early_exaggeration_iter=250, n_iter=750, random_state=0).fit(X)


def _tsne_check(X, ours, reference) -> str:
    from sklearn.manifold import trustworthiness

    sample = np.random.default_rng(0).choice(len(X), 2_000, replace=False)
    trust = [
        trustworthiness(X[sample], model.embedding_[sample], n_neighbors=10)
        for model in (ours, reference)
    ]
    return (
        f"KL {ours.kl_divergence_:.4f} vs {reference.kl_divergence_:.4f}, "
        f"trustworthiness(k=10, 2,000 points) {trust[0]:.4f} vs {trust[1]:.4f}"
    )


register(
    Workload(
        name="tsne",
        description="TSNE(2-D) 5,000 x 50 blobs, 1,000 iterations; sklearn barnes_hut",
        setup=_tsne_data,
        ours=_tsne_ours,
        reference=_tsne_reference,
        reference_label="sklearn barnes_hut",
        target=0.5,
        requires=("sklearn",),
        check=_tsne_check,
        peers={"openTSNE": (_tsne_opentsne, ("openTSNE",))},
        repeats=3,
    )
)
