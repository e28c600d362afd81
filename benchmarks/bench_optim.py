"""L-BFGS against SciPy's L-BFGS-B on the mean logistic loss (200,000 x 100, float64).

Both get the same hand-written NumPy loss and gradient (``jac=True``), the same start and the
same gradient tolerance (infinity norm <= 1e-8; SciPy's ``ftol`` is set to 0 so that both stop
on the gradient). Time is dominated by loss+gradient evaluations, so the ratio measures how many
evaluations each needs.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import scipy.special

from benchmarks._harness import Workload, register
from glassml.optim import minimize

GRADIENT_TOLERANCE = 1e-8


def _setup():
    rng = np.random.default_rng(0)
    n_samples, n_features = 200_000, 100
    X = rng.standard_normal((n_samples, n_features))
    true_w = rng.standard_normal(n_features) / np.sqrt(n_features)
    y = np.where(X @ true_w + 0.5 * rng.standard_normal(n_samples) > 0, 1.0, -1.0)

    def loss_and_grad(w):
        margins = y * (X @ w)
        loss = np.mean(np.logaddexp(0.0, -margins))
        grad = X.T @ (-y * scipy.special.expit(-margins)) / n_samples
        return loss, grad

    return {"fun": loss_and_grad, "x0": np.zeros(n_features)}


def _ours(data):
    return minimize(data["fun"], data["x0"], method="lbfgs", jac=True, tol=GRADIENT_TOLERANCE)


def _scipy(data):
    return scipy.optimize.minimize(
        data["fun"],
        data["x0"],
        jac=True,
        method="L-BFGS-B",
        options={"gtol": GRADIENT_TOLERANCE, "ftol": 0.0, "maxcor": 10, "maxiter": 15_000},
    )


def _check(data, ours, theirs):
    relative = abs(ours.fun - theirs.fun) / abs(theirs.fun)
    return (
        f"loss rel. diff {relative:.1e} | nit/nfev ours {ours.nit}/{ours.nfev} "
        f"scipy {theirs.nit}/{theirs.nfev}"
    )


register(
    Workload(
        name="optim_lbfgs",
        description="L-BFGS vs scipy L-BFGS-B, mean logistic loss 200,000 x 100 (float64)",
        setup=_setup,
        ours=_ours,
        reference=_scipy,
        reference_label="scipy L-BFGS-B",
        target=1.2,
        check=_check,
        repeats=5,
    )
)
