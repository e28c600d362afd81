"""The outlier contract every detector shares, and the metrics that compare detectors.

scikit-learn's contract: ``score_samples`` (higher = more normal), ``decision_function`` =
``score_samples - offset_`` (negative = outlier), ``predict`` in {+1, -1}. ``contamination``
is ``"auto"`` (the detector's own threshold, from its mathematics) or a fraction in (0, 0.5]:
then ``offset_`` is the contamination-quantile of the training scores, so that fraction of the
training data is flagged.

The metrics take anomaly scores (higher = more anomalous, e.g. ``-score_samples``) and labels
with 1 = anomaly, the convention of the fraud data.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.metrics import average_precision_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml._validation import check_count, check_named_array, check_predict_data, fail

CONTAMINATION = [StrOptions({"auto"}), Interval(numbers.Real, 0.0, 0.5, closed="right")]


def threshold_for_contamination(scores, contamination: float) -> float:
    """The score below which a fraction ``contamination`` of ``scores`` lies.

    ``scores`` follow the detectors' convention (higher = more normal); flagging
    ``scores < threshold`` flags the ``contamination`` fraction (scikit-learn's rule: the
    ``100 * contamination`` percentile, linear interpolation).

    Examples
    --------
    >>> from glassml.anomaly import threshold_for_contamination
    >>> threshold_for_contamination([0.0, 1.0, 2.0, 3.0, 4.0], 0.25)
    1.0
    """
    scores = check_named_array(scores, "scores", ensure_2d=False, dtype=np.float64)
    if scores.ndim != 1:
        raise fail("scores", "a 1-D array of scores", f"shape {scores.shape}")
    if not isinstance(contamination, numbers.Real) or not 0.0 < contamination <= 0.5:
        raise fail("contamination", "a fraction in (0, 0.5]", contamination)
    return float(np.percentile(scores, 100.0 * float(contamination)))


def check_labels(y, argument: str) -> np.ndarray:
    """Anomaly labels: a 1-D array of 0 (normal) and 1 (anomaly) holding both."""
    y = check_named_array(y, argument, ensure_2d=False, dtype=None)
    if y.ndim != 1:
        raise fail(argument, "a 1-D array of labels", f"shape {y.shape}")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise fail(argument, "labels in {0, 1} (1 = anomaly)", sorted(values)[:5])
    if len(values) < 2:
        raise fail(argument, "both normal (0) and anomalous (1) labels", f"only {values}")
    return y.astype(np.int64)


def _labels_and_scores(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    y_score = check_named_array(y_score, "y_score", ensure_2d=False, dtype=np.float64)
    if y_score.ndim != 1:
        raise fail("y_score", "a 1-D array of scores", f"shape {y_score.shape}")
    y_true = check_labels(y_true, "y_true")
    if y_true.shape != y_score.shape:
        raise fail("y_true, y_score", "one label per score", (y_true.shape, y_score.shape))
    return y_true, y_score


def precision_at_k(y_true, y_score, k: int) -> float:
    """Fraction of anomalies (``y_true == 1``) among the ``k`` highest anomaly scores.

    Ties at the k-th score are broken by averaging: the expected precision over every order of
    the tied samples, so the figure does not depend on the input order.

    Examples
    --------
    >>> from glassml.anomaly import precision_at_k
    >>> precision_at_k([0, 1, 0, 1, 0], [0.1, 0.9, 0.2, 0.8, 0.85], k=2)
    0.5
    """
    y_true, y_score = _labels_and_scores(y_true, y_score)
    k = check_count(k, "k")
    if k > y_score.shape[0]:
        raise fail("k", f"at most the number of samples ({y_score.shape[0]})", k)
    kth = np.sort(y_score)[::-1][k - 1]
    above = y_score > kth
    tied = y_score == kth
    n_tied_taken = k - int(above.sum())
    hits = y_true[above].sum() + n_tied_taken * y_true[tied].mean()
    return float(hits / k)


def average_precision(y_true, y_score) -> float:
    """Average precision of anomaly scores (scikit-learn's ``average_precision_score``):
    sum over thresholds of (R_n - R_{n-1}) P_n, the area under the precision-recall step curve.

    Examples
    --------
    >>> from glassml.anomaly import average_precision
    >>> round(average_precision([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.3]), 6)
    1.0
    """
    y_true, y_score = _labels_and_scores(y_true, y_score)
    return float(average_precision_score(y_true, y_score))


class BaseDetector(OutlierMixin, BaseEstimator):
    """``decision_function``, ``predict`` and the contamination offset from ``score_samples``.

    Subclasses implement ``_fit(X)`` (validated float64 X) returning the training scores, and
    ``_score(X)`` on validated X; ``_auto_offset()`` gives the ``"auto"`` threshold.
    """

    def _set_offset(self, training_scores: Callable[[], np.ndarray]) -> None:
        """``offset_`` from ``contamination``; the training scores are computed only for a
        fraction (``"auto"`` needs none: scoring a large X twice would double the cost)."""
        if self.contamination == "auto":
            self.offset_ = float(self._auto_offset())
        else:
            self.offset_ = threshold_for_contamination(training_scores(), self.contamination)

    def score_samples(self, X) -> np.ndarray:
        """Normality score of each sample (higher = more normal); see the class docstring."""
        check_is_fitted(self)
        X = check_predict_data(self, X, dtype=np.float64)
        return self._score(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
