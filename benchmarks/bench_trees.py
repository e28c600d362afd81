"""Trees and ensembles against scikit-learn: CART, random forest, histogram gradient boosting.

Both sides run on the same threads: the decision tree on one (scikit-learn's is sequential),
the forest with ``n_jobs=2``, and boosting with numba's and scikit-learn's OpenMP pools limited
to ``BENCH_TREES_THREADS`` (default 2). LightGBM and XGBoost are timed alongside the boosting
workload (same trees: 31 leaves, grown leaf-wise, 255 bins, learning rate 0.1) when installed.
Every check prints how far the answers agree, so a fast wrong answer cannot pass. The memory
workload fits in a fresh process each time and reads the process's peak resident memory, which
counts every allocation (NumPy's and Numba's), the data included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._harness import Workload, register

THREADS = int(os.environ.get("BENCH_TREES_THREADS", "2"))
ROOT = Path(__file__).resolve().parents[1]


def _threads(function):
    """Run ``function`` with numba's and OpenMP's pools at ``THREADS`` threads."""

    def wrapper(data):
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(min(THREADS, numba.config.NUMBA_NUM_THREADS))
        try:
            with threadpool_limits(limits=THREADS, user_api="openmp"):
                return function(data)
        finally:
            numba.set_num_threads(previous)

    wrapper.__name__ = function.__name__
    return wrapper


def _same_tree(ours, theirs, X) -> str:
    a, b = ours.tree_, theirs.tree_
    if a.node_count == b.node_count and all(
        np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("children_left", "children_right", "feature", "threshold")
    ):
        return "identical tree"
    # Two features can induce the same partition of a small node (an exact tie); float sums
    # decide which wins, and the subtrees may then be stored in another order. What matters
    # is whether both trees cut the training rows into the same leaves.
    leaves = np.stack([ours.apply(X), theirs.apply(X)], axis=1)
    n_pairs = len(np.unique(leaves, axis=0))
    same = n_pairs == len(np.unique(leaves[:, 0])) == len(np.unique(leaves[:, 1]))
    return f"{a.node_count} vs {b.node_count} nodes, stored differently; " + (
        "same leaves for every training row" if same else "DIFFERENT leaf partitions"
    )


# ------------------------------------------------------------------------ decision tree


def tree_data():
    from sklearn.datasets import make_regression

    return make_regression(
        n_samples=100_000, n_features=20, n_informative=10, noise=1.0, random_state=0
    )


def tree_ours(data):
    from glassml.tree import DecisionTreeRegressor

    return DecisionTreeRegressor(max_depth=12, random_state=0).fit(*data)


def tree_reference(data):
    from sklearn.tree import DecisionTreeRegressor

    return DecisionTreeRegressor(max_depth=12, random_state=0).fit(*data)


def tree_check(data, ours, theirs) -> str:
    X, y = data
    gap = np.max(np.abs(ours.predict(X) - theirs.predict(X))) / np.std(y)
    return f"{_same_tree(ours, theirs, X)}, max |prediction diff| / std(y) {gap:.1e}"


register(
    Workload(
        name="decision_tree",
        description="DecisionTreeRegressor, 100,000 x 20, max_depth=12",
        setup=tree_data,
        ours=tree_ours,
        reference=tree_reference,
        reference_label="sklearn",
        target=1.2,
        requires=("sklearn",),
        check=tree_check,
        repeats=5,
    )
)


# ------------------------------------------------------------------------ random forest


def forest_data():
    from sklearn.datasets import make_classification

    return make_classification(n_samples=50_000, n_features=20, n_informative=10, random_state=0)


@_threads
def forest_ours(data):
    from glassml.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0).fit(*data)


@_threads
def forest_reference(data):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0).fit(*data)


def forest_check(data, ours, theirs) -> str:
    X, _ = data
    same = sum(
        np.array_equal(a.tree_.threshold, b.tree_.threshold)
        and np.array_equal(a.tree_.feature, b.tree_.feature)
        for a, b in zip(ours.estimators_, theirs.estimators_, strict=True)
    )
    gap = np.max(np.abs(ours.predict_proba(X) - theirs.predict_proba(X)))
    return f"{same}/100 trees identical, max |predict_proba diff| {gap:.1e}"


register(
    Workload(
        name="random_forest",
        description="RandomForestClassifier, 100 trees, 50,000 x 20, n_jobs=2",
        setup=forest_data,
        ours=forest_ours,
        reference=forest_reference,
        reference_label="sklearn",
        target=1.2,
        requires=("sklearn",),
        check=forest_check,
        repeats=3,
    )
)


# ------------------------------------------------------------------------ gradient boosting

BOOSTING = dict(learning_rate=0.1, max_iter=200, max_leaf_nodes=31, early_stopping=False)


def boosting_data():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=250_000, n_features=30, n_informative=15, random_state=0)
    return X[:200_000], y[:200_000], X[200_000:], y[200_000:]


@_threads
def boosting_ours(data):
    from glassml.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**BOOSTING, random_state=0).fit(data[0], data[1])


@_threads
def boosting_reference(data):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**BOOSTING, random_state=0).fit(data[0], data[1])


@_threads
def boosting_lightgbm(data):
    import lightgbm

    return lightgbm.LGBMClassifier(
        n_estimators=200, learning_rate=0.1, num_leaves=31, min_child_samples=20,
        max_bin=255, n_jobs=THREADS, verbose=-1,
    ).fit(data[0], data[1])  # fmt: skip


@_threads
def boosting_xgboost(data):
    import xgboost

    return xgboost.XGBClassifier(
        n_estimators=200, learning_rate=0.1, tree_method="hist", grow_policy="lossguide",
        max_leaves=31, max_depth=0, max_bin=256, n_jobs=THREADS,
    ).fit(data[0], data[1])  # fmt: skip


def boosting_check(data, ours, theirs) -> str:
    from sklearn.metrics import log_loss

    X_test, y_test = data[2], data[3]
    ours_loss = log_loss(y_test, ours.predict_proba(X_test))
    theirs_loss = log_loss(y_test, theirs.predict_proba(X_test))
    gap = np.max(np.abs(ours.decision_function(X_test) - theirs.decision_function(X_test)))
    return (
        f"test log-loss {ours_loss:.5f} vs {theirs_loss:.5f} "
        f"(rel. diff {abs(ours_loss / theirs_loss - 1):.1e}, target <= 1e-2), "
        f"max |raw score diff| {gap:.1e}"
    )


register(
    Workload(
        name="hist_gradient_boosting",
        description="HistGradientBoostingClassifier, 200,000 x 30, 200 iterations, 31 leaves",
        setup=boosting_data,
        ours=boosting_ours,
        reference=boosting_reference,
        reference_label="sklearn",
        target=1.5,
        requires=("sklearn",),
        check=boosting_check,
        peers={
            "lightgbm": (boosting_lightgbm, ("lightgbm",)),
            "xgboost": (boosting_xgboost, ("xgboost",)),
        },
        repeats=3,
    )
)


# ------------------------------------------------------------------------ memory

MEMORY_ITERATIONS = 20  # the peak is reached in the first stage; later ones allocate nothing
_MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1_000_000, 30), dtype=np.float32)
    y = (X[:, :10] @ rng.standard_normal(10).astype(np.float32) > 0).astype(np.int64)
    if sys.argv[1] == "glassml":
        import numba
        numba.set_num_threads(min({threads}, numba.config.NUMBA_NUM_THREADS))
        from glassml.ensemble import HistGradientBoostingClassifier
    else:
        from sklearn.ensemble import HistGradientBoostingClassifier
    model = HistGradientBoostingClassifier(max_iter={iterations}, random_state=0)
    data_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with threadpool_limits(limits={threads}, user_api="openmp"):
        model.fit(X, y)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"seconds": seconds, "peak_gib": peak / 2**20,
                      "before_fit_gib": data_rss / 2**20, "n_iter": int(model.n_iter_),
                      "score": float(model.score(X[:100_000], y[:100_000]))}}))
    """
).format(threads=THREADS, iterations=MEMORY_ITERATIONS)


def _memory_run(which: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, which],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def memory_check(data, ours, theirs) -> str:
    verdict = "ok" if ours["peak_gib"] <= 1.5 else "OVER TARGET"
    return (
        f"peak RSS glassml {ours['peak_gib']:.2f} GiB (target <= 1.5: {verdict}; "
        f"{ours['before_fit_gib']:.2f} GiB before the fit), sklearn {theirs['peak_gib']:.2f} "
        f"GiB; fit {ours['seconds']:.1f} s vs {theirs['seconds']:.1f} s; training accuracy "
        f"{ours['score']:.4f} vs {theirs['score']:.4f}"
    )


register(
    Workload(
        name="hgb_memory",
        description=(
            f"HistGradientBoostingClassifier on 1,000,000 x 30 float32, {MEMORY_ITERATIONS} "
            "iterations, fresh process each (time includes start-up)"
        ),
        setup=lambda: None,
        ours=lambda data: _memory_run("glassml"),
        reference=lambda data: _memory_run("sklearn"),
        reference_label="sklearn",
        target=None,
        requires=("sklearn",),
        check=memory_check,
        repeats=3,
    )
)
