"""The graders' references for the later families, verified against the reference libraries.

A grader's reference is glassml's implementation where the family has one (AR fit, Kaplan-Meier,
c(n), the isolation score, demographic parity, the Gaussian sigma, the NASA score, the ALS
half-step), else a plain definition in ``glassml.learn.exercises``; either way, here each is
compared with an independent implementation on fixed and random inputs:

- Gini impurity and the best regression split: scikit-learn's DecisionTreeClassifier /
  DecisionTreeRegressor(max_depth=1) (root impurity; the stump's threshold and its children's
  squared error), to 1e-12.
- Newton leaf value: scipy's minimize_scalar of the second-order objective, to 1e-6.
- c(n) (glassml.anomaly's): scikit-learn's IsolationForest helper ``_average_path_length``, to
  1e-12.
- Isolation score: glassml.anomaly.IsolationForest.score_samples (its negation) from the
  forest's own mean path lengths, to 1e-12.
- Mahalanobis: scipy.spatial.distance.mahalanobis, to 1e-10.
- ALS user step (glassml.recommend's half-step): scikit-learn's Ridge(fit_intercept=False,
  alpha=lam n_u) per user, to 1e-8.
- BPR gradient: finite differences through ``parity.check_grad``.
- AR fit (glassml.timeseries.AutoRegression, OLS): statsmodels' AutoReg(trend="c"), to 1e-8.
- Kaplan-Meier (glassml.survival.KaplanMeier): lifelines' KaplanMeierFitter at the event
  times, to 1e-12.
- Weibull log-likelihood: scipy.stats.weibull_min's logpdf / logsf (lifelines' WeibullFitter
  uses the same parametrisation: its fitted parameters maximise our function), to 1e-10.
- Demographic parity difference: fairlearn.metrics.demographic_parity_difference, to 1e-12.
- Laplace and Gaussian mechanism scales: the privacy-loss bound they are derived from.
- NASA score: the worked values of Saxena et al. (2008) (d = -13 gives e - 1, d = 10 gives
  e - 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, check_grad
from scipy import stats
from scipy.optimize import minimize_scalar

from glassml.learn.exercises import (
    anomaly,
    capstones,
    fairness_privacy,
    recommenders,
    time_series,
    trees,
)

RNG = np.random.default_rng(20)


def test_gini_matches_sklearn_root_impurity():
    from sklearn.tree import DecisionTreeClassifier

    for _ in range(20):
        y = RNG.integers(0, 4, size=RNG.integers(2, 30))
        X = RNG.normal(size=(len(y), 1))
        tree = DecisionTreeClassifier(max_depth=1).fit(X, y)
        assert_close(trees.gini_reference(y), tree.tree_.impurity[0], rtol=1e-12, atol=1e-12)


def test_best_split_matches_sklearn_stump():
    from sklearn.tree import DecisionTreeRegressor

    for _ in range(30):
        n = int(RNG.integers(3, 25))
        x = RNG.integers(0, 8, size=n).astype(float)
        if np.unique(x).size < 2:
            continue
        y = RNG.normal(size=n)
        stump = DecisionTreeRegressor(max_depth=1).fit(x[:, None], y)
        ours = trees.best_split_reference(x, y)
        # Equal-cost splits may be broken differently; the achieved error must be the same.
        sklearn_sse = trees.split_sse(x, y, stump.tree_.threshold[0])
        assert_close(trees.split_sse(x, y, ours), sklearn_sse, rtol=1e-10, atol=1e-12)
    assert trees.best_split_reference(np.ones(3), np.arange(3.0)) is None


def test_newton_leaf_minimises_the_second_order_objective():
    for _ in range(20):
        g, h = RNG.normal(size=5), RNG.uniform(0.1, 2, size=5)
        lam = float(RNG.uniform(0, 3))
        best = minimize_scalar(
            lambda w, g=g, h=h, lam=lam: np.sum(g * w + h * w * w / 2) + lam * w * w / 2
        ).x
        assert_close(trees.newton_leaf_reference(g, h, lam), best, rtol=1e-6, atol=1e-8)


def test_average_path_length_matches_sklearn():
    from sklearn.ensemble._iforest import _average_path_length

    n = np.array([1, 2, 3, 4, 10, 256, 5000])
    ours = [anomaly.average_path_length_reference(int(k)) for k in n]
    assert_close(ours, _average_path_length(n), rtol=1e-12, atol=1e-12)


def test_isolation_score_is_glassml_isolation_forests_score():
    from glassml.anomaly import IsolationForest

    X = RNG.normal(size=(60, 3))
    X[:3] += 6.0
    forest = IsolationForest(n_estimators=20, max_samples=32, random_state=0).fit(X)
    mean_lengths = forest.mean_path_length(X)[:, None]
    ours = anomaly.isolation_score_reference(mean_lengths, forest.max_samples_)
    assert_close(ours, -forest.score_samples(X), rtol=1e-12, atol=1e-12)
    assert ours[:3].min() > np.median(ours)  # the shifted points score as anomalies


def test_mahalanobis_matches_scipy():
    from scipy.spatial.distance import mahalanobis

    A = RNG.normal(size=(3, 3))
    cov = A @ A.T + np.eye(3)
    X, mean = RNG.normal(size=(6, 3)), RNG.normal(size=3)
    inverse = np.linalg.inv(cov)
    want = [mahalanobis(x, mean, inverse) for x in X]
    assert_close(anomaly.mahalanobis_reference(X, mean, cov), want, rtol=1e-10)


def test_als_user_step_is_one_weighted_ridge_per_user():
    """glassml.recommend's half-step (the grader's reference) against scikit-learn's Ridge
    with alpha = lam n_u, user by user."""
    from sklearn.linear_model import Ridge

    R = RNG.integers(1, 6, size=(5, 7)).astype(float)
    observed = RNG.random((5, 7)) < 0.6
    observed[:, 0] = True
    V, lam = RNG.normal(size=(7, 2)), 0.7
    U = recommenders.als_user_step_reference(R, observed, V, lam)
    for user in range(5):
        rated = observed[user]
        ridge = Ridge(alpha=lam * rated.sum(), fit_intercept=False).fit(V[rated], R[user, rated])
        assert_close(U[user], ridge.coef_, rtol=1e-8, atol=1e-10)


def test_bpr_gradient_by_finite_differences():
    u, i, j = RNG.normal(size=(3, 4))

    def loss(theta):
        uu, ii, jj = theta[:4], theta[4:8], theta[8:]
        return np.log1p(np.exp(-(uu @ (ii - jj))))

    def grad(theta):
        return np.concatenate(recommenders.bpr_gradient_reference(theta[:4], theta[4:8], theta[8:]))

    check_grad(loss, np.concatenate([u, i, j]), jac=grad)


def test_ar_fit_matches_statsmodels():
    from statsmodels.tsa.ar_model import AutoReg

    x = np.zeros(80)
    for t in range(2, 80):
        x[t] = 0.5 + 0.6 * x[t - 1] - 0.3 * x[t - 2] + RNG.normal()
    for p in (1, 2, 3):
        intercept, coef = time_series.ar_fit_reference(x, p)
        params = AutoReg(x, lags=p, trend="c").fit().params
        assert_close(np.r_[intercept, coef], params, rtol=1e-8, atol=1e-10)


def test_kaplan_meier_matches_lifelines():
    from lifelines import KaplanMeierFitter

    durations = RNG.integers(1, 10, size=40).astype(float)
    observed = RNG.random(40) < 0.7
    times, survival = time_series.kaplan_meier_reference(durations, observed)
    fitter = KaplanMeierFitter().fit(durations, observed)
    want = fitter.survival_function_at_times(times).to_numpy()
    assert_close(survival, want, rtol=1e-12, atol=1e-12)


def test_weibull_log_likelihood_matches_scipy_and_lifelines_maximum():
    from lifelines import WeibullFitter

    durations = RNG.weibull(1.7, size=60) * 3.0
    observed = RNG.random(60) < 0.7
    for shape, scale in [(0.8, 1.0), (1.7, 3.0), (3.0, 0.5)]:
        law = stats.weibull_min(shape, scale=scale)
        want = np.sum(np.where(observed, law.logpdf(durations), law.logsf(durations)))
        got = time_series.weibull_log_likelihood_reference(durations, observed, shape, scale)
        assert_close(got, want, rtol=1e-10)
    fitted = WeibullFitter().fit(durations, observed)  # rho_ is the shape, lambda_ the scale
    at_optimum = time_series.weibull_log_likelihood_reference(
        durations, observed, fitted.rho_, fitted.lambda_
    )
    assert_close(at_optimum, fitted.log_likelihood_, rtol=1e-8)
    for factor in (0.97, 1.03):  # the maximum: nearby parameters do worse
        assert at_optimum > time_series.weibull_log_likelihood_reference(
            durations, observed, fitted.rho_ * factor, fitted.lambda_
        )


def test_demographic_parity_matches_fairlearn():
    from fairlearn.metrics import demographic_parity_difference

    for _ in range(20):
        y_pred = RNG.integers(0, 2, size=30)
        group = RNG.integers(0, 3, size=30)
        want = demographic_parity_difference(np.zeros(30), y_pred, sensitive_features=group)
        assert_close(
            fairness_privacy.demographic_parity_reference(y_pred, group), want, rtol=0, atol=1e-12
        )


@pytest.mark.parametrize("sensitivity,epsilon", [(1.0, 0.5), (2.0, 0.1), (0.5, 1.0)])
def test_laplace_scale_bounds_the_privacy_loss_by_epsilon(sensitivity, epsilon):
    b = fairness_privacy.laplace_scale_reference(sensitivity, epsilon)
    z = np.linspace(-20, 20, 2001)
    loss = stats.laplace(0, b).logpdf(z) - stats.laplace(sensitivity, b).logpdf(z)
    assert_close(np.max(np.abs(loss)), epsilon, rtol=1e-9)  # attained beyond the two answers


def test_gaussian_sigma_is_the_classical_calibration():
    # Dwork and Roth (2014), Theorem A.1: c^2 > 2 ln(1.25 / delta), sigma >= c Delta / epsilon.
    sigma = fairness_privacy.gaussian_sigma_reference(1.0, 0.5, 1e-5)
    assert_close(sigma, np.sqrt(2 * np.log(1.25e5)) / 0.5, rtol=1e-12)
    # The privacy loss exceeds epsilon with probability below delta (the theorem's event).
    loss_sd = 1.0 / sigma
    loss_mean = 1.0 / (2 * sigma**2)
    assert stats.norm.sf(0.5, loc=loss_mean, scale=loss_sd) < 1e-5


def test_nasa_score_worked_values():
    assert_close(capstones.nasa_score_reference([20.0], [7.0]), np.e - 1, rtol=1e-12)
    assert_close(capstones.nasa_score_reference([20.0], [30.0]), np.e - 1, rtol=1e-12)
    assert capstones.nasa_score_reference([0, 0], [0, 0]) == 0.0
