"""Shared fixtures: the real datasets beside the checkout and a hypothesis profile sized for CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI has 2 cores and a 20-minute budget for the whole suite: property tests run a fixed,
# modest number of examples without per-example deadlines (the machine is shared and noisy).
settings.register_profile(
    "glassml",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "glassml"))

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two test workers on two cores: one BLAS thread each, so they do not oversubscribe the
    # machine (timings live in benchmarks/, never here).
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)

# ``../shared/data`` beside the checkout; GLASSML_SHARED_DATA points elsewhere (a git worktree
# one level deeper, for example).
SHARED_DATA = Path(
    os.environ.get(
        "GLASSML_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


def pytest_collection_modifyitems(config, items):
    """Full-size runs (``@pytest.mark.slow``) need ``GLASSML_FULL=1``; CI's budget is the rest."""
    if os.environ.get("GLASSML_FULL") == "1":
        return
    skip = pytest.mark.skip(reason="full-size run: set GLASSML_FULL=1 to include it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data``; skipped locally if absent, but a failure in CI."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI expects the real datasets at {SHARED_DATA}")
        pytest.skip(f"real datasets not found at {SHARED_DATA} (they live beside the checkout)")
    return SHARED_DATA


def pytest_terminal_summary(terminalreporter):
    """The robustness suite's counts: entry points, probes and their outcomes."""
    outcomes: dict[str, int] = {}
    entries: set[str] = set()
    for report in terminalreporter.stats.get("passed", []):
        kinds = [value for key, value in report.user_properties if key == "robustness"]
        if kinds and "[" in report.nodeid:
            # The id is "<entry>" or, for the scale tests, "<family>-<entry>".
            parameters = report.nodeid.split("[", 1)[1].rstrip("]")
            entries.add(parameters.removeprefix("huge-").removeprefix("tiny-"))
        for kind in kinds:
            outcomes[kind] = outcomes.get(kind, 0) + 1
    if outcomes:
        total = sum(outcomes.values())
        parts = ", ".join(f"{count} {kind}" for kind, count in sorted(outcomes.items()))
        terminalreporter.write_line(
            f"robustness: {len(entries)} entry points, {total} probes passed ({parts})"
        )
