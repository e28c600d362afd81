"""Histogram gradient boosting: Newton steps in function space, checked piece by piece.

References and tolerances:
- scikit-learn's HistGradientBoosting* with the same hyper-parameters and ``random_state``:
  the same bins (also when 200,000 rows are subsampled for them), trees and raw scores, so
  decision_function / predict agree to 1e-12 (observed: a few units in the last place),
  across the losses, missing values, sample and class weights, monotonic constraints, and the
  same number of iterations with early stopping.
- Five problems (two real: credit-card fraud, C-MAPSS remaining life): held-out accuracy or
  RMSE within 1 % of scikit-learn's (the issue's criterion; here they are equal).
- Each stage's gradient and Hessian against ``glassml.autodiff``'s derivatives of the same loss
  at that stage's scores: 1e-6 relative (they are stored in float32, as scikit-learn's), and
  every leaf value against the Newton step -lr G / (H + lambda) of the autodiff derivatives
  summed over the leaf's samples: 1e-5 of the largest leaf value.
- The hand-written gradients against central finite differences of the summed loss
  (parity.check_grad): 1e-6.
- The training loss never rises: squared error at learning rates 1 and 0.5, log-loss at the
  default 0.1 (allowance: 1e-12 of the loss for rounding).
- One split per tree on a separable problem: the leaves follow the closed-form Newton
  recursion w_L = -1 / (1 - p_L), w_R = 1 / p_R to 1e-6 (float32 gradients).
- The array contract (/work/tree-contract.md): baseline_ plus the trees evaluated by the
  documented rule reproduce decision_function exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from ensemble._data import cmapss, creditcard
from parity import assert_close, check_grad
from sklearn import ensemble as ske
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import train_test_split

import glassml.autodiff as ad
from glassml.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from glassml.ensemble._losses import make_loss


def _with_missing(X, fraction, seed=0):
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < fraction] = np.nan
    return X


CLASSIFIER_CASES = [
    ("binary", {}, 2, 0.0, False),
    ("multiclass", {}, 3, 0.0, False),
    ("missing values", {"max_depth": 4, "l2_regularization": 1.0}, 3, 0.1, False),
    ("weights", {"learning_rate": 0.3}, 2, 0.1, True),
    ("class weights", {"class_weight": "balanced"}, 2, 0.05, False),
    ("monotonic", {"monotonic_cst": [1, -1, 0, 0, 0, 0, 0, 0]}, 2, 0.0, False),
    ("early stopping", {"early_stopping": True, "n_iter_no_change": 2, "max_iter": 100}, 2, 0, 0),
]


@pytest.mark.parametrize("name, params, n_classes, missing, weighted", CLASSIFIER_CASES)
def test_classifier_is_sklearns(name, params, n_classes, missing, weighted):
    X, y = make_classification(1500, 8, n_informative=5, n_classes=n_classes, random_state=0)
    X = _with_missing(X, missing)
    weight = np.random.default_rng(1).random(len(y)) if weighted else None
    settings = {"max_iter": 15, "random_state": 0, **params}
    ours = HistGradientBoostingClassifier(**settings).fit(X, y, weight)
    theirs = ske.HistGradientBoostingClassifier(**settings).fit(X, y, weight)
    assert ours.n_iter_ == theirs.n_iter_
    assert_close(ours.decision_function(X), theirs.decision_function(X), rtol=0, atol=1e-12)
    assert_close(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-12)


REGRESSION_CASES = [
    ("squared_error", {}, False),
    ("squared_error", {"max_leaf_nodes": None, "max_depth": 5}, True),
    # More open leaves than the 66 histogram slots allocated up front: the pool doubles
    # (_take_slot itself: test_the_histogram_pool_doubles_...).
    ("squared_error", {"max_leaf_nodes": 300, "min_samples_leaf": 2}, False),
    ("absolute_error", {}, False),
    ("absolute_error", {}, True),
    ("poisson", {}, True),
]


@pytest.mark.parametrize("loss, params, weighted", REGRESSION_CASES)
def test_regressor_is_sklearns(loss, params, weighted):
    X, y = make_regression(1500, 6, noise=10.0, random_state=0)
    X = _with_missing(X, 0.05)
    if loss == "poisson":
        y = np.random.default_rng(0).poisson(np.exp(y / np.std(y)))
    weight = np.random.default_rng(2).random(len(y)) if weighted else None
    settings = {"loss": loss, "max_iter": 15, "random_state": 0, **params}
    ours = HistGradientBoostingRegressor(**settings).fit(X, y, weight)
    theirs = ske.HistGradientBoostingRegressor(**settings).fit(X, y, weight)
    scale = np.max(np.abs(theirs.predict(X)))
    assert_close(ours.predict(X), theirs.predict(X), rtol=0, atol=1e-12 * scale)


def test_the_histogram_pool_doubles_when_every_slot_is_taken_and_keeps_its_histograms():
    """What the 300-leaf case relies on: with no free slot, _take_slot returns a pool twice
    as large whose first slots are the old histograms, and hands out the new slots in order."""
    from numba import types
    from numba.typed import List

    from glassml.ensemble._grower import _take_slot

    pool = np.random.default_rng(0).normal(size=(2, 3, 4, 3))
    free = List.empty_list(types.int64)
    grown_pool, slot = _take_slot(pool.copy(), free)
    assert grown_pool.shape == (4, 3, 4, 3) and slot == 2
    assert np.array_equal(grown_pool[:2], pool) and not grown_pool[2:].any()
    same, slot = _take_slot(grown_pool, free)
    assert np.shares_memory(same, grown_pool) and same.shape[0] == 4
    assert slot == 3 and len(free) == 0
    again, slot = _take_slot(grown_pool, free)
    assert again.shape[0] == 8 and slot == 4 and list(free) == [7, 6, 5]


def test_subsampled_bins_are_sklearns():
    """More rows than the 200,000 the bin edges are computed from: the same subsample."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(210_000, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    settings = {"max_iter": 3, "max_leaf_nodes": 8, "early_stopping": False, "random_state": 0}
    ours = HistGradientBoostingClassifier(**settings).fit(X, y)
    theirs = ske.HistGradientBoostingClassifier(**settings).fit(X, y)
    assert_close(ours.decision_function(X), theirs.decision_function(X), rtol=0, atol=1e-12)


