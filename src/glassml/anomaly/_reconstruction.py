"""Reconstruction detectors: PCA (with Hotelling T^2 / SPE control limits) and an autoencoder."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.stats import chi2, f
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from glassml import optim
from glassml._scaling import scale_of
from glassml._validation import check_fit_X, check_predict_data
from glassml.anomaly._base import CONTAMINATION, BaseDetector
from glassml.decomposition import PCA
from glassml.nn import Dense, EarlyStopping, ReLU, Sequential, Tanh, fit, predict_batches


class PCADetector(BaseDetector):
    """Outliers as samples the principal subspace reconstructs badly (and the T^2 / SPE pair).

    With the PCA of the training data (mean mu, k components V_k, variances lambda_j), a sample's
    projection z = V_k^T (x - mu) and reconstruction x_hat = V_k z + mu give the two statistics
    of multivariate statistical process control:

        SPE(x) = ||x - x_hat||^2                (squared prediction error, "Q")
        T^2(x) = sum_j z_j^2 / lambda_j         (Hotelling's T^2 inside the subspace)

    ``score_samples`` = -SPE(x). Control limits at significance ``alpha`` for new observations:

        T^2_lim = k (n - 1)(n + 1) / (n (n - k)) F_{1-alpha}(k, n - k)     (Tracy et al. 1992)
        SPE_lim = g chi2_{1-alpha}(h),  g = theta_2 / theta_1,  h = theta_1^2 / theta_2

    (Box's approximation, as Nomikos & MacGregor 1995), theta_i = sum over the discarded
    eigenvalues of lambda_j^i. ``contamination="auto"`` puts ``offset_`` at -SPE_lim.

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default=0.95
        Components kept (a float: the fewest whose explained variance exceeds it).
    alpha : float in (0, 0.5], default=0.01
        Significance of the control limits.
    contamination : "auto" or float in (0, 0.5], default="auto"

    Attributes
    ----------
    pca_ : glassml.decomposition.PCA
    t2_limit_, spe_limit_ : the control limits
    offset_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import PCADetector
    >>> rng = np.random.default_rng(0)
    >>> t = rng.normal(size=(300, 1))
    >>> X = np.hstack([t, 2 * t, -t]) + 0.05 * rng.normal(size=(300, 3))
    >>> detector = PCADetector(n_components=1).fit(X)
    >>> detector.predict([[1.0, 2.0, -1.0], [1.0, -2.0, 1.0]]).tolist()
    [1, -1]
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "n_components": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0.0, 1.0, closed="neither"),
            None,
        ],
        "alpha": [Interval(numbers.Real, 0.0, 0.5, closed="right")],
        "contamination": CONTAMINATION,
    }

    def __init__(self, n_components=0.95, alpha=0.01, contamination="auto"):
        self.n_components = n_components
        self.alpha = alpha
        self.contamination = contamination

    def fit(self, X, y=None) -> PCADetector:
        """PCA of X and the control limits of T^2 and SPE."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2)
        n, d = X.shape
        if isinstance(self.n_components, numbers.Integral) and self.n_components > min(n, d):
            raise ValueError(
                f"n_components: expected at most min(n_samples, n_features) = {min(n, d)}, "
                f"got {self.n_components}"
            )
        self.pca_ = PCA(n_components=self.n_components, svd_solver="full").fit(X)
        k = self.pca_.n_components_
        kept = self.pca_.explained_variance_
        # the discarded eigenvalues of the (n - 1)-normalised covariance, in closed form
        # in units X / c so that the squares cannot overflow; g scales with c^2, h is unit-free
        unit = np.float64(scale_of(X))
        centred = (X / unit - self.pca_.mean_ / unit) / np.sqrt(n - 1)
        gram = centred.T @ centred if d <= n else centred @ centred.T
        eigenvalues = np.sort(np.clip(np.linalg.eigvalsh(gram), 0.0, None))[::-1]
        discarded = eigenvalues[k:]
        theta_1, theta_2 = float(np.sum(discarded)), float(np.sum(discarded**2))
        if theta_1 > 0.0 and theta_2 > 0.0:
            g, h = theta_2 / theta_1, theta_1**2 / theta_2
            with np.errstate(over="ignore"):
                self.spe_limit_ = float(g * chi2.ppf(1.0 - self.alpha, h) * unit * unit)
        else:
            self.spe_limit_ = 0.0
        self.t2_limit_ = (
            float(k * (n - 1) * (n + 1) / (n * (n - k)) * f.ppf(1.0 - self.alpha, k, n - k))
            if n > k
            else np.inf
        )
        self._variances = kept
        self._set_offset(lambda: self._score(X))
        return self

    def _reconstruct(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        projection = self.pca_.transform(X)
        return projection, self.pca_.inverse_transform(projection)

    def spe(self, X) -> np.ndarray:
        """Squared prediction error ||x - x_hat||^2 of each sample."""
        check_is_fitted(self)
        return -self._score(check_predict_data(self, X, dtype=np.float64))

    def hotelling_t2(self, X) -> np.ndarray:
        """Hotelling's T^2 = sum_j z_j^2 / lambda_j of each sample's projection z."""
        check_is_fitted(self)
        projection, _ = self._reconstruct(check_predict_data(self, X, dtype=np.float64))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            t2 = np.sum(projection**2 / self._variances, axis=1)
        if not np.all(np.isfinite(t2)):
            raise ValueError(
                "X: expected samples whose T^2 fits in float64 (and components of positive "
                f"variance), got values up to {float(np.max(np.abs(projection))):.3g} in the "
                "subspace"
            )
        return t2

    def _score(self, X: np.ndarray) -> np.ndarray:
        _, restored = self._reconstruct(X)
        with np.errstate(over="ignore"):
            errors = np.sum((X - restored) ** 2, axis=1)
        if not np.all(np.isfinite(errors)):
            raise ValueError(
                "X: expected samples whose squared reconstruction error fits in float64, got "
                f"values up to {float(np.max(np.abs(X))):.3g}"
            )
        return -errors

    def _auto_offset(self) -> float:
        return -self.spe_limit_


_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}


class AutoencoderDetector(BaseDetector):
    """Outliers as samples a neural autoencoder reconstructs badly.

    The features are standardised (z = (x - mean) / std on the training data); an encoder-
    decoder network g_theta (``hidden_layer_sizes`` with the activation between, then a linear
    layer back to d outputs) is trained by ``glassml.nn.fit`` with Adam on

        L(theta) = 1/(n d) sum_i ||g_theta(z_i) - z_i||^2  (+ alpha/2 ||W||^2),

    with early stopping on a clean validation split: a random ``validation_fraction`` of the
    training rows, never trained on, whose loss decides when to stop and which epoch's
    weights to keep. ``score_samples`` = -1/d ||g_theta(z) - z||^2. ``contamination="auto"``:
    ``offset_`` at the 99th percentile of the validation rows' errors, a threshold calibrated
    on data the network has not seen.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(16, 4, 16)
        The middle (smallest) layer is the bottleneck.
    activation : {"relu", "tanh"}, default="tanh"
    learning_rate_init : float, default=1e-3
    alpha : float, default=1e-4 (L2 penalty)
    batch_size : int, default=128
    max_iter : int, default=200 (epochs)
    n_iter_no_change : int, default=10 (patience)
    validation_fraction : float in (0, 0.5], default=0.1
    contamination : "auto" or float in (0, 0.5], default="auto"
    random_state : int, RandomState or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.anomaly import AutoencoderDetector
    >>> rng = np.random.default_rng(0)
    >>> t = rng.normal(size=(400, 2))
    >>> X = np.hstack([t, t @ [[1.0, -1.0], [0.5, 2.0]]])
    >>> detector = AutoencoderDetector((8, 2, 8), max_iter=60, random_state=0).fit(X)
    >>> error = -detector.score_samples([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, -3.0]])
    >>> bool(error[1] > 10 * error[0])
    True
    """

    _parameter_constraints: dict = {  # noqa: RUF012 - scikit-learn's declaration
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "learning_rate_init": [Interval(numbers.Real, 0.0, None, closed="neither")],
        "alpha": [Interval(numbers.Real, 0.0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0.0, 0.5, closed="right")],
        "contamination": CONTAMINATION,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(16, 4, 16),
        activation="tanh",
        learning_rate_init=1e-3,
        alpha=1e-4,
        batch_size=128,
        max_iter=200,
        n_iter_no_change=10,
        validation_fraction=0.1,
        contamination="auto",
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.contamination = contamination
        self.random_state = random_state

    def _layers(self, n_features: int) -> list:
        sizes = np.ravel(np.asarray(self.hidden_layer_sizes, dtype=object)).tolist()
        if not sizes or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes: expected a non-empty tuple of positive integers, "
                f"got {self.hidden_layer_sizes!r}"
            )
        layers: list = []
        for size in sizes:
            layers += [Dense(int(size)), _ACTIVATIONS[self.activation]()]
        return [*layers, Dense(n_features)]

    def fit(self, X, y=None) -> AutoencoderDetector:
        """Train the autoencoder on X with early stopping on a held-out validation split."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2)
        n = X.shape[0]
        rng = check_random_state(self.random_state)
        n_validation = max(1, round(self.validation_fraction * n))
        if n_validation >= n:
            raise ValueError(
                f"validation_fraction: {self.validation_fraction} of {n} samples leaves none "
                "to train on"
            )
        unit = scale_of(X)  # standardised in units X / c: no overflow at 1e300
        self.mean_ = (X / unit).mean(axis=0) * unit
        std = (X / unit).std(axis=0) * unit
        self.scale_ = np.where(std > 0, std, unit)
        Z = (X - self.mean_) / self.scale_
        order = rng.permutation(n)
        validation, train = order[:n_validation], order[n_validation:]
        self.network_ = Sequential(self._layers(X.shape[1]))
        self.history_ = fit(
            self.network_,
            Z[train],
            Z[train],
            loss="mse",
            optimizer=optim.Adam(lr=float(self.learning_rate_init)),
            epochs=int(self.max_iter),
            batch_size=min(int(self.batch_size), train.shape[0]),
            validation_data=(Z[validation], Z[validation]),
            early_stopping=EarlyStopping(int(self.n_iter_no_change), 0.0, True, "val_loss"),
            alpha=float(self.alpha),
            random_state=int(rng.randint(np.iinfo(np.int32).max)),
            verbose=0,
        )
        self.n_iter_ = len(self.history_["loss"])
        self.validation_indices_ = np.sort(validation)
        self._validation_errors = -self._score(X[validation])
        self._set_offset(lambda: self._score(X))
        return self

    def _score(self, X: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            Z = (X - self.mean_) / self.scale_
        if not np.all(np.isfinite(Z)):
            raise ValueError(
                "X: expected samples within float64 range of the training data's scale, got "
                f"values up to {float(np.max(np.abs(X))):.3g}"
            )
        restored = predict_batches(self.network_, Z, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            errors = np.mean((restored - Z) ** 2, axis=1)
        if not np.all(np.isfinite(errors)):
            raise ValueError(
                "X: expected samples whose squared reconstruction error fits in float64, got "
                f"values up to {float(np.max(np.abs(X))):.3g} (training data of scale "
                f"{float(np.max(self.scale_)):.3g})"
            )
        return -errors

    def _auto_offset(self) -> float:
        return -float(np.percentile(self._validation_errors, 99.0))
