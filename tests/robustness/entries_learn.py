"""Robustness entries for glassml.learn: the course's public functions and classes.

Its arguments are ids, names, paths and Python functions rather than data arrays, so the
families that apply are the option families: wrong kinds of value, unknown ids, and NumPy
booleans where a flag is expected. Calls run in a temporary workspace with a one-exercise
track added only for the duration of the call, so no other test sees it.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import numpy as np
from robustness.framework import Entry, opt

from glassml.learn import (
    Exercise,
    GradeResult,
    Track,
    _tracks,
    all_exercises,
    check,
    get_exercise,
    start_workspace,
    verify_certificate,
    write_certificate,
)
from glassml.learn._grading import agrees
from glassml.learn._progress import Progress
from glassml.learn._submission import function_source
from glassml.learn._workspace import database_path

ROOT = Path(tempfile.mkdtemp(prefix="glassml-robustness-learn-"))
A_FILE = ROOT / "a-file.txt"
A_FILE.write_text("not a folder\n")
DEMO = Track("robustness-demo", "Demo", "one exercise", ("calculus/softmax",))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@contextlib.contextmanager
def _demo_track():
    saved = _tracks.TRACKS
    _tracks.TRACKS = (*saved, DEMO)
    try:
        yield
    finally:
        _tracks.TRACKS = saved


def _workspace() -> Path:
    workspace = ROOT / "ws"
    if not (workspace / ".glassml-learn").exists():
        start_workspace(workspace)
        result = get_exercise("calculus/softmax").grade(softmax)
        Progress(database_path(workspace)).record(result, function_source(softmax))
    return workspace


def _certificate() -> Path:
    target = ROOT / "certificate.html"
    if not target.exists():
        with _demo_track():
            write_certificate("robustness-demo", "Ada", _workspace(), target)
    return target


def _check(exercise_id, record, quiet):
    return check(exercise_id, softmax, record=record, quiet=quiet).score


def _get_exercise(exercise_id):
    return len(get_exercise(exercise_id).checks)


def _start(directory):
    _, _written = start_workspace(directory)
    return len(list(Path(directory).rglob("*.ipynb")))


def _write(track_id, name, directory):
    with _demo_track():
        return len(write_certificate(track_id, name, directory, ROOT / "written.html"))


def _verify(cert, directory, timeout):
    report = verify_certificate(cert, directory, timeout=timeout)
    return [float(report.ok), *[row["regraded"] for row in report.rows]]


def _exercise(exercise_id, signature, time_limit):
    exercise = Exercise(
        exercise_id,
        "demo",
        signature,
        "calculus/chain-rule",
        [agrees("agrees", [(np.zeros((1, 2)),)], softmax, hint="h")],
        time_limit=time_limit,
    )
    return exercise.time_limit + len(exercise.parameters)


def _grade(stop_at_failure):
    return get_exercise("calculus/logsumexp").grade(np.max, stop_at_failure=stop_at_failure).score


def _grade_result(exercise, function):
    return GradeResult(exercise, function).score


def _to_dict():
    return get_exercise("calculus/softmax").grade(softmax).to_dict()["score"]


def _track(track_id):
    return len(Track(track_id, "t", "p", ("calculus/*",)).exercises())


NO_DATA = "the course's arguments are ids, names, paths and functions: no data arrays"

ENTRIES = [
    Entry(
        "glassml.learn.check",
        _check,
        {"exercise_id": "calculus/softmax", "record": False, "quiet": True},
        options={"exercise_id": opt(), "record": opt(), "quiet": opt()},
    ),
    Entry(
        "glassml.learn.get_exercise",
        _get_exercise,
        {"exercise_id": "linear-algebra/pca"},
        options={"exercise_id": opt("", "linear-algebra/")},
    ),
    Entry("glassml.learn.all_exercises", lambda: len(all_exercises()), {}),
    Entry(
        "glassml.learn.start_workspace",
        _start,
        {"directory": str(ROOT / "started")},
        options={"directory": opt(3, None, str(A_FILE), auto=False)},
    ),
    Entry(
        "glassml.learn.write_certificate",
        _write,
        {"track_id": "robustness-demo", "name": "Ada", "directory": str(_workspace())},
        options={
            "track_id": opt("foundations"),  # a track not yet complete in this workspace
            "name": opt("", "   ", 3, auto=False),
            "directory": opt(3, str(ROOT / "nowhere"), auto=False),
        },
        aliases={"track_id": ("track",)},
    ),
    Entry(
        "glassml.learn.verify_certificate",
        _verify,
        {"cert": str(_certificate()), "directory": str(_workspace()), "timeout": 300.0},
        options={
            "cert": opt(3, str(ROOT / "missing.html"), str(A_FILE), auto=False),
            "directory": opt(3, str(ROOT / "nowhere"), auto=False),
            "timeout": opt(0.0, -1.0),
        },
    ),
    Entry(
        "glassml.learn.Exercise",
        _exercise,
        {"exercise_id": "calculus/softmax-demo", "signature": "softmax(z)", "time_limit": 2.0},
        options={
            "exercise_id": opt("Not An Id"),
            "signature": opt("softmax", "1(z)"),
            "time_limit": opt(0.0, -1.0),
        },
        aliases={"exercise_id": ("id",)},
    ),
    Entry(
        "glassml.learn.Exercise.grade",
        _grade,
        {"stop_at_failure": True},
        options={"stop_at_failure": opt()},
    ),
    Entry(
        "glassml.learn.GradeResult",
        _grade_result,
        {"exercise": "calculus/softmax", "function": "softmax"},
    ),
    Entry("glassml.learn.GradeResult.to_dict", _to_dict, {}),
    Entry(
        "glassml.learn.Track",
        _track,
        {"track_id": "demo"},
        options={"track_id": opt(3, auto=False)},
        aliases={"track_id": ("id",)},
    ),
    Entry("glassml.learn.Track.exercises", lambda: len(DEMO.exercises()), {}),
]

EXEMPT: dict[str, str] = {}
