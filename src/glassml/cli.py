"""The ``glassml`` command."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.rule import Rule


class UsageError(Exception):
    """A problem with the command line itself: reported in one line, exit status 2."""


def output_folder(out: str) -> Path:
    """The folder ``--out`` names, created if missing; a ``UsageError`` saying why if it
    cannot be written to (an existing file, a path under a file, a read-only place)."""
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"--out {out}: is a file, not a folder") from None
    except NotADirectoryError:
        raise UsageError(f"--out {out}: a part of the path is a file, not a folder") from None
    except OSError as error:
        raise UsageError(f"--out {out}: cannot create the folder ({error.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: the folder is not writable")
    return folder


def _tour(args: argparse.Namespace, console: Console) -> int:
    from glassml.tour import sections

    available = sections()
    chosen = available
    if args.sections:
        known = {section.key for section in available}
        unknown = sorted(set(args.sections) - known)
        if unknown:
            raise UsageError(f"unknown section(s) {unknown}; known: {sorted(known)}")
        chosen = [section for section in available if section.key in args.sections]
    out_dir = output_folder(args.out)
    for section in chosen:
        console.print(Rule(f"[bold]{section.title}"))
        section.module.run(console, out_dir)
    console.print(f"\nFigures written to [bold]{out_dir.resolve()}[/bold]")
    return 0


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.2f} MB" if n_bytes >= 1e5 else f"{n_bytes / 1e3:.1f} kB"


def _datasets(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from glassml.datasets import dataset_info, verify_checksums

    if args.action == "verify":
        report = verify_checksums()
        table = Table(title="Bundled files against data/manifest.json (SHA-256)")
        for column in ("file", "size", "SHA-256", "status"):
            table.add_column(
                column, justify="right" if column == "size" else "left", overflow="fold"
            )
        for row in report.itertuples():
            status = "[green]ok" if row.ok else "[bold red]MISMATCH"
            if row.expected_sha256 is None:
                status = "[bold red]not in manifest"
            elif row.sha256 is None:
                status = "[bold red]missing"
            size = "-" if row.bytes is None or row.bytes != row.bytes else _size(int(row.bytes))
            table.add_row(row.file, size, (row.sha256 or "-")[:16], status)
        console.print(table)
        bad = int((~report["ok"]).sum())
        if bad:
            console.print(f"[bold red]{bad} of {len(report)} files failed; reinstall glassml")
            return 1
        console.print(f"All {len(report)} bundled files match their checksums.")
        return 0
    info = dataset_info()
    table = Table(title="Datasets in glassml (nothing is ever downloaded)")
    for column in ("loader", "bundled", "size", "licence"):
        table.add_column(
            column, justify="right" if column == "size" else "left", no_wrap=column == "loader"
        )
    for row in info.itertuples():
        table.add_row(
            f"{row.loader}()",
            row.contents if row.bundled else "[yellow]no",
            _size(row.bundled_bytes) if row.bundled else "-",
            row.licence,
        )
    console.print(table)
    console.print(
        f"Bundled in total: {_size(info.attrs['total_bytes'])}, with the licence texts and "
        "attributions (`glassml datasets verify` checks every file's SHA-256)."
    )
    console.print("\n[bold]Not bundled[/bold] (give the loader a path to your copy):")
    for row in info.itertuples():
        if row.not_bundled != "nothing":
            console.print(f"- {row.dataset}: {row.not_bundled}")
    return 0


def _add_datasets_parser(commands: argparse._SubParsersAction) -> None:
    datasets = commands.add_parser(
        "datasets",
        help="the real datasets: what is bundled, licences, checksums",
        description=(
            "Print the datasets glassml bundles (size, licence, source) or, with 'verify', check "
            "every bundled file against its SHA-256 in the manifest (exit status 1 on a mismatch)."
        ),
    )
    datasets.add_argument(
        "action", nargs="?", choices=["info", "verify"], default="info", help="default: info"
    )
    datasets.set_defaults(handler=_datasets)


def _parse_settings(pairs: list[str] | None) -> dict[str, str]:
    settings = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--set: expected NAME=VALUE, got {pair!r}")
        settings[name] = value
    return settings


def _case_study(args: argparse.Namespace, console: Console) -> int:
    from rich.table import Table

    from glassml import casestudies
    from glassml.casestudies._terminal import progress_display, summary_table

    if args.list or args.name is None:
        table = Table(title="Case studies")
        table.add_column("name")
        table.add_column("question")
        table.add_column("--data accepts")
        for name in casestudies.available():
            study = casestudies.get_study(name)
            table.add_row(name, study.question, study.data_help or "-")
        console.print(table)
        return 0
    settings = dict(
        data=args.data,
        out=args.out,
        quick=args.quick,
        seed=args.seed,
        dask=args.dask,
        options=_parse_settings(args.set),
    )
    names = None if args.name == "all" else [args.name]
    if names is not None:
        casestudies.get_study(args.name)  # an unknown name is one line, before any work
    with progress_display(console) as progress:
        outcomes = casestudies.run_all(
            names,
            progress=progress,
            on_failure=lambda failure, error: console.print(
                f"[red]{failure.name} failed:[/red] {failure.error}", soft_wrap=True
            ),
            **settings,
        )
    console.print(summary_table(outcomes))
    index = (Path(args.out) / "index.html").resolve()
    console.print(f"Reports: [bold]{index}[/bold]", soft_wrap=True)
    return 1 if any(isinstance(o, casestudies.CaseStudyFailure) for o in outcomes) else 0


def _add_case_study_parser(commands: argparse._SubParsersAction) -> None:
    study = commands.add_parser(
        "case-study",
        help="run a case study on real data and write its HTML report",
        description=(
            "Run a case study end to end (data quality, models compared with confidence "
            "intervals, interpretation, the decision it supports) and write a self-contained "
            "HTML report plus reports/index.html."
        ),
    )
    study.add_argument("name", nargs="?", metavar="NAME|all", help="the study, or all of them")
    study.add_argument("--list", action="store_true", help="list the studies and exit")
    study.add_argument("--data", default=None, help="the full public data (default: bundled)")
    study.add_argument("--out", default="reports", help="folder for reports (default: %(default)s)")
    study.add_argument("--quick", action="store_true", help="a smaller run, about a minute each")
    study.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    study.add_argument(
        "--dask", default=None, metavar="local|ADDRESS", help="fit on a Dask cluster"
    )
    study.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="a study setting (costs, thresholds)"
    )
    study.set_defaults(handler=_case_study)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassml",
        description="Machine learning built in the open from its mathematics.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    tour = commands.add_parser(
        "tour",
        help="a guided run through the library: optimisers, models, figures",
        description=(
            "Run the library's guided tour. Each section fits real models on data bundled with "
            "scikit-learn, prints a table and writes its figures (SVG and PNG) to --out."
        ),
    )
    tour.add_argument(
        "--out", default="glassml-output", help="folder for figures (default: %(default)s)"
    )
    tour.add_argument(
        "--sections", nargs="+", metavar="NAME", help="run only these sections (default: all)"
    )
    tour.set_defaults(handler=_tour)
    _add_datasets_parser(commands)
    _add_case_study_parser(commands)
    from glassml.learn._cli import add_parser as add_learn_parser

    add_learn_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    # rich drops colour codes by itself when stdout is not a terminal.
    console = Console(highlight=False)
    try:
        return args.handler(args, console)
    except (UsageError, ValueError, FileNotFoundError) as error:
        # Bad input from the command line is one line naming what was wrong, not a traceback.
        print(f"glassml {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
