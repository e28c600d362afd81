"""Certificates: written only for a complete track, with a verification code over the graded
record; ``verify`` re-grades the stored submissions in a separate process and catches an edited
certificate or an altered submission."""

from __future__ import annotations

import re
import sqlite3

import pytest
from learn.solutions import SOLUTIONS

from glassml.cli import main
from glassml.learn import _tracks, get_exercise, start_workspace
from glassml.learn._certificate import (
    read_certificate,
    verification_code,
    verify_certificate,
    write_certificate,
)
from glassml.learn._progress import Progress
from glassml.learn._submission import function_source
from glassml.learn._tracks import Track
from glassml.learn._workspace import database_path

SMALL = Track("small", "A small track", "two exercises", ("calculus/softmax", "regression/soft-*"))


@pytest.fixture
def small_track(monkeypatch):
    monkeypatch.setattr(_tracks, "TRACKS", (*_tracks.TRACKS, SMALL))
    return SMALL


def _pass(workspace, exercise_id):
    function = SOLUTIONS[exercise_id]
    result = get_exercise(exercise_id).grade(function)
    assert result.passed
    Progress(database_path(workspace)).record(result, function_source(function))


@pytest.fixture
def finished(tmp_path, small_track):
    workspace, _ = start_workspace(tmp_path / "ws")
    for exercise in small_track.exercises():
        _pass(workspace, exercise.id)
    return workspace


def test_an_incomplete_track_gets_no_certificate(tmp_path, small_track):
    workspace, _ = start_workspace(tmp_path / "ws")
    _pass(workspace, "calculus/softmax")
    with pytest.raises(ValueError, match=r"not complete: 1 of 2 .*regression/soft-threshold"):
        write_certificate("small", "Ada Lovelace", workspace)


def test_certificate_lists_the_record_and_verifies(finished):
    (html_path, *rest) = write_certificate("small", "Ada Lovelace", finished)
    text = html_path.read_text()
    assert "Ada Lovelace" in text and "calculus/softmax" in text and "100 %" in text
    assert "cannot" in text  # says what a local certificate cannot prove
    record, code = read_certificate(html_path)
    assert code == verification_code(record) and re.fullmatch(r"[0-9a-f]{64}", code)
    assert code in text
    assert [row["exercise"] for row in record["exercises"]] == [
        "calculus/softmax",
        "regression/soft-threshold",
    ]
    if rest:  # WeasyPrint installed: a PDF beside the HTML
        assert rest[0].suffix == ".pdf" and rest[0].read_bytes().startswith(b"%PDF")
    report = verify_certificate(html_path, finished)
    assert report.ok, report.problems
    assert [row["regraded"] for row in report.rows] == [1.0, 1.0]


def test_an_edited_certificate_fails_verification(finished):
    (html_path, *_) = write_certificate("small", "Ada Lovelace", finished)
    html_path.write_text(html_path.read_text().replace('"Ada Lovelace"', '"Mallory"'))
    report = verify_certificate(html_path, finished)
    assert not report.ok and not report.code_matches
    assert any("edited" in problem for problem in report.problems)


def test_an_altered_submission_fails_verification(finished):
    (html_path, *_) = write_certificate("small", "Ada Lovelace", finished)
    with sqlite3.connect(database_path(finished)) as connection:
        connection.execute("UPDATE submissions SET source = source || '\n# changed\n'")
    report = verify_certificate(html_path, finished)
    assert not report.ok and report.code_matches
    assert all("altered" in problem for problem in report.problems)


def test_a_submission_that_no_longer_passes_is_caught(finished):
    (html_path, *_) = write_certificate("small", "Ada Lovelace", finished)
    record, _ = read_certificate(html_path)
    digest = record["exercises"][0]["source_sha256"]
    broken = "def softmax(z):\n    return z\n"
    from glassml.learn._submission import sha256

    # a forged record: the same code as before, pointing at a source that does not pass
    with sqlite3.connect(database_path(finished)) as connection:
        connection.execute(
            "INSERT INTO submissions VALUES (?, ?, 'softmax')", (sha256(broken), broken)
        )
    record["exercises"][0]["source_sha256"] = sha256(broken)
    forged = html_path.read_text().replace(digest, sha256(broken))
    html_path.write_text(forged)
    report = verify_certificate(html_path, finished)
    assert not report.ok
    assert any("no longer passes" in problem for problem in report.problems)


def test_cli_certificate_and_verify(finished, capsys):
    out_file = finished / "cert.html"
    assert main(["learn", "certificate", "small", "--name", "Ada", "--dir", str(finished),
                 "--out", str(out_file)]) == 0  # fmt: skip
    assert out_file.exists()
    assert main(["learn", "verify", str(out_file), "--dir", str(finished)]) == 0
    assert "Verified" in capsys.readouterr().out
    assert main(["learn", "certificate", "foundations", "--name", "Ada", "--dir",
                 str(finished)]) == 2  # fmt: skip
    assert "not complete" in capsys.readouterr().err


def test_a_name_is_required(finished):
    with pytest.raises(ValueError, match="name"):
        write_certificate("small", "   ", finished)
