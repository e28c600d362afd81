"""Recommenders vs implicit and Surprise, on MovieLens 100K (read from ../shared/data).

Targets from the issue (ratio glassml / reference):

- ``implicit_als``: MovieLens 100K binarised, 64 factors, 15 iterations, conjugate gradient
  (3 steps), float32 (``implicit``'s default precision), <= 1.5x
  ``implicit.cpu.als.AlternatingLeastSquares``, both on 2 threads (ours: Numba's thread count;
  implicit: ``num_threads=2`` with BLAS on one thread, as its documentation asks). Both start
  from the same factors; the check prints both final losses and precision@10 on a held-out
  20 %.
- ``funk_svd``: MovieLens 100K (all ratings), 100 factors, 20 epochs, Surprise's defaults,
  <= 0.5x ``surprise.SVD``; the check prints both training RMSEs.
- ``bpr``: MovieLens 100K binarised, 100 factors, 100 epochs (implicit's defaults), lr 0.01,
  reg 0.01, float32, negatives drawn by popularity as implicit draws them, <= 1.5x
  ``implicit.cpu.bpr`` on one thread: LearnBPR is a sequential SGD and ours runs it as such;
  implicit on 2 threads (Hogwild updates) is timed alongside as a peer. The check prints the
  training AUC estimates and held-out AUC.

The scale check (10 million power-law interactions, 1 million users x 100,000 items, 15
iterations, peak memory < 4 GiB) is not a ratio and runs once, in a fresh process:
``python -c "from benchmarks.bench_recommend import scale_check; scale_check()"``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks._harness import Workload, register

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "movielens-100k"
THREADS = 2


def _movielens(binary: bool):
    import pandas as pd

    from glassml.recommend import Interactions

    frame = pd.read_csv(
        DATA / "u.data", sep="\t", names=["user_id", "item_id", "rating", "timestamp"]
    )
    if binary:
        return Interactions.from_frame(frame, "user_id", "item_id")
    return Interactions.from_frame(
        frame, "user_id", "item_id", rating="rating", rating_scale=(1, 5)
    )


def _limited_blas(function):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        return function()


# ------------------------------------------------------------------ implicit ALS

ALS = {"factors": 64, "iterations": 15, "regularization": 0.01}


def _als_data():
    import warnings

    from glassml.recommend import random_split

    warnings.filterwarnings("ignore", message="OpenBLAS is configured")
    data = _movielens(binary=True)
    rng = np.random.default_rng(0)
    start = (
        rng.random((data.n_users, ALS["factors"]), dtype=np.float32) * np.float32(0.01),
        rng.random((data.n_items, ALS["factors"]), dtype=np.float32) * np.float32(0.01),
    )
    confidence = data.matrix.astype(np.float32)
    confidence.data = 1.0 + confidence.data  # implicit takes C = 1 + alpha r itself (alpha 1)
    return {
        "data": data,
        "confidence": confidence,
        "start": start,
        "split": random_split(data, 0.2, random_state=0),
    }


def _als_ours(bundle):
    import numba

    from glassml.recommend import ImplicitALS

    numba.set_num_threads(THREADS)
    return ImplicitALS(
        n_factors=ALS["factors"],
        reg=ALS["regularization"],
        alpha=1.0,
        n_iter=ALS["iterations"],
        solver="cg",
        cg_steps=3,
        dtype="float32",
        random_state=0,
    ).fit(bundle["data"])


def _als_reference(bundle):
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(
        factors=ALS["factors"],
        regularization=ALS["regularization"],
        alpha=1.0,
        iterations=ALS["iterations"],
        dtype=np.float32,
        num_threads=THREADS,
        calculate_training_loss=True,
    )
    model.user_factors, model.item_factors = (factors.copy() for factors in bundle["start"])
    _limited_blas(lambda: model.fit(bundle["confidence"], show_progress=False))
    return model


def _precision(user_factors, item_factors, split) -> float:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.evaluation import precision_at_k

    mirror = AlternatingLeastSquares(factors=user_factors.shape[1])
    mirror.user_factors, mirror.item_factors = user_factors, item_factors
    train, test = split
    return precision_at_k(mirror, train.matrix, test.matrix, K=10, show_progress=False)


def _als_check(bundle, ours, reference) -> str:
    from implicit.cpu._als import calculate_loss

    confidence = bundle["confidence"]
    normaliser = confidence.data.sum() + confidence.shape[0] * confidence.shape[1] - confidence.nnz
    theirs = calculate_loss(
        confidence, reference.user_factors, reference.item_factors, ALS["regularization"]
    )
    mine = ours.history_["loss"][-1] / normaliser
    # Ranking quality of each side's factors, both scored by implicit's evaluation.
    held_out = {
        "ours": _als_fit_split(bundle, "ours"),
        "implicit": _als_fit_split(bundle, "implicit"),
    }
    return (
        f"loss {mine:.6f} vs {theirs:.6f} (rel. diff {abs(mine / theirs - 1):.1e}); "
        f"held-out precision@10 {held_out['ours']:.4f} vs {held_out['implicit']:.4f}"
    )


def _als_fit_split(bundle, side):
    from implicit.cpu.als import AlternatingLeastSquares

    from glassml.recommend import ImplicitALS

    train, _ = bundle["split"]
    if side == "ours":
        model = ImplicitALS(
            n_factors=ALS["factors"],
            reg=ALS["regularization"],
            alpha=1.0,
            n_iter=ALS["iterations"],
            dtype="float32",
            random_state=0,
        ).fit(train)
        return _precision(model.user_factors_, model.item_factors_, bundle["split"])
    confidence = train.matrix.astype(np.float32)
    confidence.data = 1.0 + confidence.data
    model = AlternatingLeastSquares(
        factors=ALS["factors"],
        regularization=ALS["regularization"],
        iterations=ALS["iterations"],
        dtype=np.float32,
        random_state=0,
        num_threads=THREADS,
    )
    _limited_blas(lambda: model.fit(confidence, show_progress=False))
    return _precision(model.user_factors, model.item_factors, bundle["split"])


register(
    Workload(
        name="implicit_als",
        description="ImplicitALS, MovieLens 100K binarised, 64 factors, 15 iterations, CG, "
        "float32, 2 threads",
        setup=_als_data,
        ours=_als_ours,
        reference=_als_reference,
        reference_label="implicit",
        target=1.5,
        requires=("implicit",),
        check=_als_check,
    )
)

# ------------------------------------------------------------------ FunkSVD


def _funk_data():
    from surprise import Dataset, Reader

    data = _movielens(binary=False)
    frame = data.to_frame()[["user", "item", "value"]]
    trainset = Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()
    return data, trainset


def _funk_ours(bundle):
    from glassml.recommend import FunkSVD

    return FunkSVD(n_factors=100, n_epochs=20, random_state=0).fit(bundle[0])


def _funk_reference(bundle):
    from surprise import SVD

    return SVD(n_factors=100, n_epochs=20, random_state=0).fit(bundle[1])


def _funk_check(bundle, ours, reference) -> str:
    from glassml.recommend import rmse

    frame = bundle[0].to_frame()
    mine = rmse(frame["value"], ours.predict(frame["user"], frame["item"]))
    theirs = rmse(
        frame["value"],
        [reference.predict(u, i).est for u, i in zip(frame["user"], frame["item"], strict=True)],
    )
    return f"training RMSE {mine:.4f} vs {theirs:.4f}"


register(
    Workload(
        name="funk_svd",
        description="FunkSVD (biased MF, SGD), MovieLens 100K, 100 factors, 20 epochs",
        setup=_funk_data,
        ours=_funk_ours,
        reference=_funk_reference,
        reference_label="surprise",
        target=0.5,
        requires=("surprise",),
        check=_funk_check,
    )
)

# ------------------------------------------------------------------ BPR

BPR_SETTINGS = {"factors": 100, "iterations": 100, "learning_rate": 0.01, "regularization": 0.01}


def _bpr_data():
    import warnings

    from glassml.recommend import random_split

    warnings.filterwarnings("ignore", message="OpenBLAS is configured")
    split = random_split(_movielens(binary=True), 0.2, random_state=0)
    return split, split.train.matrix.astype(np.float32)


def _bpr_ours(bundle):
    from glassml.recommend import BPR

    return BPR(
        n_factors=BPR_SETTINGS["factors"],
        n_epochs=BPR_SETTINGS["iterations"],
        learning_rate=BPR_SETTINGS["learning_rate"],
        reg=BPR_SETTINGS["regularization"],
        negative_sampling="popularity",
        dtype="float32",
        random_state=0,
    ).fit(bundle[0].train)


def _bpr_implicit(bundle, threads):
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    model = BayesianPersonalizedRanking(
        factors=BPR_SETTINGS["factors"],
        iterations=BPR_SETTINGS["iterations"],
        learning_rate=BPR_SETTINGS["learning_rate"],
        regularization=BPR_SETTINGS["regularization"],
        num_threads=threads,
        random_state=0,
    )
    model.fit(bundle[1], show_progress=False)
    return model


def _bpr_check(bundle, ours, reference) -> str:
    from glassml.recommend import auc

    split = bundle[0]
    truth = split.test.matrix.toarray() > 0
    seen = split.train.matrix.toarray() > 0
    users = np.flatnonzero(truth.any(axis=1))
    mine = auc(ours._user_scores(users), truth[users], seen[users])
    factors_u, factors_i = reference.user_factors, reference.item_factors
    theirs = auc((factors_u[users] @ factors_i.T).astype(np.float64), truth[users], seen[users])
    return (
        f"training AUC estimate {ours.history_['auc'][-1]:.3f}; held-out AUC {mine:.4f} vs "
        f"{theirs:.4f}"
    )


register(
    Workload(
        name="bpr",
        description="BPR, MovieLens 100K binarised, 100 factors, 100 epochs, float32, "
        "popularity negatives, one thread",
        setup=_bpr_data,
        ours=_bpr_ours,
        reference=lambda bundle: _bpr_implicit(bundle, 1),
        reference_label="implicit(1 thread)",
        target=1.5,
        requires=("implicit",),
        check=_bpr_check,
        peers={"implicit(2 threads)": (lambda bundle: _bpr_implicit(bundle, 2), ("implicit",))},
        repeats=3,
    )
)

# ------------------------------------------------------------------ scale check


def power_law_interactions(n_users, n_items, n_interactions, seed=0):
    """Exactly ``n_interactions`` distinct (user, item) pairs, user activity and item popularity
    both power laws.

    Users draw their number of interactions from a Pareto tail (at least one draw each); items are
    drawn with probability proportional to (rank + 10)^-1.1. Draws are made with 10 % to spare
    and repeated pairs merged; then pairs are dropped uniformly at random down to the target.
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.5, n_users) + 1.0
    draws = int(1.25 * n_interactions)
    counts = np.maximum(1, np.round(activity / activity.sum() * draws)).astype(np.int64)
    users = np.repeat(np.arange(n_users, dtype=np.int32), counts)
    popularity = (np.arange(n_items) + 10.0) ** -1.1
    cumulative = np.cumsum(popularity / popularity.sum())
    items = np.minimum(np.searchsorted(cumulative, rng.random(users.size)), n_items - 1)
    matrix = sp.csr_matrix(
        (np.ones(users.size), (users, items.astype(np.int32))), shape=(n_users, n_items)
    )
    matrix.sum_duplicates()
    if matrix.nnz < n_interactions:
        raise RuntimeError(f"only {matrix.nnz:,} distinct pairs drawn; raise the spare")
    keep = np.zeros(matrix.nnz, dtype=bool)
    keep[rng.choice(matrix.nnz, n_interactions, replace=False)] = True
    matrix.data[~keep] = 0.0
    matrix.eliminate_zeros()
    matrix.data[:] = 1.0
    return matrix


def scale_check(n_users=1_000_000, n_items=100_000, n_interactions=10_000_000) -> None:
    import resource

    from glassml.recommend import ImplicitALS, Interactions

    start = time.perf_counter()
    matrix = power_law_interactions(n_users, n_items, n_interactions)
    data = Interactions.from_matrix(matrix)
    del matrix
    built = time.perf_counter() - start
    model = ImplicitALS(n_factors=64, n_iter=15, alpha=1.0, reg=0.01, random_state=0)
    start = time.perf_counter()
    model.fit(data)
    seconds = time.perf_counter() - start
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    print(
        f"scale: {data.nnz:,} interactions, {n_users:,} users x {n_items:,} items "
        f"(built in {built:.1f} s); ImplicitALS 64 factors, 15 iterations, CG: {seconds:.1f} s "
        f"({seconds / 15:.2f} s per iteration); peak memory {peak_gib:.2f} GiB "
        f"(target < 4 GiB); loss {model.history_['loss'][0]:.4g} -> "
        f"{model.history_['loss'][-1]:.4g}"
    )
