"""Autodiff overhead: ``value_and_grad`` of the mean logistic loss vs hand-written NumPy.

Target from the issue: ratio <= 1.3 on 200,000 x 100 float64 (the tape must add little). Both
sides do the same arithmetic: one ``X @ w``, the stable loss, one ``X^T r``; the difference is
the cost of recording and replaying the graph.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from benchmarks._harness import Workload, register


def _logistic_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 100))
    w_true = rng.normal(size=100) / 10
    y = (rng.random(200_000) < special.expit(X @ w_true)).astype(np.float64)
    return X, y, rng.normal(size=100) / 10


def _logistic_ours(data):
    import glassml.autodiff as ad

    X, y, w = data

    def mean_logistic_loss(w):
        z = X @ w
        return ad.mean(ad.softplus(z) - y * z)

    return ad.value_and_grad(mean_logistic_loss)(w)


def _logistic_numpy(data):
    X, y, w = data
    z = X @ w
    loss = np.mean(np.logaddexp(0, z) - y * z)
    gradient = X.T @ (special.expit(z) - y) / X.shape[0]
    return loss, gradient


def _logistic_check(data, ours, reference) -> str:
    loss_difference = abs(ours[0] - reference[0]) / abs(reference[0])
    gradient_difference = np.abs(ours[1] - reference[1]).max() / np.abs(reference[1]).max()
    return f"loss rel. diff {loss_difference:.1e}, grad max rel. diff {gradient_difference:.1e}"


register(
    Workload(
        name="autodiff_logistic",
        description="value_and_grad of mean logistic loss, 200,000 x 100 float64, vs NumPy",
        setup=_logistic_data,
        ours=_logistic_ours,
        reference=_logistic_numpy,
        reference_label="numpy",
        target=1.3,
        check=_logistic_check,
        repeats=9,
    )
)
