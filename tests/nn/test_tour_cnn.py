"""The tour section "A CNN learns to read digits" runs and writes its one figure (SVG + PNG)."""

from __future__ import annotations

from rich.console import Console

from glassml.tour import s50_cnn


def test_cnn_tour_section_writes_its_figure(tmp_path):
    assert s50_cnn.TITLE == "A CNN learns to read digits"
    console = Console(record=True, width=100)
    s50_cnn.run(console, tmp_path)
    assert (tmp_path / "cnn_digits.svg").stat().st_size > 0
    assert (tmp_path / "cnn_digits.png").stat().st_size > 0
    assert "Test accuracy on 360 held-out digits" in console.export_text()
