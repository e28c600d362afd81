"""The recommendation study's independent pieces of work (run serially or on Dask workers).

Every task is a module-level function of one tuple that carries everything it needs, its seed
included, so a run on Dask gives exactly the metrics of a serial run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassml.model_selection import Integer, Real, minimize_bayes
from glassml.recommend import (
    BPR,
    BaselineOnly,
    ExplicitALS,
    FunkSVD,
    ImplicitALS,
    Interactions,
    ItemKNN,
    Popularity,
    evaluate,
    k_fold,
    mae,
    ndcg_at_k,
    rmse,
)

RANKERS = ("Popularity", "ItemKNN", "ImplicitALS", "BPR")
LEARNED = RANKERS[1:]

# Where the search looks (log scales where the parameter acts multiplicatively).
SPACES: dict[str, dict[str, Any]] = {
    "ItemKNN": {
        "n_neighbors": Integer(5, 400, prior="log-uniform"),
        "shrink": Real(0.1, 100.0, prior="log-uniform"),
    },
    "ImplicitALS": {
        "n_factors": Integer(8, 128, prior="log-uniform"),
        "reg": Real(0.1, 300.0, prior="log-uniform"),
        "alpha": Real(1.0, 100.0, prior="log-uniform"),
    },
    "BPR": {
        "n_factors": Integer(16, 128, prior="log-uniform"),
        "learning_rate": Real(0.005, 0.2, prior="log-uniform"),
        "reg": Real(1e-4, 0.1, prior="log-uniform"),
    },
}
# Settings the search does not move (quick mode shortens the iterative fits).
FIXED = {
    False: {"ImplicitALS": {"n_iter": 15}, "BPR": {"n_epochs": 100}, "ItemKNN": {}},
    True: {"ImplicitALS": {"n_iter": 8}, "BPR": {"n_epochs": 25}, "ItemKNN": {}},
}

# Explicit-rating models of the MovieLens protocol and the settings each may take. BaselineOnly
# keeps Surprise's defaults (ALS, reg_i 10, reg_u 15, 10 sweeps). Biased MF (100 factors, 40
# epochs) and ALS with weighted-lambda regularisation (Zhou et al. 2008; 10 factors) choose
# their regularisation (and MF its step) on a validation fold carved out of each fold's own
# training part: a setting chosen once for all five folds would have seen the other folds'
# test ratings. The first candidate is quick mode's fixed setting (issue 14's choice).
_MF = {"n_factors": 100, "n_epochs": 40}
EXPLICIT: dict[str, tuple[type, list[dict[str, Any]]]] = {
    "BaselineOnly": (BaselineOnly, [{}]),
    "biased MF (FunkSVD)": (
        FunkSVD,
        [
            {**_MF, "learning_rate": rate, "reg": reg}
            for rate, reg in ((0.01, 0.1), (0.01, 0.05), (0.005, 0.1), (0.005, 0.05), (0.01, 0.2))
        ],
    ),
    "ExplicitALS": (
        ExplicitALS,
        [{"n_factors": 10, "reg": reg, "n_iter": 15} for reg in (0.2, 0.1, 0.4, 0.05)],
    ),
}


def make_ranker(name: str, params: dict[str, Any], seed: int):
    if name == "Popularity":
        return Popularity()
    if name == "ItemKNN":
        return ItemKNN(**params)
    model = {"ImplicitALS": ImplicitALS, "BPR": BPR}[name]
    return model(**params, random_state=seed)


def evaluable_users(train: Interactions, test: Interactions) -> np.ndarray:
    """Rows with training history and at least one test item they had not had before."""
    new = test.matrix - test.matrix.multiply(train.matrix > 0)
    new.eliminate_zeros()
    return np.flatnonzero((np.diff(train.matrix.indptr) > 0) & (np.diff(new.indptr) > 0))


def relevant_items(train: Interactions, test: Interactions, rows: np.ndarray) -> list:
    seen = train.matrix[rows]
    truth = test.matrix[rows]
    return [
        test.item_ids[np.setdiff1d(truth[r].indices, seen[r].indices)] for r in range(len(rows))
    ]


def mean_ndcg(model, train: Interactions, test: Interactions, k: int = 10) -> float:
    """Mean nDCG@k over the users the model can rank and who took something new."""
    rows = evaluable_users(train, test)
    lists, _ = model.recommend(train.user_ids[rows], k=k)
    return float(ndcg_at_k(lists, relevant_items(train, test, rows), k))


def mean_auc(model, train: Interactions, test: Interactions) -> float:
    """Mean per-user AUC over every item not in training: the statistic the masked protocol
    reports on its test mask (``evaluate``'s value; its interval is not needed here)."""
    table = evaluate(model, train, test, metrics=("auc",), n_resamples=2, method="percentile")
    return float(table.loc["auc", "value"])


SCORES = {"ndcg": mean_ndcg, "auc": mean_auc}


def tune_task(task: tuple) -> dict[str, Any]:
    """Bayesian optimisation of one model's hyper-parameters on validation data.

    ``task = (name, fit_part, validation_part, n_calls, n_initial, quick, seed, score)``; the
    objective is minus the validation score (``"ndcg"``: mean nDCG@10, ``"auc"``: mean per-user
    AUC) of a model fitted on ``fit_part``. The test data is never seen here.
    """
    name, fit_part, validation, n_calls, n_initial, quick, seed, score = task
    fixed = FIXED[quick][name]
    space = SPACES[name]
    scorer = SCORES[score]

    def objective(point: list[Any]) -> float:
        params = {**dict(zip(space, point, strict=True)), **fixed}
        model = make_ranker(name, params, seed).fit(fit_part)
        return -scorer(model, fit_part, validation)

    result = minimize_bayes(
        objective, space, n_calls=n_calls, n_initial_points=n_initial, random_state=seed
    )
    return {
        "name": name,
        "params": {**_plain(result.best_params), **fixed},
        "scores": -np.asarray(result.func_vals, dtype=np.float64),
        "points": [_plain(dict(zip(space, point, strict=True))) for point in result.x_iters],
    }


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.item() if isinstance(value, np.generic) else value
        for key, value in params.items()
    }


