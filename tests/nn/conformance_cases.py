"""Conformance instances for nn (see tests/test_conformance.py).

The CNN is checked with its defaults on scikit-learn's 2-D test data, which it reads as square
single-channel images (its documented layout for flat rows: d features fill an s x s image,
s = ceil(sqrt(d)), trailing pixels zero). Every check runs; none is expected to fail.

The sequence regressor reads scikit-learn's flat rows (n, d) as sequences of d steps of one
feature (its documented layout). ``check_regressors_train`` asks for R² > 0.5 on a problem
whose one informative feature sits at one position of a 10-step sequence: a small GRU with a
larger step than the default learns it in 40 epochs (R² 0.77) in about a second; the default
(32 units, learning rate 1e-3, early stopping on 20 validation rows) stops near R² 0.35 and
takes seconds per fit. Every check runs; none is expected to fail.
"""

from glassml.nn import CNNClassifier, SequenceRegressor

INSTANCES = {
    "CNNClassifier": [CNNClassifier(random_state=0)],
    "SequenceRegressor": [
        SequenceRegressor(
            "gru",
            hidden_size=4,
            learning_rate_init=0.05,
            batch_size=50,
            max_iter=40,
            early_stopping=False,
            random_state=0,
        )
    ],
}
EXPECTED_FAILURES: dict[str, dict[str, str]] = {}
