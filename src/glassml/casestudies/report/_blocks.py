"""The content of a report: sections made of blocks (text, equation, table, figure, note).

A study fills a :class:`Report`; the renderer turns it into one self-contained HTML page. The
sections are fixed and ordered, so every study reads the same way: the question, the data, the
mathematics, the method, the results, the comparison with published figures, the
interpretation, the decision, the limitations, and how to reproduce it.
"""

from __future__ import annotations

import base64
import io
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassml._validation import check_option, fail
from glassml.casestudies.report._math import equation_svg

SECTIONS: dict[str, str] = {
    "question": "The question",
    "data": "The data",
    "mathematics": "The mathematics",
    "method": "Method",
    "results": "Results",
    "comparison": "Comparison with published results",
    "interpretation": "What drives the predictions",
    "decision": "The decision",
    "limitations": "Limitations",
    "reproducibility": "Reproducibility",
}


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class Text:
    markdown: str
    kind: str = "text"


@dataclass(frozen=True)
class Equation:
    tex: str
    caption: str = ""
    kind: str = "equation"

    @property
    def src(self) -> str:
        return _data_uri(equation_svg(self.tex))


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    numeric: tuple[bool, ...] = ()
    kind: str = "table"


@dataclass(frozen=True)
class Image:
    svg: str
    caption: str
    alt: str
    kind: str = "figure"

    @property
    def src(self) -> str:
        return _data_uri(self.svg)


@dataclass(frozen=True)
class Note:
    markdown: str
    tone: str = "info"  # "info" | "warning" | "success"
    kind: str = "note"


def format_value(value: Any, spec: str | None = None) -> str:
    """A cell's text: numbers with ``spec`` (default: 4 significant digits), NaN as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return format(int(value), spec or ",d")
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "–"
        return format(number, spec or ".4g")
    return str(value)


def interval(estimate: float, low: float, high: float, spec: str = ".3f") -> str:
    """``0.812 (0.790–0.834)``: an estimate with its confidence interval.

    Ends that carry a sign are joined by "to": a dash between them reads as a minus
    ("-0.068–-0.059").

    Examples
    --------
    >>> interval(0.8123, 0.7901, 0.8344)
    '0.812 (0.790–0.834)'
    >>> interval(-0.0636, -0.0682, -0.0592, "+.3f")
    '-0.064 (-0.068 to -0.059)'
    """
    for name, value in (("estimate", estimate), ("low", low), ("high", high)):
        if (
            isinstance(value, bool | np.bool_)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
        ):
            raise fail(name, "a finite number", value)
    if not low <= high:
        raise fail("low", f"a lower end <= high ({high})", low)
    try:
        first, last = format(low, spec), format(high, spec)
        joint = " to " if first[:1] in "+-" or last[:1] in "+-" else "–"
        return f"{format(estimate, spec)} ({first}{joint}{last})"
    except (TypeError, ValueError):
        raise fail("spec", "a format spec for a float such as '.3f'", spec) from None


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Any] = field(default_factory=list)

    def text(self, markdown: str) -> Section:
        """A paragraph (Markdown: emphasis, code, lists, links)."""
        self.blocks.append(Text(str(markdown)))
        return self

    def equation(self, tex: str, caption: str = "") -> Section:
        """A display equation in TeX (matplotlib mathtext), rendered to SVG now."""
        equation_svg(tex)  # fail here, where the study is, if the TeX is not renderable
        self.blocks.append(Equation(tex, caption))
        return self

    def note(self, markdown: str, tone: str = "info") -> Section:
        check_option(tone, "tone", ("info", "warning", "success"))
        self.blocks.append(Note(str(markdown), tone))
        return self

    def table(
        self,
        data: Any,
        caption: str = "",
        formats: Mapping[str, str] | None = None,
        index: bool = False,
    ) -> Section:
        """A table from a DataFrame or a list of dicts; ``formats`` maps column -> format spec."""
        import pandas as pd

        try:
            frame = pd.DataFrame(data) if not isinstance(data, pd.DataFrame) else data
        except (TypeError, ValueError):
            raise fail("data", "a DataFrame or a list of dicts", data) from None
        if index:
            frame = frame.reset_index()
        formats = dict(formats or {})
        columns = tuple(str(column) for column in frame.columns)
        rows = tuple(
            tuple(format_value(value, formats.get(str(column))) for column, value in row.items())
            for _, row in frame.iterrows()
        )
        numeric = tuple(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns)
        self.blocks.append(Table(columns, rows, caption, numeric))
        return self

    def figure(self, figure: Any, caption: str, alt: str | None = None) -> Section:
        """A matplotlib figure, embedded as SVG (text kept as text: small and searchable)."""
        from matplotlib import rc_context

        if not hasattr(figure, "savefig"):
            raise fail("figure", "a matplotlib Figure", figure)
        if not isinstance(caption, str):
            raise fail("caption", "a sentence", caption)
        buffer = io.StringIO()
        with rc_context({"svg.fonttype": "none"}):
            figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        self.blocks.append(Image(buffer.getvalue(), caption, alt or caption))
        return self

    @property
    def empty(self) -> bool:
        return not self.blocks


@dataclass(frozen=True)
class Headline:
    """A headline metric: shown on the report's first screen and on the index page."""

    key: str
    label: str
    spec: str = ".3f"
    better: str = "higher"  # "higher" | "lower"
    low: str | None = None  # metric key of the interval's lower end
    high: str | None = None

    def __post_init__(self) -> None:
        for argument in ("key", "label"):
            if not isinstance(getattr(self, argument), str) or not getattr(self, argument):
                raise fail(argument, "a non-empty string", getattr(self, argument))
        check_option(self.better, "better", ("higher", "lower"))
        try:
            format(1.0, self.spec)
        except (TypeError, ValueError):
            raise fail("spec", "a format spec for a float such as '.3f'", self.spec) from None
        for argument in ("low", "high"):
            value = getattr(self, argument)
            if value is not None and not isinstance(value, str):
                raise fail(argument, "None or a metric name", value)


