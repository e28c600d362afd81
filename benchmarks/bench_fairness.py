"""Fairness workloads: the threshold LP and the exponentiated-gradient reduction vs fairlearn.

Both sides get the same data, the same base estimator and the same constraint; each check prints
how far the two solutions agree (constraint rates, objective, error), so a fast wrong answer
shows.
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _groups_data(n_samples: int, n_groups: int, seed: int = 0):
    """Rows whose label, features and base rate depend on the group (so parity binds)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n_samples)
    X = rng.normal(size=(n_samples, 6)) + 0.4 * group[:, None] * np.linspace(1, 0, 6)
    logit = X @ np.array([1.0, -0.7, 0.5, 0.0, 0.3, 0.0]) + 0.5 * group - 1.0
    y = (rng.random(n_samples) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, np.array([f"g{a}" for a in range(n_groups)])[group]


# --------------------------------------------------------------- threshold_optimizer
def _threshold_data():
    from sklearn.linear_model import LogisticRegression

    X, y, group = _groups_data(100_000, 4)
    return X, y, group, LogisticRegression().fit(X, y)


def _threshold_ours(data):
    from glassml.fairness import ThresholdOptimizer

    X, y, group, score = data
    model = ThresholdOptimizer(score, constraints="demographic_parity", prefit=True)
    return model.fit(X, y, sensitive_features=group)


def _threshold_reference(data):
    from fairlearn.postprocessing import ThresholdOptimizer

    X, y, group, score = data
    model = ThresholdOptimizer(
        estimator=score,
        constraints="demographic_parity",
        prefit=True,
        predict_method="predict_proba",
    )
    return model.fit(X, y, sensitive_features=group)


def _threshold_check(data, ours, reference) -> str:
    X, y, group, _ = data
    p_ours = ours.predict_proba(X, sensitive_features=group)[:, 1]
    p_ref = reference._pmf_predict(X, sensitive_features=group)[:, 1]
    rates_ours = np.array([p_ours[group == g].mean() for g in np.unique(group)])
    rates_ref = np.array([p_ref[group == g].mean() for g in np.unique(group)])
    accuracy_ours = np.mean(p_ours * y + (1 - p_ours) * (1 - y))
    accuracy_ref = np.mean(p_ref * y + (1 - p_ref) * (1 - y))
    return (
        f"max |selection rate diff| {np.max(np.abs(rates_ours - rates_ref)):.1e}, "
        f"accuracy {accuracy_ours:.6f} vs {accuracy_ref:.6f} (fairlearn's 1,000-point grid)"
    )


register(
    Workload(
        name="threshold_optimizer",
        description="ThresholdOptimizer, 100,000 rows, 4 groups, demographic parity, prefit score",
        setup=_threshold_data,
        ours=_threshold_ours,
        reference=_threshold_reference,
        reference_label="fairlearn",
        target=1.0,
        requires=("fairlearn",),
        check=_threshold_check,
        repeats=5,
    )
)


# --------------------------------------------------------------- exponentiated_gradient
EG_EPS = 0.01


def _eg_data():
    X, y, group = _groups_data(20_000, 2, seed=1)
    return X, y, group


def _eg_ours(data):
    from sklearn.linear_model import LogisticRegression

    from glassml.fairness import ExponentiatedGradient

    X, y, group = data
    model = ExponentiatedGradient(
        LogisticRegression(), constraints="demographic_parity", eps=EG_EPS
    )
    return model.fit(X, y, sensitive_features=group)


def _eg_reference(data):
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    X, y, group = data
    model = ExponentiatedGradient(LogisticRegression(), DemographicParity(), eps=EG_EPS)
    return model.fit(X, y, sensitive_features=group)


def _eg_check(data, ours, reference) -> str:
    X, y, group = data
    p_ours = ours.predict_proba(X)[:, 1]
    p_ref = reference._pmf_predict(X)[:, 1]

    def violation(p):
        rates = np.array([p[group == g].mean() for g in np.unique(group)])
        return float(np.max(np.abs(rates - p.mean())))

    def error(p):
        return float(np.mean(p * (1 - y) + (1 - p) * y))

    return (
        f"DP violation {violation(p_ours):.4f} vs {violation(p_ref):.4f}, error "
        f"{error(p_ours):.4f} vs {error(p_ref):.4f} (|diff| {abs(error(p_ours) - error(p_ref)):.4f}"
        f"), oracle calls {ours.n_oracle_calls_} vs {reference.n_oracle_calls_}"
    )


register(
    Workload(
        name="exponentiated_gradient",
        description="ExponentiatedGradient, 20,000 rows, sklearn LogisticRegression base, "
        f"demographic parity, eps={EG_EPS}",
        setup=_eg_data,
        ours=_eg_ours,
        reference=_eg_reference,
        reference_label="fairlearn",
        target=1.0,
        requires=("fairlearn",),
        check=_eg_check,
        repeats=3,
    )
)
