"""Real datasets: bundled offline defaults, loaders for the full public files, licences.

Every loader returns a :class:`sklearn.utils.Bunch` with its frames or arrays plus
``description``, ``licence``, ``citation``, ``source`` and ``files`` (what was read). With
``path=None`` a loader reads the copy bundled inside the package (``data/``, each file checked
against the SHA-256 in ``data/manifest.json`` as it is read); given a path it reads the full
public files instead, validating their shape and columns. Nothing is ever downloaded, and
nothing is written.

==========================  =============================================================
``load_cmapss``             NASA C-MAPSS engines (FD001 bundled; FD002-FD004 by path)
``load_creditcard``         card fraud (10,000-row sample bundled; the full file by path)
``load_online_retail``      UCI Online Retail customer-product pairs (bundled)
``load_movielens_100k``     MovieLens 100K (never bundled: its licence; path required)
``load_medmnist``           MedMNIST images (BreastMNIST bundled; others by path)
``load_adult``              UCI Adult census income (bundled)
``load_german_credit``      UCI Statlog German Credit, decoded (bundled)
``dataset_info``            what is bundled, its size, licence and source
``verify_checksums``        every bundled file against the manifest
==========================  =============================================================
"""

from glassml.datasets._adult import load_adult
from glassml.datasets._cmapss import load_cmapss
from glassml.datasets._creditcard import load_creditcard
from glassml.datasets._files import verify_checksums
from glassml.datasets._german_credit import load_german_credit
from glassml.datasets._medmnist import load_medmnist
from glassml.datasets._movielens import load_movielens_100k
from glassml.datasets._online_retail import load_online_retail
from glassml.datasets._registry import dataset_info

__all__ = [
    "dataset_info",
    "load_adult",
    "load_cmapss",
    "load_creditcard",
    "load_german_credit",
    "load_medmnist",
    "load_movielens_100k",
    "load_online_retail",
    "verify_checksums",
]
