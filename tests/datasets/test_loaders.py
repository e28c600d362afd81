"""Each loader against the public files in ``../shared/data`` and against the bundled copies.

References, all independent of the loaders' code paths:
- counts stated in ``../shared/data/README.md`` and its fairness README (rows, frauds,
  duplicates, missing values, class and group counts), asserted exactly;
- the raw text parsed here with the standard library (``csv``, ``str.split``, ``float``) or
  ``numpy.load``: values must be equal (float32 columns: equal to the float64 value rounded to
  float32, i.e. exact up to the documented storage type);
- the bundled copy must equal the loader's result on the shared files (``DataFrame.equals``).
"""

from __future__ import annotations

import csv
import gzip
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
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
from glassml.datasets._adult import COLUMNS as ADULT_COLUMNS
from glassml.datasets._german_credit import ATTRIBUTES

# ------------------------------------------------------------------------------- C-MAPSS


def _whitespace_table(path) -> np.ndarray:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return np.array([[float(value) for value in row] for row in rows])


@pytest.fixture(scope="module")
def cmapss(shared_data):
    return load_cmapss(path=shared_data / "cmapss")


def test_cmapss_matches_the_raw_text(cmapss, shared_data):
    folder = shared_data / "cmapss"
    # The quirk is real: NASA's lines end in trailing spaces.
    assert (folder / "train_FD001.txt").read_text().splitlines()[0].endswith(" ")
    assert cmapss.train.shape == (20_631, 26) and cmapss.test.shape == (13_096, 26)
    assert list(cmapss.train.columns[:6]) == [
        "unit",
        "cycle",
        "setting_1",
        "setting_2",
        "setting_3",
        "sensor_1",
    ]
    assert cmapss.train.columns[-1] == "sensor_21"
    for frame, name in ((cmapss.train, "train"), (cmapss.test, "test")):
        raw = _whitespace_table(folder / f"{name}_FD001.txt")
        np.testing.assert_array_equal(frame.to_numpy(dtype=np.float64), raw)
        assert frame["unit"].dtype == np.int64 and frame["cycle"].dtype == np.int64
        assert frame["unit"].nunique() == 100
    rul = _whitespace_table(folder / "RUL_FD001.txt").ravel()
    np.testing.assert_array_equal(cmapss.rul, rul)
    assert cmapss.rul.dtype == np.int64 and cmapss.rul.shape == (100,)
    assert "Saxena" in cmapss.citation and "public domain" in cmapss.licence


def test_cmapss_bundled_equals_the_public_files(cmapss):
    bundled = load_cmapss()
    assert bundled.train.equals(cmapss.train) and bundled.test.equals(cmapss.test)
    np.testing.assert_array_equal(bundled.rul, cmapss.rul)
    assert bundled.files[0].endswith("train_FD001.txt.gz") and Path(bundled.files[0]).is_file()
    assert "Read from the bundled copy (FD001" in bundled.description
    assert "Read from the files given" in cmapss.description


def test_cmapss_reads_nasas_zip_and_other_subsets(cmapss, shared_data, tmp_path):
    archive = tmp_path / "CMAPSSData.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in ("train", "test", "RUL"):
            source = shared_data / "cmapss" / f"{part}_FD001.txt"
            bundle.write(source, f"CMAPSSData/{part}_FD001.txt")
            bundle.write(source, f"CMAPSSData/{part}_FD003.txt")  # stands in for FD003
    from_zip = load_cmapss(path=archive)
    assert from_zip.train.equals(cmapss.train)
    assert load_cmapss("FD003", path=archive).test.equals(cmapss.test)
    with pytest.raises(ValueError, match=r"^subset: .*only FD001 is bundled.*'FD002'"):
        load_cmapss("FD002")


# ------------------------------------------------------------------------------- credit card


def _creditcard_reference(path) -> pd.DataFrame:
    return pd.read_csv(path)  # pandas' default float64 parse of the same file


