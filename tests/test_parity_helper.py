import numpy as np
import pytest
from parity import (
    assert_chains_agree,
    assert_close,
    assert_close_up_to_sign,
    assert_same_estimator,
    assert_within_se,
    check_grad,
    rhat_bound,
)


def test_assert_close_reports_the_worst_entry():
    with pytest.raises(AssertionError, match=r"mine 1\.1 vs theirs 1\.0"):
        assert_close([1.1, 2.0], [1.0, 2.0], rtol=1e-3, what="coef")


def test_assert_close_up_to_sign_accepts_flipped_rows_only():
    axes = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert_close_up_to_sign(-axes, axes, rtol=1e-12)
    with pytest.raises(AssertionError):
        assert_close_up_to_sign(axes[::-1], axes, rtol=1e-12)


def test_assert_close_treats_equal_infinities_as_equal_and_nan_as_different():
    assert_close([np.inf, -np.inf, 1.0], [np.inf, -np.inf, 1.0], rtol=1e-12)
    with pytest.raises(AssertionError, match="nan"):
        assert_close([np.nan], [1.0], rtol=1e-3)
    with pytest.raises(AssertionError):
        assert_close([np.inf], [-np.inf], rtol=1e-3)


def test_check_grad_accepts_a_right_jacobian_and_rejects_a_transposed_one():
    A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 4.0]])

    def fun(x):
        return np.tanh(A @ x)

    def jac(x):
        return (1 - np.tanh(A @ x) ** 2)[:, None] * A

    x = np.array([0.2, -0.4, 0.1])
    assert check_grad(fun, x, jac=jac, tol=1e-8) < 1e-8
    with pytest.raises(AssertionError, match="relative error"):
        check_grad(lambda v: np.sum(v**3), x, jac=lambda v: 3 * v, tol=1e-6)  # missing square
    with pytest.raises(AssertionError, match="shape"):
        check_grad(fun, x, jac=lambda v: jac(v).T)


def test_check_grad_without_jac_checks_the_autodiff_gradient():
    from glassml import autodiff as ad

    assert check_grad(lambda v: ad.sum(ad.exp(v) * v), np.array([0.3, -1.2])) < 1e-8


def test_assert_within_se_holds_for_an_unbiased_mean_and_catches_a_bias():
    rng = np.random.default_rng(0)
    draws = rng.normal(2.0, 3.0, size=(400, 5))
    means, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(400)
    assert_within_se(means, 2.0, se)
    with pytest.raises(AssertionError, match="standard errors"):
        assert_within_se(means + 2.0, 2.0, se)  # a bias of about 13 standard errors
    with pytest.raises(AssertionError, match=r"truth 1\.0"):
        assert_within_se([1.5], [1.0], [0.0])


def test_assert_same_estimator_compares_attributes_and_outputs():
    from sklearn.linear_model import Ridge

    X = np.arange(12.0).reshape(6, 2) ** 1.5
    y = np.array([1.0, 0.0, 2.0, 3.0, 1.0, 5.0])
    a, b, c = Ridge(1.0).fit(X, y), Ridge(1.0).fit(X, y), Ridge(10.0).fit(X, y)
    assert_same_estimator(a, b, X, attributes=("coef_", "intercept_"), rtol=1e-12)
    with pytest.raises(AssertionError, match="coef_"):
        assert_same_estimator(a, c, X, attributes=("coef_",), rtol=1e-6)


def _ar1_chains(rho, n_chains, n_draws, rng):
    chains = np.empty((n_chains, n_draws))
    chains[:, 0] = rng.normal(size=n_chains)
    noise = rng.normal(size=(n_chains, n_draws)) * np.sqrt(1 - rho**2)
    for t in range(1, n_draws):
        chains[:, t] = rho * chains[:, t - 1] + noise[:, t]
    return chains


def test_rhat_bound_is_calibrated_and_catches_disagreeing_chains():
    """Over 150 runs of agreeing AR(1) chains (rho = 0.5, tau = 3), R-hat exceeds the p = 0.2
    bound at most as often as a Binomial(150, 0.2) count exceeds its 1e-4 quantile, and at
    least 3 times (a bound far out in the tail would be useless); chains with one shifted by
    one sd exceed the 1e-4 bound."""
    from scipy.stats import binom

    from glassml.stats import split_rhat

    rng = np.random.default_rng(0)
    runs = [_ar1_chains(0.5, 2, 400, rng) for _ in range(150)]
    exceed = sum(split_rhat(draws) > rhat_bound(draws, p_fail=0.2) for draws in runs)
    assert 3 <= exceed <= binom.isf(1e-4, 150, 0.2), exceed
    agreeing = _ar1_chains(0.5, 4, 1000, rng)
    assert_chains_agree(agreeing)
    with pytest.raises(AssertionError, match="exceeds"):
        assert_chains_agree(agreeing + np.array([[0.0], [0.0], [0.0], [1.0]]))


def test_assert_within_se_with_estimated_se_uses_students_t():
    """With the SE estimated from R = 5 replicates the bound widens from the normal's 3.89 to
    t_4's 15.5 standard errors (both p = 1e-4, one element), so 10 standard errors pass there
    and fail without ``dof``."""
    assert_within_se([10.0], [0.0], [1.0], dof=4)
    with pytest.raises(AssertionError, match=r"beyond 3\.89 standard errors"):
        assert_within_se([10.0], [0.0], [1.0])
    with pytest.raises(AssertionError, match=r"beyond 15\.54 standard errors"):
        assert_within_se([16.0], [0.0], [1.0], dof=4)
