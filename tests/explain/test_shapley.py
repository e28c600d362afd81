"""Shapley explainers: axioms, and agreement with shap.

References and tolerances:
- efficiency (sum of values = f(x) - E_b f(b)) to 1e-10 for ExactExplainer, KernelExplainer
  (full and sampled), LinearExplainer (both games); TreeExplainer to 1e-10 against the model's
  own ``predict`` / ``decision_function``;
- symmetry, dummy and linearity on constructed models, exact to 1e-12;
- KernelExplainer with every coalition == ExactExplainer to 1e-10, and == shap.KernelExplainer
  (same background, full enumeration) to 1e-6;
- sampled KernelExplainer vs shap.KernelExplainer and vs the exact values: within Monte Carlo
  error, from 30 seeds of each; see ``test_sampled_kernel_within_monte_carlo_error``;
- LinearExplainer vs shap.LinearExplainer (interventional) to 1e-10; correlation-dependent vs
  a brute-force Gaussian conditional-expectation game written here, to 1e-10.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from parity import assert_close, assert_within_se

from glassml.explain import ExactExplainer, KernelExplainer, LinearExplainer

M = 6


def model(X):
    """Non-linear, with interactions; feature 5 is a dummy."""
    return np.tanh(X[:, 0] * X[:, 1]) + X[:, 2] ** 2 - np.sin(X[:, 3]) * X[:, 4]


def two_outputs(X):
    return np.column_stack([model(X), X[:, 0] - X[:, 3] * X[:, 2]])


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, M)), rng.normal(size=(4, M))


def brute_force_shapley(v, n_features):
    """phi_i = sum_S |S|!(M-|S|-1)!/M! (v(S+i) - v(S)), straight from the definition."""
    phi = np.zeros(n_features)
    for i in range(n_features):
        others = [j for j in range(n_features) if j != i]
        for size in range(n_features):
            w = math.factorial(size) * math.factorial(n_features - size - 1)
            w /= math.factorial(n_features)
            for S in itertools.combinations(others, size):
                phi[i] += w * (v(set(S) | {i}) - v(set(S)))
    return phi


def test_exact_matches_the_definition_and_is_efficient(problem):
    background, X = problem
    e = ExactExplainer(model, background)(X)

    def v(S, x):
        Z = background.copy()
        Z[:, sorted(S)] = x[sorted(S)]
        return model(Z).mean()

    for row in range(2):
        truth = brute_force_shapley(lambda S, x=X[row]: v(S, x), M)
        assert_close(e.values[row], truth, rtol=0, atol=1e-12, what="Shapley values")
    assert_close(e.output_sum(), model(X), rtol=0, atol=1e-10, what="efficiency")
    assert_close(e.base_values, np.full(len(X), model(background).mean()), rtol=1e-14)


def test_multi_output_shapes_and_efficiency(problem):
    background, X = problem
    for explainer in (
        ExactExplainer(two_outputs, background),
        KernelExplainer(two_outputs, background, n_samples=40, random_state=0),
    ):
        e = explainer(X)
        assert e.values.shape == (len(X), M, 2) and e.base_values.shape == (len(X), 2)
        assert_close(e.output_sum(), two_outputs(X), rtol=0, atol=1e-10, what="efficiency")
        assert e[1, 0].values.shape == (1, M)


def test_axioms_symmetry_dummy_linearity():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(8, 4))
    base[:, 1] = base[:, 0]  # symmetric background in features 0 and 1
    x = np.array([[0.7, 0.7, -1.2, 3.0]])

    def f(X):  # symmetric in x0, x1; x3 is a dummy
        return np.exp(0.3 * (X[:, 0] + X[:, 1])) * X[:, 2] + X[:, 0] * X[:, 1]

    def g(X):
        return np.sin(X[:, 2]) + X[:, 0] ** 3

    for make in (
        lambda h: ExactExplainer(h, base),
        lambda h: KernelExplainer(h, base, n_samples=1000),
    ):
        phi = make(f)(x).values[0]
        assert abs(phi[0] - phi[1]) <= 1e-12, "symmetry"
        assert abs(phi[3]) <= 1e-12, "dummy"
        combined = make(lambda X: f(X) + 2 * g(X))(x).values
        assert_close(combined, make(f)(x).values + 2 * make(g)(x).values, rtol=0, atol=1e-12)


def test_full_kernel_equals_exact_and_shap(problem):
    import shap

    background, X = problem
    exact = ExactExplainer(model, background)(X).values
    kernel = KernelExplainer(model, background, n_samples=2**M - 2)(X).values
    assert_close(kernel, exact, rtol=0, atol=1e-10, what="full Kernel SHAP vs exact")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = shap.KernelExplainer(model, background).shap_values(X, nsamples=2**M, silent=True)
    assert_close(kernel, theirs, rtol=0, atol=1e-6, what="Kernel SHAP vs shap (full)")


def test_sampled_kernel_within_monte_carlo_error():
    """Budget 300 of 2^10 - 2 coalitions on one row, 30 seeds of each implementation.

    Each estimator's per-feature mean over R = 30 seeds has standard error s / sqrt(R), with s
    the sample standard deviation across seeds. (1) our mean is within 5.33 standard errors
    of the exact Shapley values: p_fail 1e-4 with Bonferroni over 10 features, from Student's
    t with R - 1 = 29 degrees of freedom because s is estimated from the 30 seeds (the
    normal's 4.42 would fail 1.3e-3 of the time); a biased or mis-weighted sampler fails.
    (2) our mean and shap's are within the same bound of each other, se = sqrt(s_ours^2 +
    s_shap^2) / sqrt(R) (Welch's degrees of freedom are at least 29, so 29 is conservative).
    The ratio-estimator bias of a weighted
    least-squares solve is O(1/n_samples) of the value, well below s / sqrt(R) here.
    """
    import shap

    rng = np.random.default_rng(3)
    n_features, R = 10, 30
    background = rng.normal(size=(6, n_features))
    x = rng.normal(size=(1, n_features))
    w = rng.normal(size=n_features)

    def f(X):
        return np.tanh(X @ w) + X[:, 0] * X[:, 1] - X[:, 2] * X[:, 7] ** 2

    exact = ExactExplainer(f, background)(x).values[0]
    ours = np.array(
        [
            KernelExplainer(f, background, n_samples=300, random_state=s)(x).values[0]
            for s in range(R)
        ]
    )
    theirs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.KernelExplainer(f, background)
        for s in range(R):
            np.random.seed(s)  # noqa: NPY002 - shap samples from the legacy global generator
            theirs.append(explainer.shap_values(x, nsamples=300, silent=True)[0])
    theirs = np.array(theirs)
    assert np.all(ours.std(axis=0) > 0), "sampling must actually vary with the seed"
    se = ours.std(0, ddof=1) / np.sqrt(R)
    assert_within_se(ours.mean(0), exact, se, dof=R - 1, what="ours vs exact")
    se = np.sqrt(ours.var(0, ddof=1) + theirs.var(0, ddof=1)) / np.sqrt(R)
    assert_within_se(ours.mean(0) - theirs.mean(0), 0.0, se, dof=R - 1, what="ours vs shap")
    for run in ours:
        assert abs(run.sum() - (f(x)[0] - f(background).mean())) <= 1e-10, "efficiency"


def test_kernel_design_enumerates_from_both_ends_then_samples():
    from glassml.explain._kernel import coalition_design

    masks, weights, enumerated = coalition_design(20, 2048, np.random.default_rng(0))
    sizes = masks.sum(axis=1)
    assert enumerated == 2 and len(masks) == 2048
    for s in (1, 2, 18, 19):
        assert np.sum(sizes == s) == math.comb(20, s)
    assert len({row.tobytes() for row in masks}) == 2048, "sampled without replacement"
    assert np.array_equal(np.sort(sizes[420:][::1]), np.sort(20 - sizes[420:])), "paired"
    # Each size class carries its total Shapley-kernel weight (M-1)/(s(M-s)).
    for s in np.unique(sizes):
        assert abs(weights[sizes == s].sum() - 19 / (s * (20 - s))) <= 1e-12


def test_batched_kernel_equals_one_coalition_per_call():
    """The batched path (many explained rows' synthetic data in one model call, one buffer
    reused across calls) against the unbatched one (one model call per (row, coalition)
    pair) and against a per-row loop written here: v(z) as a plain weighted mean over the
    background, and the constrained weighted least squares solved through its KKT system by
    ``lstsq`` (not the QR elimination the explainer uses). Same seed, same coalitions: to 1e-10.
    """
    rng = np.random.default_rng(5)
    n_features = 9
    background, X = rng.normal(size=(7, n_features)), rng.normal(size=(5, n_features))
    weights = rng.uniform(0.5, 2.0, size=7)
    calls = []

    def f(Z):
        calls.append(len(Z))
        return np.column_stack([model(Z[:, :M]) + Z[:, 7] * Z[:, 8], np.tanh(Z[:, 6] - Z[:, 0])])

    def explain(batch_rows):
        calls.clear()
        explainer = KernelExplainer(
            f,
            background,
            n_samples=200,
            random_state=4,
            background_weights=weights,
            batch_rows=batch_rows,
        )
        return explainer(X).values, list(calls)

    batched, batched_calls = explain(10_000)
    unbatched, unbatched_calls = explain(1)
    # Batched: every (row, coalition) pair of all five rows in one call (after the probe,
    # E f(background) and the empty/full coalitions); unbatched: one call per pair.
    assert batched_calls[-1] == 5 * 200 * 7
    assert len(unbatched_calls) >= 5 * 200 and max(unbatched_calls[3:]) == 7
    assert_close(batched, unbatched, rtol=0, atol=1e-10, what="batched vs unbatched")

    from glassml.explain._kernel import coalition_design

    masks, kernel_weights, _ = coalition_design(n_features, 200, np.random.default_rng(4))
    w = weights / weights.sum()
    for row, x in enumerate(X):

        def v(mask, x=x):
            return w @ f(np.where(mask, x, background))

        v0, v1 = v(np.zeros(n_features, bool)), v(np.ones(n_features, bool))
        y = np.array([v(mask) for mask in masks]) - v0
        # KKT system of min sum_z pi(z) (y_z - z . phi)^2 subject to 1 . phi = v1 - v0.
        Z = masks.astype(float)
        A = np.block(
            [
                [Z.T @ (kernel_weights[:, None] * Z), np.ones((n_features, 1))],
                [np.ones((1, n_features)), np.zeros((1, 1))],
            ]
        )
        for k in range(2):
            rhs = np.concatenate([Z.T @ (kernel_weights * y[:, k]), [v1[k] - v0[k]]])
            phi = np.linalg.lstsq(A, rhs, rcond=None)[0][:n_features]
            assert_close(batched[row, :, k], phi, rtol=0, atol=1e-10, what="vs KKT solve")


def test_background_summary_is_weighted_kmeans(problem):
    rng = np.random.default_rng(2)
    background = rng.normal(size=(1500, 3))
    f = lambda X: X @ np.array([1.0, -2.0, 0.5])  # noqa: E731
    explainer = KernelExplainer(f, background, random_state=0)
    assert explainer.background.shape[0] == 100
    assert abs(explainer.background_weights.sum() - 1) <= 1e-12
    # k-means centres with cluster weights keep the background mean exactly.
    assert_close(
        explainer.background_weights @ explainer.background, background.mean(0), rtol=0, atol=1e-10
    )
    e = explainer(background[:3])
    assert_close(e.output_sum(), f(background[:3]), rtol=0, atol=1e-10)


def test_bad_input_is_named(problem):
    background, X = problem
    with pytest.raises(ValueError, match="n_samples"):
        KernelExplainer(model, background, n_samples=2 * M + 1)
    with pytest.raises(ValueError, match="model_fn"):
        ExactExplainer(lambda Z: np.ones((len(Z), 2, 2)), background)
    with pytest.raises(ValueError, match="model_fn"):
        ExactExplainer(lambda Z: np.full(len(Z), np.nan), background)
    with pytest.raises(ValueError, match="model_fn"):
        ExactExplainer(lambda Z: np.ones(len(Z) + 1), background)
    with pytest.raises(ValueError, match="X"):
        ExactExplainer(model, background)(X[:, :3])
    with pytest.raises(ValueError, match="KernelExplainer"):
        ExactExplainer(lambda Z: Z[:, 0], np.zeros((2, 17)))


# ----------------------------------------------------------------------------- linear


def test_linear_matches_shap_and_is_efficient():
    import shap
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from glassml.linear import LinearRegression as OurLinear
    from glassml.linear import LogisticRegression as OurLogistic

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    y = X @ rng.normal(size=5) + rng.normal(size=300)
    labels = (y > np.median(y)).astype(int)
    for model_ in (
        LinearRegression().fit(X, y),
        LogisticRegression().fit(X, labels),
        OurLinear().fit(X, y),
        OurLogistic().fit(X, labels),
    ):
        ours = LinearExplainer(model_, X[:100])(X[100:120])
        raw = (
            model_.decision_function(X[100:120])
            if hasattr(model_, "decision_function")
            else model_.predict(X[100:120])
        )
        assert_close(ours.output_sum(), np.ravel(raw), rtol=0, atol=1e-10, what="efficiency")
        if type(model_).__module__.startswith("sklearn"):
            theirs = shap.LinearExplainer(model_, X[:100])
            assert_close(ours.values, theirs.shap_values(X[100:120]), rtol=0, atol=1e-10)
            assert_close(
                ours.base_values[0], np.ravel(theirs.expected_value)[0], rtol=0, atol=1e-10
            )


def test_correlation_dependent_is_the_gaussian_conditional_game():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    background = rng.normal(size=(400, 4)) @ A
    w, b = rng.normal(size=4), 0.3

    class Model:
        coef_, intercept_ = w, b

    x = rng.normal(size=4) @ A
    e = LinearExplainer(Model(), background, "correlation_dependent")(x[None])
    mu = background.mean(0)
    sigma = np.cov(background.T, bias=True)

    def v(S):
        S = sorted(S)
        if not S:
            return w @ mu + b
        rest = [j for j in range(4) if j not in S]
        conditional = mu.copy()
        conditional[S] = x[S]
        conditional[rest] = mu[rest] + sigma[np.ix_(rest, S)] @ np.linalg.solve(
            sigma[np.ix_(S, S)], x[S] - mu[S]
        )
        return w @ conditional + b

    assert_close(e.values[0], brute_force_shapley(v, 4), rtol=0, atol=1e-10)
    assert_close(e.output_sum(), [w @ x + b], rtol=0, atol=1e-10, what="efficiency")