def test_creditcard_bundled_sample(shared_data):
    fraud = load_creditcard()
    reference = _creditcard_reference(shared_data / "creditcard" / "creditcard_10k_allfraud.csv.gz")
    assert fraud.frame.shape == (10_000, 31) and int(fraud.y.sum()) == 492
    assert fraud.X.dtype == np.float32 and fraud.y.dtype == np.int64
    features = reference.drop(columns="Class").to_numpy()
    np.testing.assert_array_equal(fraud.X, features.astype(np.float32))
    np.testing.assert_array_equal(fraud.y, reference["Class"].to_numpy())
    duplicated = reference.duplicated(keep="first").to_numpy()
    np.testing.assert_array_equal(fraud.duplicated, duplicated)
    assert fraud.n_duplicates == int(duplicated.sum())
    assert fraud.feature_names == list(reference.columns[:-1])
    assert "ODbL" in fraud.licence and "Dal Pozzolo" in fraud.citation


def test_creditcard_full_file_counts(shared_data):
    full = load_creditcard(shared_data / "creditcard" / "creditcard.csv.gz")
    # README: 284,807 transactions, 492 frauds, 1,081 exact duplicate rows (kept, reported).
    assert full.X.shape == (284_807, 30) and int(full.y.sum()) == 492
    assert full.n_duplicates == 1_081 and len(full.frame) == 284_807
    assert full.frame[full.duplicated].shape[0] == 1_081


@pytest.mark.slow
def test_creditcard_full_file_matches_pandas(shared_data):
    path = shared_data / "creditcard" / "creditcard.csv.gz"
    full, reference = load_creditcard(path), _creditcard_reference(path)
    np.testing.assert_array_equal(full.X, reference.drop(columns="Class").to_numpy(np.float32))
    np.testing.assert_array_equal(full.duplicated, reference.duplicated().to_numpy())


def test_creditcard_plain_csv_and_folder(shared_data, tmp_path):
    packed = (shared_data / "creditcard" / "creditcard_10k_allfraud.csv.gz").read_bytes()
    plain = tmp_path / "creditcard.csv"
    plain.write_bytes(gzip.decompress(packed))
    bundled = load_creditcard()
    assert load_creditcard(plain).frame.equals(bundled.frame)
    assert load_creditcard(tmp_path).frame.equals(bundled.frame)  # a folder holding it
    assert load_creditcard(str(plain)).files == [str(plain)]


# ------------------------------------------------------------------------------- Online Retail


@pytest.fixture(scope="module")
def retail(shared_data):
    return load_online_retail(shared_data / "online-retail")


def test_online_retail_counts_and_quirks(retail, shared_data):
    pairs = retail.interactions
    assert pairs.shape == (266_221, 7)
    assert pairs["user_id"].nunique() == 4_334 and pairs["item_id"].nunique() == 3_659
    assert pairs["item_id"].map(type).eq(str).all() and "85123A" in set(pairs["item_id"])
    assert (pairs.groupby(["user_id", "item_id"]).size() == 1).all()
    # 1,553 pairs were returned in full, two of them single orders of 80,995 and 74,215 units.
    assert retail.n_fully_returned == 1_553
    returned = pairs[retail.fully_returned]
    assert (returned["returned"] >= returned["quantity"]).all()
    assert {80_995, 74_215} <= set(returned.loc[returned["n_orders"] == 1, "quantity"])
    assert retail.items.shape == (3_659, 4) and set(retail.items["item_id"]) == set(
        pairs["item_id"]
    )
    with gzip.open(shared_data / "online-retail" / "online_retail_interactions.csv.gz", "rt") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(pairs.columns)
    assert [tuple(row) for row in rows[1:6]] == [
        tuple(str(value) for value in row) for row in pairs.head(5).itertuples(index=False)
    ]


def test_online_retail_bundled_equals_the_public_files(retail):
    bundled = load_online_retail()
    assert bundled.interactions.equals(retail.interactions)
    assert bundled.items.equals(retail.items)
    assert "CC BY 4.0" in bundled.licence and "Chen" in bundled.citation
    assert "converted and filtered" in bundled.description.lower()


def test_online_retail_raw_invoice_table_gives_the_published_tables(retail, shared_data):
    # The filtering rules applied here to UCI's 541,909 invoice lines reproduce the files
    # derived by ../shared/data/online-retail/build_interactions.py, row for row.
    derived = load_online_retail(shared_data / "online-retail" / "online_retail_raw.csv.xz")
    assert derived.interactions.equals(retail.interactions)
    assert derived.items.equals(retail.items)


