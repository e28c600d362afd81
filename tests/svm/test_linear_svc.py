"""LinearSVC against scikit-learn's LinearSVC(dual=True) (liblinear's dual coordinate descent).

Reference: ``sklearn.svm.LinearSVC(dual=True)`` with the same loss, C, intercept handling and a
tight tol=1e-10 on both sides (liblinear's coordinate order comes from its own random generator,
so iterates differ; at this tol both are at the unique optimum). Tolerance: coef_ and
intercept_ within atol 1e-7; predictions identical. The optimum itself is checked against an
independent primal solve (scipy L-BFGS on the squared-hinge primal) to 1e-5.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close
from scipy.optimize import minimize
from sklearn import svm as sk_svm
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from glassml.svm import LinearSVC

X_BIN, Y_BIN = make_classification(n_samples=300, n_features=8, random_state=0)
X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)
TIGHT = {"tol": 1e-10, "max_iter": 200_000}


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(("X", "y"), [(X_BIN, Y_BIN), (X_IRIS, Y_IRIS)])
def test_matches_liblinear(loss, fit_intercept, X, y):
    params = {"loss": loss, "C": 0.5, "fit_intercept": fit_intercept, **TIGHT}
    mine = LinearSVC(**params, random_state=0).fit(X, y)
    theirs = sk_svm.LinearSVC(dual=True, **params, random_state=0).fit(X, y)
    assert_close(mine.coef_, theirs.coef_, rtol=0, atol=1e-7, what="coef_")
    assert_close(mine.intercept_, theirs.intercept_, rtol=0, atol=1e-7, what="intercept_")
    assert_close(mine.decision_function(X), theirs.decision_function(X), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(mine.predict(X), theirs.predict(X))


def test_weights_and_intercept_scaling_match_liblinear():
    labels = np.array(["a", "b"])[Y_BIN]
    weights = np.random.default_rng(0).uniform(0.0, 2.0, len(Y_BIN))
    params = {"C": 2.0, "intercept_scaling": 3.0, "class_weight": {"a": 2.0}, **TIGHT}
    mine = LinearSVC(**params).fit(X_BIN, labels, sample_weight=weights)
    theirs = sk_svm.LinearSVC(dual=True, **params).fit(X_BIN, labels, sample_weight=weights)
    assert_close(mine.coef_, theirs.coef_, rtol=0, atol=1e-7, what="coef_")
    assert_close(mine.intercept_, theirs.intercept_, rtol=0, atol=1e-7, what="intercept_")


def test_multiclass_class_weight_matches_liblinear():
    params = {"class_weight": "balanced", "loss": "hinge", **TIGHT}
    mine = LinearSVC(**params).fit(X_IRIS[:120], Y_IRIS[:120])
    theirs = sk_svm.LinearSVC(dual=True, **params).fit(X_IRIS[:120], Y_IRIS[:120])
    assert_close(mine.coef_, theirs.coef_, rtol=0, atol=1e-7, what="coef_")


def test_squared_hinge_primal_optimum():
    """Independent of liblinear: minimise the primal directly (bias regularised too)."""
    C = 0.7
    model = LinearSVC(C=C, **TIGHT).fit(X_BIN, Y_BIN)
    signs = np.where(Y_BIN == 1, 1.0, -1.0)
    X_tilde = np.hstack([X_BIN, np.ones((len(X_BIN), 1))])

    def primal(w):
        slack = np.maximum(0.0, 1.0 - signs * (X_tilde @ w))
        gradient = w - 2 * C * X_tilde.T @ (signs * slack)
        return 0.5 * w @ w + C * np.sum(slack**2), gradient

    direct = minimize(
        primal,
        np.zeros(X_tilde.shape[1]),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000},
    )
    assert_close(np.r_[model.coef_[0], model.intercept_], direct.x, rtol=0, atol=1e-5)


def test_history_and_convergence_warning():
    model = LinearSVC(tol=1e-6, max_iter=5000, random_state=0).fit(X_BIN, Y_BIN)
    assert model.history_["gap"].shape == (model.n_iter_,)
    assert model.history_["gap"][-1] <= 1e-6
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        LinearSVC(loss="hinge", tol=1e-12, max_iter=2).fit(X_BIN, Y_BIN)


def test_random_state_reproducible():
    first = LinearSVC(random_state=3, tol=1e-3).fit(X_BIN, Y_BIN)
    second = LinearSVC(random_state=3, tol=1e-3).fit(X_BIN, Y_BIN)
    assert_close(first.coef_, second.coef_, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"loss": "log"}, "loss"),
        ({"C": 0}, "C"),
        ({"tol": -1.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"intercept_scaling": np.nan}, "intercept_scaling"),
        ({"fit_intercept": "yes"}, "fit_intercept"),
        ({"class_weight": [1, 2]}, "class_weight"),
    ],
)
def test_bad_parameters_name_the_argument(params, name):
    with pytest.raises(ValueError, match=name):
        LinearSVC(**params).fit(X_BIN, Y_BIN)


def test_bad_data():
    bad = X_BIN.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        LinearSVC().fit(bad, Y_BIN)
    with pytest.raises(ValueError, match="class"):
        LinearSVC().fit(X_BIN, np.ones(len(Y_BIN)))
    with pytest.raises(ValueError, match="features"):
        LinearSVC().fit(X_BIN, Y_BIN).predict(X_BIN[:, :2])
