"""``glassml learn ...``: the course's commands, registered on the main parser by ``cli.py``."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def add_parser(commands: Any) -> None:
    """Register ``learn`` and its sub-commands on the ``glassml`` parser."""
    learn = commands.add_parser(
        "learn",
        help="the executable course: lessons, graded exercises, certificate tracks",
        description="The executable course: lessons as notebooks, exercises graded against "
        "glassml's verified implementations, progress per certificate track.",
    )
    sub = learn.add_subparsers(dest="learn_command", metavar="SUBCOMMAND", required=True)

    def workspace_option(parser: argparse.ArgumentParser, default: str | None = None) -> None:
        parser.add_argument(
            "--dir",
            default=default,
            metavar="WORKSPACE",
            help="the workspace folder (default: the one at or above the current folder)",
        )

    start = sub.add_parser("start", help="create the workspace with the lesson notebooks")
    start.add_argument(
        "--dir", default="glassml-course", metavar="WORKSPACE", help="default: %(default)s"
    )
    start.set_defaults(handler=_dispatch, learn_handler=_start)

    check = sub.add_parser("check", help="grade the functions defined in a .py or .ipynb file")
    check.add_argument("file", metavar="FILE")
    check.add_argument("exercise", nargs="?", metavar="EXERCISE", help="grade only this one")
    check.add_argument(
        "--timeout", type=float, default=600.0, help="seconds for the whole file (default 600)"
    )
    workspace_option(check)
    check.set_defaults(handler=_dispatch, learn_handler=_check)

    status = sub.add_parser("status", help="progress per certificate track")
    status.add_argument("--track", help="show only this track")
    workspace_option(status)
    status.set_defaults(handler=_dispatch, learn_handler=_status)

    tracks = sub.add_parser("tracks", help="the certificate tracks and their exercises")
    tracks.add_argument("track", nargs="?", help="list the exercises of this track only")
    tracks.set_defaults(handler=_dispatch, learn_handler=_tracks)

    certificate = sub.add_parser("certificate", help="write the certificate of a finished track")
    certificate.add_argument("track", metavar="TRACK")
    certificate.add_argument("--name", required=True, help="the name on the certificate")
    certificate.add_argument("--out", help="the HTML file (default: WORKSPACE/certificates/)")
    workspace_option(certificate)
    certificate.set_defaults(handler=_dispatch, learn_handler=_certificate)

    verify = sub.add_parser("verify", help="re-grade a certificate's stored submissions")
    verify.add_argument("cert", metavar="CERT")
    workspace_option(verify)
    verify.set_defaults(handler=_dispatch, learn_handler=_verify)

    serve = sub.add_parser("serve", help="the lessons and your progress on http://127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="default: %(default)s")
    workspace_option(serve)
    serve.set_defaults(handler=_dispatch, learn_handler=_serve)


def _dispatch(args: argparse.Namespace, console: Console) -> int:
    # Every learn sub-command sets its own handler; errors a learner can fix are one line.
    from glassml.learn._deps import MissingDependency
    from glassml.learn._progress import ProgressError

    try:
        return args.learn_handler(args, console)
    except (
        ValueError,
        TypeError,
        OSError,  # FileNotFoundError, NotADirectoryError, a port in use
        ProgressError,
        MissingDependency,
        sqlite3.Error,
    ) as error:
        # One line on stderr, as the other glassml commands do; never a traceback.
        print(f"glassml learn {args.learn_command}: {error}", file=sys.stderr)
    return 2


def _start(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._workspace import start_workspace

    workspace, written = start_workspace(args.dir)
    console.print(f"Workspace: [bold]{workspace}[/bold]")
    console.print(f"{len(written)} new lesson notebook(s) under {workspace / 'lessons'}")
    console.print("Open them with `jupyter lab lessons`; `glassml learn status` shows progress.")
    return 0


def _check(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._curriculum import get_exercise
    from glassml.learn._progress import Progress
    from glassml.learn._runner import Job, run_jobs, submission_source
    from glassml.learn._workspace import database_path, find_workspace

    path = Path(args.file)
    if not path.is_file() or path.suffix not in (".py", ".ipynb"):
        raise FileNotFoundError(f"FILE: expected a .py or .ipynb file, got {args.file!r}")
    if args.exercise is not None:
        get_exercise(args.exercise)
    if not args.timeout > 0:
        raise ValueError(f"--timeout: expected a positive number of seconds, got {args.timeout}")
    outcome = run_jobs([Job(str(path.resolve()), args.exercise)], timeout=args.timeout)[0]
    if outcome.error:
        console.print(f"[red]{path.name}:[/red] {outcome.error}")
    workspace = find_workspace(args.dir if args.dir else path.resolve().parent)
    progress = Progress(database_path(workspace)) if workspace else None
    source = submission_source(path)
    for result in outcome.results:
        console.print(result.feedback, markup=False, highlight=False)
        console.print()
        if progress is not None:
            progress.record(result, source)
    if outcome.results:
        where = f"recorded in {workspace}" if workspace else "not recorded (no workspace)"
        passed = sum(r.passed for r in outcome.results)
        console.print(f"{passed} of {len(outcome.results)} exercise(s) passed; {where}.")
    return 0 if outcome.results and not outcome.error else 1


def _score(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _status(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._progress import Progress
    from glassml.learn._tracks import TRACKS, get_track
    from glassml.learn._workspace import database_path, require_workspace

    workspace = require_workspace(args.dir)
    summary = Progress(database_path(workspace)).summary()
    tracks = [get_track(args.track)] if args.track else list(TRACKS)
    overview = Table(title=f"Progress in {workspace}")
    for column in ("track", "passed", "attempted", "exercises", "complete"):
        overview.add_column(column, justify="left" if column == "track" else "right")
    for track in tracks:
        exercises = track.exercises()
        passed = sum(1 for e in exercises if summary.get(e.id, {}).get("passed"))
        attempted = sum(1 for e in exercises if e.id in summary)
        overview.add_row(
            track.id,
            str(passed),
            str(attempted),
            str(len(exercises)),
            f"{100 * passed / max(len(exercises), 1):.0f} %",
        )
    console.print(overview)
    for track in tracks:
        table = Table(title=track.title, title_justify="left")
        table.add_column("exercise", no_wrap=True)
        for column in ("status", "best", "attempts", "last attempt (UTC)"):
            table.add_column(column, justify="right" if column in ("best", "attempts") else "left")
        for exercise in track.exercises():
            entry = summary.get(exercise.id)
            state = "not started"
            if entry:
                state = "[green]passed[/green]" if entry["passed"] else "[yellow]attempted[/yellow]"
            table.add_row(
                exercise.id,
                state,
                _score(entry["best"] if entry else None),
                str(entry["attempts"] if entry else 0),
                entry["last"].created_at[:16].replace("T", " ") if entry else "",
            )
        console.print(table)
    return 0


def _tracks(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._tracks import TRACKS, get_track

    tracks = [get_track(args.track)] if args.track else list(TRACKS)
    for track in tracks:
        table = Table(title=f"{track.id}: {track.title}", title_justify="left", caption=None)
        table.add_column("exercise", no_wrap=True)
        table.add_column("you write")
        table.add_column("title")
        for exercise in track.exercises():
            call = f"{exercise.function_name}({', '.join(exercise.parameters)})"
            table.add_row(exercise.id, call, exercise.title)
        console.print(table)
        console.print(f"  {track.programme}")
        if track.awaited:
            console.print(f"  To come: {', '.join(track.awaited)}.")
        console.print()
    return 0


def _certificate(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._certificate import write_certificate

    written = write_certificate(args.track, args.name, args.dir, args.out)
    for path in written:
        console.print(f"Certificate written: [bold]{path}[/bold]")
    if len(written) == 1:
        console.print('(PDF too when WeasyPrint is installed: pip install "glassml[pdf]")')
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._certificate import verify_certificate

    report = verify_certificate(args.cert, args.dir)
    table = Table(title=f"Verification of {args.cert}", title_justify="left")
    for column in ("exercise", "certified", "re-graded"):
        table.add_column(column, justify="left" if column == "exercise" else "right")
    for row in report.rows:
        table.add_row(row["exercise"], _score(row["certified"]), _score(row["regraded"]))
    console.print(table)
    for problem in report.problems:
        console.print(f"[red]✗[/red] {problem}")
    if report.ok:
        console.print(
            "[green]Verified[/green]: the code matches the record and every stored "
            "submission passes again."
        )
        return 0
    console.print("[red]Not verified.[/red]")
    return 1


def _serve(args: argparse.Namespace, console: Console) -> int:
    from glassml.learn._serve import make_server
    from glassml.learn._workspace import require_workspace

    workspace = require_workspace(args.dir)
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port: expected a port number in 0..65535, got {args.port}")
    server = make_server(workspace, args.port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    console.print(f"Serving the course for {workspace} at [bold]{url}[/bold] (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        server.server_close()
    return 0