def test_online_retail_filtering_rules_on_a_small_table(tmp_path):
    lines = [
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
        "1,85123a,HEART,6,2011-01-01 10:00,2.55,17850,UK",  # kept; code upper-cased
        "2,85123A, HEART ,4,2011-01-02 10:00,2.65,17850,UK",  # same pair, second order
        "3,85123A,HEART,2,2011-01-03 10:00,2.55,,UK",  # no customer: dropped
        "C4,85123A,HEART,-3,2011-01-04 10:00,2.55,17850,UK",  # cancellation: returned
        "A5,85123A,HEART,1,2011-01-05 10:00,2.55,17850,UK",  # adjustment: dropped
        "6,POST,POSTAGE,1,2011-01-06 10:00,18.00,17850,UK",  # not a product: dropped
        "7,22423,CAKESTAND,0,2011-01-07 10:00,12.75,12346,UK",  # zero quantity: dropped
        "8,22423,CAKESTAND,1,2011-01-07 11:00,0.00,12346,UK",  # zero price: dropped
        "9,22423,CAKESTAND,1,2011-01-08 12:30,12.75,12346,UK",  # kept
    ]
    raw = tmp_path / "invoices.csv"
    raw.write_text("\n".join(lines) + "\n")
    result = load_online_retail(raw)
    expected = pd.DataFrame(
        {
            "user_id": [12346, 17850],
            "item_id": ["22423", "85123A"],
            "n_orders": [1, 2],
            "quantity": [1, 10],
            "first_ts": [1294489800, 1293876000],
            "last_ts": [1294489800, 1293962400],
            "returned": [0, 3],
        }
    )
    pd.testing.assert_frame_equal(result.interactions, expected)
    assert result.items["description"].tolist() == ["CAKESTAND", "HEART"]
    assert result.items["median_unit_price_gbp"].tolist() == [12.75, 2.6]
    assert result.items["n_customers"].tolist() == [1, 1]


# ------------------------------------------------------------------------------- MovieLens


def test_movielens_from_folder_and_zip(shared_data, tmp_path):
    folder = shared_data / "movielens-100k"
    lens = load_movielens_100k(folder)
    assert lens.ratings.shape == (100_000, 4)
    assert lens.ratings["user_id"].nunique() == 943 and lens.ratings["item_id"].nunique() == 1_682
    assert set(lens.ratings["rating"]) == {1, 2, 3, 4, 5}
    raw = np.loadtxt(folder / "u.data", dtype=np.int64)
    np.testing.assert_array_equal(lens.ratings.to_numpy(), raw)
    assert len(lens.items) == 1_682 and len(lens.users) == 943
    genres = [line.split("|")[0] for line in (folder / "u.genre").read_text().split("\n") if line]
    assert list(lens.items.columns[5:]) == genres
    # u.item is latin-1: the accented titles survive.
    latin = (folder / "u.item").read_bytes().decode("latin-1").splitlines()
    titles = [line.split("|")[1] for line in latin]
    assert lens.items["title"].tolist() == titles
    assert any("é" in title for title in titles)
    assert lens.users["zip_code"].map(type).eq(str).all()
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in ("u.data", "u.item", "u.user"):
            bundle.write(folder / name, f"ml-100k/{name}")
    assert load_movielens_100k(archive).ratings.equals(lens.ratings)
    assert "no redistribution" in lens.licence


def test_movielens_is_never_bundled():
    with pytest.raises(ValueError, match=r"^path: .*licence forbids redistribution"):
        load_movielens_100k(None)


# ------------------------------------------------------------------------------- MedMNIST


def test_breastmnist_matches_the_npz(shared_data):
    path = shared_data / "medmnist" / "breastmnist.npz"
    breast = load_medmnist(path=path)
    with np.load(path) as raw:
        for split, count in (("train", 546), ("val", 78), ("test", 156)):
            images, labels = breast[f"{split}_images"], breast[f"{split}_labels"]
            assert images.shape == (count, 1, 28, 28) and images.dtype == np.float32
            assert labels.shape == (count,) and labels.dtype == np.int64
            np.testing.assert_array_equal(images[:, 0] * 255, raw[f"{split}_images"])
            np.testing.assert_array_equal(labels, raw[f"{split}_labels"].reshape(-1))
            assert 0 <= images.min() and images.max() <= 1
    assert breast.label_names == {0: "malignant", 1: "normal, benign"}
    bundled = load_medmnist()
    for key in ("train_images", "val_labels", "test_images"):
        np.testing.assert_array_equal(bundled[key], breast[key])


