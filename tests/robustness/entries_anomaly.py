"""Robustness entries of glassml.anomaly.

Units (every detector is fitted in units X / c, c a power of two near the data's magnitude):

- fitted at ``X * s``: the isolation forest's splits, LOF's density ratios, the one-class SVM
  with ``gamma="scale"``, the robust Mahalanobis distance and the standardised autoencoder do
  not depend on s (training scores unchanged); the Gaussian log-density shifts by -d log s;
  PCA's squared prediction error scales by s^2 (refused by name where s^2 SPE overflows).
- a model fitted at X queried at ``X * 1e-300``: every query is the origin, so the answer is
  the origin's, for every row (computed here by querying the origin itself).
- queried at ``X * 1e300``: the Gaussian's D^2, PCA's SPE / T^2 and the autoencoder's
  standardised input overflow and are refused by name; the rbf kernel vanishes, so the
  one-class SVM's score is 0 for every row (decision -offset_, all outliers); the isolation
  forest and LOF stay finite and vary with the direction of each query.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equals, equivariant, invariant, opt

from glassml.anomaly import (
    AutoencoderDetector,
    DetectorComparison,
    GaussianDetector,
    IsolationForest,
    LocalOutlierFactor,
    OneClassSVM,
    PCADetector,
    average_precision,
    precision_at_k,
    threshold_for_contamination,
)

RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 0.2]])
X_NEW = RNG.normal(size=(12, 3))
ORIGIN = np.zeros((1, 3))
LABELS = (np.arange(40) % 8 == 0).astype(int)
SCORES = RNG.normal(size=40) + LABELS

CONTAMINATION = opt(0.0, 0.6, -0.1, "many")


def _shifted_log_density(base, scaled, s):
    """Gaussian log-density at X * s: log p - d log s (d = 3)."""
    expected = np.asarray(base) - 3 * np.log(s)
    if not np.allclose(scaled, expected, rtol=1e-7, atol=1e-7 * np.max(np.abs(expected))):
        raise AssertionError(f"expected log p - 3 log {s:g}: {expected[:4]}; got {scaled[:4]}")


def _origin(model, method):
    """The answer at the origin, repeated for every query row (the 1e-300 limit)."""
    value = getattr(model, method)(ORIGIN)
    return equals(np.repeat(value, len(X_NEW), axis=0), rtol=1e-9, atol=1e-12)


DETECTORS = {
    # name: (class, valid options, bad option values, scale check of the training scores)
    "GaussianDetector": (
        GaussianDetector,
        {"covariance_type": "full", "reg_covar": 1e-6, "contamination": "auto"},
        {"covariance_type": opt("spherical"), "reg_covar": opt(-1.0)},
        Scale(("X",), _shifted_log_density),
    ),
    "GaussianDetector [robust]": (
        GaussianDetector,
        {"robust": True, "random_state": 0, "contamination": 0.1},
        {"robust": opt("yes")},
        Scale(("X",), invariant(1e-7, 1e-9)),
    ),
    "IsolationForest": (
        IsolationForest,
        {"n_estimators": 20, "max_samples": "auto", "random_state": 0, "contamination": "auto"},
        {"n_estimators": opt(0), "max_samples": opt(0, 1.5, "all", auto=False)},
        Scale(("X",), invariant(1e-9)),
    ),
    "LocalOutlierFactor": (
        LocalOutlierFactor,
        {"n_neighbors": 5, "algorithm": "auto", "novelty": True, "contamination": "auto"},
        {"n_neighbors": opt(0, 40), "algorithm": opt("ball_tree")},
        Scale(("X",), invariant(1e-9)),
    ),
    "OneClassSVM": (
        OneClassSVM,
        {"nu": 0.3, "kernel": "rbf", "gamma": "scale", "contamination": "auto"},
        {"nu": opt(0.0, 1.5), "kernel": opt("cosine")},
        Scale(("X",), invariant(1e-7, 1e-12)),
    ),
    "PCADetector": (
        PCADetector,
        {"n_components": 2, "alpha": 0.01, "contamination": "auto"},
        {"n_components": opt(0, 4, 1.5), "alpha": opt(0.0, 0.7)},
        Scale(("X",), equivariant(2.0, rtol=1e-7)),
    ),
    "AutoencoderDetector": (
        AutoencoderDetector,
        {
            "hidden_layer_sizes": (4,),
            "max_iter": 3,
            "validation_fraction": 0.1,
            "random_state": 0,
            "contamination": 0.1,
        },
        {"max_iter": opt(0), "validation_fraction": opt(0.0, 0.9)},
        Scale(("X",), invariant(1e-5, 1e-8)),
    ),
}


def _fit_entry(name, cls, valid, bad, scale):
    def call(X, **params):
        model = cls(**params).fit(X)
        return model.score_samples(X)

    return Entry(
        f"glassml.anomaly.{cls.__name__}.fit" + name[len(cls.__name__) :],
        call,
        {"X": X, **valid},
        arrays=("X",),
        options={"contamination": CONTAMINATION, **bad},
        scale=(scale,),
    )


def _query_entry(cls, method, model, huge=None):
    scales = [Scale(("X",), _origin(model, method), families=("tiny",))]
    if huge is not None:
        scales.append(Scale(("X",), huge, families=("huge",)))
    return Entry(
        f"glassml.anomaly.{cls.__name__}.{method}",
        lambda X: getattr(model, method)(X),
        {"X": X_NEW},
        arrays=("X",),
        scale=tuple(scales),
    )


FITTED = {name: cls(**valid).fit(X) for name, (cls, valid, _bad, _scale) in DETECTORS.items()}
SVM = FITTED["OneClassSVM"]
# at 1e300 every query is isolated at once and sparser than any neighbourhood: all outliers
_ALL_OUTLIERS = equals(-np.ones(len(X_NEW)))
_FAR = {
    ("IsolationForest", "predict"): _ALL_OUTLIERS,
    ("LocalOutlierFactor", "predict"): _ALL_OUTLIERS,
}
_SVM_FAR = {
    "score_samples": equals(np.zeros(len(X_NEW)), atol=1e-300),
    "decision_function": equals(np.full(len(X_NEW), -SVM.offset_)),
    "predict": equals(-np.ones(len(X_NEW))),
}
QUERY_METHODS = {
    "GaussianDetector": (
        "score_samples",
        "decision_function",
        "predict",
        "mahalanobis",
        "p_values",
    ),
    "IsolationForest": ("score_samples", "decision_function", "predict", "mean_path_length"),
    "LocalOutlierFactor": ("score_samples", "decision_function", "predict"),
    "OneClassSVM": ("score_samples", "decision_function", "predict"),
    "PCADetector": ("score_samples", "decision_function", "predict", "spe", "hotelling_t2"),
    "AutoencoderDetector": ("score_samples", "decision_function", "predict"),
}


def _lof_fit_predict(X, n_neighbors):
    return LocalOutlierFactor(n_neighbors=n_neighbors).fit(X).negative_outlier_factor_


def _comparison(X, y, k):
    detectors = {"gaussian": GaussianDetector(), "forest": IsolationForest(10, random_state=0)}
    # the timing column varies from run to run: judged are the quality figures
    return DetectorComparison(detectors, k=k).compare(X, y).drop(columns="fit_seconds")


ENTRIES = [
    *(_fit_entry(name, *spec) for name, spec in DETECTORS.items()),
    *(
        _query_entry(
            DETECTORS[name][0],
            method,
            FITTED[name],
            _SVM_FAR[method] if name == "OneClassSVM" else _FAR.get((name, method)),
        )
        for name, methods in QUERY_METHODS.items()
        for method in methods
    ),
    Entry(
        "glassml.anomaly.LocalOutlierFactor.fit_predict",
        lambda X, n_neighbors: LocalOutlierFactor(n_neighbors=n_neighbors).fit_predict(X),
        {"X": X, "n_neighbors": 5},
        arrays=("X",),
        options={"n_neighbors": opt(0, 40)},
        scale=(Scale(("X",), invariant()),),
    ),
    Entry(
        "glassml.anomaly.LocalOutlierFactor.fit [transductive]",
        _lof_fit_predict,
        {"X": X, "n_neighbors": 5},
        arrays=("X",),
        options={"n_neighbors": opt(0, 40)},
        scale=(Scale(("X",), invariant(1e-9)),),
    ),
    Entry(
        "glassml.anomaly.threshold_for_contamination",
        threshold_for_contamination,
        {"scores": SCORES, "contamination": 0.1},
        arrays=("scores",),
        options={"contamination": CONTAMINATION},
        scale=(Scale(("scores",), equivariant(1.0, rtol=1e-12)),),
    ),
    Entry(
        "glassml.anomaly.precision_at_k",
        precision_at_k,
        {"y_true": LABELS, "y_score": SCORES, "k": 5},
        arrays=("y_score",),
        labels=("y_true",),
        options={"k": opt(0, 41)},
        scale=(Scale(("y_score",), invariant()),),
    ),
    Entry(
        "glassml.anomaly.average_precision",
        average_precision,
        {"y_true": LABELS, "y_score": SCORES},
        arrays=("y_score",),
        labels=("y_true",),
        scale=(Scale(("y_score",), invariant()),),
    ),
    Entry(
        "glassml.anomaly.DetectorComparison",
        lambda detectors, k: DetectorComparison(detectors, k=k).k,
        {"detectors": {"gaussian": GaussianDetector()}, "k": 5},
        options={"detectors": opt({}, [GaussianDetector()], {"g": 3}), "k": opt(0, -1)},
    ),
    *(
        Entry(
            f"glassml.anomaly.DetectorComparison.{method}",
            _comparison,
            {"X": X, "y": LABELS, "k": 5},
            arrays=("X",),
            labels=("y",),
            options={"k": opt(0, 41)},
            scale=(Scale(("X",), invariant(1e-6, 1e-6)),),
            skip={"huge": "the Gaussian's log-density shifts by -d log s: checked by its entry"},
        )
        for method in ("fit", "evaluate", "compare")
    ),
]
EXEMPT: dict[str, str] = {}
