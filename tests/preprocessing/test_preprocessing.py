"""De-duplication, the tabular preprocessor and the missing-value summary.

References: exact duplicates against ``pandas.DataFrame.duplicated(keep="first")`` (identical
masks), on synthetic data and on the real credit-card sample (its exact duplicates; the full
284,807-row file's 1,081 duplicate rows in the slow test); near duplicates against a brute-force
O(n^2) scan with the same first-kept rule (identical masks); the preprocessor against the same
scikit-learn ColumnTransformer assembled by hand (outputs to 1e-12); ``describe_missing``
against ``isna().sum()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from parity import assert_close
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from glassml.preprocessing import Deduplicator, describe_missing, tabular_preprocessor


def _brute_force_near(values: np.ndarray, groups: np.ndarray, tolerance: float) -> np.ndarray:
    spread = values.std(axis=0)
    scaled = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    keep = np.ones(len(values), dtype=bool)
    for i in range(len(values)):
        for j in range(i):
            if keep[j] and groups[i] == groups[j]:
                if np.max(np.abs(scaled[i] - scaled[j])) <= tolerance:
                    keep[i] = False
                    break
    return keep


def test_exact_duplicates_match_pandas():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 3, (200, 3)).astype(float)
    frame = pd.DataFrame(base, columns=["a", "b", "c"])
    dedup = Deduplicator().fit(frame)
    expected = ~frame.duplicated(keep="first").to_numpy()
    assert np.array_equal(dedup.keep_, expected)
    kept = dedup.transform(frame)
    assert len(kept) == expected.sum() and not kept.duplicated().any()
    # Every removed row equals the row it names, and that row is kept and earlier.
    for _, row in dedup.report_.iterrows():
        assert row["duplicate_of"] < row["row"] and dedup.keep_[row["duplicate_of"]]
        assert frame.iloc[row["row"]].equals(frame.iloc[row["duplicate_of"]])
    X_kept, y_kept = Deduplicator().fit_resample(base, np.arange(200))
    assert np.array_equal(y_kept, np.nonzero(expected)[0]) and X_kept.shape[0] == expected.sum()


def test_near_duplicates_match_brute_force():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(150, 3))
    values[50:80] = values[:30] + rng.normal(scale=0.01, size=(30, 3))  # near copies
    values[80] = values[50] + 0.005  # a near copy of a near copy (chain)
    groups = rng.integers(0, 2, 150)
    frame = pd.DataFrame(values, columns=["x", "y", "z"])
    frame["g"] = np.where(groups == 1, "u", "v")
    for tolerance in (0.02, 0.05, 0.3):
        dedup = Deduplicator(tolerance=tolerance).fit(frame)
        expected = _brute_force_near(values, groups, tolerance)
        assert np.array_equal(dedup.keep_, expected), tolerance
        assert set(dedup.report_["kind"]) <= {"near", "exact"}


def test_creditcard_sample_exact_duplicates(shared_data):
    frame = pd.read_csv(shared_data / "creditcard" / "creditcard_10k_allfraud.csv.gz")
    dedup = Deduplicator().fit(frame)
    expected = frame.duplicated(keep="first").to_numpy()
    assert np.array_equal(~dedup.keep_, expected)
    print(f"credit-card 10k sample: {dedup.n_removed_} exact duplicate rows removed")


@pytest.mark.slow
def test_creditcard_full_exact_duplicates(shared_data):
    frame = pd.read_csv(shared_data / "creditcard" / "creditcard.csv.gz")
    dedup = Deduplicator().fit(frame)
    assert dedup.n_removed_ == 1081  # as the data README states
    assert np.array_equal(~dedup.keep_, frame.duplicated(keep="first").to_numpy())


def test_tabular_preprocessor_equals_hand_built_transformer():
    rng = np.random.default_rng(2)
    n = 300
    frame = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40, 10, n)),
            "income": rng.lognormal(10, 1, n),
            "colour": rng.choice(["red", "green", "blue"], n),
            "zip": rng.choice([f"z{k}" for k in range(40)], n),
            "target": rng.integers(0, 2, n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "colour"] = None
    features, y = frame.drop(columns="target"), frame["target"]
    ours = tabular_preprocessor(frame, target="target").fit_transform(features, y)
    reference = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                ["age", "income"],
            ),
            (
                "one_hot",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent", missing_values=pd.NA),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                ["colour"],
            ),
            (
                "target_encoded",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing", missing_values=pd.NA),
                    TargetEncoder(target_type="auto", random_state=0),
                ),
                ["zip"],
            ),
        ]
    ).fit_transform(features, y)
    assert_close(ours, reference, rtol=1e-12, atol=1e-12)
    assert ours.shape == (n, 2 + 1 + 3 + 1) and np.all(np.isfinite(ours))
    spline = tabular_preprocessor(frame, "target", expand="spline", n_knots=4, degree=3)
    assert spline.fit_transform(features, y).shape[1] == 3 * (4 + 3 - 1) + 3 + 1


def test_describe_missing():
    frame = pd.DataFrame({"a": [1.0, None, None], "b": ["x", None, "y"], "c": [1, 2, 3]})
    table = describe_missing(frame)
    assert table.index.tolist() == ["a", "b", "c"]
    assert table["n_missing"].tolist() == frame.isna().sum()[["a", "b", "c"]].tolist()
    assert_close(table.loc["a", "fraction_missing"], 2 / 3, rtol=1e-15)


def test_bad_input_is_named():
    frame = pd.DataFrame({"a": [1.0, 2.0], "y": [0, 1]})
    with pytest.raises(ValueError, match="target"):
        tabular_preprocessor(frame, target="nope")
    with pytest.raises(ValueError, match="frame"):
        tabular_preprocessor(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="expand"):
        tabular_preprocessor(frame, "y", expand="fourier")
    with pytest.raises(ValueError, match="tolerance"):
        Deduplicator(tolerance=-1.0).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="X"):
        Deduplicator(tolerance=0.1).fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="frame"):
        describe_missing([1, 2])
