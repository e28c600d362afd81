"""The scikit-learn contract of the three mitigators, with ``sensitive_features`` given.

scikit-learn's ``check_estimator`` cannot pass the groups to ``fit`` (see conformance_cases.py),
so the checks that apply are run here: the parameter checks of scikit-learn itself (they need no
fit), then clone / get_params / set_params, fit leaving the parameters untouched, refitting
giving the same model, unfitted use refused, pickling, and predictions that do not depend on
the other rows of the batch (order and subset invariance of P(decision = 1 | x)).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import glassml.fairness as gf

MITIGATORS = {
    "Reweighing": lambda: gf.Reweighing(LogisticRegression()),
    "ExponentiatedGradient": lambda: gf.ExponentiatedGradient(LogisticRegression(), eps=0.05),
    "ThresholdOptimizer": lambda: gf.ThresholdOptimizer(LogisticRegression()),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2)
    n = 600
    group = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 3)) + group[:, None] * 0.7
    y = (X[:, 0] + rng.normal(size=n) > 0.5).astype(int)
    return X, y, group


def _proba(model, X, group):
    if isinstance(model, gf.ThresholdOptimizer):
        return model.predict_proba(X, sensitive_features=group)
    return model.predict_proba(X)


@pytest.mark.parametrize("name", MITIGATORS)
def test_scikit_learn_parameter_checks(name):
    estimator = MITIGATORS[name]()
    check_no_attributes_set_in_init(name, estimator)
    check_parameters_default_constructible(name, estimator)
    check_get_params_invariance(name, estimator)
    check_set_params(name, estimator)


@pytest.mark.parametrize("name", MITIGATORS)
def test_fit_contract(name, data):
    X, y, group = data
    estimator = MITIGATORS[name]()
    params = {key: repr(value) for key, value in estimator.get_params(deep=False).items()}
    with pytest.raises(NotFittedError):
        _proba(estimator, X, group)
    model = clone(estimator).fit(X, y, sensitive_features=group)
    assert {key: repr(v) for key, v in estimator.get_params(deep=False).items()} == params
    again = clone(estimator).fit(X, y, sensitive_features=group)
    np.testing.assert_allclose(_proba(model, X, group), _proba(again, X, group), rtol=1e-12)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(_proba(restored, X, group), _proba(model, X, group))
    proba = _proba(model, X, group)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    order = np.random.default_rng(0).permutation(len(y))
    np.testing.assert_allclose(_proba(model, X[order], group[order]), proba[order], rtol=1e-12)
    subset = np.arange(0, len(y), 7)
    np.testing.assert_allclose(_proba(model, X[subset], group[subset]), proba[subset], rtol=1e-12)
    assert list(model.classes_) == [0, 1]
