"""Explainer workloads: Kernel SHAP, TreeSHAP and tabular LIME against shap and lime."""

from __future__ import annotations

import warnings

import numpy as np

from benchmarks._harness import Workload, register

KERNEL_SAMPLES = 2048


def _kernel_data():
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = make_classification(n_samples=2000, n_features=20, n_informative=10, random_state=0)
    model = GradientBoostingClassifier(random_state=0).fit(X, y)
    return {
        "f": lambda Z: model.predict_proba(Z)[:, 1],
        "background": X[:100],
        "rows": X[1000:1050],
    }


def _kernel_ours(data, seed=0):
    from glassml.explain import KernelExplainer

    explainer = KernelExplainer(
        data["f"], data["background"], n_samples=KERNEL_SAMPLES, random_state=seed
    )
    return explainer(data["rows"]).values


def _kernel_reference(data):
    import shap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.KernelExplainer(data["f"], data["background"])
        return np.asarray(explainer.shap_values(data["rows"], nsamples=KERNEL_SAMPLES, silent=True))


def _kernel_check(data, ours, reference) -> str:
    """Monte Carlo agreement: the RMS difference from shap against the RMS difference between
    two of our own seeds (both estimators are unbiased for the same Shapley values, so the
    two figures are of the same size when ours agrees with shap within sampling error)."""
    other = _kernel_ours(data, seed=1)
    versus_shap = np.sqrt(np.mean((ours - reference) ** 2))
    between_seeds = np.sqrt(np.mean((ours - other) ** 2))
    return (
        f"rms diff vs shap {versus_shap:.2e}, between two of our seeds {between_seeds:.2e} "
        f"(ratio {versus_shap / between_seeds:.2f}; ~1 = within Monte Carlo error); "
        f"model-evaluation floor {_model_floor(data):.2f} s"
    )


def _model_floor(data) -> float:
    """Seconds the model alone needs for the evaluations Kernel SHAP must make.

    Both explainers evaluate the model on every (coalition, background row) pair of every
    explained row: 50 x 2,048 x 100 rows here. No implementation that keeps the same
    ``n_samples`` and background can be faster than this, so the ratio's lower bound is
    floor / shap's time; the benchmark prints it so the ratio can be read against it.
    """
    import time

    rows, background = data["rows"], data["background"]
    synthetic = np.repeat(background[None], KERNEL_SAMPLES, axis=0).reshape(-1, rows.shape[1])
    start = time.perf_counter()
    for _ in range(rows.shape[0]):
        data["f"](synthetic)
    return time.perf_counter() - start


register(
    Workload(
        name="kernel_shap",
        description="Kernel SHAP, GradientBoostingClassifier, 20 features, background 100, "
        "50 rows, 2,048 coalitions each",
        setup=_kernel_data,
        ours=_kernel_ours,
        reference=_kernel_reference,
        reference_label="shap",
        target=0.3,
        requires=("shap",),
        check=_kernel_check,
        repeats=3,
    )
)


def _tree_data():
    from sklearn.datasets import make_regression
    from sklearn.ensemble import RandomForestRegressor

    X, y = make_regression(
        n_samples=2000, n_features=20, n_informative=10, noise=1.0, random_state=0
    )
    model = RandomForestRegressor(n_estimators=500, max_depth=8, random_state=0, n_jobs=1).fit(X, y)
    return {"model": model, "rows": X[:1000]}


def _tree_ours(data):
    from glassml.explain import TreeExplainer

    return TreeExplainer(data["model"])(data["rows"]).values


def _tree_reference(data):
    import shap

    return shap.TreeExplainer(data["model"]).shap_values(data["rows"])


def _tree_check(data, ours, reference) -> str:
    return f"max |phi diff| {np.max(np.abs(ours - reference)):.1e}"


register(
    Workload(
        name="tree_shap",
        description="TreeSHAP, RandomForestRegressor 500 trees depth 8, 1,000 rows x 20 features",
        setup=_tree_data,
        ours=_tree_ours,
        reference=_tree_reference,
        reference_label="shap",
        target=1.5,
        requires=("shap",),
        check=_tree_check,
        repeats=3,
    )
)


def _boosting_shap_data():
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier as Reference

    from glassml.ensemble import HistGradientBoostingClassifier

    X, y = make_classification(n_samples=20_000, n_features=30, n_informative=15, random_state=0)
    params = dict(max_iter=200, max_leaf_nodes=31, early_stopping=False, random_state=0)
    ours = HistGradientBoostingClassifier(**params).fit(X, y)
    reference = Reference(**params).fit(X, y)  # the same trees (tests/explain asserts it)
    return {"ours": ours, "reference": reference, "rows": X[:1000]}


def _boosting_shap_ours(data):
    from glassml.explain import TreeExplainer

    return TreeExplainer(data["ours"])(data["rows"]).values


def _boosting_shap_reference(data):
    import shap

    return shap.TreeExplainer(data["reference"]).shap_values(data["rows"])


register(
    Workload(
        name="tree_shap_boosting",
        description=(
            "TreeSHAP of glassml's HistGradientBoostingClassifier (200 trees, 31 leaves) vs shap "
            "on scikit-learn's identical model, 1,000 rows x 30 features"
        ),
        setup=_boosting_shap_data,
        ours=_boosting_shap_ours,
        reference=_boosting_shap_reference,
        reference_label="shap",
        target=1.5,
        requires=("shap",),
        check=_tree_check,
        repeats=3,
    )
)


LIME_SAMPLES = 5000


def _lime_data():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=2000, n_features=20, n_informative=10, random_state=0)
    model = LogisticRegression().fit(X, y)
    return {"f": model.predict_proba, "train": X, "rows": X[:50]}


def _lime_ours(data):
    from glassml.explain import LimeTabularExplainer

    lime = LimeTabularExplainer(data["f"], data["train"], n_samples=LIME_SAMPLES, random_state=0)
    return lime(data["rows"]).extras["coefficients"][..., 1]


def _lime_reference(data):
    from lime.lime_tabular import LimeTabularExplainer

    lime = LimeTabularExplainer(data["train"], random_state=0)
    weights = np.zeros((len(data["rows"]), data["train"].shape[1]))
    for i, row in enumerate(data["rows"]):
        explanation = lime.explain_instance(
            row,
            data["f"],
            labels=(1,),
            num_features=data["train"].shape[1],
            num_samples=LIME_SAMPLES,
        )
        for j, w in explanation.local_exp[1]:
            weights[i, j] = w
    return weights


def _lime_check(data, ours, reference) -> str:
    from scipy.stats import spearmanr

    rho = np.mean([spearmanr(a, b)[0] for a, b in zip(ours, reference, strict=True)])
    sign = np.mean(np.sign(ours) == np.sign(reference))
    return (
        f"mean Spearman rho of weights vs lime {rho:.3f}, same sign {sign:.1%} (different samples)"
    )


register(
    Workload(
        name="lime_tabular",
        description="LIME tabular, LogisticRegression, 20 features, 5,000 samples, 50 rows",
        setup=_lime_data,
        ours=_lime_ours,
        reference=_lime_reference,
        reference_label="lime",
        target=0.5,
        requires=("lime",),
        check=_lime_check,
        repeats=3,
    )
)
