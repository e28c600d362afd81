"""``n_jobs``: the model calls of ExactExplainer, KernelExplainer, LimeTabularExplainer and
LimeImageExplainer shared out among worker processes (``glassml.explain._workers``).

Reference: the same explainer with ``n_jobs=1``. Tolerance: none — the values must be
bit-identical (``np.array_equal``), because every model call sees the same batch in any split
and every random draw (coalitions, LIME's samples) is made in the parent. The model functions
record the process that evaluated them, so a test cannot pass by silently running in one
process.
"""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np
import pytest

from glassml.explain import (
    ExactExplainer,
    KernelExplainer,
    LimeImageExplainer,
    LimeTabularExplainer,
)

M = 8


class Recorded:
    """Two non-linear outputs with interactions; leaves one file per evaluating process."""

    def __init__(self, directory):
        self.directory = directory

    def __call__(self, Z):
        (self.directory / str(os.getpid())).touch()
        return np.column_stack(
            [np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2] ** 2 - Z[:, 7], Z[:, 0] - Z[:, 3] * Z[:, 6]]
        )


def _rebuild(pid):
    if os.getpid() != pid:
        raise ImportError("this model exists only in the process that made it")
    return LoadsOnlyHere()


class LoadsOnlyHere:
    """Pickles, but cannot be unpickled in another process (as a function whose module the
    workers cannot import)."""

    def __reduce__(self):
        return _rebuild, (os.getpid(),)

    def __call__(self, Z):
        return np.tanh(Z[:, 0]) + Z[:, 1] * Z[:, 2]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    return {
        "background": rng.normal(size=(9, M)),
        "weights": rng.uniform(0.5, 2.0, size=9),
        "rows": rng.normal(size=(5, M)),
        "train": rng.normal(size=(200, M)),
    }


def _explainers(f, data, n_jobs):
    # Small batches, so that each explainer makes many model calls to share out.
    kernel = KernelExplainer(
        f,
        data["background"],
        n_samples=100,
        random_state=7,
        background_weights=data["weights"],
        batch_rows=200,
        n_jobs=n_jobs,
    )
    exact = ExactExplainer(f, data["background"], batch_rows=500, n_jobs=n_jobs)
    lime = LimeTabularExplainer(
        f, data["train"], mode="regression", random_state=7, n_samples=300, batch_rows=256,
        n_jobs=n_jobs,
    )  # fmt: skip
    return {"kernel": kernel, "exact": exact, "lime": lime}


def _results(f, data, n_jobs):
    out = {}
    for name, explainer in _explainers(f, data, n_jobs).items():
        e = explainer(data["rows"])
        out[name] = (e.values, e.base_values)
    out["lime fidelity"] = (e.fidelity, e.extras["coefficients"])
    return out


def test_values_are_bit_identical_for_any_n_jobs(data, tmp_path):
    serial_dir, parallel_dir = tmp_path / "serial", tmp_path / "parallel"
    serial_dir.mkdir(), parallel_dir.mkdir()
    serial = _results(Recorded(serial_dir), data, None)
    assert {p.name for p in serial_dir.iterdir()} == {str(os.getpid())}
    for n_jobs in (2, -1):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a fallback to one process would warn
            parallel = _results(Recorded(parallel_dir), data, n_jobs)
        for name, arrays in serial.items():
            for a, b in zip(arrays, parallel[name], strict=True):
                assert np.array_equal(a, b), f"{name} with n_jobs={n_jobs}"
    assert {p.name for p in parallel_dir.iterdir()} - {str(os.getpid())}, "no worker ran"


class RecordedImages:
    """A non-linear score of (m, H, W) images; leaves one file per evaluating process."""

    def __init__(self, directory):
        self.directory = directory

    def __call__(self, images):
        (self.directory / str(os.getpid())).touch()
        left, right = images[:, :, :6].mean(axis=(1, 2)), images[:, :, 6:].mean(axis=(1, 2))
        return np.column_stack([np.tanh(3 * left * right), left - right**2])


def test_lime_image_values_are_bit_identical_for_any_n_jobs(tmp_path):
    images = np.random.default_rng(5).uniform(size=(2, 12, 12))
    serial_dir, parallel_dir = tmp_path / "serial", tmp_path / "parallel"
    serial_dir.mkdir(), parallel_dir.mkdir()

    def explain(f, n_jobs):
        explainer = LimeImageExplainer(
            f, n_segments=9, compactness=0.1, n_samples=300, random_state=4, batch_rows=40,
            n_jobs=n_jobs,
        )  # fmt: skip
        return explainer(images)

    serial = explain(RecordedImages(serial_dir), None)
    assert {p.name for p in serial_dir.iterdir()} == {str(os.getpid())}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to one process would warn
        parallel = explain(RecordedImages(parallel_dir), 2)
    assert {p.name for p in parallel_dir.iterdir()} - {str(os.getpid())}, "no worker ran"
    for field in ("values", "base_values", "fidelity"):
        assert np.array_equal(getattr(serial, field), getattr(parallel, field)), field
    for key in ("segments", "segment_weights"):
        assert np.array_equal(serial.extras[key], parallel.extras[key]), key


def test_a_model_error_in_a_worker_is_raised_as_in_one_process(data):
    def f(Z):
        return np.where(Z[:, 0] > 100, np.nan, np.tanh(Z[:, 1]))

    rows = data["rows"].copy()
    rows[-1, 0] = 1000.0  # only the last row's coalitions with feature 0 give NaN
    for n_jobs in (1, 2):
        explainer = KernelExplainer(
            f, data["background"], n_samples=100, batch_rows=200, n_jobs=n_jobs
        )
        with pytest.raises(ValueError, match="model_fn: expected finite outputs"):
            explainer(rows)


def test_a_model_that_cannot_travel_runs_here_with_a_warning(data):
    lock = threading.Lock()

    def locked(Z):
        with lock:
            return np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2]

    for f, where in ((locked, "_thread.lock"), (LoadsOnlyHere(), "in a worker")):
        serial = KernelExplainer(f, data["background"], n_samples=100, random_state=0)
        parallel = KernelExplainer(
            f, data["background"], n_samples=100, random_state=0, batch_rows=200, n_jobs=2
        )
        with pytest.warns(UserWarning, match=f"model_fn: cannot be sent.*{where}"):
            values = parallel(data["rows"]).values
        assert np.array_equal(values, serial(data["rows"]).values)


@pytest.mark.parametrize("bad", [0, 1.5, "2", True, np.nan, [2]])
def test_bad_n_jobs_is_named(data, bad):
    f = Recorded(None)  # calling it would fail: n_jobs is validated first
    for make in (
        lambda: KernelExplainer(f, data["background"], n_jobs=bad),
        lambda: ExactExplainer(f, data["background"], n_jobs=bad),
        lambda: LimeTabularExplainer(f, data["train"], mode="regression", n_jobs=bad),
        lambda: LimeImageExplainer(f, n_jobs=bad),
    ):
        with pytest.raises(ValueError, match="n_jobs: expected None or a non-zero integer"):
            make()


def test_numpy_integer_n_jobs_is_accepted(data):
    explainer = KernelExplainer(
        lambda Z: Z[:, 0], data["background"], n_jobs=np.int64(-1), random_state=0
    )
    assert explainer.n_jobs == -1 and type(explainer.n_jobs) is int
