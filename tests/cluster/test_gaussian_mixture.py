"""GaussianMixture against scikit-learn 1.9's GaussianMixture.

Reference: sklearn.mixture.GaussianMixture; scipy.stats.multivariate_normal for densities.
Tolerances: given the same initial weights, means and precisions (and, with means_init only,
the same k-means initialisation through the same random_state), fitted weights, means,
covariances, lower bound and n_iter_ agree to rtol 1e-6 / atol 1e-8 (the issue's 1e-6);
score_samples equals log sum_k pi_k N(x | mu_k, Sigma_k) from scipy.stats to rtol 1e-10.
Properties: history_["lower_bound"] never decreases by more than 1e-10; samples drawn by
``sample`` have the mixture's mean and covariance within 5 standard errors.
Known deviation: with covariance_type="tied" and one-hot initial responsibilities
("k-means++", "random_from_data"), scikit-learn's initial tied covariance uses X^T X over all
samples although most have zero responsibility; ours is the M-step's scatter, so those two
initialisations are not compared.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from parity import assert_close, assert_same_estimator, assert_within_se
from scipy.stats import multivariate_normal
from sklearn import mixture as sk_mixture
from sklearn.datasets import make_blobs

from glassml.cluster import GaussianMixture

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_blobs(500, 3, centers=4, cluster_std=[1.0, 1.5, 0.7, 1.2], random_state=0)
    return X


def assert_same_mixture(mine, theirs):
    assert mine.n_iter_ == theirs.n_iter_
    assert mine.converged_ == theirs.converged_
    parameters = ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_")
    assert_same_estimator(
        mine, theirs, None, attributes=parameters, methods=(), rtol=1e-6, atol=1e-8
    )
    assert_close(mine.lower_bound_, theirs.lower_bound_, rtol=1e-6, what="lower_bound_")


def initial_precisions(X, covariance_type, n_components):
    rng = np.random.default_rng(0)
    covariance = np.cov(X.T) * rng.uniform(0.2, 0.5)
    precision = np.linalg.inv(covariance)
    return {
        "full": np.stack([precision] * n_components),
        "tied": precision,
        "diag": np.tile(np.diag(precision), (n_components, 1)),
        "spherical": np.full(n_components, np.mean(np.diag(precision))),
    }[covariance_type]


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_matches_sklearn_from_the_same_parameters(blobs, covariance_type):
    options = dict(
        covariance_type=covariance_type,
        weights_init=np.array([0.1, 0.2, 0.3, 0.4]),
        means_init=blobs[[0, 1, 2, 3]],
        precisions_init=initial_precisions(blobs, covariance_type, 4),
        tol=1e-8,
        max_iter=300,
    )
    mine = GaussianMixture(4, **options).fit(blobs)
    theirs = sk_mixture.GaussianMixture(4, **options).fit(blobs)
    assert_same_mixture(mine, theirs)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_means_init_with_kmeans_start_matches_sklearn(blobs, covariance_type):
    options = dict(
        covariance_type=covariance_type, means_init=blobs[[3, 30, 60, 90]], tol=1e-8, max_iter=500
    )
    mine = GaussianMixture(4, random_state=2, **options).fit(blobs)
    theirs = sk_mixture.GaussianMixture(4, random_state=2, **options).fit(blobs)
    assert_same_mixture(mine, theirs)


@pytest.mark.parametrize(
    "covariance_type, init_params",
    [
        (covariance_type, init_params)
        for covariance_type in COVARIANCE_TYPES
        for init_params in ["kmeans", "k-means++", "random", "random_from_data"]
        if not (covariance_type == "tied" and init_params in ("k-means++", "random_from_data"))
    ],
)
def test_seeded_fit_matches_sklearn(blobs, covariance_type, init_params):
    options = dict(
        covariance_type=covariance_type, init_params=init_params, random_state=1, n_init=2
    )
    mine = GaussianMixture(4, **options).fit(blobs)
    theirs = sk_mixture.GaussianMixture(4, **options).fit(blobs)
    assert_same_mixture(mine, theirs)
    X_new = blobs[::5] + 0.3
    assert_close(mine.predict_proba(X_new), theirs.predict_proba(X_new), rtol=1e-6, atol=1e-8)
    assert_close(mine.score_samples(X_new), theirs.score_samples(X_new), rtol=1e-6)
    np.testing.assert_array_equal(mine.predict(X_new), theirs.predict(X_new))
    assert_close(mine.bic(blobs), theirs.bic(blobs), rtol=1e-6, what="bic")
    assert_close(mine.aic(blobs), theirs.aic(blobs), rtol=1e-6, what="aic")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_score_samples_is_the_mixture_density(blobs, covariance_type):
    model = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(blobs)
    n_features = blobs.shape[1]
    if covariance_type == "full":
        covariances = model.covariances_
    elif covariance_type == "tied":
        covariances = np.stack([model.covariances_] * 3)
    elif covariance_type == "diag":
        covariances = np.stack([np.diag(c) for c in model.covariances_])
    else:
        covariances = np.stack([c * np.eye(n_features) for c in model.covariances_])
    X_new = np.vstack([blobs[::10], [[40.0, -40.0, 40.0]]])  # one far point: log space needed
    densities = np.stack(
        [
            np.log(w) + multivariate_normal(mean, cov).logpdf(X_new)
            for w, mean, cov in zip(model.weights_, model.means_, covariances, strict=True)
        ]
    )
    top = densities.max(axis=0)
    expected = top + np.log(np.exp(densities - top).sum(axis=0))
    assert_close(model.score_samples(X_new), expected, rtol=1e-10, what="log p(x)")
    assert np.all(np.isfinite(model.predict_proba(X_new)))


@given(seed=st.integers(0, 10_000), covariance_type=st.sampled_from(COVARIANCE_TYPES))
def test_lower_bound_never_decreases(seed, covariance_type):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(loc, 1.0, size=(40, 2)) for loc in (0.0, 3.0, 6.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning is fine here
        model = GaussianMixture(
            3,
            covariance_type=covariance_type,
            tol=0.0,
            max_iter=60,
            init_params="random",
            random_state=seed,
        ).fit(X)
    history = model.history_["lower_bound"]
    assert history.shape == (model.n_iter_,)
    assert np.all(np.diff(history) >= -1e-10)
    assert history[-1] == model.lower_bound_


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sample_follows_the_mixture(blobs, covariance_type):
    model = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(blobs)
    n_draws = 20_000
    X, labels = model.sample(n_draws)
    assert X.shape == (n_draws, 3) and labels.shape == (n_draws,)
    mixture_mean = model.weights_ @ model.means_
    standard_error = np.sqrt(np.var(X, axis=0) / n_draws)
    assert np.all(np.abs(X.mean(axis=0) - mixture_mean) < 5 * standard_error)
    counts = np.bincount(labels, minlength=3) / n_draws
    assert np.all(np.abs(counts - model.weights_) < 5 * np.sqrt(model.weights_ / n_draws))
    first = X[labels == 0]
    expected = model.covariances_[0] if covariance_type == "full" else None
    if expected is not None:  # the component's own covariance, entry by entry
        # Var(s_ij) = (S_ii S_jj + S_ij^2) / (n - 1) for Gaussian draws (atol 0.05 was 2.4
        # standard errors off the diagonal: a ~5 % failure rate).
        variances = np.diag(expected)
        se = np.sqrt((np.outer(variances, variances) + expected**2) / (len(first) - 1))
        rows, columns = np.triu_indices(3)
        assert_within_se(np.cov(first.T)[rows, columns], expected[rows, columns],
                         se[rows, columns], what="sample covariance")  # fmt: skip


@pytest.mark.parametrize(
    "options, X, match",
    [
        ({}, np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]]), "NaN"),
        ({}, np.array([[0.0, np.inf], [1.0, 1.0], [2.0, 0.0]]), "infinity"),
        ({"n_components": 4}, np.eye(3), "n_components"),
        ({"covariance_type": "banded"}, np.eye(3), "covariance_type"),
        ({"reg_covar": -1.0}, np.eye(3), "reg_covar"),
        ({"init_params": "median"}, np.eye(3), "init_params"),
        ({"n_components": 2, "weights_init": [0.7, 0.7]}, np.eye(3), "weights_init"),
        ({"n_components": 2, "means_init": np.zeros((3, 3))}, np.eye(3), "means_init"),
        ({"precisions_init": -np.eye(3)[np.newaxis]}, np.eye(3), "precisions_init"),
        ({}, np.ones((1, 3)), "1 sample"),
    ],
)
def test_bad_input_raises_value_error_naming_it(options, X, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**options).fit(X)


def test_sample_rejects_a_bad_count(blobs):
    model = GaussianMixture(2, random_state=0).fit(blobs)
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0)
