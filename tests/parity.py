"""One parity helper per kind of check, so each oracle test reads as a single line.

``assert_close(mine, theirs, rtol=..., atol=..., what=...)`` compares glassml's value with the
reference library's and, on failure, prints a "mine vs theirs" table of the worst entries.
"""

from __future__ import annotations

import numpy as np


def assert_close(mine, theirs, *, rtol: float, atol: float = 0.0, what: str = "value") -> None:
    mine = np.asarray(mine, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    if mine.shape != theirs.shape:
        raise AssertionError(f"{what}: shape mine {mine.shape} vs theirs {theirs.shape}")
    with np.errstate(invalid="ignore"):
        # Equal values (including equal infinities) agree; NaN never does.
        error = np.where(mine == theirs, 0.0, np.abs(mine - theirs))
        allowed = atol + rtol * np.where(np.isfinite(theirs), np.abs(theirs), 0.0)
    failing = ~(error <= allowed)
    if not np.any(failing):
        return
    excess = np.where(failing, np.nan_to_num(error - allowed, nan=np.inf), -np.inf).ravel()
    worst = [i for i in np.argsort(-excess)[:5] if failing.ravel()[i]]
    rows = "\n".join(
        f"  at {tuple(int(k) for k in np.unravel_index(i, mine.shape))}: "
        f"mine {float(mine.ravel()[i])!r} vs theirs {float(theirs.ravel()[i])!r} "
        f"(|diff| {error.ravel()[i]:.3e}, allowed {allowed.ravel()[i]:.3e})"
        for i in worst
    )
    raise AssertionError(f"{what} differs beyond rtol={rtol}, atol={atol}:\n{rows}")


def assert_close_up_to_sign(
    mine, theirs, *, rtol: float, atol: float = 0.0, what: str = ""
) -> None:
    """Compare row vectors (e.g. principal axes) that are defined only up to sign."""
    mine = np.atleast_2d(np.asarray(mine, dtype=np.float64))
    theirs = np.atleast_2d(np.asarray(theirs, dtype=np.float64))
    signs = np.sign(np.sum(mine * theirs, axis=1, keepdims=True))
    signs[signs == 0] = 1.0
    assert_close(mine * signs, theirs, rtol=rtol, atol=atol, what=what or "rows up to sign")
