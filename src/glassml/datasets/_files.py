"""Where a dataset's files come from, and reading them with errors that name the file.

A loader asks for its files by their public names (``train_FD001.txt``, ``u.data``). They come
from one of three places:

* the bundle inside the package (``path=None``): each file's SHA-256 is checked against
  ``data/manifest.json`` as it is read, so a damaged install is refused, never half-read;
* a folder the user names: the file itself or its ``.gz`` / ``.xz`` / ``.bz2`` copy;
* a ``.zip`` archive the user names (NASA's ``CMAPSSData.zip``, GroupLens' ``ml-100k.zip``):
  the member with that base name, wherever it sits in the archive.

Compression is recognised from the first bytes, not from the file name. Every failure is a
``FileNotFoundError`` (nothing there) or a ``ValueError`` (something there, but not what was
expected) in the library's one message shape, ``path: expected <what>, got <what was found>``,
and it names the file.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

PathLike = str | os.PathLike[str]

_MAGIC = (
    (b"\x1f\x8b", lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    (b"\xfd7zXZ\x00", lambda raw: lzma.LZMAFile(raw, mode="rb")),
    (b"BZh", lambda raw: bz2.BZ2File(raw, mode="rb")),
)
_COMPRESSED_SUFFIXES = ("", ".gz", ".xz", ".bz2")
_ZIP_MAGIC = b"PK\x03\x04"
# What a damaged or foreign file raises while it is decompressed or parsed.
_READ_ERRORS = (
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    UnicodeDecodeError,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    ValueError,
    TypeError,
    OverflowError,
)


def bad_file(shown: str, expected: str, found: str, argument: str = "path") -> ValueError:
    """The house error for a file that is there but is not what a loader expected."""
    return ValueError(f"{argument}: expected {expected}, got {found} in {shown}")


def _absent(argument: str, expected: str, shown: str) -> FileNotFoundError:
    return FileNotFoundError(f"{argument}: expected {expected}, got {shown} (not found)")


def check_path(path: Any, argument: str = "path") -> Path:
    """``path`` as an existing :class:`~pathlib.Path` (``~`` expanded), or a named error."""
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"{argument}: expected a file or folder path (str or os.PathLike), "
            f"got {type(path).__name__} {path!r:.60}"
        )
    if str(path) == "":
        raise ValueError(f"{argument}: expected a file or folder path, got an empty string")
    resolved = Path(path).expanduser()
    if not resolved.exists():
        raise _absent(argument, "an existing file or folder", repr(str(resolved)))
    return resolved


# ----------------------------------------------------------------------------- the bundle


def _data_root() -> Any:
    return resources.files("glassml.datasets").joinpath("data")


@cache
def manifest() -> dict[str, dict[str, Any]]:
    """The bundle's manifest: relative file name -> ``{"bytes", "sha256", "original"?}``."""
    return json.loads(_data_root().joinpath("manifest.json").read_text(encoding="utf-8"))["files"]


def bundled_bytes(relative: str) -> bytes:
    """A bundled file's bytes, checked against the manifest (``ValueError`` if damaged)."""
    entry = manifest()[relative]
    where = f"the bundled file {relative!r}"
    try:
        data = _data_root().joinpath(*relative.split("/")).read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{where} is missing from the installed package; reinstall glassml"
        ) from None
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ValueError(
            f"{where}: expected SHA-256 {entry['sha256']}, got {hashlib.sha256(data).hexdigest()} "
            "(the installed copy is damaged; reinstall glassml)"
        )
    return data


def bundled_location(relative: str) -> str:
    """Where a bundled file lives, for a bunch's ``files`` field."""
    return str(_data_root().joinpath(*relative.split("/")))


# ----------------------------------------------------------------------------- members


