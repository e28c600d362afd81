"""The ``glassml`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.rule import Rule


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
    return args.handler(args, console)


if __name__ == "__main__":
    sys.exit(main())
