"""What each dataset is: its source, licence, citation and what of it is bundled.

One record per dataset serves the loaders (each bunch's ``description``, ``licence`` and
``citation``), :func:`dataset_info` and the docs; the bundled files and their checksums are in
``data/manifest.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sklearn.utils import Bunch

from glassml.datasets._files import Member, bundled_location, manifest


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    loader: str
    licence: str
    citation: str
    source: str
    rows: str
    bundle: str | None  # folder under data/, None when nothing may be bundled
    bundled_what: str
    not_bundled: str
    description: str


DATASETS: dict[str, Dataset] = {}


def _register(dataset: Dataset) -> Dataset:
    DATASETS[dataset.key] = dataset
    return dataset


CMAPSS = _register(
    Dataset(
        key="cmapss",
        title="NASA C-MAPSS turbofan engine degradation",
        loader="load_cmapss",
        licence="public domain (US Government work)",
        citation=(
            "A. Saxena, K. Goebel, D. Simon and N. Eklund, 'Damage Propagation Modeling for "
            "Aircraft Engine Run-to-Failure Simulation', Proceedings of the 1st International "
            "Conference on Prognostics and Health Management (PHM08), Denver CO, 2008."
        ),
        source="NASA Ames Prognostics Data Repository (CMAPSSData.zip)",
        rows="FD001: 100 + 100 engines, 20,631 + 13,096 cycles",
        bundle="cmapss",
        bundled_what="FD001: train, test, RUL",
        not_bundled="FD002-FD004: load_cmapss(subset, path=folder or CMAPSSData.zip)",
        description=(
            "Simulated turbofan engines (C-MAPSS), one row per operating cycle: unit, cycle, "
            "three operational settings and 21 sensor measurements. Training engines run until "
            "failure; test engines stop some time before it, and `rul` holds each test engine's "
            "true remaining useful life in cycles after its last row."
        ),
    )
)
CREDITCARD = _register(
    Dataset(
        key="creditcard",
        title="Credit-card fraud (ULB / Worldline, September 2013)",
        loader="load_creditcard",
        licence="ODbL 1.0 / DbCL 1.0",
        citation=(
            "A. Dal Pozzolo, O. Caelen, R. A. Johnson and G. Bontempi, 'Calibrating Probability "
            "with Undersampling for Unbalanced Classification', IEEE Symposium Series on "
            "Computational Intelligence (SSCI), 2015."
        ),
        source="https://www.kaggle.com/datasets/mlg-ulb/creditcardfraud",
        rows="284,807 transactions, 492 frauds (bundled sample: 10,000, all 492 frauds)",
        bundle="creditcard",
        bundled_what="10,000-row sample with all 492 frauds",
        not_bundled=(
            "the full file (284,807 rows, 150 MB): load_creditcard(path=creditcard.csv[.gz])"
        ),
        description=(
            "European card transactions over two days: Time (seconds since the first "
            "transaction), V1-V28 (principal components of confidential features), Amount "
            "(EUR) and Class (1 = fraud). Contains information from the Credit Card Fraud "
            "Detection database, made available under the Open Database License (ODbL) v1.0 "
            "(https://opendatacommons.org/licenses/odbl/1-0/); the bundled sample is a "
            "derivative database under the same licence. The full file holds exact duplicate "
            "rows: they are reported (`n_duplicates`, `duplicated`), not dropped."
        ),
    )
)
ONLINE_RETAIL = _register(
    Dataset(
        key="online_retail",
        title="UCI Online Retail (customer-product interactions)",
        loader="load_online_retail",
        licence="CC BY 4.0",
        citation=(
            "Chen, D. (2015). Online Retail [Dataset]. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5BW33"
        ),
        source="https://doi.org/10.24432/C5BW33 (via CRAN package onlineretail 0.1.2)",
        rows="266,221 pairs, 4,334 customers, 3,659 products",
        bundle="online_retail",
        bundled_what="all 266,221 pairs and 3,659 items",
        not_bundled="nothing",
        description=(
            "Purchases of a UK online gift shop, 2010-12-01 to 2011-12-09, as implicit "
            "feedback: one row per (customer, product) with the number of orders, units, first "
            "and last purchase (unix seconds, UTC) and units returned. Converted and filtered "
            "from the UCI invoice table: lines without a customer, cancellations, non-positive "
            "quantities or prices and non-product stock codes dropped. Item ids are strings "
            "('85123A'); pairs returned in full (returned >= quantity) are kept and flagged "
            "(`fully_returned`)."
        ),
    )
)
MOVIELENS = _register(
    Dataset(
        key="movielens_100k",
        title="GroupLens MovieLens 100K",
        loader="load_movielens_100k",
        licence="GroupLens: no redistribution",
        citation=(
            "F. Maxwell Harper and Joseph A. Konstan (2015). The MovieLens Datasets: History and "
            "Context. ACM Transactions on Interactive Intelligent Systems 5(4), 19. "
            "https://doi.org/10.1145/2827872"
        ),
        source="https://grouplens.org/datasets/movielens/100k/ (ml-100k.zip)",
        rows="100,000 ratings, 943 users, 1,682 movies",
        bundle=None,
        bundled_what="",
        not_bundled="all (its licence forbids it): load_movielens_100k(path=ml-100k folder or zip)",
        description=(
            "Explicit movie ratings (1-5 stars) by 943 users of MovieLens, 1997-1998, with the "
            "movies' titles, release dates and 19 genre flags and the users' age, gender, "
            "occupation and zip code."
        ),
    )
)
MEDMNIST = _register(
    Dataset(
        key="medmnist",
        title="MedMNIST v2 (BreastMNIST bundled)",
        loader="load_medmnist",
        licence="CC BY 4.0",
        citation=(
            "J. Yang, R. Shi, D. Wei, Z. Liu, L. Zhao, B. Ke, H. Pfister and B. Ni, 'MedMNIST v2 - "
            "A large-scale lightweight benchmark for 2D and 3D biomedical image classification', "
            "Scientific Data 10, 41 (2023). https://doi.org/10.1038/s41597-022-01721-8"
        ),
        source="https://medmnist.com/",
        rows="BreastMNIST: 546 / 78 / 156 images, 28 x 28",
        bundle="medmnist",
        bundled_what="BreastMNIST (780 images)",
        not_bundled="other collections: load_medmnist(name, path=name.npz)",
        description=(
            "Standardised small biomedical images with train / validation / test splits. "
            "BreastMNIST: breast ultrasound, 28 x 28 grey levels; label 0 = malignant, "
            "1 = normal or benign (Al-Dhabyani et al., Data in Brief 28, 104863, 2020)."
        ),
    )
)
ADULT = _register(
    Dataset(
        key="adult",
        title="UCI Adult (Census Income)",
        loader="load_adult",
        licence="CC BY 4.0",
        citation=(
            "Becker, B. & Kohavi, R. (1996). Adult [Dataset]. UCI Machine Learning Repository. "
            "https://doi.org/10.24432/C5XW20"
        ),
        source="https://doi.org/10.24432/C5XW20",
        rows="32,561 + 16,281 people",
        bundle="adult",
        bundled_what="train and test (48,842 rows)",
        not_bundled="nothing",
        description=(
            "1994 US Census extract: 14 attributes (age, work, education, marital status, "
            "occupation, relationship, race, sex, capital gains and losses, hours per week, "
            "native country) and income > 50K (1) or <= 50K (0). Missing values ('?' in "
            "workclass, occupation and native_country) are NaN. Sensitive attributes: sex and "
            "race (relationship is a near-proxy for sex). fnlwgt is a census sampling weight."
        ),
    )
)
GERMAN_CREDIT = _register(
    Dataset(
        key="german_credit",
        title="UCI Statlog (German Credit Data)",
        loader="load_german_credit",
        licence="CC BY 4.0",
        citation=(
            "Hofmann, H. (1994). Statlog (German Credit Data) [Dataset]. UCI Machine Learning "
            "Repository. https://doi.org/10.24432/C5NC77"
        ),
        source="https://doi.org/10.24432/C5NC77",
        rows="1,000 applicants (700 good, 300 bad)",
        bundle="german_credit",
        bundled_what="all 1,000 rows and the code book",
        not_bundled="nothing",
        description=(
            "Credit applicants with 20 attributes (7 numeric) decoded from the code book, and "
            "credit_risk 1 = good, 0 = bad. `sex` is derived from attribute 9 (personal status "
            "and sex: female = A92, A95); `age` is attribute 13. The code book's cost matrix "
            "charges 5 for predicting good for a bad applicant and 1 for the reverse."
        ),
    )
)


class DatasetBunch(Bunch):
    """A :class:`~sklearn.utils.Bunch` whose fields win over dict methods as attributes.

    Online Retail and MovieLens have a field named ``items``: with a plain ``Bunch``,
    ``retail.items`` would be the dict method, not the table. Here every field is reached as an
    attribute (``retail.items`` is the DataFrame) and by key (``retail["items"]``); the dict
    methods stay reachable as ``dict.items(retail)``.
    """

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("__") and dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return super().__getattribute__(name)

    def __reduce__(self) -> tuple:
        # pickle and copy would call self.items(), which may be a field here.
        return (type(self), (), None, None, iter(dict.items(self)))


def make_bunch(dataset: Dataset, members: list[Member], **fields: Any) -> Bunch:
    """A loader's result: its frames and arrays plus description, licence and citation."""
    bundled = all(member.bundled for member in members)
    read = "the bundled copy" if bundled else "the files given"
    if bundled and dataset.bundled_what:
        read += f" ({dataset.bundled_what})"
    return DatasetBunch(
        **fields,
        description=f"{dataset.title}. {dataset.description} Read from {read}.",
        licence=dataset.licence,
        citation=dataset.citation,
        source=dataset.source,
        files=[
            bundled_location(member.location) if member.bundled else member.location
            for member in members
        ],
    )


