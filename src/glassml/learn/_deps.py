"""The course's optional dependencies, imported on first use with a message that says what to do.

``hypothesis`` (generated inputs with shrinking), ``nbformat`` (writing the lesson notebooks)
and ``nbclient``/``ipykernel`` (running a learner's notebook) come with the ``learn`` extra:
``pip install "glassml[learn]"``. The rest of glassml never needs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRA_HINT = 'install the course\'s extra: pip install "glassml[learn]"'


class MissingDependency(ImportError):
    """A package of the ``learn`` extra is not installed."""


def require(module: str, purpose: str) -> ModuleType:
    """``import module`` or raise :class:`MissingDependency` saying why it is needed."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        package = module.split(".")[0]
        raise MissingDependency(
            f"glassml.learn: {purpose} needs the package {package!r}, which is not installed; "
            f"{EXTRA_HINT}"
        ) from error
