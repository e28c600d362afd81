import numpy as np
import pytest
from parity import assert_close, assert_close_up_to_sign


def test_assert_close_reports_the_worst_entry():
    with pytest.raises(AssertionError, match=r"mine 1\.1 vs theirs 1\.0"):
        assert_close([1.1, 2.0], [1.0, 2.0], rtol=1e-3, what="coef")


def test_assert_close_up_to_sign_accepts_flipped_rows_only():
    axes = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert_close_up_to_sign(-axes, axes, rtol=1e-12)
    with pytest.raises(AssertionError):
        assert_close_up_to_sign(axes[::-1], axes, rtol=1e-12)


def test_assert_close_treats_equal_infinities_as_equal_and_nan_as_different():
    assert_close([np.inf, -np.inf, 1.0], [np.inf, -np.inf, 1.0], rtol=1e-12)
    with pytest.raises(AssertionError, match="nan"):
        assert_close([np.nan], [1.0], rtol=1e-3)
    with pytest.raises(AssertionError):
        assert_close([np.inf], [-np.inf], rtol=1e-3)
