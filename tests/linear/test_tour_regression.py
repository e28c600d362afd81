"""The tour's "Regression analysis" section runs, prints the summary and writes its figure."""

from __future__ import annotations

import io

from rich.console import Console

from glassml.tour import s20_regression


def test_section_prints_summary_and_writes_figure(tmp_path):
    console = Console(file=io.StringIO(), width=120)
    s20_regression.run(console, tmp_path)
    printed = console.file.getvalue()
    assert s20_regression.TITLE == "Regression analysis"
    assert "R-squared" in printed and "bmi" in printed and "P>|t|" in printed
    assert (tmp_path / "regression_lasso_path.svg").stat().st_size > 0
    assert (tmp_path / "regression_lasso_path.png").stat().st_size > 0
