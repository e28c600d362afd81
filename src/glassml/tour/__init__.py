"""``glassml tour``: a guided run through the library, one section per topic.

Each section is a module ``s<NN>_<topic>.py`` in this package exposing ``TITLE`` (str) and
``run(console, out_dir) -> None``; sections run in the order of their number. A new topic adds
a module here and touches nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


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
