"""Robustness entries of glassml.neighbors.

Neighbours do not depend on units: a model fitted and queried at ``X * s`` finds the
neighbours it finds at X (class probabilities and labels unchanged, regression predictions
scaled with y). A model fitted at X and queried at ``X * s``:

- at 1e300 a query q is far from every training point and ``||s q - x||^2 = s^2 ||q||^2 -
  2 s q.x + ||x||^2``: the nearest are those with the largest ``q.x`` (ties: the smaller
  ``||x||``, then the index), at distance ``s ||q||`` to float64 precision;
- at 1e-300 every query sits at the origin: the training points of smallest norm.

Both are computed here with NumPy sorts, independently of the library's search.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equals, equivariant, invariant, opt, per_output

from glassml.neighbors import KNeighborsClassifier, KNeighborsRegressor

RNG = np.random.default_rng(3)
X = RNG.normal(size=(30, 3))
LABELS = (X[:, 0] + 0.5 * RNG.normal(size=30) > 0).astype(int)
Y = X @ np.array([1.0, -1.0, 2.0]) + 0.1 * RNG.normal(size=30)
K = 3
NORMS = np.linalg.norm(X, axis=1)

# Neighbours of X * 1e300 (largest q.x first) and of the origin (smallest ||x|| first).
FAR = np.array([np.lexsort((np.arange(30), NORMS, -(X @ q)))[:K] for q in X])
ORIGIN = np.tile(np.lexsort((np.arange(30), NORMS))[:K], (30, 1))


def _votes(neighbours):
    return np.stack([np.bincount(LABELS[row], minlength=2) / K for row in neighbours])


OPTIONS = {
    "n_neighbors": opt(0, 31),
    "weights": opt("gaussian"),
    "algorithm": opt("ball_tree"),
    "leaf_size": opt(0),
    "p": opt(0.5, "2", np.nan, auto=False),  # any real p >= 1 is valid, inf too (Chebyshev)
}
VALID = {"n_neighbors": K, "weights": "uniform", "algorithm": "auto", "leaf_size": 30, "p": 2}


def _fit_entry(name, estimator, labels, method, scale, **overrides):
    def call(X, y, **params):
        return getattr(estimator(**params).fit(X, y), method)(X)

    return Entry(
        name,
        call,
        {"X": X, "y": labels, **VALID, **overrides},
        arrays=("X",) if estimator is KNeighborsClassifier else ("X", "y"),
        labels=("y",) if estimator is KNeighborsClassifier else (),
        options=OPTIONS,
        scale=scale,
    )


def _query_entry(name, model, method, far, origin, **arguments):
    return Entry(
        name,
        lambda X, **kw: getattr(model, method)(X, **kw),
        {"X": X, **arguments},
        arrays=("X",),
        options={"n_neighbors": opt(0, 31)} if "n_neighbors" in arguments else {},
        scale=(
            Scale(("X",), far, families=("huge",)),
            Scale(("X",), origin, families=("tiny",)),
        ),
    )


CLASSIFIER = KNeighborsClassifier(K).fit(X, LABELS)
REGRESSOR = KNeighborsRegressor(K).fit(X, Y)
# At 1e300 the reported distances tie in float64 (s ||q|| for all): they come by index.
_KNEIGHBORS_FAR = per_output(
    equals(np.tile(np.linalg.norm(X, axis=1)[:, None], (1, K)), power=1.0),
    equals(np.sort(FAR, axis=1)),
)
_KNEIGHBORS_ORIGIN = per_output(equals(NORMS[ORIGIN], rtol=1e-12), equals(ORIGIN))

ENTRIES = [
    *(
        _fit_entry(
            f"glassml.neighbors.KNeighborsClassifier.fit{suffix}",
            KNeighborsClassifier,
            LABELS,
            "predict_proba",
            (Scale(("X",), invariant(1e-9, 1e-12)),),
            **overrides,
        )
        for suffix, overrides in (
            ("", {}),
            (" [brute, distance]", {"algorithm": "brute", "weights": "distance"}),
            (" [p=1]", {"p": 1}),
        )
    ),
    *(
        _fit_entry(
            f"glassml.neighbors.KNeighborsRegressor.fit{suffix}",
            KNeighborsRegressor,
            Y,
            "predict",
            (
                Scale(("X",), invariant(1e-9, 1e-12)),
                Scale(("y",), equivariant(1.0, rtol=1e-9)),
                Scale(("X", "y"), equivariant(1.0, rtol=1e-9)),
            ),
            **overrides,
        )
        for suffix, overrides in (
            ("", {}),
            (" [brute, distance]", {"algorithm": "brute", "weights": "distance"}),
        )
    ),
    _query_entry(
        "glassml.neighbors.KNeighborsClassifier.predict",
        CLASSIFIER,
        "predict",
        equals(np.argmax(_votes(FAR), axis=1)),
        equals(np.argmax(_votes(ORIGIN), axis=1)),
    ),
    _query_entry(
        "glassml.neighbors.KNeighborsClassifier.predict_proba",
        CLASSIFIER,
        "predict_proba",
        equals(_votes(FAR)),
        equals(_votes(ORIGIN)),
    ),
    _query_entry(
        "glassml.neighbors.KNeighborsRegressor.predict",
        REGRESSOR,
        "predict",
        equals(Y[FAR].mean(axis=1), rtol=1e-12),
        equals(Y[ORIGIN].mean(axis=1), rtol=1e-12),
    ),
    *(
        _query_entry(
            f"glassml.neighbors.{type(model).__name__}.kneighbors",
            model,
            "kneighbors",
            _KNEIGHBORS_FAR,
            _KNEIGHBORS_ORIGIN,
            n_neighbors=K,
        )
        for model in (CLASSIFIER, REGRESSOR)
    ),
]
