"""The grader: an exercise is a list of checks run against the learner's function.

A check draws inputs (a hypothesis strategy, shrunk to the smallest failing input, or fixed
edge cases), calls the learner's function on a copy of them under a time limit, and judges
what came back: against glassml's verified implementation (:func:`agrees`) or against a
mathematical property (:func:`holds`). Each check carries a weight (partial credit) and a
hint tied to the mathematics; the feedback names the first failing check, shows its smallest
input, the expected and the obtained value and the hint, never the solution. Nothing the
learner's code does (raise, loop forever, return nonsense) can crash the grader.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassml._validation import check_bool, check_positive
from glassml.learn._deps import require
from glassml.learn._timelimit import LearnerTimeout, call_with_time_limit

# Examples per generated check: enough to meet the inputs that matter (the strategies are
# built so that small inputs are the hard ones), few enough that a whole exercise grades in
# about a second. An instructor may raise it per check.
DEFAULT_EXAMPLES = 25
# Wall time one check may take, shrinking included, before it stops with what it has seen.
CHECK_BUDGET = 30.0
# Calls spent shrinking after the first failure: the smallest input found by then is shown
# (hypothesis would otherwise shrink to a local minimum, at hundreds of calls for big inputs).
SHRINK_CALLS = 100
# Inputs drawn while shrinking (a draw the strategy rejects never reaches the function) and
# CPU seconds spent shrinking: both bound the shrinker's cost.
SHRINK_DRAWS = 400
SHRINK_SECONDS = 2.0


# --------------------------------------------------------------------------- what can fail


class Mismatch(AssertionError):
    """The learner's output is wrong for one input.

    ``what`` says which part (``"eigenvalue"``, ``"shape of eigenvector"``); ``expected`` and
    ``obtained`` are shown side by side; ``detail`` adds a sentence.
    """

    def __init__(
        self, what: str, expected: Any = None, obtained: Any = None, detail: str = ""
    ) -> None:
        super().__init__(what)
        self.what, self.expected, self.obtained, self.detail = what, expected, obtained, detail
        self.args_shown: tuple | None = None
        self.cause = ""


def diagnose(
    diagnoses: Sequence[tuple[Callable[..., bool], str]], expected: Any, obtained: Any, args: tuple
) -> str:
    """The first typical mistake whose test fires on this output, or ``""``."""
    for test, cause in diagnoses:
        try:
            with np.errstate(all="ignore"):
                if test(expected, obtained, *copy.deepcopy(args)):
                    return cause
        except Exception:  # a diagnosis that does not apply to this output shape
            continue
    return ""


class LearnerRaised(Exception):
    """The learner's function raised; the original exception is kept."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
        self.args_shown: tuple | None = None


class GraderError(Exception):
    """The exercise's own reference or property failed: a bug in the course, not the learner."""


class _TimedOut:
    def __init__(self, args: tuple | None) -> None:
        self.args_shown = args


class _Budget(BaseException):
    """The check used its wall-time budget; stop with the smallest failure seen so far."""


# --------------------------------------------------------------------------- checks


@dataclass
class Check:
    """One graded check.

    ``inputs`` is a hypothesis strategy of argument tuples, or a sequence of fixed argument
    tuples (edge cases); ``judge(args, output)`` raises :class:`Mismatch` when ``output`` is
    wrong for ``args``. ``examples`` bounds the generated inputs.
    """

    name: str
    inputs: Any
    judge: Callable[[tuple, Any], None]
    hint: str
    weight: float = 1.0
    examples: int = DEFAULT_EXAMPLES


def agrees(
    name: str,
    inputs: Any,
    reference: Callable[..., Any],
    *,
    hint: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    up_to_sign: bool = False,
    weight: float = 1.0,
    examples: int = DEFAULT_EXAMPLES,
    diagnoses: Sequence[tuple[Callable[..., bool], str]] = (),
) -> Check:
    """The output equals ``reference(*args)`` (glassml's verified implementation).

    Outputs are compared part by part (a tuple for several return values): the shape first,
    then the values to ``rtol``/``atol``. ``up_to_sign`` accepts a sign flip of each column
    (eigenvectors, principal axes), or of the whole vector for 1-D parts. ``diagnoses`` are
    ``(test(expected, obtained, *args) -> bool, cause)`` pairs recognising typical mistakes
    (``obtained == expected * (n - 1) / n``: population instead of sample variance); the
    first that fires is added to the feedback as the likely cause.
    """

    def judge(args: tuple, output: Any, names: Sequence[str] = ()) -> None:
        try:
            expected = reference(*copy.deepcopy(args))
        except Exception as error:  # the reference must accept every generated input
            raise GraderError(f"the reference failed on this input: {error!r}") from error
        try:
            compare_outputs(expected, output, names, rtol=rtol, atol=atol, up_to_sign=up_to_sign)
        except Mismatch as mismatch:
            cause = diagnose(diagnoses, expected, output, args)
            if cause:
                mismatch.cause = cause
            raise

    return Check(name, inputs, judge, hint, weight, examples)


