"""Bayesian optimisation: acquisition functions, the ask/tell engine, minimize_bayes and
BayesSearchCV.

Checks and tolerances: EI and PI in closed form equal Monte Carlo estimates from 200,000
draws of the posterior within their standard errors (``assert_within_se``, failure probability
1e-4); the acquisition's analytic gradient in x (chain rule through the GP posterior) agrees
with central differences to 1e-5 relative; on Branin (20 calls, 3 seeds) the median best value
is below 0.6 (the minimum is 0.398; random search's median over the same seeds is reported
beside it and must be worse). The full study (Branin, Hartmann-6, SVC on breast cancer, 10
seeds, vs random search and Optuna's TPE with the same budget) is the slow test.
``BayesSearchCV`` is checked for what ``BaseSearchCV`` promises (``cv_results_``,
``best_params_``, ``refit``) against ``cross_val_score`` of the chosen parameters (1e-12).
"""

from __future__ import annotations

import numpy as np
import pytest
from model_selection._problems import BRANIN_MIN, branin, study
from parity import assert_within_se, check_grad
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

from glassml.gaussian_process import log_marginal_likelihood
from glassml.model_selection import (
    BayesSearchCV,
    Categorical,
    Integer,
    Real,
    minimize_bayes,
)
from glassml.model_selection._acquisition import (
    confidence_bound,
    expected_improvement,
    probability_of_improvement,
)
from glassml.model_selection._bayes import BayesOptimizer, Posterior, SurrogateGP, surrogate_kernel
from glassml.model_selection._space import Space


@pytest.mark.parametrize("mu, sigma", [(0.3, 0.5), (-0.2, 0.1), (1.5, 2.0)])
def test_ei_and_pi_closed_form_equal_monte_carlo(mu, sigma):
    best, xi = 0.1, 0.01
    draws = np.random.default_rng(0).normal(mu, sigma, 200_000)
    improvement = np.maximum(best - xi - draws, 0.0)
    ei = expected_improvement(mu, sigma, best, xi)[0]
    assert_within_se(
        improvement.mean(), ei, improvement.std() / np.sqrt(draws.size), what="EI vs MC"
    )
    below = (draws < best - xi).astype(float)
    pi = probability_of_improvement(mu, sigma, best, xi)[0]
    assert_within_se(below.mean(), pi, below.std() / np.sqrt(draws.size), what="PI vs MC")


def test_acquisition_derivatives_in_mu_and_sigma():
    point = np.array([0.2, 0.7])
    for function in (
        lambda m, s: expected_improvement(m, s, 0.1, 0.01),
        lambda m, s: probability_of_improvement(m, s, 0.1, 0.01),
        lambda m, s: confidence_bound(m, s, 1.96),
    ):
        check_grad(
            lambda p, f=function: np.float64(f(p[0], p[1])[0]),
            point,
            jac=lambda p, f=function: np.array(f(p[0], p[1])[1:], dtype=float),
            tol=1e-6,
        )


def test_acquisition_gradient_in_x_through_the_posterior():
    space = Space([Real(0.0, 1.0), Real(0.0, 1.0), Categorical(["a", "b"])], "space")
    rng = np.random.RandomState(0)
    optimizer = BayesOptimizer(space, n_initial_points=2, random_state=0)
    points = space.from_unit(space.sample(15, rng))
    optimizer.tell(points, [branin([15 * p[0] - 5, 15 * p[1]]) for p in points])
    posterior = Posterior(optimizer.fit_surrogate())
    x0 = np.array([0.3, 0.6, 1.0, 0.0])
    mean, std = posterior(x0[None, :])
    with_gradient = posterior.with_gradient(x0)
    assert np.allclose([with_gradient[0], with_gradient[1]], [mean[0], std[0]], rtol=1e-12)
    check_grad(
        lambda x: posterior.with_gradient(x)[0],
        x0,
        jac=lambda x: posterior.with_gradient(x)[2],
        tol=1e-5,
    )
    check_grad(
        lambda x: posterior.with_gradient(x)[1],
        x0,
        jac=lambda x: posterior.with_gradient(x)[3],
        tol=1e-5,
    )


