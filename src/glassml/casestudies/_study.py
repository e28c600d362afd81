"""What a case study is, and the context it runs in.

A study is a module-level :class:`Study`: a name, a title, the question it answers, the steps
it will take (for the progress display), its headline metrics, the options a user may set, and
``run(context)``. Inside ``run`` it loads its data, fits and compares models, and fills
``context.report`` (sections of text, equations, tables, figures) and ``context.metrics`` (a
flat dict of floats). The framework does the rest: progress, parallel fits on Dask, writing
the report atomically, the reproducibility section, the index page.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassml._io import save_figure
from glassml._validation import check_callable, fail
from glassml.casestudies.report import Headline, Report


@dataclass(frozen=True)
class Option:
    """A study setting a user may change (``--set name=value`` on the command line)."""

    default: float | int | str
    help: str
    low: float | None = None  # for numbers: the smallest legal value
    high: float | None = None  # for numbers: the largest legal value

    def __post_init__(self) -> None:
        if isinstance(self.default, bool) or not isinstance(self.default, int | float | str):
            raise fail("default", "an int, a float or a string", self.default)
        if not isinstance(self.help, str):
            raise fail("help", "a sentence saying what the option does", self.help)
        for argument, bound in (("low", self.low), ("high", self.high)):
            if bound is not None and not (
                isinstance(bound, int | float)
                and not isinstance(bound, bool)
                and math.isfinite(bound)
            ):
                raise fail(argument, "None or a finite number", bound)
        if self.low is not None and self.high is not None and self.high < self.low:
            raise fail("high", f"None or a number >= low ({self.low})", self.high)

    def parse(self, name: str, value: Any) -> float | int | str:
        kind = type(self.default)
        if isinstance(value, str) and kind is not str:
            try:
                value = kind(value)
            except ValueError:
                raise fail(name, f"a {kind.__name__}", value) from None
        if kind is str:
            if not isinstance(value, str):
                raise fail(name, "a string", value)
            return value
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
        ):
            raise fail(name, f"a finite {kind.__name__}", value)
        if kind is int and int(value) != value:
            raise fail(name, "a whole number", value)
        if self.low is not None and value < self.low:
            raise fail(name, f"a number >= {self.low}", value)
        if self.high is not None and value > self.high:
            raise fail(name, f"a number <= {self.high}", value)
        return kind(value)


@dataclass(frozen=True)
class Study:
    name: str
    title: str
    question: str
    steps: tuple[str, ...]
    headline: tuple[Headline, ...]
    run: Callable[[StudyContext], None]
    options: Mapping[str, Option] = field(default_factory=dict)
    data_help: str = ""  # what --data accepts

    def __post_init__(self) -> None:
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise fail("name", "an identifier such as 'fraud'", self.name)
        for argument in ("title", "question", "data_help"):
            if not isinstance(getattr(self, argument), str):
                raise fail(argument, "a string", getattr(self, argument))
        if (
            not isinstance(self.steps, tuple)
            or not self.steps
            or not all(isinstance(step, str) and step for step in self.steps)
        ):
            raise fail("steps", "a non-empty tuple of step titles", self.steps)
        if not isinstance(self.headline, tuple) or not all(
            isinstance(h, Headline) for h in self.headline
        ):
            raise fail("headline", "a tuple of Headline", self.headline)
        check_callable(self.run, "run", "run(context)")
        if not isinstance(self.options, Mapping) or not all(
            isinstance(o, Option) for o in self.options.values()
        ):
            raise fail("options", "a mapping of names to Option", self.options)


@dataclass(frozen=True)
class ProgressEvent:
    study: str
    step: str
    index: int  # 1-based position of the step
    total: int
    done: bool  # False when the step starts, True when it ends
    seconds: float = 0.0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class StudyContext:
    """Everything a study's ``run`` needs; created by :func:`glassml.casestudies.run`.

    Examples
    --------
    A study's ``run(context)`` announces its steps, records metrics and fills the report:

    >>> def run(context):
    ...     with context.step("Fit"):
    ...         context.metric("auc", 0.91)
    ...         context.report.section("results").text("ROC-AUC 0.91.")
    """

    def __init__(
        self,
        study: Study,
        *,
        seed: int,
        quick: bool,
        data: Path | None,
        workdir: Path,
        options: Mapping[str, Any],
        progress: Callable[[ProgressEvent], None] | None,
        client: Any = None,
    ):
        self.study = study
        self.seed = seed
        self.quick = quick
        self.data = data
        self.workdir = workdir
        self.options = dict(options)
        self.client = client
        self.report = Report(study.title, study.question, study.headline)
        self.metrics: dict[str, float] = {}
        self.figures: list[Path] = []
        self.data_files: list[tuple[str, str, str]] = []  # (label, where, sha256)
        self._progress = progress
        self._steps_done: list[str] = []

    # -- progress -------------------------------------------------------------------------
    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Announce one of the study's declared steps; time it."""
        if not isinstance(title, str) or title not in self.study.steps:
            raise fail("title", f"one of the declared steps {list(self.study.steps)}", title)
        index = self.study.steps.index(title) + 1
        total = len(self.study.steps)
        self._emit(ProgressEvent(self.study.name, title, index, total, False))
        start = time.perf_counter()
        yield
        self._steps_done.append(title)
        self._emit(
            ProgressEvent(self.study.name, title, index, total, True, time.perf_counter() - start)
        )

    def _emit(self, event: ProgressEvent) -> None:
        if self._progress is not None:
            self._progress(event)

    # -- results --------------------------------------------------------------------------
    def metric(self, key: str, value: float) -> float:
        """Record a headline-able number; it must be finite."""
        if not isinstance(key, str) or not key:
            raise fail("key", "a metric name", key)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise fail("value", f"a finite number for metric {key!r}", value)
        number = float(value)
        if not math.isfinite(number):
            raise fail("value", f"a finite number for metric {key!r}", value)
        self.metrics[key] = number
        return number

    def figure(self, figure: Any, stem: str, caption: str, section: str) -> None:
        """Save ``figure`` as SVG + PNG beside the report and embed it in ``section``."""
        if not hasattr(figure, "savefig"):
            raise fail("figure", "a matplotlib Figure", figure)
        if not isinstance(stem, str) or not stem or Path(stem).name != stem or stem.startswith("."):
            raise fail("stem", "a plain file name such as 'roc_curve'", stem)
        if not isinstance(caption, str):
            raise fail("caption", "a sentence", caption)
        self.report.section(section)  # an unknown section fails before anything is written
        folder = self.workdir / "figures"
        folder.mkdir(exist_ok=True)
        self.figures.extend(save_figure(figure, folder / stem))
        self.report.section(section).figure(figure, caption)
        import matplotlib.pyplot as plt

        plt.close(figure)

    def record_data(self, label: str, path: Path | str) -> None:
        """Name a data file the results depend on; its SHA-256 goes in the report."""
        if not isinstance(label, str):
            raise fail("label", "a short description", label)
        if not isinstance(path, str | os.PathLike):
            raise fail("path", "a file path", path)
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"path: no such file: {path}")
        self.data_files.append((label, str(path), sha256_of(path)))

    # -- independent work -----------------------------------------------------------------
    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[function(item) for item in items]``, on the Dask cluster when one was given.

        The items must carry everything a task needs (its seed included), so the result is
        the same wherever a task runs: serial and Dask runs give identical metrics.
        """
        check_callable(function, "function", "function(item)")
        try:
            items = list(items)
        except TypeError:
            raise fail("items", "an iterable of tasks", items) from None
        if self.client is None:
            return [function(item) for item in items]
        futures = self.client.map(function, items, pure=False)
        return self.client.gather(futures)


def check_headline(study: Study, metrics: Mapping[str, float]) -> None:
    needed: Sequence[str] = [
        key for h in study.headline for key in (h.key, h.low, h.high) if key is not None
    ]
    missing = [key for key in needed if key not in metrics]
    if missing:
        raise RuntimeError(f"study {study.name!r} did not record its headline metrics {missing}")
