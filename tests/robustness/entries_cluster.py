"""Robustness entries of glassml.cluster.

Clusters do not depend on units: k-means, its mini-batch form and a Gaussian mixture fitted at
``X * s`` give the labels they give at X. The rest, at ``X * s``:

- a fitted k-means model queried at 1e300: the nearest centre of ``s q`` maximises ``q.c``
  (``||s q - c||^2 = s^2 ||q||^2 - 2 s q.c + ||c||^2``), at distance ``s ||q||``; its inertia
  (about ``s^2``) is beyond float64 and refused by name. At 1e-300 every query is the origin.
- DBSCAN with a fixed eps: at 1e300 no two points are within eps (all noise, -1); at 1e-300
  all are (one cluster). With eps scaled alongside X, the labels are unchanged. Weights at
  1e300 make every sample a core (the clusters are the eps-graph's components); at 1e-300
  none (all noise).
- a fitted mixture queried at 1e300: the component whose precision gives ``q' Lambda_k q`` the
  smallest value takes the sample; its log-likelihood (about ``-s^2``) is refused by name. At
  1e-300 the posterior and density of the origin.
- a mixture fitted at 1e-300: the data's spread is far below ``reg_covar``, every component
  covers every sample alike, and the responsibilities are one row repeated.

Limits come from the fitted public attributes (NumPy and scipy.stats), not from the library.
"""

from __future__ import annotations

import numpy as np
from robustness.framework import Entry, Scale, equals, equivariant, invariant, opt, per_output
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from glassml.cluster import DBSCAN, GaussianMixture, KMeans, MiniBatchKMeans, kmeans_plusplus

RNG = np.random.default_rng(5)
CENTRES = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
X = np.vstack([centre + RNG.normal(scale=0.6, size=(10, 2)) for centre in CENTRES])
WEIGHTS = RNG.uniform(0.5, 2.0, size=30)
NORMS = np.linalg.norm(X, axis=1)


def constant(base, scaled, s):
    """One answer for every sample (the limit makes the samples indistinguishable)."""
    rows = np.asarray(scaled, dtype=np.float64).reshape(len(scaled), -1)
    if not np.allclose(rows, rows[0], rtol=1e-9, atol=1e-12):
        raise AssertionError(f"expected one answer for every sample at scale {s:g}, got {rows[:4]}")


KMEANS_OPTIONS = {
    "n_clusters": opt(0, 31),
    "init": opt("kmeans"),
    "n_init": opt(0),
    "max_iter": opt(0),
    "tol": opt(-1.0),
    "random_state": opt(-1),
}
KMEANS_VALID = {
    "n_clusters": 3,
    "init": "k-means++",
    "n_init": 2,
    "max_iter": 100,
    "tol": 1e-4,
    "random_state": 0,
}


def _kmeans_entries(estimator, extra_options, extra_valid):
    name = f"glassml.cluster.{estimator.__name__}"
    options = {**KMEANS_OPTIONS, **extra_options}
    valid = {**KMEANS_VALID, **extra_valid}
    model = estimator(**valid).fit(X)
    centres = model.cluster_centers_
    far = np.argmax(X @ centres.T, axis=1)  # max q.c
    origin = np.full(30, np.argmin(np.linalg.norm(centres, axis=1)))
    at_origin = np.tile(np.linalg.norm(centres, axis=1), (30, 1))

    def query(method):
        return lambda X: getattr(model, method)(X)

    return [
        Entry(
            f"{name}.fit",
            lambda X, **params: estimator(**params).fit(X).labels_,
            {"X": X, **valid},
            arrays=("X",),
            options=options,
            scale=(Scale(("X",), invariant()),),
        ),
        Entry(
            f"{name}.fit_transform",
            lambda X, **params: estimator(**params).fit_transform(X),
            {"X": X, **valid},
            arrays=("X",),
            scale=(Scale(("X",), equivariant(1.0, rtol=1e-9)),),
        ),
        Entry(
            f"{name}.predict",
            query("predict"),
            {"X": X},
            arrays=("X",),
            scale=(
                Scale(("X",), equals(far), ("huge",)),
                Scale(("X",), equals(origin), ("tiny",)),
            ),
        ),
        Entry(
            f"{name}.transform",
            query("transform"),
            {"X": X},
            arrays=("X",),
            scale=(
                Scale(("X",), equals(np.tile(NORMS[:, None], (1, 3)), power=1.0), ("huge",)),
                Scale(("X",), equals(at_origin, rtol=1e-12), ("tiny",)),
            ),
        ),
        Entry(
            f"{name}.score",
            query("score"),
            {"X": X},
            arrays=("X",),
            # 1e300: the inertia is beyond float64, refused by name.
            scale=(Scale(("X",), equals(-30 * np.min(np.sum(centres**2, axis=1))), ("tiny",)),),
        ),
    ]


