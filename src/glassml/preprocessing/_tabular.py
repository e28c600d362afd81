"""A tabular preprocessor assembled from scikit-learn parts, and a missing-value summary.

Nothing here is new mathematics: imputation, scaling, one-hot and target encoding, polynomial
and spline features are scikit-learn's. What ``tabular_preprocessor`` adds is the routing a
practitioner does by hand, read from the frame's dtypes:

* numeric columns -> median imputation (with a missing-indicator) -> standardisation
  (-> ``PolynomialFeatures`` or ``SplineTransformer`` when asked);
* categorical columns with at most ``max_one_hot`` distinct values -> most-frequent
  imputation -> one-hot (unknown categories ignored at predict time);
* categorical columns with more distinct values -> ``TargetEncoder`` (cross-fitted, so a
  category's encoding never sees its own rows' targets).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    PolynomialFeatures,
    SplineTransformer,
    StandardScaler,
    TargetEncoder,
)

from glassml._validation import check_count, check_option, fail


def _check_frame(frame: Any) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise fail("frame", "a pandas DataFrame", type(frame).__name__)
    if frame.shape[1] == 0:
        raise fail("frame", "at least one column", frame.shape)
    return frame


def tabular_preprocessor(
    frame: pd.DataFrame,
    target: str | None = None,
    *,
    max_one_hot: int = 10,
    expand: str | None = None,
    degree: int = 2,
    n_knots: int = 5,
    target_type: str = "auto",
) -> ColumnTransformer:
    """A ``ColumnTransformer`` for ``frame``'s columns (``target`` left out), unfitted.

    Parameters
    ----------
    frame : DataFrame
        The training table; only its dtypes and category counts are read.
    target : str or None
        The target column, excluded from the features.
    max_one_hot : int
        Categorical columns with at most this many distinct values are one-hot encoded, the
        others target encoded.
    expand : None, "polynomial" or "spline"
        Extra numeric features: ``PolynomialFeatures(degree)`` or
        ``SplineTransformer(n_knots, degree)``.
    target_type : str
        Passed to ``TargetEncoder`` ("auto", "binary", "multiclass", "continuous").

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"age": [30, None, 50, 41], "city": ["a", "b", "a", None],
    ...                       "y": [0, 1, 0, 1]})
    >>> pre = tabular_preprocessor(frame, target="y")
    >>> pre.fit_transform(frame.drop(columns="y"), frame["y"]).shape
    (4, 4)
    """
    frame = _check_frame(frame)
    if target is not None and target not in frame.columns:
        raise fail("target", f"a column of frame ({list(frame.columns)[:10]})", target)
    max_one_hot = check_count(max_one_hot, "max_one_hot")
    if expand is not None:
        check_option(expand, "expand", ("polynomial", "spline"))
    degree = check_count(degree, "degree")
    n_knots = check_count(n_knots, "n_knots", minimum=2)
    check_option(target_type, "target_type", ("auto", "binary", "multiclass", "continuous"))
    features = frame.drop(columns=[target]) if target is not None else frame
    if features.shape[1] == 0:
        raise fail("frame", "at least one feature column besides the target", frame.shape)

    numeric = list(features.select_dtypes(include=["number"]).columns)
    categorical = [c for c in features.columns if c not in numeric]
    few = [c for c in categorical if features[c].nunique(dropna=True) <= max_one_hot]
    many = [c for c in categorical if c not in few]

    numeric_steps: list[Any] = [
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
    ]
    if expand == "polynomial":
        numeric_steps.append(PolynomialFeatures(degree=degree, include_bias=False))
    elif expand == "spline":
        numeric_steps.append(SplineTransformer(n_knots=n_knots, degree=degree))
    transformers = []
    if numeric:
        transformers.append(("numeric", make_pipeline(*numeric_steps), numeric))
    if few:
        transformers.append(
            (
                "one_hot",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent", missing_values=pd.NA),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                few,
            )
        )
    if many:
        transformers.append(
            (
                "target_encoded",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing", missing_values=pd.NA),
                    TargetEncoder(target_type=target_type, random_state=0),
                ),
                many,
            )
        )
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=True)


def describe_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Per column: dtype, number and share of missing values, distinct values; most missing
    first.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", None], "c": [1, 2, 3]})
    >>> describe_missing(frame)["n_missing"].tolist()
    [1, 1, 0]
    """
    frame = _check_frame(frame)
    n = len(frame)
    missing = frame.isna().sum()
    table = pd.DataFrame(
        {
            "dtype": frame.dtypes.astype(str),
            "n_missing": missing.astype(np.int64),
            "fraction_missing": missing / n if n else 0.0,
            "n_distinct": frame.nunique(dropna=True).astype(np.int64),
        }
    )
    table.index.name = "column"
    return table.sort_values("n_missing", ascending=False, kind="stable")
