"""Fit several detectors on the same unlabelled data, then rank them with the hidden labels."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from glassml._validation import check_count, check_named_array, fail
from glassml.anomaly._base import (
    _labels_and_scores,
    average_precision,
    check_labels,
    precision_at_k,
)


def anomaly_scores(detector, X: np.ndarray | None) -> np.ndarray:
    """Anomaly scores (higher = more anomalous) of a fitted detector.

    ``X=None`` scores the training data: ``-negative_outlier_factor_`` for a transductive
    local outlier factor (``novelty=False``), which cannot score anything else.
    """
    if X is None and _is_transductive(detector):
        final = getattr(detector, "_final_estimator", detector)
        return -np.asarray(final.negative_outlier_factor_)
    if X is None:
        raise fail("X", "the data to score", None)
    return -np.asarray(detector.score_samples(X), dtype=np.float64)


def _is_transductive(detector) -> bool:
    """A fitted LOF without novelty (alone or last in a pipeline): it scores its training set."""
    final = getattr(detector, "_final_estimator", detector)
    return hasattr(final, "negative_outlier_factor_") and not getattr(final, "novelty", True)


class DetectorComparison:
    """Fit each detector on the same data, labels hidden, then score them against the labels.

    ``fit(X)`` fits a clone of every detector on X alone (the labels are never passed); the
    anomaly scores of the training rows (``-score_samples``, or ``-negative_outlier_factor_``
    for a transductive LOF) are kept in ``scores_``. ``evaluate(y)`` returns one row per
    detector: average precision (the area under the precision-recall curve, the figure that
    matters at 0.2 % positives), ROC-AUC, precision among the ``k`` highest scores for each
    ``k``, and the seconds each fit-and-score took. A detector may be a pipeline (e.g.
    ``make_pipeline(StandardScaler(), LocalOutlierFactor())``): distance and reconstruction
    detectors need features on one scale. ``compare(X, y)`` does both.

    Parameters
    ----------
    detectors : mapping of name -> detector (unfitted; each is cloned)
    k : int or sequence of int, default=100
        The review budgets of precision@k.

    Attributes
    ----------
    detectors_ : dict of name -> fitted detector
    scores_ : dict of name -> anomaly scores of the training rows (higher = more anomalous)
    fit_seconds_ : dict of name -> wall-clock seconds of fit and scoring

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import DetectorComparison, GaussianDetector, IsolationForest
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(500, 3)), rng.normal(5.0, 1.0, size=(5, 3))])
    >>> y = np.r_[np.zeros(500), np.ones(5)]
    >>> comparison = DetectorComparison(
    ...     {"gaussian": GaussianDetector(), "iforest": IsolationForest(random_state=0)}, k=5
    ... )
    >>> table = comparison.compare(X, y)
    >>> list(table.columns)
    ['average_precision', 'roc_auc', 'precision_at_5', 'fit_seconds']
    >>> table.index.tolist()
    ['gaussian', 'iforest']
    >>> bool((table["roc_auc"] > 0.99).all())
    True
    """

    def __init__(self, detectors: Mapping, k=100) -> None:
        if not isinstance(detectors, Mapping) or len(detectors) == 0:
            raise fail("detectors", "a non-empty mapping of name -> detector", detectors)
        for name, detector in detectors.items():
            if not isinstance(name, str):
                raise fail("detectors", "string names", name)
            if not (hasattr(detector, "fit") and hasattr(detector, "get_params")):
                raise fail("detectors", f"scikit-learn estimators (at {name!r})", detector)
        ks = [k] if np.ndim(k) == 0 else list(k)
        if not ks:
            raise fail("k", "at least one review budget", k)
        self.k = tuple(check_count(value, "k") for value in ks)
        self.detectors = dict(detectors)

    def fit(self, X) -> DetectorComparison:
        """Fit every detector on X (no labels) and keep its anomaly scores of X."""
        X = check_named_array(X, "X", dtype=np.float64)
        if X.shape[0] < max(self.k):
            raise fail("k", f"at most the number of samples ({X.shape[0]})", max(self.k))
        self.detectors_, self.scores_, self.fit_seconds_ = {}, {}, {}
        for name, detector in self.detectors.items():
            start = time.perf_counter()
            fitted = clone(detector).fit(X)
            self.scores_[name] = anomaly_scores(fitted, None if _is_transductive(fitted) else X)
            self.fit_seconds_[name] = time.perf_counter() - start
            self.detectors_[name] = fitted
        return self

    def evaluate(self, y) -> pd.DataFrame:
        """One row per detector: AP, ROC-AUC, precision@k for each k, fit seconds."""
        if not hasattr(self, "scores_"):
            raise fail("self", "a fitted DetectorComparison (call fit first)", "unfitted")
        y = check_labels(y, "y")
        n = len(next(iter(self.scores_.values())))
        if len(y) != n:
            raise fail("X, y", f"one label per row of the fitted X ({n})", len(y))
        rows = {}
        for name, scores in self.scores_.items():
            labels, scores = _labels_and_scores(y, scores)
            row = {
                "average_precision": average_precision(labels, scores),
                "roc_auc": float(roc_auc_score(labels, scores)),
            }
            for k in self.k:
                row[f"precision_at_{k}"] = precision_at_k(labels, scores, k)
            row["fit_seconds"] = self.fit_seconds_[name]
            rows[name] = row
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "detector"
        return table

    def compare(self, X, y) -> pd.DataFrame:
        """``fit(X).evaluate(y)``: the labels are used only after every detector is fitted."""
        return self.fit(X).evaluate(y)
