"""Files others can read, and the command line's one-line errors (issue 9 §4 and §2 CLI).

- ``glassml._io.atomic_write`` and ``save_figure`` create files with the mode the user's umask
  gives a new file (0644 under umask 022, 0600 under 077), never mkstemp's fixed 0600; an
  existing file keeps its permission bits; nothing is left behind when writing fails.
- ``glassml tour --out`` naming an existing file, a path under a file, or a place where no
  folder can be made (/proc/x) prints one line naming the path on stderr and exits 2.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from glassml._io import atomic_write, save_figure
from glassml.cli import main


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(previous)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_umask_mode(tmp_path, umask, mask, expected):
    umask(mask)
    with atomic_write(tmp_path / "a" / "report.txt") as stream:
        stream.write("hello")
    assert mode_of(tmp_path / "a" / "report.txt") == expected
    assert (tmp_path / "a" / "report.txt").read_text() == "hello"


def test_figures_get_the_umask_mode(tmp_path, umask):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure()
    paths = save_figure(figure, tmp_path / "figure")
    plt.close(figure)
    assert [mode_of(path) for path in paths] == [0o644, 0o644]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png", "figure.svg"]


def test_an_existing_file_keeps_its_mode_and_a_failure_leaves_it_intact(tmp_path, umask):
    target = tmp_path / "secret.txt"
    target.write_text("old")
    target.chmod(0o600)
    with atomic_write(target) as stream:
        stream.write("new")
    assert mode_of(target) == 0o600 and target.read_text() == "new"
    with pytest.raises(RuntimeError), atomic_write(target) as stream:
        stream.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["secret.txt"]


def test_tour_out_that_cannot_be_a_folder(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = {
        str(a_file): "is a file, not a folder",
        str(a_file / "sub"): "a part of the path is a file",
        "/proc/x": "cannot create the folder",
    }
    for out, reason in cases.items():
        assert main(["tour", "--out", out, "--sections", "cnn"]) == 2
        captured = capsys.readouterr()
        assert captured.err.startswith(f"glassml tour: --out {out}: {reason}")
        assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
        assert captured.out == ""


def test_unknown_section_is_a_usage_error(capsys):
    assert main(["tour", "--sections", "nope"]) == 2
    assert capsys.readouterr().err.startswith("glassml tour: unknown section(s) ['nope']")


def test_the_installed_command_prints_no_traceback(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "glassml.cli", "tour", "--out", str(a_file)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == f"glassml tour: --out {a_file}: is a file, not a folder\n"
