"""LIME: a weighted ridge surrogate fitted around the row to explain (Ribeiro et al. 2016).

For a row x, LIME draws perturbed samples z', maps each to an interpretable representation
z in R^M (tables: 1 if feature j's quartile bin equals x's, or the standardised value; images:
1 if superpixel j is kept), weighs it by an exponential kernel of its distance to x's
representation,

    pi(z) = sqrt(exp(-d(z, z_x)^2 / width^2)),

and fits the surrogate g(z) = b + w . z by weighted ridge regression (alpha = 1):

    (b, w) = argmin  sum_z pi(z) (f(z') - b - w . z)^2 + ||w||^2.

Weighted centring removes b: w = (Zc^T P Zc + I)^{-1} Zc^T P yc with Zc, yc centred by the
pi-weighted means, b = mean_pi(y) - mean_pi(Z) . w. The local fidelity is the pi-weighted R^2.
The discretisation, sampling and kernel are those of the ``lime`` package, so given the same
samples the weights are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from glassml._validation import (
    check_bool,
    check_count,
    check_n_jobs,
    check_named_array,
    check_option,
    check_positive,
    fail,
)
from glassml.explain._common import (
    BATCH_ROWS,
    ModelFunction,
    check_rows,
    check_seed,
    feature_names_of,
    model_calls,
    package,
)
from glassml.explain._explanation import Explanation
from glassml.explain._workers import run_calls


def weighted_ridge(
    Z: np.ndarray, y: np.ndarray, weights: np.ndarray, alpha: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients (M, K), intercept (K,) and weighted R^2 (K,) of the LIME surrogate."""
    p = weights / weights.sum()
    z_mean, y_mean = p @ Z, p @ y
    Zc, yc = Z - z_mean, y - y_mean
    gram = (Zc * weights[:, None]).T @ Zc + alpha * np.eye(Z.shape[1])
    coef = np.linalg.solve(gram, (Zc * weights[:, None]).T @ yc)
    intercept = y_mean - z_mean @ coef
    residual = weights @ (yc - Zc @ coef) ** 2
    total = weights @ yc**2
    r2 = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), 1.0)
    return coef, intercept, r2


def exponential_kernel(distances: np.ndarray, width: float) -> np.ndarray:
    """lime's kernel: sqrt(exp(-d^2 / width^2))."""
    return np.sqrt(np.exp(-(distances**2) / width**2))


