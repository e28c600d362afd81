"""Anomaly detection: density, isolation, distance, kernel and reconstruction detectors under
scikit-learn's outlier contract, and the metrics that compare them when positives are rare."""

from glassml.anomaly._base import average_precision, precision_at_k, threshold_for_contamination
from glassml.anomaly._comparison import DetectorComparison
from glassml.anomaly._gaussian import GaussianDetector
from glassml.anomaly._isolation import IsolationForest
from glassml.anomaly._lof import LocalOutlierFactor
from glassml.anomaly._ocsvm import OneClassSVM
from glassml.anomaly._reconstruction import AutoencoderDetector, PCADetector

__all__ = [
    "AutoencoderDetector",
    "DetectorComparison",
    "GaussianDetector",
    "IsolationForest",
    "LocalOutlierFactor",
    "OneClassSVM",
    "PCADetector",
    "average_precision",
    "precision_at_k",
    "threshold_for_contamination",
]
