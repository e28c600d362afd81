"""Best practices that exist in glassml today: preprocessing, cross-validation and metrics.
References are scikit-learn's, which glassml borrows for this infrastructure."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import KFold
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from glassml.learn._authoring import (
    Exercise,
    agrees,
    grid,
    holds,
    labels,
    matrices,
    near,
    register,
    st,
)


def _scaler_reference(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


@st.composite
def _train_test(draw):
    d = draw(st.integers(1, 3))
    X_train = draw(matrices(st.integers(2, 6), d, grid(-5, 5)))
    if np.any(X_train.std(axis=0) == 0):  # constant columns are the edge case's business
        X_train = X_train + np.arange(X_train.shape[0])[:, None]
    return X_train, draw(matrices(st.integers(1, 4), d, grid(-5, 5)))


standardise = Exercise(
    "practice/standardise",
    "Standardising features without leaking the test set",
    "standardise(X_train, X_test)",
    lesson="practice/preprocessing",
    returns=("Z_train", "Z_test"),
    summary="(X - mean) / std with the training set's mean and (population) std, for both sets.",
    checks=[
        agrees(
            "agrees with sklearn.preprocessing.StandardScaler fitted on the training set",
            _train_test(),
            _scaler_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="The test set is transformed with the training statistics: computing its own "
            "mean and std would let the test data shape the model (leakage). The std divides "
            "by n, and a constant column keeps scale 1.",
            diagnoses=[
                (
                    lambda e, o, A, B: near(
                        o[1], (B - B.mean(0)) / np.where(B.std(0) > 0, B.std(0), 1)
                    ),
                    "the test set was standardised with its own statistics (leakage)",
                ),
            ],
        ),
        agrees(
            "edge case: a constant feature",
            [(np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 6.0]]), np.array([[2.0, 3.0]]))],
            _scaler_reference,
            rtol=1e-8,
            atol=1e-10,
            hint="A constant column has std 0: dividing gives nan; use a scale of 1 there "
            "(its centred values are all 0 anyway).",
        ),
    ],
)


def _one_hot_reference(train, test):
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    encoder.fit(np.asarray(train, dtype=object)[:, None])
    with warnings.catch_warnings():  # unknown test categories are the point, not a surprise
        warnings.simplefilter("ignore", UserWarning)
        return (
            encoder.transform(np.asarray(train, dtype=object)[:, None]),
            encoder.transform(np.asarray(test, dtype=object)[:, None]),
        )


_categories = st.sampled_from(["red", "green", "blue", "grey"])
_category_columns = st.tuples(
    st.lists(_categories, min_size=1, max_size=6).map(lambda v: np.array(v, dtype=object)),
    st.lists(_categories, min_size=1, max_size=4).map(lambda v: np.array(v, dtype=object)),
)


def _first_seen_order(e, o, train, test):
    seen = list(dict.fromkeys(train.tolist()))
    return near(o[0], np.array([[value == c for c in seen] for value in train], dtype=float))


one_hot = Exercise(
    "practice/one-hot",
    "One-hot encoding a categorical feature",
    "one_hot(train, test)",
    lesson="practice/preprocessing",
    returns=("Z_train", "Z_test"),
    summary="One 0/1 column per category seen in training, in sorted order; a test value never "
    "seen in training becomes a row of zeros.",
    checks=[
        agrees(
            "agrees with sklearn's OneHotEncoder(handle_unknown='ignore') fitted on the "
            "training column (as glassml.preprocessing.tabular_preprocessor)",
            _category_columns,
            _one_hot_reference,
            rtol=0,
            atol=0,
            hint="The categories, and so the columns, come from the training data only, sorted. "
            "A test category the model never saw has no column: its row is all zeros (a new "
            "column would change the model's input size; guessing a category would invent data).",
            diagnoses=[
                (_first_seen_order, "columns in order of first appearance; sort the categories"),
            ],
        ),
    ],
)


def _same_folds(out, n, k):
    expected = list(KFold(n_splits=k).split(np.zeros(n)))
    try:
        folds = [(np.asarray(a).tolist(), np.asarray(b).tolist()) for a, b in out]
    except (TypeError, ValueError):
        return "expected a list of (train_indices, test_indices) pairs"
    if len(folds) != k:
        return f"expected {k} folds, got {len(folds)}"
    for index, ((train, test), (want_train, want_test)) in enumerate(
        zip(folds, expected, strict=True)
    ):
        if sorted(test) != want_test.tolist():
            return f"fold {index}: test indices {test}, expected {want_test.tolist()}"
        if sorted(train) != want_train.tolist():
            return f"fold {index}: train indices {train}, expected {want_train.tolist()}"
    return None


kfold_indices = Exercise(
    "practice/kfold-indices",
    "K-fold cross-validation splits",
    "kfold_indices(n, k)",
    lesson="practice/cross-validation-and-metrics",
    summary="k contiguous test folds covering 0..n-1 once; the first n % k folds get one more.",
    checks=[
        holds(
            "the folds agree with sklearn.model_selection.KFold (no shuffling)",
            st.integers(2, 8).flatmap(lambda k: st.tuples(st.integers(k, 30), st.just(k))),
            _same_folds,
            hint="Fold sizes are n // k, plus one for the first n % k folds; fold i's test set is "
            "the next block of indices and its training set is everything else.",
        ),
    ],
)


def _prf_reference(y_true, y_pred):
    p, r, f, _ = precision_recall_fscore_support(
        y_true, y_pred, average="binary", zero_division=0.0
    )
    return p, r, f


precision_recall_f1 = Exercise(
    "practice/precision-recall-f1",
    "Precision, recall and F1",
    "precision_recall_f1(y_true, y_pred)",
    lesson="practice/cross-validation-and-metrics",
    returns=("precision", "recall", "f1"),
    summary="TP / (TP + FP), TP / (TP + FN) and their harmonic mean; 0 where undefined.",
    checks=[
        agrees(
            "agrees with sklearn.metrics.precision_recall_fscore_support",
            st.integers(1, 12)
            .flatmap(lambda n: st.tuples(labels(n, 2), labels(n, 2)))
            .filter(lambda t: np.sum(t[0] & t[1]) > 0),
            _prf_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="Precision asks: of the predicted positives, how many are right? Recall: of "
            "the real positives, how many were found? F1 = 2 P R / (P + R).",
            diagnoses=[
                (lambda e, o, t, p: near(o[:2], e[1::-1]), "precision and recall are swapped"),
                (
                    lambda e, o, t, p: near(o[2], (e[0] + e[1]) / 2),
                    "the arithmetic mean; F1 is the harmonic mean",
                ),
            ],
        ),
        agrees(
            "edge case: no predicted or no real positives give 0, not nan",
            [
                (np.array([1, 0, 1]), np.array([0, 0, 0])),
                (np.array([0, 0, 0]), np.array([1, 0, 0])),
            ],
            _prf_reference,
            rtol=1e-9,
            atol=1e-12,
            hint="0 / 0 is undefined: report 0 (scikit-learn's zero_division=0).",
        ),
    ],
)


def _auc_inputs():
    return (
        st.integers(2, 12)
        .flatmap(
            lambda n: st.tuples(
                labels(n, 2),
                st.lists(st.integers(0, 4).map(float), min_size=n, max_size=n).map(np.array),
            )
        )
        .filter(lambda t: 0 < t[0].sum() < len(t[0]))
    )


roc_auc = Exercise(
    "practice/roc-auc",
    "The area under the ROC curve",
    "roc_auc(y_true, scores)",
    lesson="practice/cross-validation-and-metrics",
    summary="P(score of a random positive > score of a random negative), ties counting 1/2.",
    checks=[
        agrees(
            "agrees with sklearn.metrics.roc_auc_score (scores with ties)",
            _auc_inputs(),
            roc_auc_score,
            rtol=1e-9,
            atol=1e-12,
            hint="Compare every positive with every negative: count 1 when the positive scores "
            "higher, 1/2 for a tie, and divide by n_pos n_neg (the Mann-Whitney statistic).",
            diagnoses=[
                (lambda e, o, y, s: near(o, 1 - e), "the classes are reversed (1 - AUC)"),
            ],
        ),
    ],
)


register(standardise, one_hot, kfold_indices, precision_recall_f1, roc_auc)
