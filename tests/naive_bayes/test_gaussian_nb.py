"""GaussianNB against scikit-learn's GaussianNB.

Reference: sklearn.naive_bayes.GaussianNB with the same var_smoothing / priors.
Tolerances: predictions identical; theta_, var_, epsilon_, class_prior_ to rtol 1e-12;
predict_proba / predict_log_proba to atol 1e-10 (iris, wine, an offset make_classification).
The joint log-likelihood is also checked against scipy.stats.norm.logpdf summed per class.
Conformance: tests/test_conformance.py, no expected failures.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.naive_bayes as sk
from parity import assert_close
from scipy.stats import norm
from sklearn.datasets import load_iris, load_wine, make_classification

from glassml.naive_bayes import GaussianNB


def _datasets():
    X, y = make_classification(300, 8, n_classes=3, n_informative=4, random_state=0)
    return {
        "iris": load_iris(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "offset": (X * 0.1 + 1e4, y),  # large offset: differences, not expanded squares
    }


@pytest.mark.parametrize("name", ["iris", "wine", "offset"])
@pytest.mark.parametrize("params", [{}, {"var_smoothing": 1e-2}, {"priors": [0.5, 0.3, 0.2]}])
def test_matches_sklearn(name, params):
    X, y = _datasets()[name]
    mine, theirs = GaussianNB(**params).fit(X, y), sk.GaussianNB(**params).fit(X, y)
    np.testing.assert_array_equal(mine.predict(X), theirs.predict(X))
    for attribute in ("theta_", "var_", "epsilon_", "class_prior_", "class_count_"):
        assert_close(
            getattr(mine, attribute), getattr(theirs, attribute), rtol=1e-12, what=attribute
        )
    assert_close(
        mine.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-10, what="predict_proba"
    )
    assert_close(
        mine.predict_log_proba(X),
        theirs.predict_log_proba(X),
        rtol=1e-10,
        atol=1e-10,
        what="predict_log_proba",
    )


def test_joint_log_likelihood_is_the_gaussian_model():
    X, y = load_iris(return_X_y=True)
    model = GaussianNB().fit(X, y)
    expected = np.column_stack(
        [
            np.log(model.class_prior_[c])
            + norm.logpdf(X, loc=model.theta_[c], scale=np.sqrt(model.var_[c])).sum(axis=1)
            for c in range(3)
        ]
    )
    assert_close(model.predict_joint_log_proba(X), expected, rtol=1e-12, what="log p(x, c)")


@pytest.mark.parametrize(
    ("X", "y", "params", "pattern"),
    [
        (np.array([[0.0], [1.0], [np.nan]]), [0, 1, 0], {}, r"^X:.*NaN"),
        (np.array([0.0, 1.0, 2.0]), [0, 1, 0], {}, r"^X:"),
        (np.empty((0, 2)), [], {}, r"^X:"),
        (np.eye(3), [1, 1, 1], {}, r"^y:.*2 classes"),
        (np.eye(3), [0, 1, 0], {"priors": [0.5, 0.6]}, r"^priors:"),
        (np.eye(3), [0, 1, 0], {"priors": [0.2, 0.3, 0.5]}, r"^priors:"),
        (np.eye(3), [0, 1, 0], {"var_smoothing": -1.0}, r"var_smoothing"),
        (np.eye(3), [0.5, 1.25, 2.0], {}, r"^y:.*continuous"),
        (np.eye(3), [0, 1, 0], {"priors": ["a", "b"]}, r"^priors:"),
        (np.eye(3), [0, 1, 0], {"priors": [np.nan, 1.0]}, r"^priors:"),
    ],
)
def test_bad_input_names_the_argument(X, y, params, pattern):
    with pytest.raises(ValueError, match=pattern):
        GaussianNB(**params).fit(X, y)
