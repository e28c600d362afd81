"""The tour's reliability section on C-MAPSS FD001 (bundled with glassml.datasets).

Reference for the numbers it prints: lifelines' WeibullFitter on the same censored lifetimes
(λ, ρ to 1e-6 relative; the fitter itself is verified in tests/survival). The section prints
its table without colour codes on a non-TTY and writes the figure as SVG and PNG.
"""

from __future__ import annotations

import io

import numpy as np
from lifelines import WeibullFitter as LifelinesWeibull
from parity import assert_close
from rich.console import Console

from glassml.survival import WeibullFitter
from glassml.tour import s88_engine_life


def test_engine_life_section(tmp_path):
    durations, events = s88_engine_life.engine_lifetimes()
    assert durations.size == 200 and events.sum() == 100
    ours = WeibullFitter().fit(durations, events)
    theirs = LifelinesWeibull().fit(durations, events)
    assert_close([ours.lambda_, ours.rho_], [theirs.lambda_, theirs.rho_], rtol=1e-6)
    assert ours.rho_ > 1  # wear-out: the hazard rises with age
    stream = io.StringIO()
    s88_engine_life.run(Console(file=stream, width=110), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text and "B10 life" in text
    assert f"{ours.b_life(10.0):.1f}" in text
    for suffix in ("svg", "png"):
        assert (tmp_path / f"engine_life.{suffix}").stat().st_size > 0
    assert np.isfinite(ours.b_life(10.0))
