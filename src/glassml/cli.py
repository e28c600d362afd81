"""The ``glassml`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table


def _tour(args: argparse.Namespace, console: Console) -> int:
    from glassml.tour import sections

    available = sections()
    chosen = available
    if args.sections:
        known = {section.key for section in available}
        unknown = sorted(set(args.sections) - known)
        if unknown:
            raise SystemExit(f"glassml tour: unknown section(s) {unknown}; known: {sorted(known)}")
        chosen = [section for section in available if section.key in args.sections]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for section in chosen:
        console.print(Rule(f"[bold]{section.title}"))
        section.module.run(console, out_dir)
    console.print(f"\nFigures written to [bold]{out_dir.resolve()}[/bold]")
    return 0


def _parse_settings(pairs: list[str] | None) -> dict[str, str]:
    settings = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--set: expected NAME=VALUE, got {pair!r}")
        settings[name] = value
    return settings


def _case_study(args: argparse.Namespace, console: Console) -> int:
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
    console.print(
        f"Reports: [bold]{(Path(args.out) / 'index.html').resolve()}[/bold]", soft_wrap=True
    )
    return 1 if any(isinstance(o, casestudies.CaseStudyFailure) for o in outcomes) else 0


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
    except (ValueError, FileNotFoundError) as error:
        # Bad input from the command line is one line naming what was wrong, not a traceback.
        console.print(f"glassml {args.command}: {error}", style="red", soft_wrap=True, markup=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