def _five_problems(shared_data):
    X, y = creditcard(shared_data)
    yield "fraud (real)", HistGradientBoostingClassifier, X, y, None, {}
    X, y, units = cmapss(shared_data)
    yield "engine life (real)", HistGradientBoostingRegressor, X, y, units, {}
    X, y = make_classification(2000, 12, n_informative=6, n_classes=4, random_state=1)
    yield "four classes", HistGradientBoostingClassifier, X, y, None, {}
    X, y = make_regression(2000, 8, noise=20.0, random_state=1)
    yield (
        "median regression with NaN",
        HistGradientBoostingRegressor,
        _with_missing(X, 0.1),
        y,
        (None),
        {"loss": "absolute_error"},
    )
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 5))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.5 * X[:, 1] ** 2))
    yield "counts", HistGradientBoostingRegressor, X, y, None, {"loss": "poisson"}


def test_five_problems_within_one_percent_of_sklearn(shared_data):
    for name, model, X, y, groups, params in _five_problems(shared_data):
        if groups is None:
            split = train_test_split(X, y, test_size=0.3, random_state=0)
        else:  # whole engines held out
            test = np.isin(groups, np.unique(groups)[::4])
            split = X[~test], X[test], y[~test], y[test]
        X_train, X_test, y_train, y_test = split
        settings = {"max_iter": 30, "random_state": 0, **params}
        ours = model(**settings).fit(X_train, y_train)
        theirs = getattr(ske, model.__name__)(**settings).fit(X_train, y_train)
        if model is HistGradientBoostingClassifier:
            mine, reference = (accuracy_score(y_test, m.predict(X_test)) for m in (ours, theirs))
        else:
            mine, reference = (
                mean_squared_error(y_test, m.predict(X_test)) ** 0.5 for m in (ours, theirs)
            )
        assert abs(mine / reference - 1) <= 0.01, (name, mine, reference)


# ------------------------------------------------------------------------ derivatives


def _autodiff_loss(name, y, weight, n_classes):
    """sum_i w_i l(y_i, F_i) written with glassml.autodiff ops; F has shape (n, K)."""
    if name == "squared_error":
        return lambda F: ad.sum(weight * 0.5 * (F[:, 0] - y) ** 2)
    if name == "absolute_error":
        return lambda F: ad.sum(weight * ad.abs(F[:, 0] - y))
    if name == "poisson":
        return lambda F: ad.sum(weight * (ad.exp(F[:, 0]) - y * F[:, 0]))
    if n_classes == 2:
        return lambda F: ad.sum(weight * (ad.softplus(F[:, 0]) - y * F[:, 0]))
    onehot = np.eye(n_classes)[y.astype(int)]
    return lambda F: ad.sum(weight * (ad.logsumexp(F, axis=1) - ad.sum(onehot * F, axis=1)))