def test_space_round_trip():
    space = Space(
        {
            "C": Real(1e-3, 1e3, prior="log-uniform"),
            "depth": Integer(1, 8),
            "kernel": Categorical(["rbf", "poly", "linear"]),
            "shorthand": (0.0, 2.0),
        },
        "search_spaces",
    )
    assert space.n_columns == 6
    points = space.from_unit(space.sample(50, np.random.RandomState(0)))
    assert space.from_unit(space.to_unit(points)) == points
    for point in points:
        assert 1e-3 <= point[0] <= 1e3 and isinstance(point[1], int) and 1 <= point[1] <= 8
        assert point[2] in ("rbf", "poly", "linear") and 0.0 <= point[3] <= 2.0
    log_c = np.log10([p[0] for p in space.from_unit(space.sample(4000, np.random.RandomState(1)))])
    # log10 C is uniform on [-3, 3]: mean 0, sd 6 / sqrt(12); p_fail 1e-4 over seeds.
    assert_within_se(np.mean(log_c), 0.0, 6 / np.sqrt(12 * log_c.size), what="mean log10 C")


def test_branin_beats_random_search():
    """Bayesian optimisation ends lower on Branin than random search with the same 20 calls.

    Each BO run's best is placed in the distribution of random search's best after 20 calls
    (2,000 runs): u = the fraction of random searches that ended lower, uniform on [0, 1] for
    a method no better than random search. Over 30 seeds BO gave u = 0.14 +- 0.17 (median
    0.07, max 0.60), so one run alone, or a fixed cut on three (a median below 0.6 held for
    only about 55 % of seed triples), proves little; the mean u of 5 runs reaches 0.5 with
    probability about 4e-5 (bootstrap over those 30 seeds; 5e-7 by the normal approximation).
    """
    space = [Real(-5.0, 10.0), Real(0.0, 15.0)]
    runs = [minimize_bayes(branin, space, 20, n_initial_points=8, random_state=s) for s in range(5)]
    bests = np.array([run.fun for run in runs])
    full = Space(space, "space")
    points = full.from_unit(full.sample(2000 * 20, np.random.RandomState(12345)))
    randoms = np.array([branin(point) for point in points]).reshape(2000, 20).min(axis=1)
    u = np.mean(randoms[:, np.newaxis] < bests, axis=0)
    print(f"BO bests {np.round(bests, 4)}, u {np.round(u, 3)}; random {np.median(randoms):.4f}")
    assert np.mean(u) < 0.5
    assert min(bests) >= BRANIN_MIN - 1e-9


def test_minimize_bayes_history_batches_and_determinism():
    space = {"x": Real(-2.0, 2.0), "n": Integer(0, 5), "c": Categorical(["a", "b"])}

    def fun(p):
        return (p[0] - 0.5) ** 2 + (p[1] - 3) ** 2 + (0.0 if p[2] == "b" else 1.0)

    first = minimize_bayes(fun, space, 16, n_initial_points=6, n_points=3, random_state=1)
    again = minimize_bayes(fun, space, 16, n_initial_points=6, n_points=3, random_state=1)
    assert first.x_iters == again.x_iters
    assert len(first.x_iters) == 16 and first.history_["value"].shape == (16,)
    assert np.all(np.diff(first.history_["best"]) <= 0)
    assert first.fun == first.history_["best"][-1] == fun(first.x)
    assert first.best_params["c"] == "b" and first.best_params["n"] == 3
    # The constant liar never proposes the same point twice within a batch.
    for start in range(6, 16, 3):
        batch = [tuple(p) for p in first.x_iters[start : start + 3]]
        assert len(set(batch)) == len(batch)


