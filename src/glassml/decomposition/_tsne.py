"""t-distributed stochastic neighbour embedding: affinities, objective, gradient, update."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numba
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist, squareform
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from glassml._scaling import scale_of
from glassml._validation import check_fit_X, check_named_array
from glassml.decomposition import _tsne_kernels as kernels
from glassml.decomposition._pca import PCA

MACHINE_EPSILON = np.finfo(np.float64).eps
# Entropy tolerance (nats) of the perplexity bisection, and its step budget.
PERPLEXITY_TOLERANCE = 1e-10
PERPLEXITY_MAX_STEPS = 200
# Below this many points one Barnes–Hut iteration takes well under a millisecond and handing
# work to threads costs more than it saves: the gradient runs on one thread.
PARALLEL_MIN_SAMPLES = 2_000


# ---------------------------------------------------------------- affinities in the input space
def conditional_probabilities(
    sq_distances: np.ndarray, neighbors: np.ndarray, perplexity: float
) -> np.ndarray:
    """p_{j|i} = exp(−β_i d²_ij) / Σ_k exp(−β_i d²_ik), with β_i set so that exp(H_i) = perplexity.

    ``sq_distances[i, j]`` is the squared distance from i to ``neighbors[i, j]``; entries with
    ``neighbors < 0`` (i itself) get probability 0. Entropy is in nats, perplexity = e^H.
    Non-finite distances or probabilities are refused before and after the compiled kernel.
    """
    sq_distances = np.ascontiguousarray(sq_distances, dtype=np.float64)
    if not np.all(np.isfinite(sq_distances)):
        raise ValueError(
            "X: expected samples whose squared distances fit in float64, got some beyond "
            "1.8e308 (or NaN)"
        )
    P, _ = kernels.binary_search_perplexity(
        sq_distances,
        np.ascontiguousarray(neighbors, dtype=np.int64),
        float(perplexity),
        PERPLEXITY_TOLERANCE,
        PERPLEXITY_MAX_STEPS,
    )
    if not np.all(np.isfinite(P)):
        raise ValueError(
            "X: expected affinities p_j|i that are finite, got NaN or infinity (duplicate or "
            "degenerate samples?)"
        )
    return P


def joint_probabilities(X: np.ndarray, perplexity: float) -> np.ndarray:
    """Dense symmetric P: p_ij = (p_{j|i} + p_{i|j}) / (2n), floored at machine ε off the
    diagonal (as scikit-learn does, so log p is finite), p_ii = 0."""
    n_samples = X.shape[0]
    sq_distances = squareform(pdist(X, "sqeuclidean"))
    neighbors = np.tile(np.arange(n_samples), (n_samples, 1))
    np.fill_diagonal(neighbors, -1)
    conditional = conditional_probabilities(sq_distances, neighbors, perplexity)
    P = conditional + conditional.T
    P /= max(P.sum(), MACHINE_EPSILON)
    P = np.maximum(P, MACHINE_EPSILON)
    np.fill_diagonal(P, 0.0)
    return P


def nearest_neighbors(X: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_neighbors`` nearest other samples of each sample (KD-tree), squared distances."""
    n_samples = X.shape[0]
    distances, indices = cKDTree(X).query(X, k=n_neighbors + 1)
    # cKDTree marks a neighbour it cannot place (an infinite distance) with index n: passed on
    # into a sparse matrix, that index wrote past its arrays and aborted the process.
    if np.any(indices >= n_samples) or not np.all(np.isfinite(distances)):
        raise ValueError(
            "X: expected samples whose distances to each other fit in float64, got distances "
            "beyond 1.8e308 (or NaN)"
        )
    # Usually column 0 is the sample itself; with duplicates it may sit elsewhere or not at all.
    is_self = indices == np.arange(n_samples)[:, np.newaxis]
    keep = np.argsort(is_self, axis=1, kind="stable")[:, :n_neighbors]
    rows = np.arange(n_samples)[:, np.newaxis]
    return distances[rows, keep] ** 2, indices[rows, keep]


