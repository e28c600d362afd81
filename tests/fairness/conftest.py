"""Shared data of the fairness tests: generated problems and the bundled Adult / German Credit
tables with the decisions of a fixed logistic model (scikit-learn's, so the data do not depend
on the code under test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def design(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """One-hot categories, standardised numbers: a plain design matrix."""
    encoded = pd.get_dummies(frame[features], drop_first=True, dtype=float)
    return StandardScaler().fit_transform(encoded.to_numpy(dtype=float))


@pytest.fixture(scope="session")
def adult():
    """Adult test split (16,281 people): labels, decisions, scores, sex and race."""
    from glassml.datasets import load_adult

    bunch = load_adult()
    features = [c for c in bunch.feature_names if c not in ("sex", "race")]
    frame = pd.concat([bunch.train, bunch.test], ignore_index=True)
    X = design(frame, features)
    n_train = len(bunch.train)
    y = frame["income"].to_numpy()
    # A fixed model's decisions; 8,000 training rows keep the fixture quick.
    model = LogisticRegression(max_iter=500).fit(X[:8000], y[:8000])
    test = slice(n_train, None)
    return {
        "X": X,
        "y": y,
        "n_train": n_train,
        "y_true": y[test],
        "y_pred": model.predict(X[test]),
        "score": model.predict_proba(X[test])[:, 1],
        "sex": frame["sex"].to_numpy()[test],
        "race": frame["race"].to_numpy()[test],
        "frame": frame,
    }


@pytest.fixture(scope="session")
def german():
    """German Credit (1,000 applicants): labels, in-sample decisions, sex and age group."""
    from glassml.datasets import load_german_credit

    bunch = load_german_credit()
    frame = bunch.frame
    features = [c for c in bunch.feature_names if c not in ("sex", "personal_status_sex", "age")]
    X = design(frame, features)
    y = frame["credit_risk"].to_numpy()
    model = LogisticRegression(max_iter=2000).fit(X, y)
    return {
        "X": X,
        "y_true": y,
        "y_pred": model.predict(X),
        "score": model.predict_proba(X)[:, 1],
        "sex": frame["sex"].to_numpy(),
        "age": np.where(frame["age"].to_numpy() > 25, "over 25", "25 or under"),
    }


@pytest.fixture(scope="session")
def generated():
    """Three groups of unequal size, weights, labels and decisions correlated with the group."""
    rng = np.random.default_rng(20240611)
    n = 3000
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    shift = pd.Series(group).map({"a": 0.0, "b": 0.4, "c": -0.3}).to_numpy()
    y_true = (rng.normal(size=n) + shift > 0).astype(int)
    y_pred = (rng.normal(size=n) + shift + y_true > 0.5).astype(int)
    return {
        "y_true": y_true,
        "y_pred": y_pred,
        "group": group,
        "weight": rng.uniform(0.2, 3.0, size=n),
        "second": rng.integers(0, 2, size=n),
    }
