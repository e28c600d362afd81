"""PCADetector and AutoencoderDetector.

- PCA: SPE(x) equals ||x - inverse_transform(transform(x))||^2 computed here with scikit-
  learn's PCA (rtol 1e-8; the subspaces agree to rounding); T^2 equals sum z_j^2 / lambda_j
  from scikit-learn's components and variances (rtol 1e-8); the control limits hold their
  nominal false-alarm rate on new Gaussian data within the binomial standard error.
- Autoencoder: on data on a 2-D linear manifold in 4-D, off-manifold points score worse; the
  early-stopping split is held out (its rows' errors calibrate the "auto" threshold).
"""

import numpy as np
import pytest
from parity import assert_close, assert_within_se
from sklearn.decomposition import PCA as SkPCA

from glassml.anomaly import AutoencoderDetector, PCADetector

RNG = np.random.default_rng(0)
LATENT = RNG.normal(size=(500, 2))
MIXING = RNG.normal(size=(2, 5))
X = LATENT @ MIXING + 0.1 * RNG.normal(size=(500, 5))


@pytest.mark.parametrize("n_components", [1, 2, 3])
def test_spe_and_t2_equal_scikit_learn_pca(n_components):
    detector = PCADetector(n_components=n_components).fit(X)
    pca = SkPCA(n_components=n_components).fit(X)
    query = RNG.normal(size=(40, 5)) * 2
    expected = np.sum((query - pca.inverse_transform(pca.transform(query))) ** 2, axis=1)
    assert_close(detector.spe(query), expected, rtol=1e-8, what="SPE")
    assert_close(-detector.score_samples(query), expected, rtol=1e-8)
    t2 = np.sum(pca.transform(query) ** 2 / pca.explained_variance_, axis=1)
    assert_close(detector.hotelling_t2(query), t2, rtol=1e-8, what="T^2")


def test_variance_fraction_chooses_components():
    assert PCADetector(n_components=0.9).fit(X).pca_.n_components_ == 2


def test_control_limits_hold_their_false_alarm_rate():
    n_train, n_new, alpha = 2000, 20_000, 0.05
    rng = np.random.default_rng(1)
    scales = np.array([5.0, 3.0, 1.0, 0.8, 0.6, 0.5])
    train = rng.normal(size=(n_train, 6)) * scales
    new = rng.normal(size=(n_new, 6)) * scales
    detector = PCADetector(n_components=2, alpha=alpha).fit(train)
    se = np.sqrt(alpha * (1 - alpha) / n_new)
    t2_rate = np.mean(detector.hotelling_t2(new) > detector.t2_limit_)
    assert_within_se(t2_rate, alpha, se, what="T^2 false alarms")  # exact F law
    spe_rate = np.mean(detector.spe(new) > detector.spe_limit_)
    # Box's g chi2_h matches the first two moments only: within 1 percentage point
    assert abs(spe_rate - alpha) < 0.01, spe_rate
    assert np.array_equal(detector.predict(new) == -1, detector.spe(new) > detector.spe_limit_)


def test_pca_detector_bad_input():
    with pytest.raises(ValueError, match="n_components"):
        PCADetector(n_components=6).fit(X)
    with pytest.raises(ValueError, match="alpha"):
        PCADetector(alpha=0.0).fit(X)


def test_autoencoder_separates_off_manifold_points():
    detector = AutoencoderDetector((16, 2, 16), max_iter=300, random_state=0).fit(X)
    on = LATENT[:50] @ MIXING
    off = on + 3.0 * np.linalg.svd(MIXING)[2][2]  # a direction orthogonal to the manifold
    errors_on, errors_off = -detector.score_samples(on), -detector.score_samples(off)
    assert np.median(errors_off) > 5 * np.median(errors_on)
    assert np.mean(detector.predict(off) == -1) > 0.9
    assert len(detector.validation_indices_) == 50
    assert detector.n_iter_ < 300 or detector.history_["val_loss"][-1] > 0


def test_autoencoder_is_reproducible_and_validates():
    a = AutoencoderDetector((4,), max_iter=5, random_state=1).fit(X[:100]).score_samples(X[:5])
    b = AutoencoderDetector((4,), max_iter=5, random_state=1).fit(X[:100]).score_samples(X[:5])
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        AutoencoderDetector((0, 2)).fit(X)
    with pytest.raises(ValueError, match="validation_fraction"):
        AutoencoderDetector(validation_fraction=0.7).fit(X)