def test_medmnist_official_label_shape_and_colour_images(shared_data, tmp_path):
    with np.load(shared_data / "medmnist" / "breastmnist.npz") as raw:
        arrays = {key: raw[key] for key in raw.files}
    official = {k: (v[:, None] if k.endswith("labels") else v) for k, v in arrays.items()}
    assert official["train_labels"].shape == (546, 1)
    np.savez(tmp_path / "breastmnist.npz", **official)
    breast = load_medmnist(path=tmp_path)  # a folder holding <name>.npz
    assert breast.train_labels.shape == (546,)
    np.testing.assert_array_equal(breast.train_labels, arrays["train_labels"])
    rgb = {
        k: (np.repeat(v[..., None], 3, axis=-1) if k.endswith("images") else v)
        for k, v in official.items()
    }
    np.savez(tmp_path / "pathmnist.npz", **rgb)
    colour = load_medmnist("pathmnist", path=tmp_path / "pathmnist.npz")
    assert colour.val_images.shape == (78, 3, 28, 28)
    np.testing.assert_array_equal(colour.val_images[:, 2] * 255, arrays["val_images"])
    assert colour.label_names == {}
    with pytest.raises(ValueError, match=r"^name: .*only BreastMNIST is bundled.*'pathmnist'"):
        load_medmnist("pathmnist")


# ------------------------------------------------------------------------------- Adult


def _adult_reference(path) -> list[list[str]]:
    """adult.data / adult.test split by hand: ', '-separated, junk first line, blank lines."""
    text = gzip.decompress(path.read_bytes()).decode("ascii")
    rows = [line.split(", ") for line in text.splitlines() if line and not line.startswith("|")]
    assert all(len(row) == 15 for row in rows)
    return rows


@pytest.fixture(scope="module")
def adult(shared_data):
    return load_adult(shared_data / "fairness" / "adult")


def test_adult_counts_from_the_readme(adult):
    train, test = adult.train, adult.test
    assert len(train) == 32_561 and len(test) == 16_281
    assert int(train.isna().any(axis=1).sum()) == 2_399
    assert int(test.isna().any(axis=1).sum()) == 1_221
    assert train.columns[train.isna().any()].tolist() == [
        "workclass",
        "occupation",
        "native_country",
    ]
    assert train[["workclass", "occupation", "native_country"]].isna().sum().tolist() == [
        1_836,
        1_843,
        583,
    ]
    assert int(train["income"].sum()) == 7_841 and int(test["income"].sum()) == 3_846
    assert train["sex"].value_counts().to_dict() == {"Male": 21_790, "Female": 10_771}
    assert test["race"].value_counts().to_dict() == {
        "White": 13_946,
        "Black": 1_561,
        "Asian-Pac-Islander": 480,
        "Amer-Indian-Eskimo": 159,
        "Other": 135,
    }
    assert int(train.duplicated().sum()) == 24 and int(test.duplicated().sum()) == 5
    assert (train["native_country"] == "Holand-Netherlands").sum() == 1
    assert adult.sensitive == ("sex", "race")


def test_adult_equals_a_hand_split_of_the_files(adult, shared_data):
    for frame, name in ((adult.train, "adult.data.gz"), (adult.test, "adult.test.gz")):
        rows = _adult_reference(shared_data / "fairness" / "adult" / name)
        reference = pd.DataFrame(rows, columns=ADULT_COLUMNS).replace("?", np.nan)
        reference["income"] = reference["income"].str.rstrip(".").map({"<=50K": 0, ">50K": 1})
        for column in ("age", "fnlwgt", "education_num", "capital_gain", "capital_loss"):
            reference[column] = reference[column].astype(np.int64)
        reference["hours_per_week"] = reference["hours_per_week"].astype(np.int64)
        pd.testing.assert_frame_equal(frame, reference)
        text_columns = frame.select_dtypes(object)
        assert not text_columns.apply(lambda c: c.str.startswith(" ").any()).any()


