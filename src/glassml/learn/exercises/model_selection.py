"""Tuning: the Gaussian-process posterior and expected improvement, the two halves of Bayesian
optimisation. References are glassml.gaussian_process's regressor and
glassml.model_selection's acquisition function."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from glassml.gaussian_process import RBF, GaussianProcessRegressor
from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    holds,
    matrices,
    near,
    register,
    st,
    vectors,
)
from glassml.model_selection._acquisition import expected_improvement as glassml_ei

# --------------------------------------------------------------------------- GP posterior


def _posterior_reference(X, y, X_new, length_scale, noise):
    model = GaussianProcessRegressor(RBF(length_scale), alpha=noise, optimizer=None).fit(X, y)
    mean, std = model.predict(X_new, return_std=True)
    return mean, std**2


@st.composite
def _gp_inputs(draw):
    n = draw(st.integers(1, 5))
    d = draw(st.integers(1, 2))
    X = draw(matrices(n, d, grid(-3, 3)))
    y = draw(vectors(n, grid(-3, 3)))
    X_new = draw(matrices(st.integers(1, 4), d, grid(-3, 3)))
    return X, y, X_new, draw(st.sampled_from([0.5, 1.0, 2.0])), draw(st.sampled_from([0.1, 0.5]))


def _kernel(A, B, length_scale):
    d2 = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
    return np.exp(-0.5 * d2 / length_scale**2)


def _no_noise(e, o, X, y, Xs, ell, noise):
    """The noise-free posterior, judged only on an output that the noise changes: with y = 0
    every mean is 0, and a wrong variance must not be blamed on the noise."""
    K = _kernel(X, X, ell) + 1e-10 * np.eye(len(X))
    K_star = _kernel(X, Xs, ell)
    mean = K_star.T @ np.linalg.solve(K, y)
    variance = 1.0 - np.sum(K_star * np.linalg.solve(K, K_star), 0)
    return (near(o[0], mean, rtol=1e-4) and not near(e[0], mean, rtol=1e-4)) or (
        near(o[1], variance, rtol=1e-4) and not near(e[1], variance, rtol=1e-4)
    )


gp_posterior = Exercise(
    "model-selection/gp-posterior",
    "The Gaussian-process posterior mean and variance",
    "gp_posterior(X, y, X_new, length_scale, noise)",
    lesson="model-selection/bayesian-optimisation",
    returns=("mean", "variance"),
    summary="With k(x, x') = exp(-|x - x'|^2 / (2 l^2)), K = k(X, X) + noise I: "
    "mean = k(X_new, X) K^-1 y, variance = k(x, x) - k(x, X) K^-1 k(X, x).",
    checks=[
        agrees(
            "agrees with glassml.gaussian_process.GaussianProcessRegressor (fixed kernel)",
            _gp_inputs(),
            _posterior_reference,
            rtol=1e-6,
            atol=1e-8,
            hint="Solve with K = k(X, X) + noise I (Cholesky or solve, never inv): "
            "mean = K_*^T K^-1 y and variance = 1 - diag(K_*^T K^-1 K_*) for the RBF kernel "
            "exp(-|x - x'|^2 / (2 l^2)).",
            diagnoses=[
                (_no_noise, "the noise variance is not added to the diagonal of K"),
                (
                    lambda e, o, X, y, Xs, ell, noise: near(o[1], 1 - e[1]),
                    "the variance is the prior variance minus the explained part, "
                    "k(x, x) - k_*^T K^-1 k_*",
                ),
            ],
        ),
        holds(
            "the variance never exceeds the prior variance k(x, x) = 1",
            _gp_inputs(),
            lambda out, *args: (
                None
                if np.all(np.asarray(out[1], dtype=float) <= 1 + 1e-9)
                and np.all(np.asarray(out[1], dtype=float) >= -1e-9)
                else f"variance {np.asarray(out[1])} outside [0, 1]"
            ),
            hint="Observing data can only reduce uncertainty: 0 <= variance <= k(x, x).",
        ),
    ],
)

# --------------------------------------------------------------------------- EI


def _ei_reference(mu, sigma, best):
    return glassml_ei(mu, sigma, best)[0]


@st.composite
def _ei_inputs(draw):
    n = draw(st.integers(1, 5))
    mu = draw(vectors(n, grid(-3, 3)))
    sigma = draw(vectors(n, grid(0.5, 3)))
    return mu, sigma, draw(grid(-3, 3))


def _ei_maximising(e, o, mu, sigma, best):
    z = (mu - best) / sigma
    return near(o, (mu - best) * norm.cdf(z) + sigma * norm.pdf(z))


expected_improvement = Exercise(
    "model-selection/expected-improvement",
    "Expected improvement (for minimisation)",
    "expected_improvement(mu, sigma, best)",
    lesson="model-selection/bayesian-optimisation",
    summary="EI = (best - mu) Phi(z) + sigma phi(z), z = (best - mu) / sigma; "
    "max(best - mu, 0) where sigma = 0.",
    checks=[
        agrees(
            "agrees with glassml.model_selection's expected improvement",
            _ei_inputs(),
            _ei_reference,
            hint="E[max(best - f, 0)] for f ~ N(mu, sigma^2): integrate the improvement "
            "against the normal density; z = (best - mu) / sigma, and both terms are needed.",
            diagnoses=[
                (_ei_maximising, "the improvement is for maximisation (mu - best)"),
                (
                    lambda e, o, mu, s, b: near(o, (b - mu) * norm.cdf((b - mu) / s)),
                    "the sigma phi(z) term (the value of uncertainty) is missing",
                ),
            ],
        ),
        agrees(
            "edge case: no uncertainty, sigma = 0",
            [
                (np.array([0.0, 2.0]), np.array([0.0, 0.0]), 1.0),
                (np.array([1.0]), np.array([0.0]), 1.0),
            ],
            _ei_reference,
            hint="With sigma = 0 the value is known: EI = max(best - mu, 0). Avoid 0 / 0.",
        ),
        holds(
            "EI is never negative",
            _ei_inputs(),
            lambda out, *args: (
                None if np.all(np.asarray(out, dtype=float) >= -1e-12) else f"negative EI {out}"
            ),
            hint="EI is the expectation of a non-negative quantity.",
        ),
    ],
)

register(gp_posterior, expected_improvement)