@pytest.mark.parametrize("acquisition", ["ei", "pi", "ucb"])
def test_bayes_search_cv_is_a_search_cv(acquisition):
    X, y = load_iris(return_X_y=True)
    spaces = {
        "C": Real(1e-2, 1e3, prior="log-uniform"),
        "gamma": Real(1e-4, 1e1, prior="log-uniform"),
        "kernel": Categorical(["rbf", "sigmoid"]),
    }
    search = BayesSearchCV(
        SVC(), spaces, n_iter=10, n_initial_points=5, cv=3, acquisition=acquisition,
        n_points=2, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert len(search.cv_results_["params"]) == 10
    best = search.best_params_
    assert 1e-2 <= best["C"] <= 1e3 and best["kernel"] in ("rbf", "sigmoid")
    score = cross_val_score(SVC(**best), X, y, cv=3).mean()
    assert abs(search.best_score_ - score) < 1e-12
    assert search.best_score_ == np.max(search.cv_results_["mean_test_score"])
    assert search.best_estimator_.get_params()["C"] == best["C"]
    # score is the refitted best estimator's. Not "score > 0.9": what 10 candidates find is
    # seed luck (over 15 seeds one ended at 0.29 with every candidate on the sigmoid kernel);
    # the search's quality is tested on Branin above and in the slow study.
    refit = SVC(**best).fit(X, y)
    assert search.score(X, y) == refit.score(X, y)
    assert np.array_equal(search.predict(X), refit.predict(X))


def test_bayes_search_cv_multimetric_and_callback():
    X, y = load_iris(return_X_y=True)
    seen = []
    search = BayesSearchCV(
        SVC(), {"C": (0.01, 100.0)}, n_iter=6, n_initial_points=3, cv=3,
        scoring=["accuracy", "f1_macro"], refit="f1_macro", random_state=0,
        callback=lambda s, results: seen.append(len(results["params"])),
    ).fit(X, y)  # fmt: skip
    assert seen == [1, 2, 3, 4, 5, 6]
    assert search.best_score_ == np.max(search.cv_results_["mean_test_f1_macro"])


def test_bad_input_is_named():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="search_spaces"):
        BayesSearchCV(SVC(), {}, n_iter=3).fit(X, y)
    with pytest.raises(ValueError, match="low, high"):
        Real(2.0, 1.0)
    with pytest.raises(ValueError, match="low"):
        Real(0.0, 1.0, prior="log-uniform")
    with pytest.raises(ValueError, match="prior"):
        Real(0.1, 1.0, prior="normal")
    with pytest.raises(ValueError, match="categories"):
        Categorical([])
    with pytest.raises(ValueError, match="n_iter"):
        BayesSearchCV(SVC(), {"C": (0.1, 1.0)}, n_iter=3, n_initial_points=5).fit(X, y)
    with pytest.raises(ValueError, match="scoring"):
        BayesSearchCV(SVC(), {"C": (0.1, 1.0)}, n_iter=3, n_initial_points=2, scoring="nope").fit(
            X, y
        )
    with pytest.raises(ValueError, match="acquisition"):
        BayesSearchCV(SVC(), {"C": (0.1, 1.0)}, acquisition="nope").fit(X, y)
    with pytest.raises(ValueError, match="n_calls"):
        minimize_bayes(branin, [(-5.0, 10.0), (0.0, 15.0)], n_calls=5, n_initial_points=10)
    with pytest.raises(ValueError, match="fun"):
        minimize_bayes(lambda x: "a", [(-5.0, 10.0)], n_calls=3, n_initial_points=2)


@pytest.mark.slow
def test_bayesian_optimisation_study():
    """Median best after n calls over 10 seeds: BO < random search and BO <= TPE."""
    from model_selection._problems import markdown

    table = study()
    print(markdown(table))
    for name in ("branin", "hartmann6", "svc_breast_cancer"):
        ours = np.median(table[name, "bayes"])
        assert ours < np.median(table[name, "random"]), name
        assert ours <= np.median(table[name, "tpe"]), name


FLAT_SPACE = [Real(0.0, 1.0), Real(1e-3, 1e3, prior="log-uniform"), Categorical(list("abcd"))]


@pytest.mark.parametrize("seed", range(8))
def test_flat_objective_tries_every_category(seed):
    """With every value equal the posterior mean is flat, EI = sigma phi(z) - xi Phi(z) grows
    with sigma alone, and sigma is largest in a category never evaluated (the prior's full
    variance there, against a pinned-down explored one). So each model-based proposal opens a
    new category until all are seen: with 2 initial points, all 4 categories by call 2 + 3."""
    result = minimize_bayes(lambda x: 0.32, FLAT_SPACE, 5, n_initial_points=2, random_state=seed)
    assert {point[2] for point in result.x_iters} == set("abcd")
    assert len({tuple(point) for point in result.x_iters}) == 5


