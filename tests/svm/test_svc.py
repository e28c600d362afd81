"""SVC against scikit-learn's SVC (libsvm).

Reference: ``sklearn.svm.SVC`` with the same C, kernel, gamma, tol (1e-3), shrinking and cache.
Tolerances: support set identical; ``dual_coef_`` and ``intercept_`` within atol 1e-3 (the
issue's bound; in practice the SMO path is libsvm's and they agree to rounding, which the
``n_iter_`` equality checks); decision values within atol 1e-6; predictions identical.
Platt scaling: the fitted (A, B) match a direct BFGS minimisation of the same objective to
1e-5; probabilities are checked for calibration, not against libsvm (its CV folds are random).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from parity import assert_close, assert_same_estimator
from scipy.optimize import minimize
from sklearn import svm as sk_svm
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning

from glassml.svm import SVC
from glassml.svm._platt import couple_pairwise, fit_sigmoid, platt_targets

X_BIN, Y_BIN = make_classification(n_samples=240, n_features=6, n_informative=4, random_state=0)
X_IRIS, Y_IRIS = load_iris(return_X_y=True)


def assert_same_model(mine, theirs, X, *, same_support_indices=True):
    exact = ("support_vectors_", "n_support_") + (("support_",) if same_support_indices else ())
    assert_same_estimator(mine, theirs, X, attributes=exact, methods=("predict",), rtol=0, atol=0)
    dual = ("dual_coef_", "intercept_")
    assert_same_estimator(mine, theirs, X, attributes=dual, methods=(), rtol=0, atol=1e-3)
    assert_same_estimator(mine, theirs, X, methods=("decision_function",), rtol=0, atol=1e-6)


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly", "sigmoid"])
@pytest.mark.parametrize("shrinking", [True, False])
def test_binary_matches_libsvm(kernel, shrinking):
    params = {"kernel": kernel, "shrinking": shrinking, "C": 2.0, "coef0": 0.5}
    mine = SVC(**params).fit(X_BIN, Y_BIN)
    theirs = sk_svm.SVC(**params).fit(X_BIN, Y_BIN)
    assert_same_model(mine, theirs, X_BIN)
    # same working sets in the same order: the iteration counts agree exactly
    np.testing.assert_array_equal(mine.n_iter_, theirs.n_iter_)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kernel": "linear", "C": 0.5},
        {"decision_function_shape": "ovo"},
        {"class_weight": "balanced", "C": 3.0, "gamma": "auto"},
        {"kernel": "poly", "degree": 2, "gamma": 0.2, "coef0": 1.0},
        {"class_weight": {0: 2.0, 2: 0.5}, "gamma": 0.3},
    ],
)
def test_multiclass_one_vs_one_layout_matches_libsvm(params):
    mine = SVC(**params).fit(X_IRIS, Y_IRIS)
    theirs = sk_svm.SVC(**params).fit(X_IRIS, Y_IRIS)
    assert mine.dual_coef_.shape == (2, len(mine.support_))
    assert_same_model(mine, theirs, X_IRIS)


def test_string_labels_and_sample_weight():
    labels = np.array(["no", "yes"])[Y_BIN]
    weights = np.random.default_rng(0).uniform(0.2, 2.0, len(Y_BIN))
    mine = SVC(kernel="rbf", C=1.5).fit(X_BIN, labels, sample_weight=weights)
    theirs = sk_svm.SVC(kernel="rbf", C=1.5).fit(X_BIN, labels, sample_weight=weights)
    assert_same_model(mine, theirs, X_BIN)


def test_zero_sample_weight_drops_the_sample():
    weights = np.ones(len(Y_BIN))
    weights[:15] = 0.0
    mine = SVC(kernel="linear").fit(X_BIN, Y_BIN, sample_weight=weights)
    theirs = sk_svm.SVC(kernel="linear").fit(X_BIN, Y_BIN, sample_weight=weights)
    # scikit-learn's support_ indexes the weight-filtered data; ours indexes X itself
    assert_same_model(mine, theirs, X_BIN, same_support_indices=False)
    assert_close(X_BIN[mine.support_], mine.support_vectors_, rtol=0, atol=0)
    assert np.all(mine.support_ >= 15)


def test_callable_kernel_equals_builtin():
    mine = SVC(kernel=lambda A, B: A @ B.T).fit(X_IRIS, Y_IRIS)
    theirs = sk_svm.SVC(kernel="linear").fit(X_IRIS, Y_IRIS)
    assert_same_model(mine, theirs, X_IRIS)


@pytest.mark.parametrize(("X", "y"), [(X_BIN, Y_BIN), (X_IRIS, Y_IRIS)])
def test_coef_for_linear_kernel(X, y):
    mine = SVC(kernel="linear").fit(X, y)
    theirs = sk_svm.SVC(kernel="linear").fit(X, y)
    assert_close(mine.coef_, theirs.coef_, rtol=0, atol=1e-8, what="coef_")
    # w·x + b is the decision function (binary) -- the primal/dual identity
    if len(mine.classes_) == 2:
        assert_close(
            X @ mine.coef_[0] + mine.intercept_[0], mine.decision_function(X), rtol=0, atol=1e-10
        )
    with pytest.raises(AttributeError, match="linear"):
        SVC().fit(X, y).coef_


def test_solution_satisfies_kkt_conditions():
    """Independent of libsvm: the KKT conditions of the dual hold to tol."""
    C, tol = 1.0, 1e-3
    model = SVC(kernel="rbf", C=C, tol=tol, gamma=0.2).fit(X_BIN, Y_BIN)
    signs = np.where(Y_BIN == model.classes_[1], 1.0, -1.0)
    alpha = np.zeros(len(Y_BIN))
    alpha[model.support_] = model.dual_coef_[0] * signs[model.support_]
    assert np.all(alpha >= 0) and np.all(alpha <= C + 1e-12)
    assert abs(alpha @ signs) < 1e-10  # yᵀα = 0
    margin = signs * model.decision_function(X_BIN)  # y f(x)
    free = (alpha > 0) & (alpha < C)
    assert np.all(np.abs(margin[free] - 1) < 2 * tol)
    assert np.all(margin[alpha == 0] > 1 - 2 * tol)
    assert np.all(margin[alpha == C] < 1 + 2 * tol)
    assert model.history_["gap"].shape == (model.n_iter_.sum(),)
    assert model.history_["gap"][0] > model.history_["gap"][-1] >= tol


def test_max_iter_warns():
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        SVC(max_iter=5).fit(X_BIN, Y_BIN)


def test_small_cache_gives_same_result():
    big = SVC(cache_size=200).fit(X_BIN, Y_BIN)
    tiny = SVC(cache_size=0.001).fit(X_BIN, Y_BIN)  # two rows: every row recomputed
    assert_close(tiny.dual_coef_, big.dual_coef_, rtol=0, atol=0)


# ---- Platt scaling ---------------------------------------------------------------------------


def test_sigmoid_fit_matches_direct_minimisation():
    rng = np.random.default_rng(1)
    labels = np.where(rng.random(300) < 0.4, 1, -1)
    decision = labels * 0.8 + rng.normal(scale=1.0, size=300)
    A, B = fit_sigmoid(decision, labels)
    targets = platt_targets(labels)

    def objective(ab):  # cross-entropy of P = 1/(1+exp(Af+B)) against the smoothed targets
        z = ab[0] * decision + ab[1]
        return np.sum(targets * z + np.logaddexp(0.0, -z))

    direct = minimize(objective, x0=np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    assert_close([A, B], direct.x, rtol=0, atol=1e-5, what="(A, B)")
    assert A < 0  # larger decision value -> higher P(+1)


def test_coupling_recovers_consistent_probabilities():
    p = np.array([0.5, 0.3, 0.2])
    pairwise = p[:, None] / (p[:, None] + p[None, :])
    np.fill_diagonal(pairwise, 0.0)
    assert_close(couple_pairwise(pairwise[None])[0], p, rtol=0, atol=1e-3)
    two = np.array([[[0.0, 0.8], [0.2, 0.0]]])
    assert_close(couple_pairwise(two)[0], [0.8, 0.2], rtol=0, atol=1e-3)


@pytest.mark.parametrize(("X", "y"), [(X_BIN, Y_BIN), (X_IRIS, Y_IRIS)])
def test_coupling_reproduces_libsvm_given_its_sigmoids(X, y):
    """Feed libsvm's own decision values and (A, B) through our sigmoid + coupling."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = sk_svm.SVC(probability=True, random_state=0, decision_function_shape="ovo")
        theirs.fit(X, y)
        probA, probB, expected = theirs.probA_, theirs.probB_, theirs.predict_proba(X)
    decision = theirs.decision_function(X)
    k = len(theirs.classes_)
    if k == 2:
        decision = -decision[:, None]  # libsvm's sign: positive -> classes_[0]
    pairwise = np.zeros((len(X), k, k))
    pair = 0
    for a in range(k):
        for b in range(a + 1, k):
            r = np.clip(
                1.0 / (1.0 + np.exp(decision[:, pair] * probA[pair] + probB[pair])), 1e-7, 1 - 1e-7
            )
            pairwise[:, a, b], pairwise[:, b, a] = r, 1 - r
            pair += 1
    assert_close(couple_pairwise(pairwise), expected, rtol=0, atol=1e-12, what="proba")