def test_adult_bundled_equals_the_public_files(adult, shared_data, tmp_path):
    bundled = load_adult()
    assert bundled.train.equals(adult.train) and bundled.test.equals(adult.test)
    archive = tmp_path / "adult.zip"  # UCI's download: plain files in a zip
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in ("adult.data", "adult.test"):
            packed = (shared_data / "fairness" / "adult" / f"{name}.gz").read_bytes()
            bundle.writestr(name, gzip.decompress(packed))
    assert load_adult(archive).test.equals(adult.test)


# ------------------------------------------------------------------------------- German Credit


def _code_book_from_doc(text: str) -> dict[str, str]:
    """Every 'Axx : wording' entry of german.doc, continuation lines joined, spaces collapsed."""
    book: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        match = re.match(r"\s*(A\d+)\s*:\s*(.*)$", line)
        if match:
            current = match.group(1)
            book[current] = match.group(2)
        elif current and line.strip() and not re.match(r"\s*(Att|\d+\.)", line):
            if line.startswith("\t\t") or line.startswith("    " * 3):
                book[current] += " " + line.strip()
            else:
                current = None
        else:
            current = None
    return {code: " ".join(wording.split()) for code, wording in book.items()}


def test_german_credit_code_book_is_german_doc(shared_data):
    doc = (shared_data / "fairness" / "german-credit" / "german.doc").read_text()
    from_doc = _code_book_from_doc(doc)
    ours = {code: text for _, book in ATTRIBUTES if book for code, text in book.items()}
    assert ours == from_doc


def test_german_credit_decodes_every_row(shared_data):
    path = shared_data / "fairness" / "german-credit" / "german.data"
    german = load_german_credit(path)
    frame = german.frame
    rows = [line.split() for line in path.read_text().splitlines()]
    assert frame.shape == (1_000, 22) and all(len(row) == 21 for row in rows)
    assert frame["credit_risk"].value_counts().to_dict() == {1: 700, 0: 300}
    # Decoding is reversible: every decoded value maps back to the file's code.
    for index, (name, book) in enumerate(ATTRIBUTES):
        column = [row[index] for row in rows]
        if book is None:
            assert frame[name].tolist() == [int(value) for value in column]
        else:
            inverse = {text: code for code, text in book.items()}
            assert frame[name].map(inverse).tolist() == column
    assert frame["credit_risk"].tolist() == [1 if row[20] == "1" else 0 for row in rows]
    # fairness README: A91 50, A92 310, A93 548, A94 92, A95 never; ages 19-75, 190 <= 25.
    codes = pd.Series([row[8] for row in rows])
    assert codes.value_counts().to_dict() == {"A93": 548, "A92": 310, "A94": 92, "A91": 50}
    assert frame["sex"].value_counts().to_dict() == {"male": 690, "female": 310}
    assert (frame["sex"] == "female").tolist() == (codes == "A92").tolist()
    assert frame["age"].min() == 19 and frame["age"].max() == 75
    assert int((frame["age"] <= 25).sum()) == 190
    assert frame["foreign_worker"].value_counts().to_dict() == {"yes": 963, "no": 37}
    assert german.sensitive == ("sex", "age")
    np.testing.assert_array_equal(german.cost_matrix, [[0, 1], [5, 0]])
    assert load_german_credit().frame.equals(frame)


def test_every_bunch_carries_description_licence_and_citation(shared_data):
    bunches = [
        load_cmapss(),
        load_creditcard(),
        load_online_retail(),
        load_medmnist(),
        load_adult(),
        load_german_credit(),
        load_movielens_100k(shared_data / "movielens-100k"),
    ]
    for bunch in bunches:
        for field in ("description", "licence", "citation", "source"):
            assert isinstance(bunch[field], str) and len(bunch[field]) > 8, field
        assert bunch.files and all(isinstance(name, str) for name in bunch.files)


def test_items_field_is_the_table_not_the_dict_method():
    import copy
    import pickle

    retail = load_online_retail()
    assert isinstance(retail.items, pd.DataFrame) and retail.items is retail["items"]
    again = pickle.loads(pickle.dumps(retail))
    assert again.items.equals(retail.items) and set(again) == set(retail)
    assert copy.deepcopy(retail).interactions.equals(retail.interactions)
    assert sorted(retail.keys())[0] == "citation"