def _problem(name, n=300):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 4))
    weight = rng.random(n) + 0.5
    if name == "log_loss_3":
        y = np.digitize(X[:, 0] + 0.5 * rng.normal(size=n), [-0.5, 0.5])
        return X, y, weight, HistGradientBoostingClassifier
    if name == "log_loss_2":
        return (
            X,
            (X[:, 0] + rng.normal(size=n) > 0).astype(int),
            weight,
            (HistGradientBoostingClassifier),
        )
    if name == "poisson":
        return X, rng.poisson(np.exp(X[:, 0])), weight, HistGradientBoostingRegressor
    return X, X[:, 0] * 3 + rng.normal(size=n), weight, HistGradientBoostingRegressor


@pytest.mark.parametrize(
    "name", ["squared_error", "absolute_error", "poisson", "log_loss_2", "log_loss_3"]
)
def test_each_stage_uses_the_autodiff_gradient_and_hessian(name):
    X, y, weight, model = _problem(name)
    loss_name = name.split("_")[0] + "_loss" if name.startswith("log") else name
    params = {} if model is HistGradientBoostingClassifier else {"loss": loss_name}
    fitted = model(max_iter=6, learning_rate=0.3, l2_regularization=0.5, **params).fit(X, y, weight)
    K = fitted.n_trees_per_iteration_
    n_classes = K if K > 2 else 2
    loss = make_loss(loss_name, n_classes)
    total = _autodiff_loss(loss_name, y.astype(float), weight, n_classes)
    stages = [fitted._raw_predict(X, m) for m in range(fitted.n_iter_)]
    for stage, F in enumerate(stages):
        g = np.empty((K, len(y)), dtype=np.float32)
        h = np.empty((K, len(y)), dtype=np.float32)
        loss.gradient_hessian(y.astype(float), np.ascontiguousarray(F.T), weight, g, h)
        g_ad = ad.grad(total)(F)
        h_ad = np.column_stack(
            [ad.hvp(total, F, np.eye(K)[k][None, :].repeat(len(y), 0))[:, k] for k in range(K)]
        )
        # |F - y| has no derivative where F = y (autodiff says 0, scikit-learn's rule -w).
        defined = np.abs(F[:, :1] - y[:, None]) > 0 if loss_name == "absolute_error" else True
        assert_close(
            np.where(defined, g.T, 0), np.where(defined, g_ad, 0), rtol=1e-6,
            atol=1e-6 * np.max(np.abs(g_ad)), what="gradient",
        )  # fmt: skip
        if loss_name == "absolute_error":
            # |F - y| has no curvature; the trees are grown with unit Hessians (times the
            # weights) and the leaves then set to residual medians, not Newton steps.
            assert np.array_equal(h[0], weight.astype(np.float32))
            continue
        assert_close(h.T, h_ad, rtol=1e-6, atol=1e-6 * np.max(np.abs(h_ad)), what="Hessian")
        for k in range(K):
            tree = fitted.estimators_[stage, k].tree_
            leaves = tree.apply(X)
            steps = np.array(
                [
                    -fitted.learning_rate
                    * g_ad[leaves == leaf, k].sum()
                    / (h_ad[leaves == leaf, k].sum() + fitted.l2_regularization)
                    for leaf in np.unique(leaves)
                ]
            )
            values = tree.value[np.unique(leaves), 0, 0]
            assert_close(values, steps, rtol=1e-5, atol=1e-5 * np.max(np.abs(steps)))


@pytest.mark.parametrize("name", ["squared_error", "poisson", "log_loss_2", "log_loss_3"])
def test_hand_written_derivatives_match_finite_differences(name):
    _, y, weight, _ = _problem(name, n=12)
    loss_name = "log_loss" if name.startswith("log") else name
    n_classes = 3 if name.endswith("3") else 2
    loss = make_loss(loss_name, n_classes)
    K = loss.n_trees
    F0 = np.random.default_rng(0).normal(size=(K, len(y)))
    yf = y.astype(float)

    def derivatives(F):
        g = np.empty((K, len(y)), dtype=np.float32)
        h = np.empty((K, len(y)), dtype=np.float32)
        total = loss.gradient_hessian(yf, np.ascontiguousarray(F), weight, g, h)
        return total, g.astype(np.float64), h.astype(np.float64)

    check_grad(lambda F: derivatives(F)[0], F0, jac=lambda F: derivatives(F)[1], tol=1e-6)


# ------------------------------------------------------------------------ the iteration


