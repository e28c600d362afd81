"""Running a case study: validate the request, run it, write its report atomically.

Output layout under ``out``::

    index.html                 every study's headline metrics and a link to its report
    <name>/report.html         one self-contained page (inline CSS, SVG images, no scripts)
    <name>/metrics.json        the flat dict of floats in the report
    <name>/summary.json        what the index needs (title, headline, status, runtime, seed)
    <name>/figures/*.svg|png   every figure, also embedded in the report

A study is built in a temporary folder beside its final place and swapped in with renames
only when it has finished, so a failure never leaves half a report (and an earlier good report
stays where it was).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glassml._io import atomic_write
from glassml._validation import check_bool, check_count, fail
from glassml.casestudies._study import ProgressEvent, Study, StudyContext, check_headline
from glassml.casestudies.report import SECTIONS, Headline
from glassml.casestudies.report._render import render_index, render_study

# The built-in studies, imported only when asked for (each pulls in its model families).
BUILTIN = {
    "maintenance": "glassml.casestudies._maintenance",
    "fraud": "glassml.casestudies._fraud",
    "recommendation": "glassml.casestudies._recommendation",
    "medical": "glassml.casestudies._medical",
}
_REGISTERED: dict[str, Study] = {}


@dataclass
class CaseStudyResult:
    name: str
    metrics: dict[str, float]
    report_path: Path
    figures: list[Path]
    runtime_s: float


@dataclass
class CaseStudyFailure:
    name: str
    error: str
    runtime_s: float
    metrics: dict[str, float] = field(default_factory=dict)


def register(study: Study) -> Study:
    """Add a study of your own; it runs and reports exactly like the built-in ones.

    Examples
    --------
    A study of your own fills the same sections as the built-in ones; :func:`_tiny_study`
    is one in ten lines (one step, one metric):

    >>> study = register(_tiny_study())
    >>> study.name in available()
    True
    """
    if not isinstance(study, Study):
        raise fail("study", "a glassml.casestudies.Study", study)
    _REGISTERED[study.name] = study
    return study


def _tiny_study() -> Study:
    """The study of this module's examples, written as a user writes one: a function that runs
    its steps, records metrics and fills every report section but the last (the framework
    writes "reproducibility")."""

    def count(context: StudyContext) -> None:
        with context.step("Count"):
            context.metric("n", 3)
        for key in list(SECTIONS)[:-1]:
            context.report.section(key).text("...")

    return Study(
        "tiny", "A tiny study", "How many?", ("Count",), (Headline("n", "count", ".0f"),), count
    )


def available() -> list[str]:
    """Names of the studies that can run here, built-in first, in their fixed order.

    Examples
    --------
    >>> "medical" in available()
    True
    """
    builtin = [name for name, module in BUILTIN.items() if importlib.util.find_spec(module)]
    return builtin + [name for name in _REGISTERED if name not in BUILTIN]


def get_study(name: str) -> Study:
    """The :class:`Study` called ``name`` (built-in or registered).

    Examples
    --------
    >>> get_study("medical").title
    'Medical image recognition: breast ultrasound at 28x28'
    """
    names = available()
    if not isinstance(name, str) or name not in names:
        raise fail("name", f"one of {names}", name)
    if name in _REGISTERED:
        return _REGISTERED[name]
    return importlib.import_module(BUILTIN[name]).STUDY


def _writable_folder(out: Any) -> Path:
    if not isinstance(out, str | os.PathLike):
        raise fail("out", "a folder path", out)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"out: {folder} exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"out: cannot create the folder {folder}: {error.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"out: the folder {folder} is not writable")
    return folder


def _check_data(data: Any) -> Path | None:
    if data is None:
        return None
    if not isinstance(data, str | os.PathLike):
        raise fail("data", "a file or folder path", data)
    path = Path(data)
    if not path.exists():
        raise FileNotFoundError(f"data: no such file or folder: {path}")
    return path


def _check_options(study: Study, options: Mapping[str, Any] | None) -> dict[str, Any]:
    options = dict(options or {})
    unknown = sorted(set(options) - set(study.options))
    if unknown:
        known = sorted(study.options) or "none"
        raise ValueError(f"options: {study.name} has no option(s) {unknown}; known: {known}")
    return {
        name: option.parse(name, options[name]) if name in options else option.default
        for name, option in study.options.items()
    }


def _check_request(study: Study, data, out, quick, seed, options):
    """Every argument of a run, checked before any work starts."""
    return (
        check_bool(quick, "quick"),
        check_count(seed, "seed", minimum=0),
        _check_data(data),
        _check_options(study, options),
        _writable_folder(out),
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _connect(dask: Any) -> tuple[Any, Callable[[], None]]:
    """A ``distributed.Client`` for ``dask`` ("local", an address or a Client) and a closer."""
    if dask is None:
        return None, lambda: None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError(
            "dask: needs the distributed package (pip install 'glassml[dask]')"
        ) from None
    if isinstance(dask, Client):
        return dask, lambda: None
    if dask == "local":
        from dask import config as dask_config

        # distributed's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536 to hand memory
        # back to the OS sooner. That fixes glibc's mmap threshold, so every large temporary
        # (autodiff's activations and gradients) is a fresh mmap with page faults: training the
        # medical CNN took 2.5x the CPU time. None unsets it; a value the user exports wins.
        untrimmed = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
        with dask_config.set(untrimmed):
            cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    if isinstance(dask, str) and "://" in dask:
        try:
            client = Client(dask, timeout="20s")
        except OSError as error:
            raise ValueError(f"dask: cannot reach the scheduler at {dask}: {error}") from None
        return client, client.close
    raise fail(
        "dask", "None, 'local', a scheduler address such as 'tcp://host:8786' or a Client", dask
    )


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("glassml", "numpy", "scipy", "scikit-learn", "pandas", "numba", "matplotlib"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def _reproducibility(context: StudyContext, runtime_s: float, dask: Any) -> None:
    section = context.report.section("reproducibility")
    command = f"glassml case-study {context.study.name} --seed {context.seed}"
    if context.quick:
        command += " --quick"
    if context.data is not None:
        command += f" --data {context.data}"
    for name, value in context.options.items():
        if value != context.study.options[name].default:
            command += f" --set {name}={value}"
    section.text(f"Run again with `{command}`; every random choice derives from the seed.")
    rows = [{"what": k, "value": v} for k, v in _versions().items()]
    rows += [
        {
            "what": "machine",
            "value": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        },
        {"what": "seed", "value": str(context.seed)},
        {"what": "mode", "value": "quick" if context.quick else "full"},
        {"what": "parallel fits", "value": "Dask cluster" if dask is not None else "this process"},
        {"what": "runtime", "value": f"{runtime_s:.1f} s"},
    ]
    rows += [{"what": name, "value": str(value)} for name, value in context.options.items()]
    section.table(rows, caption="Software, settings and runtime of this report.")
    if context.data_files:
        section.table(
            [
                {"data": label, "file": where, "SHA-256": digest}
                for label, where, digest in context.data_files
            ],
            caption="The data this report was computed from, with checksums.",
        )


def _swap_in(temporary: Path, final: Path) -> None:
    """Replace ``final`` by ``temporary`` with renames (the old one goes last)."""
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        os.replace(final, old / final.name)
    os.replace(temporary, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, payload: Any) -> None:
    with atomic_write(path, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=2, sort_keys=True)


def write_index(out: Path, failures: Iterable[CaseStudyFailure] = ()) -> Path:
    """Rewrite ``out/index.html`` from every report's summary (and this run's failures).

    Examples
    --------
    >>> import tempfile
    >>> write_index(tempfile.mkdtemp()).name
    'index.html'
    """
    from glassml import __version__

    out = _writable_folder(out)
    failures = list(failures)
    if not all(isinstance(f, CaseStudyFailure) for f in failures):
        raise fail("failures", "CaseStudyFailure records", failures)
    summaries = {}
    for path in sorted(out.glob("*/summary.json")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable summary is left out, never fatal for the index
        summary["href"] = f"{path.parent.name}/report.html"
        summaries[summary["name"]] = summary
    for failure in failures:
        try:
            study = get_study(failure.name)
            title, question = study.title, study.question
        except Exception:  # the study itself may be what failed to load
            title, question = failure.name, ""
        summaries[failure.name] = {
            "name": failure.name,
            "title": title,
            "question": question,
            "status": "failed",
            "error": failure.error,
        }
    order = {name: i for i, name in enumerate(available())}
    studies = sorted(summaries.values(), key=lambda s: (order.get(s["name"], 99), s["name"]))
    for summary in studies:
        if summary["status"] == "ok":
            summary["headline"] = [Headline(**h) for h in summary["headline"]]
    index = out / "index.html"
    with atomic_write(index, "w", encoding="utf-8") as stream:
        stream.write(render_index(studies, __version__))
    return index


def run(
    name: str,
    data: str | os.PathLike | None = None,
    out: str | os.PathLike = "reports/",
    quick: bool = False,
    seed: int = 0,
    dask: Any = None,
    *,
    options: Mapping[str, Any] | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
) -> CaseStudyResult:
    """Run one case study and write its report; see the package docstring.

    Parameters
    ----------
    name : str
        ``maintenance``, ``fraud``, ``recommendation``, ``medical`` (or a registered study).
    data : path, optional
        The full public data (a file or folder the study documents); the bundled data when
        omitted.
    out : path
        Folder for ``index.html`` and ``<name>/report.html``.
    quick : bool
        A smaller run (fewer seeds, smaller searches) that finishes in about a minute.
    seed : int
        Every random choice of the study derives from it.
    dask : None, "local", an address or a ``distributed.Client``
        Run the study's independent fits (seeds, folds, candidates) on a Dask cluster; the
        metrics are identical to the serial run.
    options : dict, optional
        Study settings (costs, thresholds); unknown names are refused.
    progress : callable, optional
        Receives a :class:`ProgressEvent` as each step starts and ends.

    Examples
    --------
    ``run("maintenance", quick=True)`` takes about a minute; a registered study runs the same
    way (:func:`_tiny_study`, see :func:`register`):

    >>> import tempfile
    >>> study = register(_tiny_study())
    >>> result = run("tiny", out=tempfile.mkdtemp())
    >>> result.metrics, result.report_path.name
    ({'n': 3.0}, 'report.html')
    """
    from glassml import __version__

    study = get_study(name)
    quick, seed, path, settings, folder = _check_request(study, data, out, quick, seed, options)

    client, close = _connect(dask)
    workdir = Path(tempfile.mkdtemp(prefix=f".{study.name}-", dir=folder))
    os.chmod(workdir, 0o777 & ~_umask())
    start = time.perf_counter()
    try:
        context = StudyContext(
            study,
            seed=seed,
            quick=quick,
            data=path,
            workdir=workdir,
            options=settings,
            progress=progress,
            client=client,
        )
        study.run(context)
        check_headline(study, context.metrics)
        missing = context.report.missing_sections()
        if missing:
            raise RuntimeError(f"study {study.name!r} left sections empty: {missing}")
        runtime_s = time.perf_counter() - start
        _reproducibility(context, runtime_s, client)
        date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        html = render_study(
            context.report,
            name=study.name,
            metrics=context.metrics,
            quick=quick,
            seed=seed,
            version=__version__,
            date=date,
            runtime_s=runtime_s,
        )
        with atomic_write(workdir / "report.html", "w", encoding="utf-8") as stream:
            stream.write(html)
        _write_json(workdir / "metrics.json", context.metrics)
        _write_json(
            workdir / "summary.json",
            {
                "name": study.name,
                "title": study.title,
                "question": study.question,
                "status": "ok",
                "metrics": context.metrics,
                "runtime_s": runtime_s,
                "seed": seed,
                "quick": quick,
                "date": date,
                "version": __version__,
                "headline": [h.__dict__ for h in study.headline],
            },
        )
        final = folder / study.name
        figures = [final / p.relative_to(workdir) for p in context.figures]
        _swap_in(workdir, final)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    finally:
        close()
    write_index(folder)
    return CaseStudyResult(
        study.name, dict(context.metrics), final / "report.html", figures, runtime_s
    )


def run_all(
    names: Iterable[str] | None = None,
    *,
    on_failure: Callable[[CaseStudyFailure, BaseException], None] | None = None,
    **settings: Any,
) -> list[CaseStudyResult | CaseStudyFailure]:
    """Run several studies (all by default); a failure is recorded and the others still run.

    Examples
    --------
    With the study of :func:`register`'s example (:func:`_tiny_study`):

    >>> import tempfile
    >>> study = register(_tiny_study())
    >>> [type(r).__name__ for r in run_all(["tiny", "tiny"], out=tempfile.mkdtemp())]
    ['CaseStudyResult', 'CaseStudyResult']
    """
    if isinstance(names, str):
        raise fail("names", "a list of study names (or None for all)", names)
    try:
        names = available() if names is None else list(names)
    except TypeError:
        raise fail("names", "a list of study names (or None for all)", names) from None
    # Everything is checked before the first study starts: a typo fails at once, not per study.
    for name in names:
        _check_request(
            get_study(name),
            settings.get("data"),
            settings.get("out", "reports/"),
            settings.get("quick", False),
            settings.get("seed", 0),
            settings.get("options"),
        )
    out = _writable_folder(settings.get("out", "reports/"))
    # One cluster for all the studies (a bad address is refused here, before any work).
    client, close = _connect(settings.get("dask"))
    settings["dask"] = client
    outcomes: list[CaseStudyResult | CaseStudyFailure] = []
    try:
        for name in names:
            start = time.perf_counter()
            try:
                outcomes.append(run(name, **settings))
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as error:
                failure = CaseStudyFailure(
                    name, f"{type(error).__name__}: {error}", time.perf_counter() - start
                )
                outcomes.append(failure)
                if on_failure is not None:
                    on_failure(failure, error)
    finally:
        close()
    write_index(out, [o for o in outcomes if isinstance(o, CaseStudyFailure)])
    return outcomes
