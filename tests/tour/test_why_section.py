"""The tour's explainability section: Kernel SHAP agrees with exact Shapley values.

Reference: ``glassml.explain.ExactExplainer`` (itself checked against the definition in
tests/explain). With every coalition Kernel SHAP equals it to 1e-10; on a budget of 120 of 254
coalitions it stays within 0.05 of values of size ~0.1-0.3 (a Monte Carlo estimate with the
sizes 1, 2, 6, 7 enumerated). Efficiency holds to 1e-10 either way. The section prints its
tables without colour codes on a non-TTY and writes the beeswarm as SVG and PNG.
"""

from __future__ import annotations

import io

from rich.console import Console

from glassml.tour import s82_why


def test_why_section(tmp_path):
    agreement = s82_why.compare_kernel_and_exact()
    assert agreement["max |Kernel - exact| (all 254 coalitions)"] <= 1e-10
    assert agreement["max |sum phi - (f(x) - E f)|"] <= 1e-10
    assert agreement["max |Kernel - exact| (120 of 254 coalitions)"] <= 0.05
    stream = io.StringIO()
    s82_why.run(Console(file=stream, width=110), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text and "LIME" in text and "Kernel SHAP" in text
    assert (tmp_path / "why_beeswarm.svg").stat().st_size > 0
    assert (tmp_path / "why_beeswarm.png").stat().st_size > 0
