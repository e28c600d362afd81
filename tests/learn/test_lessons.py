"""Every lesson parses, names only registered exercises, becomes a valid notebook, and runs top
to bottom with the reference solutions filled in (each ``check`` then scores 100 %). The
shipped stubs run too: ``check`` reports NotImplementedError instead of stopping the lesson.

Lessons run as plain scripts (their code cells in order, matplotlib on Agg); with
``GLASSML_FULL=1`` every lesson also runs as a notebook in a Jupyter kernel through nbclient, as
a learner's Jupyter would (about 10-35 s per lesson, mostly the kernel's start).
"""

from __future__ import annotations

import json

import matplotlib
import pytest
from learn.solutions import SOLUTIONS

import glassml.learn
from glassml.learn import all_exercises, check
from glassml.learn._lessons import all_lessons
from glassml.learn._submission import function_source

matplotlib.use("Agg")
LESSONS = all_lessons()


def test_lessons_and_exercises_match():
    in_lessons = {e: lesson.id for lesson in LESSONS for e in lesson.exercises}
    registered = {exercise.id: exercise for exercise in all_exercises()}
    assert set(in_lessons) == set(registered), (
        f"in lessons only: {sorted(set(in_lessons) - set(registered))}; "
        f"registered only: {sorted(set(registered) - set(in_lessons))}"
    )
    wrong = {
        e: (x.lesson, in_lessons[e]) for e, x in registered.items() if x.lesson != in_lessons[e]
    }
    assert not wrong, f"exercise.lesson differs from the lesson that holds it: {wrong}"
    ids = [lesson.id for lesson in LESSONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_lesson_has_math_an_example_with_a_figure_and_exercises(lesson):
    text = "\n".join(cell.source for cell in lesson.cells if cell.kind == "markdown")
    code = "\n".join(cell.source for cell in lesson.cells if cell.kind == "code")
    assert lesson.title != lesson.stem and "$" in text, "a title and some mathematics"
    assert "plt.show()" in code, "a worked example with a figure"
    assert lesson.exercises, "at least one exercise"


def _solved_script(lesson) -> str:
    replacements = {}
    for exercise in lesson.exercises:
        function = SOLUTIONS[exercise]
        name = glassml.learn.get_exercise(exercise).function_name
        source = function_source(function)
        assert source is not None
        replacements[exercise] = f"{source}\n{name} = {function.__name__}\n" + (
            f"check({exercise!r}, {name})\n"
        )
    return lesson.script(replacements)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_lesson_runs_with_reference_solutions(lesson, monkeypatch, tmp_path):
    results = []

    def recording_check(exercise_id, function=None, **options):
        result = check(exercise_id, function, record=False, quiet=True)
        results.append(result)
        return result

    monkeypatch.setattr(glassml.learn, "check", recording_check)
    monkeypatch.chdir(tmp_path)  # no workspace here: nothing is recorded
    exec(compile(_solved_script(lesson), lesson.id, "exec"), {"__name__": "__main__"})
    import matplotlib.pyplot as plt

    plt.close("all")
    assert [r.exercise for r in results] == lesson.exercises
    failed = [r.feedback for r in results if not r.passed]
    assert not failed, "\n\n".join(failed)


def test_unsolved_lesson_runs_and_reports_not_implemented(monkeypatch, tmp_path, capsys):
    lesson = LESSONS[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(lesson.script(), lesson.id, "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    assert "NotImplementedError" in out and "score 0%" in out


def test_notebook_is_valid_nbformat(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    for lesson in LESSONS:
        path = lesson.write_notebook(tmp_path / f"{lesson.stem}.ipynb")
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        tagged = [c for c in notebook.cells if "exercise" in c.metadata.get("tags", [])]
        assert [c.metadata["exercise"] for c in tagged] == lesson.exercises
    assert json.loads(path.read_text())["metadata"]["glassml"]["lesson"] == LESSONS[-1].id


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_formula_is_cut_out_for_katex(lesson):
    """No $ survives in the rendered text: each formula became a math element for KaTeX."""
    prose = [markdown for markdown in lesson.html().split("<pre>") if "</pre>" not in markdown]
    prose += [part.split("</pre>", 1)[1] for part in lesson.html().split("<pre>")[1:]]
    assert "$" not in "".join(prose)
    assert lesson.html().count('class="math') >= 3


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_lesson_notebook_runs_in_a_kernel_with_reference_solutions(lesson, tmp_path):
    """The rendered notebook, solutions filled in, executed by nbclient as Jupyter would."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    path = lesson.write_notebook(tmp_path / f"{lesson.stem}.ipynb")
    notebook = nbformat.read(path, as_version=4)
    solved = {}
    for exercise in lesson.exercises:
        function = SOLUTIONS[exercise]
        name = glassml.learn.get_exercise(exercise).function_name
        solved[exercise] = (
            f"{function_source(function)}\n{name} = {function.__name__}\n"
            f"assert check({exercise!r}, {name}, record=False).passed\n"
        )
    for cell in notebook.cells:
        if cell.metadata.get("exercise") in solved:
            cell.source = solved[cell.metadata["exercise"]]
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3")
    client.execute(cwd=str(tmp_path))
