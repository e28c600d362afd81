"""``glassml learn serve``: a page on 127.0.0.1 only, with the tracks, the lessons with their math
typeset by the bundled KaTeX, the progress read from SQLite and the last feedback. Checked over
HTTP and in headless Chromium (tests/browser.py): the progress table matches the database, every
formula renders, no console errors, no request leaves 127.0.0.1."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from browser import inspect_page
from learn.solutions import MUTANTS, SOLUTIONS

from glassml.learn import get_exercise, start_workspace
from glassml.learn._progress import Progress
from glassml.learn._serve import serve_in_thread
from glassml.learn._submission import function_source
from glassml.learn._workspace import database_path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workspace, _ = start_workspace(tmp_path_factory.mktemp("course") / "ws")
    progress = Progress(database_path(workspace))
    for exercise_id in ("linear-algebra/power-iteration", "calculus/softmax"):
        function = SOLUTIONS[exercise_id]
        progress.record(get_exercise(exercise_id).grade(function), function_source(function))
    wrong = MUTANTS["linear-algebra/power-iteration"][1].function  # the eigenvalue's sign
    progress.record(get_exercise("linear-algebra/power-iteration").grade(wrong), "x = 1\n")
    server, url = serve_in_thread(workspace)
    yield workspace, url
    server.shutdown()
    server.server_close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_the_server_listens_on_loopback_only(site):
    _, url = site
    assert url.startswith("http://127.0.0.1:")


def test_pages_and_assets(site):
    _, url = site
    status, index = _get(url)
    assert status == 200 and "Certificate tracks" in index and "foundations" in index
    status, lesson = _get(url + "lessons/linear-algebra/eigenvalues")
    assert status == 200 and 'class="math' in lesson and "Last feedback" in lesson
    assert "lost its sign" in lesson  # the last attempt's feedback is shown
    assert _get(url + "static/katex/katex.min.js")[0] == 200
    assert _get(url + "lessons/no/such")[0] == 404
    assert _get(url + "static/../_serve.py")[0] == 404
    assert _get(url + "static/%2e%2e/_serve.py")[0] == 404


_PROGRESS = (
    "Array.from(document.querySelectorAll('section[data-track=foundations] tr[data-exercise]'))"
    ".map(r => [r.dataset.exercise, r.dataset.best, r.dataset.attempts])"
)
_MATH = (
    "[document.querySelectorAll('.math').length, document.querySelectorAll('.math .katex').length,"
    " document.querySelectorAll('.katex-error').length,"
    " Array.from(document.querySelectorAll('.md')).filter(d => d.innerText.includes('$')).length]"
)


def test_in_chromium_the_progress_matches_sqlite_and_math_renders(site, tmp_path):
    workspace, url = site
    origin = url.rstrip("/")
    report = inspect_page(
        url, tmp_path / "index.png", allowed_origins=(origin,), evaluate={"rows": _PROGRESS,
                                                                          "math": _MATH}
    )  # fmt: skip
    report.assert_clean()
    summary = Progress(database_path(workspace)).summary()
    rows = {exercise: (best, int(attempts)) for exercise, best, attempts in report.values["rows"]}
    assert len(rows) >= 40
    for exercise, (best, attempts) in rows.items():
        entry = summary.get(exercise)
        assert attempts == (entry["attempts"] if entry else 0), exercise
        assert best == (f"{entry['best']:.4f}" if entry else ""), exercise
    assert rows["linear-algebra/power-iteration"][1] == 2
    n_math, n_rendered, n_errors, _ = report.values["math"]
    assert n_math >= 1 and n_rendered == n_math and n_errors == 0

    lesson = inspect_page(
        url + "lessons/linear-algebra/eigenvalues",
        tmp_path / "lesson.png",
        allowed_origins=(origin,),
        evaluate={"math": _MATH},
    )
    lesson.assert_clean()
    n_math, n_rendered, n_errors, raw_dollars = lesson.values["math"]
    assert n_math >= 5 and n_rendered == n_math and n_errors == 0
    assert raw_dollars == 0, "a formula was left as $...$ text"
