"""Credit-card fraud, ULB / Worldline (Dal Pozzolo et al., 2015)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from glassml.datasets._files import (
    PathLike,
    Source,
    bad_file,
    read_csv,
    require_columns,
    require_finite,
)
from glassml.datasets._registry import CREDITCARD, make_bunch

FEATURES = ["Time", *(f"V{i}" for i in range(1, 29)), "Amount"]
COLUMNS = [*FEATURES, "Class"]
_WHAT = "a credit-card fraud CSV with the columns Time, V1..V28, Amount, Class"
_BUNDLED = "creditcard_10k_allfraud.csv"


def duplicated_rows(frame: pd.DataFrame) -> np.ndarray:
    """``frame.duplicated(keep="first")``, found through 64-bit row hashes.

    Hashing is ~50 times faster than pandas' exact factorisation on the full file (0.03 s
    against 1.5 s). Every exact duplicate has its first occurrence's hash, so it is among the
    candidates; each candidate is then compared field by field with the first row of its hash,
    and any hash collision (probability about n^2 / 2^65) falls back to the exact method.
    """
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    codes, _ = pd.factorize(hashes)
    candidates = pd.Series(codes).duplicated(keep="first").to_numpy()
    if not candidates.any():
        return candidates
    _, first = np.unique(codes, return_index=True)  # codes count up in order of appearance
    rows = np.flatnonzero(candidates)
    values = frame.to_numpy()
    if np.array_equal(values[rows], values[first[codes[rows]]]):
        return candidates
    return frame.duplicated(keep="first").to_numpy()


def load_creditcard(path: PathLike | None = None) -> Bunch:
    """Card transactions labelled fraud / legitimate; duplicates reported, not dropped.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The full ``creditcard.csv`` (284,807 rows), plain or compressed (gzip, xz, bzip2), or a
        folder or zip archive holding it. Default: the bundled 10,000-row sample (all 492
        frauds and 9,508 legitimate transactions drawn uniformly, original order kept).

    Returns
    -------
    sklearn.utils.Bunch
        ``frame``: DataFrame with Time, V1..V28, Amount (float32) and Class (int64, 1 = fraud).
        ``X``: float32 array (n, 30) of the 30 features; ``y``: int64 array of the labels;
        ``feature_names``. ``duplicated``: boolean mask, True on a row that repeats an earlier
        row exactly (all 31 fields); ``n_duplicates``: its count. ``description``, ``licence``
        (ODbL: a derivative you publish stays ODbL), ``citation``, ``source``, ``files``.

    Notes
    -----
    float32 keeps the full file at 34 MB and the read within a second or two; the published
    values carry 15 significant digits, of which float32 keeps about 7. A file without one of
    the 31 columns, with a non-numeric or missing value, or with a label other than 0 or 1 is
    refused with a ``ValueError`` naming it.

    Examples
    --------
    >>> from glassml.datasets import load_creditcard
    >>> fraud = load_creditcard()
    >>> fraud.X.shape, int(fraud.y.sum()), fraud.X.dtype
    ((10000, 30), 492, dtype('float32'))
    """
    source = Source(path, CREDITCARD.bundle)
    if source.bundled:
        member = source.member(_BUNDLED)
    else:
        member = source.single("creditcard.csv", alternatives=(_BUNDLED,))
    # Explicit float32 columns: pandas converts each parsed chunk directly, so the full file
    # never exists as a float64 table in memory.
    dtypes = {column: np.float32 for column in COLUMNS}
    frame = read_csv(member, _WHAT, dtype=dtypes, engine="c")
    require_columns(frame, COLUMNS, member, _WHAT)
    frame = frame[COLUMNS]
    require_finite(frame, COLUMNS, member, _WHAT)
    labels = frame["Class"].to_numpy()
    if len(frame) == 0 or not np.isin(labels, (0.0, 1.0)).all():
        found = "no rows" if len(frame) == 0 else f"Class values {np.unique(labels)[:5].tolist()}"
        raise bad_file(member.shown, f"{_WHAT} with Class 0 or 1 on every row", found)
    frame["Class"] = labels.astype(np.int64)
    duplicated = duplicated_rows(frame)
    return make_bunch(
        CREDITCARD,
        [member],
        frame=frame,
        X=frame[FEATURES].to_numpy(dtype=np.float32),
        y=frame["Class"].to_numpy(),
        feature_names=list(FEATURES),
        duplicated=duplicated,
        n_duplicates=int(duplicated.sum()),
    )