@dataclass(frozen=True)
class Member:
    """One file of a dataset: where it is and how to open its raw bytes."""

    location: str
    _open: Callable[[], IO[bytes]]
    bundled: bool = False

    @property
    def shown(self) -> str:
        """The file as error messages name it."""
        return f"the bundled file {self.location!r}" if self.bundled else repr(self.location)

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The decompressed byte stream (gzip, xz and bzip2 recognised by their magic bytes)."""
        raw = self._open()
        stream: IO[bytes] = raw
        try:
            head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
            if not head:
                head = raw.read(8)
                raw.seek(0)
            for magic, opener in _MAGIC:
                if head.startswith(magic):
                    stream = opener(raw)
                    break
            yield stream
        finally:
            if stream is not raw:
                stream.close()
            raw.close()

    def read_bytes(self) -> bytes:
        with self.open() as stream:
            return stream.read()


def _file_member(path: Path) -> Member:
    return Member(str(path), lambda: open(path, "rb"))  # closed by Member.open


def _bundled_member(relative: str) -> Member:
    data = bundled_bytes(relative)
    return Member(relative, lambda: io.BufferedReader(io.BytesIO(data)), bundled=True)


@contextmanager
def reading(member: Member, what: str) -> Iterator[None]:
    """Turn any decoding or parsing failure inside the block into a ``ValueError`` naming it."""
    try:
        yield
    except FileNotFoundError:
        raise
    except _READ_ERRORS as error:
        if isinstance(error, ValueError) and str(error).startswith("path:"):
            raise
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise bad_file(
            member.shown, what, f"{type(error).__name__}" + (f" ({detail})" if detail else "")
        ) from error


class Source:
    """The place a dataset's files are read from (bundle, folder or zip archive)."""

    def __init__(self, path: Any, bundle: str | None, argument: str = "path") -> None:
        self.argument = argument
        self.bundle = bundle
        self.path = None if path is None else check_path(path, argument)
        # Member names of a zip archive by base name; None when the path is not an archive.
        self._zip: dict[str, str] | None = None
        if self.path is not None and self.path.is_file() and _is_zip(self.path):
            try:
                with zipfile.ZipFile(self.path) as archive:
                    names = [info.filename for info in archive.infolist() if not info.is_dir()]
            except (zipfile.BadZipFile, OSError) as error:
                raise bad_file(
                    repr(str(self.path)), "a readable zip archive", type(error).__name__
                ) from error
            # A NumPy .npz is a zip of .npy arrays: one data file, not an archive of files.
            if not (names and all(name.endswith(".npy") for name in names)):
                self._zip = {}
                for name in names:
                    self._zip.setdefault(name.rsplit("/", 1)[-1], name)

    @property
    def bundled(self) -> bool:
        return self.path is None

    def is_folder(self) -> bool:
        return self.path is not None and (self.path.is_dir() or self._zip is not None)

    def member(self, name: str, alternatives: Sequence[str] = ()) -> Member:
        """The file ``name`` (or one of ``alternatives``), compressed copies included."""
        names = (name, *alternatives)
        if self.path is None:
            for candidate in names:
                for suffix in _COMPRESSED_SUFFIXES:
                    relative = f"{self.bundle}/{candidate}{suffix}"
                    if relative in manifest():
                        return _bundled_member(relative)
            raise KeyError(f"{name} is not bundled")  # a loader bug, never the user's
        if self._zip is not None:
            return self._zip_member(names)
        if self.path.is_file():
            return _file_member(self.path)
        for candidate in names:
            for suffix in _COMPRESSED_SUFFIXES:
                found = self.path / f"{candidate}{suffix}"
                if found.is_file():
                    return _file_member(found)
        raise FileNotFoundError(
            f"{self.argument}: expected a folder holding {_listing(names)} (or a .gz/.xz/.bz2 "
            f"copy), got {str(self.path)!r} without it"
        )

    def _zip_member(self, names: Sequence[str]) -> Member:
        assert self._zip is not None and self.path is not None
        archive = self.path
        for candidate in names:
            for suffix in _COMPRESSED_SUFFIXES:
                inner = self._zip.get(f"{candidate}{suffix}")
                if inner is not None:
                    location = f"{archive}:{inner}"
                    return Member(location, lambda inner=inner: _zip_open(archive, inner))
        raise FileNotFoundError(
            f"{self.argument}: expected a zip archive holding {_listing(names)}, got "
            f"{str(self.path)!r} without it"
        )

    def single(self, name: str, alternatives: Sequence[str] = ()) -> Member:
        """A one-file dataset: the file itself, or that file inside a folder or an archive."""
        if self.path is not None and self.path.is_file() and self._zip is None:
            return _file_member(self.path)
        return self.member(name, alternatives)

    def require_folder(self, what: str) -> None:
        """Refuse a plain file where a folder (or archive) of several files is needed."""
        if self.path is not None and not self.is_folder():
            raise ValueError(
                f"{self.argument}: expected {what} (a folder or a .zip archive), "
                f"got the file {str(self.path)!r}"
            )


def _zip_open(archive: Path, inner: str) -> IO[bytes]:
    # The member stream keeps the archive's file open until it is closed itself.
    with zipfile.ZipFile(archive) as opened:
        return opened.open(inner)


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(4) == _ZIP_MAGIC


