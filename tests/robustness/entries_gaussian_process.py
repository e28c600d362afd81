"""Robustness entries for glassml.gaussian_process (see framework.py)."""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equivariant, opt

from glassml.gaussian_process import (
    RBF,
    ConstantKernel,
    GaussianProcessRegressor,
    Kernel,
    Matern,
    Product,
    Sum,
    WhiteKernel,
    log_marginal_likelihood,
)

_rng = np.random.default_rng(0)
X = _rng.uniform(-2, 2, (12, 2))
Y = _rng.uniform(-2, 2, (5, 2))
y = np.sin(X[:, 0]) + X[:, 1]
W = np.outer(y, y) - np.eye(12)
SCALE_FREE = "the kernel's length scale is absolute: scaling X changes the model, not its units"


def _kernel():
    return ConstantKernel(1.5) * Matern([0.8, 1.2], nu=2.5) + WhiteKernel(0.05)


def _gp(**options):
    return GaussianProcessRegressor(_kernel(), normalize_y=True, random_state=0, **options)


def _fit(X, y, alpha, n_restarts_optimizer, normalize_y):
    gp = GaussianProcessRegressor(
        _kernel(), alpha=alpha, n_restarts_optimizer=n_restarts_optimizer,
        normalize_y=normalize_y, random_state=0, max_iter=30,
    )  # fmt: skip
    return gp.fit(X, y).predict(X)


_fitted = GaussianProcessRegressor(_kernel(), normalize_y=True, optimizer=None).fit(X, y)

ENTRIES = [
    Entry(
        "glassml.gaussian_process.GaussianProcessRegressor.fit",
        _fit,
        {"X": X, "y": y, "alpha": 1e-10, "n_restarts_optimizer": 0, "normalize_y": True},
        arrays=("X", "y"),
        options={"alpha": opt(-1.0), "n_restarts_optimizer": opt(-1), "normalize_y": opt()},
        # normalize_y: predictions scale with y (the noise bound is relative to var(y)).
        scale=(Scale(("y",), equivariant(1.0, rtol=1e-6)),),
        skip={"huge": SCALE_FREE, "tiny": SCALE_FREE},
        compare=lambda a, b: np.testing.assert_allclose(
            np.ravel(b), np.ravel(a), rtol=1e-6, atol=1e-9
        ),
    ),
    Entry(
        "glassml.gaussian_process.GaussianProcessRegressor.predict",
        lambda X, return_std: _fitted.predict(X, return_std=return_std),
        {"X": Y, "return_std": True},
        arrays=("X",),
        options={"return_std": opt()},
        skip={"huge": SCALE_FREE, "tiny": SCALE_FREE},
    ),
    Entry(
        "glassml.gaussian_process.GaussianProcessRegressor.log_marginal_likelihood",
        lambda theta, eval_gradient: _fitted.log_marginal_likelihood(theta, eval_gradient),
        {"theta": _fitted.kernel_.theta, "eval_gradient": True},
        arrays=("theta",),
        options={"eval_gradient": opt()},
        skip={
            "huge": "theta is a log-parameter: exp(1e300) overflows and is refused",
            "tiny": "theta * 1e-300 is a valid theta of about 0 (every parameter 1)",
            "ndim": "theta is a vector; a column theta is refused by shape",
        },
    ),
    Entry(
        "glassml.gaussian_process.GaussianProcessRegressor.sample_y",
        lambda X, n_samples: _fitted.sample_y(X, n_samples=n_samples, random_state=0),
        {"X": Y, "n_samples": 3},
        arrays=("X",),
        options={"n_samples": opt(0, -1)},
        skip={"huge": SCALE_FREE, "tiny": SCALE_FREE},
    ),
    Entry(
        "glassml.gaussian_process.log_marginal_likelihood",
        lambda X, y, alpha: log_marginal_likelihood(_kernel(), X, y, alpha, eval_gradient=True),
        {"X": X, "y": y, "alpha": 1e-8},
        arrays=("X", "y"),
        options={"alpha": opt(-1.0)},
        skip={"huge": SCALE_FREE, "tiny": SCALE_FREE},
    ),
]

