"""Conformance instances for ensemble (see tests/test_conformance.py)."""

from glassml.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

# A bootstrap draws n rows: from the weighted data it draws the same number of rows as there
# are samples, from the repeated data as many as there are repeats, so the forests differ
# (scikit-learn's forests list the same expected failure).
_BOOTSTRAP_WEIGHTS = (
    "a bootstrap of the weighted data and of the repeated data draw different numbers of rows"
)
# min_samples_leaf counts rows: a sample of weight 2 is one row where the repeated data has
# two, so the leaves allowed differ (scikit-learn's boosting lists the same expected failure).
_ROW_COUNTS = "min_samples_leaf counts rows, and a weight of 2 is one row, a repeat is two rows"
INSTANCES = {
    "RandomForestClassifier": [RandomForestClassifier(n_estimators=5, random_state=0)],
    "RandomForestRegressor": [RandomForestRegressor(n_estimators=5, random_state=0)],
    "HistGradientBoostingClassifier": [
        HistGradientBoostingClassifier(max_iter=5, min_samples_leaf=5, random_state=0)
    ],
    "HistGradientBoostingRegressor": [
        HistGradientBoostingRegressor(max_iter=5, min_samples_leaf=5, random_state=0)
    ],
}
EXPECTED_FAILURES = {
    "RandomForestClassifier": {"check_sample_weight_equivalence_on_dense_data": _BOOTSTRAP_WEIGHTS},
    "RandomForestRegressor": {"check_sample_weight_equivalence_on_dense_data": _BOOTSTRAP_WEIGHTS},
    "HistGradientBoostingClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _ROW_COUNTS
    },
    "HistGradientBoostingRegressor": {"check_sample_weight_equivalence_on_dense_data": _ROW_COUNTS},
}
