"""Pre-processing mitigations.

Reweighing: the weights equal the closed form P(A = a) P(Y = y) / P(A = a, Y = y) computed
independently from a pandas cross-tabulation (1e-12), and in the weighted data A and Y are
independent (weighted joint = product of weighted marginals, 1e-12) while each group's total
weight and each class's total weight are those of the input. The meta-estimator's model equals
the estimator fitted with those weights (1e-12). On Adult the reweighed logistic regression
lowers the demographic-parity difference of the plain one.

CorrelationRemover against ``fairlearn.preprocessing.CorrelationRemover`` (arrays and
DataFrames, alpha 1 and 0.5): 1e-10. With alpha = 1 every output column has zero sample
covariance with every sensitive column (1e-10 relative to the columns' scales).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.preprocessing import CorrelationRemover as FairlearnCorrelationRemover
from parity import assert_close
from sklearn.linear_model import LogisticRegression

import glassml.fairness as gf


def test_reweighing_weights_are_the_closed_form(generated):
    y, group, base = generated["y_true"], generated["group"], generated["weight"]
    weights = gf.reweighing_weights(y, group, sample_weight=base)
    table = pd.crosstab(group, y, values=base, aggfunc="sum", normalize=True)
    expected = np.array(
        [
            table.loc[a].sum() * table[c].sum() / table.loc[a, c] * w
            for a, c, w in zip(group, y, base, strict=True)
        ]
    )
    assert_close(weights, expected, rtol=1e-12, what="W(a, y) s_i")


@pytest.mark.parametrize("weighted", [False, True])
def test_reweighted_data_make_group_and_label_independent(generated, weighted):
    y, group = generated["y_true"], generated["group"]
    base = generated["weight"] if weighted else np.ones(y.size)
    weights = gf.reweighing_weights(y, group, sample_weight=base if weighted else None)
    joint = pd.crosstab(group, y, values=weights, aggfunc="sum").to_numpy()
    joint /= joint.sum()
    product = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    assert_close(joint, product, rtol=0, atol=1e-12, what="P_W(A, Y) vs P_W(A) P_W(Y)")
    before = pd.crosstab(group, y, values=base, aggfunc="sum").to_numpy()
    after = pd.crosstab(group, y, values=weights, aggfunc="sum").to_numpy()
    assert_close(after.sum(axis=1), before.sum(axis=1), rtol=1e-12, what="group totals")
    assert_close(after.sum(axis=0), before.sum(axis=0), rtol=1e-12, what="class totals")
    # The data did depend on the group before: the check is not vacuous.
    before /= before.sum()
    assert np.max(np.abs(before - np.outer(before.sum(axis=1), before.sum(axis=0)))) > 0.01


def test_reweighing_fits_the_estimator_with_the_weights(generated):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(generated["y_true"].size, 3)) + generated["y_true"][:, None]
    model = gf.Reweighing(LogisticRegression()).fit(
        X, generated["y_true"], sensitive_features=generated["group"]
    )
    reference = LogisticRegression().fit(X, generated["y_true"], sample_weight=model.sample_weight_)
    assert_close(model.estimator_.coef_, reference.coef_, rtol=1e-12)
    assert_close(model.predict_proba(X), reference.predict_proba(X), rtol=1e-12)
    assert model.weights_.shape == (3, 2)
    assert_close(
        model.score(X, generated["y_true"]), reference.score(X, generated["y_true"]), rtol=0
    )


def test_reweighing_lowers_the_disparity_on_adult(adult):
    n_train = 8000  # the rows the fixture's plain model learned from
    X, y = adult["X"], adult["y"]
    sex_all = adult["frame"]["sex"].to_numpy()
    test = slice(adult["n_train"], None)
    plain = gf.demographic_parity_difference(
        adult["y_true"], adult["y_pred"], sensitive_features=adult["sex"]
    )
    model = gf.Reweighing(LogisticRegression(max_iter=500)).fit(
        X[:n_train], y[:n_train], sensitive_features=sex_all[:n_train]
    )
    reweighed = gf.demographic_parity_difference(
        adult["y_true"], model.predict(X[test]), sensitive_features=adult["sex"]
    )
    assert reweighed < plain - 0.02


def test_reweighing_bad_input_is_named(generated):
    with pytest.raises(ValueError, match="y: expected discrete class labels"):
        gf.reweighing_weights(np.linspace(0, 1, 4), ["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="sensitive_features: expected at least 2 groups"):
        gf.reweighing_weights([0, 1, 0, 1], ["a"] * 4)
    with pytest.raises(ValueError, match="sample_weight"):
        gf.reweighing_weights([0, 1, 0, 1], [0, 0, 1, 1], sample_weight=[1, 1, np.nan, 1])
    with pytest.raises(ValueError, match="estimator"):
        gf.Reweighing(estimator="lr").fit(
            np.ones((4, 1)), [0, 1, 0, 1], sensitive_features=[0, 0, 1, 1]
        )


# ------------------------------------------------------------------------------ correlation
def _correlated(seed=0, n=500):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n).astype(float)
    t = rng.normal(size=n)
    X = np.column_stack(
        [rng.normal(size=n) + 2 * s, s, 3 * t - s, rng.normal(size=n), t, rng.normal(size=n)]
    )
    return X


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_correlation_remover_matches_fairlearn(alpha):
    X = _correlated()
    mine = gf.CorrelationRemover(sensitive_feature_ids=[1, 4], alpha=alpha).fit(X)
    theirs = FairlearnCorrelationRemover(sensitive_feature_ids=[1, 4], alpha=alpha).fit(X)
    assert_close(mine.beta_, theirs.beta_, rtol=0, atol=1e-10)
    fresh = _correlated(seed=1)
    assert_close(mine.transform(fresh), theirs.transform(fresh), rtol=0, atol=1e-10)


def test_correlation_remover_takes_column_names():
    X = pd.DataFrame(_correlated(), columns=list("abcdef"))
    mine = gf.CorrelationRemover(sensitive_feature_ids=["b", "e"]).fit(X)
    theirs = FairlearnCorrelationRemover(sensitive_feature_ids=["b", "e"]).fit(X)
    assert_close(mine.transform(X), theirs.transform(X), rtol=0, atol=1e-10)
    assert list(mine.get_feature_names_out()) == ["a", "c", "d", "f"]


def test_correlation_removed_is_zero_covariance(german):
    X = np.column_stack([german["X"], (german["sex"] == "female").astype(float)])
    sensitive = X.shape[1] - 1
    out = gf.CorrelationRemover(sensitive_feature_ids=[sensitive]).fit_transform(X)
    covariance = (out - out.mean(0)).T @ (X[:, sensitive] - X[:, sensitive].mean()) / len(X)
    scale = out.std(axis=0) * X[:, sensitive].std()
    assert np.max(np.abs(covariance) / scale) < 1e-10
    before = (X[:, :-1] - X[:, :-1].mean(0)).T @ (X[:, sensitive] - X[:, sensitive].mean())
    assert np.max(np.abs(before)) / len(X) > 0.05  # there was correlation to remove


def test_correlation_remover_bad_input_is_named():
    X = _correlated()
    with pytest.raises(ValueError, match="sensitive_feature_ids"):
        gf.CorrelationRemover(sensitive_feature_ids=[9]).fit(X)
    with pytest.raises(ValueError, match="sensitive_feature_ids"):
        gf.CorrelationRemover(sensitive_feature_ids=["b"]).fit(X)
    with pytest.raises(ValueError, match="sensitive_feature_ids: every column"):
        gf.CorrelationRemover(sensitive_feature_ids=list(range(6))).fit(X)
    with pytest.raises(ValueError, match="alpha"):
        gf.CorrelationRemover(alpha=2.0).fit(X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X"):
        gf.CorrelationRemover(sensitive_feature_ids=[1]).fit(bad)
