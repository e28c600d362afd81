"""GaussianDetector against its references.

- Density: log-density equals ``scipy.stats.multivariate_normal.logpdf`` at the maximum-
  likelihood mean and covariance (full and diagonal), rtol 1e-10.
- Robust: ``-D^2`` equals scikit-learn's ``EllipticEnvelope.score_samples`` with the same
  ``random_state`` (same MinCovDet), rtol 1e-8; p-values equal ``chi2.sf(D^2, d)``.
- Calibration: on Gaussian data the fraction of p-values below 0.05 is 0.05 within its
  binomial standard error (``assert_within_se``).
"""

import numpy as np
import pytest
from parity import assert_close, assert_within_se
from scipy.stats import chi2, multivariate_normal
from sklearn.covariance import EllipticEnvelope

from glassml.anomaly import GaussianDetector

RNG = np.random.default_rng(0)
X = RNG.normal(size=(400, 4)) @ RNG.normal(size=(4, 4)) + [1.0, -2.0, 0.5, 3.0]


def test_log_density_equals_scipy():
    detector = GaussianDetector(reg_covar=0.0).fit(X)
    reference = multivariate_normal(X.mean(axis=0), np.cov(X.T, bias=True)).logpdf(X)
    assert_close(detector.score_samples(X), reference, rtol=1e-10, what="log-density")


def test_diagonal_log_density_equals_scipy():
    detector = GaussianDetector(covariance_type="diag", reg_covar=0.0).fit(X)
    reference = multivariate_normal(X.mean(axis=0), np.diag(X.var(axis=0))).logpdf(X)
    assert_close(detector.score_samples(X), reference, rtol=1e-10, what="diagonal log-density")


def test_robust_distances_equal_elliptic_envelope():
    contaminated = np.vstack([X, RNG.normal(8.0, 1.0, size=(20, 4))])
    detector = GaussianDetector(robust=True, random_state=3).fit(contaminated)
    envelope = EllipticEnvelope(random_state=3).fit(contaminated)
    assert_close(
        detector.score_samples(contaminated),
        envelope.score_samples(contaminated),
        rtol=1e-8,
        what="robust -D^2",
    )
    distances = detector.mahalanobis(contaminated)
    assert_close(detector.p_values(contaminated), chi2.sf(distances, 4), rtol=1e-12)
    # the planted outliers are the 20 largest distances
    assert set(np.argsort(distances)[-20:]) == set(range(400, 420))


def test_p_values_are_calibrated_on_gaussian_data():
    n = 20_000
    sample = np.random.default_rng(1).normal(size=(n, 3))
    p = GaussianDetector().fit(sample).p_values(sample)
    rate = np.mean(p < 0.05)
    assert_within_se(rate, 0.05, np.sqrt(0.05 * 0.95 / n), what="P(p < 0.05)")


def test_auto_threshold_is_the_chi_square_quantile():
    detector = GaussianDetector(robust=True, random_state=0).fit(X)
    flagged = detector.predict(X) == -1
    assert np.array_equal(flagged, detector.mahalanobis(X) > chi2.ppf(0.975, 4))


def test_contamination_fraction_flags_that_fraction():
    detector = GaussianDetector(contamination=0.1).fit(X)
    assert np.mean(detector.predict(X) == -1) == pytest.approx(0.1, abs=1 / 400)


@pytest.mark.parametrize("contamination", [0.0, 0.6, -0.1])
def test_contamination_outside_range_is_refused(contamination):
    with pytest.raises(ValueError, match="contamination"):
        GaussianDetector(contamination=contamination).fit(X)


def test_single_sample_and_nan_are_refused():
    with pytest.raises(ValueError, match="X"):
        GaussianDetector().fit(X[:1])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X"):
        GaussianDetector().fit(bad)
