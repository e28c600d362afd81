"""Grading a learner's file in a separate process with a time limit.

``glassml learn check FILE`` and ``glassml learn verify`` never run a learner's code in their own
process: a child process (``python -m glassml.learn._runner JOBS OUT``) runs each file (a
``.py`` as a module, an ``.ipynb`` in a Jupyter kernel through nbclient), grades the functions
it defines, and writes the results as JSON. The parent waits at most ``timeout`` seconds, then
kills the child's whole process group (a kernel included). Inside the child the learner's own
``check(...)`` calls do nothing (``GLASSML_LEARN_RUNNER=1``), so each function is graded once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassml.learn._check import RUNNER_ENVIRONMENT
from glassml.learn._curriculum import all_exercises, get_exercise
from glassml.learn._grading import GradeResult, result_from_dict

# Seconds the top level of one file may run (imports, a worked example) before grading.
MODULE_TIME_LIMIT = 120.0


@dataclass
class Job:
    """One file to run and grade: all the exercises it defines, or one named exercise."""

    path: str
    exercise: str | None = None


@dataclass
class JobOutcome:
    results: list[GradeResult]
    error: str = ""


def notebook_script(path: str | Path) -> str:
    """The code cells of a notebook as one script; IPython magics are commented out."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    parts = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines = [
            f"# {line}" if line.lstrip().startswith(("%", "!")) else line
            for line in source.splitlines()
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def submission_source(path: str | Path) -> str:
    """What is stored for a graded file: the file, or a notebook's code cells."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return notebook_script(path)
    return path.read_text(encoding="utf-8")


def run_jobs(jobs: list[Job], timeout: float = 600.0) -> list[JobOutcome]:
    """Run the jobs in one child process; never raises because of what the files do."""
    with tempfile.TemporaryDirectory(prefix="glassml-learn-") as folder:
        jobs_path, out_path = Path(folder) / "jobs.json", Path(folder) / "out.json"
        jobs_path.write_text(json.dumps([job.__dict__ for job in jobs]), encoding="utf-8")
        environment = {**os.environ, RUNNER_ENVIRONMENT: "1", "MPLBACKEND": "Agg"}
        process = subprocess.Popen(
            [sys.executable, "-m", "glassml.learn._runner", str(jobs_path), str(out_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return [
                JobOutcome(
                    [],
                    f"stopped after {timeout:g} s: the file did not finish running "
                    "(a loop that never ends at its top level?)",
                )
                for _ in jobs
            ]
        if not out_path.exists():
            tail = output.decode("utf-8", "replace")[-2000:]
            return [JobOutcome([], f"the grading process failed:\n{tail}") for _ in jobs]
        payload = json.loads(out_path.read_text(encoding="utf-8"))
    return [
        JobOutcome([result_from_dict(r) for r in item["results"]], item["error"])
        for item in payload
    ]


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


# --------------------------------------------------------------------------- the child


def grade_namespace(namespace: dict[str, Any], exercise_id: str | None) -> list[dict]:
    """Grade the functions a learner's file defined (every exercise's, or one)."""
    if exercise_id is not None:
        exercise = get_exercise(exercise_id)
        return [exercise.grade(namespace.get(exercise.function_name)).to_dict()]
    module = namespace.get("__name__")
    results = []
    for exercise in all_exercises():
        value = namespace.get(exercise.function_name)
        if isinstance(value, types.FunctionType) and value.__module__ == module:
            results.append(exercise.grade(value).to_dict())
    return results


def _run_python(path: str, exercise: str | None) -> dict:
    from glassml.learn._timelimit import LearnerTimeout, call_with_time_limit

    source = submission_source(path)
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": path}
    try:
        code = compile(source, path, "exec")
        call_with_time_limit(exec, (code, namespace), MODULE_TIME_LIMIT)
    except LearnerTimeout:
        return {
            "results": [],
            "error": f"the file's top level ran for more than {MODULE_TIME_LIMIT:g} s",
        }
    except BaseException as error:  # anything the file does at its top level
        return {"results": [], "error": f"the file raised {type(error).__name__}: {error}"}
    results = grade_namespace(namespace, exercise)
    error = "" if results else _nothing_found()
    return {"results": results, "error": error}


def _nothing_found() -> str:
    names = ", ".join(sorted({e.function_name for e in all_exercises()})[:6])
    return f"no exercise function found in the file (e.g. {names}, ...)"


def _run_notebook(path: str, exercise: str | None) -> dict:
    try:
        import nbclient
        import nbformat
    except ImportError:
        return _run_python(path, exercise)  # the code cells as a script
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="glassml-nb-") as folder:
        out = Path(folder) / "results.json"
        grading = (
            "import json as _json\n"
            "from glassml.learn._runner import grade_namespace as _grade\n"
            f"_results = _grade(globals(), {exercise!r})\n"
            f"open({str(out)!r}, 'w').write(_json.dumps(_results))\n"
        )
        notebook.cells.append(nbformat.v4.new_code_cell(grading))
        client = nbclient.NotebookClient(
            notebook,
            timeout=int(MODULE_TIME_LIMIT),
            kernel_name="python3",
            resources={"metadata": {"path": str(Path(path).parent)}},
        )
        try:
            client.execute()
        except Exception as error:  # a cell raised or timed out: report it, grade nothing
            text = str(error).strip().splitlines()
            return {"results": [], "error": f"the notebook failed: {text[-1] if text else error}"}
        results = json.loads(out.read_text(encoding="utf-8"))
    return {"results": results, "error": "" if results else _nothing_found()}


def main(argv: list[str]) -> int:
    jobs = [Job(**job) for job in json.loads(Path(argv[0]).read_text(encoding="utf-8"))]
    outcomes = []
    for job in jobs:
        runner = _run_notebook if job.path.endswith(".ipynb") else _run_python
        outcomes.append(runner(job.path, job.exercise))
    Path(argv[1]).write_text(json.dumps(outcomes), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
