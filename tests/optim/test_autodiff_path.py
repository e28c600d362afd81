"""``minimize`` with ``jac=None`` (gradients by glassml.autodiff) and Hessian-free Newton by
``glassml.autodiff.hvp``: same minimiser as the hand-written gradients and as SciPy.

Reference: the hand-written logistic loss of ``_problems.py`` minimised by SciPy trust-ncg;
tolerance 1e-6 relative, as in ``test_minimize.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from optim._problems import logistic_data, make_logistic
from parity import assert_close

import glassml.autodiff as ad
from glassml.optim import minimize

X, Y = logistic_data()
LAM = 0.1


def logistic_autodiff(w):
    margins = (X @ w) * Y
    return ad.mean(ad.softplus(-margins)) + 0.5 * LAM * ad.sum(w * w)


def _reference():
    import scipy.optimize

    fun, hess = make_logistic(X, Y, LAM)
    return scipy.optimize.minimize(
        fun,
        np.zeros(X.shape[1]),
        jac=True,
        hess=hess,
        method="trust-ncg",
        options={"gtol": 1e-12},
    ).x


def test_autodiff_value_and_gradient_match_hand_written():
    fun, _ = make_logistic(X, Y, LAM)
    w = np.linspace(-0.5, 0.5, X.shape[1])
    value, grad = ad.value_and_grad(logistic_autodiff)(w)
    assert_close(float(value), fun(w)[0], rtol=1e-13, what="loss")
    assert_close(grad, fun(w)[1], rtol=1e-12, atol=1e-15, what="gradient")


@pytest.mark.parametrize("method", ["lbfgs", "newton", "gd", "fista"])
def test_jac_none_reaches_scipy_minimiser(method):
    options = {"lr": 1.0} if method == "gd" else {}
    result = minimize(logistic_autodiff, np.zeros(X.shape[1]), method=method, tol=1e-9, **options)
    assert result.success, result.message
    x_star = _reference()
    assert_close(result.x, x_star, rtol=0, atol=1e-6 * np.max(np.abs(x_star)), what=method)


def test_hessian_free_newton_by_autodiff_hvp_converges_quadratically():
    result = minimize(logistic_autodiff, np.zeros(X.shape[1]), method="newton", tol=1e-12)
    assert result.success, result.message
    norms = result.history["grad_norm"]
    errors = norms[(norms > 1e-11) & (norms < 1e-1)]
    order = np.log(errors[2:] / errors[1:-1]) / np.log(errors[1:-1] / errors[:-2])
    assert order.size and order[-1] > 1.8, (norms, order)
