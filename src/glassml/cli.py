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
