"""glassml benchmarks: ``python -m benchmarks [NAMES...] [--json OUT]``.

Every ``benchmarks/bench_*.py`` module registers its workloads with
:func:`benchmarks._harness.register`; importing this package loads them all.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from benchmarks._harness import REGISTRY, Workload, register, run_workload

for _module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
    if _module.name.startswith("bench_"):
        importlib.import_module(f"benchmarks.{_module.name}")

__all__ = ["REGISTRY", "Workload", "register", "run_workload"]
