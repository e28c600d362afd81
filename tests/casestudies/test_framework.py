"""The case-study framework on a toy study: report, metrics, index, atomicity, CLI, Dask, browser.

The built-in studies have their own end-to-end tests; this module checks the machinery they
share, with a study small enough to run in seconds.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from browser import inspect_page
from casestudies import toy_study

from glassml import casestudies
from glassml.cli import main


@pytest.fixture(scope="module", autouse=True)
def registered():
    casestudies.register(toy_study.STUDY)


@pytest.fixture(scope="module")
def toy_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return casestudies.run("toy", out=out, quick=True, seed=3), out


def test_run_writes_report_metrics_summary_and_index(toy_report):
    result, out = toy_report
    assert result.name == "toy"
    assert result.report_path == out / "toy" / "report.html"
    assert json.loads((out / "toy" / "metrics.json").read_text()) == result.metrics
    assert (
        0.9 < result.metrics["auc_low"] <= result.metrics["auc"] <= result.metrics["auc_high"] <= 1
    )
    assert {p.suffix for p in result.figures} == {".svg", ".png"}
    assert all(p.exists() for p in result.figures)
    index = (out / "index.html").read_text()
    assert 'href="toy/report.html"' in index and "ROC-AUC" in index
    html = result.report_path.read_text()
    for title in casestudies.report.SECTIONS.values():
        assert title in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers


def test_report_files_are_readable_by_others(toy_report):
    result, out = toy_report
    mask = os.umask(0)
    os.umask(mask)
    for path in [
        result.report_path,
        out / "index.html",
        out / "toy" / "metrics.json",
        *result.figures,
    ]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path
    assert stat.S_IMODE((out / "toy").stat().st_mode) == 0o777 & ~mask


def test_same_seed_same_metrics_and_different_seed_differs(tmp_path, toy_report):
    result, _ = toy_report
    again = casestudies.run("toy", out=tmp_path, quick=True, seed=3)
    assert again.metrics == result.metrics
    other = casestudies.run("toy", out=tmp_path, quick=True, seed=4)
    assert other.metrics != result.metrics


def test_a_failing_study_leaves_no_partial_report_and_keeps_the_old_one(tmp_path):
    good = casestudies.run("toy", out=tmp_path, quick=True)
    before = good.report_path.read_bytes()
    with pytest.raises(RuntimeError, match="asked to fail"):
        casestudies.run("toy", out=tmp_path, quick=True, seed=9, options={"fail_at": "fit"})
    assert good.report_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_requests_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"name: expected one of .*'toy'"):
        casestudies.run("no-such-study", out=tmp_path)
    with pytest.raises(FileNotFoundError, match="data: no such file"):
        casestudies.run("toy", data=tmp_path / "missing.csv", out=tmp_path)
    with pytest.raises(ValueError, match="options: toy has no option"):
        casestudies.run("toy", out=tmp_path, options={"colour": "red"})
    with pytest.raises(ValueError, match="seed"):
        casestudies.run("toy", out=tmp_path, seed=-1)
    with pytest.raises(ValueError, match="quick"):
        casestudies.run("toy", out=tmp_path, quick="yes")
    with pytest.raises(ValueError, match="dask"):
        casestudies.run("toy", out=tmp_path, dask="nowhere")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=r"out: .* is not a folder"):
        casestudies.run("toy", out=a_file)
    with pytest.raises(ValueError, match="out: cannot create"):
        casestudies.run("toy", out=a_file / "under")
    with pytest.raises(ValueError, match="out: cannot create"):
        casestudies.run("toy", out="/proc/glassml-reports")  # not writable, even for root


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_unwritable_out_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ValueError, match="not writable"):
        casestudies.run("toy", out=locked)


def test_cli_list_bad_name_and_all_with_a_failure(tmp_path, capsys):
    assert main(["case-study", "--list"]) == 0
    assert "toy" in capsys.readouterr().out
    assert main(["case-study", "nope", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "name: expected one of" in error and "Traceback" not in error
    assert (
        main(["case-study", "toy", "--out", str(tmp_path), "--quick", "--set", "fail_at=load"]) == 1
    )
    printed = capsys.readouterr().out
    assert "failed" in printed
    assert "failed" in (tmp_path / "index.html").read_text()
    assert main(["case-study", "toy", "--out", str(tmp_path), "--quick", "--seed", "2"]) == 0
    printed = capsys.readouterr().out
    assert "3/3" in printed and "index.html" in printed
    assert main(["case-study", "toy", "--set", "oops"]) == 2


def test_dask_gives_the_serial_metrics(tmp_path, toy_report):
    pytest.importorskip("distributed")
    import cloudpickle

    # Workers cannot import the test folder, so the toy study's task travels by value.
    cloudpickle.register_pickle_by_value(toy_study)
    try:
        result = casestudies.run("toy", out=tmp_path, quick=True, seed=3, dask="local")
    finally:
        cloudpickle.unregister_pickle_by_value(toy_study)
    assert result.metrics == toy_report[0].metrics


def _worker_trim_threshold() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


@pytest.mark.parametrize("exported", [None, "131072"])
def test_local_cluster_workers_keep_glibcs_dynamic_mmap_threshold(monkeypatch, exported):
    """distributed's default MALLOC_TRIM_THRESHOLD_=65536 made autodiff training 2.5x slower
    on workers; the local cluster's workers start without it, unless the user exports one,
    and dask's configuration is left as it was."""
    pytest.importorskip("distributed")
    import dask.config

    from glassml.casestudies._runner import _connect

    key = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
    before = dask.config.get(key)
    if exported is None:
        monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    else:
        monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", exported)
    client, close = _connect("local")
    try:
        seen = client.run(_worker_trim_threshold)
    finally:
        close()
    assert len(seen) == 2 and set(seen.values()) == {exported}
    assert dask.config.get(key) == before


def test_report_and_index_pass_in_a_real_browser(toy_report, tmp_path):
    result, out = toy_report
    page = inspect_page(
        result.report_path.as_uri(),
        tmp_path / "toy.png",
        evaluate={
            "metrics": "Array.from(document.querySelectorAll('[data-metric]'))"
            ".map(e => e.dataset.metric)"
        },
    )
    page.assert_clean()
    assert page.n_images >= 2  # the equation and the figure
    assert set(page.values["metrics"]) == {"auc", "n_resamples"}
    assert f"{result.metrics['auc']:.3f}" in page.text
    index = inspect_page((out / "index.html").as_uri(), tmp_path / "index.png")
    index.assert_clean()
    assert "A toy study of the framework" in index.text


def test_option_bounds_are_inclusive_and_refused_by_name():
    """``low`` and ``high`` bound a numeric option (both ends legal); bad bounds are refused
    when the option is declared, not when a user first sets it."""
    shift = casestudies.Option(0, "a shift in pixels", low=0, high=13)
    assert shift.parse("shift", "13") == 13 and shift.parse("shift", 0) == 0
    for bad, expected in ((14, "<= 13"), (-1, ">= 0"), (1e300, "<= 13")):
        with pytest.raises(ValueError, match=f"^shift: expected a number {expected}"):
            shift.parse("shift", bad)
    with pytest.raises(ValueError, match=r"^high: expected None or a number >= low"):
        casestudies.Option(1.0, "a rate", low=1.0, high=0.5)
    with pytest.raises(ValueError, match=r"^high: expected None or a finite number"):
        casestudies.Option(1.0, "a rate", high=float("inf"))
