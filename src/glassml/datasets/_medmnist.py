"""MedMNIST v2: small standardised biomedical images (Yang et al., 2023)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from glassml._validation import check_option
from glassml.datasets._files import Member, PathLike, Source, bad_file, read_bytes, reading
from glassml.datasets._registry import MEDMNIST, make_bunch

# The 2-D collections of MedMNIST v2 (the 3-D ones hold volumes, not images).
NAMES = (
    "pathmnist",
    "chestmnist",
    "dermamnist",
    "octmnist",
    "pneumoniamnist",
    "retinamnist",
    "breastmnist",
    "bloodmnist",
    "tissuemnist",
    "organamnist",
    "organcmnist",
    "organsmnist",
)
SPLITS = ("train", "val", "test")
LABEL_NAMES = {"breastmnist": {0: "malignant", 1: "normal, benign"}}


def load_medmnist(name: str = "breastmnist", path: PathLike | None = None) -> Bunch:
    """A MedMNIST collection's train / validation / test images and labels.

    Parameters
    ----------
    name : str
        The collection (``"breastmnist"``, ``"pathmnist"``, ...; the 2-D ones of MedMNIST v2).
        BreastMNIST is bundled; the others need ``path``.
    path : str or os.PathLike, optional
        A MedMNIST ``.npz`` file (any image size: 28, 64, 128 or 224), or a folder or zip
        archive holding ``<name>.npz``. Default: the bundled ``breastmnist.npz``.

    Returns
    -------
    sklearn.utils.Bunch
        ``train_images``, ``val_images``, ``test_images``: float32 arrays (N, C, H, W) in
        [0, 1] (the stored uint8 grey levels / 255; C = 1 for grey-level, 3 for colour sets).
        ``train_labels``, ``val_labels``, ``test_labels``: int64 arrays (N,) (or (N, k) for
        the multi-label ChestMNIST); labels stored as (N, 1), as in the official files, or as
        (N,) are both accepted. ``label_names`` (a dict where known), ``description``,
        ``licence``, ``citation``, ``source``, ``files``.

    Examples
    --------
    >>> from glassml.datasets import load_medmnist
    >>> breast = load_medmnist()
    >>> breast.train_images.shape, breast.train_labels.shape, breast.test_images.dtype
    ((546, 1, 28, 28), (546,), dtype('float32'))
    """
    name = check_option(name, "name", NAMES)
    if path is None and name != "breastmnist":
        raise ValueError(
            f"name: expected 'breastmnist' without a path (only BreastMNIST is bundled), got "
            f"{name!r}; give path= its .npz file"
        )
    source = Source(path, MEDMNIST.bundle)
    member = source.single(f"{name}.npz")
    arrays = _read_npz(member)
    fields: dict[str, Any] = {}
    for split in SPLITS:
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        fields[f"{split}_images"] = _images(images, member, split)
        fields[f"{split}_labels"] = _labels(labels, len(images), member, split)
    shapes = {fields[f"{split}_images"].shape[1:] for split in SPLITS}
    if len(shapes) > 1:
        raise bad_file(member.shown, "a MedMNIST npz with one image shape", f"shapes {shapes}")
    return make_bunch(
        MEDMNIST,
        [member],
        **fields,
        label_names=LABEL_NAMES.get(name, {}),
        name=name,
    )


def _read_npz(member: Member) -> dict[str, np.ndarray]:
    what = "a MedMNIST .npz archive"
    data = read_bytes(member, what)
    if not data.startswith(b"PK"):
        raise bad_file(member.shown, what, "a file that is not a zip (.npz) archive")
    keys = [f"{split}_{kind}" for split in SPLITS for kind in ("images", "labels")]
    with reading(member, what):
        # Never unpickle: a MedMNIST archive holds plain arrays only.
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise bad_file(
                    member.shown,
                    f"{what} with the arrays {', '.join(keys)}",
                    f"no {', '.join(missing)} (arrays found: {', '.join(archive.files) or 'none'})",
                )
            return {key: archive[key] for key in keys}


def _images(images: np.ndarray, member: Member, split: str) -> np.ndarray:
    key = f"{split}_images"
    expected = f"{key} of uint8 grey levels shaped (N, H, W) or (N, H, W, 3)"
    if images.dtype != np.uint8:
        raise bad_file(member.shown, expected, f"dtype {images.dtype}")
    if images.ndim == 3:
        images = images[:, None, :, :]
    elif images.ndim == 4 and images.shape[-1] in (1, 3):
        images = np.moveaxis(images, -1, 1)
    else:
        raise bad_file(member.shown, expected, f"shape {images.shape}")
    if images.shape[0] == 0:
        raise bad_file(member.shown, expected, "no images")
    return (images.astype(np.float32) / np.float32(255.0)).copy(order="C")


def _labels(labels: np.ndarray, n_images: int, member: Member, split: str) -> np.ndarray:
    key = f"{split}_labels"
    expected = f"{key}: {n_images} non-negative integer labels shaped (N,) or (N, k)"
    if labels.dtype.kind not in "iu" or labels.ndim not in (1, 2) or len(labels) != n_images:
        raise bad_file(member.shown, expected, f"shape {labels.shape} and dtype {labels.dtype}")
    if (labels < 0).any():
        raise bad_file(member.shown, expected, "a negative label")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]  # the official files store one label per image as (N, 1)
    return labels.astype(np.int64)
