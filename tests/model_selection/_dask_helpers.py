"""An estimator for the Dask tests: announces each fit in a folder, then waits."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class SlowLogistic(ClassifierMixin, BaseEstimator):
    """A logistic regression whose fit announces itself in ``marker_dir`` and then waits, so a
    test can kill the worker process while the fit is running."""

    def __init__(self, C=1.0, delay=0.0, marker_dir=None):
        self.C = C
        self.delay = delay
        self.marker_dir = marker_dir

    def fit(self, X, y):
        if self.marker_dir is not None:
            Path(self.marker_dir, f"{os.getpid()}-{time.monotonic_ns()}").touch()
        time.sleep(self.delay)
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)
