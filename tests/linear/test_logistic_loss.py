"""The logistic objective, gradient and Hessian of ``glassml.linear._logistic_loss``.

References and tolerances:
- value: ``sklearn.metrics.log_loss(normalize=False)`` plus the penalty, 1e-12 relative;
- gradient: central finite differences of the value, 1e-6 relative;
- Hessian-vector product: central differences of the closed-form gradient, 1e-6 relative;
  the dense Hessian (minus its gauge projector) times v equals ``hessp`` to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, check_grad
from sklearn.metrics import log_loss

import glassml.autodiff as ad
from glassml.linear._logistic_loss import LogisticObjective

CASES = [
    pytest.param(n_classes, fit_intercept, l2, id=f"K{n_classes}-b{int(fit_intercept)}-l2{l2}")
    for n_classes in (2, 3)
    for fit_intercept in (True, False)
    for l2 in (0.3, 0.0)
]


def make_problem(n_classes, fit_intercept, l2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4))
    y = rng.integers(0, n_classes, size=40)
    weights = rng.uniform(0.5, 2.0, size=40)
    weights /= weights.sum()
    objective = LogisticObjective(X, y, weights, n_classes, fit_intercept, l2)
    theta = rng.normal(size=objective.n_params)
    return objective, theta, rng


@pytest.mark.parametrize(("n_classes", "fit_intercept", "l2"), CASES)
def test_value_matches_sklearn_log_loss(n_classes, fit_intercept, l2):
    objective, theta, _ = make_problem(n_classes, fit_intercept, l2)
    coef, intercept = objective.split(theta)
    logits = objective.X @ coef.T + (0.0 if intercept is None else intercept)
    if n_classes == 2:
        logits = np.column_stack([np.zeros(len(logits)), logits])
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    labels = objective.targets if n_classes == 2 else objective.targets.argmax(axis=1)
    reference = log_loss(
        labels,
        probabilities,
        sample_weight=objective.weights,
        normalize=False,
        labels=np.arange(n_classes),
    ) + 0.5 * l2 * np.sum(coef**2)
    assert_close(objective.value(theta), reference, rtol=1e-12, what="objective")


@pytest.mark.parametrize(("n_classes", "fit_intercept", "l2"), CASES)
def test_gradient_matches_finite_differences(n_classes, fit_intercept, l2):
    objective, theta, _ = make_problem(n_classes, fit_intercept, l2)
    check_grad(objective.value, theta, jac=objective.gradient, tol=1e-6)


@pytest.mark.parametrize(("n_classes", "fit_intercept", "l2"), CASES)
def test_hessp_matches_differences_of_the_gradient(n_classes, fit_intercept, l2):
    objective, theta, _ = make_problem(n_classes, fit_intercept, l2)

    def hessian_by_products(theta):  # column j is H e_j
        return np.column_stack([objective.hessp(theta, unit) for unit in np.eye(theta.size)])

    check_grad(objective.gradient, theta, jac=hessian_by_products, tol=1e-6)


@pytest.mark.parametrize(("n_classes", "fit_intercept", "l2"), CASES)
def test_dense_hessian_is_hessp_plus_gauge_projector(n_classes, fit_intercept, l2):
    objective, theta, _ = make_problem(n_classes, fit_intercept, l2)
    hessian = objective.hessian(theta)
    projector = objective.gauge_projector()
    columns = np.column_stack([objective.hessp(theta, unit) for unit in np.eye(objective.n_params)])
    assert_close(hessian - projector, columns, rtol=1e-12, atol=1e-14, what="dense H")
    # The projector only lifts directions the loss ignores: H P = 0 and H + P is definite.
    assert_close(columns @ projector, np.zeros_like(columns), rtol=0, atol=1e-12, what="H P")
    assert np.linalg.eigvalsh(hessian).min() > 1e-3


def test_mini_batch_gradient_is_unbiased():
    objective, theta, _ = make_problem(3, True, 0.3)
    n_samples = objective.X.shape[0]
    # The average over a partition of the rows into equal batches is the full gradient.
    batches = np.arange(n_samples).reshape(4, -1)
    mean_gradient = np.mean(
        [objective.value_and_gradient(theta, rows)[1] for rows in batches], axis=0
    )
    assert_close(mean_gradient, objective.gradient(theta), rtol=1e-12, what="batch mean")


def autodiff_objective(objective):
    """The same objective written independently with glassml.autodiff ops (the reference)."""
    n_logits, n_columns = objective.n_logits, objective.n_columns
    X, weights = objective.X, objective.weights
    features = np.hstack([X, np.ones((len(X), 1))]) if objective.fit_intercept else X
    coef_mask = np.zeros((n_logits, n_columns))
    coef_mask[:, : X.shape[1]] = 1.0

    def f(theta):
        matrix = ad.reshape(theta, (n_logits, n_columns))
        logits = features @ ad.transpose(matrix)
        if objective.binary:
            z = ad.reshape(logits, (-1,))
            losses = ad.softplus(z) - objective.targets * z
        else:
            losses = ad.logsumexp(logits, axis=1) - ad.sum(logits * objective.targets, axis=1)
        penalty = 0.5 * objective.l2 * ad.sum(matrix * matrix * coef_mask)
        return ad.sum(weights * losses) + penalty

    return f


@pytest.mark.parametrize(("n_classes", "fit_intercept", "l2"), CASES)
def test_closed_forms_match_autodiff(n_classes, fit_intercept, l2):
    objective, theta, rng = make_problem(n_classes, fit_intercept, l2)
    f = autodiff_objective(objective)
    # The reference itself is checked against finite differences first.
    assert ad.check_grad(f, theta) < 1e-7
    value, gradient = ad.value_and_grad(f)(theta)
    assert_close(objective.value(theta), float(value), rtol=1e-13, what="value vs autodiff")
    assert_close(objective.gradient(theta), gradient, rtol=1e-10, atol=1e-14, what="gradient")
    direction = rng.normal(size=objective.n_params)
    assert_close(
        objective.hessp(theta, direction),
        ad.hvp(f, theta, direction),
        rtol=1e-10,
        atol=1e-14,
        what="H v vs autodiff hvp",
    )
