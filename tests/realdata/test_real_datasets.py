"""The estimators on the real datasets, loaded through ``glassml.datasets`` (the bundled copies,
byte-identical to those in ``../shared/data``: see tests/datasets/test_bundle.py).

These are the data of the case studies to come; here each estimator meets its reference on them:
- credit-card fraud (10,000 transactions, 4.92 % fraud): class-weighted L2 logistic regression
  by Newton and by L-BFGS against sklearn's newton-cholesky (tol 1e-10; sklearn's own lbfgs
  stops 2.6e-6 short in probability here): coefficients to 1e-5 of the largest, predict_proba
  to 1e-6.
- NASA C-MAPSS FD001 (20,631 engine cycles): PCA of the 14 informative sensors against
  sklearn's to 1e-8 up to sign; OLS of the remaining useful life on those sensors, whose
  summary() must equal statsmodels' to 1e-8, despite the sensors' strong collinearity.
- BreastMNIST (546 ultrasound images, 28 x 28): a Gaussian mixture on their PCA scores from
  sklearn's fitted initial parameters agrees with sklearn's EM to 1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from parity import assert_close, assert_close_up_to_sign
from sklearn.decomposition import PCA as SklearnPCA
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.preprocessing import StandardScaler

from glassml.cluster import GaussianMixture
from glassml.datasets import load_cmapss, load_creditcard, load_medmnist
from glassml.decomposition import PCA
from glassml.linear import LinearRegression, LogisticRegression

# Sensors 1, 5, 6, 10, 16, 18 and 19 are constant in FD001 (one operating condition).
INFORMATIVE_SENSORS = [f"sensor_{i}" for i in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21)]


@pytest.fixture(scope="module")
def creditcard():
    fraud = load_creditcard()  # float32 columns; the models below work in float64
    return StandardScaler().fit_transform(fraud.X.astype(np.float64)), fraud.y


@pytest.fixture(scope="module")
def cmapss():
    frame = load_cmapss().train
    # Engines run to failure: remaining useful life = last cycle of the unit - this cycle.
    frame["rul"] = frame.groupby("unit")["cycle"].transform("max") - frame["cycle"]
    return frame


@pytest.mark.parametrize("optimizer", ["newton", "lbfgs"])
def test_fraud_logistic_regression_matches_sklearn(creditcard, optimizer):
    X, y = creditcard
    assert X.shape == (10_000, 30) and y.sum() == 492
    ours = LogisticRegression(
        C=0.5, class_weight="balanced", optimizer=optimizer, tol=1e-10, max_iter=1000
    ).fit(X, y)
    theirs = SklearnLogisticRegression(
        C=0.5, class_weight="balanced", solver="newton-cholesky", tol=1e-10, max_iter=10_000
    ).fit(X, y)
    coef = np.append(theirs.coef_, theirs.intercept_)
    assert_close(
        np.append(ours.coef_, ours.intercept_), coef, rtol=0, atol=1e-5 * np.abs(coef).max()
    )
    assert_close(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-6)


def test_engine_sensor_pca_matches_sklearn(cmapss):
    sensors = StandardScaler().fit_transform(cmapss[INFORMATIVE_SENSORS].to_numpy())
    for solver in ("covariance_eigh", "full"):
        ours = PCA(n_components=5, svd_solver=solver).fit(sensors)
        theirs = SklearnPCA(n_components=5, svd_solver=solver).fit(sensors)
        assert_close(ours.explained_variance_, theirs.explained_variance_, rtol=1e-8)
        assert_close_up_to_sign(ours.components_, theirs.components_, rtol=0, atol=1e-8)
    # One direction of degradation dominates: the first component carries most variance.
    assert ours.explained_variance_ratio_[0] > 0.5


def test_engine_remaining_life_regression_summary_matches_statsmodels(cmapss):
    X = cmapss[INFORMATIVE_SENSORS]
    y = cmapss["rul"].to_numpy(dtype=float)
    summary = LinearRegression().fit(X, y).summary()
    reference = sm.OLS(y, sm.add_constant(X.to_numpy())).fit()
    assert_close(summary.params, reference.params, rtol=1e-8, what="coefficients")
    assert_close(summary.bse, reference.bse, rtol=1e-8, what="standard errors")
    assert_close(summary.tvalues, reference.tvalues, rtol=1e-8, what="t")
    assert_close(
        [summary.rsquared, summary.fvalue, summary.llf, summary.aic, summary.condition_number],
        [
            reference.rsquared,
            reference.fvalue,
            reference.llf,
            reference.aic,
            reference.condition_number,
        ],
        rtol=1e-8,
    )
    assert summary.names[-len(INFORMATIVE_SENSORS) :] == INFORMATIVE_SENSORS


# Both run exactly 30 EM iterations from the same start (tol 1e-12 is not reached by either).
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_ultrasound_mixture_matches_sklearn_em():
    breast = load_medmnist()  # labels as (N,) whether stored (N,) or officially (N, 1)
    images = breast.train_images.reshape(len(breast.train_images), -1).astype(np.float64)
    labels = breast.train_labels
    assert images.shape == (546, 784) and set(np.unique(labels)) == {0, 1}
    scores = SklearnPCA(n_components=6, random_state=0).fit_transform(images)
    start = SklearnGaussianMixture(3, max_iter=1, random_state=0).fit(scores)
    common = dict(
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
        tol=1e-12,
        max_iter=30,
    )
    ours = GaussianMixture(3, **common).fit(scores)
    theirs = SklearnGaussianMixture(3, **common).fit(scores)
    assert_close(ours.means_, theirs.means_, rtol=1e-6, atol=1e-9, what="means")
    assert_close(ours.covariances_, theirs.covariances_, rtol=1e-6, atol=1e-9)
    assert_close(ours.weights_, theirs.weights_, rtol=1e-6)
