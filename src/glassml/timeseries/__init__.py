"""Time series: correlograms, autoregression, exponential smoothing, panel features for many
units, cross-validation by time, and the remaining-useful-life helpers of predictive
maintenance."""

from glassml.timeseries._autoregression import AutoRegression, OrderSelection, select_order
from glassml.timeseries._correlation import Correlogram, acf, ljung_box, pacf
from glassml.timeseries._features import lag_features, rolling_features, windows
from glassml.timeseries._rul import nasa_score, rul_labels, rul_report
from glassml.timeseries._smoothing import ExponentialSmoothing
from glassml.timeseries._split import GroupTimeSeriesSplit

__all__ = [
    "AutoRegression",
    "Correlogram",
    "ExponentialSmoothing",
    "GroupTimeSeriesSplit",
    "OrderSelection",
    "acf",
    "lag_features",
    "ljung_box",
    "nasa_score",
    "pacf",
    "rolling_features",
    "rul_labels",
    "rul_report",
    "select_order",
    "windows",
]