def bundled_bytes_of(dataset: Dataset) -> int:
    if dataset.bundle is None:
        return 0
    prefix = f"{dataset.bundle}/"
    return sum(entry["bytes"] for name, entry in manifest().items() if name.startswith(prefix))


def dataset_info() -> pd.DataFrame:
    """What is bundled: one row per dataset with its size, licence and source.

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset``, ``loader``, ``bundled`` (bool), ``bundled_bytes`` (the dataset's
        files inside the package, licence and attribution notes included), ``contents`` (what
        is bundled), ``not_bundled`` (what is not, and how to load it), ``rows``, ``licence``,
        ``source`` and ``citation``. ``attrs["total_bytes"]`` is the whole bundle's size
        (the shared licence texts included).

    Examples
    --------
    >>> from glassml.datasets import dataset_info
    >>> info = dataset_info().set_index("dataset")
    >>> bool(info.loc["movielens_100k", "bundled"]), info.loc["adult", "licence"]
    (False, 'CC BY 4.0')
    """
    rows = [
        {
            "dataset": dataset.key,
            "loader": dataset.loader,
            "bundled": dataset.bundle is not None,
            "bundled_bytes": bundled_bytes_of(dataset),
            "contents": dataset.bundled_what,
            "not_bundled": dataset.not_bundled,
            "rows": dataset.rows,
            "licence": dataset.licence,
            "source": dataset.source,
            "citation": dataset.citation,
        }
        for dataset in DATASETS.values()
    ]
    info = pd.DataFrame(rows)
    # The licence texts are shared by several datasets: they count in the total only.
    info.attrs["total_bytes"] = sum(entry["bytes"] for entry in manifest().values())
    return info
