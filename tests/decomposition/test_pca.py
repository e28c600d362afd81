"""PCA against scikit-learn's PCA (the reference) on fixed problems.

Tolerances: exact solvers ("full", "covariance_eigh") agree with sklearn's same solver to 1e-8
(components up to sign, explained variance and ratio, singular values, noise variance,
transform, inverse_transform, score); "randomized" agrees with sklearn's randomized solver to 1e-8
and with the exact SVD to 1e-8 on a matrix with a decaying spectrum.
``score`` (probabilistic PCA) is also checked against ``scipy.stats.multivariate_normal.logpdf``
with the model covariance built independently from W = V_k (Λ_k − σ² I)^{1/2}.
Known deviation: with ``whiten=True`` sklearn's ``get_covariance``/``score`` rescale the axes by
sqrt(λ) (the whitening leaks into the generative model); ours keeps the model independent of the
whitening, so ``score`` is compared with whiten=False only.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, assert_close_up_to_sign
from scipy import stats
from sklearn.decomposition import PCA as SklearnPCA

from glassml.decomposition import PCA


def _data(n_samples=150, n_features=12, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(n_features, n_features)) * (0.7 ** np.arange(n_features))
    return rng.normal(size=(n_samples, n_features)) @ mixing.T + 5.0


CASES = [
    (solver, n_components, whiten)
    for solver in ("full", "covariance_eigh")
    for n_components in (3, 0.9, None)
    for whiten in (False, True)
] + [("randomized", 4, False), ("randomized", 4, True)]


@pytest.mark.parametrize(("solver", "n_components", "whiten"), CASES)
def test_matches_sklearn(solver, n_components, whiten):
    X = _data()
    X_new = _data(seed=1)[:20]
    kwargs = {"svd_solver": solver, "whiten": whiten, "random_state": 0}
    mine = PCA(n_components, **kwargs).fit(X)
    theirs = SklearnPCA(n_components, **kwargs).fit(X)
    assert mine.n_components_ == theirs.n_components_
    assert_close_up_to_sign(mine.components_, theirs.components_, rtol=0, atol=1e-8)
    for name in ("explained_variance_", "explained_variance_ratio_", "singular_values_"):
        assert_close(getattr(mine, name), getattr(theirs, name), rtol=1e-8, what=name)
    assert_close(mine.mean_, theirs.mean_, rtol=1e-12, what="mean_")
    assert_close(mine.noise_variance_, theirs.noise_variance_, rtol=1e-8, atol=1e-12)
    # Same sign convention as sklearn, so projections agree entry by entry (relative 1e-8:
    # whitening divides by sqrt(λ_min), which covariance_eigh knows only to ~ε λ_max / λ_min).
    assert_close(mine.transform(X_new), theirs.transform(X_new), rtol=1e-8, atol=1e-8)
    assert_close(mine.fit_transform(X), theirs.fit_transform(X), rtol=1e-8, atol=1e-8)
    Z = theirs.transform(X_new)
    assert_close(mine.inverse_transform(Z), theirs.inverse_transform(Z), rtol=0, atol=1e-8)
    if not whiten:
        assert_close(mine.score(X_new), theirs.score(X_new), rtol=1e-8, what="score")
        assert_close(mine.get_precision(), theirs.get_precision(), rtol=1e-8, atol=1e-10)


def test_randomized_recovers_exact_solution():
    rng = np.random.default_rng(3)
    spectrum = 20.0 * 0.5 ** np.arange(40)
    U, _ = np.linalg.qr(rng.normal(size=(500, 40)))
    V, _ = np.linalg.qr(rng.normal(size=(60, 40)))
    X = (U * spectrum) @ V.T
    fast = PCA(5, svd_solver="randomized", random_state=0).fit(X)
    exact = PCA(5, svd_solver="full").fit(X)
    assert_close(fast.explained_variance_, exact.explained_variance_, rtol=1e-8)
    assert_close(fast.components_, exact.components_, rtol=0, atol=1e-8, what="components")
    assert_close(fast.noise_variance_, exact.noise_variance_, rtol=1e-8)


def test_score_is_gaussian_log_likelihood_of_the_ppca_model():
    X = _data(n_samples=80, n_features=6, seed=4)
    pca = PCA(2).fit(X)
    sigma2 = np.mean(np.linalg.eigvalsh(np.cov(X.T))[::-1][2:])  # ML noise variance
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(X.T))
    W = eigenvectors[:, ::-1][:, :2] * np.sqrt(eigenvalues[::-1][:2] - sigma2)
    covariance = W @ W.T + sigma2 * np.eye(6)
    expected = stats.multivariate_normal(X.mean(axis=0), covariance).logpdf(X)
    assert_close(pca.score_samples(X), expected, rtol=1e-9, what="log-likelihood")
    assert_close(pca.get_covariance(), covariance, rtol=1e-9, atol=1e-12, what="covariance")
    assert_close(pca.get_precision() @ covariance, np.eye(6), rtol=0, atol=1e-9)
    # The generative model does not depend on how the projections are scaled.
    assert_close(PCA(2, whiten=True).fit(X).score(X), pca.score(X), rtol=1e-12)


def test_variance_fraction_and_round_trip():
    X = _data()
    pca = PCA(0.95).fit(X)
    ratios = pca.explained_variance_ratio_
    assert ratios.sum() > 0.95 > ratios[:-1].sum()
    full = PCA(svd_solver="full").fit(X)
    assert_close(full.inverse_transform(full.transform(X)), X, rtol=0, atol=1e-10)
    assert_close(full.explained_variance_ratio_.sum(), 1.0, rtol=1e-12)
    whitened = PCA(4, whiten=True).fit_transform(X)
    assert_close(np.cov(whitened.T), np.eye(4), rtol=0, atol=1e-10, what="whitened cov")


@pytest.mark.parametrize(
    ("params", "X", "match"),
    [
        ({"n_components": 13}, _data(), "n_components"),
        ({"n_components": 0.5, "svd_solver": "randomized"}, _data(), "n_components"),
        ({"n_components": -1}, _data(), "n_components"),
        ({"n_components": 1.5}, _data(), "n_components"),
        ({"svd_solver": "arpack"}, _data(), "svd_solver"),
        ({"iterated_power": -2}, _data(), "iterated_power"),
        ({}, np.where(np.eye(5, 3) == 1, np.nan, 1.0), "X"),
        ({}, np.where(np.eye(5, 3) == 1, np.inf, 1.0), "X"),
        ({}, np.ones((1, 3)), "sample"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(params, X, match):
    with pytest.raises(ValueError, match=match):
        PCA(**params).fit(X)


def test_transform_checks_feature_count():
    pca = PCA(2).fit(_data())
    with pytest.raises(ValueError, match="features"):
        pca.transform(np.ones((3, 5)))
    with pytest.raises(ValueError, match="n_components_"):
        pca.inverse_transform(np.ones((3, 5)))
