"""LinearRegression and its summary() against statsmodels and scikit-learn.

References and tolerances:
- every number of ``summary()`` (coefficients, standard errors, t, p-values, 95 % intervals,
  R², adjusted R², F and its p-value, log-likelihood, AIC, BIC, residual standard error,
  condition number, Durbin-Watson, Jarque-Bera, omnibus, skew, kurtosis) vs statsmodels OLS
  (WLS with sample_weight) on sklearn's diabetes data: rtol 1e-8;
- coefficients vs sklearn LinearRegression (full rank, multi-target, rank deficient): rtol 1e-8;
- rank-deficient X: the minimum-norm solution vs numpy's pseudo-inverse of the centred
  problem, rtol 1e-8, with a warning naming the rank.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.linalg
import sklearn.linear_model as sk
import statsmodels.api as sm
from parity import assert_close
from sklearn.datasets import load_diabetes, make_regression

from glassml.linear import LinearRegression, RegressionSummary

STATSMODELS_NAMES = {
    "params": "params",
    "bse": "bse",
    "tvalues": "tvalues",
    "pvalues": "pvalues",
    "rsquared": "rsquared",
    "rsquared_adj": "rsquared_adj",
    "fvalue": "fvalue",
    "f_pvalue": "f_pvalue",
    "llf": "llf",
    "aic": "aic",
    "bic": "bic",
    "condition_number": "condition_number",
    "df_model": "df_model",
    "df_resid": "df_resid",
}


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y


def _compare_with_statsmodels(summary: RegressionSummary, result) -> None:
    for mine, theirs in STATSMODELS_NAMES.items():
        assert_close(
            getattr(summary, mine), np.asarray(getattr(result, theirs)), rtol=1e-8, what=mine
        )
    assert_close(summary.conf_int, np.asarray(result.conf_int()), rtol=1e-8, what="conf_int")
    assert_close(summary.resid_std_err, np.sqrt(result.mse_resid), rtol=1e-8, what="resid se")
    assert summary.nobs == result.nobs


def _residual_diagnostics(result):
    from statsmodels.stats.stattools import durbin_watson, jarque_bera, omni_normtest

    jb, jb_p, skew, kurtosis = jarque_bera(result.wresid)
    omnibus, omnibus_p = omni_normtest(result.wresid)
    return {
        "durbin_watson": durbin_watson(result.wresid),
        "jarque_bera": jb,
        "jarque_bera_pvalue": jb_p,
        "skew": skew,
        "kurtosis": kurtosis,
        "omnibus": omnibus,
        "omnibus_pvalue": omnibus_p,
    }


def test_summary_matches_statsmodels_ols(diabetes):
    X, y = diabetes
    summary = LinearRegression().fit(X, y).summary()
    result = sm.OLS(y, sm.add_constant(X)).fit()
    _compare_with_statsmodels(summary, result)
    for name, value in _residual_diagnostics(result).items():
        assert_close(getattr(summary, name), value, rtol=1e-8, what=name)
    assert summary.names == ["const", *X.columns]


def test_weighted_summary_matches_statsmodels_wls(diabetes):
    X, y = diabetes
    weights = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    summary = LinearRegression().fit(X, y, sample_weight=weights).summary()
    result = sm.WLS(y, sm.add_constant(X), weights=weights).fit()
    _compare_with_statsmodels(summary, result)
    assert summary.weighted


def test_summary_without_intercept_matches_statsmodels(diabetes):
    X, y = diabetes
    summary = LinearRegression(fit_intercept=False).fit(X.to_numpy(), y).summary()
    result = sm.OLS(y.to_numpy(), X.to_numpy(), hasconst=False).fit()
    _compare_with_statsmodels(summary, result)
    assert summary.names[0] == "x1"


def test_summary_renders_as_text_and_rich(diabetes):
    from rich.console import Console

    X, y = diabetes
    summary = LinearRegression().fit(X, y).summary()
    text = str(summary)
    for needle in ("OLS Regression Results", "R-squared:", "const", "bmi", "P>|t|", "AIC:"):
        assert needle in text
    console = Console(record=True, width=120, file=open(os.devnull, "w"))
    console.print(summary)
    rendered = console.export_text()
    assert "bmi" in rendered and "F-statistic" in rendered and "Omnibus" in rendered


@pytest.mark.parametrize("n_targets", [1, 3])
def test_coefficients_match_sklearn(n_targets):
    X, y = make_regression(80, 6, n_targets=n_targets, noise=2.0, random_state=1)
    X += 10.0  # far from centred: the intercept must be solved, not assumed
    weights = np.random.default_rng(1).uniform(0.1, 2.0, size=80)
    mine = LinearRegression().fit(X, y, sample_weight=weights)
    theirs = sk.LinearRegression().fit(X, y, sample_weight=weights)
    assert_close(mine.coef_, theirs.coef_, rtol=1e-8, what="coef_")
    assert_close(mine.intercept_, theirs.intercept_, rtol=1e-8, what="intercept_")
    assert_close(mine.predict(X), theirs.predict(X), rtol=1e-8, what="predict")


def test_rank_deficient_warns_and_returns_minimum_norm():
    rng = np.random.default_rng(2)
    base = rng.normal(size=(50, 3))
    X = np.column_stack([base, base[:, 0] + base[:, 1]])  # rank 3 of 4 columns
    y = rng.normal(size=50)
    with pytest.warns(scipy.linalg.LinAlgWarning, match="rank deficient.*rank 4 but 5 columns"):
        model = LinearRegression().fit(X, y)
    centred = X - X.mean(axis=0)
    expected = np.linalg.pinv(centred) @ (y - y.mean())
    assert_close(model.coef_, expected, rtol=1e-8, what="minimum-norm coef_")
    assert_close(model.coef_, sk.LinearRegression().fit(X, y).coef_, rtol=1e-8, what="sklearn")
    assert model.rank_ == 4


def test_ill_conditioned_warns_with_condition_number():
    rng = np.random.default_rng(3)
    t = rng.normal(size=40)
    X = np.column_stack([t, t + 1e-11 * rng.normal(size=40)])
    with pytest.warns(scipy.linalg.LinAlgWarning, match=r"ill-conditioned: condition number"):
        model = LinearRegression().fit(X, t + rng.normal(size=40))
    assert model.condition_number_ > 1e10


def test_well_conditioned_fit_is_silent(diabetes, recwarn):
    X, y = diabetes
    LinearRegression().fit(X, y)
    assert not [w for w in recwarn if issubclass(w.category, scipy.linalg.LinAlgWarning)]


def test_summary_of_several_targets_is_refused():
    X, y = make_regression(30, 3, n_targets=2, random_state=0)
    with pytest.raises(ValueError, match="y: expected a single target for summary"):
        LinearRegression().fit(X, y).summary()


def test_summary_without_residual_degrees_of_freedom_is_refused():
    # n = 3 samples, rank 3 (intercept + 2 slopes): sigma^2 = RSS / (n - rank) is undefined.
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 3.0]])
    with pytest.raises(ValueError, match=r"^X: expected more samples than the design's rank"):
        LinearRegression().fit(X, np.array([1.0, 2.0, 0.5])).summary()


@pytest.mark.parametrize(
    ("X", "y", "sample_weight", "argument"),
    [
        (np.array([[1.0, np.nan], [2.0, 3.0], [3.0, 1.0]]), np.ones(3), None, "X"),
        (np.array([[1.0, np.inf], [2.0, 3.0], [3.0, 1.0]]), np.ones(3), None, "X"),
        (np.array([1.0, 2.0, 3.0]), np.ones(3), None, "X"),
        (np.empty((0, 2)), np.empty(0), None, "X"),
        (np.eye(3), np.array([1.0, np.nan, 2.0]), None, "y"),
        (np.eye(3), np.ones(3), np.array([1.0, -1.0, 1.0]), "sample_weight"),
        (np.eye(3), np.ones(3), np.zeros(3), "sample_weight"),
        (np.eye(3), np.ones(3), np.ones(4), "sample_weight"),
    ],
)
def test_bad_input_names_the_argument(X, y, sample_weight, argument):
    with pytest.raises(ValueError, match=rf"^{argument}:"):
        LinearRegression().fit(X, y, sample_weight=sample_weight)


def test_bad_parameter_names_the_argument():
    with pytest.raises(ValueError, match="fit_intercept"):
        LinearRegression(fit_intercept="yes").fit(np.eye(3), np.ones(3))


def test_summary_refuses_a_constant_y_and_an_exact_fit():
    # Before: ZeroDivisionError from R^2 = 1 - SSR / TSS and t = b / 0.
    X = np.random.default_rng(4).normal(size=(30, 3))
    with pytest.raises(ValueError, match=r"^y: expected a y that varies.*constant y"):
        LinearRegression().fit(X, np.ones(30)).summary()
    with pytest.raises(ValueError, match=r"^y: expected residual variation.*exact fit"):
        LinearRegression().fit(X, X @ np.array([1.0, 2.0, 4.0]) + 0.5).summary()


def test_a_feature_collinear_with_the_intercept_has_no_f_test():
    # The constant column is collinear with the intercept: rank 1, no slope for the F test.
    y = np.random.default_rng(5).normal(size=20)
    with pytest.warns(scipy.linalg.LinAlgWarning, match="rank deficient"):
        summary = LinearRegression().fit(np.full((20, 1), 3.0), y).summary()
    assert summary.df_model == 0 and np.isnan(summary.fvalue) and np.isnan(summary.f_pvalue)
    assert_close(summary.params[0], y.mean(), rtol=1e-12, what="intercept")