# Kernels: the constructor and every public method, each called on points.
for cls, params in [
    (RBF, {"length_scale": 0.9}),
    (Matern, {"length_scale": 0.9, "nu": 1.5}),
    (ConstantKernel, {"constant_value": 2.0}),
    (WhiteKernel, {"noise_level": 0.3}),
]:
    name = f"glassml.gaussian_process.{cls.__name__}"
    options = {key: opt(-1.0, 0.0) for key in params if key != "nu"}
    if "nu" in params:
        options["nu"] = opt(1.0, "1.5", auto=False)
    ENTRIES.append(
        Entry(
            name,
            lambda X, Y, cls=cls, **kw: cls(**kw)(X, Y),
            {"X": X, "Y": Y, **params},
            arrays=("X", "Y"),
            options=options,
            skip={
                "huge": SCALE_FREE,
                "tiny": SCALE_FREE,
                "length": "X and Y are different point sets; their lengths need not match",
            },
        )
    )


def _method_skips(method: str) -> dict[str, str]:
    skips = {
        "huge": SCALE_FREE,
        "tiny": SCALE_FREE,
        "length": "X and Y are different point sets; their lengths need not match",
    }
    if method == "trace_gradient":
        skips["empty"] = "W is fixed at 12 x 12: fewer points are a shape mismatch, not emptiness"
    return skips


_methods = {
    "diag": (lambda k, X, Y: k.diag(X), ("X",)),
    "trace_gradient": (lambda k, X, Y: k.trace_gradient(X, W), ("X",)),
    "gradient_x": (lambda k, X, Y: k.gradient_x(X, Y), ("X", "Y")),
}
for cls, make in [
    (ConstantKernel, lambda: ConstantKernel(2.0)),
    (WhiteKernel, lambda: WhiteKernel(0.3)),
    (Sum, lambda: RBF(0.9) + WhiteKernel(0.1)),
    (Product, lambda: ConstantKernel(2.0) * Matern([0.5, 1.0], nu=0.5)),
    (Kernel, lambda: RBF(0.9) * RBF(2.0)),
    (RBF, lambda: RBF([0.9, 1.3])),
    (Matern, lambda: Matern([0.5, 1.0], nu=1.5)),
]:
    for method, (call, arrays) in _methods.items():
        ENTRIES.append(
            Entry(
                f"glassml.gaussian_process.{cls.__name__}.{method} [{method}]",
                lambda X, Y, make=make, call=call: call(make(), X, Y),
                {"X": X, "Y": Y},
                arrays=arrays,
                skip={
                    "huge": SCALE_FREE,
                    "tiny": SCALE_FREE,
                    "length": "X and Y are different point sets; their lengths need not match",
                    "empty": "checked: at least one point (see the nan/ndim probes)",
                }
                | (
                    {"ndim": "trace_gradient pairs X with the fixed 12x12 weights"}
                    if method == "trace_gradient"
                    else {}
                ),
            )
        )

EXEMPT = {
    "glassml.gaussian_process.Kernel.get_params": "the scikit-learn parameter protocol: returns "
    "the constructor's values, takes no data",
    "glassml.gaussian_process.Kernel.set_params": "the scikit-learn parameter protocol; values "
    "are validated when the kernel is used (validate, GP fit, kernel call)",
    "glassml.gaussian_process.Kernel.clone_with_theta": "theta is validated by the theta setter "
    "(shape) and by the log-marginal-likelihood entry (values)",
    "glassml.gaussian_process.Kernel.validate": "covered by every kernel constructor entry above "
    "(bad option values reach validate through the kernel call and the GP fit)",
    "glassml.gaussian_process.Matern.validate": "as Kernel.validate: exercised through the Matern "
    "constructor entry's bad nu and length_scale values",
    "glassml.gaussian_process.Sum.validate": "as Kernel.validate: each child kernel's validate, "
    "exercised through the registered kernel entries",
    "glassml.gaussian_process.Product.validate": "as Kernel.validate: each child kernel's "
    "validate, exercised through the registered kernel entries",
    "glassml.gaussian_process.Kernel": "abstract base class: instances come from the subclasses, "
    "each registered",
    "glassml.gaussian_process.Sum": "built by k1 + k2 of registered kernels; its methods are "
    "registered above",
    "glassml.gaussian_process.Product": "built by k1 * k2 of registered kernels; its methods are "
    "registered above",
}
