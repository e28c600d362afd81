"""Certificates: an HTML page (and a PDF when WeasyPrint is installed) with a verification code.

The graded record of a track, for each exercise the passing attempt's date, score and the
SHA-256 of the source that was graded, is written into the certificate as JSON together with
``code = SHA-256(canonical JSON of the record)``. :func:`verify_certificate` recomputes the
code (the record was not edited), finds each graded source in the workspace by its hash (the
work is the work that was graded) and grades it again in a separate process (it still passes).

What this can prove, and what it cannot: it proves that the workspace holds code that passes
every exercise of the track and that the certificate describes exactly that code. It cannot
prove who wrote the code, that it was not copied, or when: the record lives on the learner's
machine and the code is a plain hash without a secret, so anyone can produce a matching pair.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import glassml
from glassml._io import atomic_write
from glassml._validation import check_positive
from glassml.learn._progress import Progress
from glassml.learn._tracks import get_track
from glassml.learn._workspace import database_path, require_workspace

_RECORD_ID = "glassml-certificate-record"


def verification_code(record: dict) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def certificate_record(workspace: Path, track_id: str, name: str) -> dict:
    """The graded record of a completed track, or a ``ValueError`` naming what is missing."""
    track = get_track(track_id)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name: expected the learner's name, got {name!r}")
    progress = Progress(database_path(workspace))
    summary = progress.summary()
    rows, missing = [], []
    for exercise in track.exercises():
        passing = [
            a for a in progress.attempts(exercise.id) if a.passed and a.source_sha256 is not None
        ]
        if not passing:
            missing.append(exercise.id)
            continue
        attempt = passing[0]
        rows.append(
            {
                "exercise": exercise.id,
                "title": exercise.title,
                "score": attempt.score,
                "date": attempt.created_at,
                "attempts": summary[exercise.id]["attempts"],
                "source_sha256": attempt.source_sha256,
            }
        )
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise ValueError(
            f"track: {track.id} is not complete: {len(missing)} of "
            f"{len(missing) + len(rows)} exercises have no passing attempt yet ({shown})"
        )
    return {
        "track": track.id,
        "track_title": track.title,
        "name": name.strip(),
        "issued": datetime.now(UTC).isoformat(timespec="seconds"),
        "glassml_version": glassml.__version__,
        "exercises": rows,
    }


def render_certificate(record: dict, code: str) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("glassml.learn", "templates"), autoescape=select_autoescape()
    )
    # The record is embedded as JSON for `verify`; "</" is escaped so it cannot end the script.
    embedded = json.dumps({"record": record, "code": code}, sort_keys=True).replace("</", "<\\/")
    return environment.get_template("certificate.html").render(
        record=record, code=code, embedded=embedded, record_id=_RECORD_ID
    )


def write_certificate(
    track_id: str, name: str, directory: str | Path | None = None, out: str | Path | None = None
) -> list[Path]:
    """Write the certificate of a completed track; return the files written (HTML, PDF).

    Every exercise of the track needs a passing attempt recorded in the workspace
    (``directory``, default: the workspace at or above the current folder); until then the
    call says how many are missing and which.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from glassml.learn import start_workspace, write_certificate
    >>> folder = tempfile.TemporaryDirectory()
    >>> workspace, _ = start_workspace(Path(folder.name) / "course")
    >>> write_certificate("foundations", "Ada Lovelace", directory=workspace)
    Traceback (most recent call last):
    ...
    ValueError: track: foundations is not complete: ... have no passing attempt yet (...)
    >>> folder.cleanup()

    Once every exercise has passed, the same call writes
    ``certificates/foundations-ada-lovelace.html`` in the workspace (and the PDF beside it
    when WeasyPrint is installed) and returns their paths.
    """
    workspace = require_workspace(directory)
    if out is not None and not isinstance(out, str | os.PathLike):
        raise TypeError(f"out: expected a file path, got {out!r}")
    record = certificate_record(workspace, track_id, name)
    code = verification_code(record)
    page = render_certificate(record, code)
    slug = re.sub(r"[^a-z0-9]+", "-", record["name"].lower()).strip("-") or "learner"
    target = (
        Path(out) if out is not None else workspace / "certificates" / f"{track_id}-{slug}.html"
    )
    with atomic_write(target, encoding="utf-8") as stream:
        stream.write(page)
    written = [target]
    try:
        import weasyprint
    except (ImportError, OSError):  # not installed, or its system libraries are missing
        return written
    pdf = target.with_suffix(".pdf")
    with atomic_write(pdf, "wb") as stream:
        stream.write(weasyprint.HTML(string=page).write_pdf())
    written.append(pdf)
    return written


def read_certificate(path: str | Path) -> tuple[dict, str]:
    """The record and code embedded in a certificate file."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"cert: expected a certificate file path, got {path!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cert: expected a certificate file, got {str(path)!r}")
    text = path.read_text(encoding="utf-8", errors="replace")
    found = re.search(
        rf'<script type="application/json" id="{_RECORD_ID}">(.*?)</script>', text, re.DOTALL
    )
    if found is None:
        raise ValueError(f"cert: expected a glassml certificate (HTML), got {str(path)!r}")
    try:
        payload = json.loads(found.group(1))
        return payload["record"], payload["code"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"cert: the embedded record of {path} is damaged ({error})") from None


@dataclass
class VerifyReport:
    """The outcome of :func:`verify_certificate`: ``ok`` and one line per finding."""

    ok: bool
    code_matches: bool
    rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def verify_certificate(
    cert: str | Path, directory: str | Path | None = None, timeout: float = 900.0
) -> VerifyReport:
    """Check a certificate against a workspace by grading its stored submissions again.

    The verification code must match the record embedded in the certificate (it was not
    edited), each graded source must be in the workspace's progress database, and each must
    pass its exercise again, graded in a separate process with a ``timeout`` in seconds.

    Examples
    --------
    A forged certificate (a made-up record and code) is caught:

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from glassml.learn import start_workspace, verify_certificate
    >>> folder = tempfile.TemporaryDirectory()
    >>> workspace, _ = start_workspace(Path(folder.name) / "course")
    >>> claim = {"exercise": "calculus/softmax", "score": 1.0, "source_sha256": "0" * 64}
    >>> record = {"track": "foundations", "name": "Mallory", "exercises": [claim]}
    >>> forged = Path(folder.name) / "forged.html"
    >>> _ = forged.write_text(
    ...     '<script type="application/json" id="glassml-certificate-record">'
    ...     + json.dumps({"record": record, "code": "f" * 64})
    ...     + "</script>"
    ... )
    >>> report = verify_certificate(forged, directory=workspace)
    >>> report.ok
    False
    >>> print(*report.problems, sep="\\n")
    the verification code does not match the record: the certificate was edited
    calculus/softmax: the graded source is not in this workspace
    >>> folder.cleanup()
    """
    from glassml.learn._runner import Job, run_jobs

    timeout = check_positive(timeout, "timeout")
    record, code = read_certificate(cert)
    workspace = require_workspace(directory)
    progress = Progress(database_path(workspace))
    report = VerifyReport(ok=True, code_matches=verification_code(record) == code)
    if not report.code_matches:
        report.problems.append(
            "the verification code does not match the record: the certificate was edited"
        )
    jobs, rows = [], []
    with _TemporaryFiles() as files:
        for row in record.get("exercises", []):
            stored = progress.source(row["source_sha256"])
            entry = {"exercise": row["exercise"], "certified": row["score"], "regraded": None}
            rows.append(entry)
            if stored is None:
                report.problems.append(
                    f"{row['exercise']}: the graded source is not in this workspace"
                )
                continue
            source, _function = stored
            if hashlib.sha256(source.encode("utf-8")).hexdigest() != row["source_sha256"]:
                report.problems.append(f"{row['exercise']}: the stored source was altered")
                continue
            jobs.append((entry, Job(files.write(source), row["exercise"])))
        outcomes = run_jobs([job for _, job in jobs], timeout=timeout) if jobs else []
    for (entry, _job), outcome in zip(jobs, outcomes, strict=True):
        if outcome.error or not outcome.results:
            report.problems.append(f"{entry['exercise']}: could not be re-graded: {outcome.error}")
            continue
        entry["regraded"] = outcome.results[0].score
        if not outcome.results[0].passed:
            report.problems.append(
                f"{entry['exercise']}: the stored source no longer passes "
                f"(score {outcome.results[0].score:.0%})"
            )
    report.rows = rows
    report.ok = report.code_matches and not report.problems
    return report


class _TemporaryFiles:
    def __enter__(self):
        import tempfile

        self._folder = tempfile.TemporaryDirectory(prefix="glassml-verify-")
        self._count = 0
        return self

    def write(self, text: str) -> str:
        self._count += 1
        path = Path(self._folder.name) / f"submission_{self._count}.py"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def __exit__(self, *exc):
        self._folder.cleanup()
