"""``glassml tour``: a guided run through the library, one section per topic.

Each section is a module ``s<NN>_<topic>.py`` in this package exposing ``TITLE`` (str) and
``run(console, out_dir) -> None``; sections run in the order of their number. A new topic adds
a module here and touches nothing else. A section that trains a network passes
``rich_progress(console)`` as the training's progress callback: the models report progress,
the terminal (here) draws it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    module: ModuleType


def sections() -> list[Section]:
    found = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("s") and info.name[1:3].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(Section(key=info.name[4:], title=module.TITLE, module=module))
    return sorted(found, key=lambda section: section.module.__name__)


def rich_progress(console: Any) -> Callable[[Any], None]:
    """A training-progress callback (``glassml.nn.TrainingProgress`` events) for ``console``.

    On a terminal: a transient rich bar per epoch (samples done, running loss and metric,
    throughput), then the epoch's line. Off a terminal (a file, a pipe, a test's recording
    console): only the plain line per epoch, without control codes.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    current: dict[str, Any] = {}

    def report(event: Any) -> None:
        if console.is_terminal:
            if "bar" not in current:
                bar = Progress(
                    TextColumn(f"epoch {event.epoch + 1}/{event.epochs}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[shown]}"),
                    console=console,
                    transient=True,
                )
                bar.start()
                current.update(bar=bar, task=bar.add_task("", total=event.total, shown=""))
            shown = "  ".join(
                f"{key} {value:,.0f}" if key == "samples_per_s" else f"{key} {value:.4f}"
                for key, value in event.logs.items()
            )
            current["bar"].update(current["task"], completed=event.done, shown=shown)
            if event.end_of_epoch:
                current.pop("bar").stop()
        if event.end_of_epoch:
            console.print(str(event), highlight=False, markup=False)

    return report