def _listing(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else " or ".join(names)


# ----------------------------------------------------------------------------- reading


def read_csv(member: Member, what: str, **options: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of a member; a damaged or foreign file is a ``ValueError`` naming it."""
    with reading(member, what), member.open() as stream:
        return pd.read_csv(stream, **options)


def read_bytes(member: Member, what: str) -> bytes:
    """A member's decompressed bytes; a damaged file is a ``ValueError`` naming it."""
    with reading(member, what):
        return member.read_bytes()


def require_columns(frame: pd.DataFrame, expected: Sequence[str], member: Member, what: str):
    """Every expected column present; ``what`` names them for the message."""
    missing = [column for column in expected if column not in frame.columns]
    if missing:
        found = [str(column) for column in frame.columns]
        shown_found = ", ".join(found[:6]) + (", ..." if len(found) > 6 else "")
        hint = ""
        if len(found) == 1 and any(mark in found[0] for mark in ";\t|"):
            hint = "; is the file separated by something other than commas?"
        raise bad_file(
            member.shown,
            what,
            f"no column {', '.join(map(str, missing[:4]))}"
            + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
            + f" (columns found: {shown_found}{hint})",
        )


def require_field_count(frame: pd.DataFrame, count: int, member: Member, what: str) -> None:
    """A headerless table with exactly ``count`` fields per line."""
    if frame.shape[1] != count:
        found = frame.shape[1]
        raise bad_file(
            member.shown,
            f"{what} with {count} fields per line",
            f"{found} field{'' if found == 1 else 's'}",
        )
    if frame.shape[0] == 0:
        raise bad_file(member.shown, what, "no rows")


def require_integers(frame: pd.DataFrame, columns: Sequence[str], member: Member, what: str):
    """Columns of whole numbers without gaps, as int64."""
    for column in columns:
        values = frame[column]
        if values.isna().any() or not pd.api.types.is_numeric_dtype(values):
            raise bad_file(member.shown, f"{what}: whole numbers in {column!r}", _example(values))
        if not pd.api.types.is_integer_dtype(values):
            if not (values == values.round()).all():
                raise bad_file(
                    member.shown, f"{what}: whole numbers in {column!r}", _example(values)
                )
        frame[column] = values.astype("int64")


def require_finite(frame: pd.DataFrame, columns: Sequence[str], member: Member, what: str):
    """Numeric columns without missing or infinite values."""
    block = frame[list(columns)]
    numeric = block.apply(pd.api.types.is_numeric_dtype)
    if not numeric.all():
        column = numeric.index[~numeric.to_numpy()][0]
        raise bad_file(member.shown, f"{what}: numbers in {column!r}", _example(frame[column]))
    bad = ~np.isfinite(block.to_numpy(dtype=np.float64, copy=False))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise bad_file(
            member.shown,
            f"{what}: finite numbers in every field",
            f"{block.iat[row, col]} in {columns[col]!r} on data row {row + 1}",
        )


def _example(values: pd.Series) -> str:
    if values.isna().any():
        return f"a missing value on data row {int(np.flatnonzero(values.isna())[0]) + 1}"
    numeric = pd.to_numeric(values, errors="coerce")
    odd = values[numeric.isna() | (numeric != numeric.round())]
    shown = odd.iloc[0] if len(odd) else values.iloc[0]
    return repr(shown.item() if isinstance(shown, np.generic) else shown)


# ----------------------------------------------------------------------------- verification


def verify_checksums() -> pd.DataFrame:
    """Check every bundled file against the manifest's size and SHA-256.

    Returns
    -------
    pandas.DataFrame
        One row per file (those in the manifest, and any file in the data folder that is
        not): ``file``, ``bytes`` (found), ``expected_sha256``, ``sha256`` (found), ``ok``.
        ``glassml datasets verify`` prints it and exits with 1 unless every row is ok.

    Examples
    --------
    >>> from glassml.datasets import verify_checksums
    >>> bool(verify_checksums()["ok"].all())
    True
    """
    root = _data_root()
    rows = []
    for name, entry in manifest().items():
        try:
            data = root.joinpath(*name.split("/")).read_bytes()
        except FileNotFoundError:
            data = None
        digest = None if data is None else hashlib.sha256(data).hexdigest()
        rows.append(
            {
                "file": name,
                "bytes": None if data is None else len(data),
                "expected_sha256": entry["sha256"],
                "sha256": digest,
                "ok": digest == entry["sha256"] and len(data) == entry["bytes"],
            }
        )
    for name in sorted(set(_walk(root)) - set(manifest()) - {"manifest.json"}):
        data = root.joinpath(*name.split("/")).read_bytes()
        rows.append(
            {
                "file": name,
                "bytes": len(data),
                "expected_sha256": None,
                "sha256": hashlib.sha256(data).hexdigest(),
                "ok": False,
            }
        )
    return pd.DataFrame(rows, columns=["file", "bytes", "expected_sha256", "sha256", "ok"])


def _walk(folder: Any, prefix: str = "") -> Iterator[str]:
    for child in folder.iterdir():
        if child.is_dir():
            yield from _walk(child, f"{prefix}{child.name}/")
        else:
            yield f"{prefix}{child.name}"
