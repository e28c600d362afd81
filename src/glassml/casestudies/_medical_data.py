"""The medical study's data: loading a binary MedMNIST collection and checking its quality.

BreastMNIST is bundled (label 0 = malignant, 1 = normal or benign); ``--data`` may name any
binary 2-D MedMNIST ``.npz`` (PneumoniaMNIST: 0 = normal, 1 = pneumonia). The study's CNN is
built for 28x28 images: other sizes are refused with a named error unless the ``resize``
option is set, in which case they are resampled (anti-aliased, scikit-image).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glassml.datasets import load_medmnist
from glassml.datasets._medmnist import NAMES

SIDE = 28
SPLITS = ("train", "val", "test")
SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}
# collection -> (label of the class to detect, its name, the other class's name)
KNOWN = {
    "breastmnist": (0, "malignant", "normal or benign"),
    "pneumoniamnist": (1, "pneumonia", "normal"),
}


@dataclass
class MedicalData:
    name: str
    images: dict[str, np.ndarray]  # split -> (n, C, 28, 28) float32 in [0, 1]
    labels: dict[str, np.ndarray]  # split -> (n,) int 0/1
    positive: int  # the label of the class to detect
    positive_name: str
    negative_name: str
    original_side: tuple[int, int]
    resized: bool
    files: list[str]

    def is_positive(self, split: str) -> np.ndarray:
        return (self.labels[split] == self.positive).astype(int)


def collection_name(path: Path) -> str | None:
    """``pneumoniamnist_64.npz`` -> ``pneumoniamnist``; None for a name MedMNIST does not use."""
    match = re.match(r"([a-z]+mnist)", path.name.lower())
    return match.group(1) if match and match.group(1) in NAMES else None


def load(path: Path | None, resize: str) -> MedicalData:
    """Validated images and labels; named ``ValueError`` for what the study cannot use."""
    if resize not in ("no", "yes"):
        raise ValueError(f"resize: expected 'no' or 'yes', got {resize!r}")
    name = "breastmnist" if path is None else collection_name(Path(path))
    # A file is read whatever the name; a folder must hold <name>.npz.
    bunch = load_medmnist(name or "breastmnist", path=path)
    images = {split: bunch[f"{split}_images"] for split in SPLITS}
    labels = {split: bunch[f"{split}_labels"] for split in SPLITS}
    for split in SPLITS:
        values = np.unique(labels[split])
        if labels[split].ndim != 1 or not set(values.tolist()) <= {0, 1}:
            raise ValueError(
                f"data: expected a binary MedMNIST collection (labels 0 and 1, as BreastMNIST "
                f"and PneumoniaMNIST), got {split}_labels with values {values.tolist()[:10]}"
            )
        if len(values) < 2:
            raise ValueError(
                f"data: expected both classes in {split}_labels, got only label {values[0]}"
            )
    side = tuple(images["train"].shape[2:])
    resized = side != (SIDE, SIDE)
    if resized:
        if resize != "yes":
            raise ValueError(
                f"data: expected {SIDE}x{SIDE} images (the size this study's network is built "
                f"for), got {side[0]}x{side[1]}; set resize=yes to resample them"
            )
        from skimage.transform import resize as resample

        images = {
            split: resample(
                x, (*x.shape[:2], SIDE, SIDE), order=1, anti_aliasing=True, preserve_range=True
            ).astype(np.float32)
            for split, x in images.items()
        }
    positive, positive_name, negative_name = KNOWN.get(name, (1, "class 1", "class 0"))
    return MedicalData(
        name=name or Path(path).stem,
        images=images,
        labels=labels,
        positive=positive,
        positive_name=positive_name,
        negative_name=negative_name,
        original_side=side,
        resized=resized,
        files=[str(f) for f in bunch.files],
    )


def class_balance(data: MedicalData) -> list[dict]:
    rows = []
    for split in SPLITS:
        y = data.is_positive(split)
        rows.append(
            {
                "split": SPLIT_NAMES[split],
                "images": len(y),
                data.positive_name: int(y.sum()),
                data.negative_name: int(len(y) - y.sum()),
                f"share {data.positive_name}": float(y.mean()),
            }
        )
    return rows


def _keys(images: np.ndarray) -> list[bytes]:
    """One exact key per image: its grey levels as stored (uint8)."""
    levels = np.rint(images * 255.0).astype(np.uint8)
    return [row.tobytes() for row in levels.reshape(len(levels), -1)]


def duplicates(data: MedicalData) -> tuple[list[dict], int]:
    """Exact duplicate images within and across splits, and duplicates with conflicting labels."""
    keys = {split: _keys(data.images[split]) for split in SPLITS}
    rows = []
    for split in SPLITS:
        rows.append(
            {
                "where": f"within {SPLIT_NAMES[split]}",
                "duplicate images": len(keys[split]) - len(set(keys[split])),
            }
        )
    for first, second in (("train", "val"), ("train", "test"), ("val", "test")):
        seen = set(keys[first])
        rows.append(
            {
                "where": f"{SPLIT_NAMES[second]} images also in {SPLIT_NAMES[first]}",
                "duplicate images": sum(key in seen for key in keys[second]),
            }
        )
    label_of: dict[bytes, set[int]] = {}
    for split in SPLITS:
        for key, label in zip(keys[split], data.labels[split], strict=True):
            label_of.setdefault(key, set()).add(int(label))
    conflicts = sum(len(labels) > 1 for labels in label_of.values())
    return rows, conflicts


def pixel_statistics(data: MedicalData) -> list[dict]:
    rows = []
    for split in SPLITS:
        x = data.images[split]
        y = data.is_positive(split)
        per_image = x.reshape(len(x), -1).mean(axis=1)
        rows.append(
            {
                "split": SPLIT_NAMES[split],
                "mean": float(x.mean()),
                "std": float(x.std()),
                "1st percentile": float(np.percentile(x, 1)),
                "99th percentile": float(np.percentile(x, 99)),
                "share black (0)": float(np.mean(x == 0)),
                f"mean brightness, {data.positive_name}": float(per_image[y == 1].mean()),
                f"mean brightness, {data.negative_name}": float(per_image[y == 0].mean()),
            }
        )
    return rows
