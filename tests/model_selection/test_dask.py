"""Scale-out on Dask: searches and comparisons run on a cluster unchanged and give the serial
results.

A ``distributed.LocalCluster`` with two worker processes (one thread each) on this machine;
``joblib.parallel_config(backend="dask")`` sends the fits there. Checks are exact equality
with the serial run for the same seeds (the optimiser runs in the client, only the fits travel,
and a fit's score does not depend on where it ran), including when a worker process is killed
(SIGKILL) in the middle of a fit: the scheduler re-runs the lost task on a worker and the
search ends with the same result. No timing is asserted; timeouts are generous for a loaded
2-core machine.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np
import pytest
from model_selection import _dask_helpers
from model_selection._dask_helpers import SlowLogistic
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from glassml.model_selection import BayesSearchCV, Real, compare_models

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")
# The helper estimator travels by value, so the workers need not import the test tree.
pytest.importorskip("cloudpickle").register_pickle_by_value(_dask_helpers)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster, timeout="120s")
    client.wait_for_workers(2, timeout=120)
    yield client
    client.close()
    cluster.close()


X_IRIS, Y_IRIS = load_iris(return_X_y=True)


def _search(estimator, n_jobs, X=X_IRIS, y=Y_IRIS):
    return BayesSearchCV(
        estimator, {"C": Real(1e-3, 1e2, prior="log-uniform")}, n_iter=6, n_initial_points=3,
        n_points=3, cv=2, n_jobs=n_jobs, random_state=0,
    ).fit(X, y)  # fmt: skip


def _same_search(a, b):
    assert a.cv_results_["params"] == b.cv_results_["params"]
    assert np.array_equal(a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"])
    assert a.best_params_ == b.best_params_


def test_bayes_search_on_dask_equals_serial(client):
    serial = _search(SVC(), n_jobs=1)
    with joblib.parallel_config(backend="dask"):
        on_cluster = _search(SVC(), n_jobs=-1)
    _same_search(serial, on_cluster)


def test_compare_models_on_dask_equals_serial(client):
    X, y = load_iris(return_X_y=True)
    models = {
        "logistic": LogisticRegression(max_iter=500),
        "nb": GaussianNB(),
        "tree": DecisionTreeClassifier(random_state=0),
    }
    serial = compare_models(models, X, y, cv=5, n_jobs=1)
    with joblib.parallel_config(backend="dask"):
        on_cluster = compare_models(models, X, y, cv=5, n_jobs=-1)
    assert serial.index.tolist() == on_cluster.index.tolist()
    assert np.array_equal(serial.to_numpy(), on_cluster.to_numpy(), equal_nan=True)


def test_search_survives_a_killed_worker(client, tmp_path):
    serial = _search(SlowLogistic(), n_jobs=1)
    address_of = {pid: address for address, pid in client.run(os.getpid).items()}
    closed = []

    def close_a_worker_mid_fit():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not closed:
            for marker in tmp_path.iterdir():
                pid = int(marker.name.split("-")[0])
                if pid in address_of:  # a fit announced itself there and is running
                    client.retire_workers(workers=[address_of[pid]], close_workers=True)
                    closed.append(pid)
                    return
            time.sleep(0.05)

    closer = threading.Thread(target=close_a_worker_mid_fit, daemon=True)
    closer.start()
    with joblib.parallel_config(backend="dask"):
        on_cluster = _search(SlowLogistic(delay=0.3, marker_dir=str(tmp_path)), n_jobs=-1)
    closer.join(timeout=30)
    assert closed, "no worker was closed: the test did not exercise a failure"
    assert closed[0] not in client.run(os.getpid).values()
    _same_search(serial, on_cluster)