def test_predict_proba_is_calibrated():
    X, y = make_classification(n_samples=600, n_features=5, flip_y=0.1, random_state=3)
    model = SVC(probability=True, random_state=0).fit(X[:400], y[:400])
    proba = model.predict_proba(X[400:])
    assert_close(proba.sum(axis=1), np.ones(200), rtol=0, atol=1e-12)
    order = np.argsort(model.decision_function(X[400:]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = sk_svm.SVC(probability=True, random_state=0).fit(X[:400], y[:400])
        brier_theirs = np.mean((theirs.predict_proba(X[400:])[:, 1] - y[400:]) ** 2)
    brier_mine = np.mean((proba[:, 1] - y[400:]) ** 2)
    assert brier_mine < brier_theirs + 0.01
    # calibration: mean predicted probability per half ≈ observed frequency
    for half in np.array_split(order, 2):
        assert abs(proba[half, 1].mean() - y[400:][half].mean()) < 0.1


def test_multiclass_probabilities():
    model = SVC(probability=True, random_state=0).fit(X_IRIS, Y_IRIS)
    proba = model.predict_proba(X_IRIS)
    assert proba.shape == (150, 3)
    assert_close(proba.sum(axis=1), np.ones(150), rtol=0, atol=1e-12)
    assert np.mean(model.classes_[proba.argmax(axis=1)] == Y_IRIS) > 0.95
    assert_close(np.exp(model.predict_log_proba(X_IRIS)), proba, rtol=1e-12)


def test_predict_proba_needs_probability_true():
    model = SVC().fit(X_BIN, Y_BIN)
    assert not hasattr(model, "predict_proba")


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"kernel": "gaussian"}, "kernel"),
        ({"C": -1.0}, "C"),
        ({"C": np.inf}, "C"),
        ({"gamma": "wide"}, "gamma"),
        ({"gamma": -0.5}, "gamma"),
        ({"degree": 2.5}, "degree"),
        ({"tol": 0}, "tol"),
        ({"cache_size": -5}, "cache_size"),
        ({"max_iter": 0}, "max_iter"),
        ({"decision_function_shape": "ova"}, "decision_function_shape"),
        ({"class_weight": "even"}, "class_weight"),
        ({"coef0": np.nan}, "coef0"),
    ],
)
def test_bad_parameters_name_the_argument(params, name):
    with pytest.raises(ValueError, match=name):
        SVC(**params).fit(X_BIN, Y_BIN)


def test_bad_data_names_the_argument():
    bad = X_BIN.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SVC().fit(bad, Y_BIN)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SVC().fit(bad, Y_BIN)
    with pytest.raises(ValueError, match="class"):
        SVC().fit(X_BIN, np.zeros(len(Y_BIN)))
    with pytest.raises(ValueError, match="sample_weight"):
        SVC().fit(X_BIN, Y_BIN, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="sample_weight"):
        SVC().fit(X_BIN, Y_BIN, sample_weight=-np.ones(len(Y_BIN)))
    with pytest.raises(ValueError, match="features"):
        SVC().fit(X_BIN, Y_BIN).predict(X_BIN[:, :3])


def test_ten_classes_match_libsvm():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    mine = SVC(kernel="rbf", C=2.0).fit(X, y)
    theirs = sk_svm.SVC(kernel="rbf", C=2.0).fit(X, y)
    assert mine.dual_coef_.shape == (9, len(mine.support_))
    assert_same_model(mine, theirs, X)
    np.testing.assert_array_equal(mine.n_iter_, theirs.n_iter_)
