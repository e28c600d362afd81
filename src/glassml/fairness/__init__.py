"""Group fairness: metrics by group with confidence intervals, and three ways to mitigate.

Metrics compare a rate of binary decisions across the groups of a sensitive feature:
:func:`demographic_parity_difference` (selection rate), :func:`equal_opportunity_difference`
(true positive rate), :func:`equalized_odds_difference` (true and false positive rates), their
ratios, :func:`rates_by_group` and :func:`calibration_within_groups`. :class:`MetricFrame`
evaluates any metric by group and overall, with bootstrap confidence intervals
(``glassml.stats.bootstrap``).

Mitigation, by where it acts:

* before learning — :class:`Reweighing` (weights making the label independent of the group)
  and :class:`CorrelationRemover` (columns made uncorrelated with the sensitive ones);
* during learning — :class:`ExponentiatedGradient` (a randomised mixture of any estimator
  taking ``sample_weight``, meeting demographic parity or equalized odds);
* after learning — :class:`ThresholdOptimizer` (group-specific randomised thresholds, an
  exact linear program).

The randomised mitigators expose P(decision = 1 | x) through ``predict_proba`` and draw
decisions in ``predict``. Every number is checked against fairlearn (``tests/fairness``).
"""

from glassml.fairness._metric_frame import MetricFrame
from glassml.fairness._metrics import (
    CalibrationResult,
    calibration_within_groups,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    expected_calibration_error,
    false_negative_rate,
    false_positive_rate,
    rates_by_group,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from glassml.fairness._preprocessing import CorrelationRemover, Reweighing, reweighing_weights
from glassml.fairness._reductions import ExponentiatedGradient
from glassml.fairness._threshold import ThresholdOptimizer

__all__ = [
    "CalibrationResult",
    "CorrelationRemover",
    "ExponentiatedGradient",
    "MetricFrame",
    "Reweighing",
    "ThresholdOptimizer",
    "calibration_within_groups",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "expected_calibration_error",
    "false_negative_rate",
    "false_positive_rate",
    "rates_by_group",
    "reweighing_weights",
    "selection_rate",
    "true_negative_rate",
    "true_positive_rate",
]
