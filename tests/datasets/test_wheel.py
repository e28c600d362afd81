"""The wheel carries the bundled data, and the loaders work from an installed wheel.

The wheel is built from the checkout (``python -m build --wheel --no-isolation``, so no package
is fetched), its listing must hold every file of the manifest, and it is installed with
``pip install --no-deps --no-index --target`` into a temporary folder. A fresh interpreter,
started outside the checkout with that folder first on ``sys.path`` (the dependencies come
from the test environment), must import glassml from there, load every bundled dataset and
pass ``glassml datasets verify``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "src/glassml/datasets/data/manifest.json").read_text())["files"]

_CHECK = """
import json, sys
import glassml, glassml.datasets as d
from glassml.cli import main
counts = dict(
    where=glassml.__file__,
    cmapss=len(d.load_cmapss().train),
    frauds=int(d.load_creditcard().y.sum()),
    pairs=len(d.load_online_retail().interactions),
    breast=len(d.load_medmnist().train_images),
    adult=len(d.load_adult().test),
    german=len(d.load_german_credit().frame),
    verified=bool(d.verify_checksums()["ok"].all()),
)
print(json.dumps(counts))
sys.exit(main(["datasets", "verify"]))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (built,) = out.glob("glassml-*.whl")
    return built


def test_wheel_holds_every_bundled_file(wheel):
    with zipfile.ZipFile(wheel) as archive:
        inside = {
            info.filename: info.file_size
            for info in archive.infolist()
            if info.filename.startswith("glassml/datasets/data/")
        }
        manifest_in_wheel = json.loads(archive.read("glassml/datasets/data/manifest.json"))
    expected = {f"glassml/datasets/data/{name}": e["bytes"] for name, e in MANIFEST.items()}
    expected["glassml/datasets/data/manifest.json"] = inside.get(
        "glassml/datasets/data/manifest.json"
    )
    assert inside == expected
    assert manifest_in_wheel["files"] == MANIFEST


def test_loaders_work_from_the_installed_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    environment = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [sys.executable, "-c", _CHECK],
        cwd=tmp_path,  # not the checkout, so src/ cannot be imported by accident
        env=environment,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    counts = json.loads(run.stdout.splitlines()[0])
    assert Path(counts.pop("where")).is_relative_to(target)
    assert counts == dict(
        cmapss=20_631,
        frauds=492,
        pairs=266_221,
        breast=546,
        adult=16_281,
        german=1_000,
        verified=True,
    )
    assert "match their checksums" in run.stdout
