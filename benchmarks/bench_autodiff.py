"""Autodiff speed: ``value_and_grad`` against hand-written NumPy, and a small CNN against torch.

``autodiff_logistic``: the mean logistic loss on 200,000 x 100 float64, target ratio <= 1.3 (the
tape must add little to large arrays). Both sides do the same arithmetic: one ``X @ w``, the
stable loss, one ``X^T r``; the difference is the cost of recording and replaying the graph.

``autodiff_small``: the per-call overhead that HMC pays. The log density of a Bayesian logistic
regression (1,000 x 10, Gaussian prior) and its gradient, called 1,000 times, target ratio
<= 2.5: here the arithmetic is tens of microseconds, so the Python cost of the tape (Tensor
creation, tracing, VJP dispatch) is what is measured.

``autodiff_cnn``: ten forward and backward passes of a small CNN (conv 1->16 3x3, ReLU, max-pool
2, conv 16->32 3x3, ReLU, max-pool 2, dense -> 10, softmax cross-entropy) on a batch of 128
28x28 float32 images, built directly from the autodiff ops, against PyTorch on one thread
(target <= 2): the convolution and pooling primitives without the nn layers and the optimiser.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from benchmarks._harness import Workload, register


def _logistic_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 100))
    w_true = rng.normal(size=100) / 10
    y = (rng.random(200_000) < special.expit(X @ w_true)).astype(np.float64)
    return X, y, rng.normal(size=100) / 10


def _logistic_ours(data):
    import glassml.autodiff as ad

    X, y, w = data

    def mean_logistic_loss(w):
        z = X @ w
        return ad.mean(ad.softplus(z) - y * z)

    return ad.value_and_grad(mean_logistic_loss)(w)


def _logistic_numpy(data):
    X, y, w = data
    z = X @ w
    loss = np.mean(np.logaddexp(0, z) - y * z)
    gradient = X.T @ (special.expit(z) - y) / X.shape[0]
    return loss, gradient


def _logistic_check(data, ours, reference) -> str:
    loss_difference = abs(ours[0] - reference[0]) / abs(reference[0])
    gradient_difference = np.abs(ours[1] - reference[1]).max() / np.abs(reference[1]).max()
    return f"loss rel. diff {loss_difference:.1e}, grad max rel. diff {gradient_difference:.1e}"


register(
    Workload(
        name="autodiff_logistic",
        description="value_and_grad of mean logistic loss, 200,000 x 100 float64, vs NumPy",
        setup=_logistic_data,
        ours=_logistic_ours,
        reference=_logistic_numpy,
        reference_label="numpy",
        target=1.3,
        check=_logistic_check,
        repeats=9,
    )
)


# -- per-call overhead on a small problem (the HMC use case) -------------------------------------

SMALL_ROWS, SMALL_FEATURES, PRIOR_SD, SMALL_CALLS = 1_000, 10, 2.5, 1_000


def _small_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(SMALL_ROWS, SMALL_FEATURES))
    beta = rng.normal(0.0, 0.5, size=SMALL_FEATURES)
    y = (rng.random(SMALL_ROWS) < special.expit(X @ beta)).astype(np.float64)
    return X, y, rng.normal(0.0, 0.5, size=SMALL_FEATURES)


def _small_ours(data):
    import glassml.autodiff as ad

    X, y, beta = data

    def log_posterior(beta):
        z = X @ beta
        return y @ z - ad.softplus(z).sum() - (0.5 / PRIOR_SD**2) * (beta @ beta)

    value_and_gradient = ad.value_and_grad(log_posterior)
    for _ in range(SMALL_CALLS):
        result = value_and_gradient(beta)
    return result


def _small_numpy(data):
    X, y, beta = data

    def value_and_gradient(beta):
        z = X @ beta
        value = y @ z - np.logaddexp(0, z).sum() - (0.5 / PRIOR_SD**2) * (beta @ beta)
        gradient = X.T @ (y - special.expit(z)) - beta / PRIOR_SD**2
        return value, gradient

    for _ in range(SMALL_CALLS):
        result = value_and_gradient(beta)
    return result


register(
    Workload(
        name="autodiff_small",
        description="1,000 value_and_grad calls, logistic log posterior 1,000 x 10, vs NumPy",
        setup=_small_data,
        ours=_small_ours,
        reference=_small_numpy,
        reference_label="numpy",
        target=2.5,
        check=_logistic_check,
        repeats=9,
    )
)


# -- a small CNN's forward and backward pass, built from the autodiff ops -------------------------

CNN_BATCH, CNN_STEPS = 128, 10


def _cnn_data():
    rng = np.random.default_rng(2)
    images = rng.standard_normal((CNN_BATCH, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, CNN_BATCH)
    shapes = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (32 * 5 * 5, 10), (10,)]
    params = [(rng.standard_normal(shape) * 0.1).astype(np.float32) for shape in shapes]
    return images, labels, params


def _cnn_ours(data):
    import glassml.autodiff as ad

    images, labels, params = data

    def loss(w1, b1, w2, b2, w3, b3):
        hidden = ad.max_pool2d(ad.relu(ad.conv2d(images, w1, b1)), 2)
        hidden = ad.max_pool2d(ad.relu(ad.conv2d(hidden, w2, b2)), 2)
        logits = ad.reshape(hidden, (CNN_BATCH, -1)) @ w3 + b3
        return ad.softmax_cross_entropy(logits, labels)

    value_and_gradient = ad.value_and_grad(loss, argnums=tuple(range(6)))
    for _ in range(CNN_STEPS):
        value, gradients = value_and_gradient(*params)
    return float(value), gradients


def _cnn_torch(data):
    # One thread, like glassml's convolutions (one BLAS thread, serial Numba loops): the ratio
    # compares implementations on the same core. (bench_nn's cnn_epoch gives torch NumPy's BLAS
    # thread count instead; on the loaded 2-core machine torch's second thread often costs it
    # several-fold, and its spinning OpenMP workers slow whatever runs next.)
    import torch

    torch.set_num_threads(1)
    functional = torch.nn.functional
    images, labels = torch.from_numpy(data[0]), torch.from_numpy(data[1])
    params = [torch.from_numpy(p.copy()).requires_grad_() for p in data[2]]
    for _ in range(CNN_STEPS):
        for p in params:
            p.grad = None
        hidden = functional.max_pool2d(functional.relu(functional.conv2d(images, *params[:2])), 2)
        hidden = functional.max_pool2d(functional.relu(functional.conv2d(hidden, *params[2:4])), 2)
        logits = hidden.reshape(CNN_BATCH, -1) @ params[4] + params[5]
        value = functional.cross_entropy(logits, labels)
        value.backward()
    return float(value.detach()), [p.grad.numpy() for p in params]


def _cnn_check(data, ours, reference) -> str:
    loss_difference = abs(ours[0] - reference[0]) / abs(reference[0])
    gradient_difference = max(
        float(np.abs(mine - theirs).max() / np.abs(theirs).max())
        for mine, theirs in zip(ours[1], reference[1], strict=True)
    )
    return f"loss rel. diff {loss_difference:.1e}, grad max rel. diff {gradient_difference:.1e}"


register(
    Workload(
        name="autodiff_cnn",
        description="10 value_and_grad steps, conv16-pool-conv32-pool-dense, batch 128, vs torch",
        setup=_cnn_data,
        ours=_cnn_ours,
        reference=_cnn_torch,
        reference_label="torch-1-thread",
        target=2.0,
        requires=("torch",),
        check=_cnn_check,
        repeats=5,
    )
)
