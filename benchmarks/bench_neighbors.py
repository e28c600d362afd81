"""k-nearest-neighbour classification against scikit-learn (target from the issue: <= 1.5)."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _knn_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50_000, 10))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=50_000) > 0).astype(int)
    queries = rng.normal(size=(10_000, 10))
    return X, y, queries


def _knn_ours(data):
    from glassml.neighbors import KNeighborsClassifier

    X, y, queries = data
    return KNeighborsClassifier(n_neighbors=5).fit(X, y).predict(queries)


def _knn_reference(data):
    from sklearn.neighbors import KNeighborsClassifier

    X, y, queries = data
    return KNeighborsClassifier(n_neighbors=5).fit(X, y).predict(queries)


def _same_predictions(data, ours, reference) -> str:
    return f"predictions identical: {bool(np.array_equal(ours, reference))}"


register(
    Workload(
        name="knn",
        description="KNeighborsClassifier(k=5): fit 50,000 x 10, predict 10,000 (k-d tree)",
        setup=_knn_data,
        ours=_knn_ours,
        reference=_knn_reference,
        reference_label="sklearn",
        target=1.5,
        requires=("sklearn",),
        check=_same_predictions,
    )
)