class Report:
    """A case study's report: title, question, headline metrics and the fixed sections.

    Examples
    --------
    >>> report = Report("A study", "Does it work?")
    >>> _ = report.section("data").text("569 rows, no missing values.")
    >>> "data" in report.missing_sections()
    False
    """

    def __init__(self, title: str, question: str, headline: Sequence[Headline] = ()):
        for argument, value in (("title", title), ("question", question)):
            if not isinstance(value, str):
                raise fail(argument, "a string", value)
        if isinstance(headline, str | bytes) or not all(isinstance(h, Headline) for h in headline):
            raise fail("headline", "a sequence of Headline", headline)
        self.title = title
        self.question = question
        self.headline = tuple(headline)
        self.sections = {key: Section(key, title) for key, title in SECTIONS.items()}

    def section(self, section: str) -> Section:
        """The section named ``section`` (a key of :data:`SECTIONS`), to add blocks to."""
        if not isinstance(section, str) or section not in self.sections:
            raise fail("section", f"one of {list(self.sections)}", section)
        return self.sections[section]

    def missing_sections(self, exclude: Iterable[str] = ("reproducibility",)) -> list[str]:
        """Sections that are still empty (a finished report has none but ``exclude``)."""
        if isinstance(exclude, str) or not all(isinstance(k, str) for k in exclude):
            raise fail("exclude", "a collection of section names", exclude)
        return [k for k, s in self.sections.items() if s.empty and k not in set(exclude)]


_MARKDOWN = None


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with markdown-it-py (rich's own dependency): no raw HTML passes."""
    global _MARKDOWN
    if _MARKDOWN is None:
        from markdown_it import MarkdownIt

        _MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
    html = _MARKDOWN.render(text)
    # External links open outside the report and never load anything by themselves.
    return re.sub(r'<a href="(https?://[^"]+)"', r'<a rel="noreferrer" href="\1"', html)
