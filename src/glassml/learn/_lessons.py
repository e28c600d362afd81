"""Lessons: plain-text sources in jupytext's "percent" format, rendered on demand.

A lesson is ``lessons/<topic>/<NN>-<slug>.py``. Cells start at lines ``# %%`` (code) and
``# %% [markdown]`` (text, each line behind ``# ``); an exercise cell is a code cell whose
header names its exercise, ``# %% exercise="linear-algebra/power-iteration"``. The first
markdown heading is the title. The same source becomes a Jupyter notebook in the learner's
workspace, a page of the local web site (math typeset by the bundled KaTeX), and, in the tests,
a script run top to bottom with the reference solutions filled in.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from glassml._io import atomic_write
from glassml.learn._curriculum import TOPICS

_HEADER = re.compile(r"^# %%(?P<rest>.*)$")
_EXERCISE = re.compile(r'exercise\s*=\s*"(?P<id>[^"]+)"')


@dataclass
class Cell:
    kind: str  # "markdown" | "code"
    source: str
    exercise: str | None = None


@dataclass
class Lesson:
    id: str
    topic: str
    stem: str
    title: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def exercises(self) -> list[str]:
        return [cell.exercise for cell in self.cells if cell.exercise]

    # ----------------------------------------------------------------- renderings

    def notebook(self) -> dict:
        """The lesson as an nbformat-4 notebook (a dict)."""
        cells = []
        for index, cell in enumerate(self.cells):
            lines = cell.source.splitlines(keepends=True)
            entry: dict = {
                "cell_type": cell.kind,
                "id": f"cell-{index}",
                "metadata": {},
                "source": lines,
            }
            if cell.kind == "code":
                entry.update(execution_count=None, outputs=[])
                if cell.exercise:
                    entry["metadata"] = {"tags": ["exercise"], "exercise": cell.exercise}
            cells.append(entry)
        return {
            "cells": cells,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
                "glassml": {"lesson": self.id},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }

    def write_notebook(self, path: str | Path) -> Path:
        """Write the notebook atomically (validated by nbformat when it is installed)."""
        notebook = self.notebook()
        try:
            import nbformat
        except ImportError:
            text = json.dumps(notebook, indent=1, ensure_ascii=False)
        else:
            node = nbformat.from_dict(notebook)
            for cell in node.cells:
                cell.source = "".join(cell.source)
            nbformat.validate(node)
            text = nbformat.writes(node)
        with atomic_write(path, encoding="utf-8") as stream:
            stream.write(text)
        return Path(path)

    def script(self, replacements: dict[str, str] | None = None) -> str:
        """The code cells as one script; ``replacements`` maps an exercise id to the source
        of its cell (the tests put the reference solution there)."""
        parts = []
        for cell in self.cells:
            if cell.kind != "code":
                continue
            if cell.exercise and replacements and cell.exercise in replacements:
                parts.append(replacements[cell.exercise])
            else:
                parts.append(cell.source)
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        """The lesson's cells as HTML (math left as ``\\(..\\)``/``\\[..\\]`` for KaTeX)."""
        out = []
        for cell in self.cells:
            if cell.kind == "markdown":
                out.append(f'<div class="md">{markdown_html(cell.source)}</div>')
            else:
                css = "code exercise" if cell.exercise else "code"
                label = (
                    f'<div class="label">Exercise <code>{html.escape(cell.exercise)}</code></div>'
                    if cell.exercise
                    else ""
                )
                out.append(
                    f'<div class="{css}" data-exercise="{html.escape(cell.exercise or "")}">'
                    f"{label}<pre><code>{html.escape(cell.source)}</code></pre></div>"
                )
        return "\n".join(out)


def parse_lesson(text: str, topic: str, stem: str) -> Lesson:
    """Split a percent-format source into cells."""
    cells: list[Cell] = []
    kind, exercise, lines = None, None, []

    def flush() -> None:
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(_uncomment(line) for line in body.splitlines())
        if body.strip():
            cells.append(Cell(kind, body, exercise))

    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            flush()
            rest = header.group("rest")
            kind = "markdown" if "[markdown]" in rest else "code"
            found = _EXERCISE.search(rest)
            exercise = found.group("id") if found else None
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    title = stem
    for cell in cells:
        if cell.kind == "markdown":
            heading = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if heading:
                title = heading.group(1).strip()
                break
    slug = re.sub(r"^\d+-", "", stem)
    return Lesson(f"{topic}/{slug}", topic, stem, title, cells)


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    return line[1:] if line.startswith("#") else line


def lessons_root():
    return resources.files("glassml.learn") / "lessons"


def all_lessons() -> list[Lesson]:
    """Every lesson in the package, in the order of the topics and their numbers."""
    root = lessons_root()
    lessons = []
    for topic, _title in TOPICS:
        folder = root / topic
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".py") and re.match(r"\d+-", entry.name):
                stem = entry.name[:-3]
                lessons.append(parse_lesson(entry.read_text(encoding="utf-8"), topic, stem))
    return lessons


def get_lesson(lesson_id: str) -> Lesson:
    for lesson in all_lessons():
        if lesson.id == lesson_id:
            return lesson
    raise ValueError(
        f"lesson_id: expected the id of a lesson such as 'calculus/derivatives', got {lesson_id!r}"
    )


# --------------------------------------------------------------------------- markdown

# $$display$$, or $inline$ (which may wrap onto the next line, but not across a paragraph).
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(?!\s)((?:[^$\n]|\n(?!\n))+?)(?<!\s)\$", flags=re.DOTALL)


def markdown_html(text: str) -> str:
    """Markdown to HTML with ``$...$`` and ``$$...$$`` kept intact for KaTeX.

    Math is cut out before markdown sees it (so ``_`` and ``*`` inside it stay math) and put
    back as ``<span class="math">`` elements that the page typesets.
    """
    from markdown_it import MarkdownIt

    pieces: list[str] = []

    def stash(match: re.Match) -> str:
        display = match.group(1) is not None
        body = match.group(1) if display else match.group(2)
        css = "math display" if display else "math inline"
        tag = "div" if display else "span"
        pieces.append(f'<{tag} class="{css}">{html.escape(body.strip())}</{tag}>')
        return f"GLASSMLMATH{len(pieces) - 1}END"  # letters only: markdown leaves it alone

    protected = _MATH.sub(stash, text)
    rendered = MarkdownIt("commonmark").enable("table").render(protected)
    return re.sub(r"GLASSMLMATH(\d+)END", lambda m: pieces[int(m.group(1))], rendered)
