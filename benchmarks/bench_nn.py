"""glassml.nn against PyTorch (CPU) on one training epoch of an MLP and of a small CNN.

Both sides use the same number of threads: torch.set_num_threads(n) with n the thread count of
NumPy's BLAS (threadpoolctl), so the ratio compares implementations, not core counts. Setting
``BENCH_NN_THREADS=k`` limits both sides to k threads (NumPy's BLAS via threadpoolctl); on a
shared, oversubscribed machine k=1 avoids OpenBLAS's spinning threads dominating the timing. The
scikit-learn MLPClassifier's one-epoch time is printed beside the MLP as a peer. The CNN check
also reports glassml's peak traced memory for one epoch (tracemalloc tracks NumPy buffers).
"""

from __future__ import annotations

import functools
import os
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from benchmarks._harness import Workload, register
from glassml import nn
from glassml.optim import Adam

BATCH = 128


def blas_threads() -> int:
    if os.environ.get("BENCH_NN_THREADS"):
        return int(os.environ["BENCH_NN_THREADS"])
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else 1


def limited(function):
    """Run ``function`` with NumPy's BLAS limited to ``blas_threads()`` threads."""

    @functools.wraps(function)
    def wrapper(data):
        with threadpool_limits(limits=blas_threads(), user_api="blas"):
            return function(data)

    return wrapper


def _torch():
    import torch

    torch.set_num_threads(blas_threads())
    return torch


# ------------------------------------------------------------------------------- MLP
def mlp_setup():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60_000, 784)).astype(np.float32)
    y = rng.integers(0, 10, 60_000)
    return X, y


@limited
def mlp_ours(data):
    X, y = data
    model = nn.Sequential([nn.Dense(256), nn.ReLU(), nn.Dense(10)])
    history = nn.fit(model, X, y, loss="cross_entropy", optimizer=Adam(lr=1e-3), epochs=1,
                     batch_size=BATCH, random_state=0, verbose=0)  # fmt: skip
    return float(history["loss"][-1])


def _torch_epoch(model, X, y, torch):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(X.shape[0])
    total = 0.0
    for start in range(0, X.shape[0], BATCH):
        batch = order[start : start + BATCH]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
        total += loss.item() * batch.numel()
    return total / X.shape[0]


def mlp_torch(data):
    torch = _torch()
    X, y = data
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )
    return _torch_epoch(model, torch.from_numpy(X), torch.from_numpy(y), torch)


@limited
def mlp_sklearn(data):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier((256,), batch_size=BATCH, max_iter=1, random_state=0).fit(X, y)


def loss_check(data, ours, theirs):
    return f"epoch loss glassml {ours:.4f} vs torch {theirs:.4f}; threads {blas_threads()}"


register(
    Workload(
        name="mlp_epoch",
        description="784-256-10 MLP, 60,000 samples, batch 128, Adam, float32: one epoch",
        setup=mlp_setup,
        ours=mlp_ours,
        reference=mlp_torch,
        reference_label="torch",
        target=1.5,
        requires=("torch",),
        check=loss_check,
        peers={"sklearn MLPClassifier": (mlp_sklearn, ("sklearn",))},
        repeats=3,
    )
)


# ------------------------------------------------------------------------------- CNN
def cnn_setup():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10_000, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 10_000)
    return X, y


CNN_LAYERS = [
    {"type": "conv2d", "out_channels": 16, "kernel_size": 3},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2},
    {"type": "conv2d", "out_channels": 32, "kernel_size": 3},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2},
    {"type": "flatten"},
    {"type": "dense", "out_features": 10},
]


@limited
def cnn_ours(data):
    X, y = data
    model = nn.layer_from_config({"type": "sequential", "layers": CNN_LAYERS})
    history = nn.fit(model, X, y, loss="cross_entropy", optimizer=Adam(lr=1e-3), epochs=1,
                     batch_size=BATCH, random_state=0, verbose=0)  # fmt: skip
    return float(history["loss"][-1])


def cnn_torch(data):
    torch = _torch()
    X, y = data
    torch.manual_seed(0)
    layers = torch.nn
    model = layers.Sequential(
        layers.Conv2d(1, 16, 3), layers.ReLU(), layers.MaxPool2d(2),
        layers.Conv2d(16, 32, 3), layers.ReLU(), layers.MaxPool2d(2),
        layers.Flatten(), layers.Linear(32 * 5 * 5, 10),
    )  # fmt: skip
    return _torch_epoch(model, torch.from_numpy(X), torch.from_numpy(y), torch)


def cnn_check(data, ours, theirs):
    tracemalloc.start()
    cnn_ours(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (
        f"{loss_check(data, ours, theirs)}; glassml peak traced memory "
        f"{peak / 2**30:.3f} GiB (target <= 1.5)"
    )


register(
    Workload(
        name="cnn_epoch",
        description="conv16-pool-conv32-pool-dense CNN, 10,000 28x28 images, batch 128, Adam",
        setup=cnn_setup,
        ours=cnn_ours,
        reference=cnn_torch,
        reference_label="torch",
        target=2.0,
        requires=("torch",),
        check=cnn_check,
        repeats=3,
    )
)
