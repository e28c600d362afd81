"""Writing files so that nothing is left half-written: a temporary name, then an atomic rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it onto ``path``.

    If the block raises, the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        with open(temporary, mode, **kwargs) as stream:
            yield stream
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_figure(
    figure: Any, stem: str | os.PathLike[str], formats: tuple[str, ...] = ("svg", "png")
) -> list[Path]:
    """Save a matplotlib figure as ``stem.svg`` and ``stem.png`` (atomically); return the paths."""
    written = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        with atomic_write(path, "wb") as stream:
            figure.savefig(
                stream, format=fmt, dpi=150 if fmt == "png" else None, bbox_inches="tight"
            )
        written.append(path)
    return written
