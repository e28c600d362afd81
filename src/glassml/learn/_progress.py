"""Progress in SQLite: every graded attempt, with the source that was graded.

One file, ``<workspace>/.glassml-learn/progress.sqlite``, two tables:

* ``submissions(sha256, source, function)``: each distinct submitted source once;
* ``attempts(id, exercise, score, passed, created_at, glassml_version, source_sha256,
  feedback, checks, elapsed)``: one row per grading.

Every write is one transaction (``with connection:``), so a crash mid-write leaves the last
committed state; the rollback journal makes that hold even if the process is killed. Opening
runs ``PRAGMA quick_check``, so a damaged file is reported as such with a way out, instead of
a stack trace from deep inside sqlite3.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import glassml
from glassml.learn._grading import GradeResult
from glassml.learn._submission import sha256

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    sha256 TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    function TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exercise TEXT NOT NULL,
    score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    passed INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    glassml_version TEXT NOT NULL,
    source_sha256 TEXT,
    feedback TEXT NOT NULL,
    checks TEXT NOT NULL,
    elapsed REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise, id);
"""


class ProgressError(RuntimeError):
    """The progress database cannot be used (damaged, or from a newer glassml)."""


@dataclass(frozen=True)
class Attempt:
    id: int
    exercise: str
    score: float
    passed: bool
    created_at: str
    glassml_version: str
    source_sha256: str | None
    feedback: str
    checks: list


def _recovery_hint(path: Path) -> str:
    return (
        f"Move it aside (mv {path} {path}.damaged) and run `glassml learn start` in the "
        "workspace again: your notebooks are kept, and re-running `check` in each records "
        "your work anew. The damaged file can sometimes be salvaged with the sqlite3 "
        f"command-line tool: sqlite3 {path}.damaged .recover | sqlite3 {path}"
    )


class Progress:
    """The progress store of one workspace (``Progress(path)`` creates it if absent)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connect() as connection:
                status = connection.execute("PRAGMA quick_check").fetchone()
                if status is None or status[0] != "ok":
                    raise sqlite3.DatabaseError(f"integrity check: {status}")
                with connection:
                    connection.executescript(_SCHEMA)
                    connection.execute(
                        "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),),
                    )
                version = int(
                    connection.execute(
                        "SELECT value FROM meta WHERE key = 'schema_version'"
                    ).fetchone()[0]
                )
        except sqlite3.DatabaseError as error:
            raise ProgressError(
                f"The progress database {self.path} is damaged ({error}). "
                + _recovery_hint(self.path)
            ) from None
        if version > SCHEMA_VERSION:
            raise ProgressError(
                f"The progress database {self.path} was written by a newer glassml (schema "
                f"{version}); upgrade glassml to read it."
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10.0)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            yield connection
        finally:
            connection.close()

    def record(self, result: GradeResult, source: str | None) -> int:
        """Store one graded attempt (and its source) in a single transaction; return its id."""
        digest = sha256(source) if source is not None else None
        payload = result.to_dict()
        try:
            with self._connect() as connection, connection:
                if source is not None:
                    connection.execute(
                        "INSERT OR IGNORE INTO submissions VALUES (?, ?, ?)",
                        (digest, source, result.function),
                    )
                cursor = connection.execute(
                    "INSERT INTO attempts (exercise, score, passed, created_at, "
                    "glassml_version, source_sha256, feedback, checks, elapsed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        result.exercise,
                        float(result.score),
                        int(result.passed),
                        datetime.now(UTC).isoformat(timespec="seconds"),
                        glassml.__version__,
                        digest,
                        result.feedback,
                        json.dumps(payload["checks"]),
                        float(result.elapsed),
                    ),
                )
                return int(cursor.lastrowid)
        except sqlite3.DatabaseError as error:
            raise ProgressError(
                f"Could not record the attempt in {self.path} ({error}). "
                + _recovery_hint(self.path)
            ) from None

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            with self._connect() as connection:
                return connection.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise ProgressError(
                f"Could not read {self.path} ({error}). " + _recovery_hint(self.path)
            ) from None

    def attempts(self, exercise: str | None = None) -> list[Attempt]:
        """Every attempt, oldest first (of one exercise if given)."""
        sql = (
            "SELECT id, exercise, score, passed, created_at, glassml_version, source_sha256, "
            "feedback, checks FROM attempts"
        )
        rows = (
            self._query(sql + " WHERE exercise = ? ORDER BY id", (exercise,))
            if exercise
            else self._query(sql + " ORDER BY id")
        )
        return [
            Attempt(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7], json.loads(r[8]))
            for r in rows
        ]

    def summary(self) -> dict[str, dict]:
        """Per exercise: attempts, best score, the first passing attempt, the last attempt."""
        out: dict[str, dict] = {}
        for attempt in self.attempts():
            entry = out.setdefault(
                attempt.exercise, {"attempts": 0, "best": 0.0, "passed": None, "last": None}
            )
            entry["attempts"] += 1
            entry["best"] = max(entry["best"], attempt.score)
            if attempt.passed and entry["passed"] is None:
                entry["passed"] = attempt
            entry["last"] = attempt
        return out

    def source(self, digest: str) -> tuple[str, str] | None:
        """``(source, function name)`` of a stored submission."""
        rows = self._query("SELECT source, function FROM submissions WHERE sha256 = ?", (digest,))
        return (rows[0][0], rows[0][1]) if rows else None
