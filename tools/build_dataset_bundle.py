"""Rebuild the bundled datasets (``src/glassml/datasets/data/``) from the public files.

Usage: ``python tools/build_dataset_bundle.py [SHARED_DATA]`` (default ``../shared/data``
beside the checkout). Run by a maintainer when a bundled file changes; the package itself never
writes into its data folder.

What goes in, and how (every file keeps its original content, only compressed):

* files already compressed in the public copy (the credit-card sample, the Online Retail CSVs,
  Adult's data and test files) are copied byte for byte;
* small plain-text files a person reads (code books, NASA's readme) are copied as they are;
* the C-MAPSS text files and German Credit's data file are gzipped here with ``mtime=0`` and
  no file name in the header, so the bytes are reproducible;
* BreastMNIST's ``.npz`` is copied as given.

The manifest (``manifest.json``) records each file's size and SHA-256 and, for a file gzipped
here or in the public copy, the size and SHA-256 of the original uncompressed content.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "glassml" / "datasets" / "data"

# (source path under the shared data folder, destination under data/, how)
FILES = [
    ("cmapss/train_FD001.txt", "cmapss/train_FD001.txt.gz", "gzip"),
    ("cmapss/test_FD001.txt", "cmapss/test_FD001.txt.gz", "gzip"),
    ("cmapss/RUL_FD001.txt", "cmapss/RUL_FD001.txt.gz", "gzip"),
    ("cmapss/readme.txt", "cmapss/readme.txt", "copy"),
    (
        "creditcard/creditcard_10k_allfraud.csv.gz",
        "creditcard/creditcard_10k_allfraud.csv.gz",
        "copy",
    ),
    (
        "online-retail/online_retail_interactions.csv.gz",
        "online_retail/online_retail_interactions.csv.gz",
        "copy",
    ),
    (
        "online-retail/online_retail_items.csv.gz",
        "online_retail/online_retail_items.csv.gz",
        "copy",
    ),
    ("medmnist/breastmnist.npz", "medmnist/breastmnist.npz", "copy"),
    ("fairness/adult/adult.data.gz", "adult/adult.data.gz", "copy"),
    ("fairness/adult/adult.test.gz", "adult/adult.test.gz", "copy"),
    ("fairness/adult/adult.names", "adult/adult.names", "copy"),
    ("fairness/german-credit/german.data", "german_credit/german.data.gz", "gzip"),
    ("fairness/german-credit/german.doc", "german_credit/german.doc", "copy"),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data"
    for source, destination, how in FILES:
        target = TARGET / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        if how == "gzip":
            raw = (shared / source).read_bytes()
            target.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
        else:
            shutil.copyfile(shared / source, target)
    entries = {}
    for path in sorted(TARGET.rglob("*")):
        if not path.is_file() or path.name == "manifest.json":
            continue
        data = path.read_bytes()
        entry = {"bytes": len(data), "sha256": sha256(data)}
        if path.suffix == ".gz":
            original = gzip.decompress(data)
            entry["original"] = {"bytes": len(original), "sha256": sha256(original)}
        entries[path.relative_to(TARGET).as_posix()] = entry
    manifest = {
        "about": "SHA-256 of every bundled file; check with `glassml datasets verify`",
        "files": entries,
    }
    (TARGET / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(entry["bytes"] for entry in entries.values())
    print(f"{len(entries)} files, {total:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
