"""The real datasets the tree and ensemble tests use (read from ``../shared/data``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

CMAPSS_COLUMNS = ["unit", "cycle", "setting1", "setting2", "setting3"] + [
    f"sensor{i}" for i in range(1, 22)
]
# Sensors 1, 5, 6, 10, 16, 18 and 19 are constant in FD001 (one operating condition).
CMAPSS_SENSORS = [f"sensor{i}" for i in (2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21)]


def creditcard(shared_data) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000-transaction credit-card sample (all 492 frauds): X (Time, V1..V28, Amount)
    and y (1 = fraud)."""
    frame = pd.read_csv(shared_data / "creditcard" / "creditcard_10k_allfraud.csv.gz")
    return frame.drop(columns=["Class"]).to_numpy(), frame["Class"].to_numpy()


def cmapss(shared_data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C-MAPSS FD001 training engines: X (the 14 informative sensors), y (remaining
    useful life in cycles, an integer) and each row's engine."""
    frame = pd.read_csv(
        shared_data / "cmapss" / "train_FD001.txt", sep=r"\s+", header=None, names=CMAPSS_COLUMNS
    )
    rul = frame.groupby("unit")["cycle"].transform("max") - frame["cycle"]
    X = frame[CMAPSS_SENSORS].to_numpy()
    return X, rul.to_numpy().astype(np.float64), frame["unit"].to_numpy()