def fit_task(task: tuple):
    """``task = (name, params, seed, train)`` -> the fitted model."""
    name, params, seed, train = task
    return make_ranker(name, params, seed).fit(train)


def _rating_errors(model, test: Interactions) -> tuple[float, float]:
    frame = test.to_frame()
    predicted = model.predict(frame["user"], frame["item"], cold_start="baseline")
    return rmse(frame["value"], predicted), mae(frame["value"], predicted)


def fold_task(task: tuple) -> dict[str, Any]:
    """One (model, fold) of the 5-fold rating protocol: RMSE and MAE on the held-out fold.

    ``task = (name, fold_number, seed, split, select)``. With ``select``, each candidate
    setting is fitted on four fifths of the fold's training part and scored (RMSE) on the
    last fifth; the best is refitted on the whole training part. Without it, the first
    candidate is used. Test ratings of users or films the training part never saw are
    predicted from the known terms (``cold_start="baseline"``), as Surprise does.
    """
    name, fold, seed, split, select = task
    model_class, candidates = EXPLICIT[name]
    train, test = split
    params, validation = candidates[0], float("nan")
    if select and len(candidates) > 1:
        inner = next(iter(k_fold(train, 5, random_state=seed)))
        scores = [
            _rating_errors(model_class(**c, random_state=seed).fit(inner.train), inner.test)[0]
            for c in candidates
        ]
        best = int(np.argmin(scores))
        params, validation = candidates[best], scores[best]
    model = model_class(**params, random_state=seed).fit(train)
    test_rmse, test_mae = _rating_errors(model, test)
    return {
        "model": name,
        "fold": fold,
        "params": params,
        "validation_rmse": validation,
        "rmse": test_rmse,
        "mae": test_mae,
    }
