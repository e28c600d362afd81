"""The grader's behaviour towards a learner's code: partial credit, the smallest failing input,
hints, and robustness: a wrong signature, a missing function, an infinite loop (time limit),
code that raises or exits, code that mutates its inputs. None of them crashes the grader."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from learn.solutions import MUTANTS, SOLUTIONS

from glassml.learn import check, get_exercise
from glassml.learn._deps import MissingDependency, require
from glassml.learn._grading import Exercise, agrees, holds

SOFTMAX = "calculus/softmax"


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_a_correct_function_scores_100_and_prints_the_feedback(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = check(SOFTMAX, softmax, record=False)
    assert result.passed and result.score == 1.0
    assert "3 of 3 checks pass" in capsys.readouterr().out


def test_partial_credit_per_check():
    wrong = next(
        m for m in MUTANTS["linear-algebra/pca"] if m.function.__name__ == "pca_standardised"
    )
    result = get_exercise("linear-algebra/pca").grade(wrong.function)
    assert [c.passed for c in result.checks] == [True, True, False]
    assert result.score == pytest.approx(2 / 3)
    assert not result.passed


def test_feedback_shows_the_smallest_input_expected_obtained_and_a_hint():
    wrong = MUTANTS["linear-algebra/least-squares"][0].function
    result = get_exercise("linear-algebra/least-squares").grade(wrong)
    message = result.first_failure.message
    # shrunk to one column (up to four are drawn): a simple input on which the mistake shows
    assert "Smallest failing input" in message and ", 1))" in message
    assert "Hint:" in message
    feedback = result.feedback
    assert "First failing check" in feedback and "score 0%" in feedback
    # never the solution: no code of the reference appears
    assert "LinearRegression(fit_intercept=False).fit" not in feedback


def test_expected_and_obtained_are_shown():
    def sum_of_exps(z):
        return np.exp(z) / np.exp(z).sum()  # over the whole array, not each row

    result = get_exercise(SOFTMAX).grade(sum_of_exps)
    assert ("expected:" in result.feedback and "obtained:" in result.feedback) or (
        "rows are not" in result.feedback
    )


def test_wrong_signature():
    result = get_exercise("linear-algebra/power-iteration").grade(lambda A: (1.0, A[0]))
    assert result.score == 0 and not result.checks
    assert "Wrong signature" in result.problem and "power_iteration(A, n_iter)" in result.problem


def test_missing_function_is_looked_up_where_check_is_called(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    result = check("linear-algebra/power-iteration", record=False)
    assert result.score == 0 and "No function named power_iteration" in result.problem
    logsumexp = SOLUTIONS["calculus/logsumexp"]  # noqa: F841 - found by name in this frame
    assert check("calculus/logsumexp", record=False, quiet=True).passed


def test_not_a_function():
    result = get_exercise(SOFTMAX).grade(42)
    assert "not a function" in result.problem


def test_an_infinite_loop_hits_the_time_limit():
    def spins(z):
        while True:
            pass

    start = time.perf_counter()
    result = get_exercise(SOFTMAX).grade(spins)
    elapsed = time.perf_counter() - start
    assert result.score == 0
    assert all("time limit" in c.message for c in result.checks)
    # one timed-out call per check (2 s each): hypothesis stops at once, no shrinking
    assert elapsed < 3 * 2.0 + 10


def test_the_time_limit_holds_outside_the_main_thread():
    def spins(z):
        x = 0
        while True:
            x += 1

    exercise = Exercise(
        "calculus/softmax-thread-test",
        "t",
        "softmax(z)",
        "calculus/chain-rule",
        [agrees("agrees", [(np.zeros((1, 2)),)], softmax, hint="h")],
        time_limit=0.5,
    )
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("r", exercise.grade(spins)))
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert "time limit" in box["r"].checks[0].message


@pytest.mark.parametrize("error", [ZeroDivisionError, SystemExit, RecursionError, MemoryError])
def test_code_that_raises_is_reported(error):
    def raises(z):
        raise error("boom")

    result = get_exercise(SOFTMAX).grade(raises)
    assert result.score == 0
    assert f"Your function raised {error.__name__}" in result.first_failure.message


def test_inputs_are_copies():
    def mutates(z):
        out = softmax(z)
        z[...] = 0.0  # vandalises its argument after computing
        return out

    assert get_exercise(SOFTMAX).grade(mutates).passed


def test_a_property_that_cannot_use_the_output_is_a_failure_not_a_crash():
    result = get_exercise("linear-algebra/power-iteration").grade(lambda A, n: "text")
    assert result.score == 0 and result.first_failure is not None


def test_unknown_exercise_suggests_the_nearest():
    with pytest.raises(ValueError, match="power-iteration"):
        get_exercise("linear-algebra/power-iterations")
    with pytest.raises(TypeError, match="exercise_id"):
        get_exercise(3)


def test_check_does_nothing_inside_the_file_runner(monkeypatch):
    monkeypatch.setenv("GLASSML_LEARN_RUNNER", "1")
    assert check(SOFTMAX, softmax) is None


def test_a_missing_dependency_says_how_to_install_it():
    with pytest.raises(MissingDependency, match=r'pip install "glassml\[learn\]"'):
        require("glassml_no_such_module", "grading")


def test_an_exercise_is_a_few_lines():
    """The instructor's API: an id, a signature, a lesson, and checks."""
    exercise = Exercise(
        "calculus/square-demo",
        "The derivative of x^2",
        "square_grad(x)",
        "calculus/derivatives",
        [
            agrees("agrees with 2x", [(1.0,), (-3.0,)], lambda x: 2 * x, hint="d/dx x^2 = 2x"),
            holds("is odd", [(2.0,)], lambda out, x: None if out == 4.0 else "no", hint="h"),
        ],
    )
    assert exercise.grade(lambda x: 2 * x).passed
    wrong = exercise.grade(lambda x: x)
    assert wrong.score == 0 and "d/dx x^2 = 2x" in wrong.feedback
    with pytest.raises(ValueError, match="signature"):
        Exercise("a/b", "t", "not a signature", "l", [agrees("x", [()], abs, hint="h")])
    with pytest.raises(ValueError, match="id"):
        Exercise("No Topic", "t", "f(x)", "l", [agrees("x", [()], abs, hint="h")])