def holds(
    name: str,
    inputs: Any,
    prop: Callable[..., str | None],
    *,
    hint: str,
    weight: float = 1.0,
    examples: int = DEFAULT_EXAMPLES,
) -> Check:
    """A mathematical property: ``prop(output, *args)`` returns ``None`` when it holds, else a
    sentence saying what is wrong (or raises :class:`Mismatch` with expected/obtained)."""

    def judge(args: tuple, output: Any, names: Sequence[str] = ()) -> None:
        try:
            problem = prop(output, *copy.deepcopy(args))
        except Mismatch:
            raise
        except Exception as error:
            raise Mismatch(
                "the output could not be used", detail=f"{type(error).__name__}: {error}"
            ) from error
        if problem:
            raise Mismatch(problem)

    return Check(name, inputs, judge, hint, weight, examples)


def raises(
    name: str,
    inputs: Sequence[tuple],
    error: type[BaseException] | tuple[type[BaseException], ...],
    *,
    hint: str,
    weight: float = 1.0,
) -> Check:
    """The function refuses these inputs by raising ``error`` (a singular matrix, say)."""
    return Check(name, list(inputs), _ExpectRaise(error), hint, weight)


@dataclass
class _ExpectRaise:
    error: Any

    def __call__(self, args: tuple, output: Any, names: Sequence[str] = ()) -> None:
        kinds = self.error if isinstance(self.error, tuple) else (self.error,)
        wanted = " or ".join(kind.__name__ for kind in kinds)
        raise Mismatch(f"expected {wanted}", expected=f"raise {wanted}", obtained=output)


# --------------------------------------------------------------------------- comparing


def _as_parts(value: Any, n_parts: int) -> list[Any]:
    if n_parts == 1:
        return [value]
    if not isinstance(value, tuple | list) or len(value) != n_parts:
        raise Mismatch(
            f"expected a tuple of {n_parts} values",
            expected=f"a tuple of {n_parts}",
            obtained=_kind(value),
        )
    return list(value)


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__


def _numeric(value: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise Mismatch(
            f"{what} is not numeric", expected="numbers", obtained=_kind(value)
        ) from error
    return array


def compare_outputs(
    expected: Any,
    obtained: Any,
    names: Sequence[str] = (),
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    up_to_sign: bool = False,
) -> None:
    """Raise :class:`Mismatch` naming the first part of ``obtained`` that differs."""
    n_parts = max(len(names), 1)
    expected_parts = _as_parts(expected, n_parts)
    obtained_parts = _as_parts(obtained, n_parts)
    for index, (want, got) in enumerate(zip(expected_parts, obtained_parts, strict=True)):
        what = names[index] if names else "the result"
        want_array = np.asarray(want, dtype=np.float64)
        got_array = _numeric(got, what)
        if got_array.shape != want_array.shape:
            raise Mismatch(f"shape of {what}", expected=want_array.shape, obtained=got_array.shape)
        if up_to_sign and got_array.size:
            got_array = _align_signs(want_array, got_array)
        if not np.allclose(got_array, want_array, rtol=rtol, atol=atol, equal_nan=True):
            raise Mismatch(what, expected=want, obtained=got, detail=_where(want_array, got_array))


def _align_signs(want: np.ndarray, got: np.ndarray) -> np.ndarray:
    if got.ndim == 0:  # a number keeps its sign (an eigenvalue); only directions flip
        return got
    if got.ndim == 1:
        return got if np.dot(want, got) >= 0 else -got
    signs = np.where(np.sum(want * got, axis=tuple(range(got.ndim - 1))) < 0, -1.0, 1.0)
    return got * signs


def _where(want: np.ndarray, got: np.ndarray) -> str:
    if want.ndim == 0 or want.size <= 1:
        return ""
    with np.errstate(invalid="ignore"):
        difference = np.abs(got - want)
    difference = np.where(np.isnan(difference), np.inf, difference)
    index = np.unravel_index(int(np.argmax(difference)), want.shape)
    position = index[0] if len(index) == 1 else tuple(int(i) for i in index)
    return (
        f"largest difference at index {position}: expected {want[index]:.6g}, got {got[index]:.6g}"
    )


# --------------------------------------------------------------------------- results


@dataclass
class CheckResult:
    """How one check went: passed or not, and if not, the smallest failing input and why."""

    name: str
    weight: float
    passed: bool
    n_examples: int = 0
    message: str = ""  # the full feedback block for a failed check
    summary: str = ""  # one line


@dataclass
class GradeResult:
    """The grade of one submission: per-check results, the score in [0, 1] and the feedback."""

    exercise: str
    function: str
    checks: list[CheckResult] = field(default_factory=list)
    problem: str = ""  # a reason no check could run (missing function, wrong signature)
    elapsed: float = 0.0

    @property
    def score(self) -> float:
        total = sum(check.weight for check in self.checks)
        if self.problem or total == 0:
            return 0.0
        return sum(check.weight for check in self.checks if check.passed) / total

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def first_failure(self) -> CheckResult | None:
        return next((check for check in self.checks if not check.passed), None)

    @property
    def feedback(self) -> str:
        return format_feedback(self)

    def __repr__(self) -> str:
        return f"GradeResult({self.exercise!r}, score={self.score:.0%}, passed={self.passed})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "function": self.function,
            "score": self.score,
            "passed": self.passed,
            "problem": self.problem,
            "elapsed": self.elapsed,
            "feedback": self.feedback,
            "checks": [
                {
                    "name": c.name,
                    "weight": c.weight,
                    "passed": c.passed,
                    "n_examples": c.n_examples,
                    "summary": c.summary,
                    "message": c.message,
                }
                for c in self.checks
            ],
        }


