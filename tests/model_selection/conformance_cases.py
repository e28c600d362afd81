"""Conformance instances for model_selection (see tests/test_conformance.py)."""

from sklearn.linear_model import Ridge

from glassml.model_selection import BayesSearchCV, Real

# A search needs an estimator and a space; a small one keeps the checks quick.
INSTANCES = {
    "BayesSearchCV": [
        BayesSearchCV(
            Ridge(),
            {"alpha": Real(1e-2, 1e2, prior="log-uniform")},
            n_iter=3,
            n_initial_points=2,
            cv=2,
            random_state=0,
        )
    ]
}
EXPECTED_FAILURES = {
    "BayesSearchCV": {
        "check_supervised_y_2d": (
            "a search hands y to the wrapped estimator unchanged, as GridSearchCV does; Ridge "
            "accepts a column y, so no DataConversionWarning is raised"
        )
    }
}
