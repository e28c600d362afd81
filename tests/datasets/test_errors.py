"""Bad paths and malformed files: a named ``FileNotFoundError`` or ``ValueError``, never a crash.

Every message follows the house shape ``path: expected <what>, got <what was found>`` and names
the file, so the user knows which file is wrong and what a right one looks like.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from glassml.datasets import (
    load_adult,
    load_cmapss,
    load_creditcard,
    load_german_credit,
    load_medmnist,
    load_movielens_100k,
    load_online_retail,
)
from glassml.datasets._files import bundled_bytes

LOADERS = [
    load_cmapss,
    load_creditcard,
    load_online_retail,
    load_movielens_100k,
    load_medmnist,
    load_adult,
    load_german_credit,
]


def _sample_text() -> str:
    return gzip.decompress(bundled_bytes("creditcard/creditcard_10k_allfraud.csv.gz")).decode()


def _named(error: pytest.ExceptionInfo, path: Path) -> None:
    message = str(error.value)
    assert message.startswith("path: expected "), message
    assert str(path) in message, message


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_missing_path_is_file_not_found_naming_it(loader, tmp_path):
    missing = tmp_path / "nowhere" / "file.csv"
    with pytest.raises(FileNotFoundError) as error:
        loader(path=missing)
    _named(error, missing)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_path_of_the_wrong_type_is_a_type_error(loader):
    with pytest.raises(TypeError, match=r"^path: expected a file or folder path"):
        loader(path=3)
    with pytest.raises(ValueError, match=r"^path: expected a file or folder path"):
        loader(path="")


@pytest.mark.parametrize(
    "loader",
    [load_cmapss, load_online_retail, load_movielens_100k, load_adult],
    ids=lambda f: f.__name__,
)
def test_folder_without_the_files_names_them(loader, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: expected a folder holding \S+") as error:
        loader(path=tmp_path)
    _named(error, tmp_path)


def test_a_folder_dataset_refuses_a_single_file(tmp_path):
    lone = tmp_path / "train_FD001.txt"
    lone.write_text("1 1 " + " ".join(["0.5"] * 24) + "\n")
    with pytest.raises(ValueError, match=r"^path: expected the folder holding train_FD001") as e:
        load_cmapss(path=lone)
    _named(e, lone)


def test_truncated_gzip_is_a_value_error_naming_the_file(tmp_path):
    packed = bundled_bytes("creditcard/creditcard_10k_allfraud.csv.gz")
    broken = tmp_path / "creditcard.csv.gz"
    broken.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="EOFError") as error:
        load_creditcard(broken)
    _named(error, broken)
    # The same for a dataset read from a folder.
    folder = tmp_path / "adult"
    folder.mkdir()
    (folder / "adult.data.gz").write_bytes(bundled_bytes("adult/adult.data.gz")[:5000])
    (folder / "adult.test.gz").write_bytes(bundled_bytes("adult/adult.test.gz"))
    with pytest.raises(ValueError) as error:
        load_adult(folder)
    _named(error, folder / "adult.data.gz")


def test_creditcard_wrong_delimiter_and_missing_columns(tmp_path):
    text = _sample_text()
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text(text.replace(",", ";"))
    expected = r"columns Time, V1\.\.V28, Amount, Class, got no column Time.*other than commas"
    with pytest.raises(ValueError, match=expected) as e:
        load_creditcard(semicolons)
    _named(e, semicolons)
    lines = text.splitlines()
    without_class = tmp_path / "no_class.csv"
    without_class.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    with pytest.raises(ValueError, match=r"got no column Class") as e:
        load_creditcard(without_class)
    _named(e, without_class)


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda row: [*row[:-1], '"2"'], r"Class values \[0\.0, 1\.0, 2\.0\]"),
        (lambda row: [*row[:3], "abc", *row[4:]], r"ValueError \(.*abc"),
        (lambda row: [*row[:3], "", *row[4:]], r"finite numbers in every field"),
    ],
    ids=["label 2", "text", "empty field"],
)
def test_creditcard_bad_values(tmp_path, change, found):
    lines = _sample_text().splitlines()
    row = lines[5].split(",")
    lines[5] = ",".join(change(row))
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=found) as error:
        load_creditcard(bad)
    _named(error, bad)


def _cmapss_folder(tmp_path: Path, train: str) -> Path:
    folder = tmp_path / "cmapss"
    folder.mkdir()
    (folder / "train_FD001.txt").write_text(train)
    for part in ("test", "RUL"):
        name = f"{part}_FD001.txt.gz"
        (folder / name).write_bytes(bundled_bytes(f"cmapss/{name}"))
    return folder


def _cmapss_lines() -> list[str]:
    return gzip.decompress(bundled_bytes("cmapss/train_FD001.txt.gz")).decode().splitlines()


def test_cmapss_with_25_columns(tmp_path):
    lines = [" ".join(line.split()[:25]) + " " for line in _cmapss_lines()[:50]]
    folder = _cmapss_folder(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"with 26 fields per line, got 25 fields") as error:
        load_cmapss(path=folder)
    _named(error, folder / "train_FD001.txt")


def _edit_line(lines: list[str], index: int, edit) -> list[str]:
    fields = lines[index].split()
    return [*lines[:index], " ".join(edit(fields)), *lines[index + 1 :]]


@pytest.mark.parametrize(
    ("edit", "found"),
    [
        (lambda lines: [",".join(line.split()) for line in lines], r"got 1 field in"),
        (lambda lines: _edit_line(lines, 2, lambda f: [*f[:2], "x", *f[3:]]), r"'setting_1'"),
        (lambda lines: _edit_line(lines, 2, lambda f: [f[0], "7", *f[2:]]), r"cycle 7 of unit 1"),
    ],
    ids=["commas", "text", "cycle gap"],
)
def test_cmapss_malformed_lines(tmp_path, edit, found):
    folder = _cmapss_folder(tmp_path, "\n".join(edit(_cmapss_lines()[:40])) + "\n")
    with pytest.raises(ValueError, match=found) as error:
        load_cmapss(path=folder)
    _named(error, folder / "train_FD001.txt")


def test_cmapss_rul_of_the_wrong_length(tmp_path):
    folder = tmp_path / "cmapss"
    folder.mkdir()
    for part in ("train", "test"):
        name = f"{part}_FD001.txt.gz"
        (folder / name).write_bytes(bundled_bytes(f"cmapss/{name}"))
    (folder / "RUL_FD001.txt").write_text("112\n98\n")
    with pytest.raises(ValueError, match=r"100 non-negative values.*got 2 values") as error:
        load_cmapss(path=folder)
    _named(error, folder / "RUL_FD001.txt")


def test_medmnist_npz_without_train_images(tmp_path):
    bad = tmp_path / "breastmnist.npz"
    images = np.zeros((4, 28, 28), np.uint8)
    labels = np.zeros(4, np.uint8)
    np.savez(bad, val_images=images, val_labels=labels, test_images=images, test_labels=labels)
    with pytest.raises(ValueError, match=r"got no train_images, train_labels") as error:
        load_medmnist(path=bad)
    _named(error, bad)


@pytest.mark.parametrize(
    ("arrays", "found"),
    [
        ({"train_images": np.zeros((4, 28, 28))}, r"dtype float64"),
        ({"train_images": np.zeros((4, 784), np.uint8)}, r"shape \(4, 784\)"),
        ({"train_labels": np.zeros(3, np.uint8)}, r"shape \(3,\)"),
        ({"train_labels": np.full(4, -1)}, r"a negative label"),
    ],
    ids=["float images", "flat images", "label count", "negative label"],
)
def test_medmnist_malformed_arrays(tmp_path, arrays, found):
    valid = {
        f"{split}_{kind}": np.zeros((4, 28, 28) if kind == "images" else (4,), np.uint8)
        for split in ("train", "val", "test")
        for kind in ("images", "labels")
    }
    bad = tmp_path / "breastmnist.npz"
    np.savez(bad, **{**valid, **arrays})
    with pytest.raises(ValueError, match=found) as error:
        load_medmnist(path=bad)
    _named(error, bad)


def test_medmnist_refuses_a_non_npz_and_a_pickle(tmp_path):
    text = tmp_path / "breastmnist.npz"
    text.write_text("not an archive")
    with pytest.raises(ValueError, match=r"\.npz archive, got a file that is not") as error:
        load_medmnist(path=text)
    _named(error, text)
    pickled = tmp_path / "objects.npz"
    objects = np.array([{"a": 1}], dtype=object)
    np.savez(
        pickled,
        **{f"{s}_{k}": objects for s in ("train", "val", "test") for k in ("images", "labels")},
    )
    with pytest.raises(ValueError, match="pickle") as error:
        load_medmnist(path=pickled)
    _named(error, pickled)


def test_adult_bad_label_and_field_count(tmp_path):
    folder = tmp_path / "adult"
    folder.mkdir()
    rows = gzip.decompress(bundled_bytes("adult/adult.data.gz")).decode().splitlines()[:20]
    (folder / "adult.test.gz").write_bytes(bundled_bytes("adult/adult.test.gz"))
    (folder / "adult.data").write_text("\n".join([*rows, rows[0].replace("<=50K", "rich")]))
    with pytest.raises(ValueError, match=r"income '<=50K' or '>50K'.*'rich' on data row 21"):
        load_adult(folder)
    (folder / "adult.data").write_text("\n".join(row.rsplit(",", 1)[0] for row in rows))
    with pytest.raises(ValueError, match=r"15 fields per line, got 14 fields") as error:
        load_adult(folder)
    _named(error, folder / "adult.data")


def test_german_credit_unknown_code(tmp_path):
    lines = gzip.decompress(bundled_bytes("german_credit/german.data.gz")).decode().splitlines()
    fields = lines[3].split()
    lines[3] = " ".join([*fields[:3], "A48x", *fields[4:]])
    bad = tmp_path / "german.data"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"purpose coded A40, .*'A48x' on line 4") as error:
        load_german_credit(bad)
    _named(error, bad)


def test_online_retail_item_ids_stay_strings_and_bad_counts(tmp_path):
    folder = tmp_path / "retail"
    folder.mkdir()
    (folder / "online_retail_items.csv.gz").write_bytes(
        bundled_bytes("online_retail/online_retail_items.csv.gz")
    )
    (folder / "online_retail_interactions.csv").write_text(
        "user_id,item_id,n_orders,quantity,first_ts,last_ts,returned\n"
        "12346,23166,1,74215,1295344860,1295344860,74215\n"
        "12347,85123A,1,2.5,1302172980,1302172980,0\n"
    )
    with pytest.raises(ValueError, match=r"whole numbers in 'quantity', got 2\.5") as error:
        load_online_retail(folder)
    _named(error, folder / "online_retail_interactions.csv")


def test_movielens_rating_out_of_range(shared_data, tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    for name in ("u.item", "u.user"):
        (folder / name).write_bytes((shared_data / "movielens-100k" / name).read_bytes())
    (folder / "u.data").write_text("196\t242\t3\t881250949\n186\t302\t9\t891717742\n")
    with pytest.raises(ValueError, match=r"ratings 1 to 5") as error:
        load_movielens_100k(folder)
    _named(error, folder / "u.data")


def test_messages_follow_the_house_shape(tmp_path):
    bad = tmp_path / "creditcard.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError) as error:
        load_creditcard(bad)
    assert re.match(r"^path: expected .+, got .+ in '.+creditcard\.csv'$", str(error.value))
