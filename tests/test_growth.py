"""glassml._growth.grown, the compiled array-growing helper shared by every family."""

from __future__ import annotations

import numpy as np

from glassml._growth import grown


def test_grown_keeps_every_row_and_fills_the_new_ones():
    # The helper every compiled builder grows its arrays with (tree node arrays, 1-D and 2-D;
    # boosting's 4-D histogram pool; t-SNE's tree; the SMO gap history): the old rows
    # exactly, then ``fill``.
    rng = np.random.default_rng(0)
    for array, fill in [
        (np.arange(5, dtype=np.int64), np.int64(-1)),
        (rng.integers(0, 2, 4).astype(np.uint8), np.int64(0)),
        (rng.normal(size=(3, 2)), 0.0),
        (rng.normal(size=(2, 3, 4, 3)), 0.0),
    ]:
        out = grown(array, 2 * array.shape[0] + 1, fill)
        assert out.dtype == array.dtype and out.shape[1:] == array.shape[1:]
        assert out.shape[0] == 2 * array.shape[0] + 1
        assert np.array_equal(out[: array.shape[0]], array)
        assert np.all(out[array.shape[0] :] == fill)
