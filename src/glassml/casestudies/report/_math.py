"""Equations rendered offline: TeX (matplotlib's mathtext subset) to a small SVG.

Reports must not load a math engine from a CDN, and a script-free page is the simplest page to
trust, so each equation is drawn once by matplotlib with glyphs as paths (no fonts needed by
the reader) and embedded as an image.
"""

from __future__ import annotations

import io
from functools import lru_cache

from matplotlib.figure import Figure

from glassml._validation import fail


@lru_cache(maxsize=256)
def equation_svg(tex: str, size: float = 15.0) -> str:
    """SVG text of the display equation ``tex`` (without the surrounding ``$``)."""
    if not isinstance(tex, str) or not tex.strip():
        raise fail("tex", "a non-empty TeX string", tex)
    figure = Figure(figsize=(0.01, 0.01))
    figure.text(0, 0, f"${tex}$", fontsize=size, math_fontfamily="cm")
    buffer = io.BytesIO()
    try:
        figure.savefig(
            buffer,
            format="svg",
            bbox_inches="tight",
            pad_inches=0.03,
            transparent=True,
            metadata={"Date": None},
        )
    except ValueError as error:  # mathtext parse errors are ValueErrors with a caret line
        raise ValueError(f"tex: matplotlib's mathtext cannot render {tex!r}: {error}") from None
    return buffer.getvalue().decode("utf-8")
