"""Progress in SQLite: every attempt recorded with its source, writes are transactions (a crash
mid-write leaves the last committed state), and a damaged file is reported with a way out."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import glassml
from glassml.learn import check, get_exercise, start_workspace
from glassml.learn._progress import Progress, ProgressError
from glassml.learn._submission import function_source, sha256
from glassml.learn._workspace import database_path


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def graded():
    return get_exercise("calculus/softmax").grade(softmax)


def test_an_attempt_is_recorded_with_everything(tmp_path, graded):
    progress = Progress(tmp_path / "p.sqlite")
    source = function_source(softmax)
    progress.record(graded, source)
    (attempt,) = progress.attempts()
    assert attempt.exercise == "calculus/softmax" and attempt.score == 1.0 and attempt.passed
    assert attempt.glassml_version == glassml.__version__
    assert attempt.source_sha256 == sha256(source)
    assert progress.source(attempt.source_sha256) == (source, "softmax")
    assert "T" in attempt.created_at and attempt.feedback == graded.feedback
    summary = progress.summary()["calculus/softmax"]
    assert summary["attempts"] == 1 and summary["best"] == 1.0 and summary["passed"] is not None


def test_check_in_a_workspace_records_a_self_contained_source(tmp_path, monkeypatch, capsys):
    workspace, _ = start_workspace(tmp_path / "ws")
    lessons = workspace / "lessons" / "calculus"
    monkeypatch.chdir(lessons)  # notebooks run in their folder: the workspace is found above
    check("calculus/softmax", softmax, quiet=True)
    (attempt,) = Progress(database_path(workspace)).attempts()
    source, name = Progress(database_path(workspace)).source(attempt.source_sha256)
    assert "import numpy as np" in source and "def softmax" in source
    namespace: dict = {}
    exec(source, namespace)  # the stored source runs on its own
    assert get_exercise("calculus/softmax").grade(namespace[name]).passed


_CRASH_MID_RECORD = """
import os, sys
import numpy as np
from glassml.learn import get_exercise
from glassml.learn import _progress
def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
progress = _progress.Progress(sys.argv[1])
result = get_exercise("calculus/softmax").grade(softmax)
progress.record(result, "first = 1\\n")
class Dying:
    @staticmethod
    def now(tz):  # called inside record's transaction, after the submission row is written
        os._exit(9)
_progress.datetime = Dying
progress.record(result, "second = 2\\n")
"""


def test_a_crash_mid_write_leaves_the_last_committed_state(tmp_path):
    path = tmp_path / "p.sqlite"
    script = tmp_path / "crash.py"
    script.write_text(_CRASH_MID_RECORD)
    completed = subprocess.run([sys.executable, str(script), str(path)], capture_output=True)
    assert completed.returncode == 9, completed.stderr.decode()
    progress = Progress(path)  # opens: the integrity check passes
    assert len(progress.attempts()) == 1
    with sqlite3.connect(path) as connection:
        sources = [row[0] for row in connection.execute("SELECT source FROM submissions")]
    assert sources == ["first = 1\n"]  # the half-written second attempt left nothing


_WRITE_FOREVER = """
import sys
import numpy as np
from glassml.learn import get_exercise
from glassml.learn._progress import Progress
def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
progress = Progress(sys.argv[1])
result = get_exercise("calculus/softmax").grade(softmax)
print("ready", flush=True)
i = 0
while True:
    progress.record(result, f"x = {i}\\n")
    i += 1
"""


def test_killing_the_writer_never_corrupts_the_database(tmp_path):
    path = tmp_path / "p.sqlite"
    script = tmp_path / "writer.py"
    script.write_text(_WRITE_FOREVER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        time.sleep(1.5)
    finally:
        process.kill()
        process.wait()
    progress = Progress(path)
    attempts = progress.attempts()
    assert attempts, "the writer recorded nothing before it was killed"
    for attempt in attempts:  # every committed attempt has its source: no half transaction
        assert progress.source(attempt.source_sha256) is not None


def test_a_damaged_database_gives_a_clear_error_with_a_recovery_hint(tmp_path, graded):
    path = tmp_path / "p.sqlite"
    Progress(path).record(graded, "x = 1\n")
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\x17" * 3900  # the header's page and the schema are scrambled
    path.write_bytes(bytes(data))
    with pytest.raises(ProgressError, match="damaged") as info:
        Progress(path)
    assert "mv " in str(info.value) and "glassml learn start" in str(info.value)
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(ProgressError, match="damaged"):
        Progress(path)


def test_a_database_from_a_newer_glassml_is_refused(tmp_path):
    path = tmp_path / "p.sqlite"
    Progress(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ProgressError, match="newer glassml"):
        Progress(path)


def test_a_damaged_database_does_not_stop_check(tmp_path, monkeypatch, capsys):
    workspace, _ = start_workspace(tmp_path / "ws")
    database_path(workspace).write_bytes(b"garbage" * 1000)
    monkeypatch.chdir(workspace)
    result = check("calculus/softmax", softmax)
    assert result.passed
    assert "Not recorded" in capsys.readouterr().out


def test_start_keeps_the_learners_notebooks(tmp_path):
    workspace, written = start_workspace(tmp_path / "ws")
    assert len(written) >= 30
    notebook = written[0]
    notebook.write_text(notebook.read_text() + " ")  # the learner's work
    before = notebook.read_text()
    _, again = start_workspace(workspace)
    assert again == [] and notebook.read_text() == before
    with pytest.raises(ValueError, match="directory"):
        start_workspace(notebook)


def test_function_source_brings_helpers_imports_and_constants(tmp_path, monkeypatch):
    (tmp_path / "learner_module.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            from math import sqrt
            SCALE = 2.0
            def helper(x):
                return np.asarray(x) * SCALE
            def main(x):
                return sqrt(4) * helper(x)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import learner_module

    source = function_source(learner_module.main)
    for line in ("import numpy as np", "from math import sqrt", "SCALE = 2.0", "def helper"):
        assert line in source
    namespace: dict = {}
    exec(source, namespace)
    assert namespace["main"](np.ones(2)).tolist() == [4.0, 4.0]
    exec("def f(x):\n    return x\n", namespace)
    assert function_source(namespace["f"]) is None  # no file behind it: said, not guessed
    assert function_source(np.sum) is None
