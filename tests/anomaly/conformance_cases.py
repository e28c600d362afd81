"""Conformance instances for anomaly (see tests/test_conformance.py)."""

from glassml.anomaly import AutoencoderDetector, LocalOutlierFactor

INSTANCES = {
    "LocalOutlierFactor": [
        LocalOutlierFactor(n_neighbors=5),
        LocalOutlierFactor(n_neighbors=5, novelty=True),
    ],
    "AutoencoderDetector": [AutoencoderDetector((4,), max_iter=20, random_state=0)],
}
EXPECTED_FAILURES = {
    "OneClassSVM": {
        "check_sample_weight_equivalence_on_dense_data": (
            "weighted and repeated samples give the same dual optimum, but SMO stops at tol "
            "(scikit-learn's OneClassSVM lists the same expected failure)"
        )
    },
}
