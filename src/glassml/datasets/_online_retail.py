"""UCI Online Retail as implicit feedback: one row per (customer, product) (Chen, 2015)."""

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
    require_columns,
    require_finite,
    require_integers,
)
from glassml.datasets._registry import ONLINE_RETAIL, make_bunch

INTERACTIONS = "online_retail_interactions.csv"
ITEMS = "online_retail_items.csv"
INTERACTION_COLUMNS = [
    "user_id",
    "item_id",
    "n_orders",
    "quantity",
    "first_ts",
    "last_ts",
    "returned",
]
ITEM_COLUMNS = ["item_id", "description", "median_unit_price_gbp", "n_customers"]
INVOICE_COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
]
_WHAT_PAIRS = f"an Online Retail interactions CSV with the columns {', '.join(INTERACTION_COLUMNS)}"
_WHAT_ITEMS = f"an Online Retail items CSV with the columns {', '.join(ITEM_COLUMNS)}"
_WHAT_RAW = f"the UCI Online Retail invoice table (CSV with {', '.join(INVOICE_COLUMNS)})"
# Real products only: the other stock codes are postage, fees, discounts and adjustments.
_PRODUCT_CODE = r"^[0-9]{5}"


def load_online_retail(path: PathLike | None = None) -> Bunch:
    """A UK gift shop's purchases, 2010-12-01 to 2011-12-09, as customer-product pairs.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A folder or zip archive holding ``online_retail_interactions.csv`` and
        ``online_retail_items.csv`` (or gzipped copies), or the raw UCI invoice table as a CSV
        file (plain or compressed; columns InvoiceNo, StockCode, Description, Quantity,
        InvoiceDate, UnitPrice, CustomerID), from which the two tables are derived by the
        rules below. Default: the bundled tables (already complete: 266,221 pairs).

    Returns
    -------
    sklearn.utils.Bunch
        ``interactions``: DataFrame user_id (int64), item_id (str, e.g. "85123A"), n_orders,
        quantity, first_ts, last_ts (unix seconds, UTC), returned (all int64).
        ``items``: DataFrame item_id, description, median_unit_price_gbp, n_customers.
        ``fully_returned``: boolean mask of the pairs whose returned units reach the units
        bought (kept, not dropped); ``n_fully_returned``: its count. ``description``,
        ``licence``, ``citation``, ``source``, ``files``.

    Notes
    -----
    Converted and filtered from the invoice table, in this order: lines without a customer
    are dropped; cancellations and adjustments (invoice numbers starting with C or A) are
    dropped, their units summed per pair into ``returned``; only positive quantities and
    prices are kept; only product stock codes (five digits first, upper-cased) are kept.

    Examples
    --------
    >>> from glassml.datasets import load_online_retail
    >>> retail = load_online_retail()
    >>> len(retail.interactions), retail.interactions["item_id"].dtype == object
    (266221, True)
    """
    source = Source(path, ONLINE_RETAIL.bundle)
    if source.path is not None and not source.is_folder():
        member = source.single(INTERACTIONS)
        interactions, items = _derive(_read_invoices(member))
        members = [member]
    else:
        members = [source.member(INTERACTIONS), source.member(ITEMS)]
        interactions = _read_interactions(members[0])
        items = _read_items(members[1])
    fully_returned = (interactions["returned"] >= interactions["quantity"]).to_numpy()
    return make_bunch(
        ONLINE_RETAIL,
        members,
        interactions=interactions,
        items=items,
        fully_returned=fully_returned,
        n_fully_returned=int(fully_returned.sum()),
    )


def _read_interactions(member: Member) -> pd.DataFrame:
    # Item ids are stock codes such as "85123A": read them as text, never as numbers.
    frame = read_csv(member, _WHAT_PAIRS, dtype={"item_id": str}, keep_default_na=False)
    require_columns(frame, INTERACTION_COLUMNS, member, _WHAT_PAIRS)
    frame = frame[INTERACTION_COLUMNS]
    counts = [column for column in INTERACTION_COLUMNS if column != "item_id"]
    require_finite(frame, counts, member, _WHAT_PAIRS)
    require_integers(frame, counts, member, _WHAT_PAIRS)
    if (frame["item_id"] == "").any() or len(frame) == 0:
        raise bad_file(member.shown, f"{_WHAT_PAIRS} with an item_id on every row", "an empty one")
    return frame