GMM = GaussianMixture(n_components=3, random_state=0).fit(X)
_FAR_COMPONENT = np.argmin(np.einsum("ij,kjl,il->ik", X, GMM.precisions_, X), axis=1)
_LOG_ORIGIN = np.log(GMM.weights_) + np.array(
    [
        multivariate_normal(m, c).logpdf(np.zeros(2))
        for m, c in zip(GMM.means_, GMM.covariances_, strict=True)
    ]
)
_ORIGIN_POSTERIOR = np.exp(_LOG_ORIGIN - logsumexp(_LOG_ORIGIN))
_ORIGIN_DENSITY = logsumexp(_LOG_ORIGIN)
_N_PARAMETERS = 3 * 3 + 3 * 2 + 2  # full covariances, means, weights - 1


def _gmm_query(method, tiny, huge=None):
    scale = [Scale(("X",), tiny, ("tiny",))]
    if huge is not None:
        scale.append(Scale(("X",), huge, ("huge",)))
    return Entry(
        f"glassml.cluster.GaussianMixture.{method}",
        lambda X: getattr(GMM, method)(X),
        {"X": X},
        arrays=("X",),
        scale=tuple(scale),
    )


GMM_OPTIONS = {
    "n_components": opt(0, 31),
    "covariance_type": opt("round"),
    "tol": opt(-1.0),
    "reg_covar": opt(-1.0),
    "max_iter": opt(-1),
    "n_init": opt(0),
    "init_params": opt("best"),
    "random_state": opt(-1),
}
GMM_VALID = {
    "n_components": 3,
    "covariance_type": "full",
    "tol": 1e-3,
    "reg_covar": 1e-6,
    "max_iter": 100,
    "n_init": 1,
    "init_params": "kmeans",
    "random_state": 0,
}

# DBSCAN: eps-graph components with every sample a core (weights at 1e300).
_ADJACENT = cdist(X, X) <= 0.8
_COMPONENTS = connected_components(_ADJACENT, directed=False)[1]
_COMPONENTS = np.unique(_COMPONENTS, return_inverse=True)[1]  # numbered by first sample
DBSCAN_VALID = {"eps": 0.8, "min_samples": 4, "metric": "euclidean", "p": None}
DBSCAN_OPTIONS = {
    "eps": opt(0.0, -1.0),
    "min_samples": opt(0),
    "metric": opt("cosine"),
    "p": opt(0.5, "2", auto=False),
}


def _relabel_by_first_appearance(labels):
    mapping = {label: index for index, label in enumerate(dict.fromkeys(labels))}
    return np.array([mapping[label] for label in labels])