def result_from_dict(payload: dict[str, Any]) -> GradeResult:
    """The inverse of :meth:`GradeResult.to_dict` (results cross a process boundary as JSON)."""
    result = GradeResult(
        payload["exercise"], payload["function"], problem=payload.get("problem", "")
    )
    result.elapsed = float(payload.get("elapsed", 0.0))
    result.checks = [
        CheckResult(
            c["name"], c["weight"], c["passed"], c["n_examples"], c["message"], c["summary"]
        )
        for c in payload["checks"]
    ]
    return result


def format_feedback(result: GradeResult) -> str:
    header = f"{result.exercise} — {result.function}"
    if result.problem:
        return f"{header}: score 0 %\n\n{result.problem}"
    n_pass = sum(check.passed for check in result.checks)
    lines = [
        f"{header}: {n_pass} of {len(result.checks)} checks pass — score {result.score:.0%}",
        "",
    ]
    for check in result.checks:
        mark = "✓" if check.passed else "✗"
        lines.append(f"  {mark} {check.name}")
    failure = result.first_failure
    if failure is None:
        lines += ["", "All checks pass. Well done."]
    else:
        lines += ["", f"First failing check: {failure.name}", failure.message]
    return "\n".join(lines)


# --------------------------------------------------------------------------- showing values