def joint_probabilities_nn(X: np.ndarray, perplexity: float, n_neighbors: int) -> sparse.csr_array:
    """Sparse symmetric P over each sample's nearest neighbours: p_ij = (p_{j|i} + p_{i|j}) / Σ."""
    n_samples = X.shape[0]
    sq_distances, indices = nearest_neighbors(X, n_neighbors)
    conditional = conditional_probabilities(sq_distances, indices, perplexity)
    indptr = np.arange(0, n_samples * n_neighbors + 1, n_neighbors)
    P = sparse.csr_array((conditional.ravel(), indices.ravel(), indptr), (n_samples, n_samples))
    P = (P + P.T).tocsr()
    P /= max(P.sum(), MACHINE_EPSILON)
    P.sort_indices()
    return P


# ----------------------------------------------------------------- objective and its gradient
def _student_t(sq_distances: np.ndarray, dof: float) -> tuple[np.ndarray, np.ndarray]:
    """u = (1 + d²/α)⁻¹ and the unnormalised affinity w = u^((α+1)/2)."""
    u = 1.0 / (1.0 + sq_distances / dof)
    return (u if dof == 1.0 else u ** ((dof + 1.0) / 2.0)), u


def kl_divergence_exact(
    Y: np.ndarray, P: np.ndarray, dof: float = 1.0, compute_error: bool = True
) -> tuple[float, np.ndarray]:
    """C = KL(P || Q) = Σ_{i≠j} p_ij log(p_ij / q_ij), q_ij = w_ij / Σ_{k≠l} w_kl, and

        ∂C/∂y_i = (2(α+1)/α) Σ_j (p_ij − q_ij) u_ij (y_i − y_j)

    (with α = 1: 4 Σ_j (p_ij − q_ij)(1 + ||y_i − y_j||²)⁻¹ (y_i − y_j)). O(n²) time and memory.
    """
    _check_embedding(Y)
    w, u = _student_t(squareform(pdist(Y, "sqeuclidean")), dof)
    np.fill_diagonal(w, 0.0)
    Q = np.maximum(w / w.sum(), MACHINE_EPSILON)
    np.fill_diagonal(Q, 0.0)
    error = np.nan
    if compute_error:
        off_diagonal = P > 0
        error = float(np.sum(P[off_diagonal] * np.log(P[off_diagonal] / Q[off_diagonal])))
    stiffness = (P - Q) * u
    np.fill_diagonal(stiffness, 0.0)
    # Σ_j s_ij (y_i − y_j) = (Σ_j s_ij) y_i − (S Y)_i
    grad = stiffness.sum(axis=1)[:, np.newaxis] * Y - stiffness @ Y
    return error, (2.0 * (dof + 1.0) / dof) * grad


def _check_embedding(Y: np.ndarray) -> None:
    """Refuse a non-finite embedding before it reaches the compiled tree and walk."""
    if not np.all(np.isfinite(Y)):
        raise ValueError(
            "learning_rate: expected an embedding that stays finite, got NaN or infinity: the "
            "gradient descent diverged (lower learning_rate or early_exaggeration)"
        )


def _n_runs(n_samples: int) -> int:
    """Threads for the Barnes–Hut gradient: numba's (set_num_threads / NUMBA_NUM_THREADS)."""
    return 1 if n_samples < PARALLEL_MIN_SAMPLES else numba.get_num_threads()