@pytest.mark.parametrize("learning_rate", [1.0, 0.5])
def test_squared_error_training_loss_never_rises(learning_rate):
    X, y = make_regression(1500, 6, noise=25.0, random_state=3)
    model = HistGradientBoostingRegressor(
        learning_rate=learning_rate, max_iter=40, early_stopping=False
    ).fit(X, y)
    history = model.history_["loss"]
    assert len(history) == model.n_iter_ + 1 == 41
    assert np.all(np.diff(history) <= 1e-12 * history[:-1])
    assert_close(history[-1], 0.5 * np.mean((model.predict(X) - y) ** 2), rtol=1e-12)


def test_log_loss_training_loss_never_rises_at_the_default_rate(shared_data):
    X, y = creditcard(shared_data)
    model = HistGradientBoostingClassifier(max_iter=60, early_stopping=False).fit(X, y)
    history = model.history_["loss"]
    assert np.all(np.diff(history) <= 1e-12 * history[:-1])
    p = model.predict_proba(X)[:, 1]
    assert_close(history[-1], -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-9)


def test_one_split_trees_take_the_closed_form_newton_steps():
    # Separable: x < 0 is class 0 (140 samples), x > 0 class 1 (60). Every tree has one split
    # (at 0) and its leaves hold one class each, so g and h are constant in each leaf:
    # left (y = 0): g = p_L, h = p_L (1 - p_L), w_L = -1 / (1 - p_L);
    # right (y = 1): g = p_R - 1, h = p_R (1 - p_R), w_R = 1 / p_R.
    x = np.concatenate([np.linspace(-2, -0.1, 140), np.linspace(0.1, 2, 60)])[:, None]
    y = (x[:, 0] > 0).astype(int)
    rate = 0.5
    model = HistGradientBoostingClassifier(
        learning_rate=rate, max_depth=1, max_iter=6, early_stopping=False
    ).fit(x, y)
    assert_close(model.baseline_, [np.log(60 / 140)], rtol=1e-12)
    left = right = model.baseline_[0]
    for stage in range(6):
        tree = model.estimators_[stage, 0].tree_
        assert tree.node_count == 3 and -0.1 < tree.threshold[0] < 0.1
        p_left, p_right = 1 / (1 + np.exp(-left)), 1 / (1 + np.exp(-right))
        w_left, w_right = -1 / (1 - p_left), 1 / p_right
        assert_close(tree.value[1:, 0, 0], [rate * w_left, rate * w_right], rtol=1e-6)
        left, right = left + rate * w_left, right + rate * w_right


def test_early_stopping_watches_held_out_loss():
    X, y = make_classification(4000, 10, flip_y=0.3, random_state=0)
    model = HistGradientBoostingClassifier(
        learning_rate=0.5, max_iter=300, early_stopping=True, n_iter_no_change=5,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    assert model.n_iter_ < 100
    validation = model.history_["validation_loss"]
    assert len(validation) == model.n_iter_ + 1 == len(model.validation_score_)
    assert_close(model.validation_score_, -validation, rtol=1e-12)
    best = np.max(model.validation_score_[:-5])
    assert np.all(model.validation_score_[-5:] <= best + model.tol)

    scored = HistGradientBoostingClassifier(
        max_iter=200, early_stopping=True, scoring="accuracy", n_iter_no_change=4,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    assert scored.n_iter_ < 200 and 0.5 < scored.validation_score_[-1] <= 1


def test_staged_predictions_end_at_the_final_ones():
    X, y = make_classification(500, 5, n_classes=3, n_informative=3, random_state=0)
    model = HistGradientBoostingClassifier(max_iter=7).fit(X, y)
    stages = list(model.staged_predict_proba(X))
    assert len(stages) == 7 and np.array_equal(stages[-1], model.predict_proba(X))
    assert np.array_equal(list(model.staged_predict(X))[-1], model.predict(X))
    X, y = make_regression(400, 4, random_state=0)
    regressor = HistGradientBoostingRegressor(max_iter=5).fit(X, y)
    assert np.array_equal(list(regressor.staged_predict(X))[-1], regressor.predict(X))


def test_missing_values_learn_their_direction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] > 0).astype(int)
    X[rng.random(2000) < 0.2, 0] = np.nan  # missing means class 1
    y[np.isnan(X[:, 0])] = 1
    model = HistGradientBoostingClassifier(max_iter=20).fit(X, y)
    assert model.score(X, y) > 0.98
    assert np.all(model.predict(np.array([[np.nan, 0.0, 0.0]])) == 1)
    # A feature with no missing value in training sends NaN to its larger child.
    for tree in model.estimators_[:, 0]:
        t = tree.tree_
        for node in np.flatnonzero((t.children_left != -1) & (t.feature != 0)):
            larger_left = (
                t.n_node_samples[t.children_left[node]] > t.n_node_samples[t.children_right[node]]
            )
            assert t.missing_go_to_left[node] == larger_left


