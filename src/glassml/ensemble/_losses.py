"""The losses gradient boosting minimises, with their first and second derivatives.

Each loss is a sum over samples of w_i l(y_i, F_i), where F_i is the raw score (the model's
output before the inverse link). Boosting needs, at the current scores, the gradient
g_i = w_i dl/dF_i and the Hessian h_i = w_i d^2l/dF_i^2 of each sample's term:

    squared_error   l = (F - y)^2 / 2               g = F - y             h = 1
    absolute_error  l = |F - y|                     g = sign(F - y)       h = 1 (leaves are then
                                                                          set to residual medians)
    poisson         l = exp(F) - y F                g = exp(F) - y        h = exp(F)
    log_loss (2)    l = log(1 + exp(F)) - y F       g = p - y             h = p (1 - p),
                                                    p = 1 / (1 + exp(-F))
    log_loss (K)    l = log sum_k exp(F_k) - F_y    g_k = p_k - [y = k]   h_k = p_k (1 - p_k),
                                                    p_k = softmax(F)_k

(the multinomial Hessian is its diagonal, as in scikit-learn and LightGBM). The formulas are
written in the numerically stable forms scikit-learn uses (no overflow for any F), and each
kernel returns the summed loss at the same time, so the loss is recorded at every stage for
free. The initial score ("baseline") is the constant that minimises the loss: the weighted
mean, median, log-mean, log-odds or centred log class frequencies.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.tree._parallel import map_blocks, row_blocks

_BLOCK = 65_536  # rows per block of the loss sum (fixed: the sum's order never changes)


@njit(cache=True, nogil=True)
def _squared_error(y, raw, w, gradient, hessian, start, stop):
    total = 0.0
    for i in range(start, stop):
        d = raw[0, i] - y[i]
        total += w[i] * (0.5 * d * d)
        gradient[0, i] = w[i] * d
        hessian[0, i] = w[i]
    return total


@njit(cache=True, nogil=True)
def _absolute_error(y, raw, w, gradient, hessian, start, stop):
    total = 0.0
    for i in range(start, stop):
        total += w[i] * abs(raw[0, i] - y[i])
        gradient[0, i] = w[i] * (1.0 if raw[0, i] > y[i] else -1.0)
        hessian[0, i] = w[i]
    return total


@njit(cache=True, nogil=True)
def _poisson(y, raw, w, gradient, hessian, start, stop):
    total = 0.0
    for i in range(start, stop):
        mean = np.exp(raw[0, i])
        total += w[i] * (mean - y[i] * raw[0, i])
        gradient[0, i] = w[i] * (mean - y[i])
        hessian[0, i] = w[i] * mean
    return total


@njit(cache=True, nogil=True)
def _binomial(y, raw, w, gradient, hessian, start, stop):
    total = 0.0
    for i in range(start, stop):
        f = raw[0, i]
        t = y[i]
        # From e = exp(-f): l = log(1 + exp(f)) - t f = log1p(e) + (1 - t) f, g = expit(f) - t,
        # h = expit(f) (1 - expit(f)); for very negative f, from exp(f) (no overflow).
        if f > -37.0:
            e = np.exp(-f)
            total += w[i] * (np.log1p(e) + (1.0 - t) * f)
            gradient[0, i] = w[i] * (((1.0 - t) - t * e) / (1.0 + e))
            hessian[0, i] = w[i] * (e / (1.0 + e) ** 2)
        else:
            e = np.exp(f)
            total += w[i] * (e - t * f)
            gradient[0, i] = w[i] * (e - t)
            hessian[0, i] = w[i] * e
    return total


@njit(cache=True, nogil=True)
def _multinomial(y, raw, w, gradient, hessian, start, stop):
    n_classes = raw.shape[0]
    p = np.empty(n_classes)
    total = 0.0
    for i in range(start, stop):
        top = raw[0, i]
        for k in range(1, n_classes):
            top = max(top, raw[k, i])
        s = 0.0
        for k in range(n_classes):
            p[k] = np.exp(raw[k, i] - top)
            s += p[k]
        label = int(y[i])
        total += w[i] * (top + np.log(s) - raw[label, i])
        for k in range(n_classes):
            q = p[k] / s
            gradient[k, i] = (q - (1.0 if label == k else 0.0)) * w[i]
            hessian[k, i] = (q * (1.0 - q)) * w[i]
    return total


def weighted_median(values: np.ndarray, weights: np.ndarray | None) -> float:
    """The median (the lower weighted median when weights are given)."""
    if weights is None:
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


class Loss:
    """A loss: its derivatives (``kernel``), baseline score and inverse link."""

    name = ""
    kernel = None
    constant_hessian = False  # h = w: with unit weights the Hessian sums are the counts

    def __init__(self, n_classes: int = 1) -> None:
        self.n_trees = 1 if n_classes <= 2 else n_classes

    def gradient_hessian(self, y, raw, weight, gradient, hessian) -> float:
        """Fill ``gradient`` and ``hessian`` (shape (n_trees, n), float32) at scores ``raw``
        (shape (n_trees, n)); return the summed loss sum_i w_i l(y_i, F_i).

        Rows are processed in fixed blocks (on several threads for large n) and the blocks'
        losses summed in order, so the result does not depend on the number of threads.
        """
        partial = map_blocks(
            self.kernel, row_blocks(y.shape[0], _BLOCK), y, raw, weight, gradient, hessian
        )
        return float(sum(partial))

    def loss(self, y, raw, weight) -> float:
        """Weighted mean loss at scores ``raw`` (shape (n_trees, n))."""
        scratch = np.empty(raw.shape, dtype=np.float32)
        return self.gradient_hessian(y, raw, weight, scratch, scratch) / weight.sum()

    def baseline(self, y, weight) -> np.ndarray:
        raise NotImplementedError

    def inverse_link(self, raw: np.ndarray) -> np.ndarray:
        """Predictions (or class probabilities) from scores of shape (n, n_trees)."""
        return raw[:, 0]


class SquaredError(Loss):
    name, kernel, constant_hessian = "squared_error", staticmethod(_squared_error), True

    def baseline(self, y, weight):
        return np.array([np.average(y, weights=weight)])


class AbsoluteError(Loss):
    name, kernel, constant_hessian = "absolute_error", staticmethod(_absolute_error), True

    def baseline(self, y, weight):
        unit = bool(np.all(weight == weight[0]))
        return np.array([weighted_median(y, None if unit else weight)])


class Poisson(Loss):
    name, kernel = "poisson", staticmethod(_poisson)

    def baseline(self, y, weight):
        mean = np.average(y, weights=weight)
        return np.array([np.log(max(mean, 10 * np.finfo(np.float64).eps))])

    def inverse_link(self, raw):
        return np.exp(raw[:, 0])


class BinomialLogLoss(Loss):
    name, kernel = "log_loss", staticmethod(_binomial)

    def baseline(self, y, weight):
        eps = np.finfo(np.float64).eps
        p = np.clip(np.average(y, weights=weight), eps, 1 - eps)
        return np.array([np.log(p / (1 - p))])

    def inverse_link(self, raw):
        p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
        return np.column_stack([1.0 - p, p])


class MultinomialLogLoss(Loss):
    name, kernel = "log_loss", staticmethod(_multinomial)

    def baseline(self, y, weight):
        eps = np.finfo(np.float64).eps
        p = np.array([np.average(y == k, weights=weight) for k in range(self.n_trees)])
        log_p = np.log(np.clip(p, eps, 1 - eps))
        return log_p - log_p.mean()

    def inverse_link(self, raw):
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)


REGRESSION_LOSSES = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "poisson": Poisson,
}


def make_loss(name: str, n_classes: int = 1) -> Loss:
    if name == "log_loss":
        return BinomialLogLoss(n_classes) if n_classes <= 2 else MultinomialLogLoss(n_classes)
    return REGRESSION_LOSSES[name](n_classes)
