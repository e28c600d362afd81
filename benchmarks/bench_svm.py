"""SVM workloads: kernel SVC by SMO and LinearSVC by dual coordinate descent vs scikit-learn."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Workload, register


def _svc_data():
    from sklearn.datasets import make_classification

    return make_classification(n_samples=10_000, n_features=20, n_informative=10, random_state=0)


def _svc_ours(data):
    from glassml.svm import SVC

    return SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200).fit(*data)


def _svc_reference(data):
    from sklearn.svm import SVC

    return SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200).fit(*data)


def _svc_check(data, ours, reference) -> str:
    same = np.array_equal(ours.support_, reference.support_)
    if not same:
        return f"support sets differ ({len(ours.support_)} vs {len(reference.support_)})"
    gap = np.max(np.abs(ours.dual_coef_ - reference.dual_coef_))
    return f"same {len(ours.support_)} SVs, max |dual_coef diff| {gap:.1e}"


register(
    Workload(
        name="svc_rbf",
        description="SVC rbf, 10,000 x 20, C=1, gamma='scale', tol=1e-3, cache 200 MB",
        setup=_svc_data,
        ours=_svc_ours,
        reference=_svc_reference,
        reference_label="sklearn",
        target=1.5,
        requires=("sklearn",),
        check=_svc_check,
        repeats=3,
    )
)


def _linear_data():
    from sklearn.datasets import make_classification
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=100_000, n_features=100, n_informative=20, random_state=0)
    return StandardScaler().fit_transform(X), y


# C = 0.01: with n ≫ d the dual (rank-d Q plus D = 1/(2C)) is badly conditioned for C = 1 and
# neither liblinear nor glassml reaches tol in 1000 epochs (measured: both stop at max_iter),
# which would time max_iter epochs rather than a solve.
LINEAR_C = 0.01


def _linear_ours(data):
    from glassml.svm import LinearSVC

    return LinearSVC(C=LINEAR_C, tol=1e-4, max_iter=1000, random_state=0).fit(*data)


def _linear_reference(data):
    from sklearn.svm import LinearSVC

    return LinearSVC(dual=True, C=LINEAR_C, tol=1e-4, max_iter=1000, random_state=0).fit(*data)


def _linear_default(data):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=LINEAR_C, tol=1e-4, max_iter=1000, random_state=0).fit(*data)


def _linear_check(data, ours, reference) -> str:
    X, _ = data
    agree = np.mean(ours.predict(X) == reference.predict(X))
    gap = np.max(np.abs(ours.coef_ - reference.coef_)) / np.max(np.abs(reference.coef_))
    return (
        f"epochs {ours.n_iter_} vs {reference.n_iter_}, max rel. |coef diff| {gap:.1e}, "
        f"predictions agree {agree:.4f}"
    )


register(
    Workload(
        name="linear_svc",
        description="LinearSVC squared hinge, 100,000 x 100, C=0.01, tol=1e-4 (sklearn dual=True)",
        setup=_linear_data,
        ours=_linear_ours,
        reference=_linear_reference,
        reference_label="sklearn(dual)",
        target=1.5,
        requires=("sklearn",),
        check=_linear_check,
        peers={"sklearn(dual=auto)": (_linear_default, ("sklearn",))},
        repeats=3,
    )
)
