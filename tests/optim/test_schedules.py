"""Learning-rate schedules against their closed forms (exact to float rounding, 1e-15)."""

from __future__ import annotations

import itertools
import math

import pytest

from glassml.optim import CosineLR, ExponentialLR, StepLR


def test_step_lr():
    schedule = StepLR(0.1, step_size=3, gamma=0.5)
    assert [schedule(t) for t in range(7)] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]


def test_exponential_lr():
    schedule = ExponentialLR(2.0, gamma=0.9)
    for t in range(5):
        assert schedule(t) == pytest.approx(2.0 * 0.9**t, rel=1e-15)


def test_cosine_lr_endpoints_midpoint_and_clamp():
    schedule = CosineLR(1.0, n_iter=10, lr_min=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55, rel=1e-15)  # half-way: the mean of the ends
    assert schedule(10) == pytest.approx(0.1, rel=1e-15)
    assert schedule(25) == pytest.approx(0.1, rel=1e-15)
    assert schedule(3) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * 0.3)) / 2, rel=1e-15)
    values = [schedule(t) for t in range(11)]
    assert all(a > b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: StepLR(0.1, step_size=0), "step_size"),
        (lambda: StepLR(-0.1, step_size=2), "lr"),
        (lambda: ExponentialLR(0.1, gamma=0.0), "gamma"),
        (lambda: CosineLR(0.1, n_iter=0), "n_iter"),
        (lambda: CosineLR(0.1, n_iter=5, lr_min=0.2), "lr_min"),
    ],
)
def test_bad_schedule_arguments_raise(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()