def test_monotonic_constraints_hold_everywhere():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(2000, 3))
    y = X[:, 0] - X[:, 1] ** 3 + np.sin(3 * X[:, 2]) + 0.5 * rng.normal(size=2000)
    model = HistGradientBoostingRegressor(monotonic_cst=[1, -1, 0], max_iter=50).fit(X, y)
    grid = np.linspace(-2.5, 2.5, 101)
    for _ in range(20):
        point = rng.uniform(-2, 2, size=3)
        along_0 = np.tile(point, (101, 1))
        along_0[:, 0] = grid
        along_1 = np.tile(point, (101, 1))
        along_1[:, 1] = grid
        assert np.all(np.diff(model.predict(along_0)) >= 0)
        assert np.all(np.diff(model.predict(along_1)) <= 0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_tree_arrays_follow_the_explainer_contract(n_classes):
    """raw(x)[k] = baseline_[k] + sum_i estimators_[i, k] at x, with x[f] <= threshold going
    left and NaN following missing_go_to_left: exactly decision_function."""
    X, y = make_classification(600, 5, n_classes=n_classes, n_informative=3, random_state=0)
    X = _with_missing(X, 0.1)
    model = HistGradientBoostingClassifier(max_iter=8, random_state=0).fit(X, y)
    K = model.n_trees_per_iteration_
    assert model.estimators_.shape == (model.n_iter_, K) and model.baseline_.shape == (K,)
    raw = np.tile(model.baseline_, (len(X), 1))
    for stage in range(model.n_iter_):
        for k in range(K):
            t = model.estimators_[stage, k].tree_
            assert t.value.shape == (t.node_count, 1, 1)
            assert t.missing_go_to_left.dtype == np.uint8
            node = np.zeros(len(X), dtype=int)
            while np.any(t.children_left[node] != -1):
                inner = t.children_left[node] != -1
                x = X[np.arange(len(X)), np.maximum(t.feature[node], 0)]
                left = (x <= t.threshold[node]) | (np.isnan(x) & (t.missing_go_to_left[node] == 1))
                child = np.where(left, t.children_left[node], t.children_right[node])
                node = np.where(inner, child, node)
            raw[:, k] += t.value[node, 0, 0]
    expected = model.decision_function(X)
    assert np.array_equal(raw[:, 0] if K == 1 else raw, expected)


def test_float32_input_is_fitted_without_a_float64_copy():
    X, y = make_classification(3000, 6, random_state=0)
    X32 = X.astype(np.float32)
    ours = HistGradientBoostingClassifier(max_iter=10).fit(X32, y)
    theirs = ske.HistGradientBoostingClassifier(max_iter=10).fit(X32, y)
    assert_close(ours.decision_function(X32), theirs.decision_function(X32), rtol=0, atol=1e-12)


def test_boosting_bad_input_is_refused_by_name():
    X, y = make_classification(100, 4, random_state=0)
    with pytest.raises(ValueError, match="max_bins"):
        HistGradientBoostingClassifier(max_bins=256).fit(X, y)
    with pytest.raises(ValueError, match="loss"):
        HistGradientBoostingRegressor(loss="hinge").fit(X, y)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"^X: .*inf"):
        HistGradientBoostingClassifier().fit(X_inf, y)
    with pytest.raises(ValueError, match=r"class_weight: .*\[9\]"):
        HistGradientBoostingClassifier(class_weight={0: 1, 9: 2}).fit(X, y)
    with pytest.raises(ValueError, match=r"^y: .*non-negative"):
        HistGradientBoostingRegressor(loss="poisson").fit(X, -np.abs(X[:, 0]))
    with pytest.raises(ValueError, match="monotonic_cst"):
        HistGradientBoostingClassifier(monotonic_cst=[1, 0, 0, 0]).fit(X, np.arange(100) % 3)
    with pytest.raises(ValueError, match="monotonic_cst"):
        HistGradientBoostingClassifier(monotonic_cst=[2, 0, 0, 0]).fit(X, y)


def test_threads_change_nothing():
    """Histograms of large nodes are built on several threads, feature by feature; the loss
    is summed in fixed blocks: the model is the same bit for bit on one thread or two."""
    import numba

    X, y = make_classification(12_000, 20, random_state=0)  # root: 240,000 bin updates
    fits = []
    for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
        numba.set_num_threads(threads)
        model = HistGradientBoostingClassifier(max_iter=5, early_stopping=False).fit(X, y)
        fits.append((model.decision_function(X), model.history_["loss"]))
    assert np.array_equal(fits[0][0], fits[1][0]) and np.array_equal(fits[0][1], fits[1][1])
