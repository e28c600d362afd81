"""Robustness entries for glassml.casestudies (the framework; the studies run in their tests).

The calls use the toy study of tests/casestudies (registered here), so each takes seconds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from casestudies import toy_study
from robustness.framework import Entry, opt

from glassml import casestudies
from glassml.casestudies import Headline, Option, Report, Study, StudyContext
from glassml.casestudies.report import interval

casestudies.register(toy_study.STUDY)
OUT = Path(tempfile.mkdtemp(prefix="glassml-robustness-reports-"))
DATA_FILE = OUT / "data.csv"
DATA_FILE.write_text("a,b\n1,2\n")


def _context() -> StudyContext:
    workdir = Path(tempfile.mkdtemp(dir=OUT))
    return StudyContext(
        toy_study.STUDY,
        seed=0,
        quick=True,
        data=None,
        workdir=workdir,
        options={"fail_at": "never"},
        progress=None,
    )


def _run(name, quick, seed):
    return casestudies.run(name, out=OUT, quick=quick, seed=seed).metrics


def _run_all(names, quick):
    return [o.metrics for o in casestudies.run_all(names, out=OUT, quick=quick)]


def _step(title):
    context = _context()
    with context.step(title):
        pass
    return len(context._steps_done)


def _metric(key, value):
    return _context().metric(key, value)


def _figure(stem, caption, section):
    context = _context()
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot([0, 1], [1, 0])
    context.figure(figure, stem, caption, section)
    return len(context.figures)


def _record_data(label, path):
    context = _context()
    context.record_data(label, path)
    return len(context.data_files)


def _map(function, items):
    return _context().map(function, items)


def _study(name, steps, title):
    return len(Study(name, title, "q?", steps, (), toy_study.run).steps)


def _headline(key, label, spec, better):
    return len(Headline(key, label, spec, better).label)


def _option(default, help):
    return 1.0 if Option(default, help) else 0.0


def _parse(name, value):
    return Option(5, "a cost in euros", low=0).parse(name, value)


def _report(title, question):
    return len(Report(title, question).sections)


def _section(section):
    return len(Report("t", "q").section(section).blocks)


def _missing(exclude):
    return Report("t", "q").missing_sections(exclude)


ENTRIES = [
    Entry(
        "glassml.casestudies.run",
        _run,
        {"name": "toy", "quick": True, "seed": 0},
        options={"name": opt(), "quick": opt(), "seed": opt(-1)},
    ),
    Entry(
        "glassml.casestudies.run_all",
        _run_all,
        {"names": ["toy"], "quick": True},
        options={"names": opt(["nope"], "toy", 7, auto=False), "quick": opt()},
        aliases={"names": ("name",)},
    ),
    Entry(
        "glassml.casestudies.register",
        casestudies.register,
        {"study": toy_study.STUDY},
        options={"study": opt(42, "toy", auto=False)},
        compare=lambda base, other: None,  # returns the study object itself
    ),
    Entry(
        "glassml.casestudies.get_study",
        lambda name: casestudies.get_study(name).name,
        {"name": "toy"},
        options={"name": opt()},
    ),
    Entry("glassml.casestudies.available", lambda: len(casestudies.available()), {}),
    Entry(
        "glassml.casestudies.write_index",
        lambda out: Path(casestudies.write_index(out)).stat().st_size,
        {"out": str(OUT)},
        options={"out": opt(42, str(DATA_FILE), auto=False)},
    ),
    Entry(
        "glassml.casestudies.Study",
        _study,
        {"name": "mine", "steps": ("Fit",), "title": "T"},
        options={
            "name": opt("not an identifier"),
            "steps": opt((), ("",), "Fit", auto=False),
            "title": opt(3, auto=False),
        },
    ),
    Entry(
        "glassml.casestudies.Headline",
        _headline,
        {"key": "auc", "label": "ROC-AUC", "spec": ".3f", "better": "higher"},
        options={
            "key": opt("", 3, auto=False),
            "label": opt(None, auto=False),
            "spec": opt("%q", 5, auto=False),
            "better": opt(),
        },
    ),
    Entry(
        "glassml.casestudies.Option",
        _option,
        {"default": 5.0, "help": "a cost"},
        options={"default": opt(True, None, [1], auto=False), "help": opt(3, auto=False)},
    ),
    Entry(
        "glassml.casestudies.Option.parse",
        _parse,
        {"name": "cost", "value": "7"},
        options={"value": opt("seven", -1, 2.5, float("nan"), True, auto=False)},
        aliases={"value": ("cost",)},
    ),
    Entry(
        "glassml.casestudies.Report",
        _report,
        {"title": "T", "question": "Q?"},
        options={"title": opt(3, None, auto=False), "question": opt(b"q", auto=False)},
    ),
    Entry(
        "glassml.casestudies.Report.section",
        _section,
        {"section": "data"},
        options={"section": opt()},
    ),
    Entry(
        "glassml.casestudies.Report.missing_sections",
        _missing,
        {"exclude": ("reproducibility",)},
        options={"exclude": opt("data", (3,), auto=False)},
    ),
    Entry(
        "glassml.casestudies.StudyContext.step",
        _step,
        {"title": "Fit models"},
        options={"title": opt()},
    ),
    Entry(
        "glassml.casestudies.StudyContext.metric",
        _metric,
        {"key": "auc", "value": 0.9},
        options={"key": opt("", 3, auto=False), "value": opt()},
    ),
    Entry(
        "glassml.casestudies.StudyContext.figure",
        _figure,
        {"stem": "curve", "caption": "A curve.", "section": "results"},
        options={
            "stem": opt("../escape", ".hidden", "", 3, auto=False),
            "caption": opt(3, auto=False),
            "section": opt(),
        },
    ),
    Entry(
        "glassml.casestudies.StudyContext.record_data",
        _record_data,
        {"label": "sample", "path": str(DATA_FILE)},
        options={"label": opt(3, auto=False), "path": opt(str(OUT / "missing.csv"), 5, auto=False)},
    ),
    Entry(
        "glassml.casestudies.StudyContext.map",
        _map,
        {"function": abs, "items": [-1, 2]},
        options={"function": opt(42, auto=False), "items": opt(5, auto=False)},
    ),
]


def _in_section(method):
    def call(**arguments):
        section = Report("T", "Q?").section("results")
        getattr(section, method)(**arguments)
        return len(section.blocks)

    return call


def _section_figure(figure, caption):
    return _in_section("figure")(figure=figure, caption=caption)


_FIGURE = plt.figure(figsize=(2, 2))
_FIGURE.add_subplot().plot([0, 1], [1, 0])

ENTRIES += [
    Entry(
        "glassml.casestudies.report.interval",
        interval,
        {"estimate": 0.8, "low": 0.7, "high": 0.9, "spec": ".3f"},
        options={
            "estimate": opt(float("nan"), "0.8", True, auto=False),
            "low": opt(float("inf"), 0.95, auto=False),
            "high": opt(float("-inf"), None, auto=False),
            "spec": opt("%q", 5, auto=False),
        },
    ),
    Entry("glassml.casestudies.report.Section.text", _in_section("text"), {"markdown": "Hi."}),
    Entry(
        "glassml.casestudies.report.Section.equation",
        _in_section("equation"),
        {"tex": r"x^2", "caption": "A square."},
        options={"tex": opt("", 3, r"\frac{", auto=False)},
    ),
    Entry(
        "glassml.casestudies.report.Section.note",
        _in_section("note"),
        {"markdown": "Careful.", "tone": "info"},
        options={"tone": opt()},
    ),
    Entry(
        "glassml.casestudies.report.Section.table",
        _in_section("table"),
        {"data": [{"a": 1.0, "b": 2.0}], "caption": "A row."},
        options={"data": opt(5, "text", auto=False)},
    ),
    Entry(
        "glassml.casestudies.report.Section.figure",
        _section_figure,
        {"figure": _FIGURE, "caption": "A line."},
        options={"figure": opt(3, None, auto=False), "caption": opt(3, auto=False)},
    ),
]

EXEMPT = {
    "glassml.casestudies.report.Headline": "the class glassml.casestudies.Headline, registered "
    "there",
    "glassml.casestudies.report.Report": "the class glassml.casestudies.Report, registered there",
    "glassml.casestudies.report.Report.section": "glassml.casestudies.Report.section, registered",
    "glassml.casestudies.report.Report.missing_sections": "glassml.casestudies.Report."
    "missing_sections, registered",
    "glassml.casestudies.report.Section": "built by Report.section (registered), never by hand; "
    "its methods have entries above",
    "glassml.casestudies.CaseStudyResult": "a record run() returns, never built from input",
    "glassml.casestudies.CaseStudyFailure": "a record run_all returns, never built from input",
    "glassml.casestudies.ProgressEvent": "a record the framework emits to progress callbacks",
    "glassml.casestudies.StudyContext": "created by run() from validated arguments; a study "
    "receives it and never builds one (its methods have entries above)",
}
