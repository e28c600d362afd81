"""LocalOutlierFactor and OneClassSVM against scikit-learn.

- LOF: ``negative_outlier_factor_`` (novelty=False) and ``score_samples`` of new data
  (novelty=True) equal scikit-learn's ``LocalOutlierFactor``, rtol 1e-10, for the k-d tree and
  the brute-force search; ``fit_predict`` / ``predict`` labels identical.
- OneClassSVM: support set identical, dual coefficients and offset (rho) within 1e-6 (rtol)
  of scikit-learn's ``OneClassSVM`` (same kernel, nu, tol) for every kernel; scores 1e-6.
"""

import numpy as np
import pytest
from parity import assert_close
from sklearn.neighbors import LocalOutlierFactor as SkLOF
from sklearn.svm import OneClassSVM as SkOneClassSVM

from glassml.anomaly import LocalOutlierFactor, OneClassSVM

RNG = np.random.default_rng(0)
X = np.vstack([RNG.normal(size=(300, 3)), RNG.uniform(-5, 5, size=(15, 3))])
X_NEW = RNG.uniform(-4, 4, size=(60, 3))


@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_lof_equals_scikit_learn(algorithm):
    mine = LocalOutlierFactor(n_neighbors=20, algorithm=algorithm).fit(X)
    theirs = SkLOF(n_neighbors=20).fit(X)
    assert_close(
        mine.negative_outlier_factor_, theirs.negative_outlier_factor_, rtol=1e-10, what="-LOF"
    )
    assert np.array_equal(
        LocalOutlierFactor(n_neighbors=20, algorithm=algorithm).fit_predict(X),
        SkLOF(n_neighbors=20).fit_predict(X),
    )


@pytest.mark.parametrize("contamination", ["auto", 0.05])
def test_lof_novelty_equals_scikit_learn(contamination):
    mine = LocalOutlierFactor(n_neighbors=15, novelty=True, contamination=contamination).fit(X)
    theirs = SkLOF(n_neighbors=15, novelty=True, contamination=contamination).fit(X)
    assert_close(mine.score_samples(X_NEW), theirs.score_samples(X_NEW), rtol=1e-10)
    assert mine.offset_ == pytest.approx(theirs.offset_, rel=1e-10)
    assert np.array_equal(mine.predict(X_NEW), theirs.predict(X_NEW))


def test_lof_methods_follow_novelty():
    assert not hasattr(LocalOutlierFactor(), "predict")
    assert not hasattr(LocalOutlierFactor(novelty=True), "fit_predict")


def test_lof_refuses_k_not_below_n_samples():
    with pytest.raises(ValueError, match="n_neighbors"):
        LocalOutlierFactor(n_neighbors=10).fit(X[:10])


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly", "sigmoid"])
@pytest.mark.parametrize("nu", [0.05, 0.5])
def test_one_class_svm_equals_scikit_learn(kernel, nu):
    mine = OneClassSVM(kernel=kernel, nu=nu, tol=1e-3).fit(X)
    theirs = SkOneClassSVM(kernel=kernel, nu=nu, tol=1e-3).fit(X)
    assert np.array_equal(mine.support_, theirs.support_)
    assert_close(mine.dual_coef_, theirs.dual_coef_, rtol=1e-6, what="dual coefficients")
    assert_close(mine.offset_, np.ravel(theirs.offset_)[0], rtol=1e-6, what="offset (rho)")
    assert_close(mine.intercept_, theirs.intercept_, rtol=1e-6, what="intercept")
    assert_close(mine.score_samples(X_NEW), theirs.score_samples(X_NEW), rtol=1e-6, atol=1e-12)
    assert np.array_equal(mine.predict(X_NEW), theirs.predict(X_NEW))


def test_one_class_svm_nu_property():
    # nu bounds the fraction of training outliers from above and of support vectors from below
    model = OneClassSVM(nu=0.2).fit(X)
    assert np.mean(model.predict(X) == -1) <= 0.2 + 1 / len(X)
    assert len(model.support_) / len(X) >= 0.2
    assert model.dual_coef_.sum() == pytest.approx(0.2 * len(X))


@pytest.mark.parametrize("nu", [0.0, 1.5, -0.2])
def test_one_class_svm_refuses_nu_outside_unit_interval(nu):
    with pytest.raises(ValueError, match="nu"):
        OneClassSVM(nu=nu).fit(X)
