"""Writing files so that nothing is left half-written: a temporary name, then an atomic rename.

The temporary file is created the way ``open(path, "w")`` creates a file, with mode 0666
filtered by the user's umask (0644 under the usual umask 022), so figures and saved models are
readable by whoever may read the user's other files; ``tempfile.mkstemp`` would make them
0600. A file that already exists keeps its permission bits, as it would when overwritten in
place.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _create_temporary(target: Path) -> tuple[int, Path]:
    """An exclusive new file beside ``target``, with the mode a normal new file gets."""
    for _ in range(100):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 & ~umask, applied by the kernel: no umask juggling, no race with threads.
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {target}")


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it onto ``path``.

    Missing parent folders are created. If the block raises, the temporary file is removed and
    ``path`` is left as it was. ``mode`` is a writing mode of ``open`` (``"w"`` with its
    keyword arguments, ``"wb"``).
    """
    if not (isinstance(mode, str) and mode.startswith("w")):
        raise ValueError(f"mode: expected a writing mode such as 'w' or 'wb', got {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _create_temporary(target)
    try:
        with open(handle, mode, **kwargs) as stream:
            yield stream
        try:
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        except FileNotFoundError:
            pass  # a new file: the mode open gave it stands
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
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
