"""UCI Statlog German Credit, Hofmann (1994), decoded from its code book."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from glassml.datasets._files import (
    Member,
    PathLike,
    Source,
    bad_file,
    read_csv,
    require_field_count,
    require_finite,
    require_integers,
)
from glassml.datasets._registry import GERMAN_CREDIT, make_bunch

# The 20 attributes in file order: (column name, code book) with None for numeric ones. The
# wording is german.doc's, with its line breaks and runs of spaces collapsed (a test reads
# german.doc and checks every entry against it).
ATTRIBUTES: list[tuple[str, dict[str, str] | None]] = [
    (
        "checking_account",
        {
            "A11": "... < 0 DM",
            "A12": "0 <= ... < 200 DM",
            "A13": "... >= 200 DM / salary assignments for at least 1 year",
            "A14": "no checking account",
        },
    ),
    ("duration_months", None),
    (
        "credit_history",
        {
            "A30": "no credits taken/ all credits paid back duly",
            "A31": "all credits at this bank paid back duly",
            "A32": "existing credits paid back duly till now",
            "A33": "delay in paying off in the past",
            "A34": "critical account/ other credits existing (not at this bank)",
        },
    ),
    (
        "purpose",
        {
            "A40": "car (new)",
            "A41": "car (used)",
            "A42": "furniture/equipment",
            "A43": "radio/television",
            "A44": "domestic appliances",
            "A45": "repairs",
            "A46": "education",
            "A47": "(vacation - does not exist?)",
            "A48": "retraining",
            "A49": "business",
            "A410": "others",
        },
    ),
    ("credit_amount", None),
    (
        "savings",
        {
            "A61": "... < 100 DM",
            "A62": "100 <= ... < 500 DM",
            "A63": "500 <= ... < 1000 DM",
            "A64": ".. >= 1000 DM",
            "A65": "unknown/ no savings account",
        },
    ),
    (
        "employment_since",
        {
            "A71": "unemployed",
            "A72": "... < 1 year",
            "A73": "1 <= ... < 4 years",
            "A74": "4 <= ... < 7 years",
            "A75": ".. >= 7 years",
        },
    ),
    ("installment_rate", None),
    (
        "personal_status_sex",
        {
            "A91": "male : divorced/separated",
            "A92": "female : divorced/separated/married",
            "A93": "male : single",
            "A94": "male : married/widowed",
            "A95": "female : single",
        },
    ),
    (
        "other_debtors",
        {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    ),
    ("residence_since", None),
    (
        "property",
        {
            "A121": "real estate",
            "A122": "if not A121 : building society savings agreement/ life insurance",
            "A123": "if not A121/A122 : car or other, not in attribute 6",
            "A124": "unknown / no property",
        },
    ),
    ("age", None),
    ("other_installment_plans", {"A141": "bank", "A142": "stores", "A143": "none"}),
    ("housing", {"A151": "rent", "A152": "own", "A153": "for free"}),
    ("existing_credits", None),
    (
        "job",
        {
            "A171": "unemployed/ unskilled - non-resident",
            "A172": "unskilled - resident",
            "A173": "skilled employee / official",
            "A174": "management/ self-employed/ highly qualified employee/ officer",
        },
    ),
    ("people_liable", None),
    ("telephone", {"A191": "none", "A192": "yes, registered under the customers name"}),
    ("foreign_worker", {"A201": "yes", "A202": "no"}),
]
CODE_BOOK = {name: codes for name, codes in ATTRIBUTES if codes is not None}
NUMERIC = [name for name, codes in ATTRIBUTES if codes is None]
# Attribute 9 mixes sex with marital status; female = A92 and A95 (A95 never occurs).
SEX = {"A91": "male", "A92": "female", "A93": "male", "A94": "male", "A95": "female"}
_WHAT = "UCI german.data (20 space-separated attributes coded A11 ... A202, label 1 or 2)"


def load_german_credit(path: PathLike | None = None) -> Bunch:
    """The Statlog German Credit applicants, decoded; ``credit_risk`` 1 = good, 0 = bad.

    Parameters
    ----------
    path : str or os.PathLike, optional
        UCI's ``german.data`` (plain or compressed), or a folder or zip archive holding it.
        Default: the bundled copy.

    Returns
    -------
    sklearn.utils.Bunch
        ``frame``: DataFrame of 1,000 rows with the 20 attributes in file order, the 13
        categorical ones decoded to the code book's wording (str) and the 7 numeric ones as
        int64 (duration_months, credit_amount, installment_rate, residence_since, age,
        existing_credits, people_liable), then ``sex`` ("male" / "female", derived from
        attribute 9, personal_status_sex) and ``credit_risk`` (int64, 1 = good, 0 = bad;
        the file's 1 / 2). ``feature_names`` (the 20 attributes), ``categorical``,
        ``sensitive`` (``("sex", "age")``), ``code_book`` (attribute -> code -> wording),
        ``cost_matrix`` (rows true good / bad, columns predicted good / bad: predicting
        good for a bad applicant costs 5, the reverse 1), ``description``, ``licence``,
        ``citation``, ``source``, ``files``.

    Examples
    --------
    >>> from glassml.datasets import load_german_credit
    >>> german = load_german_credit()
    >>> german.frame["credit_risk"].value_counts().to_dict()
    {1: 700, 0: 300}
    >>> german.frame["sex"].value_counts().to_dict()
    {'male': 690, 'female': 310}
    """
    source = Source(path, GERMAN_CREDIT.bundle)
    member = source.single("german.data")
    frame = _read(member)
    return make_bunch(
        GERMAN_CREDIT,
        [member],
        frame=frame,
        feature_names=[name for name, _ in ATTRIBUTES],
        categorical=list(CODE_BOOK),
        sensitive=("sex", "age"),
        code_book={name: dict(codes) for name, codes in CODE_BOOK.items()},
        cost_matrix=np.array([[0, 1], [5, 0]]),
    )


def _read(member: Member) -> pd.DataFrame:
    columns = [name for name, _ in ATTRIBUTES] + ["label"]
    frame = read_csv(
        member,
        _WHAT,
        sep=r"\s+",
        header=None,
        keep_default_na=False,
        dtype={index: str for index, (_, codes) in enumerate(ATTRIBUTES) if codes is not None},
    )
    require_field_count(frame, len(columns), member, _WHAT)
    frame.columns = columns
    require_finite(frame, [*NUMERIC, "label"], member, _WHAT)
    require_integers(frame, [*NUMERIC, "label"], member, _WHAT)
    codes = frame["personal_status_sex"].copy()
    for name, book in CODE_BOOK.items():
        decoded = frame[name].map(book)
        if decoded.isna().any():
            row = int(np.flatnonzero(decoded.isna())[0])
            raise bad_file(
                member.shown,
                f"{_WHAT}: {name} coded {', '.join(book)}",
                f"{frame[name].iloc[row]!r} on line {row + 1}",
            )
        frame[name] = decoded
    label = frame.pop("label")
    if not label.isin((1, 2)).all():
        raise bad_file(member.shown, f"{_WHAT}: label 1 (good) or 2 (bad)", f"{label.max()}")
    frame["sex"] = codes.map(SEX)
    frame["credit_risk"] = (label == 1).astype(np.int64)
    return frame