def test_near_flat_search_recovers_from_five_useless_starts():
    """The reported defect: SVC on iris, BayesSearchCV seed 1, all five initial candidates on
    the sigmoid kernel, CV accuracy 0.320 four times and 0.313 once. Maximum likelihood fitted
    that as pure noise (signal variance 1e-3, noise 1), so every later candidate stayed near
    the same sigmoid points (best 0.32). The MAP surrogate keeps the prior's variance where
    nothing was seen (the rbf kernel, the box's far corners) and explores there.

    From those five starts, the next ten candidates (batches of two) are drawn with 20
    different seeds of the optimiser's own randomness (candidates, restarts): which of two
    near-equal EI maxima (an untried kernel, an untried corner) wins depends on it, and on the
    last bits of the arithmetic, so one seed's path is not a property. Over 80 such seeds the
    best CV accuracy passed 0.9 in 77 (p_fail ~ 0.04, 95% upper bound 0.10); at least 12 of 20
    must. At p_fail = 0.10, 9 or more failures of 20 have probability 5e-5. With maximum
    likelihood instead (the defect: the prior's terms set to zero) 1 of the 20 passes 0.9.
    """
    X, y = load_iris(return_X_y=True)
    space = Space(
        {
            "C": Real(1e-2, 1e3, prior="log-uniform"),
            "gamma": Real(1e-4, 1e1, prior="log-uniform"),
            "kernel": Categorical(["rbf", "sigmoid"]),
        },
        "search_spaces",
    )
    scores = {}

    def cv_accuracy(point):
        params = space.as_params(point)
        key = tuple(sorted(params.items()))
        if key not in scores:
            scores[key] = cross_val_score(SVC(**params), X, y, cv=3).mean()
        return scores[key]

    reported = BayesOptimizer(space, n_initial_points=5, random_state=1)
    starts = reported.ask(5)
    assert [space.as_params(p)["kernel"] for p in starts] == ["sigmoid"] * 5
    start_scores = [cv_accuracy(p) for p in starts]
    assert max(start_scores) < 0.33  # the seed still reproduces the situation
    bests = []
    for seed in range(20):
        optimizer = BayesOptimizer(space, n_initial_points=5, random_state=100 + seed)
        optimizer._initial = reported._initial  # the reported five starts
        optimizer.tell(optimizer.ask(5), [-v for v in start_scores])
        best = max(start_scores)
        for _ in range(5):
            batch = optimizer.ask(2)
            values = [cv_accuracy(p) for p in batch]
            optimizer.tell(batch, [-v for v in values])
            best = max(best, *values)
        bests.append(best)
    print("bests", np.round(bests, 3))
    assert sum(b > 0.9 for b in bests) >= 12


def test_surrogate_map_gradient():
    """d/dtheta of log p(y | theta) + log p(theta), the MAP objective, against differences."""
    rng = np.random.RandomState(0)
    U = rng.uniform(size=(12, 3))
    y = np.sin(4 * U[:, 0]) + U[:, 1] ** 2
    y = (y - y.mean()) / y.std()
    gp = SurrogateGP(surrogate_kernel(3))
    kernel = surrogate_kernel(3)

    def value(theta):
        k = kernel.clone_with_theta(theta)
        return np.float64(log_marginal_likelihood(k, U, y, 1e-10) + gp._log_prior(theta)[0])

    def gradient(theta):
        k = kernel.clone_with_theta(theta)
        lml_gradient = log_marginal_likelihood(k, U, y, 1e-10, eval_gradient=True)[1]
        return lml_gradient + gp._log_prior(theta)[1]

    check_grad(value, np.array([0.3, -1.0, -0.5, 0.2, -3.0]), jac=gradient, tol=1e-5)


def test_no_point_is_proposed_twice_until_the_space_is_exhausted():
    """A finite space (an Integer with 10 values) is covered in 10 calls without a repeat; a
    categorical x integer space of 6 points likewise, and the 7th call, which must repeat,
    says so."""
    result = minimize_bayes(
        lambda x: (x[0] - 3) ** 2, [Integer(0, 9)], 10, n_initial_points=4, random_state=0
    )
    assert sorted(point[0] for point in result.x_iters) == list(range(10))
    space = [Categorical(["a", "b", "c"]), Integer(0, 1)]
    batch = minimize_bayes(
        lambda x: float(x[1]), space, 6, n_initial_points=3, n_points=2, random_state=0
    )
    assert len({tuple(point) for point in batch.x_iters}) == 6
    with pytest.warns(UserWarning, match="repeating one"):
        minimize_bayes(lambda x: float(x[1]), space, 7, n_initial_points=3, random_state=0)
