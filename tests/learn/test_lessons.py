"""Every lesson parses, names only registered exercises, becomes a valid notebook, and runs top
to bottom with the reference solutions filled in (each ``check`` then scores 100 %). The
shipped stubs run too: ``check`` reports NotImplementedError instead of stopping the lesson.

In the default suite every lesson runs as a plain script (its code cells in order, matplotlib on
Agg), and the cheapest lessons also run as notebooks in a Jupyter kernel through nbclient, as a
learner's Jupyter would; with ``GLASSML_FULL=1`` every other lesson runs in a kernel too
(``KERNEL_IN_CI`` below), so the two subsets together execute every lesson through nbclient.

A kernel run costs far more than the script: the kernel's start and the imports of glassml.learn,
matplotlib and scikit-learn took about 12 s of the total (a trivial notebook 2.7 s) at load 12
on 2 cores. Wall seconds per lesson, measured with ``GLASSML_FULL=1`` (load average 10-15):
24-26 s for capstones/medical-imaging, capstones/recommendation, probability/ab-testing-and-power,
capstones/predictive-maintenance, calculus/gradient-checking, optimisation/momentum-and-adaptive-
methods, probability/regression-analysis, optimisation/conditioning, probability/hypothesis-tests,
fairness-privacy, capstones/fraud-detection; 27-35 s for the 26 others up to
linear-algebra/vectors-and-matrices; 48 s regression/regularisation; 109 s
recommenders/matrix-factorisation; 110 s svm/support-vector-machines; 122 s
clustering/kmeans-and-gmm (41 lessons, 24 min in all).
"""

from __future__ import annotations

import json

import matplotlib
import pytest
from learn.solutions import SOLUTIONS

import glassml.learn
from glassml.learn import all_exercises, check
from glassml.learn._lessons import Lesson, all_lessons
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


# The cheapest lessons in a kernel (24 s each at load ~12): the notebook path in CI's budget.
KERNEL_IN_CI = {"capstones/medical-imaging", "probability/ab-testing-and-power"}
KERNEL_RUNS = [
    lesson if lesson.id in KERNEL_IN_CI else pytest.param(lesson, marks=pytest.mark.slow)
    for lesson in LESSONS
]


def test_every_lesson_runs_in_a_kernel_in_ci_or_in_the_full_run():
    assert KERNEL_IN_CI <= {lesson.id for lesson in LESSONS}, "a CI kernel lesson was renamed"
    in_ci = [run.id for run in KERNEL_RUNS if isinstance(run, Lesson)]
    slow = [run.values[0].id for run in KERNEL_RUNS if not isinstance(run, Lesson)]
    assert sorted(in_ci) == sorted(KERNEL_IN_CI)
    assert sorted(in_ci + slow) == sorted(lesson.id for lesson in LESSONS)


@pytest.mark.parametrize("lesson", KERNEL_RUNS, ids=lambda lesson: lesson.id)
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
