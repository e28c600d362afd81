"""Time series: correlograms, autoregression, exponential smoothing, panel features for many
units, cross-validation by time, and the remaining-useful-life helpers of predictive
maintenance."""

from glassml.timeseries._autoregression import AutoRegression, OrderSelection, select_order
from glassml.timeseries._correlation import Correlogram, acf, ljung_box, pacf
from glassml.timeseries._smoothing import ExponentialSmoothing

__all__ = [
    "AutoRegression",
    "Correlogram",
    "ExponentialSmoothing",
    "OrderSelection",
    "acf",
    "ljung_box",
    "pacf",
    "select_order",
]
