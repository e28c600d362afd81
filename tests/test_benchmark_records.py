"""Benchmark figures have one source: the records in benchmarks/results, rendered into
docs/benchmarks.md by ``python -m benchmarks --report`` (issue 9, §7)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import REGISTRY, Workload, run_workload  # noqa: E402
from benchmarks._records import END, PAGE, START, load_records, record, render  # noqa: E402

FIELDS = {"name", "what", "reference_label", "unit", "ours", "reference", "ratio", "target",
          "target_text", "date", "machine", "load_average", "glassml_commit", "source"}  # fmt: skip


def test_the_page_is_what_the_records_generate():
    page = PAGE.read_text(encoding="utf-8")
    assert page == render(page, load_records()), (
        "docs/benchmarks.md differs from its records: run `python -m benchmarks --report`"
    )


def test_every_record_is_complete_and_names_a_workload():
    records = load_records()
    assert records
    for entry in records:
        assert FIELDS <= set(entry), (entry["name"], FIELDS - set(entry))
        assert entry["name"] in REGISTRY, f"{entry['name']}: no such workload"


def test_every_workload_has_a_row_and_an_unrecorded_one_says_so():
    rendered = render(PAGE.read_text(encoding="utf-8"), load_records())
    recorded = {entry["name"] for entry in load_records()}
    for name in REGISTRY:
        row = next(line for line in rendered.splitlines() if f'id="bench-{name}"' in line)
        assert ("not recorded yet" in row) == (name not in recorded), row


def test_family_pages_link_to_rows_that_exist():
    anchors = {f"benchmarks.md#bench-{name}" for name in REGISTRY}
    for page in (ROOT / "docs").glob("*.md"):
        for link in set(re.findall(r"benchmarks\.md#bench-[\w-]+", page.read_text())):
            assert link in anchors, f"{page.name} links to {link}, which has no row"


def test_record_and_report_round_trip(tmp_path):
    workload = Workload(
        name="tiny", description="sum of 10 numbers", setup=lambda: list(range(10)),
        ours=sum, reference=lambda data: sum(data), reference_label="builtin",
        target=2.0, target_note="per call", repeats=3,
    )  # fmt: skip
    path = record(workload, run_workload(workload), tmp_path)
    entry = json.loads(path.read_text())
    assert FIELDS <= set(entry) and len(entry["ours_times"]) == 3
    assert entry["target_text"] == "≤ 2 per call" and len(entry["load_average"]) == 3
    assert entry["date"][:2] == "20" and entry["machine"] and entry["glassml_commit"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json"]  # no temporary left
    page = f"prose\n{START}\nold\n{END}\nmore prose\n"
    rendered = render(page, [entry], {"tiny": workload})
    assert rendered.startswith("prose\n") and rendered.endswith("more prose\n")
    assert '<a id="bench-tiny"></a>`tiny`' in rendered and "old" not in rendered
    with pytest.raises(ValueError, match="markers"):
        render("no markers", [entry])


def test_long_running_workload_skips_the_warm_up_and_may_run_once():
    calls = {"ours": 0, "reference": 0}

    def side(name):
        def run(data):
            calls[name] += 1
            return name

        return run

    workload = Workload(
        name="long", description="d", setup=lambda: None, ours=side("ours"),
        reference=side("reference"), reference_label="r", repeats=1, long_running=True,
        check=lambda data, ours, reference: f"{ours}/{reference}",
    )  # fmt: skip
    outcome = run_workload(workload)
    assert calls == {"ours": 1, "reference": 1}
    assert outcome.check == "ours/reference" and len(outcome.ours_times) == 1
    short = Workload(
        name="short", description="d", setup=lambda: None, ours=side("ours"),
        reference=side("reference"), reference_label="r", repeats=1,
    )  # fmt: skip
    run_workload(short)
    assert calls == {"ours": 5, "reference": 5}  # a warm-up and at least 3 timed runs each