def kl_divergence_barnes_hut(
    Y: np.ndarray,
    P: sparse.csr_array,
    dof: float = 1.0,
    angle: float = 0.5,
    compute_error: bool = True,
) -> tuple[float, np.ndarray]:
    """The same objective and gradient with sparse P and the Barnes–Hut repulsion:

        ∂C/∂y_i = (2(α+1)/α) [ Σ_j p_ij u_ij (y_i − y_j) − (1/Z) Σ_j w_ij u_ij (y_i − y_j) ],

    the first sum over the stored p_ij, the second approximated on the tree (angle θ);
    C is summed over the stored p_ij with q_ij = w_ij / Z.
    """
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    _check_embedding(Y)
    attraction = np.empty_like(Y)
    repulsion = np.empty_like(Y)
    normaliser = kernels.barnes_hut_forces(
        Y, P.data, P.indices, P.indptr, angle, dof, attraction, repulsion, _n_runs(Y.shape[0])
    )
    error = np.nan
    if compute_error:
        error = kernels.sparse_kl_divergence(Y, P.data, P.indices, P.indptr, dof, normaliser)
    grad = attraction - repulsion / normaliser
    return error, (2.0 * (dof + 1.0) / dof) * grad


# ----------------------------------------------------------------------------------- update
def gradient_descent(
    objective,
    Y: np.ndarray,
    *,
    start: int,
    stop: int,
    momentum: float,
    learning_rate: float,
    min_gain: float,
    min_grad_norm: float,
    n_iter_without_progress: int,
    n_iter_check: int,
    history: dict[str, list],
) -> tuple[np.ndarray, float, int]:
    """Gradient descent with momentum and per-coordinate gains (Jacobs, 1988):

        g_t ← g_{t−1} + 0.2 if sign(∇C) ≠ sign(Δ_{t−1}) else 0.8 g_{t−1},  g_t >= min_gain
        Δ_t = momentum Δ_{t−1} − η g_t ⊙ ∇C,   Y ← Y + Δ_t

    C is evaluated every ``n_iter_check`` iterations; stops early when it has not improved for
    ``n_iter_without_progress`` iterations or ||g ⊙ ∇C|| <= ``min_grad_norm``.
    Returns (Y, last C, last iteration index).
    """
    Y = Y.copy()
    update = np.zeros_like(Y)
    gains = np.ones_like(Y)
    error = best_error = np.finfo(np.float64).max
    best_iteration = iteration = start
    for iteration in range(start, stop):
        check = (iteration + 1) % n_iter_check == 0
        error, grad = objective(Y, compute_error=check or iteration == stop - 1)
        same_direction = update * grad < 0.0  # descent continues along the previous step
        gains = np.where(same_direction, gains + 0.2, gains * 0.8)
        np.maximum(gains, min_gain, out=gains)
        grad *= gains
        update = momentum * update - learning_rate * grad
        Y += update
        if check:
            grad_norm = float(np.linalg.norm(grad))
            history["iteration"].append(iteration + 1)
            history["kl_divergence"].append(error)
            history["grad_norm"].append(grad_norm)
            if error < best_error:
                best_error, best_iteration = error, iteration
            elif iteration - best_iteration > n_iter_without_progress:
                break
            if grad_norm <= min_grad_norm:
                break
    return Y, error, iteration


