"""ExponentiatedGradient against fairlearn's.

Reference: ``fairlearn.reductions.ExponentiatedGradient`` with the same base estimator, the same
eps and the same constraint bound (``DemographicParity`` / ``EqualizedOdds``
(difference_bound=0.01)). Required: the mixture's constraint violation on the training data,
max_j γ_j(Q) - bound, is at most eps (Theorem 1 of Agarwal et al. gives (1 + 2ν) eps; ν is
below 0.01 here), and its error is within 0.005 of fairlearn's. Both are computed from the
mixtures' P(decision = 1 | x) (``predict_proba`` / fairlearn's ``_pmf_predict``), independently
of either implementation's bookkeeping. Base estimators: scikit-learn's logistic regression
and decision tree, and glassml's logistic regression (any estimator taking ``sample_weight``).
"""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.reductions import DemographicParity, EqualizedOdds
from fairlearn.reductions import ExponentiatedGradient as FairlearnExponentiatedGradient
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import glassml.fairness as gf

BOUND, EPS = 0.01, 0.01


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(12)
    n = 2500
    group = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 4))
    X[:, 0] += 0.8 * group
    y = (X[:, 0] + X[:, 1] + 0.6 * rng.normal(size=n) > 1.0).astype(int)
    return X, y, group


def violation(p, y, group, constraints):
    """max over groups (and labels) of |E[h | group, event] - E[h | event]| - bound."""
    events = (
        [np.ones_like(y, dtype=bool)]
        if constraints == "demographic_parity"
        else [
            y == 0,
            y == 1,
        ]
    )
    worst = 0.0
    for event in events:
        overall = p[event].mean()
        for g in np.unique(group):
            worst = max(worst, abs(p[event & (group == g)].mean() - overall))
    return worst - BOUND


MOMENTS = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}


_FITTED: dict = {}


def _fitted(problem, constraints, base):
    """Both implementations fitted once per case (shared by the tests of this module)."""
    if (constraints, base) not in _FITTED:
        X, y, group = problem
        estimator = (
            LogisticRegression()
            if base == "logistic"
            else DecisionTreeClassifier(max_depth=4, random_state=0)
        )
        mine = gf.ExponentiatedGradient(
            estimator, constraints=constraints, difference_bound=BOUND, eps=EPS
        ).fit(X, y, sensitive_features=group)
        theirs = FairlearnExponentiatedGradient(
            estimator, MOMENTS[constraints](difference_bound=BOUND), eps=EPS
        ).fit(X, y, sensitive_features=group)
        _FITTED[(constraints, base)] = (estimator, mine, theirs)
    return _FITTED[(constraints, base)]


@pytest.mark.parametrize(
    "constraints, base",
    [
        ("demographic_parity", "logistic"),
        ("equalized_odds", "logistic"),
        ("demographic_parity", "tree"),
    ],
)
def test_matches_fairlearn(problem, constraints, base):
    X, y, group = problem
    estimator, mine, theirs = _fitted(problem, constraints, base)
    p_mine = mine.predict_proba(X)[:, 1]
    p_theirs = theirs._pmf_predict(X)[:, 1]
    assert violation(p_mine, y, group, constraints) <= EPS
    error_mine, error_theirs = np.mean(np.abs(p_mine - y)), np.mean(np.abs(p_theirs - y))
    assert abs(error_mine - error_theirs) <= 0.005
    # The constraint binds: the unconstrained classifier violates it.
    plain = estimator.fit(X, y).predict(X).astype(float)
    assert violation(plain, y, group, constraints) > 3 * EPS
    assert mine.weights_.sum() == pytest.approx(1.0)
    assert mine.nu_ < 0.01


def test_glassml_logistic_regression_as_the_base(problem):
    from glassml.linear import LogisticRegression as GlassLogisticRegression

    X, y, group = problem
    X, y, group = X[:1200], y[:1200], group[:1200]
    mine = gf.ExponentiatedGradient(GlassLogisticRegression(), eps=EPS).fit(
        X, y, sensitive_features=group
    )
    theirs = FairlearnExponentiatedGradient(
        GlassLogisticRegression(), DemographicParity(difference_bound=BOUND), eps=EPS
    ).fit(X, y, sensitive_features=group)
    p_mine, p_theirs = mine.predict_proba(X)[:, 1], theirs._pmf_predict(X)[:, 1]
    assert violation(p_mine, y, group, "demographic_parity") <= EPS
    assert abs(np.mean(np.abs(p_mine - y)) - np.mean(np.abs(p_theirs - y))) <= 0.005


def test_sampled_predictions_follow_the_mixture(problem):
    X, _y, _group = problem
    model = _fitted(problem, "demographic_parity", "logistic")[1]
    p = model.predict_proba(X)[:, 1]
    draws = model.predict(X, random_state=0)
    # Mean of independent Bernoulli(p_i): within 5 standard errors (p_fail < 6e-7).
    se = np.sqrt(np.sum(p * (1 - p))) / p.size
    assert abs(draws.mean() - p.mean()) <= 5 * se
    assert set(np.unique(draws)) <= {0, 1}


def test_bad_input_is_named(problem):
    X, y, group = problem
    model = gf.ExponentiatedGradient(LogisticRegression())
    with pytest.raises(ValueError, match="sensitive_features: expected at least 2 groups"):
        model.fit(X, y, sensitive_features=np.zeros(len(y)))
    with pytest.raises(ValueError, match="y: expected binary labels"):
        model.fit(X, y + 1, sensitive_features=group)
    with pytest.raises(ValueError, match="eps"):
        gf.ExponentiatedGradient(LogisticRegression(), eps=0.0).fit(X, y, sensitive_features=group)
    with pytest.raises(ValueError, match="constraints"):
        gf.ExponentiatedGradient(constraints="fair").fit(X, y, sensitive_features=group)
    only_negative = y.copy()
    only_negative[group == 2] = 0
    with pytest.raises(ValueError, match="y: group 2 has no rows with the event"):
        gf.ExponentiatedGradient(LogisticRegression(), constraints="equalized_odds").fit(
            X, only_negative, sensitive_features=group
        )
    with pytest.raises(ValueError, match="X, y"):
        model.fit(X[:10], y, sensitive_features=group)
