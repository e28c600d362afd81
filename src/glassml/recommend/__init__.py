"""_Recommender systems: interactions and honest splits, baselines, matrix factorisation (SGD,
ALS, implicit ALS), BPR, item-kNN, ranking metrics and evaluation with confidence intervals.

Every model reads an :class:`Interactions` (or a user x item matrix) and answers
``recommend(users, k)`` with original item ids; each lives in its own private module.
"""

from glassml.recommend._base import padding_id
from glassml.recommend._baselines import BaselineOnly, Popularity
from glassml.recommend._bpr import BPR
from glassml.recommend._evaluate import evaluate
from glassml.recommend._explicit_als import ExplicitALS
from glassml.recommend._funk_svd import FunkSVD
from glassml.recommend._implicit_als import ImplicitALS
from glassml.recommend._interactions import Interactions
from glassml.recommend._item_knn import ItemKNN
from glassml.recommend._metrics import (
    auc,
    coverage,
    mae,
    map_at_k,
    mrr,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    rmse,
)
from glassml.recommend._splits import Split, k_fold, leave_last_out, random_split, temporal_split

__all__ = [
    "BPR",
    "BaselineOnly",
    "ExplicitALS",
    "FunkSVD",
    "ImplicitALS",
    "Interactions",
    "ItemKNN",
    "Popularity",
    "Split",
    "auc",
    "coverage",
    "evaluate",
    "k_fold",
    "leave_last_out",
    "mae",
    "map_at_k",
    "mrr",
    "ndcg_at_k",
    "padding_id",
    "precision_at_k",
    "random_split",
    "recall_at_k",
    "rmse",
    "temporal_split",
]
