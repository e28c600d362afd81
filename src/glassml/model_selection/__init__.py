"""Model selection: Bayesian optimisation, honest model comparison, calibration, thresholds.

scikit-learn already splits, cross-validates, searches grids and computes the standard metrics;
this package adds what it lacks:

* Bayesian optimisation: :class:`BayesSearchCV` (a ``BaseSearchCV``) over :class:`Real`,
  :class:`Integer` and :class:`Categorical` spaces, and :func:`minimize_bayes` for black boxes;
* the statistics of comparing models: :func:`paired_ttest_5x2cv`,
  :func:`corrected_resampled_ttest`, :func:`mcnemar`, :func:`bootstrap_metric_difference`,
  :func:`compare_models`;
* calibration and thresholds: :func:`reliability_curve`, :func:`expected_calibration_error`,
  :func:`brier_decomposition`, :class:`TemperatureScaling`, :func:`cost_optimal_threshold`,
  :func:`threshold_for_precision`, :func:`threshold_for_recall` (Platt and isotonic
  calibration are scikit-learn's ``CalibratedClassifierCV``).

Searches and comparisons take ``n_jobs``; under ``joblib.parallel_backend("dask")`` with a
``distributed.Client`` they run on a Dask cluster unchanged.
"""

from glassml.model_selection._bayes import BayesResult, minimize_bayes
from glassml.model_selection._calibration import (
    BrierDecomposition,
    ReliabilityCurve,
    TemperatureScaling,
    brier_decomposition,
    cost_optimal_threshold,
    expected_calibration_error,
    reliability_curve,
    threshold_for_precision,
    threshold_for_recall,
)
from glassml.model_selection._compare import (
    PairedTestResult,
    bootstrap_metric_difference,
    compare_models,
    corrected_resampled_ttest,
    mcnemar,
    paired_ttest_5x2cv,
)
from glassml.model_selection._search import BayesSearchCV
from glassml.model_selection._space import Categorical, Integer, Real

__all__ = [
    "BayesResult",
    "BayesSearchCV",
    "BrierDecomposition",
    "Categorical",
    "Integer",
    "PairedTestResult",
    "Real",
    "ReliabilityCurve",
    "TemperatureScaling",
    "bootstrap_metric_difference",
    "brier_decomposition",
    "compare_models",
    "corrected_resampled_ttest",
    "cost_optimal_threshold",
    "expected_calibration_error",
    "mcnemar",
    "minimize_bayes",
    "paired_ttest_5x2cv",
    "reliability_curve",
    "threshold_for_precision",
    "threshold_for_recall",
]
