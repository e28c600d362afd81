"""The tour's "Fair and private" section on UCI Adult (sex as the sensitive feature).

What the section claims, checked on its own numbers (fixed seeds; every figure is on the
16,281-row test set, intervals are 95 % stratified bootstrap intervals of 400 resamples):
- the plain logistic regression has a demographic-parity difference well away from 0 (its
  interval's lower end above 0.1: the selection rates of men and women differ);
- the strictest setting of the in-processing and post-processing mitigations removes most of it:
  the upper end of their intervals is below the plain model's lower end, at a cost in accuracy
  below 0.05;
- DP-SGD's ε falls as its noise grows, and at the largest ε its accuracy is within 0.03 of the
  same training without privacy.
The section prints its tables without colour codes on a non-TTY and writes the figure as SVG
and PNG.
"""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from glassml.tour import s90_fair_private


def test_fair_private_section(tmp_path):
    _, curves, private = s90_fair_private.results()
    plain = curves[curves.method == "none"].iloc[0]
    assert plain.dp_low > 0.1
    for method in ("ExponentiatedGradient", "ThresholdOptimizer"):
        strictest = curves[curves.method == method].iloc[-1]
        assert strictest.dp_high < plain.dp_low, method
        assert strictest.accuracy > plain.accuracy - 0.05, method
    finite = private[np.isfinite(private.epsilon)]
    assert np.all(np.diff(finite.epsilon.to_numpy()) > 0)  # σ shrinks down the table
    non_private = private[~np.isfinite(private.epsilon)].accuracy.iloc[0]
    assert finite.accuracy.iloc[-1] > non_private - 0.03

    stream = io.StringIO()
    s90_fair_private.run(Console(file=stream, width=120), tmp_path)
    text = stream.getvalue()
    assert "\x1b[" not in text and "ThresholdOptimizer" in text and "DP-SGD" in text
    assert (tmp_path / "fair_private.svg").stat().st_size > 0
    assert (tmp_path / "fair_private.png").stat().st_size > 0
