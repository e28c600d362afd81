"""t-SNE: affinities, objective, gradient and the fitted embedding.

References and tolerances:
- perplexity calibration: each row's perplexity exp(H_i), recomputed here in NumPy, equals the
  target to 1e-8 relative; the joint P equals sklearn's ``_joint_probabilities`` (dense) and
  ``_joint_probabilities_nn`` (k-NN) to 1e-4 relative or 1e-5 of the largest entry (sklearn
  stops its bisection at an entropy error of 1e-5 on float32 distances; ours at 1e-10 on
  float64, and the difference in β_i moves the far tail entries the most).
- exact objective and gradient: equal to sklearn's ``_kl_divergence`` to 1e-12, to the naive
  double-loop formula 4 Σ_j (p_ij − q_ij)(y_i − y_j)(1 + ||y_i − y_j||²)⁻¹ to 1e-12, and to
  central finite differences of the KL objective to 1e-6 (α = 1 and α = 2).
- Barnes–Hut: with angle 0 the tree sums every pair, so its gradient equals the exact one to
  1e-9 (also with duplicate and near-duplicate points); with angle 0.5 its relative error (norm)
  is at most 1.25 × that of sklearn's Barnes–Hut gradient on the same embedding (both ~2 %).
- exact method on 120 points: final KL at most 5 % above sklearn's exact TSNE.
- quality on sklearn's digits (all 1,797 images): KL within
  5 % of sklearn's barnes_hut TSNE with the same settings, and trustworthiness (k = 10) at least
  sklearn's minus 0.01.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close, check_grad
from scipy import sparse
from scipy.spatial.distance import pdist, squareform
from sklearn.datasets import load_digits
from sklearn.manifold import TSNE as SklearnTSNE
from sklearn.manifold import trustworthiness
from sklearn.manifold._t_sne import (
    _joint_probabilities,
    _joint_probabilities_nn,
    _kl_divergence,
    _kl_divergence_bh,
)
from sklearn.neighbors import NearestNeighbors

from glassml.decomposition import TSNE
from glassml.decomposition._tsne import (
    conditional_probabilities,
    joint_probabilities,
    joint_probabilities_nn,
    kl_divergence_barnes_hut,
    kl_divergence_exact,
    nearest_neighbors,
)


def _data(n_samples=80, n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(4, n_features))
    return centres[rng.integers(0, 4, n_samples)] + rng.normal(size=(n_samples, n_features))


def _kl(Y, P):
    """KL(P || Q) written directly from the definition, for finite differences."""
    w = 1.0 / (1.0 + squareform(pdist(Y, "sqeuclidean")))
    np.fill_diagonal(w, 0.0)
    Q = w / w.sum()
    mask = P > 0
    return np.sum(P[mask] * np.log(P[mask] / Q[mask]))


@pytest.mark.parametrize("perplexity", [2.0, 10.0, 40.0])
def test_each_row_reaches_the_target_perplexity(perplexity):
    X = _data(n_samples=100)
    sq_distances = squareform(pdist(X, "sqeuclidean"))
    neighbors = np.tile(np.arange(100), (100, 1))
    np.fill_diagonal(neighbors, -1)
    conditional = conditional_probabilities(sq_distances, neighbors, perplexity)
    assert_close(conditional.sum(axis=1), np.ones(100), rtol=1e-12, what="row sums")
    assert np.all(np.diag(conditional) == 0)
    safe = np.where(conditional > 0, conditional, 1.0)
    entropy = -np.sum(conditional * np.log(safe), axis=1)
    assert_close(np.exp(entropy), np.full(100, perplexity), rtol=1e-8, what="perplexity")


def test_dense_joint_probabilities_match_sklearn():
    X = _data()
    mine = joint_probabilities(X, 12.0)
    theirs = squareform(_joint_probabilities(squareform(pdist(X, "sqeuclidean")), 12.0, 0))
    assert_close(mine, mine.T, rtol=0, atol=0, what="symmetry")
    assert_close(mine.sum(), 1.0, rtol=1e-12, what="total mass")
    # sklearn's looser bisection shifts β_i by ~1e-5 / |dH/dβ|, which moves a tail entry
    # exp(−β d²) relatively by d² δβ: entries agree to 1e-4 relative or 1e-5 of the largest.
    assert_close(mine, theirs, rtol=1e-4, atol=1e-5 * theirs.max(), what="P")


def test_nearest_neighbour_joint_probabilities_match_sklearn():
    X = _data(n_samples=120)
    mine = joint_probabilities_nn(X, 8.0, 25)
    graph = NearestNeighbors(n_neighbors=25).fit(X).kneighbors_graph(mode="distance")
    graph.data **= 2
    theirs = _joint_probabilities_nn(sparse.csr_matrix(graph), 8.0, 0)
    theirs = theirs.toarray()
    assert_close(mine.toarray(), theirs, rtol=1e-4, atol=1e-5 * theirs.max(), what="sparse P")


def test_exact_objective_and_gradient_match_sklearn_and_the_formula():
    X = _data(n_samples=40)
    P = joint_probabilities(X, 8.0)
    Y = np.random.default_rng(1).normal(size=(40, 2))
    error, grad = kl_divergence_exact(Y, P)
    their_error, their_grad = _kl_divergence(Y.ravel(), squareform(P, checks=False), 1, 40, 2)
    assert_close(error, their_error, rtol=1e-12, what="KL")
    assert_close(grad.ravel(), their_grad, rtol=1e-12, atol=1e-15, what="gradient")
    assert_close(error, _kl(Y, P), rtol=1e-12, what="KL by definition")
    w = 1.0 / (1.0 + squareform(pdist(Y, "sqeuclidean")))
    np.fill_diagonal(w, 0.0)
    Q = w / w.sum()
    naive = np.zeros_like(Y)
    for i in range(40):
        for j in range(40):
            if i != j:
                naive[i] += 4.0 * (P[i, j] - Q[i, j]) * (Y[i] - Y[j]) * w[i, j]
    assert_close(grad, naive, rtol=1e-10, atol=1e-15, what="4 Σ (p − q)(y_i − y_j)/(1 + d²)")


@pytest.mark.parametrize("n_components", [2, 3])
def test_exact_gradient_matches_finite_differences(n_components):
    X = _data(n_samples=30)
    P = joint_probabilities(X, 6.0)
    dof = max(n_components - 1, 1)
    Y = np.random.default_rng(2).normal(size=(30, n_components))

    def objective(Y):
        return kl_divergence_exact(Y, P, dof)[0]

    check_grad(objective, Y, jac=lambda Y: kl_divergence_exact(Y, P, dof)[1], tol=1e-6)


@pytest.mark.parametrize("n_components", [1, 2, 3])
def test_barnes_hut_with_angle_zero_is_exact(n_components):
    X = _data(n_samples=150)
    P = joint_probabilities(X, 10.0)
    rng = np.random.default_rng(3)
    Y = rng.normal(size=(150, n_components))
    Y[100:120] = Y[:20]  # exact duplicates share a finest-level leaf
    Y[120:140] = Y[20:40] + 1e-9  # near-duplicates form chains of single-child cells
    dof = max(n_components - 1, 1)
    exact_error, exact_grad = kl_divergence_exact(Y, P, dof)
    error, grad = kl_divergence_barnes_hut(Y, sparse.csr_array(P), dof, angle=0.0)
    assert_close(grad, exact_grad, rtol=1e-9, atol=1e-13, what="gradient (angle 0)")
    assert_close(error, exact_error, rtol=1e-9, what="KL (angle 0)")


@pytest.mark.parametrize("n_components", [1, 2, 3])
def test_parallel_gradient_equals_the_serial_one_bitwise(n_components):
    # The Morton order (and the rows of P) cut into runs on several threads: every point's walk
    # is the same and Z is summed in order from per-point shares, so nothing may change at all.
    from glassml.decomposition import _tsne_kernels as kernels

    Y = np.random.default_rng(5).normal(size=(300, n_components))
    Y[200:220] = Y[:20]
    dof = float(max(n_components - 1, 1))
    serial = np.empty_like(Y)
    serial_normaliser = kernels.repulsive_forces(Y, 0.5, dof, serial, 1)
    for n_chunks in (2, 7, 300):
        parallel = np.empty_like(Y)
        normaliser = kernels.repulsive_forces(Y, 0.5, dof, parallel, n_chunks)
        assert_close(parallel, serial, rtol=0, atol=0, what=f"forces, {n_chunks} runs")
        assert normaliser == serial_normaliser
    # And the parallel path with every cell opened is the exact sum.
    P = joint_probabilities(_data(n_samples=300), 10.0)
    _, exact_grad = kl_divergence_exact(Y, P, dof)
    attraction = np.empty_like(Y)
    P_sparse = sparse.csr_array(P)
    kernels.attractive_forces(Y, P_sparse.data, P_sparse.indices, P_sparse.indptr, dof, attraction)
    attraction_in_runs = np.empty_like(Y)
    kernels.attractive_forces(
        Y, P_sparse.data, P_sparse.indices, P_sparse.indptr, dof, attraction_in_runs, 7
    )
    assert_close(attraction_in_runs, attraction, rtol=0, atol=0, what="attraction, 7 runs")
    # Both sums at once (the attraction on a pool thread while the tree is built).
    together = np.empty_like(Y), np.empty_like(Y)
    args = (Y, P_sparse.data, P_sparse.indices, P_sparse.indptr, 0.5, dof)
    assert kernels.barnes_hut_forces(*args, *together, 3) == serial_normaliser
    assert_close(together[0], attraction, rtol=0, atol=0, what="attraction, with the walk")
    assert_close(together[1], serial, rtol=0, atol=0, what="repulsion, with the attraction")
    normaliser = kernels.repulsive_forces(Y, 0.0, dof, parallel, 7)
    grad = 2.0 * (dof + 1.0) / dof * (attraction - parallel / normaliser)
    assert_close(grad, exact_grad, rtol=1e-9, atol=1e-13, what="gradient (angle 0, 7 runs)")


def test_barnes_hut_approximation_error_is_like_sklearns():
    X = _data(n_samples=400)
    P = joint_probabilities(X, 20.0)
    Y = np.random.default_rng(4).normal(size=(400, 2)) * 5
    _, exact_grad = kl_divergence_exact(Y, P)
    _, grad = kl_divergence_barnes_hut(Y, sparse.csr_array(P), angle=0.5)
    _, their_grad = _kl_divergence_bh(
        Y.ravel().astype(np.float32), sparse.csr_matrix(P.astype(np.float32)), 1, 400, 2
    )
    error = np.linalg.norm(grad - exact_grad) / np.linalg.norm(exact_grad)
    their_error = np.linalg.norm(their_grad.reshape(Y.shape) - exact_grad) / np.linalg.norm(
        exact_grad
    )
    assert 0 < error < 1.25 * their_error < 0.05


@pytest.fixture(scope="module")
def digits():
    return load_digits().data


def test_quality_on_digits_matches_sklearn(digits):
    mine = TSNE(random_state=0).fit(digits)
    theirs = SklearnTSNE(random_state=0).fit(digits)
    assert abs(mine.kl_divergence_ - theirs.kl_divergence_) <= 0.05 * theirs.kl_divergence_
    mine_trust = trustworthiness(digits, mine.embedding_, n_neighbors=10)
    their_trust = trustworthiness(digits, theirs.embedding_, n_neighbors=10)
    assert mine_trust >= their_trust - 0.01
    assert mine.n_iter_ == 1000 and mine.learning_rate_ == theirs.learning_rate_
    history = mine.history_
    assert history["iteration"][-1] == 1000 and len(history["kl_divergence"]) == 20
    # After exaggeration ends (iteration 250) the true objective decreases.
    assert history["kl_divergence"][-1] < history["kl_divergence"][5]


def test_exact_method_matches_sklearn_exact():
    X = _data(n_samples=120, seed=5)
    mine = TSNE(method="exact", perplexity=15, random_state=0).fit(X)
    theirs = SklearnTSNE(method="exact", perplexity=15, random_state=0).fit(X)
    # sklearn's exact path runs in float32 from the float32 PCA start, so the two descents part
    # ways and settle in nearby minima: ours must be no worse than 5 % above sklearn's.
    assert mine.kl_divergence_ <= 1.05 * theirs.kl_divergence_
    assert_close(mine.kl_divergence_, _kl(mine.embedding_, joint_probabilities(X, 15)), rtol=0.05)


def test_random_init_is_reproducible():
    X = _data(n_samples=60)
    first = TSNE(init="random", perplexity=5, max_iter=300, random_state=3).fit_transform(X)
    second = TSNE(init="random", perplexity=5, max_iter=300, random_state=3).fit_transform(X)
    assert_close(first, second, rtol=0, atol=0, what="same seed")
    init = np.random.default_rng(0).normal(size=(60, 2)) * 1e-4
    start = TSNE(init=init, perplexity=5, max_iter=250).fit(X)
    assert start.embedding_.shape == (60, 2) and np.isfinite(start.kl_divergence_)


@pytest.mark.parametrize(
    ("params", "X", "match"),
    [
        ({"perplexity": 80}, _data(), "perplexity"),
        ({"perplexity": 0}, _data(), "perplexity"),
        ({"n_components": 4}, _data(), "n_components"),
        ({"method": "fft"}, _data(), "method"),
        ({"angle": 1.5}, _data(), "angle"),
        ({"max_iter": 100}, _data(), "max_iter"),
        ({"init": "spectral"}, _data(), "init"),
        ({"init": np.zeros((3, 2))}, _data(), "init"),
        ({"learning_rate": -1.0}, _data(), "learning_rate"),
        ({"n_components": 7, "method": "exact"}, _data(), "n_components"),
        ({}, np.where(np.eye(80, 6) == 1, np.nan, 1.0), "X"),
        ({}, np.where(np.eye(80, 6) == 1, np.inf, 1.0), "X"),
    ],
)
def test_bad_input_raises_value_error_naming_argument(params, X, match):
    with pytest.raises(ValueError, match=match):
        TSNE(**params).fit(X)


def test_data_at_1e300_embeds_and_infinite_distances_never_reach_the_kernels():
    """Once an abort (double free): cKDTree's index n for neighbours at infinite distances
    went into a sparse matrix. Now X is embedded in its units, and such distances are refused."""
    X = _data(n_samples=30)
    Y = TSNE(perplexity=5, max_iter=250, random_state=0).fit_transform(X * 1e300)
    assert Y.shape == (30, 2) and np.all(np.isfinite(Y))
    with pytest.raises(ValueError, match=r"^X: expected samples whose distances"):
        nearest_neighbors(X * 1e300, 15)
    with pytest.raises(ValueError, match=r"^X: expected samples whose squared distances"):
        conditional_probabilities(np.full((3, 2), np.inf), np.zeros((3, 2), dtype=int), 1.5)
