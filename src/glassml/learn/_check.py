"""``check(exercise_id, function)``: grade in the notebook, show the feedback, record it."""

from __future__ import annotations

import inspect
import os
from typing import Any

from glassml._validation import check_bool
from glassml.learn._curriculum import get_exercise
from glassml.learn._grading import GradeResult

# Set in the process that ``glassml learn check FILE`` starts: the learner's own check(...)
# calls do nothing there, the runner grades every function once.
RUNNER_ENVIRONMENT = "GLASSML_LEARN_RUNNER"


def check(
    exercise_id: str, function: Any = None, *, record: bool = True, quiet: bool = False
) -> GradeResult | None:
    """Grade ``function`` for the exercise ``exercise_id`` and print the feedback.

    Parameters
    ----------
    exercise_id : str
        Such as ``"linear-algebra/power-iteration"`` (``glassml learn tracks`` lists them).
    function : callable, optional
        Your function. If omitted, the function named in the exercise (``power_iteration``)
        is looked up where ``check`` is called.
    record : bool, default=True
        Record the attempt in the workspace's progress database, if there is a workspace at or
        above the current folder (``glassml learn start`` creates one).
    quiet : bool, default=False
        Do not print the feedback (it is in the result's ``feedback``).

    Returns
    -------
    GradeResult
        ``score`` in [0, 1], ``passed``, per-check results and ``feedback``. ``None`` inside
        ``glassml learn check FILE``, which grades every function itself.

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.learn import check
    >>> def softmax(z):
    ...     e = np.exp(z - z.max(axis=-1, keepdims=True))
    ...     return e / e.sum(axis=-1, keepdims=True)
    >>> check("calculus/softmax", softmax, record=False, quiet=True).score
    1.0
    """
    if os.environ.get(RUNNER_ENVIRONMENT) == "1":
        return None
    exercise = get_exercise(exercise_id)
    record = check_bool(record, "record")
    quiet = check_bool(quiet, "quiet")
    if function is None:
        caller = inspect.currentframe().f_back
        if caller is not None:
            name = exercise.function_name
            function = caller.f_locals.get(name, caller.f_globals.get(name))
    result = exercise.grade(function)
    if not quiet:
        print(result.feedback)
    if record:
        _record(result, function, quiet)
    return result


def _record(result: GradeResult, function: Any, quiet: bool) -> None:
    from glassml.learn._progress import Progress, ProgressError
    from glassml.learn._submission import function_source
    from glassml.learn._workspace import database_path, find_workspace

    workspace = find_workspace()
    if workspace is None:
        return
    try:
        Progress(database_path(workspace)).record(result, function_source(function))
    except ProgressError as error:
        print(f"\nNot recorded: {error}")
