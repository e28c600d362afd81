"""Case-study reports: a fixed set of sections, rendered to one self-contained HTML file.

Public here is what a study writes with; the renderers (``_render``) and the cell formatter
(``_blocks.format_value``) are the framework's own.
"""

from glassml.casestudies.report._blocks import SECTIONS, Headline, Report, Section, interval

__all__ = ["SECTIONS", "Headline", "Report", "Section", "interval"]
