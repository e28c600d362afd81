"""Verified grading: every exercise's reference solution scores 100 %, and every typical wrong
solution fails with the intended feedback (the named check fails first; the likely cause, when
the grader recognises the mistake, is the intended one). A mutation test of the graders.

Cost: each exercise's checks run 25 generated examples by default (``DEFAULT_EXAMPLES``) plus
hypothesis's shrinking for the mutants; the whole module runs in about a minute of CPU.
"""

from __future__ import annotations

import pytest
from learn.solutions import MUTANTS, SOLUTIONS

from glassml.learn import _grading, all_exercises, get_exercise

# The mistakes divide by zero, overflow, take logs of 0: their RuntimeWarnings are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _shorter_shrinking(monkeypatch):
    """Which check fails first, and the likely cause, are decided before shrinking goes far;
    the learner's longer shrinking (a smaller input to show) is not what these tests check,
    so they shrink less to save CI time. Shrinking is bounded by counts only, never by CPU
    seconds: a time bound stops at a different input on a busier machine, and a test must not
    depend on the machine's load."""
    monkeypatch.setattr(_grading, "SHRINK_CALLS", 25)
    monkeypatch.setattr(_grading, "SHRINK_DRAWS", 80)
    monkeypatch.setattr(_grading, "SHRINK_SECONDS", float("inf"))


EXERCISES = [exercise.id for exercise in all_exercises()]
ALL_MUTANTS = [m for exercise in EXERCISES for m in MUTANTS.get(exercise, [])]


def test_every_exercise_has_a_solution_and_three_mutants():
    missing = [e for e in EXERCISES if e not in SOLUTIONS]
    assert not missing, f"exercises without a reference solution: {missing}"
    few = {e: len(MUTANTS.get(e, [])) for e in EXERCISES if len(MUTANTS.get(e, [])) < 3}
    assert not few, f"exercises with fewer than three mutants: {few}"
    unknown = sorted(set(SOLUTIONS) - set(EXERCISES))
    assert not unknown, f"solutions of unknown exercises: {unknown}"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_solution_scores_100(exercise_id):
    result = get_exercise(exercise_id).grade(SOLUTIONS[exercise_id])
    assert result.passed and result.score == 1.0, result.feedback


@pytest.mark.parametrize("wrong", ALL_MUTANTS, ids=str)
def test_typical_mistake_fails_with_the_intended_feedback(wrong):
    result = get_exercise(wrong.exercise).grade(wrong.function, stop_at_failure=True)
    assert not result.passed and result.score < 1.0, result.feedback
    first = result.first_failure
    assert first is not None, result.feedback
    assert wrong.fails in first.name, (
        f"expected the check {wrong.fails!r} to fail first, got {first.name!r}\n{result.feedback}"
    )
    assert "Hint:" in first.message
    assert "grader itself failed" not in first.message, result.feedback
    if wrong.cause:
        assert "Likely cause: " in first.message and wrong.cause in first.message, result.feedback
