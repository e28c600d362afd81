"""Robustness entries of glassml.naive_bayes.

Gaussian naive Bayes is equivariant in the units of X: a model fitted and queried at ``X * s``
predicts what it does at X. A model fitted at X and queried at ``X * s``:

- at 1e300 every sample is far from every class, and the class whose variances make
  ``sum_j x_j^2 / var_cj`` smallest wins with probability 1 (its log-likelihood,
  about ``-1e600``, is beyond float64: refused by name);
- at 1e-300 every sample sits at the origin: the posterior of x = 0 for every row.

Both limits are computed here from the fitted means, variances and priors.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equals, invariant, opt
from scipy.special import log_softmax, softmax

from glassml.naive_bayes import GaussianNB

RNG = np.random.default_rng(2)
Y = np.repeat([0, 1, 2], 10)
X = RNG.normal(size=(30, 3)) * np.array([1.0, 2.0, 0.5]) + Y[:, None] * np.array([1.0, -1.0, 0.5])
MODEL = GaussianNB().fit(X, Y)

_FAR = np.argmin((X**2) @ (1.0 / MODEL.var_).T, axis=1)  # argmin_c sum_j x_j^2 / var_cj
_AT_ORIGIN = (
    np.log(MODEL.class_prior_)
    - 0.5 * np.sum(np.log(2 * np.pi * MODEL.var_), axis=1)
    - 0.5 * np.sum(MODEL.theta_**2 / MODEL.var_, axis=1)
)
_ORIGIN_ROWS = np.tile(_AT_ORIGIN, (30, 1))


def _method_entry(method, huge, tiny):
    scale = [Scale(("X",), equals(tiny, rtol=1e-9), families=("tiny",))]
    if huge is not None:
        scale.append(Scale(("X",), equals(huge), families=("huge",)))
    return Entry(
        f"glassml.naive_bayes.GaussianNB.{method}",
        lambda X: getattr(MODEL, method)(X),
        {"X": X},
        arrays=("X",),
        scale=tuple(scale),
    )


ENTRIES = [
    Entry(
        "glassml.naive_bayes.GaussianNB.fit",
        lambda X, y, **params: GaussianNB(**params).fit(X, y).predict_proba(X),
        {"X": X, "y": Y, "var_smoothing": 1e-9, "priors": None},
        arrays=("X",),
        labels=("y",),
        options={
            "var_smoothing": opt(-1.0),
            "priors": opt([0.5, 0.5], [-0.2, 0.6, 0.6], [0.2, 0.2, 0.2], "uniform", auto=False),
        },
        scale=(Scale(("X",), invariant(1e-9, 1e-12)),),
    ),
    _method_entry("predict", _FAR, np.full(30, np.argmax(_AT_ORIGIN))),
    _method_entry("predict_proba", np.eye(3)[_FAR], softmax(_ORIGIN_ROWS, axis=1)),
    # At 1e300 the log-probabilities of the losing classes are about -1e600: refused by name.
    _method_entry("predict_log_proba", None, log_softmax(_ORIGIN_ROWS, axis=1)),
    _method_entry("predict_joint_log_proba", None, _ORIGIN_ROWS),
]