def _read_items(member: Member) -> pd.DataFrame:
    frame = read_csv(member, _WHAT_ITEMS, dtype={"item_id": str, "description": str})
    require_columns(frame, ITEM_COLUMNS, member, _WHAT_ITEMS)
    frame = frame[ITEM_COLUMNS]
    require_finite(frame, ["median_unit_price_gbp", "n_customers"], member, _WHAT_ITEMS)
    require_integers(frame, ["n_customers"], member, _WHAT_ITEMS)
    frame["median_unit_price_gbp"] = frame["median_unit_price_gbp"].astype(np.float64)
    return frame


def _read_invoices(member: Member) -> pd.DataFrame:
    text_columns = {"InvoiceNo": str, "StockCode": str, "Description": str}
    frame = read_csv(member, _WHAT_RAW, dtype=text_columns, keep_default_na=False, na_values=[""])
    if "item_id" in frame.columns and "user_id" in frame.columns:
        raise bad_file(
            member.shown,
            "a folder holding the interactions and items CSVs, or the raw invoice table",
            "the interactions CSV alone",
        )
    require_columns(frame, INVOICE_COLUMNS, member, _WHAT_RAW)
    require_finite(frame, ["Quantity", "UnitPrice"], member, _WHAT_RAW)
    customers = pd.to_numeric(frame["CustomerID"], errors="coerce")
    if (customers.isna() != frame["CustomerID"].isna()).any():
        raise bad_file(member.shown, f"{_WHAT_RAW}: numeric CustomerID", "a non-numeric one")
    frame["CustomerID"] = customers
    try:
        stamps = pd.to_datetime(frame["InvoiceDate"], utc=True, format="mixed")
    except (ValueError, TypeError) as error:
        raise bad_file(member.shown, f"{_WHAT_RAW}: dates in InvoiceDate", str(error)) from None
    frame["ts"] = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return frame


def _derive(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The interactions and items tables from the invoice lines, by the documented rules."""
    lines = raw[raw["CustomerID"].notna()].copy()
    lines["StockCode"] = lines["StockCode"].str.upper()
    lines["user_id"] = lines["CustomerID"].astype(np.int64)
    invoice = lines["InvoiceNo"].str.upper()
    product = lines["StockCode"].str.match(_PRODUCT_CODE)
    # Units on a customer's cancellation lines for a product: reported, not subtracted.
    cancelled = lines[invoice.str.startswith("C") & product]
    returned = (
        cancelled.groupby(["user_id", "StockCode"])["Quantity"]
        .sum()
        .abs()
        .astype(np.int64)
        .rename("returned")
        .rename_axis(["user_id", "item_id"])
    )
    kept = lines[
        ~invoice.str.startswith("C")
        & ~invoice.str.startswith("A")
        & (lines["Quantity"] > 0)
        & (lines["UnitPrice"] > 0)
        & product
    ]
    pairs = kept.groupby(["user_id", "StockCode"], sort=True)
    interactions = pd.DataFrame(
        {
            "n_orders": pairs["InvoiceNo"].nunique(),
            "quantity": pairs["Quantity"].sum().astype(np.int64),
            "first_ts": pairs["ts"].min(),
            "last_ts": pairs["ts"].max(),
        }
    ).rename_axis(["user_id", "item_id"])
    interactions = interactions.join(returned, how="left").reset_index()
    interactions["returned"] = interactions["returned"].fillna(0).astype(np.int64)
    by_item = kept.groupby("StockCode")
    described = kept.dropna(subset=["Description"])
    description = described.groupby("StockCode")["Description"].agg(
        lambda values: values.str.strip().value_counts().index[0]
    )
    items = (
        pd.DataFrame(
            {
                "description": description,
                "median_unit_price_gbp": by_item["UnitPrice"].median().round(2),
                "n_customers": by_item["user_id"].nunique(),
            }
        )
        .rename_axis("item_id")
        .reset_index()
        .sort_values("item_id", ignore_index=True)
    )
    return interactions[INTERACTION_COLUMNS], items[ITEM_COLUMNS]
