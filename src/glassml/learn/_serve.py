"""``glassml learn serve``: the lessons and the learner's progress on a local web page.

A standard-library HTTP server bound to 127.0.0.1 only. Pages are rendered per request from
the lesson sources and the workspace's progress database (so they show the latest attempt);
math is typeset in the browser by KaTeX, bundled with the package (nothing is fetched from
the network). The learner still codes in Jupyter or an editor; this page is for reading.
"""

from __future__ import annotations

import mimetypes
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from glassml.learn._curriculum import all_exercises, topic_title
from glassml.learn._lessons import all_lessons
from glassml.learn._progress import Progress, ProgressError
from glassml.learn._tracks import TRACKS
from glassml.learn._workspace import database_path

HOST = "127.0.0.1"


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("glassml.learn", "templates"), autoescape=select_autoescape()
    )


def _status(entry: dict | None) -> str:
    if entry is None:
        return "not started"
    return "passed" if entry["passed"] is not None else "attempted"


class _Site:
    """What the pages show, read fresh from the lessons and the database."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.templates = _environment()
        self.lessons = {lesson.id: lesson for lesson in all_lessons()}
        self.lesson_of = {
            exercise: lesson.id for lesson in self.lessons.values() for exercise in lesson.exercises
        }
        self.exercises = {exercise.id: exercise for exercise in all_exercises()}

    def progress(self) -> dict[str, dict]:
        return Progress(database_path(self.workspace)).summary()

    def _rows(self, exercises, summary) -> list[dict]:
        rows = []
        for exercise in exercises:
            entry = summary.get(exercise.id)
            rows.append(
                {
                    "id": exercise.id,
                    "title": exercise.title,
                    "lesson": self.lesson_of.get(exercise.id, exercise.lesson),
                    "status": _status(entry),
                    "best": entry["best"] if entry else None,
                    "attempts": entry["attempts"] if entry else 0,
                    "last": entry["last"].created_at if entry else "",
                }
            )
        return rows

    def index(self) -> str:
        summary = self.progress()
        tracks = []
        for track in TRACKS:
            rows = self._rows(track.exercises(), summary)
            tracks.append(
                {
                    "track": track,
                    "rows": rows,
                    "n_passed": sum(row["status"] == "passed" for row in rows),
                }
            )
        topics: dict[str, list] = {}
        for lesson in self.lessons.values():
            topics.setdefault(topic_title(lesson.topic), []).append(lesson)
        return self.templates.get_template("index.html").render(
            tracks=tracks, topics=topics, workspace=str(self.workspace)
        )

    def lesson(self, lesson_id: str) -> str | None:
        lesson = self.lessons.get(lesson_id)
        if lesson is None:
            return None
        summary = self.progress()
        exercises = [self.exercises[e] for e in lesson.exercises if e in self.exercises]
        feedback = {e.id: summary[e.id]["last"].feedback for e in exercises if e.id in summary}
        return self.templates.get_template("lesson.html").render(
            lesson=lesson,
            body=lesson.html(),
            rows=self._rows(exercises, summary),
            feedback=feedback,
            topic=topic_title(lesson.topic),
        )


def _handler(site: _Site) -> type[BaseHTTPRequestHandler]:
    assets = resources.files("glassml.learn") / "assets"

    class Handler(BaseHTTPRequestHandler):
        server_version = "glassml-learn"

        def log_message(self, format: str, *args) -> None:  # quiet: no request log
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _page(self, text: str | None) -> None:
            if text is None:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")
            else:
                self._send(HTTPStatus.OK, text.encode("utf-8"), "text/html; charset=utf-8")

        def do_GET(self) -> None:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            try:
                if path in ("/", "/index.html"):
                    self._page(site.index())
                elif path.startswith("/lessons/"):
                    self._page(site.lesson(path[len("/lessons/") :].strip("/")))
                elif path.startswith("/static/"):
                    self._static(path[len("/static/") :])
                elif path == "/favicon.ico":
                    self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
                else:
                    self._page(None)
            except ProgressError as error:
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    str(error).encode("utf-8"),
                    "text/plain; charset=utf-8",
                )

        def _static(self, relative: str) -> None:
            parts = [part for part in relative.split("/") if part]
            if not parts or any(part in (".", "..") or "\\" in part for part in parts):
                self._page(None)
                return
            target = assets.joinpath(*parts)
            if not target.is_file():
                self._page(None)
                return
            kind = mimetypes.guess_type(parts[-1])[0] or "application/octet-stream"
            if parts[-1].endswith(".woff2"):
                kind = "font/woff2"
            self._send(HTTPStatus.OK, target.read_bytes(), kind)

    return Handler


def make_server(workspace: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``workspace`` on 127.0.0.1 (``port=0``: any free port); not yet serving."""
    site = _Site(Path(workspace))
    site.progress()  # a damaged database is reported before the server starts
    server = ThreadingHTTPServer((HOST, port), _handler(site))
    server.daemon_threads = True
    return server


def serve_in_thread(workspace: str | Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start serving in a background thread; return the server and its URL."""
    server = make_server(workspace, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{HOST}:{server.server_address[1]}/"
