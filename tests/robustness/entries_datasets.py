"""Robustness entries for glassml.datasets.

A loader's only inputs are a path and a name (subset / collection), so the relevant families
are the option ones: the path given as a missing file, as a malformed file (built here in a
temporary folder: a wrong header, a C-MAPSS file of 25 columns, an npz without
``train_images``, a truncated gzip, an unknown code), and as a value of the wrong type; the
name given as an unknown string or a number. The array families do not apply: no loader takes
an array (each skip says so).
"""

from __future__ import annotations

import atexit
import gzip
import shutil
import tempfile
from pathlib import Path

import numpy as np
from robustness.framework import ARRAY_FAMILIES, LABEL_FAMILIES, Entry, opt

from glassml import datasets
from glassml.datasets._files import bundled_bytes

_ROOT = Path(tempfile.mkdtemp(prefix="glassml-datasets-robustness-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
MISSING = str(_ROOT / "no" / "such" / "file.csv")
NO_ARRAYS = "a loader takes a path and a name, never an array; bad paths are the option probes"
NO_ARGUMENT = "takes no argument: only the valid call applies"
SKIP = {family: NO_ARRAYS for family in (*ARRAY_FAMILIES, *LABEL_FAMILIES)}


def _write(relative: str, data: bytes | str) -> Path:
    path = _ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _text(relative: str) -> str:
    return gzip.decompress(bundled_bytes(relative)).decode()


# Malformed files, one per loader.
BAD_CREDITCARD = _write("creditcard/creditcard.csv", "Time;V1;Amount\n0;1.5;2.0\n")
_lines = _text("cmapss/train_FD001.txt.gz").splitlines()[:20]
_train = "".join(" ".join(line.split()[:25]) + "\n" for line in _lines)  # 25 columns, not 26
BAD_CMAPSS = _write("cmapss/train_FD001.txt", _train).parent
for _part in ("test", "RUL"):
    _write(f"cmapss/{_part}_FD001.txt.gz", bundled_bytes(f"cmapss/{_part}_FD001.txt.gz"))
BAD_RETAIL = _write("retail/invoices.csv", "InvoiceNo,StockCode\n536365,85123A\n")
BAD_MEDMNIST = _ROOT / "breastmnist.npz"
np.savez(BAD_MEDMNIST, val_images=np.zeros((2, 28, 28), np.uint8))
_write("adult/adult.data.gz", bundled_bytes("adult/adult.data.gz")[:3000])  # truncated gzip
BAD_ADULT = _write("adult/adult.test.gz", bundled_bytes("adult/adult.test.gz")).parent
BAD_GERMAN = _write("german.data", _text("german_credit/german.data.gz").replace("A11", "A19", 1))
# A tiny MovieLens folder (the real one may not be redistributed), and a malformed one.
LENS = _write("ml-100k/u.data", "1\t1\t5\t874965758\n2\t1\t3\t876893171\n").parent
_write("ml-100k/u.item", "1|Toy Story (1995)|01-Jan-1995||http://x|" + "|".join("0" * 19) + "\n")
_write("ml-100k/u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n")
BAD_LENS = _write("bad-lens/u.data", "1\t1\t5\n").parent
for _name in ("u.item", "u.user"):
    shutil.copyfile(LENS / _name, BAD_LENS / _name)


def _summary(bunch):
    """What a probe judges: the arrays of the bunch (frames are checked in tests/datasets)."""
    return {key: value for key, value in dict.items(bunch) if isinstance(value, np.ndarray)}


def _entry(name, loader, arguments, options):
    return Entry(
        f"glassml.datasets.{name}",
        lambda **kw: _summary(loader(**kw)),
        arguments,
        options=options,
        skip=SKIP,
    )


ENTRIES = [
    _entry(
        "load_cmapss",
        datasets.load_cmapss,
        {"subset": "FD001", "path": None},
        {"subset": opt("FD005", "fd001"), "path": opt(MISSING, str(BAD_CMAPSS), 3, "")},
    ),
    _entry(
        "load_creditcard",
        datasets.load_creditcard,
        {"path": None},
        {"path": opt(MISSING, BAD_CREDITCARD, 3.5, b"creditcard.csv")},
    ),
    _entry(
        "load_online_retail",
        datasets.load_online_retail,
        {"path": None},
        {"path": opt(MISSING, BAD_RETAIL, ["a", "b"])},
    ),
    _entry(
        "load_movielens_100k",
        datasets.load_movielens_100k,
        {"path": str(LENS)},
        {"path": opt(MISSING, BAD_LENS, None)},
    ),
    _entry(
        "load_medmnist",
        datasets.load_medmnist,
        {"name": "breastmnist", "path": None},
        {"name": opt("chestmnist", "breastmnist3d"), "path": opt(MISSING, BAD_MEDMNIST, 1)},
    ),
    _entry(
        "load_adult",
        datasets.load_adult,
        {"path": None},
        {"path": opt(MISSING, BAD_ADULT, True)},
    ),
    _entry(
        "load_german_credit",
        datasets.load_german_credit,
        {"path": None},
        {"path": opt(MISSING, BAD_GERMAN, 0)},
    ),
    Entry(
        "glassml.datasets.dataset_info",
        lambda: datasets.dataset_info()["bundled_bytes"].to_numpy(dtype=float),
        {},
        skip={family: NO_ARGUMENT for family in SKIP},
    ),
    Entry(
        "glassml.datasets.verify_checksums",
        lambda: datasets.verify_checksums()["bytes"].to_numpy(dtype=float),
        {},
        skip={family: NO_ARGUMENT for family in SKIP},
    ),
]
