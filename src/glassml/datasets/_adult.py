"""UCI Adult (Census Income), Becker & Kohavi (1996)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from glassml.datasets._files import (
    Member,
    PathLike,
    Source,
    bad_file,
    read_bytes,
    reading,
    require_field_count,
    require_finite,
    require_integers,
)
from glassml.datasets._registry import ADULT, make_bunch

COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]
NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = [column for column in COLUMNS[:-1] if column not in NUMERIC]
_INCOME = {"<=50K": 0, ">50K": 1}
_WHAT = "a UCI Adult file (15 comma-separated fields, income <=50K or >50K)"


def load_adult(path: PathLike | None = None) -> Bunch:
    """The UCI Adult census extract: train and test tables, income > 50K as the target.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A folder or zip archive (UCI's ``adult.zip``) holding ``adult.data`` and
        ``adult.test`` (or gzipped copies). Default: the bundled UCI files.

    Returns
    -------
    sklearn.utils.Bunch
        ``train`` (32,561 rows) and ``test`` (16,281 rows): DataFrames with age, workclass,
        fnlwgt, education, education_num, marital_status, occupation, relationship, race,
        sex, capital_gain, capital_loss, hours_per_week, native_country (numbers as int64,
        categories as str, "?" as NaN) and ``income`` (int64: 1 for >50K, 0 for <=50K).
        ``feature_names``, ``categorical`` (the categorical columns), ``sensitive``
        (``("sex", "race")``), ``description``, ``licence``, ``citation``, ``source``,
        ``files``.

    Notes
    -----
    The UCI quirks are handled: fields lose their leading space; "?" (only in workclass,
    occupation and native_country) becomes NaN; the test file's first line
    ("|1x3 Cross validator") is skipped and its labels lose their trailing "."; blank lines
    are dropped. Rows are neither dropped nor de-duplicated (24 + 5 exact duplicates remain).
    "Holand-Netherlands" occurs in train only: encode categories on both splits together.

    Examples
    --------
    >>> from glassml.datasets import load_adult
    >>> adult = load_adult()
    >>> len(adult.train), len(adult.test), int(adult.train.isna().any(axis=1).sum())
    (32561, 16281, 2399)
    """
    source = Source(path, ADULT.bundle)
    source.require_folder("the folder holding adult.data and adult.test")
    members = [source.member("adult.data"), source.member("adult.test")]
    train, test = (_read(member) for member in members)
    return make_bunch(
        ADULT,
        members,
        train=train,
        test=test,
        feature_names=COLUMNS[:-1],
        categorical=list(CATEGORICAL),
        sensitive=("sex", "race"),
    )


def _read(member: Member) -> pd.DataFrame:
    data = read_bytes(member, _WHAT)
    # adult.test opens with "|1x3 Cross validator", which is not a record.
    skip = 1 if data.lstrip().startswith(b"|") else 0
    with reading(member, _WHAT):
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            skiprows=skip,
            skipinitialspace=True,
            na_values=["?"],
            keep_default_na=False,
            dtype={index: str for index, column in enumerate(COLUMNS) if column not in NUMERIC},
        )
    require_field_count(frame, len(COLUMNS), member, _WHAT)
    frame.columns = COLUMNS
    require_finite(frame, NUMERIC, member, _WHAT)
    require_integers(frame, NUMERIC, member, _WHAT)
    for column in CATEGORICAL:
        frame[column] = frame[column].str.strip()
    # Test labels end with a period ("<=50K."); training labels do not.
    income = frame["income"].str.strip().str.rstrip(".").map(_INCOME)
    if income.isna().any():
        row = int(np.flatnonzero(income.isna())[0])
        raise bad_file(
            member.shown,
            f"{_WHAT}: income '<=50K' or '>50K' on every row",
            f"{frame['income'].iloc[row]!r} on data row {row + 1}",
        )
    frame["income"] = income.astype(np.int64)
    return frame
