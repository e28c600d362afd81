"""Case-study reports: a fixed set of sections, rendered to one self-contained HTML file."""

from glassml.casestudies.report._blocks import (
    SECTIONS,
    Headline,
    Report,
    Section,
    format_value,
    interval,
)
from glassml.casestudies.report._math import equation_svg
from glassml.casestudies.report._render import render_index, render_study

__all__ = [
    "SECTIONS",
    "Headline",
    "Report",
    "Section",
    "equation_svg",
    "format_value",
    "interval",
    "render_index",
    "render_study",
]
