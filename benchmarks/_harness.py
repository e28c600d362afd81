"""Side-by-side timing of glassml against its reference library, in one process.

A workload declares how to build its data once (``setup``), what glassml runs (``ours``) and what
the reference runs (``reference``). The runner warms both up once, then alternates them
``repeats`` times and reports both medians and the ratio glassml / reference. Alternating in one
process means both sides see the same machine load, which matters on a noisy 2-core box.

A workload whose reference (or an extra peer) needs a package that is not installed prints
"peer not installed" for that side instead of failing.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REGISTRY: dict[str, Workload] = {}


@dataclass
class Workload:
    """One benchmark: glassml's side, the reference's side and the target ratio.

    ``check(data, ours_result, reference_result) -> str`` returns a short agreement line
    (for example ``"loss rel. diff 2e-12"``) printed next to the timings.
    ``peers`` maps a label to ``(callable, required_modules)``; each is timed alongside but does
    not enter the ratio (for example openTSNE next to scikit-learn's TSNE).
    ``metrics(data, ours_result, reference_result) -> {"ours": x, "reference": y}`` gives the
    figures recorded instead of the medians when ``unit`` is a rate (``"ESS/s"``: higher is
    better); ``target_note`` qualifies the target in the table ("per iteration").
    ``long_running`` marks a workload whose single run takes minutes: no warm-up run (import
    and cache effects are lost in its length) and ``repeats`` may be 1 or 2.
    """

    name: str
    description: str
    setup: Callable[[], Any]
    ours: Callable[[Any], Any]
    reference: Callable[[Any], Any] | None
    reference_label: str
    target: float | None = None
    requires: tuple[str, ...] = ()
    check: Callable[[Any, Any, Any], str] | None = None
    peers: dict[str, tuple[Callable[[Any], Any], tuple[str, ...]]] = field(default_factory=dict)
    repeats: int = 5
    unit: str = "s"
    metrics: Callable[[Any, Any, Any], dict[str, float]] | None = None
    target_note: str = ""
    long_running: bool = False


def register(workload: Workload) -> Workload:
    if workload.name in REGISTRY:
        raise ValueError(f"workload {workload.name!r} is registered twice")
    REGISTRY[workload.name] = workload
    return workload


def _installed(modules: tuple[str, ...]) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


def _timed(function: Callable[[Any], Any], data: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function(data)
    return time.perf_counter() - start, result


@dataclass
class Outcome:
    name: str
    ours_median: float
    reference_median: float | None
    reference_label: str
    ratio: float | None
    target: float | None
    check: str
    peers: dict[str, float | None]
    ours_times: list[float]
    reference_times: list[float]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def meets_target(self) -> bool | None:
        if self.ratio is None or self.target is None:
            return None
        return self.ratio <= self.target


def run_workload(workload: Workload, repeats: int | None = None) -> Outcome:
    repeats = max(1 if workload.long_running else 3, repeats or workload.repeats)
    data = workload.setup()
    has_reference = workload.reference is not None and _installed(workload.requires)

    # One warm-up each: JIT compilation, caches and lazy imports stay out of the medians.
    ours_result = reference_result = None
    if not workload.long_running:
        _, ours_result = _timed(workload.ours, data)
        if has_reference:
            _, reference_result = _timed(workload.reference, data)

    ours_times: list[float] = []
    reference_times: list[float] = []
    for _ in range(repeats):
        seconds, ours_result = _timed(workload.ours, data)
        ours_times.append(seconds)
        if has_reference:
            seconds, reference_result = _timed(workload.reference, data)
            reference_times.append(seconds)

    peer_medians: dict[str, float | None] = {}
    for label, (function, modules) in workload.peers.items():
        if not _installed(modules):
            peer_medians[label] = None
            continue
        function(data)
        peer_medians[label] = statistics.median(_timed(function, data)[0] for _ in range(repeats))

    check = ""
    if workload.check is not None and has_reference:
        check = workload.check(data, ours_result, reference_result)
    metrics = {}
    if workload.metrics is not None and has_reference:
        metrics = workload.metrics(data, ours_result, reference_result)

    ours_median = statistics.median(ours_times)
    reference_median = statistics.median(reference_times) if has_reference else None
    ratio = ours_median / reference_median if reference_median else None
    return Outcome(
        name=workload.name,
        ours_median=ours_median,
        reference_median=reference_median,
        reference_label=workload.reference_label,
        ratio=ratio,
        target=workload.target,
        check=check,
        peers=peer_medians,
        ours_times=ours_times,
        reference_times=reference_times,
        metrics=metrics,
    )


def format_outcome(outcome: Outcome) -> str:
    reference = (
        f"{outcome.reference_median:.4f} s"
        if outcome.reference_median is not None
        else "peer not installed"
    )
    line = (
        f"{outcome.name:<22} glassml {outcome.ours_median:.4f} s | "
        f"{outcome.reference_label} {reference}"
    )
    if outcome.ratio is not None:
        line += f" | ratio {outcome.ratio:.3f}"
        if outcome.target is not None:
            verdict = "ok" if outcome.meets_target else "OVER TARGET"
            line += f" (target <= {outcome.target:g}: {verdict})"
    for label, seconds in outcome.peers.items():
        line += f" | {label} " + (
            f"{seconds:.4f} s" if seconds is not None else "peer not installed"
        )
    if outcome.check:
        line += f" | {outcome.check}"
    return line
