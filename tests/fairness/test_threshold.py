"""ThresholdOptimizer (an exact LP over the groups' hulls) against fairlearn's grid search.

Reference: ``fairlearn.postprocessing.ThresholdOptimizer`` with the same prefit score. fairlearn
evaluates the groups' trade-off curves on a grid of ``grid_size + 1`` constraint values; the LP
needs no grid. Where the optimum lies on fairlearn's grid the two solve the same problem, so the
problems below are built that way: the optimum of a concave piecewise-linear objective is at a
vertex of some group's curve, at a rate k / m for a group count m, and every m here divides
fairlearn's grid size (1000). There the groups' expected selection rates, true and false
positive rates of the randomised decisions (P(decision = 1 | x) from ``predict_proba`` /
fairlearn's ``_pmf_predict``) and the objective agree to 1e-6 (fairlearn's grid values are
decimals; the LP's tolerance is 1e-9). For equalized odds the lower envelope of the groups' ROC
hulls is one group's hull (the other group's score separates perfectly), so its optimum is a
vertex too. On general data the LP's objective is never below fairlearn's (1e-12) and above it
by less than the grid's resolution allows (the objective's slope is at most 1 per unit rate:
Σ_a share_a / grid_size = 1e-3).

The hull routine is checked against ``scipy.spatial.ConvexHull``; predictions drawn by
``predict`` follow ``predict_proba`` (a binomial bound failing with probability < 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.postprocessing import ThresholdOptimizer as FairlearnThresholdOptimizer
from parity import assert_close
from scipy import stats
from scipy.spatial import ConvexHull
from sklearn.base import BaseEstimator, ClassifierMixin

import glassml.fairness as gf
from glassml.fairness._hull import hull_vertices


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A 'fitted' classifier whose score is column 0 of X (the test controls the scores)."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        score = np.asarray(X)[:, 0]
        return np.column_stack([1 - score, score])

    def predict(self, X):
        return (np.asarray(X)[:, 0] > 0.5).astype(int)


def _grouped(sizes, positives, seed, separable=()):
    """Scores in (0, 1), labels with exactly ``positives[a]`` ones in group a."""
    rng = np.random.default_rng(seed)
    scores, labels, groups = [], [], []
    for a, (size, positive) in enumerate(zip(sizes, positives, strict=True)):
        y = np.zeros(size, dtype=int)
        y[:positive] = 1
        rng.shuffle(y)
        if a in separable:
            s = np.where(y == 1, rng.uniform(0.6, 0.9, size), rng.uniform(0.1, 0.4, size))
        else:
            s = 1 / (1 + np.exp(-(rng.normal(size=size) * 1.3 + 1.2 * (y - 0.5) + 0.3 * a)))
        scores.append(s)
        labels.append(y)
        groups.append(np.full(size, f"g{a}"))
    X = np.column_stack([np.concatenate(scores), rng.normal(size=sum(sizes))])
    return X, np.concatenate(labels), np.concatenate(groups)


def _fit_both(X, y, groups, constraints, objective="accuracy_score", grid_size=1000):
    estimator = ScoreColumn().fit(X, y)
    mine = gf.ThresholdOptimizer(
        estimator, constraints=constraints, objective=objective, prefit=True
    ).fit(X, y, sensitive_features=groups)
    theirs = FairlearnThresholdOptimizer(
        estimator=estimator,
        constraints=constraints,
        objective=objective,
        prefit=True,
        predict_method="predict_proba",
        grid_size=grid_size,
    ).fit(X, y, sensitive_features=groups)
    p_mine = mine.predict_proba(X, sensitive_features=groups)[:, 1]
    p_theirs = theirs._pmf_predict(X, sensitive_features=groups)[:, 1]
    return mine, p_mine, p_theirs


def _group_rates(p, y, groups):
    rates = []
    for label in np.unique(groups):
        rows = groups == label
        rates.append(
            [
                p[rows].mean(),
                p[rows][y[rows] == 1].mean(),
                p[rows][y[rows] == 0].mean(),
            ]
        )
    return np.array(rates)


def _accuracy(p, y):
    return float(np.mean(p * y + (1 - p) * (1 - y)))


@pytest.mark.parametrize(
    "constraints, positives",
    [
        ("demographic_parity", (40, 110, 130, 260)),
        ("true_positive_rate_parity", (50, 125, 125, 250)),
        ("false_positive_rate_parity", (50, 75, 125, 250)),
    ],
)
def test_simple_constraints_match_fairlearn(constraints, positives):
    # Group sizes 100, 200, 250, 500 (and positive / negative counts for the rate
    # constraints) divide fairlearn's grid size of 1000.
    X, y, groups = _grouped((100, 200, 250, 500), positives, seed=len(constraints))
    mine, p_mine, p_theirs = _fit_both(X, y, groups, constraints)
    assert_close(
        _group_rates(p_mine, y, groups), _group_rates(p_theirs, y, groups), rtol=0, atol=1e-6
    )
    assert_close(_accuracy(p_mine, y), _accuracy(p_theirs, y), rtol=0, atol=1e-6)
    assert_close(mine.objective_value_, _accuracy(p_mine, y), rtol=0, atol=1e-12)


def test_equalized_odds_matches_fairlearn():
    # Group 0 has 500 negatives (its ROC vertices at FPR k / 500, on the grid).
    X, y, groups = _grouped((700, 400), (200, 150), seed=3, separable=(1,))
    _mine, p_mine, p_theirs = _fit_both(X, y, groups, "equalized_odds")
    assert_close(
        _group_rates(p_mine, y, groups), _group_rates(p_theirs, y, groups), rtol=0, atol=1e-6
    )
    assert_close(_accuracy(p_mine, y), _accuracy(p_theirs, y), rtol=0, atol=1e-6)
    rates = _group_rates(p_mine, y, groups)
    assert_close(rates[:, 1:], np.broadcast_to(rates[0, 1:], (2, 2)), rtol=0, atol=1e-9)


@pytest.mark.parametrize("constraints", ["demographic_parity", "equalized_odds"])
@pytest.mark.parametrize("objective", ["accuracy_score", "balanced_accuracy_score"])
def test_lp_is_never_worse_than_the_grid(constraints, objective):
    X, y, groups = _grouped((700, 523, 311, 966), (250, 311, 100, 400), seed=11)
    mine, p_mine, p_theirs = _fit_both(X, y, groups, constraints, objective)
    weights = np.array([np.mean(groups == g) for g in np.unique(groups)])
    rates_mine, rates_theirs = _group_rates(p_mine, y, groups), _group_rates(p_theirs, y, groups)

    def objective_of(rates, p):
        if objective == "accuracy_score":
            return _accuracy(p, y)
        return float(weights @ (0.5 * rates[:, 1] + 0.5 * (1 - rates[:, 2])))

    ours, theirs = objective_of(rates_mine, p_mine), objective_of(rates_theirs, p_theirs)
    assert ours >= theirs - 1e-12
    assert ours - theirs <= 1e-3
    assert_close(mine.objective_value_, ours, rtol=0, atol=1e-12)
    columns = [0] if constraints == "demographic_parity" else [1, 2]
    spread = np.ptp(rates_mine[:, columns], axis=0)
    assert np.all(spread <= 1e-9)


def test_tolerance_relaxes_the_constraint():
    X, y, groups = _grouped((400, 400), (100, 260), seed=4)
    estimator = ScoreColumn().fit(X, y)
    exact = gf.ThresholdOptimizer(estimator, prefit=True).fit(X, y, sensitive_features=groups)
    loose = gf.ThresholdOptimizer(estimator, prefit=True, tolerance=0.05).fit(
        X, y, sensitive_features=groups
    )
    spread = np.ptp(loose.constraint_values_["selection_rate"])
    assert spread <= 0.05 + 1e-9
    assert loose.objective_value_ >= exact.objective_value_ - 1e-12


def test_flip_can_only_help():
    # In group 1 the score runs backwards: rules "score < t" serve it better.
    X, y, groups = _grouped((300, 300), (100, 150), seed=5)
    X[groups == "g1", 0] = 1 - X[groups == "g1", 0]
    estimator = ScoreColumn().fit(X, y)
    plain = gf.ThresholdOptimizer(estimator, prefit=True, constraints="equalized_odds").fit(
        X, y, sensitive_features=groups
    )
    flipped = gf.ThresholdOptimizer(
        estimator, prefit=True, constraints="equalized_odds", flip=True
    ).fit(X, y, sensitive_features=groups)
    assert flipped.objective_value_ > plain.objective_value_ + 0.02
    assert "<" in set(flipped.rules_["g1"]["operation"])


def test_sampled_decisions_follow_predict_proba():
    X, y, groups = _grouped((2000, 2000), (600, 1000), seed=6)
    model = gf.ThresholdOptimizer(ScoreColumn().fit(X, y), prefit=True).fit(
        X, y, sensitive_features=groups
    )
    p = model.predict_proba(X, sensitive_features=groups)[:, 1]
    draws = np.mean(
        [model.predict(X, sensitive_features=groups, random_state=k) for k in range(50)], axis=0
    )
    # Each of the 4000 rows: 50 Bernoulli(p) draws; bound their mean at p_fail 1e-6 overall.
    z = stats.norm.isf(1e-6 / (2 * p.size))
    se = np.sqrt(p * (1 - p) / 50)
    assert np.all(np.abs(draws - p) <= z * se + 1e-12)
    assert 0.0 < np.mean((p > 0) & (p < 1))  # some rows are randomised


def test_fits_the_estimator_when_not_prefit(german):
    from sklearn.linear_model import LogisticRegression

    model = gf.ThresholdOptimizer(
        LogisticRegression(max_iter=1000), constraints="equal_opportunity"
    )
    model.fit(german["X"], german["y_true"], sensitive_features=german["sex"])
    p = model.predict_proba(german["X"], sensitive_features=german["sex"])[:, 1]
    tpr = [p[(german["sex"] == s) & (german["y_true"] == 1)].mean() for s in ("female", "male")]
    assert abs(tpr[0] - tpr[1]) < 1e-9


def test_hull_vertices_match_qhull():
    rng = np.random.default_rng(7)
    for _ in range(20):
        points = rng.random((int(rng.integers(5, 60)), 2))
        mine = set(hull_vertices(points[:, 0], points[:, 1]).tolist())
        assert mine == set(ConvexHull(points).vertices.tolist())


# ------------------------------------------------------------------------------ bad input
def test_bad_input_is_named():
    X, y, groups = _grouped((100, 100), (30, 60), seed=8)
    estimator = ScoreColumn().fit(X, y)
    model = gf.ThresholdOptimizer(estimator, prefit=True)
    with pytest.raises(ValueError, match="sensitive_features: expected at least 2 groups"):
        model.fit(X, y, sensitive_features=np.full(200, "g0"))
    with pytest.raises(ValueError, match="y: expected binary labels"):
        model.fit(X, y * 2, sensitive_features=groups)
    model.fit(X, y, sensitive_features=groups)
    with pytest.raises(ValueError, match="sensitive_features: expected groups seen in fit"):
        model.predict_proba(X, sensitive_features=np.full(200, "g9"))
    no_positive = y.copy()
    no_positive[groups == "g1"] = 0
    with pytest.raises(ValueError, match="y: group 'g1' has no positive labels"):
        gf.ThresholdOptimizer(estimator, prefit=True, constraints="equalized_odds").fit(
            X, no_positive, sensitive_features=groups
        )
    with pytest.raises(ValueError, match="objective"):
        gf.ThresholdOptimizer(
            estimator, prefit=True, constraints="equalized_odds", objective="selection_rate"
        ).fit(X, y, sensitive_features=groups)
    with pytest.raises(ValueError, match="constraints"):
        gf.ThresholdOptimizer(estimator, constraints="parity").fit(X, y, sensitive_features=groups)
