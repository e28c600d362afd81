"""Conformance cases for fairness (see tests/test_conformance.py).

CorrelationRemover is checked like any transformer. The three mitigators cannot be: their
``fit`` needs ``sensitive_features`` (the groups the constraint is about), which scikit-learn's
checks have no way to pass, and a default standing in for it would turn a forgotten argument
into a silently unconstrained model. Their contract is checked with the argument given.
"""

_WHY = (
    "fit needs sensitive_features, which scikit-learn's checks cannot pass; "
    "tests/fairness/test_estimator_contract.py runs the contract's checks with them"
)
FIT_NEEDS_METADATA = {
    "Reweighing": _WHY,
    "ExponentiatedGradient": _WHY,
    "ThresholdOptimizer": _WHY,
}
