"""Render a :class:`Report` (and the index of all studies) to self-contained HTML."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from markupsafe import Markup

from glassml.casestudies.report._blocks import Report, format_value, markdown_to_html


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    folder = files("glassml.casestudies.report") / "templates"
    environment = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    environment.globals["format"] = format_value
    environment.globals["markdown"] = lambda text: Markup(markdown_to_html(text))
    environment.globals["css"] = Markup((folder / "style.css").read_text(encoding="utf-8"))
    return environment


def render_study(report: Report, **context: Any) -> str:
    sections = [section for section in report.sections.values() if not section.empty]
    template = _environment().get_template("study.html.j2")
    return template.render(report=report, sections=sections, **context)


def render_index(studies: list[dict], version: str) -> str:
    return _environment().get_template("index.html.j2").render(studies=studies, version=version)
