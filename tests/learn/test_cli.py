"""``glassml learn ...`` end to end: start, check a .py and an .ipynb in a subprocess with a time
limit, status, tracks, and one-line errors."""

from __future__ import annotations

import json
import textwrap

import pytest

from glassml.cli import main
from glassml.learn import TRACKS, all_exercises
from glassml.learn._progress import Progress
from glassml.learn._workspace import database_path

SOLVED = textwrap.dedent(
    """
    import numpy as np
    from glassml.learn import check

    def softmax(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def logsumexp(z):
        return np.log(np.exp(z).sum(axis=-1))  # overflows at 1000

    check("calculus/softmax", softmax)  # does nothing under `glassml learn check`
    """
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    assert main(["learn", "start", "--dir", str(folder)]) == 0
    return folder


def test_start_writes_the_notebooks_and_the_database(workspace):
    notebooks = sorted((workspace / "lessons").rglob("*.ipynb"))
    assert len(notebooks) >= 30
    assert database_path(workspace).exists() and (workspace / "README.md").exists()


def test_check_a_python_file_grades_every_function_and_records_the_file(workspace, capsys):
    solution = workspace / "mine.py"
    solution.write_text(SOLVED)
    before = len(Progress(database_path(workspace)).attempts())
    code = main(["learn", "check", str(solution)])
    out = capsys.readouterr().out
    assert code == 0
    assert "calculus/softmax — softmax: 3 of 3" in out
    assert "calculus/logsumexp — logsumexp: 1 of 2" in out and "1 of 2 exercise(s) passed" in out
    attempts = Progress(database_path(workspace)).attempts()[before:]
    assert {a.exercise for a in attempts} == {"calculus/softmax", "calculus/logsumexp"}
    source, _ = Progress(database_path(workspace)).source(attempts[0].source_sha256)
    assert source == SOLVED  # the whole file is the submission


def test_check_one_exercise_whose_function_is_missing(workspace, capsys):
    solution = workspace / "mine.py"
    solution.write_text(SOLVED)
    assert main(["learn", "check", str(solution), "linear-algebra/pca"]) == 0
    assert "No function named pca_transform" in capsys.readouterr().out


def test_a_file_that_never_finishes_is_stopped(workspace, capsys):
    looping = workspace / "loop.py"
    looping.write_text("while True:\n    pass\n")
    assert main(["learn", "check", str(looping), "--timeout", "4"]) == 1
    assert "stopped after 4 s" in capsys.readouterr().out


def test_a_file_that_raises_is_reported(workspace, capsys):
    broken = workspace / "broken.py"
    broken.write_text("import numpy as np\n1 / 0\n")
    assert main(["learn", "check", str(broken)]) == 1
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_check_a_notebook_through_nbclient(workspace, capsys):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "%matplotlib inline\nimport numpy as np"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "def softmax(z):\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n"
                   "    return e / e.sum(axis=-1, keepdims=True)"},
    ]  # fmt: skip
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }  # fmt: skip
    path = workspace / "mine.ipynb"
    path.write_text(json.dumps(notebook))
    assert main(["learn", "check", str(path), "calculus/softmax"]) == 0
    assert "3 of 3 checks pass" in capsys.readouterr().out
    last = Progress(database_path(workspace)).attempts()[-1]
    source, _ = Progress(database_path(workspace)).source(last.source_sha256)
    assert "# %matplotlib inline" in source and "def softmax" in source


def test_status_shows_every_track(workspace, capsys, monkeypatch):
    monkeypatch.chdir(workspace / "lessons")
    assert main(["learn", "status"]) == 0
    out = capsys.readouterr().out
    for track in TRACKS:
        assert track.id in out
    assert "calculus/softmax" in out and "passed" in out


def test_tracks_lists_all_five_with_their_exercises(capsys):
    assert main(["learn", "tracks"]) == 0
    out = capsys.readouterr().out
    assert len(TRACKS) == 5
    for exercise in all_exercises():
        assert exercise.id in out
    assert "To come" not in out  # every topic the five programmes name is in the course


def test_tracks_names_topics_still_to_come(capsys, monkeypatch):
    import dataclasses

    import glassml.learn._tracks as tracks

    waiting = dataclasses.replace(tracks.TRACKS[0], awaited=("quantum kernels",))
    monkeypatch.setattr(tracks, "TRACKS", (waiting,))
    assert main(["learn", "tracks"]) == 0
    assert "To come: quantum kernels." in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["learn", "status", "--dir", "/"], "no"),
        (["learn", "tracks", "no-such-track"], "track: expected one of"),
        (["learn", "check", "/no/such/file.py"], "FILE: expected a .py or .ipynb"),
        (["learn", "certificate", "foundations", "--name", "A", "--dir", "/"], "workspace"),
        (["learn", "verify", "/no/such/cert.html", "--dir", "/"], "cert"),
    ],
)
def test_errors_are_one_line_on_stderr(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassml learn ") and message in err and "Traceback" not in err


def test_status_on_a_damaged_database(tmp_path, capsys):
    assert main(["learn", "start", "--dir", str(tmp_path / "ws")]) == 0
    database_path(tmp_path / "ws").write_bytes(b"\x00garbage" * 500)
    assert main(["learn", "status", "--dir", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "mv " in err


def test_serve_prints_its_loopback_url_and_serves(workspace):
    import re
    import subprocess
    import sys
    import time
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "glassml.cli", "learn", "serve", "--port", "0", "--dir",
         str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        seen, deadline = "", time.monotonic() + 60
        while time.monotonic() < deadline:
            seen += process.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+/", seen.replace("\n", ""))
            if found:
                break
        assert found, seen
        with urllib.request.urlopen(found.group(0), timeout=10) as response:
            assert response.status == 200 and b"Certificate tracks" in response.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
