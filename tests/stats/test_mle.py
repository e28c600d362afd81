"""Maximum likelihood with observed-information standard errors.

References and tolerances:
- logistic regression: statsmodels Logit — coefficients to 1e-8, standard errors, z, p-values
  and Wald intervals to 1e-7 relative, log-likelihood to 1e-10 relative.
- Poisson regression: statsmodels Poisson, the same tolerances.
- the observed information (exact Hessian by autodiff) against central finite differences of
  the autodiff gradient (parity.check_grad), to 1e-6 relative.
- a normal sample's (mean, log sd): closed-form MLE and SE sigma_hat / sqrt(n) to 1e-9.
"""

import numpy as np
import pytest
import statsmodels.api as sm
from parity import assert_close, check_grad
from scipy import special

import glassml.autodiff as ad
from glassml.stats import fit_mle, observed_information


@pytest.fixture(scope="module")
def logistic_data():
    rng = np.random.default_rng(0)
    X = sm.add_constant(rng.normal(size=(400, 4)))
    y = (rng.random(400) < special.expit(X @ np.array([0.3, 1.0, -0.5, 0.2, 0.0]))).astype(float)
    return X, y


def _compare(result, reference):
    assert_close(result.params, reference.params, rtol=1e-8, atol=1e-10, what="params")
    assert_close(result.standard_errors, reference.bse, rtol=1e-7, what="standard errors")
    assert_close(result.z_values, reference.tvalues, rtol=1e-7, what="z")
    assert_close(result.pvalues, reference.pvalues, rtol=1e-6, atol=1e-14, what="p-values")
    assert_close(result.confidence_intervals, reference.conf_int(), rtol=1e-7, atol=1e-10)
    assert_close(result.log_likelihood, reference.llf, rtol=1e-10, what="log-likelihood")


def test_logistic_regression_matches_statsmodels(logistic_data):
    X, y = logistic_data

    def log_likelihood(beta):
        z = X @ beta
        return y @ z - ad.softplus(z).sum()

    result = fit_mle(log_likelihood, np.zeros(X.shape[1]))
    assert result.converged
    _compare(result, sm.Logit(y, X).fit(disp=0, tol=1e-12))
    assert list(result.summary().columns) == ["coef", "std err", "z", "P>|z|", "[0.025", "0.975]"]


def test_poisson_regression_matches_statsmodels():
    rng = np.random.default_rng(1)
    X = sm.add_constant(rng.normal(size=(300, 2)))
    counts = rng.poisson(np.exp(X @ np.array([0.5, 0.3, -0.2]))).astype(float)

    def log_likelihood(beta):
        eta = X @ beta
        return counts @ eta - ad.exp(eta).sum()  # - sum log(k!) is constant

    result = fit_mle(log_likelihood, np.zeros(3), method="lbfgs", tol=1e-10)
    reference = sm.Poisson(counts, X).fit(disp=0, tol=1e-12)
    constant = special.gammaln(counts + 1).sum()
    assert_close(result.params, reference.params, rtol=1e-7, what="params")
    assert_close(result.standard_errors, reference.bse, rtol=1e-6, what="standard errors")
    assert_close(result.log_likelihood - constant, reference.llf, rtol=1e-10)


def test_observed_information_matches_finite_differences(logistic_data):
    """The information is minus the Jacobian of the score: check it, as a hand-written
    derivative of the autodiff gradient, against parity.check_grad's central differences."""
    X, y = logistic_data

    def log_likelihood(beta):
        z = X @ beta
        return y @ z - ad.softplus(z).sum()

    point = np.array([0.1, 0.5, -0.3, 0.2, 0.1])
    score = ad.grad(log_likelihood)
    check_grad(score, point, jac=lambda beta: -observed_information(log_likelihood, beta),
               tol=1e-6)  # fmt: skip


def test_normal_sample_closed_form():
    x = np.random.default_rng(2).normal(3.0, 1.5, size=60)

    def log_likelihood(theta):  # theta = (mean, log sd)
        return (-0.5 * ((x - theta[0]) / ad.exp(theta[1])) ** 2 - theta[1]).sum()

    result = fit_mle(log_likelihood, np.array([0.0, 0.0]), names=["mean", "log_sd"])
    sigma_hat = x.std()  # the MLE divides by n
    assert_close(result.params, [x.mean(), np.log(sigma_hat)], rtol=1e-9)
    # SE of the mean sigma/sqrt(n); of log sigma 1/sqrt(2n) (information n/sigma^2 and 2n).
    assert_close(result.standard_errors, [sigma_hat / np.sqrt(60), 1 / np.sqrt(120)], rtol=1e-9)
    assert result.names == ("mean", "log_sd")


def test_bad_input_names_the_problem(logistic_data):
    X, y = logistic_data
    duplicated = np.column_stack([X, X[:, 1]])  # not identifiable: singular information

    def log_likelihood(beta):
        z = duplicated @ beta
        return y @ z - ad.softplus(z).sum()

    with pytest.raises(ValueError, match=r"^log_likelihood: expected a strict local maximum"):
        fit_mle(log_likelihood, np.zeros(duplicated.shape[1]))
    with pytest.raises(ValueError, match=r"^x0: expected finite numbers"):
        fit_mle(log_likelihood, np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match=r"^names: expected 6 names"):
        fit_mle(log_likelihood, np.zeros(6), names=["a"])
    with pytest.raises(ValueError, match=r"^confidence_level: expected"):
        fit_mle(log_likelihood, np.zeros(6), confidence_level=0.0)
    with pytest.raises(ValueError, match=r"^log_likelihood: expected a callable"):
        fit_mle("logit", np.zeros(6))
    with pytest.raises(ValueError, match=r"^params: expected finite numbers"):
        observed_information(log_likelihood, np.array([np.nan, *np.zeros(5)]))