def show(value: Any, indent: int = 0) -> str:
    """A short, readable rendering of an input or output value."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            text = np.array2string(
                value, precision=4, suppress_small=True, max_line_width=88, threshold=80
            )
        else:
            text = np.array2string(value, max_line_width=88, threshold=80)
        text = f"{text}  (shape {value.shape})" if value.ndim > 1 else text
    elif isinstance(value, float | np.floating):
        text = f"{float(value):.6g}"
    elif isinstance(value, tuple) and value and all(isinstance(v, np.ndarray) for v in value):
        text = "(" + ", ".join(show(v) for v in value) + ")"
    elif isinstance(value, list) and len(value) > 12:
        text = repr(value[:12])[:-1] + ", ...]"
    else:
        text = repr(value)
    if len(text) > 1500:
        text = text[:1500] + " ..."
    return text.replace("\n", "\n" + " " * indent)


def _show_args(names: Sequence[str], args: tuple) -> str:
    width = max((len(name) for name in names), default=0)
    lines = []
    for name, value in zip(names, args, strict=False):
        lines.append(f"    {name:<{width}} = {show(value, indent=width + 7)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the exercise


_SIGNATURE = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(([^)]*)\)\s*$")


@dataclass
class Exercise:
    """An exercise: the function the learner writes and the checks that grade it.

    ``signature`` is how the grader calls it (``"power_iteration(A, n_iter)"``: always by
    position); ``returns`` names the parts of the result (``("eigenvalue", "eigenvector")``)
    so that feedback can say which part is wrong; ``lesson`` is the id of the lesson that
    teaches it; ``time_limit`` bounds one call in seconds.
    """

    id: str
    title: str
    signature: str
    lesson: str
    checks: list[Check]
    returns: tuple[str, ...] = ()
    summary: str = ""
    time_limit: float = 2.0

    def __post_init__(self) -> None:
        for name in ("id", "title", "signature", "lesson", "summary"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name}: expected a string, got {getattr(self, name)!r}")
        if not re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+", self.id):
            raise ValueError(f"id: expected 'topic/exercise-name' in lower case, got {self.id!r}")
        match = _SIGNATURE.match(self.signature)
        if match is None:
            raise ValueError(f"signature: expected 'name(arg, ...)', got {self.signature!r}")
        if not isinstance(self.checks, list | tuple) or not self.checks:
            raise ValueError(
                f"checks: expected a list of checks for {self.id}, got {self.checks!r}"
            )
        if not all(isinstance(check, Check) for check in self.checks):
            raise TypeError("checks: expected Check objects (from agrees, holds or raises)")
        self.checks = list(self.checks)
        self.returns = tuple(self.returns)
        self.time_limit = check_positive(self.time_limit, "time_limit")
        self.function_name = match.group(1)
        self.parameters = tuple(p.strip() for p in match.group(2).split(",") if p.strip())

    @property
    def topic(self) -> str:
        return self.id.split("/")[0]

    def grade(self, function: Any, *, stop_at_failure: bool = False) -> GradeResult:
        """Grade ``function``; never raises because of what ``function`` does.

        ``stop_at_failure`` skips the checks after the first failing one (they are reported
        as failed, unrun): a quick answer when only the first feedback is wanted.
        """
        stop_at_failure = check_bool(stop_at_failure, "stop_at_failure")
        start = time.perf_counter()
        result = GradeResult(self.id, self.function_name)
        result.problem = self._signature_problem(function)
        if not result.problem:
            for check in self.checks:
                if stop_at_failure and result.first_failure is not None:
                    result.checks.append(
                        CheckResult(check.name, check.weight, False, 0, summary="not run")
                    )
                    continue
                result.checks.append(_run_check(self, check, function))
        result.elapsed = time.perf_counter() - start
        return result

    def _signature_problem(self, function: Any) -> str:
        call = f"{self.function_name}({', '.join(self.parameters)})"
        if function is None:
            return (
                f"No function named {self.function_name} was found. Define it (def "
                f"{call}: ...) and run its cell before checking."
            )
        if not callable(function):
            return f"{self.function_name} is a {type(function).__name__}, not a function."
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            return ""  # a builtin without a signature: let the calls decide
        try:
            signature.bind(*self.parameters)
        except TypeError:
            return (
                f"Wrong signature: the grader calls {call} with {len(self.parameters)} "
                f"positional argument(s), but your function is "
                f"{self.function_name}{signature}."
            )
        return ""


def _run_check(exercise: Exercise, check: Check, function: Callable) -> CheckResult:
    state = {"n": 0, "smallest": None, "shrinks": 0}
    deadline = time.monotonic() + CHECK_BUDGET

    def attempt(args: tuple) -> None:
        if time.monotonic() > deadline:
            raise _Budget
        if state["smallest"] is not None:
            state["shrinks"] += 1
            if state["shrinks"] > SHRINK_CALLS or state.get("stop"):
                raise _Budget
        state["n"] += 1
        try:
            output = call_with_time_limit(function, copy.deepcopy(args), exercise.time_limit)
        except LearnerTimeout:
            state["timeout_args"] = args
            raise
        except (Exception, SystemExit) as error:  # the learner's code raised
            failure: Exception = LearnerRaised(error)
            failure.args_shown = args
            state["smallest"] = failure
            raise failure from None
        try:
            check.judge(args, output, exercise.returns)
        except Mismatch as mismatch:
            mismatch.args_shown = args
            state["smallest"] = mismatch
            raise

    try:
        if isinstance(check.inputs, Sequence) and not isinstance(check.inputs, str):
            for args in check.inputs:
                _attempt_fixed(attempt, check, args)
        else:
            _run_hypothesis(attempt, check, state)
    except LearnerTimeout as timeout:
        state["smallest"] = _TimedOut(state.get("timeout_args"))
        return _failed(
            check,
            state,
            "Your function did not finish within the time limit "
            f"({timeout.seconds:g} s per call). Look for a loop that never ends.",
            exercise,
            summary="time limit exceeded",
        )
    except _Budget:
        if state["smallest"] is None:
            return CheckResult(check.name, check.weight, True, state["n"], summary="passed")
        return _failed(check, state, "", exercise)
    except GraderError as error:
        return _failed(
            check,
            state,
            f"The grader itself failed ({error}); this is a bug in the course, please report it.",
            exercise,
            summary="grader error",
        )
    except (Mismatch, LearnerRaised) as failure:
        state["smallest"] = failure
        return _failed(check, state, "", exercise)
    return CheckResult(check.name, check.weight, True, state["n"], summary="passed")


def _attempt_fixed(attempt: Callable[[tuple], None], check: Check, args: tuple) -> None:
    if not isinstance(check.judge, _ExpectRaise):
        attempt(args)
        return
    kinds = check.judge.error if isinstance(check.judge.error, tuple) else (check.judge.error,)
    try:
        attempt(args)
    except LearnerRaised as raised:
        if isinstance(raised.error, kinds):
            return
        raise


def _run_hypothesis(attempt: Callable[[tuple], None], check: Check, state: dict) -> None:
    hypothesis = require("hypothesis", "grading with generated inputs")
    strategies = hypothesis.strategies
    state["draws"] = 0

    @strategies.composite
    def bounded(draw):
        # Once a failure is known, each draw is a shrinking step: stop after a fixed number
        # of them, or CPU seconds, and report the smallest failing input seen by then.
        if state["smallest"] is not None:
            if state["draws"] == 0:
                state["shrink_start"] = time.process_time()
            state["draws"] += 1
            if (
                state["draws"] > SHRINK_DRAWS
                or time.process_time() - state["shrink_start"] > SHRINK_SECONDS
            ):
                state["stop"] = True  # raised in the test body: hypothesis wants draws whole
        return draw(check.inputs)

    settings = hypothesis.settings(
        max_examples=check.examples,
        deadline=None,
        database=None,
        derandomize=True,
        verbosity=hypothesis.Verbosity.quiet,
        suppress_health_check=list(hypothesis.HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )

    @settings
    @hypothesis.given(bounded())
    def run(args: tuple) -> None:
        attempt(args)

    try:
        run()
    except hypothesis.errors.HypothesisException as error:
        # Generation itself went wrong (a strategy that rejects nearly everything): with a
        # failure in hand, report it; otherwise it is the course's bug.
        if state["smallest"] is None:
            raise GraderError(f"input generation failed: {type(error).__name__}") from None
        raise _Budget from None


def _failed(
    check: Check, state: dict, message: str, exercise: Exercise, summary: str = ""
) -> CheckResult:
    failure = state["smallest"]
    lines = []
    if failure is not None and failure.args_shown is not None:
        label = "Input" if isinstance(failure, _TimedOut) else "Smallest failing input"
        lines += [f"  {label}:", _show_args(exercise.parameters, failure.args_shown)]
    if message:
        lines.append(f"  {message}")
    elif isinstance(failure, LearnerRaised):
        error = failure.error
        lines.append(f"  Your function raised {type(error).__name__}: {error}")
        summary = summary or f"raised {type(error).__name__}"
    elif isinstance(failure, Mismatch):
        lines.append(f"  Wrong: {failure.what}")
        if failure.expected is not None or failure.obtained is not None:
            lines.append(f"    expected: {show(failure.expected, indent=14)}")
            lines.append(f"    obtained: {show(failure.obtained, indent=14)}")
        if failure.detail:
            lines.append(f"    ({failure.detail})")
        if failure.cause:
            lines.append(f"  Likely cause: {failure.cause}")
        summary = summary or f"wrong {failure.what}"
    lines.append(f"  Hint: {check.hint}")
    return CheckResult(
        check.name, check.weight, False, state["n"], message="\n".join(lines), summary=summary
    )


def relative_error(a: Any, b: Any) -> float:
    """``|a - b| / max(|a|, |b|, 1e-12)`` elementwise, maximised: used by property checks."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)
    value = np.max(np.abs(a - b) / scale, initial=0.0)
    return float(value) if math.isfinite(value) else math.inf


def near(a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """``a`` and ``b`` have one shape and agree to ``rtol``/``atol`` (for diagnoses and
    properties; never raises)."""
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))
