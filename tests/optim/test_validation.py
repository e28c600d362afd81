"""Issue 9's failures of glassml.optim, one test each (the robustness suite probes the rest).

- Invalid line-search arguments (an ascent direction, c1 >= c2, max_steps=0) raise a
  ValueError naming the argument; ``LineSearchError`` is kept for a search that fails.
- A schedule returning a negative, NaN or infinite rate is refused at the step that uses it,
  naming the iteration; a schedule decaying to exactly 0 is legal.
- Complex ``x0``, values, gradients and Hessians are refused, never cast to their real part.
- Non-finite gradients are refused by ``step`` (a NaN would spread into every parameter).
- NumPy scalars are legal wherever Python numbers are: the same result, to the bit.
- One ``check_positive`` in the library (``glassml._validation``); optim has none of its own.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassml.optim as optim
from glassml.optim import (
    LBFGS,
    Adam,
    CosineLR,
    GradientDescent,
    LineSearchError,
    Momentum,
    armijo_backtracking,
    minimize,
    strong_wolfe,
)


def quadratic(x):
    return float(x @ x), 2 * x


def test_invalid_line_search_arguments_are_value_errors_naming_them():
    x = np.array([1.0, -2.0])
    value, grad = quadratic(x)
    with pytest.raises(ValueError, match=r"^direction: expected a descent direction"):
        strong_wolfe(quadratic, x, value, grad, direction=x)  # uphill
    with pytest.raises(ValueError, match=r"^c1, c2: expected 0 < c1 < c2 < 1"):
        strong_wolfe(quadratic, x, value, grad, -x, c1=0.9, c2=0.1)
    with pytest.raises(ValueError, match=r"^max_evals:"):
        strong_wolfe(quadratic, x, value, grad, -x, max_evals=0)
    with pytest.raises(ValueError, match=r"^slope: expected phi'\(0\) < 0"):
        armijo_backtracking(lambda a: a, 0.0, slope=1.0)
    with pytest.raises(ValueError, match=r"^max_steps:"):
        armijo_backtracking(lambda a: -a, 0.0, slope=-1.0, max_steps=0)
    with pytest.raises(ValueError, match=r"^c1:"):
        armijo_backtracking(lambda a: -a, 0.0, slope=-1.0, c1=1.5)
    with pytest.raises(ValueError, match=r"^c1, c2:"):
        LBFGS(c1=0.5, c2=0.4)
    for error in (LineSearchError("x"),):
        assert not isinstance(error, ValueError)  # a failed search is not bad input
    with pytest.raises(LineSearchError, match="no sufficient decrease"):
        armijo_backtracking(lambda a: 1.0 + a, 1.0, slope=-1.0, max_steps=3)


@pytest.mark.parametrize("rate", [-0.1, float("nan"), float("inf"), "0.1"])
def test_a_schedule_returning_an_invalid_rate_is_refused(rate):
    optimizer = GradientDescent(lr=lambda t: 0.1 if t < 2 else rate)
    x = np.ones(2)
    optimizer.step([x], [np.ones(2)])
    optimizer.step([x], [np.ones(2)])
    with pytest.raises(ValueError, match=r"^lr: expected the schedule to return .* iteration 2"):
        optimizer.step([x], [np.ones(2)])


def test_a_schedule_may_decay_to_zero():
    optimizer = GradientDescent(lr=CosineLR(0.1, n_iter=2))
    x = np.ones(2)
    for _ in range(4):
        optimizer.step([x], [np.ones(2)])
    assert optimizer.current_lr() == 0.0


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: minimize(lambda x: (x**2).sum(), np.array([1 + 1j, 2.0])), "^x0:"),
        (lambda: minimize(lambda x: (complex(x @ x), 2 * x), np.ones(2), jac=True), "^fun:"),
        (lambda: minimize(lambda x: (float(x @ x), 2j * x), np.ones(2), jac=True), "^jac:"),
        (
            lambda: minimize(
                quadratic, np.ones(2), method="newton", jac=True, hess=lambda x: 2j * np.eye(2)
            ),
            "^hess:",
        ),
        (lambda: minimize(quadratic, np.ones(2), jac=True, max_iter=2.5), "^max_iter:"),
        (lambda: minimize(quadratic, np.ones(2), jac=True, tol=float("nan")), "^tol:"),
        (lambda: Adam().step([np.ones(2)], [np.array([np.nan, 1.0])]), r"^grads\[0\]:"),
        (lambda: Adam().step([np.ones(2)], [np.array([1e200, 1.0])]), r"^grads\[0\]:"),
        (lambda: Adam().step([np.array([np.inf, 1.0])], [np.ones(2)]), r"^params\[0\]:"),
        (lambda: Adam().step([np.ones(2, dtype=int)], [np.ones(2)]), r"^params\[0\]:"),
        (lambda: Adam().step(np.ones(2), np.ones(2)), "^params:"),
        (lambda: optim.FISTA(restart="yes"), "^restart:"),
        (lambda: Momentum(momentum="0.9"), "^momentum:"),
        (lambda: GradientDescent(line_search="wolfe"), "^line_search:"),
        (lambda: optim.soft_threshold(np.array([1j]), 0.1), "^v:"),
    ],
)
def test_bad_input_is_named(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_numpy_scalars_give_the_same_result():
    def run(**options):
        return minimize(quadratic, np.array([3.0, -1.0]), jac=True, **options)

    python = run(method="adam", lr=0.05, max_iter=50, tol=1e-8)
    numpy = run(method="adam", lr=np.float64(0.05), max_iter=np.int64(50), tol=np.float64(1e-8))
    assert np.array_equal(python.x, numpy.x)
    lbfgs = run(method=LBFGS(memory=np.int64(3), c1=np.float32(1e-4)))
    assert lbfgs.success
    schedule = optim.StepLR(np.float32(0.1), step_size=np.int64(2), gamma=np.float64(0.5))
    assert schedule(np.int64(3)) == pytest.approx(0.05, rel=1e-6)


def test_one_check_positive_in_the_library():
    import glassml._validation as validation
    import glassml.optim._base as base

    assert not hasattr(base, "check_positive") or base.check_positive is validation.check_positive
    with pytest.raises(ValueError, match=r"^lr: expected"):
        Adam(lr=0.0)
