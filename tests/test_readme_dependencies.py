"""Every runtime dependency in pyproject.toml is named with a reason in the README's table.

The guide's rule ("every dependency is named with a reason in the README") held by hand until
a new one (cloudpickle) arrived without its row; this keeps the two in step.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _runtime_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]
    ]


def _readme_rows() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 2 and cells[0] not in ("package", "---"):
            rows[cells[0].lower()] = cells[1]
    return rows


def test_every_runtime_dependency_has_a_reason_in_the_readme():
    dependencies = _runtime_dependencies()
    assert "numpy" in dependencies and len(dependencies) >= 10  # the parser reads the list
    rows = _readme_rows()
    missing = [name for name in dependencies if len(rows.get(name, "")) < 10]
    assert not missing, f"runtime dependencies without a reason in README.md: {missing}"
