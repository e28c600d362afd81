"""The learner's workspace: a folder with the lesson notebooks and the progress database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from glassml._io import atomic_write

MARKER = ".glassml-learn"
ENVIRONMENT = "GLASSML_LEARN_WORKSPACE"


def database_path(workspace: Path) -> Path:
    return Path(workspace) / MARKER / "progress.sqlite"


def find_workspace(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The workspace containing ``start`` (default: ``$GLASSML_LEARN_WORKSPACE`` or the
    current folder), found by walking up to a folder that holds ``.glassml-learn/``."""
    if start is None and os.environ.get(ENVIRONMENT):
        start = os.environ[ENVIRONMENT]
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_dir():
            return folder
    return None


def _folder(directory: Any, argument: str = "directory") -> Path:
    if not isinstance(directory, str | os.PathLike):
        raise TypeError(f"{argument}: expected a folder path, got {directory!r}")
    return Path(directory).expanduser()


def require_workspace(directory: str | os.PathLike[str] | None) -> Path:
    """The workspace at or above ``directory``, or a ``FileNotFoundError`` saying what to do."""
    if directory is not None:
        directory = _folder(directory)
    found = find_workspace(directory)
    if found is None:
        where = Path(directory if directory is not None else Path.cwd()).resolve()
        raise FileNotFoundError(
            f"directory: expected a course workspace at or above {where} (--dir), found none; "
            "create one with `glassml learn start --dir FOLDER`"
        )
    return found


_README = """# Your glassml course workspace

Lessons are in `lessons/<topic>/`, one Jupyter notebook each. Open one
(`jupyter lab lessons`), read it, run its cells, and write the functions the
exercise cells ask for; `check(...)` grades each one at once and records the
attempt here, in `.glassml-learn/progress.sqlite`.

From a terminal:

    glassml learn status                 # progress per certificate track
    glassml learn check my_solutions.py  # grade the functions defined in a file
    glassml learn serve                  # the lessons and your progress in a browser
    glassml learn certificate TRACK --name "Your Name"

Re-running `glassml learn start` adds lessons that are new and never
overwrites a notebook you have worked in.
"""


def start_workspace(directory: str | os.PathLike[str]) -> tuple[Path, list[Path]]:
    """Create (or complete) a workspace; return it and the notebooks written.

    Existing notebooks are never overwritten: the learner's work in them is kept.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from glassml.learn import start_workspace
    >>> folder = tempfile.TemporaryDirectory()
    >>> workspace, notebooks = start_workspace(Path(folder.name) / "course")
    >>> notebooks[0].relative_to(workspace).as_posix()
    'lessons/linear-algebra/01-vectors-and-matrices.ipynb'
    >>> (workspace / ".glassml-learn" / "progress.sqlite").is_file()
    True
    >>> start_workspace(workspace)[1]  # started again: no notebook is overwritten
    []
    >>> folder.cleanup()
    """
    from glassml.learn._lessons import all_lessons
    from glassml.learn._progress import Progress

    workspace = _folder(directory).resolve()
    if workspace.exists() and not workspace.is_dir():
        raise ValueError(f"directory: expected a folder, got the file {workspace}")
    (workspace / MARKER).mkdir(parents=True, exist_ok=True)
    Progress(database_path(workspace))
    written = []
    for lesson in all_lessons():
        target = workspace / "lessons" / lesson.topic / f"{lesson.stem}.ipynb"
        if target.exists():
            continue
        lesson.write_notebook(target)
        written.append(target)
    readme = workspace / "README.md"
    if not readme.exists():
        with atomic_write(readme) as stream:
            stream.write(_README)
    return workspace, written
