"""The bundle: checksums, size, licences, originals, and the ``glassml datasets`` command.

The manifest's SHA-256 values are recomputed here from the files (hashlib), the gzipped
copies are decompressed and compared byte for byte with the public originals in
``../shared/data``, and a damaged copy is shown to be refused by the loaders, reported by
``verify_checksums`` and turned into exit status 1 by ``glassml datasets verify``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

import glassml.datasets as datasets
from glassml import cli
from glassml.datasets import _files, dataset_info, verify_checksums

DATA = Path(datasets.__file__).parent / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text())["files"]
SHARED = {
    "cmapss/train_FD001.txt.gz": "cmapss/train_FD001.txt",
    "cmapss/test_FD001.txt.gz": "cmapss/test_FD001.txt",
    "cmapss/RUL_FD001.txt.gz": "cmapss/RUL_FD001.txt",
    "cmapss/readme.txt": "cmapss/readme.txt",
    "creditcard/creditcard_10k_allfraud.csv.gz": "creditcard/creditcard_10k_allfraud.csv.gz",
    "online_retail/online_retail_interactions.csv.gz": (
        "online-retail/online_retail_interactions.csv.gz"
    ),
    "online_retail/online_retail_items.csv.gz": "online-retail/online_retail_items.csv.gz",
    "medmnist/breastmnist.npz": "medmnist/breastmnist.npz",
    "adult/adult.data.gz": "fairness/adult/adult.data.gz",
    "adult/adult.test.gz": "fairness/adult/adult.test.gz",
    "adult/adult.names": "fairness/adult/adult.names",
    "german_credit/german.data.gz": "fairness/german-credit/german.data",
    "german_credit/german.doc": "fairness/german-credit/german.doc",
}


def _files_on_disk() -> set[str]:
    return {
        path.relative_to(DATA).as_posix()
        for path in DATA.rglob("*")
        if path.is_file() and path.name != "manifest.json"
    }


def test_manifest_lists_every_file_with_its_sha256():
    assert set(MANIFEST) == _files_on_disk()
    for name, entry in MANIFEST.items():
        data = (DATA / name).read_bytes()
        assert len(data) == entry["bytes"], name
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        if name.endswith(".gz"):
            original = gzip.decompress(data)
            assert hashlib.sha256(original).hexdigest() == entry["original"]["sha256"], name
    report = verify_checksums()
    assert report["ok"].all() and len(report) == len(MANIFEST)


def test_bundle_stays_under_8_mb():
    total = sum(entry["bytes"] for entry in MANIFEST.values())
    assert total < 8_000_000, f"{total:,} bytes"
    assert dataset_info().attrs["total_bytes"] == total


def test_bundled_files_hold_the_public_originals(shared_data):
    """The bundle changes no byte: each file or its decompression equals the public file."""
    for bundled, public in SHARED.items():
        mine = (DATA / bundled).read_bytes()
        theirs = (shared_data / public).read_bytes()
        if bundled.endswith(".gz") and not public.endswith(".gz"):
            mine = gzip.decompress(mine)
        assert mine == theirs, bundled
    # Adult's gzip files are the fairness README's pinned copies.
    assert MANIFEST["adult/adult.data.gz"]["original"]["sha256"].startswith("5b00264637dbfec3")


def test_every_dataset_has_its_licence_text_and_attribution():
    licence_files = {
        "CC BY 4.0": "CC-BY-4.0.txt",
        "ODbL": "ODbL-1.0.txt",
        "DbCL": "DbCL-1.0.txt",
    }
    info = dataset_info()
    for row in info[info["bundled"]].itertuples():
        folder = DATA / row.dataset
        attribution = (folder / "ATTRIBUTION.md").read_text()
        assert row.citation.split(" ")[0].rstrip(",.") in attribution, row.dataset
        for licence, name in licence_files.items():
            if licence in row.licence:
                assert name in attribution and (DATA / "LICENSES" / name).is_file()
    assert "Attribution 4.0 International" in (DATA / "LICENSES" / "CC-BY-4.0.txt").read_text()
    assert "Open Database License" in (DATA / "LICENSES" / "ODbL-1.0.txt").read_text()
    assert "converted and filtered" in (DATA / "online_retail" / "ATTRIBUTION.md").read_text()
    assert "default_rng(20240601)" in (DATA / "creditcard" / "ATTRIBUTION.md").read_text()


def test_dataset_info_lists_bundled_and_not_bundled():
    info = dataset_info().set_index("dataset")
    assert set(info.index) == {
        "cmapss",
        "creditcard",
        "online_retail",
        "movielens_100k",
        "medmnist",
        "adult",
        "german_credit",
    }
    assert not info.loc["movielens_100k", "bundled"]
    assert info.loc["movielens_100k", "bundled_bytes"] == 0
    assert "licence forbids" in info.loc["movielens_100k", "not_bundled"]
    assert "284,807" in info.loc["creditcard", "not_bundled"]
    for name in info.index[info["bundled"]]:
        prefix = f"{name}/"
        expected = sum(e["bytes"] for f, e in MANIFEST.items() if f.startswith(prefix))
        assert info.loc[name, "bundled_bytes"] == expected > 0
        assert hasattr(datasets, info.loc[name, "loader"])


@pytest.fixture
def damaged_bundle(tmp_path, monkeypatch):
    """A copy of the bundle with one byte of the German Credit file flipped."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    target = copy / "german_credit" / "german.data.gz"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    monkeypatch.setattr(_files, "_data_root", lambda: copy)
    return copy


def test_a_damaged_bundle_is_refused_and_reported(damaged_bundle, capsys):
    with pytest.raises(ValueError, match=r"german_credit/german\.data\.gz.*SHA-256.*reinstall"):
        datasets.load_german_credit()
    report = verify_checksums().set_index("file")
    assert not report.loc["german_credit/german.data.gz", "ok"]
    assert report.drop(index="german_credit/german.data.gz")["ok"].all()
    (damaged_bundle / "adult" / "adult.names").unlink()
    (damaged_bundle / "stray.txt").write_text("not in the manifest")
    report = verify_checksums().set_index("file")
    assert not report.loc["adult/adult.names", "ok"] and not report.loc["stray.txt", "ok"]
    assert cli.main(["datasets", "verify"]) == 1
    out = capsys.readouterr().out
    assert "3 of" in out and "MISMATCH" in out and "missing" in out and "not in manifest" in out


def test_loaders_write_nothing_into_the_package(shared_data):
    before = {path: path.stat().st_mtime_ns for path in DATA.parent.rglob("*")}
    datasets.load_cmapss()
    datasets.load_creditcard()
    datasets.load_online_retail()
    datasets.load_medmnist()
    datasets.load_adult()
    datasets.load_german_credit()
    datasets.load_movielens_100k(shared_data / "movielens-100k")
    after = {path: path.stat().st_mtime_ns for path in DATA.parent.rglob("*")}
    changed = {p for p in after if "__pycache__" not in p.parts and after[p] != before.get(p)}
    assert not changed


def test_cli_prints_the_table_and_verifies(capsys):
    assert cli.main(["datasets"]) == 0
    text = capsys.readouterr().out
    for name in ("cmapss", "creditcard", "online_retail", "movielens_100k", "german_credit"):
        assert name in text
    assert "CC BY 4.0" in text and "ODbL" in text
    assert re.search(r"Bundled in total: 6\.\d\d MB", text)
    assert cli.main(["datasets", "verify"]) == 0
    assert f"All {len(MANIFEST)} bundled files match" in capsys.readouterr().out