class TSNE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """t-distributed stochastic neighbour embedding.

    Affinities: p_{j|i} ∝ exp(−β_i ||x_i − x_j||²), each β_i found by bisection so that the
    row's perplexity exp(H_i) equals ``perplexity``; P is symmetrised, p_ij = (p_{j|i} + p_{i|j})
    / 2n ("exact": over all pairs; "barnes_hut": over the ⌊3 perplexity + 1⌋ nearest neighbours
    found with a KD-tree). In the embedding, q_ij = w_ij / Σ_{k≠l} w_kl with the Student-t
    kernel w_ij = (1 + ||y_i − y_j||²/α)^(−(α+1)/2), α = max(n_components − 1, 1).

    Objective: C(Y) = KL(P || Q) = Σ_{i≠j} p_ij log(p_ij / q_ij).
    Gradient: ∂C/∂y_i = (2(α+1)/α) Σ_j (p_ij − q_ij)(1 + ||y_i − y_j||²/α)⁻¹ (y_i − y_j), exact in
    O(n²) or with the repulsive part by Barnes–Hut on a 2^d-tree in O(n log n) (``angle`` θ).
    Update: gradient descent with momentum and gains, η = ``learning_rate`` ("auto":
    max(n / early_exaggeration / 4, 50)); the first 250 iterations use P × early_exaggeration
    and momentum 0.5, the rest P and momentum 0.8 (scikit-learn's schedule).

    Parameters
    ----------
    n_components : int, default=2
    perplexity : float, default=30.0
        Must be less than n_samples.
    early_exaggeration : float, default=12.0
    learning_rate : float or "auto", default="auto"
    max_iter : int, default=1000
        At least 250 (the exaggeration phase).
    n_iter_without_progress : int, default=300
    min_grad_norm : float, default=1e-7
    init : {"pca", "random"} or ndarray (n_samples, n_components), default="pca"
        "pca": the PCA projection scaled so its first column has standard deviation 1e-4;
        "random": N(0, 1e-4²) entries.
    random_state : int, RandomState or None
    method : {"barnes_hut", "exact"}, default="barnes_hut"
    angle : float in [0, 1], default=0.5
        Barnes–Hut opening criterion θ: a cell of width r at distance D is summarised when
        r / D < θ.

    Attributes
    ----------
    embedding_ : ndarray (n_samples, n_components)
    kl_divergence_ : float
        KL(P || Q) at the last iteration.
    learning_rate_ : float
    n_iter_ : int
        Iterations run.
    history_ : dict of 1-D arrays
        "iteration", "kl_divergence", "grad_norm" every 50 iterations.

    References
    ----------
    van der Maaten & Hinton (2008), "Visualizing data using t-SNE", JMLR 9;
    van der Maaten (2014), "Accelerating t-SNE using tree-based algorithms", JMLR 15;
    Belkina et al. (2019) and Kobak & Berens (2019) for the "auto" learning rate.

    Units: the affinities P depend on distances only through each row's calibrated kernel, so
    they do not depend on the units of X; X is divided by a power of two near its typical
    magnitude (exact) first, and data at 1e300 or 1e-300 embeds as it does at 1.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.decomposition import TSNE
    >>> X = np.vstack([np.zeros((10, 3)), np.full((10, 3), 5.0)])
    >>> X += np.random.default_rng(0).normal(scale=0.1, size=X.shape)
    >>> Y = TSNE(perplexity=5, max_iter=250, random_state=0).fit_transform(X)
    >>> Y.shape, bool(np.linalg.norm(Y[:10].mean(0) - Y[10:].mean(0)) > np.std(Y[:10]))
    ((20, 2), True)
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "perplexity": [Interval(Real, 0, None, closed="neither")],
        "early_exaggeration": [Interval(Real, 1, None, closed="left")],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 250, None, closed="left")],
        "n_iter_without_progress": [Interval(Integral, -1, None, closed="left")],
        "min_grad_norm": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"pca", "random"}), np.ndarray],
        "random_state": ["random_state"],
        "method": [StrOptions({"barnes_hut", "exact"})],
        "angle": [Interval(Real, 0, 1, closed="both")],
    }
    _EXPLORATION_MAX_ITER = 250
    _N_ITER_CHECK = 50

    def __init__(
        self,
        n_components: int = 2,
        *,
        perplexity: float = 30.0,
        early_exaggeration: float = 12.0,
        learning_rate: float | str = "auto",
        max_iter: int = 1000,
        n_iter_without_progress: int = 300,
        min_grad_norm: float = 1e-7,
        init: str | np.ndarray = "pca",
        random_state=None,
        method: str = "barnes_hut",
        angle: float = 0.5,
    ):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_iter_without_progress = n_iter_without_progress
        self.min_grad_norm = min_grad_norm
        self.init = init
        self.random_state = random_state
        self.method = method
        self.angle = angle

    def fit(self, X, y=None) -> TSNE:
        """Embed X (n_samples, n_features); the result is in ``embedding_``."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Embed X and return the embedding (n_samples, n_components)."""
        self._validate_params()
        X = check_fit_X(self, X, dtype=np.float64, ensure_min_samples=2)
        unit = scale_of(X)
        X = X / unit if unit != 1.0 else X
        n_samples = X.shape[0]
        if self.perplexity >= n_samples:
            raise ValueError(
                f"perplexity: expected less than n_samples = {n_samples}, got {self.perplexity}"
            )
        if self.method == "barnes_hut" and self.n_components > 3:
            raise ValueError(
                f"n_components: expected at most 3 with method='barnes_hut' (the tree has "
                f"2^n_components children per cell; use method='exact'), got {self.n_components}"
            )
        random_state = check_random_state(self.random_state)
        self.learning_rate_ = (
            max(n_samples / self.early_exaggeration / 4.0, 50.0)
            if self.learning_rate == "auto"
            else float(self.learning_rate)
        )

        if self.method == "exact":
            P = joint_probabilities(X, self.perplexity)
        else:
            n_neighbors = min(n_samples - 1, int(3.0 * self.perplexity + 1))
            P = joint_probabilities_nn(X, self.perplexity, n_neighbors)

        Y = self._initial_embedding(X, random_state)
        dof = float(max(self.n_components - 1, 1))
        if self.method == "exact":

            def objective(Y, P, compute_error):
                return kl_divergence_exact(Y, P, dof, compute_error)
        else:

            def objective(Y, P, compute_error):
                return kl_divergence_barnes_hut(Y, P, dof, self.angle, compute_error)

        history: dict[str, list] = {"iteration": [], "kl_divergence": [], "grad_norm": []}
        schedule = {
            "learning_rate": self.learning_rate_,
            "min_gain": 0.01,
            "min_grad_norm": self.min_grad_norm,
            "n_iter_check": self._N_ITER_CHECK,
            "history": history,
        }
        # Phase 1: early exaggeration pulls the P-neighbours together into tight clusters.
        exaggerated = P * self.early_exaggeration
        Y, error, iteration = gradient_descent(
            lambda Y, compute_error: objective(Y, exaggerated, compute_error),
            Y,
            start=0,
            stop=self._EXPLORATION_MAX_ITER,
            momentum=0.5,
            n_iter_without_progress=self._EXPLORATION_MAX_ITER,
            **schedule,
        )
        # Phase 2: the true objective, higher momentum.
        if self.max_iter > self._EXPLORATION_MAX_ITER:
            Y, error, iteration = gradient_descent(
                lambda Y, compute_error: objective(Y, P, compute_error),
                Y,
                start=iteration + 1,
                stop=self.max_iter,
                momentum=0.8,
                n_iter_without_progress=self.n_iter_without_progress,
                **schedule,
            )
        self.n_iter_ = iteration + 1
        self.kl_divergence_ = float(error)
        self.history_ = {key: np.asarray(values) for key, values in history.items()}
        self.embedding_ = Y
        return Y

    def _initial_embedding(self, X: np.ndarray, random_state) -> np.ndarray:
        n_samples = X.shape[0]
        if isinstance(self.init, np.ndarray):
            init = check_named_array(self.init, "init", dtype=np.float64, copy=True)
            if init.shape != (n_samples, self.n_components):
                raise ValueError(
                    f"init: expected shape (n_samples, n_components) = "
                    f"{(n_samples, self.n_components)}, got {init.shape}"
                )
            return init
        if self.init == "pca":
            if self.n_components > X.shape[1]:
                raise ValueError(
                    f"n_components: expected at most n_features = {X.shape[1]} with init='pca' "
                    f"(use init='random'), got {self.n_components}"
                )
            projected = PCA(self.n_components, random_state=random_state).fit_transform(X)
            # Same scale as the random start: the first axis gets standard deviation 1e-4.
            scale = np.std(projected[:, 0])
            return projected / scale * 1e-4 if scale > 0 else projected
        return 1e-4 * random_state.standard_normal(size=(n_samples, self.n_components))

    @property
    def _n_features_out(self) -> int:
        return self.embedding_.shape[1]
