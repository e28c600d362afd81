"""GaussianProcessRegressor and its kernels against scikit-learn, gradients against autodiff.

Reference: ``sklearn.gaussian_process.GaussianProcessRegressor`` with the same kernel.
Tolerances: with the hyper-parameters given (``optimizer=None``), posterior mean and standard
deviation to 1e-10 (absolute, values of order 1) and the log marginal likelihood and its
gradient to 1e-10 relative; optimised, glassml's log marginal likelihood is at least
scikit-learn's minus 1e-6 from the same starts (scikit-learn's restarts are drawn the same way
from the same ``random_state``). The hand-written marginal-likelihood gradient (R&W eq. 5.9,
contracted without the dK/dtheta tensor) agrees with reverse-mode autodiff through an
independent formulation (kernel written with autodiff ops, Cholesky unrolled) to 1e-7
relative, and with central differences to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, check_grad
from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR
from sklearn.gaussian_process import kernels as sk

import glassml.autodiff as ad
from glassml.gaussian_process import (
    RBF,
    ConstantKernel,
    GaussianProcessRegressor,
    Matern,
    WhiteKernel,
    log_marginal_likelihood,
)

NUS = (0.5, 1.5, 2.5, np.inf)


def _data(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, d))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + 0.1 * rng.standard_normal(n)
    return X, y, rng.uniform(-2.5, 2.5, (25, d))


def _pair(nu, length=(0.7, 1.2, 2.0), c=1.3, noise=0.05):
    ours = ConstantKernel(c) * Matern(list(length), nu=nu) + WhiteKernel(noise)
    theirs = sk.ConstantKernel(c) * sk.Matern(list(length), nu=nu) + sk.WhiteKernel(noise)
    return ours, theirs


@pytest.mark.parametrize("nu", NUS)
@pytest.mark.parametrize("normalize_y", [False, True])
def test_posterior_with_given_hyperparameters_matches_sklearn(nu, normalize_y):
    X, y, X_test = _data()
    ours, theirs = _pair(nu)
    mine = GaussianProcessRegressor(ours, optimizer=None, normalize_y=normalize_y).fit(X, y)
    ref = SkGPR(theirs, optimizer=None, normalize_y=normalize_y).fit(X, y)
    mean, std = mine.predict(X_test, return_std=True)
    ref_mean, ref_std = ref.predict(X_test, return_std=True)
    assert_close(mean, ref_mean, rtol=0, atol=1e-10, what="posterior mean")
    assert_close(std, ref_std, rtol=0, atol=1e-10, what="posterior std")
    _, cov = mine.predict(X_test, return_cov=True)
    _, ref_cov = ref.predict(X_test, return_cov=True)
    assert_close(cov, ref_cov, rtol=0, atol=1e-10, what="posterior covariance")
    value, grad = mine.log_marginal_likelihood(mine.kernel_.theta, eval_gradient=True)
    ref_value, ref_grad = ref.log_marginal_likelihood(ref.kernel_.theta, eval_gradient=True)
    assert_close(value, ref_value, rtol=1e-10, what="log marginal likelihood")
    assert_close(grad, ref_grad, rtol=1e-9, atol=1e-10, what="LML gradient")


def test_isotropic_rbf_and_kernel_values_match_sklearn():
    X, _, X_test = _data()
    for ours, theirs in [
        (RBF(0.8), sk.RBF(0.8)),
        (2.0 * RBF([0.5, 1.0, 3.0]) + 0.5, 2.0 * sk.RBF([0.5, 1.0, 3.0]) + 0.5),
        (Matern(1.1, nu=0.5) * RBF(2.0), sk.Matern(1.1, nu=0.5) * sk.RBF(2.0)),
    ]:
        assert_close(ours(X, X_test), theirs(X, X_test), rtol=0, atol=1e-14, what=repr(ours))
        assert_close(ours.diag(X), theirs.diag(X), rtol=0, atol=1e-14)
        assert_close(ours.theta, theirs.theta, rtol=0, atol=0, what="theta")
        assert_close(ours.bounds, theirs.bounds, rtol=1e-15, what="bounds")


@pytest.mark.parametrize("nu", [1.5, 2.5])
def test_optimised_marginal_likelihood_at_least_sklearns(nu):
    X, y, _ = _data(n=50)
    for restarts in (0, 3):
        ours, theirs = _pair(nu, length=(1.0, 1.0, 1.0), c=1.0, noise=0.1)
        mine = GaussianProcessRegressor(
            ours, n_restarts_optimizer=restarts, normalize_y=True, random_state=3
        ).fit(X, y)
        ref = SkGPR(theirs, n_restarts_optimizer=restarts, normalize_y=True, random_state=3).fit(
            X, y
        )
        assert mine.log_marginal_likelihood_value_ >= ref.log_marginal_likelihood_value_ - 1e-6
        assert mine.history_["log_marginal_likelihood"].shape == (restarts + 1,)


# ------------------------------------------------------------------- gradient vs autodiff


def _autodiff_lml(X, y, nu, alpha):
    """log p(y | X) of c * Matern_nu(ARD l) + s I from theta = log(c, l..., s), written with
    autodiff ops only: the kernel from its formula, the Cholesky factor unrolled."""
    n, d = X.shape
    diff2 = (X[:, None, :] - X[None, :, :]) ** 2  # constant (n, n, d)
    eye = np.eye(n)
    root = {1.5: np.sqrt(3.0), 2.5: np.sqrt(5.0)}

    def f(theta):
        c, s = ad.exp(theta[0]), ad.exp(theta[d + 1])
        inv_l2 = ad.exp(-2.0 * theta[1 : d + 1])
        r2 = ad.sum(diff2 * inv_l2, axis=2) + 1e-30 * eye  # keeps sqrt differentiable at 0
        r = ad.sqrt(r2)
        if nu == 0.5:
            k = ad.exp(-r)
        elif nu == np.inf:
            k = ad.exp(-0.5 * r2)
        else:
            t = root[nu] * r
            poly = 1.0 + t if nu == 1.5 else 1.0 + t + t * t / 3.0
            k = poly * ad.exp(-t)
        K = c * k + (s + alpha) * eye
        L = [[None] * n for _ in range(n)]
        for j in range(n):
            diagonal = K[j, j] - sum((L[j][m] * L[j][m] for m in range(j)), 0.0)
            L[j][j] = ad.sqrt(diagonal)
            for i in range(j + 1, n):
                L[i][j] = (K[i, j] - sum((L[i][m] * L[j][m] for m in range(j)), 0.0)) / L[j][j]
        z = []  # forward substitution L z = y
        for i in range(n):
            z.append((y[i] - sum((L[i][m] * z[m] for m in range(i)), 0.0)) / L[i][i])
        quad = sum((zi * zi for zi in z), 0.0)
        logdet = sum((ad.log(L[i][i]) for i in range(n)), 0.0)
        return -0.5 * quad - logdet - 0.5 * n * np.log(2 * np.pi)

    return f


@pytest.mark.parametrize("nu", NUS)
def test_hand_gradient_matches_autodiff_and_finite_differences(nu):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (7, 2))
    y = np.cos(2 * X[:, 0]) + X[:, 1]
    theta = np.log([1.7, 0.6, 1.4, 0.08])
    alpha = 1e-8

    def hand(t):
        kernel = ConstantKernel() * Matern([1.0, 1.0], nu=nu) + WhiteKernel()
        kernel.theta = t
        return log_marginal_likelihood(kernel, X, y, alpha, eval_gradient=True)

    f = _autodiff_lml(X, y, nu, alpha)
    assert_close(float(f(ad.Tensor(theta)).numpy()), hand(theta)[0], rtol=1e-12, what="LML")
    autodiff_grad = ad.grad(f)(theta)
    assert_close(hand(theta)[1], autodiff_grad, rtol=1e-7, atol=1e-10, what="eq. 5.9 vs autodiff")
    check_grad(lambda t: hand(t)[0], theta, jac=lambda t: hand(t)[1], tol=1e-6)


def _kernels_of_every_shape():
    return [
        ConstantKernel(1.7) * Matern([0.6, 1.4], nu=2.5) + WhiteKernel(0.08),
        ConstantKernel(0.5) * RBF(0.8) + ConstantKernel(2.0) * Matern(1.1, nu=1.5),
        RBF([0.7, 1.3]) * Matern(0.9, nu=0.5) + WhiteKernel(0.1) + WhiteKernel(0.2),
        Matern([0.5, 2.0], nu=np.inf) * ConstantKernel(3.0) * ConstantKernel(0.5, "fixed"),
        ConstantKernel(2.0) * WhiteKernel(0.3) + RBF(1.0, "fixed") * Matern(0.7, nu=2.5),
        (ConstantKernel(1.5) + WhiteKernel(0.2)) * Matern([0.8, 1.2], nu=1.5),
    ]


@pytest.mark.parametrize("index", range(6))
def test_shared_evaluation_matches_the_kernel_and_its_gradient(index):
    """K and the contraction from one pass (``_with_gradient``, the fit's path) against the
    kernel's own matrix, and the contraction sum_ij W_ij dK_ij/dtheta against central
    differences of sum_ij W_ij K_ij(theta) -- sums, products, implicit constant and white
    terms, fixed bounds."""
    from glassml.gaussian_process._kernels import _dense

    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, (9, 2))
    W = rng.standard_normal((9, 9))
    W += W.T
    kernel = _kernels_of_every_shape()[index]
    K, contract = kernel._with_gradient(X)
    assert_close(_dense(K, 9), kernel(X), rtol=1e-14, atol=1e-15, what="K")
    theta = kernel.theta

    def weighted(t):
        return float(np.sum(W * kernel.clone_with_theta(t)(X)))

    check_grad(weighted, theta, jac=lambda t: kernel.clone_with_theta(t).trace_gradient(X, W))
    assert_close(contract(W), kernel.trace_gradient(X, W), rtol=1e-14, what="contraction")

    def hand(t):
        return log_marginal_likelihood(
            kernel.clone_with_theta(t), X, np.sin(3 * X[:, 0]), 1e-6, True
        )

    check_grad(lambda t: hand(t)[0], theta, jac=lambda t: hand(t)[1], tol=1e-6)


def test_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    Y = rng.uniform(-1, 1, (6, 3))
    x0 = rng.uniform(-1, 1, 3)
    for kernel in (
        ConstantKernel(2.0) * Matern([0.5, 1.0, 2.0], nu=2.5) + WhiteKernel(0.1),
        RBF(0.7) * Matern(1.3, nu=1.5),
        Matern([0.4, 0.9, 1.1], nu=0.5),
    ):
        check_grad(
            lambda x, k=kernel: k(x[None, :], Y)[0],
            x0,
            jac=lambda x, k=kernel: k.gradient_x(x[None, :], Y)[0],
            tol=1e-6,
        )


def test_fixed_bounds_optimizer_none_and_default_kernel():
    X, y, _X_test = _data(n=20)
    gp = GaussianProcessRegressor(RBF(1.0, "fixed") + WhiteKernel(0.1, "fixed")).fit(X, y)
    assert gp.kernel_.n_dims == 0 and gp.history_["log_marginal_likelihood"].size == 0
    # Default kernel: ConstantKernel(1) * RBF(1), optimised, as scikit-learn's.
    ref = SkGPR(random_state=0).fit(X, y)
    mine = GaussianProcessRegressor(random_state=0).fit(X, y)
    assert mine.kernel_.n_dims == ref.kernel_.n_dims == 2
    assert mine.log_marginal_likelihood_value_ >= ref.log_marginal_likelihood_value_ - 1e-6


def test_sample_y_has_the_posterior_moments():
    X, y, _ = _data(n=15)
    gp = GaussianProcessRegressor(RBF(1.0) + WhiteKernel(0.01), optimizer=None).fit(X, y)
    X_test = X[:3] + 0.3
    draws = gp.sample_y(X_test, n_samples=4000, random_state=0)
    mean, std = gp.predict(X_test, return_std=True)
    from parity import assert_within_se

    assert_within_se(draws.mean(axis=1), mean, std / np.sqrt(4000), what="sample mean")


def test_bad_input_is_named():
    X, y, _ = _data(n=10)
    with pytest.raises(ValueError, match="nu"):
        GaussianProcessRegressor(Matern(nu=1.0)).fit(X, y)
    with pytest.raises(ValueError, match="length_scale_bounds"):
        GaussianProcessRegressor(RBF(1.0, (2.0, 1.0))).fit(X, y)
    with pytest.raises(ValueError, match="length_scale"):
        GaussianProcessRegressor(RBF([1.0, 2.0])).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        GaussianProcessRegressor(alpha=np.ones(3)).fit(X, y)
    with pytest.raises(ValueError, match="kernel"):
        GaussianProcessRegressor(RBF(1e-9, "fixed"), alpha=0.0).fit(np.vstack([X, X]), np.r_[y, y])
