"""Best practices: reference solutions and typical mistakes."""

import numpy as np

from . import mutant, solution


@solution("practice/standardise")
def standardise(X_train, X_test):
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


@mutant("practice/standardise", fails="fitted on the training set", cause="leakage")
def standardise_leaky(X_train, X_test):
    def own(X):
        std = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)

    return own(X_train), own(X_test)


@mutant("practice/standardise", fails="fitted on the training set")
def standardise_sample_std(X_train, X_test):
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0, ddof=1)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


@mutant("practice/standardise", fails="constant feature")
def standardise_divides_by_zero(X_train, X_test):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        return (X_train - mean) / std, (X_test - mean) / std


@solution("practice/one-hot")
def one_hot(train, test):
    categories = sorted(set(train))
    index = {c: j for j, c in enumerate(categories)}

    def encode(column):
        Z = np.zeros((len(column), len(categories)))
        for i, value in enumerate(column):
            if value in index:
                Z[i, index[value]] = 1.0
        return Z

    return encode(train), encode(test)


@mutant("practice/one-hot", fails="OneHotEncoder", cause="first appearance")
def one_hot_first_seen(train, test):
    categories = list(dict.fromkeys(train))
    return (
        np.array([[v == c for c in categories] for v in train], dtype=float),
        np.array([[v == c for c in categories] for v in test], dtype=float),
    )


@mutant("practice/one-hot", fails="OneHotEncoder")
def one_hot_categories_of_both(train, test):
    categories = sorted(set(train) | set(test))
    return (
        np.array([[v == c for c in categories] for v in train], dtype=float),
        np.array([[v == c for c in categories] for v in test], dtype=float),
    )


@mutant("practice/one-hot", fails="OneHotEncoder")
def one_hot_drop_first(train, test):
    """Dummy coding (drop the first category) is a different encoding."""
    categories = sorted(set(train))[1:]
    return (
        np.array([[v == c for c in categories] for v in train], dtype=float).reshape(
            len(train), -1
        ),
        np.array([[v == c for c in categories] for v in test], dtype=float).reshape(len(test), -1),
    )


@solution("practice/kfold-indices")
def kfold_indices(n, k):
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    folds, start = [], 0
    for size in sizes:
        test = np.arange(start, start + size)
        train = np.concatenate([np.arange(0, start), np.arange(start + size, n)])
        folds.append((train, test))
        start += size
    return folds


@mutant("practice/kfold-indices", fails="KFold")
def kfold_drops_remainder(n, k):
    size = n // k
    return [
        (
            np.setdiff1d(np.arange(n), np.arange(i * size, (i + 1) * size)),
            np.arange(i * size, (i + 1) * size),
        )
        for i in range(k)
    ]


@mutant("practice/kfold-indices", fails="KFold")
def kfold_remainder_last(n, k):
    size = n // k
    folds = []
    for i in range(k):
        stop = n if i == k - 1 else (i + 1) * size
        test = np.arange(i * size, stop)
        folds.append((np.setdiff1d(np.arange(n), test), test))
    return folds


@mutant("practice/kfold-indices", fails="KFold")
def kfold_test_in_train(n, k):
    return [(np.arange(n), test) for _, test in kfold_indices(n, k)]


@solution("practice/precision-recall-f1")
def precision_recall_f1(y_true, y_pred):
    tp = np.sum((y_true == 1) & (y_pred == 1))
    fp = np.sum((y_true == 0) & (y_pred == 1))
    fn = np.sum((y_true == 1) & (y_pred == 0))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@mutant("practice/precision-recall-f1", fails="precision_recall_fscore_support", cause="swapped")
def precision_recall_swapped(y_true, y_pred):
    p, r, f = precision_recall_f1(y_true, y_pred)
    return r, p, f


@mutant(
    "practice/precision-recall-f1", fails="precision_recall_fscore_support", cause="arithmetic mean"
)
def f1_arithmetic(y_true, y_pred):
    p, r, _ = precision_recall_f1(y_true, y_pred)
    return p, r, (p + r) / 2


@mutant("practice/precision-recall-f1", fails="no predicted or no real positives")
def precision_recall_nan(y_true, y_pred):
    import warnings

    tp = np.sum((y_true == 1) & (y_pred == 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision = np.float64(tp) / np.sum(y_pred == 1)
        recall = np.float64(tp) / np.sum(y_true == 1)
        return precision, recall, 2 * precision * recall / (precision + recall)


@solution("practice/roc-auc")
def roc_auc(y_true, scores):
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


@mutant("practice/roc-auc", fails="roc_auc_score")
def roc_auc_ties_lose(y_true, scores):
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    return (pos[:, None] > neg[None, :]).sum() / (len(pos) * len(neg))


@mutant("practice/roc-auc", fails="roc_auc_score", cause="reversed")
def roc_auc_reversed(y_true, scores):
    return roc_auc(1 - y_true, scores)


@mutant("practice/roc-auc", fails="roc_auc_score")
def roc_auc_ties_win(y_true, scores):
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    return (pos[:, None] >= neg[None, :]).sum() / (len(pos) * len(neg))