ENTRIES = [
    *_kmeans_entries(KMeans, {}, {}),
    *_kmeans_entries(
        MiniBatchKMeans,
        {"batch_size": opt(0), "reassignment_ratio": opt(-1.0)},
        {"batch_size": 16, "reassignment_ratio": 0.01},
    ),
    Entry(
        "glassml.cluster.MiniBatchKMeans.partial_fit",
        lambda X, **params: MiniBatchKMeans(**params).partial_fit(X).predict(X),
        {"X": X, "n_clusters": 3, "random_state": 0},
        arrays=("X",),
        options={"n_clusters": opt(0, 31), "random_state": opt(-1)},
        scale=(Scale(("X",), invariant()),),
    ),
    Entry(
        "glassml.cluster.kmeans_plusplus",
        kmeans_plusplus,
        {"X": X, "n_clusters": 3, "random_state": 0, "n_local_trials": 3},
        arrays=("X",),
        options={"n_clusters": opt(0, 31), "random_state": opt(-1), "n_local_trials": opt(0)},
        scale=(Scale(("X",), per_output(equivariant(1.0), invariant())),),
    ),
    Entry(
        "glassml.cluster.DBSCAN.fit",
        lambda X, sample_weight, **params: (
            DBSCAN(**params).fit(X, sample_weight=sample_weight).labels_
        ),
        {"X": X, "sample_weight": WEIGHTS, **DBSCAN_VALID},
        arrays=("X", "sample_weight"),
        options=DBSCAN_OPTIONS,
        scale=(
            Scale(("X",), equals(np.full(30, -1)), ("huge",)),
            Scale(("X",), equals(np.zeros(30)), ("tiny",)),
            Scale(("sample_weight",), equals(_relabel_by_first_appearance(_COMPONENTS)), ("huge",)),
            Scale(("sample_weight",), equals(np.full(30, -1)), ("tiny",)),
        ),
    ),
    Entry(
        "glassml.cluster.DBSCAN.fit_predict",
        lambda X, eps, **params: DBSCAN(eps=np.asarray(eps).item(), **params).fit_predict(X),
        {"X": X, "eps": np.array(0.8), "min_samples": 4},
        arrays=("X", "eps"),
        options={"min_samples": opt(0)},
        # eps scaled alongside X: the same neighbourhoods.
        scale=(Scale(("X", "eps"), invariant()),),
        skip={
            "empty": "eps is a single number here (a 0-d array scaled with X): it has no rows",
            "length": "eps is a single number here (a 0-d array scaled with X): it has no rows",
        },
    ),
    Entry(
        "glassml.cluster.GaussianMixture.fit",
        lambda X, **params: GaussianMixture(**params).fit(X).predict_proba(X),
        {"X": X, **GMM_VALID},
        arrays=("X",),
        options=GMM_OPTIONS,
        # reg_covar (1e-6) is negligible at 1e300 and everything at 1e-300.
        scale=(Scale(("X",), invariant(1e-4, 1e-6), ("huge",)), Scale(("X",), constant, ("tiny",))),
    ),
    Entry(
        "glassml.cluster.GaussianMixture.fit_predict",
        lambda X, **params: GaussianMixture(**params).fit_predict(X),
        {"X": X, **GMM_VALID},
        arrays=("X",),
        scale=(Scale(("X",), invariant(), ("huge",)), Scale(("X",), constant, ("tiny",))),
    ),
    _gmm_query(
        "predict", equals(np.full(30, np.argmax(_ORIGIN_POSTERIOR))), equals(_FAR_COMPONENT)
    ),
    _gmm_query(
        "predict_proba",
        equals(np.tile(_ORIGIN_POSTERIOR, (30, 1)), rtol=1e-9),
        equals(np.eye(3)[_FAR_COMPONENT]),
    ),
    # 1e300: log-likelihoods of about -1e600, refused by name.
    _gmm_query("score_samples", equals(np.full(30, _ORIGIN_DENSITY), rtol=1e-9)),
    _gmm_query("score", equals(_ORIGIN_DENSITY, rtol=1e-9)),
    _gmm_query("bic", equals(-2 * 30 * _ORIGIN_DENSITY + _N_PARAMETERS * np.log(30), rtol=1e-9)),
    _gmm_query("aic", equals(-2 * 30 * _ORIGIN_DENSITY + 2 * _N_PARAMETERS, rtol=1e-9)),
    Entry(
        "glassml.cluster.GaussianMixture.sample",
        lambda n_samples: GMM.sample(n_samples)[0],
        {"n_samples": 5},
        options={"n_samples": opt(0, -1)},
    ),
]
