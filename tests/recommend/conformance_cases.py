"""Conformance instances for recommend (see tests/test_conformance.py).

scikit-learn's checks see a recommender as an estimator fitted on a user x item matrix X.
The explicit-rating models' ``predict(X)`` folds each row of X in as a new user and returns the
completed row, shape (n_samples, n_items): one prediction per item. The two sparse-input checks
assert a prediction of shape (n_samples,) (or (n_samples, 1)), which a completed rating matrix
cannot have; every other check, the sparse fit included, passes.
"""

from glassml.recommend import (
    BPR,
    BaselineOnly,
    ExplicitALS,
    FunkSVD,
    ImplicitALS,
    ItemKNN,
    Popularity,
)

_ROWS_OF_RATINGS = (
    "predict(X) returns the completed (n_samples, n_items) rating matrix of the folded-in rows, "
    "not the (n_samples,) vector this check asserts"
)
_EXPLICIT = {
    "check_estimator_sparse_array": _ROWS_OF_RATINGS,
    "check_estimator_sparse_matrix": _ROWS_OF_RATINGS,
}

INSTANCES = {
    "Popularity": [Popularity(), Popularity(by="weight")],
    "BaselineOnly": [BaselineOnly(), BaselineOnly(method="sgd", random_state=0)],
    "FunkSVD": [FunkSVD(n_factors=3, n_epochs=5, random_state=0)],
    "ExplicitALS": [ExplicitALS(n_factors=3, n_iter=3, random_state=0)],
    "ImplicitALS": [
        ImplicitALS(n_factors=3, n_iter=3, random_state=0),
        ImplicitALS(n_factors=3, n_iter=3, solver="cholesky", random_state=0),
    ],
    "BPR": [BPR(n_factors=3, n_epochs=3, random_state=0)],
    "ItemKNN": [ItemKNN(), ItemKNN(similarity="bm25", n_neighbors=3)],
}
EXPECTED_FAILURES = {
    "BaselineOnly": _EXPLICIT,
    "FunkSVD": _EXPLICIT,
    "ExplicitALS": _EXPLICIT,
}
