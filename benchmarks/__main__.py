"""Run benchmarks: ``python -m benchmarks [NAMES...] [--repeats N] [--json OUT] [--record]``.

``--record`` writes one JSON record per workload to benchmarks/results/<name>.json;
``--report`` rewrites the table in docs/benchmarks.md from every record (see _records.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from benchmarks import REGISTRY
from benchmarks._harness import format_outcome, run_workload
from benchmarks._records import _atomic_write, record, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="workloads to run (default: all)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs per side (>= 3; >= 1 for long-running workloads)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the outcomes here")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument(
        "--record", action="store_true", help="write benchmarks/results/<name>.json per workload"
    )
    parser.add_argument(
        "--report", action="store_true", help="rewrite docs/benchmarks.md's table from the records"
    )
    args = parser.parse_args(argv)

    if args.report and not args.names:
        print(f"wrote {report()}")
        return 0
    if args.list:
        for name, workload in REGISTRY.items():
            print(f"{name:<22} {workload.description}")
        return 0
    unknown = [name for name in args.names if name not in REGISTRY]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; known: {sorted(REGISTRY)}")

    outcomes = []
    for name in args.names or list(REGISTRY):
        outcome = run_workload(REGISTRY[name], repeats=args.repeats)
        print(format_outcome(outcome), flush=True)
        outcomes.append(outcome)
        if args.record:
            print(f"  recorded {record(REGISTRY[name], outcome)}", flush=True)
    if args.report:
        print(f"wrote {report()}")

    if args.json is not None:
        # Written to a temporary name and renamed, so a crash never leaves half a file.
        _atomic_write(args.json, json.dumps([asdict(outcome) for outcome in outcomes], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