def truncated_normal(a: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Standard normal restricted to [a, b] by inverting its CDF at u in (0, 1).

    In the upper tail the interval is reflected, so Phi is evaluated where it is accurate.
    """
    flip = a > 0
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    low_cdf, high_cdf = ndtr(lo), ndtr(hi)
    z = ndtri(low_cdf + u * (high_cdf - low_cdf))
    return np.clip(np.where(flip, -z, z), a, b)


class LimeTabularExplainer:
    """LIME for tabular data, with lime's quartile discretisation, sampling and kernel.

    Training statistics: for each continuous feature its quartiles (bins), and per bin the
    mean, standard deviation, minimum and maximum of the training values falling in it; for
    every feature the frequencies of its bins (or categories). A perturbed sample draws each
    feature's bin (category) from those frequencies and, for a continuous feature, a value from
    the normal with the bin's mean and deviation truncated to the bin. The interpretable
    representation is z_j = 1 if the sample's bin (category) equals x's; without
    discretisation continuous features are drawn from N(mean, std) and represented
    standardised. See the module docstring for the surrogate.

    ``values`` are each feature's contribution to the surrogate at x (its weight, times x's
    standardised value when not discretised), ``base_values`` the intercept, so values plus
    base sum to the surrogate's prediction at x; the weights themselves are in
    ``extras["coefficients"]`` and the weighted R^2 in ``fidelity``.

    Parameters
    ----------
    model_fn : callable
        ``f(X) -> (n, n_classes)`` probabilities (classification) or ``(n,)`` (regression).
    training_data : array-like of shape (n_train, n_features)
    mode : {"classification", "regression"}
    categorical_features : list of int, optional
    kernel_width : float, optional
        Default 0.75 sqrt(M), as lime.
    discretize_continuous : bool, default=True
    n_samples : int, default=5000
    random_state : int, Generator or None
    feature_names, output_names : list of str, optional
    batch_rows : int, default=32768
        Samples per model call.
    n_jobs : int or None, default=None
        Worker processes that share the model calls (None means 1 unless inside a
        ``joblib.parallel_config`` context, -1 all cores). The samples are drawn in this
        process, so the values are bit-identical for any ``n_jobs``; a ``model_fn`` that
        cannot be pickled gives a warning and runs here.

    References
    ----------
    Ribeiro, M. T., Singh, S. & Guestrin, C. (2016). "Why should I trust you?" Explaining the
    predictions of any classifier. KDD.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> f = lambda Z: 3 * Z[:, 0] - Z[:, 1]
    >>> lime = LimeTabularExplainer(f, X, mode="regression", random_state=0)
    >>> e = lime(X[:1])
    >>> [e.feature_names[j] for j in np.argsort(-np.abs(e.values[0]))]
    ['x0', 'x1', 'x2']
    """

    def __init__(
        self,
        model_fn: Any,
        training_data: Any,
        mode: str = "classification",
        categorical_features: Any = None,
        kernel_width: float | None = None,
        discretize_continuous: bool = True,
        random_state: Any = None,
        *,
        n_samples: int = 5000,
        feature_names: Any = None,
        output_names: Any = None,
        batch_rows: int = BATCH_ROWS,
        n_jobs: int | None = None,
    ) -> None:
        data = check_named_array(training_data, "training_data", dtype=np.float64)
        if data.shape[0] < 2:
            raise fail("training_data", "at least 2 rows", data)
        M = data.shape[1]
        self.mode = check_option(mode, "mode", ("classification", "regression"))
        self.discretize_continuous = check_bool(discretize_continuous, "discretize_continuous")
        self.kernel_width = (
            0.75 * np.sqrt(M)
            if kernel_width is None
            else check_positive(kernel_width, "kernel_width")
        )
        self.n_samples = check_count(n_samples, "n_samples", minimum=2)
        self.random_state = check_seed(random_state)
        self.batch_rows = check_count(batch_rows, "batch_rows")
        self.n_jobs = check_n_jobs(n_jobs)
        categorical = [] if categorical_features is None else list(categorical_features)
        for j in categorical:
            if isinstance(j, bool) or not isinstance(j, int | np.integer) or not 0 <= j < M:
                raise fail(
                    "categorical_features", f"feature indices in [0, {M})", categorical_features
                )
        self.categorical = np.zeros(M, dtype=bool)
        self.categorical[categorical] = True
        self.feature_names = feature_names_of(training_data, M, feature_names)
        self.output_names = output_names
        self.model = ModelFunction(model_fn, data)
        if self.mode == "classification" and self.model.vector:
            raise fail(
                "model_fn",
                "class probabilities of shape (n, n_classes) for classification",
                "a vector",
            )
        self._fit_statistics(data)

    def _fit_statistics(self, data: np.ndarray) -> None:
        M = data.shape[1]
        self.mean_, self.scale_ = data.mean(axis=0), data.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        self.mean_[self.categorical], self.scale_[self.categorical] = 0.0, 1.0
        self.edges_: list[np.ndarray] = []
        codes = np.empty_like(data)
        binned = ~self.categorical & self.discretize_continuous
        self.binned_ = binned
        for j in range(M):
            if binned[j]:
                edges = np.unique(np.percentile(data[:, j], [25, 50, 75]))
                codes[:, j] = np.searchsorted(edges, data[:, j])
            else:
                edges = np.empty(0)
                codes[:, j] = data[:, j]
            self.edges_.append(edges)
        # Per feature: the values a sample may take (bin codes or categories) and their
        # frequencies, padded to one (M, n_values) table.
        self.levels_, frequencies = [], []
        for j in range(M):
            levels, counts = np.unique(codes[:, j], return_counts=True)
            self.levels_.append(levels)
            frequencies.append(counts / counts.sum())
        width = max(len(levels) for levels in self.levels_)
        self._cumulative = np.ones((M, width))
        self._level_table = np.zeros((M, width))
        for j in range(M):
            k = len(self.levels_[j])
            self._cumulative[j, :k] = np.cumsum(frequencies[j])
            self._cumulative[j, k - 1 :] = 1.0
            self._level_table[j, :k] = self.levels_[j]
            self._level_table[j, k:] = self.levels_[j][-1]
        # Truncated-normal parameters of each bin: (M, 4 bins) mean, std, min, max.
        self._bin_stats = np.zeros((M, 4, 4))
        for j in np.flatnonzero(binned):
            edges = self.edges_[j]
            lows = np.concatenate([[data[:, j].min()], edges])
            highs = np.concatenate([edges, [data[:, j].max()]])
            for b in range(len(edges) + 1):
                inside = data[codes[:, j] == b, j]
                mean = inside.mean() if len(inside) else 0.0
                std = (inside.std() if len(inside) else 0.0) + 1e-11
                self._bin_stats[j, b] = (mean, std, lows[b], highs[b])

    def _codes(self, values: np.ndarray) -> np.ndarray:
        """Bin codes for binned features, raw values otherwise."""
        codes = values.copy()
        for j in np.flatnonzero(self.binned_):
            codes[..., j] = np.searchsorted(self.edges_[j], values[..., j])
        return codes

    def _sample(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Perturbed samples around each row: (n_rows, n_samples, M), sample 0 the row itself."""
        n, M, S = rows.shape[0], rows.shape[1], self.n_samples
        u = rng.random((n, S, M))
        index = (u[..., None] >= self._cumulative[None, None]).sum(axis=-1)
        index = np.minimum(index, self._cumulative.shape[1] - 1)
        drawn = np.take_along_axis(
            np.broadcast_to(self._level_table, (n, S, *self._level_table.shape)),
            index[..., None], axis=-1,
        )[..., 0]  # fmt: skip
        samples = drawn.copy()
        binned = np.flatnonzero(self.binned_)
        if binned.size:
            stats = self._bin_stats[binned[None, None, :], drawn[..., binned].astype(np.int64)]
            mean, std, low, high = (stats[..., i] for i in range(4))
            a, b = (low - mean) / std, (high - mean) / std
            z = truncated_normal(a, b, rng.random(a.shape))
            samples[..., binned] = np.where(a < b, mean + std * z, mean)
        continuous = np.flatnonzero(~self.categorical & ~self.binned_)
        if continuous.size:
            normal = rng.standard_normal((n, S, continuous.size))
            samples[..., continuous] = normal * self.scale_[continuous] + self.mean_[continuous]
        samples[:, 0] = rows
        return samples

    def _interpretable(self, rows: np.ndarray, samples: np.ndarray) -> np.ndarray:
        """z for each sample: 1 where the bin (category) matches the row's; else standardised."""
        same = self._codes(samples) == self._codes(rows)[:, None, :]
        scaled = (samples - self.mean_) / self.scale_
        return np.where(self.binned_ | self.categorical, same.astype(np.float64), scaled)

    def _surrogate(self, Z: np.ndarray, y: np.ndarray):
        """Weights, intercept and R^2 for one row's samples (Z[0] is the row itself)."""
        distances = np.sqrt(((Z - Z[0]) ** 2).sum(axis=1))
        return weighted_ridge(Z, y, exponential_kernel(distances, self.kernel_width))

    def __call__(self, X: Any) -> Explanation:
        """LIME explanations of each row of ``X``."""
        rows = check_rows(X, "X", len(self.categorical))
        rng = np.random.default_rng(self.random_state)
        samples = self._sample(rows, rng)
        flat = samples.reshape(-1, rows.shape[1])
        step = self.batch_rows
        parts = run_calls(
            model_calls,
            self.model,
            -(-len(flat) // step),
            self.n_jobs,
            lambda first, last: (flat[first * step : last * step], step),
        )
        y = np.concatenate(parts).reshape(rows.shape[0], self.n_samples, -1)
        Z = self._interpretable(rows, samples)
        K = y.shape[2]
        coef = np.empty((rows.shape[0], rows.shape[1], K))
        intercept, r2 = np.empty((rows.shape[0], K)), np.empty((rows.shape[0], K))
        for i in range(rows.shape[0]):
            coef[i], intercept[i], r2[i] = self._surrogate(Z[i], y[i])
        values = coef * Z[:, 0, :, None]
        vector = self.model.vector
        return package(
            values,
            intercept,
            rows,
            self.feature_names,
            vector,
            self.output_names,
            fidelity=r2[:, 0] if vector else r2,
            extras={"coefficients": coef[..., 0] if vector else coef},
        )


def masked_calls(
    model: ModelFunction,
    image: np.ndarray,
    hidden: np.ndarray,
    labels: np.ndarray,
    keep: np.ndarray,
    batch_rows: int,
) -> np.ndarray:
    """``model`` on ``image`` with, for each row of ``keep``, the superpixels it keeps shown
    and the others taken from ``hidden``; the images are built a batch at a time."""
    outputs = []
    for start in range(0, len(keep), batch_rows):
        mask = keep[start : start + batch_rows][:, labels]  # (b, H, W)
        if image.ndim == 3:
            mask = mask[..., None]
        outputs.append(model(np.where(mask, image, hidden)))
    return np.concatenate(outputs)


class LimeImageExplainer:
    """LIME for images: superpixels switched off, a weighted ridge surrogate over them.

    The image is cut into superpixels by scikit-image (``slic``, or ``quickshift`` for colour
    images, borrowed). A sample keeps each superpixel with probability 1/2 (sample 0 keeps all)
    and replaces the others by their mean colour (``hide="mean"``) or a constant. The kernel
    is lime's, on the cosine distance between the keep-vectors (width 0.25).

    ``values`` has one value per pixel: the superpixel's surrogate weight divided by its area,
    so that the values summed over the image plus the intercept equal the surrogate's
    prediction at the original image. ``extras`` holds ``segments`` (n, H, W) and
    ``segment_weights`` (n, n_segments_max[, K]), zero-padded.

    Parameters
    ----------
    model_fn : callable
        ``f(images) -> (m,)`` or ``(m, n_classes)`` for images of shape (m, H, W[, C]).
    segmentation : {"slic", "quickshift"}
    n_segments : int, default=50 (slic)
    compactness : float, default=10 (slic; 0.1 for greyscale images in [0, 1] is typical)
    kernel_width : float, default=0.25
    n_samples : int, default=1000
    hide : "mean" or float, default="mean"
    random_state : int, Generator or None
    batch_rows : int, default=256
        Perturbed images per model call.
    n_jobs : int or None, default=None
        Worker processes that share each image's model calls (None means 1 unless inside a
        ``joblib.parallel_config`` context, -1 all cores). The keep-vectors are drawn in this
        process and each worker builds its own images from them, so the values are
        bit-identical for any ``n_jobs``; a ``model_fn`` that cannot be pickled gives a warning
        and runs here.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((1, 16, 16)); image[0, :, 8:] = 1.0
    >>> f = lambda images: images[:, :, 8:].mean(axis=(1, 2))
    >>> lime = LimeImageExplainer(f, n_segments=4, compactness=0.1, hide=0.0, random_state=0)
    >>> e = lime(image)
    >>> bool(e.values[0][:, 8:].sum() > e.values[0][:, :8].sum())
    True
    """

    def __init__(
        self,
        model_fn: Any,
        segmentation: str = "slic",
        n_segments: int = 50,
        compactness: float = 10.0,
        kernel_width: float = 0.25,
        n_samples: int = 1000,
        hide: Any = "mean",
        random_state: Any = None,
        *,
        output_names: Any = None,
        batch_rows: int = 256,
        n_jobs: int | None = None,
    ) -> None:
        from glassml._validation import check_callable

        self.model_fn = check_callable(model_fn, "model_fn", "f(images) -> (m,) or (m, K)")
        self.segmentation = check_option(segmentation, "segmentation", ("slic", "quickshift"))
        self.n_segments = check_count(n_segments, "n_segments", minimum=2)
        self.compactness = check_positive(compactness, "compactness")
        self.kernel_width = check_positive(kernel_width, "kernel_width")
        self.n_samples = check_count(n_samples, "n_samples", minimum=2)
        if not (isinstance(hide, str) and hide == "mean"):
            from glassml._validation import check_scalar

            hide = check_scalar(hide, "hide")
        self.hide = hide
        self.random_state = check_seed(random_state)
        self.output_names = output_names
        self.batch_rows = check_count(batch_rows, "batch_rows")
        self.n_jobs = check_n_jobs(n_jobs)

    def segments(self, image: np.ndarray) -> np.ndarray:
        """Superpixel labels 0..S-1 of one image (H, W) or (H, W, C)."""
        from skimage import segmentation

        image = check_named_array(image, "image", dtype=np.float64, ensure_2d=False, allow_nd=True)
        if image.ndim not in (2, 3) or min(image.shape[:2]) < 2:
            raise fail("image", "one image of shape (H, W) or (H, W, C), H, W >= 2", image)
        if self.segmentation == "quickshift":
            if image.ndim != 3 or image.shape[2] != 3:
                raise fail("segmentation", "'slic' for images that are not RGB", "quickshift")
            labels = segmentation.quickshift(
                image, kernel_size=4, max_dist=200, ratio=0.2, rng=self.random_state or 0
            )
        else:
            labels = segmentation.slic(
                image,
                n_segments=self.n_segments,
                compactness=self.compactness,
                channel_axis=-1 if image.ndim == 3 else None,
                start_label=0,
            )
        return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)

    def _call_arguments(self, image, hidden, labels, keep):
        """``masked_calls``'s arguments for the model calls ``first`` to ``last``."""
        step = self.batch_rows
        return lambda first, last: (image, hidden, labels, keep[first * step : last * step], step)

    def __call__(self, images: Any) -> Explanation:
        """LIME explanations of each image (n, H, W) or (n, H, W, C)."""
        batch = check_named_array(
            images, "images", dtype=np.float64, ensure_2d=False, allow_nd=True
        )
        if batch.ndim not in (3, 4) or batch.shape[0] == 0 or min(batch.shape[1:3]) < 2:
            raise fail("images", "a non-empty array of shape (n, H, W) or (n, H, W, C)", batch)
        rng = np.random.default_rng(self.random_state)
        model = ModelFunction(self.model_fn, batch[:1])
        all_values, intercepts, fidelities, all_segments, weights_list = [], [], [], [], []
        for image in batch:
            labels = self.segments(image)
            S = int(labels.max()) + 1
            area = np.bincount(labels.ravel(), minlength=S).astype(np.float64)
            if isinstance(self.hide, str):
                flat = image.reshape(labels.size, -1)
                means = np.stack(
                    [np.bincount(labels.ravel(), weights=c, minlength=S) for c in flat.T], 1
                )
                fudged = (means / area[:, None])[labels].reshape(image.shape)
            else:
                fudged = np.full_like(image, self.hide)
            keep = rng.integers(0, 2, size=(self.n_samples, S)).astype(bool)
            keep[0] = True
            n_calls = -(-self.n_samples // self.batch_rows)
            arguments = self._call_arguments(image, fudged, labels, keep)
            y = np.concatenate(run_calls(masked_calls, model, n_calls, self.n_jobs, arguments))
            Z = keep.astype(np.float64)
            cosine = 1.0 - Z @ Z[0] / (np.linalg.norm(Z, axis=1) * np.linalg.norm(Z[0]) + 1e-300)
            coef, intercept, r2 = weighted_ridge(
                Z, y, exponential_kernel(cosine, self.kernel_width)
            )
            density = coef / area[:, None]
            all_values.append(density[labels])  # (H, W, K)
            intercepts.append(intercept)
            fidelities.append(r2)
            all_segments.append(labels)
            weights_list.append(coef)
        width = max(len(w) for w in weights_list)
        padded = np.zeros((len(batch), width, model.n_outputs))
        for i, w in enumerate(weights_list):
            padded[i, : len(w)] = w
        vector = model.vector
        fidelity = np.array(fidelities)
        return package(
            np.array(all_values),
            np.array(intercepts),
            batch,
            [f"pixel{j}" for j in range(int(np.prod(batch.shape[1:3])))],
            vector,
            self.output_names,
            fidelity=fidelity[:, 0] if vector else fidelity,
            extras={
                "segments": np.array(all_segments),
                "segment_weights": padded[..., 0] if vector else padded,
            },
        )
