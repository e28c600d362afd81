"""NASA C-MAPSS turbofan engine degradation (Saxena et al., 2008)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from glassml._validation import check_option
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
from glassml.datasets._registry import CMAPSS, make_bunch

SUBSETS = ("FD001", "FD002", "FD003", "FD004")
COLUMNS = [
    "unit",
    "cycle",
    *(f"setting_{i}" for i in range(1, 4)),
    *(f"sensor_{i}" for i in range(1, 22)),
]
_WHAT = "a C-MAPSS file (unit, cycle, setting_1..3, sensor_1..21, whitespace-separated)"


def load_cmapss(subset: str = "FD001", path: PathLike | None = None) -> Bunch:
    """NASA's C-MAPSS run-to-failure engines: training and test cycles and the true RUL.

    Parameters
    ----------
    subset : {"FD001", "FD002", "FD003", "FD004"}
        FD001 (one operating condition, one fault mode) is bundled; the others need ``path``.
    path : str or os.PathLike, optional
        A folder or zip archive (NASA's ``CMAPSSData.zip``) holding ``train_<subset>.txt``,
        ``test_<subset>.txt`` and ``RUL_<subset>.txt`` (or gzipped copies). Default: the
        bundled FD001.

    Returns
    -------
    sklearn.utils.Bunch
        ``train`` and ``test``: DataFrames with columns unit, cycle (int64), setting_1..3,
        sensor_1..21 (float64), one row per engine cycle. ``rul``: int64 array, the true
        remaining useful life of test engine ``unit = i + 1`` after its last cycle.
        ``description``, ``licence``, ``citation``, ``source``, ``files``.

    Notes
    -----
    NASA's lines end in trailing spaces; fields are split on runs of whitespace. A file with
    another number of columns, a non-numeric field, a unit whose cycles do not run 1, 2, 3, ...
    or a RUL file whose length differs from the number of test engines is refused with a
    ``ValueError`` naming the file.

    Examples
    --------
    >>> from glassml.datasets import load_cmapss
    >>> engines = load_cmapss()
    >>> engines.train.shape, engines.test.shape, engines.rul.shape
    ((20631, 26), (13096, 26), (100,))
    """
    subset = check_option(subset, "subset", SUBSETS)
    if path is None and subset != "FD001":
        raise ValueError(
            f"subset: expected 'FD001' without a path (only FD001 is bundled), got {subset!r}; "
            f"give path= the folder or CMAPSSData.zip holding train_{subset}.txt"
        )
    source = Source(path, CMAPSS.bundle)
    source.require_folder(f"the folder holding train_{subset}.txt, test_{subset}.txt, RUL_...")
    members = [source.member(f"{part}_{subset}.txt") for part in ("train", "test", "RUL")]
    train = _read_cycles(members[0])
    test = _read_cycles(members[1])
    rul = _read_rul(members[2], n_units=int(test["unit"].max()))
    return make_bunch(CMAPSS, members, train=train, test=test, rul=rul)


def _read_cycles(member: Member) -> pd.DataFrame:
    # Split on runs of whitespace: NASA's lines end in one or two trailing spaces.
    frame = read_csv(member, _WHAT, sep=r"\s+", header=None)
    require_field_count(frame, len(COLUMNS), member, _WHAT)
    frame.columns = COLUMNS
    require_finite(frame, COLUMNS, member, _WHAT)
    require_integers(frame, ["unit", "cycle"], member, _WHAT)
    measured = COLUMNS[2:]
    frame[measured] = frame[measured].astype(np.float64)
    _check_cycles(frame, member)
    return frame


def _check_cycles(frame: pd.DataFrame, member: Member) -> None:
    """Units numbered 1..n, each with cycles 1, 2, 3, ... in file order."""
    units = frame["unit"].to_numpy()
    cycles = frame["cycle"].to_numpy()
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    expected = np.arange(len(frame)) - np.repeat(starts, np.diff(np.r_[starts, len(frame)])) + 1
    if not np.array_equal(cycles, expected):
        row = int(np.flatnonzero(cycles != expected)[0])
        raise bad_file(
            member.shown,
            f"{_WHAT}: cycles 1, 2, 3, ... within each unit",
            f"cycle {cycles[row]} of unit {units[row]} on line {row + 1}",
        )
    order = units[starts]
    if not np.array_equal(order, np.arange(1, len(order) + 1)):
        raise bad_file(
            member.shown, f"{_WHAT}: units numbered 1, 2, 3, ...", f"units {order[:6].tolist()}"
        )


def _read_rul(member: Member, n_units: int) -> np.ndarray:
    what = "a C-MAPSS RUL file (one remaining useful life per test unit)"
    frame = read_csv(member, what, sep=r"\s+", header=None)
    require_field_count(frame, 1, member, what)
    frame.columns = ["rul"]
    require_finite(frame, ["rul"], member, what)
    require_integers(frame, ["rul"], member, what)
    rul = frame["rul"].to_numpy()
    if len(rul) != n_units or (rul < 0).any():
        raise bad_file(
            member.shown,
            f"{what}: {n_units} non-negative values, one per test unit",
            f"{len(rul)} values (minimum {rul.min()})",
        )
    return rul
