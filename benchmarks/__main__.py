"""Run benchmarks: ``python -m benchmarks [NAMES...] [--repeats N] [--json OUT] [--list]``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from benchmarks import REGISTRY
from benchmarks._harness import format_outcome, run_workload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="workloads to run (default: all)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per side (>= 3)")
    parser.add_argument("--json", type=Path, default=None, help="write the outcomes here")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = parser.parse_args(argv)

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

    if args.json is not None:
        payload = json.dumps([asdict(outcome) for outcome in outcomes], indent=2)
        # Written to a temporary name and renamed, so a crash never leaves half a file.
        handle, temporary = tempfile.mkstemp(dir=args.json.parent or ".", suffix=".tmp")
        with os.fdopen(handle, "w") as stream:
            stream.write(payload)
        os.replace(temporary, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
